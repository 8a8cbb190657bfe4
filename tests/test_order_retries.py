"""Failed orders are retried on a schedule, parked after the limit, and wait for a fix when
waiting cannot help; a failure never overwrites what a competing worker committed."""

from __future__ import annotations

import threading
from datetime import timedelta

from conftest import QueryDeadlockError

from woocommerce_fusion.engine.pipeline import Status, process_order
from woocommerce_fusion.engine.retry import MAX_ATTEMPTS, RETRY_DELAYS, RetryStatus
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.engine.sync.retries import retry_due_orders
from woocommerce_fusion.testing.erp_fake import ErpFake


def _open_order(shop) -> dict:
	return next(
		o for o in shop.orders.values() if o["status"] not in ("cancelled", "trash", "failed", "refunded")
	)


def test_a_transient_failure_is_retried_with_growing_delays_then_parked(shop, erp, client, settings, clock):
	shop.seed_orders(3, seed=41)
	order = _open_order(shop)

	def deadlock(name):
		raise QueryDeadlockError("Deadlock found when trying to get lock")

	erp.after_sales_order_insert = deadlock
	run_order_sync(erp, client, settings, since=None, now=clock())
	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.error_kind, record.attempts) == (Status.FAILED, "conflict", 1)
	assert record.retry_status == RetryStatus.SCHEDULED

	for attempt, delay in enumerate(RETRY_DELAYS, start=1):
		assert record.next_attempt_on == clock() + delay
		clock.advance(delay - timedelta(seconds=1))
		shop.reset_counts()
		assert retry_due_orders(erp, client, settings, now=clock).failed == 0
		assert shop.count() == 0, "nothing is due a second early"
		clock.advance(timedelta(seconds=1))
		assert retry_due_orders(erp, client, settings, now=clock).failed >= 1
		record = erp.order_record("shop1", order["id"])
		assert record.attempts == attempt + 1

	assert record.attempts == MAX_ATTEMPTS
	assert record.next_attempt_on is None
	assert record.retry_status == f"Gave up after {MAX_ATTEMPTS} attempts"
	assert record.status == Status.FAILED and "Deadlock" in record.error
	clock.advance(timedelta(days=3))
	shop.reset_counts()
	assert retry_due_orders(erp, client, settings, now=clock).fetched == 0
	assert shop.count() == 0

	# A person fixes the cause and presses Retry.
	erp.after_sales_order_insert = None
	done = process_order(erp, settings, order["id"])
	assert done.status == Status.SALES_ORDER_CREATED
	assert (done.attempts, done.next_attempt_on, done.retry_status) == (0, None, "")


def test_a_failure_that_waiting_cannot_heal_waits_for_new_data(shop, erp, client, settings, clock):
	shop.seed_orders(12, seed=13)
	settings.tax_accounts = {1: "VAT 19% - TC"}  # the 7 % rate has no account
	first = run_order_sync(erp, client, settings, since=None, now=clock())
	broken = next(
		o
		for o in shop.orders.values()
		if o["status"] == "processing" and any(t["rate_id"] == 2 for t in o["tax_lines"])
	)
	record = erp.order_record("shop1", broken["id"])
	assert (record.status, record.error_kind) == (Status.FAILED, "configuration")
	assert (record.next_attempt_on, record.retry_status) == (None, RetryStatus.NEEDS_FIX)
	assert first.next_cursor == clock(), "a failed order never holds the cursor"

	clock.advance(timedelta(days=1))
	shop.reset_counts()
	assert retry_due_orders(erp, client, settings, now=clock).fetched == 0
	assert shop.count() == 0

	# The settings are completed and the shop sends a new version of the order.
	settings.tax_accounts = {1: "VAT 19% - TC", 2: "VAT 7% - TC"}
	shop.modify_order(broken["id"], customer_note="call first")
	clock.advance(timedelta(minutes=1))
	run_order_sync(erp, client, settings, since=first.next_cursor, now=clock())
	assert erp.order_record("shop1", broken["id"]).status == Status.SALES_ORDER_CREATED


def test_a_permanently_failing_order_does_not_hold_the_cursor(shop, erp, client, settings, clock):
	shop.seed_orders(5, seed=42)
	order = _open_order(shop)
	erp.after_sales_order_insert = lambda name: (_ for _ in ()).throw(QueryDeadlockError("stuck"))
	first = run_order_sync(erp, client, settings, since=None, now=clock())
	assert first.counts.failed >= 1 and first.next_cursor == clock()

	clock.advance(timedelta(hours=1))
	shop.reset_counts()
	second = run_order_sync(erp, client, settings, since=first.next_cursor, now=clock())
	assert second.counts.fetched == 0, "the failed order is parked on its row, not listed again"
	assert second.next_cursor == clock()
	assert erp.order_record("shop1", order["id"]).attempts == 1
	clock.advance(timedelta(hours=1))
	shop.reset_counts()
	run_order_sync(erp, client, settings, since=second.next_cursor, now=clock())
	listed = [r for r in shop.requests if r.method == "GET" and "modified_after" in r.query]
	assert listed and all(r.query["modified_after"] == "2026-11-25T09:55:00" for r in listed)


def test_a_retry_that_cannot_reach_the_shop_moves_the_schedule_on(shop, erp, client, settings, clock):
	shop.seed_orders(3, seed=43)
	order = _open_order(shop)
	erp.after_sales_order_insert = lambda name: (_ for _ in ()).throw(QueryDeadlockError("stuck"))
	run_order_sync(erp, client, settings, since=None, now=clock())
	erp.after_sales_order_insert = None
	clock.advance(RETRY_DELAYS[0])
	shop.inject_fault("503", times=100)

	counts = retry_due_orders(erp, client, settings, now=clock)

	assert counts.failed == counts_failed_first_run(erp) >= 1
	record = erp.order_record("shop1", order["id"])
	assert record.status == Status.FAILED and record.failed_step == "sales_order"
	assert record.error_kind == "unavailable" and record.attempts == 2
	assert record.next_attempt_on == clock() + RETRY_DELAYS[1]


def test_an_order_deleted_from_the_shop_is_not_retried_again(shop, erp, client, settings, clock):
	shop.seed_orders(3, seed=44)
	order = _open_order(shop)
	erp.after_sales_order_insert = lambda name: (_ for _ in ()).throw(QueryDeadlockError("stuck"))
	run_order_sync(erp, client, settings, since=None, now=clock())
	client.delete(f"orders/{order['id']}", {"force": True})
	clock.advance(RETRY_DELAYS[0])

	retry_due_orders(erp, client, settings, now=clock)

	record = erp.order_record("shop1", order["id"])
	assert record.error_kind == "not_found"
	assert (record.next_attempt_on, record.retry_status) == (None, RetryStatus.NEEDS_FIX)


def counts_failed_first_run(erp: ErpFake) -> int:
	return sum(1 for title, _ in erp.errors if "failed at sales_order" in title)


class RacingErp(ErpFake):
	"""Lets a competing worker commit between a failed attempt's rollback and its record."""

	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.between: list = []

	def rollback(self) -> None:
		super().rollback()
		while self.between:
			competitor = threading.Thread(target=self.between.pop())
			competitor.start()
			competitor.join()


def test_a_failure_is_not_written_over_a_competing_workers_success(shop, clock, settings):
	erp = RacingErp(now=clock)
	shop.seed_orders(3, seed=45)
	order = _open_order(shop)
	failing = threading.current_thread()

	def fail_here_only(name):
		if threading.current_thread() is failing:
			erp.between.append(lambda: process_order(erp, settings, order["id"], payload=order))
			raise RuntimeError("this worker's attempt failed")

	erp.after_sales_order_insert = fail_here_only
	record = process_order(erp, settings, order["id"], payload=order)

	stored = erp.order_record("shop1", order["id"])
	assert stored.status == Status.SALES_ORDER_CREATED, "the competitor's success stands"
	assert (stored.error, stored.failed_step, stored.attempts) == ("", "", 0)
	assert record.status == Status.SALES_ORDER_CREATED
	assert erp.count("sales_order") == 1
	assert erp.errors == []
