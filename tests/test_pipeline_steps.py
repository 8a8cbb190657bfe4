"""The pipeline after the Sales Order: stock reserved, invoice made and posted, payment registered;
each step resumable from where it failed without repeating the finished ones. Against the test
shop and the ERP fake."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conftest import sync_settings

from woocommerce_fusion.engine.billing import is_paid
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.pipeline import STEPS, Status, is_final, pending_steps, process_order
from woocommerce_fusion.engine.settings import InvoicePolicy, ServerSettings
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.order_cases import load_order

MODES = {"stripe": "Stripe", "bacs": "Bank Transfer"}
MODE_ACCOUNTS = {"Stripe": "Stripe Clearing - TC", "Bank Transfer": "Bank - TC"}
# The port methods of the steps, in the order the steps call them.
STEP_CALLS = (
	"insert_sales_order",
	"reserve_stock",
	"make_sales_invoice",
	"submit_sales_invoice",
	"make_payment_entry",
)


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


def shop_order(shop, client, case: str, **changes: Any) -> dict[str, Any]:
	"""The recorded order stored in the test shop and read back through its API."""
	order_id = shop.add_order({**load_order(case), **changes})
	return client.get(f"orders/{order_id}")


def count_calls(erp: ErpFake, monkeypatch) -> Counter:
	calls: Counter = Counter()
	for name in STEP_CALLS:
		method = getattr(erp, name)

		def counted(*args, _name=name, _method=method, **kwargs):
			calls[_name] += 1
			return _method(*args, **kwargs)

		monkeypatch.setattr(erp, name, counted)
	return calls


def receive_stock_for(erp: ErpFake, sales_order: str) -> None:
	for line in erp.sales_order(sales_order).lines:
		erp.stock_received(line["item_code"], line["qty"])


def stock_for_order(erp: ErpFake, order: dict[str, Any], settings: ServerSettings) -> None:
	"""Stock in the warehouse for everything the order sells, before its Sales Order exists (the
	fake names an item by its SKU)."""
	for line in map_order(order, settings, exchange_rate=erp.exchange_rate).lines:
		assert line.item.sku
		erp.stock_received(line.item.sku, line.qty)


def test_a_paid_order_reaches_payment_registered_with_the_shops_total(shop, client, erp, settings):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.time_zone = "Pacific/Auckland"
	record = process_order(erp, settings, order["id"], payload=order)

	assert (record.status, record.error) == (Status.PAYMENT_REGISTERED, "")
	total = Decimal(order["total"])
	so = erp.sales_order(record.sales_order)
	invoice = erp.sales_invoice(record.sales_invoice)
	payment = erp.payment_entry(record.payment_entry)
	assert so.grand_total == invoice.grand_total == payment.paid_amount == total
	assert (invoice.sales_order, invoice.docstatus, payment.docstatus) == (so.name, 1, 1)
	assert (payment.mode_of_payment, payment.paid_to) == ("Stripe", "Stripe Clearing - TC")
	assert payment.reference_no == order["transaction_id"] == "pi_3QsandboxERP0005"
	# Paid 17:10 UTC on the 25th: the 26th in the site's time zone.
	assert order["date_paid_gmt"].startswith("2026-11-25T17:10")
	assert payment.reference_date == date(2026, 11, 26)
	assert erp.order_record("shop1", order["id"]) == record
	assert is_final(record, settings)

	writes = erp.writes
	again = process_order(erp, settings, order["id"], payload=order)
	assert again.status == Status.PAYMENT_REGISTERED
	assert erp.writes == writes, "a finished order is not touched again"
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)


def test_a_bank_transfer_without_transaction_id_is_referenced_by_the_order_number(
	shop, client, erp, settings
):
	order = shop_order(shop, client, "guest")
	assert (order["payment_method"], order["transaction_id"]) == ("bacs", "")
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.PAYMENT_REGISTERED
	payment = erp.payment_entry(record.payment_entry)
	assert (payment.reference_no, payment.paid_amount) == (str(order["id"]), Decimal(order["total"]))
	assert payment.reference_date == date(2026, 11, 25)


def test_cash_on_delivery_stops_at_invoice_posted(shop, client, erp, settings):
	order = shop_order(shop, client, "cod_unpaid")
	assert (order["status"], order["payment_method"]) == ("processing", "cod")
	settings.create_sales_invoice = InvoicePolicy.ALWAYS
	record = process_order(erp, settings, order["id"], payload=order)

	assert record.status == Status.INVOICE_POSTED
	assert erp.sales_invoice(record.sales_invoice).grand_total == Decimal(order["total"])
	assert (record.payment_entry, erp.count("payment_entry")) == ("", 0)
	assert is_final(record, settings) and pending_steps(record, settings) == []


def test_cash_on_delivery_is_not_paid_so_when_paid_makes_no_invoice(shop, client, erp, settings):
	order = shop_order(shop, client, "cod_unpaid")
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.SALES_ORDER_CREATED
	assert erp.count("sales_invoice") == 0
	assert is_final(record, settings)


def test_date_paid_alone_is_no_proof_of_payment(shop, client, erp, settings, clock):
	order = shop_order(shop, client, "guest", status="on-hold")
	assert order["date_paid_gmt"], "the recording has a paid date on an order that is on hold"
	assert not is_paid(order, settings)
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.SALES_ORDER_CREATED
	assert erp.count("sales_invoice") == 0
	assert is_final(record, settings)

	# The transfer arrives and the shop moves the order on: now it is paid.
	clock.advance(days=2)
	paid = shop.modify_order(order["id"], status="processing")
	record = process_order(erp, settings, order["id"], payload=paid)
	assert record.status == Status.PAYMENT_REGISTERED
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)


@pytest.mark.parametrize("case", ["zero_total_coupon", "zero_total_free_line"])
def test_a_zero_total_order_stops_at_invoice_posted(shop, client, erp, settings, case):
	order = shop_order(shop, client, case)
	assert Decimal(order["total"]) == 0
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.INVOICE_POSTED
	assert erp.sales_invoice(record.sales_invoice).docstatus == 1
	assert erp.count("payment_entry") == 0


def test_never_makes_no_invoice(shop, client, erp, settings):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.create_sales_invoice = InvoicePolicy.NEVER
	record = process_order(erp, settings, order["id"], payload=order)
	assert (record.status, record.sales_invoice) == (Status.SALES_ORDER_CREATED, "")
	assert erp.count("sales_invoice") == 0


def test_draft_sales_orders_get_no_stock_invoice_or_payment(shop, client, erp, settings):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.submit_sales_orders = False
	settings.reserve_stock = True
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.SALES_ORDER_CREATED
	assert erp.sales_order(record.sales_order).docstatus == 0
	assert (erp.count("sales_invoice"), erp.reserved_qty(record.sales_order)) == (0, 0)


def test_an_unmapped_payment_method_fails_at_payment_then_resumes_there(
	shop, client, erp, settings, monkeypatch
):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.modes_of_payment = {"bacs": "Bank Transfer"}
	failed = process_order(erp, settings, order["id"], payload=order)

	assert (failed.status, failed.failed_step, failed.error_kind) == (
		Status.FAILED,
		"payment",
		"configuration",
	)
	assert "'stripe'" in failed.error and "Mode of Payment" in failed.error
	# The finished steps were committed before the payment failed.
	assert erp.sales_invoice(failed.sales_invoice).docstatus == 1
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 0)

	settings.modes_of_payment = dict(MODES)
	calls = count_calls(erp, monkeypatch)
	done = process_order(erp, settings, order["id"])
	assert (done.status, done.error, done.failed_step) == (Status.PAYMENT_REGISTERED, "", "")
	assert calls == Counter(make_payment_entry=1)
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)
	assert erp.payment_entry(done.payment_entry).paid_amount == Decimal(order["total"])


def test_a_stock_shortage_fails_at_stock_allocation_and_retry_reserves_again(shop, client, erp, settings):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.reserve_stock = True
	failed = process_order(erp, settings, order["id"], payload=order)

	assert (failed.status, failed.failed_step, failed.error_kind) == (
		Status.FAILED_AT_STOCK_ALLOCATION,
		"stock",
		"stock",
	)
	assert "could not be reserved" in failed.error
	assert failed.next_attempt_on is not None, "stock may arrive: retried by itself"
	assert [step.name for step in pending_steps(failed, settings)][0] == "stock"
	assert (erp.count("sales_order"), erp.count("sales_invoice")) == (1, 0)

	# Still no stock: a retry fails the same way, and makes nothing twice.
	again = process_order(erp, settings, order["id"])
	assert (again.status, again.attempts) == (Status.FAILED_AT_STOCK_ALLOCATION, 2)

	receive_stock_for(erp, failed.sales_order)
	done = process_order(erp, settings, order["id"])
	assert done.status == Status.PAYMENT_REGISTERED
	lines = erp.sales_order(done.sales_order).lines
	assert erp.reserved_qty(done.sales_order) == sum(Decimal(line["qty"]) for line in lines)
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)


def test_stock_is_not_reserved_when_erpnext_does_not_allow_reservation(shop, client, erp, settings):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.reserve_stock = True
	erp.stock_reservation = False
	record = process_order(erp, settings, order["id"], payload=order)
	assert record.status == Status.PAYMENT_REGISTERED
	assert erp.reserved_qty(record.sales_order) == 0


FAILING_STEPS = ["stock", "invoice", "post_invoice", "payment"]
FAILING_CALL = dict(zip(FAILING_STEPS, STEP_CALLS[1:], strict=True))


@pytest.mark.parametrize("step", FAILING_STEPS)
def test_the_pipeline_resumes_from_each_failed_step_without_repeating_the_finished_ones(
	shop, client, erp, settings, monkeypatch, step
):
	order = shop_order(shop, client, "coupon_paid_stripe")
	settings.reserve_stock = True
	stock_for_order(erp, order, settings)
	name = FAILING_CALL[step]
	real = getattr(erp, name)

	def broken(*args, **kwargs):
		raise RuntimeError(f"{name} broke")

	monkeypatch.setattr(erp, name, broken)
	failed = process_order(erp, settings, order["id"], payload=order)
	assert (failed.status, failed.failed_step, failed.error_kind) == (Status.FAILED, step, "unexpected")
	assert f"{name} broke" in failed.error
	assert pending_steps(failed, settings)[0].name == step
	finished = [s.name for s in STEPS][: [s.name for s in STEPS].index(step)]

	monkeypatch.setattr(erp, name, real)
	calls = count_calls(erp, monkeypatch)
	done = process_order(erp, settings, order["id"])
	assert (done.status, done.error, done.failed_step) == (Status.PAYMENT_REGISTERED, "", "")
	assert done.sales_order == failed.sales_order
	for earlier in finished:
		call = "insert_sales_order" if earlier == "sales_order" else FAILING_CALL[earlier]
		assert calls[call] == 0, f"{earlier} ran again after {step} failed"
	assert calls[name] == 1
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)
	invoice = erp.sales_invoice(done.sales_invoice)
	assert invoice.grand_total == erp.payment_entry(done.payment_entry).paid_amount == Decimal(order["total"])


def test_an_order_paid_after_its_sales_order_gets_its_invoice_and_payment_from_the_sync(
	shop, client, erp, settings, clock
):
	order = shop_order(shop, client, "coupon_paid_stripe", status="on-hold")
	first = run_order_sync(erp, client, settings, since=None, now=clock())
	record = erp.order_record("shop1", order["id"])
	assert (first.counts.created, record.status, record.sales_invoice) == (1, Status.SALES_ORDER_CREATED, "")

	# Past the recorded order's own date_modified_gmt (17:10 that day), so the change is newer.
	clock.advance(hours=10)
	shop.modify_order(order["id"], status="processing")
	clock.advance(minutes=10)
	second = run_order_sync(erp, client, settings, since=first.next_cursor, now=clock())

	record = erp.order_record("shop1", order["id"])
	assert (second.counts.updated, second.counts.failed) == (1, 0)
	assert record.status == Status.PAYMENT_REGISTERED
	assert erp.sales_invoice(record.sales_invoice).grand_total == Decimal(order["total"])
	assert (erp.count("sales_order"), erp.count("sales_invoice"), erp.count("payment_entry")) == (1, 1, 1)


def test_a_draft_sales_order_waits_for_a_person_before_anything_is_invoiced(
	shop, client, erp, settings, clock
):
	order = shop_order(shop, client, "coupon_paid_stripe", status="on-hold")
	settings.submit_sales_orders = False
	first = run_order_sync(erp, client, settings, since=None, now=clock())
	settings.submit_sales_orders = True
	clock.advance(hours=10)
	shop.modify_order(order["id"], status="processing")
	clock.advance(minutes=10)

	second = run_order_sync(erp, client, settings, since=first.next_cursor, now=clock())

	record = erp.order_record("shop1", order["id"])
	assert (second.counts.failed, record.status, record.error) == (0, Status.SALES_ORDER_CREATED, "")
	assert erp.count("sales_invoice") == 0
