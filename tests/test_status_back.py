"""Status back to WooCommerce: ERPNext events set the Sales Order's WooCommerce Status by the
server's rules, and the status push carries it to the shop in batches, with a note, retried on
failure. Against the test shop and the ERP fake."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from conftest import sync_settings

from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.retry import MAX_ATTEMPTS, RETRY_DELAYS, RetryStatus
from woocommerce_fusion.engine.settings import InvoicePolicy, ServerSettings
from woocommerce_fusion.engine.status_back import DEFAULT_RULES, ErpEvent
from woocommerce_fusion.engine.status_port import PushState, StatusRule
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.engine.sync.status_push import BATCH_SIZE, STATUS_SET_BY, push_statuses
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.order_cases import load_order

BATCH_PATH = "/wp-json/wc/v3/orders/batch"


@pytest.fixture
def erp(clock) -> ErpFake:
	fake = ErpFake(now=clock)
	fake.mode_of_payment_accounts = {"Stripe": "Stripe Clearing - TC"}
	return fake


@pytest.fixture
def settings(shop) -> ServerSettings:
	# Paid orders are invoiced at intake: the invoice the status rules must never take for shipping.
	return sync_settings(
		shop,
		submit_sales_orders=True,
		create_sales_invoice=InvoicePolicy.WHEN_PAID,
		modes_of_payment={"stripe": "Stripe"},
	)


def new_order(clock) -> dict[str, Any]:
	"""A paid order placed now, on the test's clock (the recorded dates are the recording's)."""
	now = clock().strftime("%Y-%m-%dT%H:%M:%S")
	order = {**load_order("coupon_paid_stripe"), "status": "processing"}
	order.pop("id")
	order.update(date_created_gmt=now, date_modified_gmt=now, date_paid_gmt=now)
	return order


def paid_order(shop, erp, client, settings) -> tuple[int, str]:
	"""A paid web order synced in: Sales Order, intake invoice and payment; returns (id, Sales Order)."""
	order_id = shop.add_order(new_order(erp.now))
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "created"
	record = erp.order_record(settings.name, order_id)
	assert record.status == Status.PAYMENT_REGISTERED and record.sales_invoice
	return order_id, record.sales_order


def push(erp, client, settings, clock) -> Any:
	return push_statuses(erp, erp, settings.name, lambda: client, now=clock)


def with_rules(erp: ErpFake, server: str, notes: bool = True, **enabled: bool) -> None:
	"""The default rules with some turned on or off, by event name in snake case; notes=False
	turns every rule's note off."""
	wanted = {ErpEvent[key.upper()].value: on for key, on in enabled.items()}
	erp.status_rules_by_server[server] = [
		StatusRule(
			rule.event,
			rule.woocommerce_status,
			wanted.get(rule.event, rule.enabled),
			add_note=rule.add_note and notes,
		)
		for rule in DEFAULT_RULES
	]


def set_by(shop, order_id: int) -> list[str]:
	return [m["value"] for m in shop.orders[order_id]["meta_data"] if m["key"] == STATUS_SET_BY]


def test_the_default_rule_completes_the_order_once_on_delivery_never_on_the_intake_invoice(
	shop, erp, client, settings, clock
):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	# The intake invoice went through the invoice event: nothing asked for, nothing pushed.
	assert erp.status_push(settings.name, order_id) is None
	shop.reset_counts()
	assert push(erp, client, settings, clock).due == 0
	assert shop.count() == 0

	clock.advance(minutes=5)
	delivery = erp.deliver(sales_order)
	assert erp.sales_order(sales_order).woocommerce_status == "completed"
	assert erp.sales_order(sales_order).woocommerce_status_changed_on == clock()
	assert erp.status_push(settings.name, order_id).state == PushState.PENDING

	counts = push(erp, client, settings, clock)
	assert (counts.pushed, counts.failed) == (1, 0)
	assert shop.orders[order_id]["status"] == "completed"
	notes = [note["note"] for note in shop.order_notes(order_id)]
	assert f"Completed by Delivery Note {delivery} in ERPNext." in notes
	assert shop.count(method="POST", path_prefix=BATCH_PATH) == 1
	assert set_by(shop, order_id) == [f"Delivery Note {delivery}"]
	pushed = erp.status_push(settings.name, order_id)
	assert (pushed.state, pushed.pushed_on, pushed.attempts) == (PushState.PUSHED, clock(), 0)
	record = erp.order_record(settings.name, order_id)
	assert record.synced_status == "completed" and record.status == Status.PAYMENT_REGISTERED

	# Once: a second Delivery Note, a second run and the next order sync write nothing more.
	shop.reset_counts()
	erp.deliver(sales_order)
	assert push(erp, client, settings, clock).pushed == 0
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "unchanged"
	assert shop.count(method="POST") == shop.count(method="PUT") == 0
	assert len([n for n in shop.order_notes(order_id) if "ERPNext" in n["note"]]) == 1


def test_a_partial_delivery_leaves_the_shop_alone(shop, erp, client, settings, clock):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.deliver(sales_order, fully=False)
	assert erp.sales_order(sales_order).woocommerce_status == "processing"
	assert erp.status_push(settings.name, order_id) is None


def test_the_invoice_rule_completes_on_a_hand_made_invoice_and_ignores_the_intake_one(
	shop, erp, client, settings, clock
):
	with_rules(erp, settings.name, sales_invoice_submitted=True, delivery_note_submitted=False)
	order_id, sales_order = paid_order(shop, erp, client, settings)
	assert erp.status_push(settings.name, order_id) is None, "the intake invoice completes nothing"
	erp.deliver(sales_order)
	assert erp.status_push(settings.name, order_id) is None, "delivery is not the chosen rule"

	# A shop that invoices on shipping: no intake invoice, the person's invoice completes it.
	manual = sync_settings(shop, submit_sales_orders=True)
	other_id = shop.add_order(new_order(erp.now))
	sync_order(erp, client, manual, client.get(f"orders/{other_id}"))
	other_so = erp.order_record(manual.name, other_id).sales_order
	invoice = erp.invoice_by_hand(other_so)
	push(erp, client, manual, clock)
	assert shop.orders[other_id]["status"] == "completed"
	assert f"Completed by Sales Invoice {invoice} in ERPNext." in [
		note["note"] for note in shop.order_notes(other_id)
	]
	assert shop.orders[order_id]["status"] == "processing"


def test_cancellation_reaches_the_shop_only_when_turned_on(shop, erp, client, settings, clock):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.cancel_sales_order(sales_order)
	assert erp.status_push(settings.name, order_id) is None
	shop.reset_counts()
	assert push(erp, client, settings, clock).due == 0
	assert shop.orders[order_id]["status"] == "processing" and shop.count() == 0

	with_rules(erp, settings.name, sales_order_cancelled=True)
	other_id, other_so = paid_order(shop, erp, client, settings)
	erp.cancel_sales_order(other_so)
	assert push(erp, client, settings, clock).pushed == 1
	assert shop.orders[other_id]["status"] == "cancelled"
	# The Sales Order itself is the order's counterpart: the shop's own note of the change will do.
	assert not [note for note in shop.order_notes(other_id) if "ERPNext" in note["note"]]


def test_several_events_before_the_push_make_one_push_of_the_latest_status(
	shop, erp, client, settings, clock
):
	with_rules(erp, settings.name, sales_order_cancelled=True)
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.deliver(sales_order)
	clock.advance(minutes=1)
	erp.cancel_sales_order(sales_order)
	shop.reset_counts()
	assert push(erp, client, settings, clock).pushed == 1
	assert shop.count(method="POST", path_prefix=BATCH_PATH) == 1
	assert shop.orders[order_id]["status"] == "cancelled"


def test_a_later_change_in_the_shop_is_not_overwritten(shop, erp, client, settings, clock):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.deliver(sales_order)
	clock.advance(minutes=1)
	shop.modify_order(order_id, status="on-hold")
	# The webhook brought the shop's change to the row before the push ran.
	sync_order(erp, client, settings, client.get(f"orders/{order_id}"))
	shop.reset_counts()
	counts = push(erp, client, settings, clock)
	assert (counts.pushed, counts.up_to_date) == (0, 1)
	assert shop.count(method="POST") == 0
	assert shop.orders[order_id]["status"] == "on-hold"


def test_a_refused_push_is_retried_on_the_schedule_then_shows_as_failed(shop, erp, client, settings, clock):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.deliver(sales_order)
	# The shop answers every batch call with a server error, the client's own retries included.
	shop.inject_fault("503", times=1000, path_prefix=BATCH_PATH)

	assert push(erp, client, settings, clock).failed == 1
	failed = erp.status_push(settings.name, order_id)
	assert (failed.state, failed.error_kind, failed.attempts) == (PushState.FAILED, "unavailable", 1)
	assert failed.retry_status == RetryStatus.SCHEDULED
	for attempt, delay in enumerate(RETRY_DELAYS, start=2):
		assert failed.next_attempt_on == clock() + delay
		clock.advance(delay - timedelta(seconds=1))
		assert push(erp, client, settings, clock).due == 0, "nothing is due a second early"
		clock.advance(seconds=1)
		assert push(erp, client, settings, clock).failed == 1
		failed = erp.status_push(settings.name, order_id)
		assert failed.attempts == attempt

	assert failed.attempts == MAX_ATTEMPTS and failed.next_attempt_on is None
	assert failed.retry_status == RetryStatus.GAVE_UP.format(MAX_ATTEMPTS)
	assert "503" in failed.error
	record = erp.order_record(settings.name, order_id)
	assert record.status == Status.PAYMENT_REGISTERED and not record.error, "the pipeline's state stays"
	clock.advance(days=3)
	assert push(erp, client, settings, clock).due == 0
	assert shop.orders[order_id]["status"] == "processing"

	# A new event asks again, and the shop is back.
	shop.clear_faults()
	erp.close_sales_order(sales_order)
	assert push(erp, client, settings, clock).pushed == 1
	assert shop.orders[order_id]["status"] == "completed"


def test_an_order_the_batch_refuses_inline_fails_alone_with_its_error_kind(
	shop, erp, client, settings, clock
):
	first_id, first_so = paid_order(shop, erp, client, settings)
	gone_id, gone_so = paid_order(shop, erp, client, settings)
	erp.deliver(first_so)
	erp.deliver(gone_so)
	shop.request("DELETE", f"orders/{gone_id}", params={"force": "true"})

	counts = push(erp, client, settings, clock)
	assert (counts.pushed, counts.failed) == (1, 1)
	assert shop.orders[first_id]["status"] == "completed"
	refused = erp.status_push(settings.name, gone_id)
	assert (refused.state, refused.error_kind) == (PushState.FAILED, "bad_request")
	assert refused.retry_status == RetryStatus.NEEDS_FIX
	assert [(f[1], f[2], f[3]) for f in erp.push_failures] == [(gone_id, 400, "bad_request")]


def test_a_row_without_its_sales_order_fails_as_a_missing_link(shop, erp, client, settings, clock):
	order_id, sales_order = paid_order(shop, erp, client, settings)
	erp.deliver(sales_order)
	record = erp.lock_order(settings.name, order_id)
	record.sales_order = ""
	erp.save_order(record)
	erp.commit()
	shop.reset_counts()
	assert push(erp, client, settings, clock).failed == 1
	assert erp.status_push(settings.name, order_id).error_kind == "bad_data"
	assert shop.count(method="POST") == 0


def test_500_orders_closed_at_once_take_one_batch_call_per_100_and_skip_those_already_right(
	shop, erp, client, settings, clock
):
	shop.seed_orders(500, seed=17)
	run_order_sync(erp, client, settings, since=None, now=clock())
	records = [erp.order_record(settings.name, order_id) for order_id in shop.orders]
	open_ones = [r for r in records if r.sales_order and erp.sales_order(r.sales_order).docstatus == 1]
	assert len(open_ones) >= 400
	already = {r.woocommerce_id for r in open_ones if shop.orders[r.woocommerce_id]["status"] == "completed"}
	assert already, "the seed has completed orders"
	modified_before = {i: shop.orders[i]["date_modified_gmt"] for i in already}

	clock.advance(minutes=10)
	for record in open_ones:
		erp.close_sales_order(record.sales_order)
	shop.reset_counts()
	counts = push(erp, client, settings, clock)

	to_change = len(open_ones) - len(already)
	assert (counts.pushed, counts.failed) == (to_change, 0)
	assert shop.count() <= math.ceil(500 / BATCH_SIZE) + 2
	assert shop.count(method="POST", path_prefix=BATCH_PATH) == math.ceil(to_change / BATCH_SIZE)
	assert all(shop.orders[r.woocommerce_id]["status"] == "completed" for r in open_ones)
	assert {i: shop.orders[i]["date_modified_gmt"] for i in already} == modified_before
	assert all(erp.status_push(settings.name, i) is None for i in already)


def test_500_orders_delivered_at_once_with_notes_off_stay_in_the_budget_with_the_reference_in_meta(
	shop, erp, client, settings, clock
):
	with_rules(erp, settings.name, notes=False)
	for _ in range(500):
		shop.add_order(new_order(erp.now))
	run_order_sync(erp, client, settings, since=None, now=clock())
	to_change = [erp.order_record(settings.name, order_id) for order_id in shop.orders]
	assert len(to_change) == 500 and all(r.sales_order for r in to_change)

	clock.advance(minutes=10)
	delivered = {r.woocommerce_id: erp.deliver(r.sales_order) for r in to_change}
	shop.reset_counts()
	counts = push(erp, client, settings, clock)

	assert (counts.pushed, counts.failed) == (len(to_change), 0)
	assert shop.count() <= math.ceil(500 / BATCH_SIZE) + 2
	assert shop.count(path_prefix="/wp-json/wc/v3/orders/") == shop.count(path_prefix=BATCH_PATH)
	for order_id, delivery in delivered.items():
		assert shop.orders[order_id]["status"] == "completed"
		assert set_by(shop, order_id) == [f"Delivery Note {delivery}"]
		assert not [n for n in shop.order_notes(order_id) if "ERPNext" in n["note"]]

	# Steady: the next run and the next order sync write nothing.
	shop.reset_counts()
	assert push(erp, client, settings, clock).due == 0
	order_id = next(iter(delivered))
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "unchanged"
	assert shop.count(method="POST") == shop.count(method="PUT") == 0
