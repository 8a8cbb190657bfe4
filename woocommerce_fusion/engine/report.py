"""The daily order sync report: which orders it lists, when it is due, and its CSV.

Every moment here is naive and in the site's time zone, as Frappe stores them, so "today" and
the time of day are the site's.

Which orders a report lists (decided once, here):
- "Only orders that failed to sync": every order that is failed now (Failed, Failed at stock
  allocation, including those the retry gave up on), flagged Stuck, or still Not processed
  longer than its shop's Stuck After (minutes), however old the order is. A problem stays on
  the report every day until someone fixes it (Retry, Mark as synced); an order that is Not
  processed for less than that is on its way and left out.
- "All orders": every order placed in the 24 hours before the report is sent (by its Order
  Created On; a row that has none counts from its creation), and with it every order that
  failed to sync as above, so the full report never hides an outstanding problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from woocommerce_fusion.engine.pipeline import Status

ALL_ORDERS = "All orders"
FAILED_ONLY = "Only orders that failed to sync"
SCOPES = (ALL_ORDERS, FAILED_ONLY)

PERIOD = timedelta(hours=24)
# As tasks/stuck_orders.py: how long an order may stay Not processed before it counts as stuck.
DEFAULT_PENDING_AFTER = timedelta(minutes=30)
# What the report calls a flagged row, as the status screen's indicator does.
STUCK = "Stuck"

COLUMNS = (
	"Order ID",
	"Shop",
	"Customer",
	"Delivery Date",
	"Placed At",
	"Status",
	"Error Kind",
	"Error",
)
SUBJECT = "Daily Order Sync Status Report"


@dataclass(frozen=True)
class ReportOrder:
	"""One WooCommerce Order Sync row as the report reads it."""

	woocommerce_id: int
	server: str
	status: str
	stuck: bool
	# When the row last changed (its `modified`) and was made (its `creation`).
	changed_at: datetime
	created_at: datetime
	placed_at: datetime | None = None
	customer: str = ""
	delivery_date: date | None = None
	error_kind: str = ""
	error: str = ""


def report_status(order: ReportOrder) -> str:
	if order.stuck and order.status == Status.NOT_PROCESSED:
		return STUCK
	return order.status


def failed_to_sync(order: ReportOrder, now: datetime, pending_after: timedelta) -> bool:
	"""Failed now, flagged stuck, or left unsynced longer than the shop allows."""
	if order.status in Status.FAILED_STATES or report_status(order) == STUCK:
		return True
	return order.status == Status.NOT_PROCESSED and order.changed_at <= now - pending_after


def placed_in_period(order: ReportOrder, now: datetime) -> bool:
	return (order.placed_at or order.created_at) > now - PERIOD


def select_orders(
	orders: Iterable[ReportOrder],
	scope: str,
	now: datetime,
	pending_after: Mapping[str, timedelta] | None = None,
) -> list[ReportOrder]:
	"""The report's orders, by shop and then as they were placed. `pending_after` gives each
	shop's Stuck After; a shop it does not name gets the default."""
	if scope not in SCOPES:
		raise ValueError(f"unknown report scope {scope!r}; expected one of {SCOPES}")
	pending_after = pending_after or {}

	def wanted(order: ReportOrder) -> bool:
		failed = failed_to_sync(order, now, pending_after.get(order.server, DEFAULT_PENDING_AFTER))
		return failed or (scope == ALL_ORDERS and placed_in_period(order, now))

	chosen = [order for order in orders if wanted(order)]
	return sorted(chosen, key=lambda o: (o.server, o.placed_at or o.created_at, o.woocommerce_id))


def first_line(error: str) -> str:
	"""The first line of an error that says something (tracebacks come after the message)."""
	for line in (error or "").splitlines():
		if line.strip():
			return line.strip()
	return ""


def customer_from_payload(payload: Mapping[str, Any] | None) -> str:
	"""Who placed an order that has no Sales Order yet: the billing company, else the name,
	else the e-mail address."""
	billing = (payload or {}).get("billing") or {}
	name = " ".join(part for part in (billing.get("first_name"), billing.get("last_name")) if part)
	return str(billing.get("company") or name or billing.get("email") or "").strip()


def csv_row(order: ReportOrder) -> list[str]:
	return [
		str(order.woocommerce_id),
		order.server,
		order.customer,
		order.delivery_date.isoformat() if order.delivery_date else "",
		order.placed_at.strftime("%Y-%m-%d %H:%M:%S") if order.placed_at else "",
		report_status(order),
		order.error_kind,
		first_line(order.error),
	]


def build_csv(orders: Iterable[ReportOrder], columns: Iterable[str] = COLUMNS) -> str:
	"""The attachment: a header row (translated by the caller if it likes) and one row per order."""
	out = io.StringIO()
	writer = csv.writer(out)
	writer.writerow(list(columns))
	for order in orders:
		writer.writerow(csv_row(order))
	return out.getvalue()


def report_due(time_of_day: time, last_sent_on: datetime | None, now: datetime) -> bool:
	"""Sent once a day: once the time of day has passed, unless it was sent today already."""
	if now.time() < time_of_day:
		return False
	return last_sent_on is None or last_sent_on.date() < now.date()


def start_of_day(now: datetime) -> datetime:
	return datetime.combine(now.date(), time())
