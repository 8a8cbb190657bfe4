"""Refunds in WooCommerce become Credit Notes (and refund payments) in ERPNext, once each: read
from the recordings, and end to end against the test shop and the ERP fake."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conftest import recording, sync_settings

from woocommerce_fusion.engine.errors import ErrorKind, MappingError
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.refunds import (
	RefundsStatus,
	RefundState,
	credit_note_plan,
	listed_refunds,
)
from woocommerce_fusion.engine.settings import InvoicePolicy, ServerSettings
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.engine.sync.refunds import REFUND_STEP
from woocommerce_fusion.engine.sync.retries import retry_due_orders
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.order_cases import load_order

MODES = {"stripe": "Stripe", "bacs": "Bank Transfer"}
MODE_ACCOUNTS = {"Stripe": "Stripe Clearing - TC", "Bank Transfer": "Bank - TC"}
REFUNDS = "/wp-json/wc/v3/orders"


@pytest.fixture
def erp(clock) -> ErpFake:
	fake = ErpFake(now=clock)
	fake.mode_of_payment_accounts = dict(MODE_ACCOUNTS)
	return fake


@pytest.fixture
def settings(shop) -> ServerSettings:
	return sync_settings(
		shop,
		submit_sales_orders=True,
		create_sales_invoice=InvoicePolicy.WHEN_PAID,
		modes_of_payment=dict(MODES),
	)


def recorded_order() -> dict[str, Any]:
	return load_order("partial_refund")


def recorded_refund() -> dict[str, Any]:
	return recording("order_case_partial_refund_refunds_list")["response"]["body"][0]


def paid_order(shop, client, erp, settings, case: str = "partial_refund") -> dict[str, Any]:
	"""The recorded order in the test shop, synced to Payment registered."""
	order_id = shop.add_order({**load_order(case), "refunds": []})
	order = client.get(f"orders/{order_id}")
	assert sync_order(erp, client, settings, order) == "created"
	assert erp.order_record("shop1", order_id).status == Status.PAYMENT_REGISTERED
	return order


def refund(client, order: dict[str, Any], **body: Any) -> dict[str, Any]:
	made = client.post(f"orders/{order['id']}/refunds", {"api_refund": False, **body})
	return made


def line(order: dict[str, Any], sku: str) -> dict[str, Any]:
	return next(item for item in order["line_items"] if item["sku"] == sku)


def refunds_of(erp: ErpFake, order: dict[str, Any]):
	return erp.committed_refunds(erp.order_record("shop1", order["id"]).name)


# -- reading a refund ------------------------------------------------------------------------


def test_the_recorded_partial_refund_is_one_mug_with_its_tax(settings):
	plan = credit_note_plan(recorded_refund(), recorded_order(), settings)
	assert (plan.refund_id, plan.woocommerce_id, plan.amount) == (141, 140, Decimal("14.88"))
	assert plan.reason == "One mug arrived broken"
	[mug] = plan.lines
	assert (mug.woocommerce_line_id, mug.qty, mug.amount, mug.rows) == (
		406,
		1,
		Decimal("12.50"),
		((1, Decimal("12.50")),),
	)
	[vat] = plan.charges
	assert (vat.kind, vat.account_head, vat.tax_amount, vat.item_wise) == (
		"tax",
		"VAT 19% - TC",
		Decimal("2.38"),
		{406: Decimal("2.38")},
	)
	assert (plan.itemised, plan.unitemised) == (Decimal("14.88"), Decimal("0.00"))
	# Refunded 17:10 UTC on the 25th; in the settings' zone (UTC) that day.
	assert plan.refunded_on == date(2026, 11, 25)
	assert plan.reference_no == "140-R141"


def test_the_recorded_refund_of_an_amount_only_has_no_lines(settings):
	body = recording("order_refunds_create")["response"]["body"]
	plan = credit_note_plan(body, {"id": 23, "line_items": []}, settings)
	assert (plan.lines, plan.charges) == ([], [])
	assert (plan.amount, plan.unitemised) == (Decimal("10.00"), Decimal("10.00"))


def test_the_orders_refunds_list_gives_ids_amounts_and_reasons():
	listed = listed_refunds(recorded_order())
	assert list(listed) == [141]
	assert (listed[141].amount, listed[141].reason) == (Decimal("14.88"), "One mug arrived broken")
	assert listed_refunds({"refunds": [{"id": "x"}, "junk", {"id": 5, "total": "-1.00"}]}).keys() == {5}


def test_a_refund_of_a_line_the_order_does_not_have_is_refused(settings):
	order = {**recorded_order(), "line_items": [line(recorded_order(), "ESP-1KG")]}
	with pytest.raises(MappingError, match="not a line of the order"):
		credit_note_plan(recorded_refund(), order, settings)


def test_units_whose_refund_is_not_whole_cents_are_split_like_the_sales_order(settings):
	body = recorded_refund()
	body["line_items"][0].update(quantity=-3, total="-10.00", taxes=[])
	body.update(amount="10.00", tax_lines=[])
	[mug] = credit_note_plan(body, recorded_order(), settings).lines
	assert mug.rows == ((1, Decimal("3.34")), (2, Decimal("3.33")))


# -- booking, end to end ---------------------------------------------------------------------


def test_a_refund_seen_by_the_listing_and_the_webhook_becomes_one_credit_note_and_payment(
	shop, client, erp, settings, clock
):
	order = paid_order(shop, client, erp, settings)
	mug = line(order, "MUG-CER")
	vat = {"id": 1, "refund_total": 2.38}
	made = refund(
		client,
		order,
		amount="14.88",
		line_items=[{"id": mug["id"], "quantity": 1, "refund_total": 12.5, "refund_tax": [vat]}],
	)

	listed = run_order_sync(erp, client, settings, since=None, now=clock())
	assert (listed.counts.updated, listed.counts.failed) == (1, 0)
	# order.updated brings the same order again.
	again = client.get(f"orders/{order['id']}")
	assert sync_order(erp, client, settings, again) == "unchanged"
	assert sync_order(erp, client, settings, again) == "unchanged"

	assert (erp.count("credit_note"), erp.count("refund_payment")) == (1, 1)
	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.error) == (Status.PAYMENT_REGISTERED, "")
	[entry] = refunds_of(erp, order).values()
	assert (entry.refund_id, entry.state, entry.amount) == (made["id"], RefundState.BOOKED, Decimal("14.88"))
	assert erp.refund_status(record.name) == RefundsStatus.BOOKED
	note = erp.credit_note(entry.credit_note)
	assert (note.return_against, note.grand_total, note.settles_invoice) == (
		record.sales_invoice,
		Decimal("-14.88"),
		False,
	)
	assert note.rows == [(0, -1, Decimal("12.50"))]
	assert note.charges == [{"kind": "tax", "account_head": "VAT 19% - TC", "tax_amount": Decimal("-2.38")}]
	payment = erp.refund_payment(entry.payment_entry)
	original = erp.payment_entry(record.payment_entry)
	assert (payment.payment_type, payment.paid_amount, payment.credit_note) == (
		"Pay",
		Decimal("14.88"),
		note.name,
	)
	assert (payment.mode_of_payment, payment.paid_from) == (original.mode_of_payment, original.paid_to)
	assert payment.reference_no == f"{order['id']}-R{made['id']}"


def test_a_shipping_refund_books_shipping_and_its_tax_exactly(shop, client, erp, settings):
	order = paid_order(shop, client, erp, settings)
	shipping = order["shipping_lines"][0]
	refund(
		client,
		order,
		amount="5.83",
		line_items=[
			{"id": shipping["id"], "refund_total": 4.9, "refund_tax": [{"id": 1, "refund_total": 0.93}]}
		],
	)
	assert sync_order(erp, client, settings, client.get(f"orders/{order['id']}")) == "updated"
	[entry] = refunds_of(erp, order).values()
	note = erp.credit_note(entry.credit_note)
	assert note.grand_total == Decimal("-5.83")
	# A row without an item for the shipping (a Credit Note needs a row), its tax as a tax row.
	assert note.rows == [(None, -1, Decimal("4.90"))]
	assert note.charges == [{"kind": "tax", "account_head": "VAT 19% - TC", "tax_amount": Decimal("-0.93")}]
	assert erp.refund_payment(entry.payment_entry).paid_amount == Decimal("5.83")


def test_an_amount_only_refund_and_a_line_refund_each_book_exactly(shop, client, erp, settings):
	order = paid_order(shop, client, erp, settings)
	beans = line(order, "ESP-1KG")
	first = refund(client, order, amount="10.00", reason="Late delivery")
	second = refund(
		client,
		order,
		amount="27.71",
		line_items=[
			{
				"id": beans["id"],
				"quantity": 1,
				"refund_total": 25.9,
				"refund_tax": [{"id": 2, "refund_total": 1.81}],
			}
		],
	)
	assert sync_order(erp, client, settings, client.get(f"orders/{order['id']}")) == "updated"
	entries = refunds_of(erp, order)
	goodwill = erp.credit_note(entries[first["id"]].credit_note)
	assert (goodwill.grand_total, goodwill.rows, goodwill.charges) == (
		Decimal("-10.00"),
		[(None, -1, Decimal("10.00"))],
		[],
	)
	assert entries[first["id"]].reason == "Late delivery"
	beans_note = erp.credit_note(entries[second["id"]].credit_note)
	assert beans_note.grand_total == Decimal("-27.71")
	assert beans_note.rows == [(1, -1, Decimal("25.90"))]
	assert [erp.refund_payment(entries[r["id"]].payment_entry).paid_amount for r in (first, second)] == [
		Decimal("10.00"),
		Decimal("27.71"),
	]


def test_an_unpaid_orders_refund_reduces_its_invoice_and_pays_nothing(shop, client, erp, settings):
	settings.create_sales_invoice = InvoicePolicy.ALWAYS
	order_id = shop.add_order(load_order("cod_unpaid"))
	order = client.get(f"orders/{order_id}")
	sync_order(erp, client, settings, order)
	record = erp.order_record("shop1", order_id)
	assert (record.status, record.payment_entry) == (Status.INVOICE_POSTED, "")
	first = order["line_items"][0]
	refund(
		client, order, line_items=[{"id": first["id"], "quantity": 1, "refund_total": float(first["price"])}]
	)

	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "updated"
	[entry] = refunds_of(erp, order).values()
	assert (entry.state, entry.payment_entry) == (RefundState.BOOKED, "")
	note = erp.credit_note(entry.credit_note)
	assert (note.settles_invoice, note.grand_total) == (
		True,
		-Decimal(str(first["price"])).quantize(Decimal("0.01")),
	)
	assert erp.count("refund_payment") == 0


def test_a_refund_waits_for_the_invoice_and_is_booked_once_it_exists(shop, client, erp, settings):
	settings.create_sales_invoice = InvoicePolicy.NEVER
	order_id = shop.add_order({**load_order("partial_refund"), "refunds": []})
	order = client.get(f"orders/{order_id}")
	sync_order(erp, client, settings, order)
	made = refund(client, order, amount="10.00")
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "updated"
	record = erp.order_record("shop1", order_id)
	assert record.status == Status.SALES_ORDER_CREATED
	[entry] = refunds_of(erp, order).values()
	assert (entry.refund_id, entry.state, entry.credit_note) == (made["id"], RefundState.WAITING, "")
	assert erp.refund_status(record.name) == RefundsStatus.WAITING
	writes = erp.writes
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "unchanged"
	assert erp.writes == writes, "a refund still waiting is not written again"

	# Someone invoices the Sales Order by hand.
	invoice = erp.make_sales_invoice(record.sales_order)
	erp.submit_sales_invoice(invoice)
	erp.commit()
	assert sync_order(erp, client, settings, client.get(f"orders/{order_id}")) == "updated"
	[entry] = refunds_of(erp, order).values()
	assert entry.state == RefundState.BOOKED
	assert erp.credit_note(entry.credit_note).return_against == invoice


def test_a_failed_refund_shows_on_the_row_keeps_the_status_and_is_retried(shop, client, erp, settings, clock):
	order = paid_order(shop, client, erp, settings)
	made = refund(client, order, amount="10.00")
	shop.inject_fault("503", times=20, path_prefix=f"{REFUNDS}/{order['id']}/refunds")
	assert sync_order(erp, client, settings, client.get(f"orders/{order['id']}"), now=clock) == "failed"

	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.failed_step, record.error_kind) == (
		Status.PAYMENT_REGISTERED,
		REFUND_STEP,
		ErrorKind.UNAVAILABLE.value,
	)
	assert record.next_attempt_on is not None
	[entry] = refunds_of(erp, order).values()
	assert (entry.refund_id, entry.state) == (made["id"], RefundState.FAILED)
	assert entry.error
	assert erp.refund_status(record.name) == RefundsStatus.FAILED
	assert erp.count("credit_note") == 0

	shop.clear_faults()
	clock.advance(minutes=6)
	assert erp.orders_due_for_retry("shop1", clock(), 10) == [order["id"]]
	retried = retry_due_orders(erp, client, settings, now=clock)
	assert (retried.updated, retried.failed) == (1, 0)
	record = erp.order_record("shop1", order["id"])
	assert (record.status, record.failed_step, record.error, record.next_attempt_on) == (
		Status.PAYMENT_REGISTERED,
		"",
		"",
		None,
	)
	assert refunds_of(erp, order)[made["id"]].state == RefundState.BOOKED
	assert erp.refund_status(record.name) == RefundsStatus.BOOKED


def test_two_workers_syncing_the_refund_at_once_book_it_once(shop, client, erp, settings):
	order = paid_order(shop, client, erp, settings)
	refund(client, order, amount="10.00")
	fresh = client.get(f"orders/{order['id']}")
	start = threading.Barrier(2)
	outcomes: list[str] = []

	def worker() -> None:
		start.wait()
		outcomes.append(sync_order(erp, client, settings, fresh))

	threads = [threading.Thread(target=worker) for _ in range(2)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(30)
	assert sorted(outcomes) == ["unchanged", "updated"]
	assert (erp.count("credit_note"), erp.count("refund_payment")) == (1, 1)
	assert len(refunds_of(erp, order)) == 1


def test_a_full_refund_credits_the_whole_invoice_and_the_status_follows(shop, client, erp, settings, clock):
	order = paid_order(shop, client, erp, settings)
	# Past the recorded order's own date_modified, as a refund made today is.
	clock.advance(days=1)
	refund(client, order, amount=order["total"], reason="Order fully refunded.")
	refunded = client.get(f"orders/{order['id']}")
	assert refunded["status"] == "refunded"

	assert sync_order(erp, client, settings, refunded, now=clock) == "updated"
	record = erp.order_record("shop1", order["id"])
	assert record.status == Status.PAYMENT_REGISTERED
	assert erp.sales_order(record.sales_order).woocommerce_status == "refunded"
	[entry] = refunds_of(erp, order).values()
	note = erp.credit_note(entry.credit_note)
	assert (
		note.grand_total == -Decimal(order["total"]) == -erp.sales_invoice(record.sales_invoice).grand_total
	)
	assert erp.refund_payment(entry.payment_entry).paid_amount == Decimal(order["total"])
