# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""Order Sync rows on a real bench: one order synced from the test shop through the same path
as the hourly run, the Sales Order hooks that queue such a sync, and who may start it."""

from __future__ import annotations

import copy
from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.sales_order import update_status
from erpnext.selling.doctype.sales_order.test_sales_order import make_sales_order
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.erp.sales_order_hooks import sync_sales_order
from woocommerce_fusion.erp.test_adapter import PRICE_LIST, VAT_7, VAT_19, load_order, make_fixtures
from woocommerce_fusion.tasks.order_sync import sync_one_order
from woocommerce_fusion.testing.shop import TestShop
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	ABBR,
	clear_actions,
	make_server,
	make_user,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	DOCTYPE as SYNC_ACTION,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	State,
	SyncType,
	own_sync,
)

DOCTYPE = "WooCommerce Order Sync"
SHOP_SERVER = "_Test WooCommerce Order Sync Shop"
HOOK_SERVER = "_Test WooCommerce Order Sync Hooks"


def remove_shop_orders(server: str) -> None:
	for so in frappe.get_all("Sales Order", {"woocommerce_server": server}, ["name", "docstatus"]):
		if so.docstatus == 1:
			frappe.get_doc("Sales Order", so.name).cancel()
		frappe.delete_doc("Sales Order", so.name, force=True, ignore_permissions=True)
	frappe.db.delete(DOCTYPE, {"woocommerce_server": server})
	clear_actions(server)


class TestOrderSyncWithShop(FrappeTestCase):
	"""Sync this Order: the shop's order becomes a Sales Order and the row says so."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.shop = TestShop().start()
		make_fixtures()
		make_server(
			SHOP_SERVER,
			url=cls.shop.url,
			selling_price_list=PRICE_LIST,
			tax_accounts=[
				{"woocommerce_tax_rate_id": 1, "account": VAT_19},
				{"woocommerce_tax_rate_id": 2, "account": VAT_7},
			],
			shipping_charges_account=f"Freight and Forwarding Charges - {ABBR}",
			fee_account=f"Miscellaneous Expenses - {ABBR}",
		)
		remove_shop_orders(SHOP_SERVER)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.set_user("Administrator")
		remove_shop_orders(SHOP_SERVER)
		frappe.db.commit()
		cls.shop.stop()
		super().tearDownClass()

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def add_order(self, case: str) -> int:
		order = copy.deepcopy(load_order(case))
		order.pop("id", None)
		return self.shop.add_order(order)

	def test_sync_one_order_creates_the_sales_order(self):
		order_id = self.add_order("guest")
		action = sync_one_order(SHOP_SERVER, order_id)

		run = frappe.get_doc(SYNC_ACTION, action)
		self.assertEqual(
			(run.state, run.sync_type, run.reference), (State.COMPLETED, SyncType.ONE_ORDER, str(order_id))
		)
		self.assertEqual((run.fetched, run.created), (1, 1))
		row = frappe.get_doc(DOCTYPE, f"{SHOP_SERVER}-{order_id}")
		self.assertEqual(row.status, Status.SALES_ORDER_CREATED)
		self.assertEqual(frappe.db.get_value("Sales Order", row.sales_order, "woocommerce_id"), str(order_id))

		# The second time there is nothing to do, and no second Sales Order.
		again = frappe.get_doc(SYNC_ACTION, sync_one_order(SHOP_SERVER, order_id))
		self.assertEqual((again.state, again.unchanged), (State.COMPLETED, 1))
		self.assertEqual(
			frappe.db.count(
				"Sales Order", {"woocommerce_server": SHOP_SERVER, "woocommerce_id": str(order_id)}
			),
			1,
		)

	def test_sync_now_button_on_the_row(self):
		order_id = self.add_order("mixed_tax_rates")
		sync_one_order(SHOP_SERVER, order_id)
		row = frappe.get_doc(DOCTYPE, f"{SHOP_SERVER}-{order_id}")
		result = row.sync_now()
		self.assertEqual(result["state"], State.COMPLETED)

	def test_order_missing_in_the_shop_fails_the_run(self):
		action = frappe.get_doc(SYNC_ACTION, sync_one_order(SHOP_SERVER, 987_654))
		self.assertEqual(action.state, State.FAILED)
		self.assertIn("404", action.error)

	def test_failing_order_fails_the_run_with_the_rows_error(self):
		order = copy.deepcopy(load_order("guest"))
		order.pop("id", None)
		order["currency"] = "XXX"
		order_id = self.shop.add_order(order)
		action = frappe.get_doc(SYNC_ACTION, sync_one_order(SHOP_SERVER, order_id))
		self.assertEqual((action.state, action.failed), (State.FAILED, 1))
		row = frappe.get_doc(DOCTYPE, f"{SHOP_SERVER}-{order_id}")
		self.assertEqual(row.status, Status.FAILED)
		self.assertIn(row.error.splitlines()[0], action.error)

	def test_sync_now_refuses_a_user_without_the_roles(self):
		order_id = self.add_order("coupon_paid_stripe")
		sync_one_order(SHOP_SERVER, order_id)
		row = frappe.get_doc(DOCTYPE, f"{SHOP_SERVER}-{order_id}")
		for roles in ((), ("WooCommerce Order Sync User",)):
			frappe.set_user(make_user(*roles))
			with self.assertRaises(frappe.PermissionError):
				row.sync_now()
			frappe.set_user("Administrator")


class TestSalesOrderHooks(FrappeTestCase):
	"""Changes to a web order's Sales Order queue a sync of that order after the commit."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_server(HOOK_SERVER)
		frappe.db.commit()

	def setUp(self) -> None:
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		self.enqueue = patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def make_web_order(self, woocommerce_id: int, **values):
		so = make_sales_order(do_not_save=True)
		so.update({"woocommerce_server": HOOK_SERVER, "woocommerce_id": str(woocommerce_id), **values})
		so.insert()
		return so

	def queued(self, woocommerce_id: int) -> list[str]:
		return frappe.get_all(
			SYNC_ACTION,
			filters={
				"woocommerce_server": HOOK_SERVER,
				"sync_type": SyncType.ONE_ORDER,
				"reference": str(woocommerce_id),
			},
			pluck="name",
		)

	def test_submit_queues_a_sync_after_commit(self):
		so = self.make_web_order(4711)
		self.assertEqual(self.queued(4711), [])
		so.submit()
		(action,) = self.queued(4711)
		self.assertEqual(frappe.db.get_value(SYNC_ACTION, action, "state"), State.NOT_PROCESSED)
		(call,) = self.enqueue.call_args_list
		self.assertEqual(call.kwargs["action"], action)
		self.assertTrue(call.kwargs["enqueue_after_commit"])
		self.assertEqual(call.kwargs["job_id"], f"woocommerce_fusion::order::{HOOK_SERVER}::4711")

	def test_sales_order_without_link_queues_nothing(self):
		so = make_sales_order(do_not_submit=True)
		so.submit()
		self.enqueue.assert_not_called()

	def test_sales_order_made_by_the_pipeline_queues_nothing(self):
		so = self.make_web_order(4712)
		so.flags.woocommerce_pipeline = True
		so.submit()
		self.assertEqual(self.queued(4712), [])

	def test_nothing_is_queued_while_the_sync_itself_writes(self):
		so = self.make_web_order(4713)
		with own_sync():
			so.submit()
		self.assertEqual(self.queued(4713), [])

	def test_woocommerce_status_change_queues_a_sync(self):
		so = self.make_web_order(4714, woocommerce_status="processing")
		so.flags.woocommerce_pipeline = True
		so.submit()
		so = frappe.get_doc("Sales Order", so.name)
		so.save()
		self.assertEqual(self.queued(4714), [])
		so.woocommerce_status = "completed"
		so.save()
		self.assertEqual(len(self.queued(4714)), 1)

	def test_closing_and_cancelling_queue_a_sync_once_each(self):
		so = self.make_web_order(4715)
		so.flags.woocommerce_pipeline = True
		so.submit()
		update_status("Closed", so.name)
		self.assertEqual(len(self.queued(4715)), 1)

		frappe.flags.pop("woocommerce_orders_scheduled", None)
		update_status("Draft", so.name)
		so = frappe.get_doc("Sales Order", so.name)
		so.cancel()
		self.assertEqual(len(self.queued(4715)), 2)

	def test_a_second_event_in_the_same_request_queues_nothing_more(self):
		so = self.make_web_order(4716)
		so.submit()
		so.woocommerce_status = "completed"
		so.save()
		self.assertEqual(len(self.queued(4716)), 1)

	def test_sync_sales_order_refuses_a_user_without_the_roles(self):
		so = self.make_web_order(4717)
		frappe.set_user(make_user())
		with self.assertRaises(frappe.PermissionError):
			sync_sales_order(so.name)

	def test_sync_sales_order_needs_a_web_order(self):
		so = make_sales_order(do_not_submit=True)
		with self.assertRaises(frappe.ValidationError):
			sync_sales_order(so.name)
