"""The daily order sync report's rows and CSV, and the once-per-state rule of failure notices."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest

from woocommerce_fusion.engine.notices import FAILED, STUCK, alert_state, forgets_notice, notice_due
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.report import (
	ALL_ORDERS,
	COLUMNS,
	FAILED_ONLY,
	ReportOrder,
	build_csv,
	customer_from_payload,
	first_line,
	report_due,
	select_orders,
)

NOW = datetime(2026, 12, 2, 8, 0)


def order(
	woocommerce_id: int, status: str, *, age: timedelta, changed: timedelta | None = None, **kw
) -> ReportOrder:
	"""An order placed `age` ago whose row last changed `changed` ago (default: when placed)."""
	placed = NOW - age
	return ReportOrder(
		woocommerce_id=woocommerce_id,
		server=kw.pop("server", "Shop A"),
		status=status,
		stuck=kw.pop("stuck", False),
		changed_at=NOW - (changed if changed is not None else age),
		created_at=placed,
		placed_at=placed,
		**kw,
	)


ORDERS = [
	order(1, Status.PAYMENT_REGISTERED, age=timedelta(hours=2)),
	order(2, Status.FAILED, age=timedelta(days=40), error="Item X not found\nTraceback ..."),
	order(3, Status.FAILED_AT_STOCK_ALLOCATION, age=timedelta(hours=1), error_kind="stock"),
	order(4, Status.NOT_PROCESSED, age=timedelta(hours=3), stuck=True),
	order(5, Status.NOT_PROCESSED, age=timedelta(minutes=10)),  # on its way
	order(6, Status.NOT_PROCESSED, age=timedelta(minutes=45)),  # waits longer than Stuck After
	order(7, Status.SALES_ORDER_CREATED, age=timedelta(hours=30)),  # before the period
	order(8, Status.CANCELLED, age=timedelta(hours=23)),
]


def ids(orders: list[ReportOrder]) -> list[int]:
	return [o.woocommerce_id for o in orders]


def test_failed_only_lists_failed_stuck_and_long_unsynced_orders_however_old():
	assert sorted(ids(select_orders(ORDERS, FAILED_ONLY, NOW))) == [2, 3, 4, 6]


def test_failed_only_follows_each_shops_stuck_after():
	slow = order(9, Status.NOT_PROCESSED, age=timedelta(minutes=45), server="Shop B")
	chosen = select_orders([slow, ORDERS[5]], FAILED_ONLY, NOW, {"Shop B": timedelta(hours=1)})
	assert ids(chosen) == [6]


def test_an_unsynced_order_counts_from_its_last_change_not_from_when_it_was_placed():
	requeued = order(10, Status.NOT_PROCESSED, age=timedelta(hours=5), changed=timedelta(minutes=5))
	assert select_orders([requeued], FAILED_ONLY, NOW) == []


def test_all_orders_lists_the_last_24_hours_and_every_failure():
	assert sorted(ids(select_orders(ORDERS, ALL_ORDERS, NOW))) == [1, 2, 3, 4, 5, 6, 8]


def test_an_order_without_a_placed_date_counts_from_its_row():
	row = ReportOrder(11, "Shop A", Status.SALES_ORDER_CREATED, False, NOW, NOW - timedelta(hours=1))
	assert ids(select_orders([row], ALL_ORDERS, NOW)) == [11]


def test_rows_are_by_shop_then_as_placed():
	b = order(20, Status.FAILED, age=timedelta(hours=1), server="Shop B")
	a_late = order(21, Status.FAILED, age=timedelta(hours=1))
	a_early = order(22, Status.FAILED, age=timedelta(hours=5))
	assert ids(select_orders([b, a_late, a_early], FAILED_ONLY, NOW)) == [22, 21, 20]


def test_an_unknown_scope_is_refused():
	with pytest.raises(ValueError, match="scope"):
		select_orders(ORDERS, "Some orders", NOW)


def test_csv_has_the_columns_and_the_first_line_of_each_error():
	rows = [
		order(
			2,
			Status.FAILED,
			age=timedelta(hours=1),
			customer="Jane Doe, Ltd",
			delivery_date=date(2026, 12, 9),
			error_kind="bad_data",
			error='\n  Item "X" not found  \nTraceback (most recent call last):\n  ...',
		),
		order(4, Status.NOT_PROCESSED, age=timedelta(hours=3), stuck=True),
	]
	parsed = list(csv.reader(io.StringIO(build_csv(rows))))
	assert (
		parsed[0]
		== list(COLUMNS)
		== [
			"Order ID",
			"Shop",
			"Customer",
			"Delivery Date",
			"Placed At",
			"Status",
			"Error Kind",
			"Error",
		]
	)
	assert parsed[1] == [
		"2",
		"Shop A",
		"Jane Doe, Ltd",
		"2026-12-09",
		"2026-12-02 07:00:00",
		"Failed",
		"bad_data",
		'Item "X" not found',
	]
	assert parsed[2] == ["4", "Shop A", "", "", "2026-12-02 05:00:00", "Stuck", "", ""]
	assert len(parsed) == 3


def test_first_line_skips_blank_lines():
	assert first_line("\n\n  boom  \nmore") == "boom"
	assert first_line("") == ""


@pytest.mark.parametrize(
	"billing, expected",
	[
		({"company": "ACME", "first_name": "Jane", "email": "j@x.org"}, "ACME"),
		({"first_name": "Jane", "last_name": "Doe", "email": "j@x.org"}, "Jane Doe"),
		({"email": "j@x.org"}, "j@x.org"),
		({}, ""),
	],
)
def test_customer_of_an_order_without_sales_order(billing, expected):
	assert customer_from_payload({"billing": billing}) == expected


def test_customer_of_a_missing_payload():
	assert customer_from_payload(None) == ""


def test_report_is_due_once_a_day_after_its_time():
	at = time(7, 30)
	assert report_due(at, None, NOW)
	assert not report_due(at, None, NOW.replace(hour=7, minute=29))
	assert not report_due(at, NOW.replace(hour=7, minute=31), NOW)
	assert report_due(at, NOW - timedelta(days=1), NOW)


# -- notices --------------------------------------------------------------------------------


def test_alert_states():
	assert alert_state(Status.FAILED, False) == FAILED
	assert alert_state(Status.FAILED_AT_STOCK_ALLOCATION, False) == FAILED
	assert alert_state(Status.NOT_PROCESSED, True) == STUCK
	assert alert_state(Status.NOT_PROCESSED, False) == ""
	assert alert_state(Status.PAYMENT_REGISTERED, False) == ""


def test_a_notice_is_due_once_per_state():
	assert notice_due(Status.FAILED, False, "") == FAILED
	# Failed again (another attempt, or stock after bad data): told already.
	assert notice_due(Status.FAILED, False, FAILED) is None
	assert notice_due(Status.FAILED_AT_STOCK_ALLOCATION, False, FAILED) is None
	# A new state is a new notice.
	assert notice_due(Status.NOT_PROCESSED, True, FAILED) == STUCK
	assert notice_due(Status.FAILED, False, STUCK) == FAILED
	assert notice_due(Status.NOT_PROCESSED, True, STUCK) is None
	assert notice_due(Status.SALES_ORDER_CREATED, False, "") is None


def test_only_a_good_state_forgets_the_last_notice():
	assert forgets_notice(Status.SALES_ORDER_CREATED)
	assert forgets_notice(Status.PAYMENT_REGISTERED)
	assert not forgets_notice(Status.FAILED)
	assert not forgets_notice(Status.FAILED_AT_STOCK_ALLOCATION)
	assert not forgets_notice(Status.NOT_PROCESSED)


def test_fail_recover_fail_is_told_twice():
	notified = ""
	told = []
	for status in (Status.FAILED, Status.FAILED, Status.SALES_ORDER_CREATED, Status.FAILED):
		if forgets_notice(status):
			notified = ""
		state = notice_due(status, False, notified)
		if state:
			told.append(state)
			notified = state
	assert told == [FAILED, FAILED]
