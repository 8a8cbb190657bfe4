"""Refunds on a real ERPNext: refunds made in the test shop become submitted Credit Notes against
the order's Sales Invoice (and refund Payment Entries when it was paid), seen by the hourly run
and by a single order's sync alike, and booked once.

The runs commit, so the class clears what an earlier run left before it starts.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.refunds import RefundsStatus, RefundState
from woocommerce_fusion.engine.settings import InvoicePolicy
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.runs import SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.tasks.test_order_sync_e2e import run_now
from woocommerce_fusion.testing.bench_fixtures import (
	MODE_OF_PAYMENT,
	make_modes_of_payment,
	make_server,
	remove_orders,
	start_clean,
)
from woocommerce_fusion.testing.order_cases import load_order
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Refunds"


def sync_one(shop_order_id: int) -> str:
	"""What the order.updated job and "Sync this Order" do: fetch the order, sync it."""
	client = get_client(SERVER)
	return sync_order(FrappeErp(), client, get_settings(SERVER), client.get(f"orders/{shop_order_id}"))


def run_hourly() -> None:
	name = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
	frappe.db.commit()
	with patch("frappe.enqueue", run_now):
		run_sync_action(name)


def credit_notes(invoice: str) -> list[frappe._dict]:
	return frappe.get_all(
		"Sales Invoice",
		{"return_against": invoice, "is_return": 1, "docstatus": ("<", 2)},
		["name", "docstatus", "grand_total", "outstanding_amount"],
		order_by="creation asc",
	)


def payments_against(invoice: str) -> list[frappe._dict]:
	names = frappe.get_all(
		"Payment Entry Reference",
		{"reference_doctype": "Sales Invoice", "reference_name": invoice, "docstatus": 1},
		pluck="parent",
	)
	if not names:
		return []
	return frappe.get_all(
		"Payment Entry",
		{"name": ("in", names)},
		["name", "payment_type", "paid_amount", "paid_from", "paid_to", "mode_of_payment", "reference_no"],
	)


class TestRefunds(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)
		make_modes_of_payment()
		cls.shop = TestShop().start()
		make_server(
			SERVER,
			cls.shop.url,
			synchronise_orders_from="2000-01-01",
			submit_sales_orders=1,
			create_sales_invoice=InvoicePolicy.WHEN_PAID,
			payment_methods=[{"payment_method": "bacs", "mode_of_payment": MODE_OF_PAYMENT}],
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		# The recorded orders' customers are other tests' too, and the Sales Order's PO number is
		# the order id: Sales Orders left behind would clash with theirs.
		remove_orders(SERVER)
		frappe.db.commit()
		super().tearDownClass()

	def add_order(self, case: str, **changes: Any) -> int:
		order = load_order(case)
		# Ids no other bench test's recorded orders have.
		return self.shop.add_order({**order, "id": 880000 + order["id"], "refunds": [], **changes})

	def refund(self, order_id: int, **body: Any) -> dict[str, Any]:
		return get_client(SERVER).post(f"orders/{order_id}/refunds", {"api_refund": False, **body})

	def row(self, order_id: int):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, order_id))

	def test_refunds_of_a_paid_order_become_credit_notes_and_refund_payments_once(self):
		order_id = self.add_order("partial_refund")
		self.assertEqual(sync_one(order_id), "created")
		row = self.row(order_id)
		self.assertEqual(row.status, Status.PAYMENT_REGISTERED)
		order = self.shop.orders[order_id]
		mug, shipping = order["line_items"][0], order["shipping_lines"][0]
		vat = [{"id": 1, "refund_total": "2.38"}]
		made = [
			self.refund(
				order_id,
				amount="14.88",
				reason="One mug arrived broken",
				line_items=[{"id": mug["id"], "quantity": 1, "refund_total": "12.50", "refund_tax": vat}],
			),
			self.refund(
				order_id,
				amount="5.83",
				line_items=[
					{
						"id": shipping["id"],
						"refund_total": "4.90",
						"refund_tax": [{"id": 1, "refund_total": "0.93"}],
					}
				],
			),
			self.refund(order_id, amount="10.00", reason="Goodwill"),
		]

		# The hourly run sees them, then order.updated brings the order again.
		run_hourly()
		self.assertEqual(self.row(order_id).error, None)
		self.assertEqual(sync_one(order_id), "unchanged")
		run_hourly()

		row = self.row(order_id)
		self.assertEqual(
			(row.status, row.error, row.refund_status),
			(Status.PAYMENT_REGISTERED, None, RefundsStatus.BOOKED),
		)
		self.assertEqual([r.refund_id for r in row.refunds], [m["id"] for m in made])
		self.assertEqual({r.state for r in row.refunds}, {RefundState.BOOKED})
		notes = credit_notes(row.sales_invoice)
		self.assertEqual(
			[(n.docstatus, flt(n.grand_total)) for n in notes], [(1, -14.88), (1, -5.83), (1, -10.0)]
		)
		self.assertEqual([r.credit_note for r in row.refunds], [n.name for n in notes])
		original = frappe.get_doc("Payment Entry", row.payment_entry)
		for refund_row, note in zip(row.refunds, notes, strict=True):
			[payment] = payments_against(note.name)
			self.assertEqual(payment.name, refund_row.payment_entry)
			self.assertEqual(
				(payment.payment_type, flt(payment.paid_amount), payment.paid_from, payment.mode_of_payment),
				("Pay", -flt(note.grand_total), original.paid_to, MODE_OF_PAYMENT),
			)
			self.assertEqual(flt(frappe.db.get_value("Sales Invoice", note.name, "outstanding_amount")), 0)
		# The mug's row carries its line and the tax rows only what was refunded.
		mug_note = frappe.get_doc("Sales Invoice", notes[0].name)
		self.assertEqual(
			[(i.item_code, i.qty, i.rate, i.woocommerce_line_id) for i in mug_note.items],
			[(mug_note.items[0].item_code, -1, 12.5, mug["id"])],
		)
		self.assertEqual([flt(t.tax_amount) for t in mug_note.taxes], [-2.38])
		goodwill = frappe.get_doc("Sales Invoice", notes[2].name)
		self.assertEqual([(i.item_code, i.qty, i.rate) for i in goodwill.items], [(None, -1, 10.0)])

		self.assertEqual(sync_one(order_id), "unchanged")
		self.assertEqual(len(credit_notes(row.sales_invoice)), 3)

	def test_a_refund_of_an_unpaid_order_reduces_what_its_invoice_is_owed(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "create_sales_invoice", InvoicePolicy.ALWAYS)
		frappe.db.commit()
		self.addCleanup(self.restore_policy)
		order_id = self.add_order("cod_unpaid")
		sync_one(order_id)
		row = self.row(order_id)
		self.assertEqual((row.status, row.payment_entry), (Status.INVOICE_POSTED, None))
		total = flt(frappe.db.get_value("Sales Invoice", row.sales_invoice, "grand_total"))
		self.refund(order_id, amount="5.00", reason="Discount after the fact")
		self.assertEqual(sync_one(order_id), "updated")

		[note] = credit_notes(row.sales_invoice)
		self.assertEqual((note.docstatus, flt(note.grand_total)), (1, -5.0))
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", row.sales_invoice, "outstanding_amount")),
			flt(total - 5, 2),
		)
		self.assertEqual(payments_against(note.name), [])
		self.assertEqual(self.row(order_id).refunds[0].payment_entry, None)

	@staticmethod
	def restore_policy() -> None:
		frappe.db.set_value("WooCommerce Server", SERVER, "create_sales_invoice", InvoicePolicy.WHEN_PAID)
		frappe.db.commit()
