"""Status back to WooCommerce on a real ERPNext, against the test shop started in this process:
a Delivery Note for the whole Sales Order, a closed Sales Order and (with the invoice rule) a
Sales Invoice complete the order in the shop with a note; the intake invoice and a cancellation
with its rule off change nothing there.

The ERPNext documents go through their own doc_events; the "Status push" run they queue is run
here in this process (frappe.enqueue is patched), through the same job a worker would run.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice
from erpnext.selling.doctype.sales_order.sales_order import update_status as update_sales_order_status
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.constants import (
	ORDER_SYNC_DOCTYPE,
	REQUEST_LOG_DOCTYPE,
	SYNC_ACTION_DOCTYPE,
	order_sync_name,
)
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.settings import InvoicePolicy
from woocommerce_fusion.engine.status_port import PushState
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.engine.sync.status_push import STATUS_SET_BY
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.status_records import default_rules
from woocommerce_fusion.runs import State, SyncType
from woocommerce_fusion.runs.queue import run_sync_action
from woocommerce_fusion.tasks.status_push import retry_status_pushes
from woocommerce_fusion.testing.bench_fixtures import make_server, remove_orders, start_clean
from woocommerce_fusion.testing.order_cases import load_order
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Status Back"


def reopen_closed() -> None:
	"""ERPNext cancels no closed Sales Order, and remove_orders cancels them all."""
	for name in frappe.get_all(
		"Sales Order", {"woocommerce_server": SERVER, "status": "Closed"}, pluck="name"
	):
		update_sales_order_status("Draft", name)
	frappe.db.commit()


class TestStatusBack(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		reopen_closed()
		start_clean(SERVER)
		cls.shop = TestShop(timezone="America/New_York").start()
		make_server(SERVER, cls.shop.url, synchronise_orders_from="2000-01-01", submit_sales_orders=1)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		cls.use_rules()
		reopen_closed()
		remove_orders(SERVER)
		frappe.db.delete(SYNC_ACTION_DOCTYPE, {"woocommerce_server": SERVER})
		frappe.db.delete(REQUEST_LOG_DOCTYPE, {"server": SERVER})
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		self.enqueue = patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)
		frappe.flags.pop("woocommerce_status_pushes_scheduled", None)
		self.use_rules()
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		frappe.db.commit()
		self.addCleanup(self.stock_settings_back)

	@staticmethod
	def stock_settings_back() -> None:
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		frappe.db.commit()

	@staticmethod
	def use_rules(notes_off: tuple[str, ...] = (), **enabled: bool) -> None:
		"""The defaults, with some rules turned on or off by event name, and some rules' notes off."""
		server = frappe.get_doc("WooCommerce Server", SERVER)
		rules = default_rules()
		for rule in rules:
			rule["enabled"] = int(enabled.get(rule["erpnext_event"], rule["enabled"]))
			if rule["erpnext_event"] in notes_off:
				rule["add_order_note"] = 0
		server.set("status_rules", rules)
		server.save(ignore_permissions=True)
		frappe.db.commit()

	def synced_order(self, case: str = "guest", **settings_changes) -> tuple[int, str]:
		order = copy.deepcopy(load_order(case))
		order.pop("id", None)
		order["status"] = "processing"
		order_id = self.shop.add_order(order)
		settings = replace(get_settings(SERVER), **settings_changes)
		client = get_client(SERVER)
		self.assertEqual(
			sync_order(FrappeErp(), client, settings, client.get(f"orders/{order_id}")), "created"
		)
		frappe.db.commit()
		return order_id, self.row(order_id).sales_order

	def row(self, order_id: int):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, order_id))

	def queued_push(self) -> str | None:
		names = frappe.get_all(
			SYNC_ACTION_DOCTYPE,
			filters={
				"woocommerce_server": SERVER,
				"sync_type": SyncType.STATUS_PUSH,
				"state": State.NOT_PROCESSED,
			},
			pluck="name",
		)
		self.assertLessEqual(len(names), 1, "one run per server, however many events")
		return names[0] if names else None

	def run_push(self) -> str:
		action = self.queued_push()
		self.assertIsNotNone(action, "the event queued a Status push")
		run_sync_action(action)
		self.assertEqual(frappe.db.get_value(SYNC_ACTION_DOCTYPE, action, "state"), State.COMPLETED)
		return action

	def erp_notes(self, order_id: int) -> list[str]:
		return [note["note"] for note in self.shop.order_notes(order_id) if "ERPNext" in note["note"]]

	def test_delivering_a_synced_order_completes_it_in_the_shop_with_a_note(self):
		order_id, sales_order = self.synced_order()
		dn = make_delivery_note(sales_order)
		dn.insert()
		dn.submit()
		frappe.db.commit()
		so = frappe.get_doc("Sales Order", sales_order)
		self.assertEqual(so.woocommerce_status, "completed")
		self.assertEqual(self.row(order_id).status_push, PushState.PENDING)
		self.assertEqual(self.shop.orders[order_id]["status"], "processing", "nothing before the job runs")

		self.shop.reset_counts()
		self.run_push()
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")
		self.assertEqual(self.erp_notes(order_id), [f"Completed by Delivery Note {dn.name} in ERPNext."])
		self.assertEqual(self.shop.count(method="POST", path_prefix="/wp-json/wc/v3/orders/batch"), 1)
		self.assertEqual(self.set_by(order_id), [f"Delivery Note {dn.name}"])
		row = self.row(order_id)
		self.assertEqual((row.status_push, row.synced_status), (PushState.PUSHED, "completed"))
		self.assertEqual(
			(row.status_push_document_type, row.status_push_document), ("Delivery Note", dn.name)
		)

	def set_by(self, order_id: int) -> list[str]:
		return [m["value"] for m in self.shop.orders[order_id]["meta_data"] if m["key"] == STATUS_SET_BY]

	def test_with_the_rules_note_off_delivery_completes_it_in_one_call_the_reference_in_its_meta(self):
		self.use_rules(notes_off=("Delivery Note submitted",))
		order_id, sales_order = self.synced_order()
		dn = self.deliver(sales_order)
		self.shop.reset_counts()
		self.run_push()
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")
		self.assertEqual(self.erp_notes(order_id), [])
		self.assertEqual(self.set_by(order_id), [f"Delivery Note {dn}"])
		self.assertEqual(self.shop.count(method="POST"), 1)

	def test_closing_the_sales_order_completes_it_without_a_note(self):
		order_id, sales_order = self.synced_order()
		update_sales_order_status("Closed", sales_order)
		frappe.db.commit()
		self.run_push()
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")
		self.assertEqual(self.erp_notes(order_id), [])

	def test_with_the_invoice_rule_a_sales_invoice_completes_it_and_the_intake_invoice_does_not(self):
		self.use_rules(**{"Sales Invoice submitted": True, "Delivery Note submitted": False})
		# Invoiced at intake by the pipeline (a cash-on-delivery order stops at Invoice posted).
		intake_id, _intake_so = self.synced_order("cod_unpaid", create_sales_invoice=InvoicePolicy.ALWAYS)
		self.assertTrue(self.row(intake_id).sales_invoice)
		self.assertEqual(self.row(intake_id).status_push or "", "")
		self.assertIsNone(self.queued_push())

		order_id, sales_order = self.synced_order()
		invoice = make_sales_invoice(sales_order)
		invoice.insert()
		invoice.submit()
		frappe.db.commit()
		self.run_push()
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")
		self.assertEqual(self.erp_notes(order_id), [f"Completed by Sales Invoice {invoice.name} in ERPNext."])
		self.assertEqual(self.shop.orders[intake_id]["status"], "processing")

	def test_cancelling_with_the_rule_off_changes_nothing_in_the_shop(self):
		order_id, sales_order = self.synced_order()
		self.shop.reset_counts()
		frappe.get_doc("Sales Order", sales_order).cancel()
		frappe.db.commit()
		self.assertIsNone(self.queued_push())
		self.assertEqual(self.row(order_id).status_push or "", "")
		self.assertEqual(frappe.db.get_value("Sales Order", sales_order, "woocommerce_status"), "processing")
		self.assertEqual(self.shop.orders[order_id]["status"], "processing")
		self.assertEqual(self.shop.count(), 0)

	def deliver(self, sales_order: str) -> str:
		dn = make_delivery_note(sales_order)
		dn.insert()
		dn.submit()
		frappe.db.commit()
		return dn.name

	def test_an_order_the_shop_refuses_fails_on_its_row_and_in_the_request_log(self):
		order_id, sales_order = self.synced_order()
		self.shop.request("DELETE", f"orders/{order_id}", params={"force": "true"})
		self.deliver(sales_order)
		self.run_push()
		row = self.row(order_id)
		self.assertEqual((row.status_push, row.status_push_error_kind), (PushState.FAILED, "bad_request"))
		self.assertEqual(row.status_push_retry, RetryStatus.NEEDS_FIX)
		self.assertIn("Invalid ID", row.status_push_error)
		logged = frappe.get_all(
			REQUEST_LOG_DOCTYPE,
			filters={"server": SERVER, "reference_name": row.name},
			fields=["endpoint", "succeeded", "status_code", "error_kind"],
		)
		self.assertEqual(
			[(r.endpoint, r.succeeded, r.status_code, r.error_kind) for r in logged],
			[("/wp-json/wc/v3/orders/batch", 0, 400, "bad_request")],
		)
		self.assertIsNone(row.status_push_next_attempt_on)
		# Saving the server may have fixed it: the retry job sends it again.
		frappe.get_doc("WooCommerce Server", SERVER).save(ignore_permissions=True)
		self.assertIsNotNone(self.row(order_id).status_push_next_attempt_on)

	def test_a_shop_that_is_down_is_tried_again_by_the_retry_job(self):
		order_id, sales_order = self.synced_order()
		self.deliver(sales_order)
		self.shop.inject_fault("503", times=100, path_prefix="/wp-json/wc/v3/orders/batch")
		self.run_push()
		row = self.row(order_id)
		self.assertEqual((row.status_push, row.status_push_error_kind), (PushState.FAILED, "unavailable"))
		self.assertEqual((row.status_push_attempts, row.status_push_retry), (1, RetryStatus.SCHEDULED))
		self.assertIsNotNone(row.status_push_next_attempt_on)
		self.assertEqual(self.shop.orders[order_id]["status"], "processing")

		retry_status_pushes()
		self.assertIsNone(self.queued_push(), "not due yet")
		frappe.db.set_value(
			ORDER_SYNC_DOCTYPE, row.name, "status_push_next_attempt_on", "2000-01-01 00:00:00"
		)
		frappe.flags.pop("woocommerce_status_pushes_scheduled", None)
		retry_status_pushes()
		self.shop.clear_faults()
		self.run_push()
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")
		self.assertEqual(self.row(order_id).status_push, PushState.PUSHED)
