# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""Order Sync rows on a real bench: one order synced from the test shop through the same path
as the hourly run, the Sales Order hooks that queue such a sync, and who may start it."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.sales_order import update_status
from erpnext.selling.doctype.sales_order.test_sales_order import make_sales_order
from frappe.desk.form.load import run_onload
from frappe.tests.utils import FrappeTestCase
from rq.job import JobStatus

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.constants import SYNC_ACTION_DOCTYPE as SYNC_ACTION
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.erp.sales_order_hooks import sync_sales_order
from woocommerce_fusion.runs import State, SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.runs.switches import own_sync
from woocommerce_fusion.tasks.order_sync import ONE_ORDER_TIMEOUT
from woocommerce_fusion.testing.bench_fixtures import make_server, remove_orders
from woocommerce_fusion.testing.order_cases import load_order
from woocommerce_fusion.testing.shop import TestShop
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order.woocommerce_order import (
	order_name,
	sync_woocommerce_order,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync import (
	sync_now,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	clear_actions,
	make_user,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SHOP_SERVER = "_Test WooCommerce Order Sync Shop"
HOOK_SERVER = "_Test WooCommerce Order Sync Hooks"
ORDER_SYNC_USER = "WooCommerce Order Sync User"


def sync_at_once(server: str, woocommerce_id: int) -> int:
	"""A "One order" run done here and now, as the worker would do it; returns its name."""
	name = create_sync_action(server, SyncType.ONE_ORDER, reference=woocommerce_id)
	frappe.db.commit()
	run_sync_action(name)
	return name


def run_as_worker(call) -> None:
	"""Run a job captured from a patched frappe.enqueue as the worker would: the user who queued
	it stays the session user, and nothing of the queueing reaches the method."""
	kwargs = dict(call.kwargs)
	for option in ("queue", "job_id", "enqueue_after_commit", "timeout"):
		kwargs.pop(option, None)
	frappe.get_attr(call.args[0])(**kwargs)


def set_order_sync(server: str, **values) -> None:
	"""Turn a server's switches as its form would (the cached copy goes with the save)."""
	frappe.db.set_value("WooCommerce Server", server, values)
	frappe.clear_document_cache("WooCommerce Server", server)


class TestOrderSyncWithShop(FrappeTestCase):
	"""Sync this Order: the shop's order becomes a Sales Order and the row says so."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.shop = TestShop().start()
		make_server(SHOP_SERVER, url=cls.shop.url)
		remove_orders(SHOP_SERVER)
		clear_actions(SHOP_SERVER)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.set_user("Administrator")
		remove_orders(SHOP_SERVER)
		clear_actions(SHOP_SERVER)
		frappe.db.commit()
		cls.shop.stop()
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.flags.pop("woocommerce_orders_scheduled", None)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def add_order(self, case: str) -> int:
		order = copy.deepcopy(load_order(case))
		order.pop("id", None)
		return self.shop.add_order(order)

	def test_one_order_run_creates_the_sales_order(self):
		order_id = self.add_order("guest")
		action = sync_at_once(SHOP_SERVER, order_id)

		run = frappe.get_doc(SYNC_ACTION, action)
		self.assertEqual(
			(run.state, run.sync_type, run.reference), (State.COMPLETED, SyncType.ONE_ORDER, str(order_id))
		)
		self.assertEqual((run.fetched, run.created), (1, 1))
		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SHOP_SERVER, order_id))
		self.assertEqual(row.status, Status.SALES_ORDER_CREATED)
		self.assertEqual(frappe.db.get_value("Sales Order", row.sales_order, "woocommerce_id"), str(order_id))

		# The second time there is nothing to do, and no second Sales Order.
		again = frappe.get_doc(SYNC_ACTION, sync_at_once(SHOP_SERVER, order_id))
		self.assertEqual((again.state, again.unchanged), (State.COMPLETED, 1))
		self.assertEqual(
			frappe.db.count(
				"Sales Order", {"woocommerce_server": SHOP_SERVER, "woocommerce_id": str(order_id)}
			),
			1,
		)

	def test_sync_now_button_queues_the_order_and_returns_at_once(self):
		order_id = self.add_order("mixed_tax_rates")
		sync_at_once(SHOP_SERVER, order_id)
		self.shop.reset_counts()
		with patch("frappe.enqueue") as enqueue:
			result = sync_now(order_sync_name(SHOP_SERVER, order_id))

		# Nothing was asked of the shop in the request; the action waits for its job.
		self.assertEqual(self.shop.requests, [])
		self.assertEqual(result["state"], State.NOT_PROCESSED)
		run = frappe.get_doc(SYNC_ACTION, result["name"])
		self.assertEqual((run.sync_type, run.reference), (SyncType.ONE_ORDER, str(order_id)))
		(call,) = enqueue.call_args_list
		self.assertEqual(call.kwargs["action"], result["name"])
		self.assertEqual(call.kwargs["job_id"], f"woocommerce_fusion::order::{SHOP_SERVER}::{order_id}")
		self.assertEqual(call.kwargs["timeout"], ONE_ORDER_TIMEOUT)
		self.assertTrue(call.kwargs["enqueue_after_commit"])

		frappe.db.commit()
		run_as_worker(call)
		self.assertEqual(frappe.db.get_value(SYNC_ACTION, result["name"], "state"), State.COMPLETED)

	def test_a_second_click_while_the_job_waits_queues_nothing_more(self):
		order_id = self.add_order("cod_unpaid")
		sync_at_once(SHOP_SERVER, order_id)
		with patch("frappe.enqueue") as enqueue:
			first = sync_now(order_sync_name(SHOP_SERVER, order_id))
		# The next click is another request, and the first job now waits in the queue.
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		waiting = SimpleNamespace(get_status=lambda: JobStatus.QUEUED)
		with (
			patch("woocommerce_fusion.runs.queue.get_job", return_value=waiting),
			patch("frappe.enqueue") as again,
		):
			second = sync_now(order_sync_name(SHOP_SERVER, order_id))
		self.assertEqual(second["name"], first["name"])
		again.assert_not_called()
		self.assertEqual(enqueue.call_count, 1)

	def test_order_missing_in_the_shop_fails_the_run(self):
		action = frappe.get_doc(SYNC_ACTION, sync_at_once(SHOP_SERVER, 987_654))
		self.assertEqual(action.state, State.FAILED)
		self.assertIn("404", action.error)

	def test_failing_order_fails_the_run_with_the_rows_error(self):
		order = copy.deepcopy(load_order("guest"))
		order.pop("id", None)
		order["currency"] = "XXX"
		order_id = self.shop.add_order(order)
		action = frappe.get_doc(SYNC_ACTION, sync_at_once(SHOP_SERVER, order_id))
		self.assertEqual((action.state, action.failed), (State.FAILED, 1))
		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SHOP_SERVER, order_id))
		self.assertEqual(row.status, Status.FAILED)
		self.assertIn(row.error.splitlines()[0], action.error)

	def test_sync_now_refuses_a_user_without_the_roles(self):
		order_id = self.add_order("coupon_paid_stripe")
		sync_at_once(SHOP_SERVER, order_id)
		frappe.set_user(make_user())
		with self.assertRaises(frappe.PermissionError), patch("frappe.enqueue") as enqueue:
			sync_now(order_sync_name(SHOP_SERVER, order_id))
		enqueue.assert_not_called()

	def test_order_sync_user_syncs_an_order_but_cannot_open_its_server(self):
		order_id = self.add_order("business_customer_vat")
		user = make_user(ORDER_SYNC_USER)
		frappe.set_user(user)
		with patch("frappe.enqueue") as enqueue:
			# The order is new to ERPNext (its row is made by the run): the WooCommerce Order's button.
			action = sync_woocommerce_order(order_name(SHOP_SERVER, order_id))
		self.assertEqual(action["state"], State.NOT_PROCESSED)
		frappe.db.commit()
		# The worker runs the job as the user who queued it.
		run_as_worker(enqueue.call_args)
		run = frappe.get_doc(SYNC_ACTION, action["name"])
		self.assertEqual((run.state, run.created), (State.COMPLETED, 1), run.error)
		self.assertEqual(run.owner, user)

		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SHOP_SERVER, order_id))
		self.assertTrue(row.has_permission("write"))
		run_onload(row)
		self.assertTrue(row.get_onload().can_sync)
		# A click on the form is a request of its own, which starts with fresh flags.
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		with patch("frappe.enqueue"):
			self.assertEqual(sync_now(row.name)["state"], State.NOT_PROCESSED)

		server = frappe.get_doc("WooCommerce Server", SHOP_SERVER)
		with self.assertRaises(frappe.PermissionError):
			server.check_permission("read")
		server.request_timeout = 11
		with self.assertRaises(frappe.PermissionError):
			server.save()
		self.assertFalse(frappe.has_permission("WooCommerce Server", "create"))

	def test_order_sync_user_is_kept_to_the_shops_of_its_user_permissions(self):
		order_id = self.add_order("guest")
		sync_at_once(SHOP_SERVER, order_id)
		make_server(HOOK_SERVER)
		user = make_user(ORDER_SYNC_USER)
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "WooCommerce Server",
				"for_value": HOOK_SERVER,
			}
		).insert(ignore_permissions=True)
		self.addCleanup(frappe.clear_cache, user=user)
		frappe.set_user(user)
		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SHOP_SERVER, order_id))
		run_onload(row)
		self.assertFalse(row.get_onload().can_sync)
		with self.assertRaises(frappe.PermissionError), patch("frappe.enqueue") as enqueue:
			sync_now(row.name)
		enqueue.assert_not_called()


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
		# The rollback of a test that turned a switch does not reach the document cache.
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", HOOK_SERVER)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def make_web_order(self, woocommerce_id: int, **values):
		so = make_sales_order(do_not_save=True)
		so.update({"woocommerce_server": HOOK_SERVER, "woocommerce_id": str(woocommerce_id), **values})
		so.insert()
		return so

	def app_jobs(self) -> list:
		"""The jobs this app queued (creating a test user queues Frappe's own)."""
		return [c for c in self.enqueue.call_args_list if str(c.args[0]).startswith("woocommerce_fusion.")]

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

	def test_closing_and_cancelling_queue_nothing(self):
		# A sync of the order does not take these states to the shop, so a run would do nothing.
		so = self.make_web_order(4715)
		so.flags.woocommerce_pipeline = True
		so.submit()
		update_status("Closed", so.name)
		update_status("Draft", so.name)
		so = frappe.get_doc("Sales Order", so.name)
		so.cancel()
		self.assertEqual(self.queued(4715), [])
		self.enqueue.assert_not_called()

	def test_nothing_is_queued_while_order_sync_is_off(self):
		for number, switches in enumerate(({"enable_order_sync": 0}, {"enabled": 0})):
			woocommerce_id = 4720 + number
			set_order_sync(HOOK_SERVER, **switches)
			so = self.make_web_order(woocommerce_id, woocommerce_status="processing")
			so.submit()
			so.woocommerce_status = "completed"
			so.save()
			self.assertEqual(self.queued(woocommerce_id), [], switches)
			set_order_sync(HOOK_SERVER, enabled=1, enable_order_sync=1)
		self.enqueue.assert_not_called()

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

	def test_sync_sales_order_queues_for_the_order_sync_user(self):
		so = self.make_web_order(4718)
		frappe.set_user(make_user("Sales User", ORDER_SYNC_USER))
		action = sync_sales_order(so.name)
		self.assertEqual(action["state"], State.NOT_PROCESSED)
		self.assertEqual(self.queued(4718), [action["name"]])
		(call,) = self.app_jobs()
		self.assertEqual(call.kwargs["action"], action["name"])
		self.assertEqual(call.kwargs["job_id"], f"woocommerce_fusion::order::{HOOK_SERVER}::4718")
		self.assertEqual(call.kwargs["timeout"], ONE_ORDER_TIMEOUT)

	def test_changing_a_sales_order_is_not_the_right_to_sync_it(self):
		so = self.make_web_order(4719)
		frappe.set_user(make_user("Sales User"))
		self.assertTrue(so.has_permission("write"))
		with self.assertRaises(frappe.PermissionError):
			sync_sales_order(so.name)
		self.assertEqual(self.queued(4719), [])

	def test_the_button_is_offered_to_who_may_use_it(self):
		so = self.make_web_order(4723)

		def offered() -> bool:
			doc = frappe.get_doc("Sales Order", so.name)
			run_onload(doc)
			return bool(doc.get_onload().get("woocommerce_can_sync"))

		frappe.set_user(make_user("Sales User"))
		self.assertFalse(offered())
		frappe.set_user(make_user("Sales User", ORDER_SYNC_USER))
		self.assertTrue(offered())
		frappe.set_user("Administrator")
		set_order_sync(HOOK_SERVER, enable_order_sync=0)
		self.assertFalse(offered())
		with self.assertRaises(frappe.ValidationError):
			sync_sales_order(so.name)
		self.assertEqual(self.app_jobs(), [])

	def test_sync_sales_order_needs_a_web_order(self):
		so = make_sales_order(do_not_submit=True)
		with self.assertRaises(frappe.ValidationError):
			sync_sales_order(so.name)
