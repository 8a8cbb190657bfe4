"""Stock, invoice and payment on a real ERPNext: the pipeline with FrappeErp from a paid web order
to a submitted Payment Entry, all three documents agreeing with the shop's total.

The pipeline commits after each step, so the class removes what earlier runs left before it
starts (bench_fixtures.start_clean, which cancels the invoices and payments first).
"""

from __future__ import annotations

import copy
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.engine.pipeline import Status, process_order
from woocommerce_fusion.engine.settings import InvoicePolicy
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.testing.bench_fixtures import (
	COMPANY,
	MODE_OF_PAYMENT,
	SERVER,
	make_modes_of_payment,
	make_settings,
	receive_stock,
	remove_orders,
	start_clean,
)
from woocommerce_fusion.testing.order_cases import load_order

test_dependencies = ["Company", "Customer", "Customer Group", "Territory"]

# Ids no recorded order has, for these tests that commit.
PAID_ID = 990_201
COD_ID = 990_202
UNMAPPED_ID = 990_203
STOCK_ID = 990_204


def order(case: str, woocommerce_id: int) -> dict:
	payload = copy.deepcopy(load_order(case))
	payload["id"] = woocommerce_id
	return payload


def grand_total(doctype: str, name: str) -> Decimal:
	field = "paid_amount" if doctype == "Payment Entry" else "grand_total"
	return Decimal(str(frappe.db.get_value(doctype, name, field))).quantize(Decimal("0.01"))


class TestInvoicing(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)
		cls.cash_account = make_modes_of_payment()
		frappe.db.commit()

	def setUp(self) -> None:
		super().setUp()
		self.settings = make_settings(
			submit_sales_orders=True,
			create_sales_invoice=InvoicePolicy.WHEN_PAID,
			modes_of_payment={"stripe": MODE_OF_PAYMENT},
		)

	def test_a_paid_order_is_invoiced_and_its_payment_registered(self):
		payload = order("coupon_paid_stripe", PAID_ID)
		record = process_order(FrappeErp(), self.settings, PAID_ID, payload=payload)
		self.assertEqual((record.status, record.error), (Status.PAYMENT_REGISTERED, ""))

		total = Decimal(payload["total"])
		self.assertEqual(grand_total("Sales Order", record.sales_order), total)
		self.assertEqual(grand_total("Sales Invoice", record.sales_invoice), total)
		self.assertEqual(grand_total("Payment Entry", record.payment_entry), total)
		invoice = frappe.get_doc("Sales Invoice", record.sales_invoice)
		so = frappe.get_doc("Sales Order", record.sales_order)
		self.assertEqual((invoice.docstatus, invoice.outstanding_amount), (1, 0))
		self.assertEqual(
			[(t.account_head, t.tax_amount) for t in invoice.taxes],
			[(t.account_head, t.tax_amount) for t in so.taxes],
		)
		self.assertEqual({item.sales_order for item in invoice.items}, {so.name})
		payment = frappe.get_doc("Payment Entry", record.payment_entry)
		self.assertEqual(payment.docstatus, 1)
		self.assertEqual((payment.mode_of_payment, payment.paid_to), (MODE_OF_PAYMENT, self.cash_account))
		self.assertEqual(payment.reference_no, "pi_3QsandboxERP0005")
		self.assertEqual(str(payment.reference_date), "2026-11-25")
		self.assertEqual(payment.company, COMPANY)

		again = process_order(FrappeErp(), self.settings, PAID_ID, payload=payload)
		self.assertEqual(again.payment_entry, record.payment_entry)
		self.assertEqual(
			frappe.db.count("Sales Invoice Item", {"sales_order": record.sales_order}), len(invoice.items)
		)

	def test_cash_on_delivery_stops_at_invoice_posted(self):
		self.settings.create_sales_invoice = InvoicePolicy.ALWAYS
		payload = order("cod_unpaid", COD_ID)
		record = process_order(FrappeErp(), self.settings, COD_ID, payload=payload)
		self.assertEqual(record.status, Status.INVOICE_POSTED)
		self.assertEqual(grand_total("Sales Invoice", record.sales_invoice), Decimal(payload["total"]))
		self.assertEqual(frappe.db.get_value("Sales Invoice", record.sales_invoice, "docstatus"), 1)
		self.assertFalse(record.payment_entry)

	def test_an_unmapped_payment_method_fails_at_payment_and_resumes_there(self):
		self.settings.modes_of_payment = {}
		payload = order("coupon_paid_stripe", UNMAPPED_ID)
		failed = process_order(FrappeErp(), self.settings, UNMAPPED_ID, payload=payload)
		self.assertEqual(
			(failed.status, failed.failed_step, failed.error_kind),
			(Status.FAILED, "payment", "configuration"),
		)
		self.assertIn("'stripe'", failed.error)
		self.assertEqual(frappe.db.get_value("Sales Invoice", failed.sales_invoice, "docstatus"), 1)

		self.settings.modes_of_payment = {"stripe": MODE_OF_PAYMENT}
		done = process_order(FrappeErp(), self.settings, UNMAPPED_ID)
		self.assertEqual(done.status, Status.PAYMENT_REGISTERED)
		self.assertEqual(done.sales_invoice, failed.sales_invoice)
		self.assertEqual(frappe.db.count("Sales Order", {"woocommerce_id": str(UNMAPPED_ID)}), 1)
		self.assertEqual(
			len(
				frappe.get_all(
					"Sales Invoice Item", {"sales_order": done.sales_order}, pluck="parent", distinct=True
				)
			),
			1,
		)

	def test_no_stock_fails_at_stock_allocation_and_retry_reserves_once_it_arrives(self):
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", 1)
		frappe.db.commit()
		self.addCleanup(self.disable_stock_reservation)
		self.settings.reserve_stock = True
		payload = order("coupon_paid_stripe", STOCK_ID)
		failed = process_order(FrappeErp(), self.settings, STOCK_ID, payload=payload)
		if failed.status == Status.FAILED:
			self.fail(failed.error)
		self.assertEqual((failed.status, failed.failed_step), (Status.FAILED_AT_STOCK_ALLOCATION, "stock"))

		receipt = receive_stock(failed.sales_order)
		frappe.db.commit()
		self.addCleanup(self.take_back, receipt)
		done = process_order(FrappeErp(), self.settings, STOCK_ID)
		self.assertEqual(done.status, Status.PAYMENT_REGISTERED)
		so = frappe.get_doc("Sales Order", done.sales_order)
		self.assertEqual(
			sum(item.stock_reserved_qty for item in so.items), sum(item.stock_qty for item in so.items)
		)

	def take_back(self, receipt: str) -> None:
		"""The received stock leaves again, so the next run starts without it: the Sales Orders
		holding it go first (bench_fixtures.remove_orders)."""
		remove_orders(SERVER)
		frappe.get_doc("Stock Entry", receipt).cancel()
		frappe.db.commit()

	def disable_stock_reservation(self) -> None:
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", 0)
		frappe.db.commit()
