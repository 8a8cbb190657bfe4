"""The order pipeline and the five-step sync, end to end: test shop over HTTP + ERP fake."""

from __future__ import annotations

import math
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import SYNC_START, QueryDeadlockError

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.pipeline import Status, process_order
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.engine.sync.retries import retry_due_orders


def sync(erp, client, settings, clock, since):
	return run_order_sync(erp, client, settings, since=since, now=clock())


def open_orders(shop) -> list[dict]:
	return [
		o for o in shop.orders.values() if o["status"] not in ("cancelled", "trash", "failed", "refunded")
	]


def test_first_run_creates_a_sales_order_per_open_order_with_exact_totals(shop, erp, client, settings, clock):
	shop.seed_orders(40, seed=7)
	result = sync(erp, client, settings, clock, since=None)

	expected = open_orders(shop)
	assert result.counts.fetched == len(shop.orders)
	assert result.counts.created == len(expected)
	assert result.counts.failed == 0, result.counts.errors
	assert result.next_cursor == clock()
	assert erp.count("sales_order") == len(expected)
	for order in expected:
		record = erp.order_record("shop1", order["id"])
		assert record.status == Status.SALES_ORDER_CREATED
		so = erp.sales_order(record.sales_order)
		assert so.grand_total == Decimal(order["total"])
		assert so.woocommerce_status == order["status"]
	for order in shop.orders.values():
		if order not in expected:
			assert erp.order_record("shop1", order["id"]).status == Status.CANCELLED


def test_a_second_run_right_after_writes_nothing_and_updates_nothing(shop, erp, client, settings, clock):
	shop.seed_orders(30, seed=8)
	first = sync(erp, client, settings, clock, since=None)
	writes = erp.writes
	shop.reset_counts()
	clock.advance(minutes=1)

	second = sync(erp, client, settings, clock, since=first.next_cursor)

	assert erp.writes == writes
	assert shop.count(method="PUT") == 0 and shop.count(method="POST") == 0
	assert second.counts.created == second.counts.updated == 0
	# The Sales Orders the first run wrote are not "modified in ERPNext" for the second one.
	assert not [r for r in shop.requests if "include" in r.query]
	assert shop.count() == 2, "one listing page and the trash listing"


def test_shop_change_after_a_run_updates_the_sales_order(shop, erp, client, settings, clock):
	shop.seed_orders(10, seed=9)
	first = sync(erp, client, settings, clock, since=None)
	order = next(o for o in open_orders(shop) if o["status"] == "processing")
	unchanged = [o for o in open_orders(shop) if o["id"] != order["id"]]
	clock.advance(minutes=10)
	shop.modify_order(order["id"], status="on-hold")
	so_before = {o["id"]: erp.sales_order(erp.order_record("shop1", o["id"]).sales_order) for o in unchanged}
	clock.advance(minutes=10)

	second = sync(erp, client, settings, clock, since=first.next_cursor)

	assert second.counts.updated == 1
	so = erp.sales_order(erp.order_record("shop1", order["id"]).sales_order)
	assert so.woocommerce_status == "on-hold"
	for other in unchanged:
		assert erp.sales_order(so_before[other["id"]].name) == so_before[other["id"]]


def test_erp_change_after_a_run_updates_the_shop_once(shop, erp, client, settings, clock):
	shop.seed_orders(10, seed=10)
	first = sync(erp, client, settings, clock, since=None)
	order = next(o for o in open_orders(shop) if o["status"] == "processing")
	so_name = erp.order_record("shop1", order["id"]).sales_order
	clock.advance(minutes=10)
	erp.touch_sales_order(so_name, woocommerce_status="completed")
	clock.advance(minutes=10)
	shop.reset_counts()

	second = sync(erp, client, settings, clock, since=first.next_cursor)

	assert shop.orders[order["id"]]["status"] == "completed"
	assert shop.count(method="PUT") == 1
	assert second.counts.updated == 1
	writes = erp.writes
	shop.reset_counts()
	clock.advance(minutes=10)
	sync(erp, client, settings, clock, since=second.next_cursor)
	assert erp.writes == writes
	assert shop.count(method="PUT") == 0


def test_changed_orders_with_nothing_to_write_cost_at_most_pages_plus_two_requests(
	shop, erp, client, settings, clock
):
	shop.seed_orders(250, seed=11)
	first = sync(erp, client, settings, clock, since=None)
	clock.advance(minutes=30)
	for order_id in list(shop.orders):
		shop.modify_order(order_id)  # timestamp moves, content does not
	writes = erp.writes
	shop.reset_counts()
	clock.advance(minutes=1)

	second = sync(erp, client, settings, clock, since=first.next_cursor)

	assert second.counts.fetched == 250
	assert shop.count() <= math.ceil(250 / 100) + 2
	assert erp.writes == writes


def test_orders_modified_in_erp_are_fetched_by_include_in_batches(shop, erp, client, settings, clock):
	shop.seed_orders(150, seed=12)
	first = sync(erp, client, settings, clock, since=None)
	clock.advance(minutes=30)
	touched = open_orders(shop)[:120]
	for order in touched:
		erp.touch_sales_order(
			erp.order_record("shop1", order["id"]).sales_order, woocommerce_status="completed"
		)
	clock.advance(minutes=1)
	shop.reset_counts()

	sync(erp, client, settings, clock, since=first.next_cursor)

	include_calls = [r for r in shop.requests if r.method == "GET" and "include" in r.query]
	assert len(include_calls) == 2
	assert all(shop.orders[o["id"]]["status"] == "completed" for o in touched)


def test_a_failing_order_does_not_stop_the_run(shop, erp, client, settings, clock):
	shop.seed_orders(12, seed=13)
	settings.tax_accounts = {1: "VAT 19% - TC"}  # the 7 % rate has no account
	result = sync(erp, client, settings, clock, since=None)

	uses_reduced = [o for o in open_orders(shop) if any(t["rate_id"] == 2 for t in o["tax_lines"])]
	assert uses_reduced, "the seed must contain orders with the 7 % rate"
	assert result.counts.failed == len(uses_reduced)
	assert result.counts.created == len(open_orders(shop)) - len(uses_reduced)
	record = erp.order_record("shop1", uses_reduced[0]["id"])
	assert record.status == Status.FAILED
	assert record.failed_step == "sales_order"
	assert record.error_kind == "configuration"
	assert "Traceback" in record.error and "2" in record.error.splitlines()[0]
	assert any(str(uses_reduced[0]["id"]) in title for title, _ in erp.errors)

	settings.tax_accounts = {1: "VAT 19% - TC", 2: "VAT 7% - TC"}
	retried = process_order(erp, settings, uses_reduced[0]["id"])
	assert retried.status == Status.SALES_ORDER_CREATED
	assert retried.attempts == 0 and retried.error == "" and retried.next_attempt_on is None


def test_existing_sales_order_made_elsewhere_is_a_duplicate(shop, erp, client, settings, clock):
	shop.seed_orders(3, seed=14)
	order = open_orders(shop)[0]
	foreign = erp.insert_foreign_sales_order("shop1", order["id"], order["status"])

	record = process_order(erp, settings, order["id"], payload=order)

	assert record.status == Status.DUPLICATE_SALES_ORDER
	assert record.sales_order == foreign
	assert erp.count("sales_order") == 1


def test_concurrent_paths_for_one_order_are_serialised(shop, erp, settings):
	shop.seed_orders(5, seed=15)
	order = open_orders(shop)[0]
	erp.after_sales_order_insert = lambda name: time.sleep(0.05)  # widen the race window
	barrier = threading.Barrier(6)
	results = []

	def worker():
		barrier.wait()
		results.append(process_order(erp, settings, order["id"], payload=order))

	threads = [threading.Thread(target=worker) for _ in range(6)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()

	assert erp.count("sales_order") == 1
	assert {r.sales_order for r in results} == {erp.order_record("shop1", order["id"]).sales_order}
	assert all(r.status == Status.SALES_ORDER_CREATED for r in results)


def test_a_crash_before_commit_leaves_nothing_and_the_retry_creates_one(shop, erp, settings):
	shop.seed_orders(2, seed=16)
	order = open_orders(shop)[0]

	def crash(name):
		raise RuntimeError("worker killed")

	erp.after_sales_order_insert = crash
	failed = process_order(erp, settings, order["id"], payload=order)
	assert failed.status == Status.FAILED and erp.count("sales_order") == 0
	erp.after_sales_order_insert = None
	done = process_order(erp, settings, order["id"])
	assert done.status == Status.SALES_ORDER_CREATED and erp.count("sales_order") == 1


def test_a_page_that_cannot_be_fetched_keeps_the_cursor(shop, erp, client, settings, clock):
	shop.seed_orders(5, seed=17)
	shop.inject_fault("500", times=100)
	fast = WooCommerceClient(
		settings.url, settings.consumer_key, settings.consumer_secret, sleep=lambda s: None
	)
	with pytest.raises(Exception) as raised:
		sync(erp, fast, settings, clock, since=SYNC_START)
	assert "500" in str(raised.value)
	assert erp.count("sales_order") == 0


def test_a_deadlock_is_retried_at_once_and_leaves_no_failure(shop, erp, settings):
	shop.seed_orders(2, seed=18)
	order = open_orders(shop)[0]
	deadlocks = []

	def deadlock_once(name):
		if not deadlocks:
			deadlocks.append(name)
			raise QueryDeadlockError("Deadlock found when trying to get lock")

	erp.after_sales_order_insert = deadlock_once
	record = process_order(erp, settings, order["id"], payload=order)

	assert deadlocks, "the deadlock must have happened"
	assert record.status == Status.SALES_ORDER_CREATED
	assert record.attempts == 0 and record.error == ""
	assert erp.count("sales_order") == 1


def test_a_refused_status_push_is_parked_on_the_row_and_the_cursor_moves_on(
	shop, erp, client, settings, clock
):
	shop.seed_orders(6, seed=19)
	first = sync(erp, client, settings, clock, since=None)
	order = next(o for o in open_orders(shop) if o["status"] == "processing")
	record = erp.order_record("shop1", order["id"])
	clock.advance(minutes=10)
	erp.touch_sales_order(record.sales_order, woocommerce_status="completed")
	clock.advance(minutes=10)
	shop.inject_fault("503", times=50, method="PUT")

	second = sync(erp, client, settings, clock, since=first.next_cursor)

	assert second.counts.failed == 1
	assert second.next_cursor == clock(), "one refused order must not hold the shop's cursor"
	failed = erp.order_record("shop1", order["id"])
	assert failed.status == Status.SALES_ORDER_CREATED, "the Sales Order exists; the status stays"
	assert failed.failed_step == "sync" and failed.error_kind == "unavailable"
	assert "503" in failed.error
	assert (failed.attempts, failed.next_attempt_on) == (1, clock() + timedelta(minutes=5))
	assert shop.orders[order["id"]]["status"] == "processing"

	shop.clear_faults()
	clock.advance(minutes=5)
	retried = retry_due_orders(erp, client, settings, now=clock)
	assert retried.updated == 1
	assert shop.orders[order["id"]]["status"] == "completed"
	healed = erp.order_record("shop1", order["id"])
	assert (healed.error, healed.failed_step, healed.attempts, healed.next_attempt_on) == ("", "", 0, None)


def test_a_sales_order_keyed_in_by_hand_is_adopted_once_as_a_duplicate(shop, erp, client, settings, clock):
	shop.seed_orders(4, seed=20)
	order = open_orders(shop)[0]
	by_hand = erp.insert_foreign_sales_order("shop1", order["id"], order["status"])

	first = sync(erp, client, settings, clock, since=None)

	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.sales_order) == (Status.DUPLICATE_SALES_ORDER, by_hand)
	assert erp.count("sales_order") == len(open_orders(shop))
	writes = erp.writes
	clock.advance(minutes=5)
	sync(erp, client, settings, clock, since=first.next_cursor)
	assert erp.writes == writes


def test_an_amended_sales_order_is_followed_and_stays_ours(shop, erp, client, settings, clock):
	shop.seed_orders(4, seed=21)
	first = sync(erp, client, settings, clock, since=None)
	order = open_orders(shop)[0]
	original = erp.order_record("shop1", order["id"]).sales_order
	erp.touch_sales_order(original, docstatus=2)
	amended = erp.insert_foreign_sales_order("shop1", order["id"], order["status"])
	clock.advance(minutes=5)

	sync(erp, client, settings, clock, since=first.next_cursor)

	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.sales_order) == (Status.SALES_ORDER_CREATED, amended)


def test_an_order_whose_sales_order_was_cancelled_is_not_counted_as_created(
	shop, erp, client, settings, clock
):
	shop.seed_orders(4, seed=22)
	sync(erp, client, settings, clock, since=None)
	order = open_orders(shop)[0]
	erp.touch_sales_order(erp.order_record("shop1", order["id"]).sales_order, docstatus=2)
	writes = erp.writes

	outcome = sync_order(erp, client, settings, client.get(f"orders/{order['id']}"), now=clock)

	assert outcome == "unchanged"
	assert erp.count("sales_order") == len(open_orders(shop))
	assert erp.writes == writes
