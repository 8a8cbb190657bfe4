# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""The order status screen on a real bench: Retry and Rerun, Mark as synced, the suggested fix,
the error's first line, the stuck order job, and who may use any of it.

Mark as synced and the stuck order job commit, as they do in production, so every test removes
its rows, Sync Actions, comments and Sales Orders for good.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.test_sales_order import make_sales_order
from frappe.desk.desktop import Workspace
from frappe.desk.form.load import run_onload
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_fullname, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.constants import SYNC_ACTION_DOCTYPE as SYNC_ACTION
from woocommerce_fusion.engine.errors import SUGGESTED_FIXES, ErrorKind
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.ports import OrderRecord
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.erp.order_records import lock_order, save_order, to_row
from woocommerce_fusion.erp.times import utc_to_system
from woocommerce_fusion.runs import SyncType
from woocommerce_fusion.tasks.stuck_orders import check_server, requeue_stuck_orders
from woocommerce_fusion.testing.bench_fixtures import make_server, remove_orders
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync import (
	mark_as_synced,
	rerun,
	sync_now,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	clear_actions,
	make_user,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Order Sync Screen"
ORDER_SYNC_USER = "WooCommerce Order Sync User"
STUCK_AFTER = timedelta(minutes=30)
FAILURE = "MappingError: WooCommerce item 'SKU-9' has no Item in ERPNext\n\nKind: bad_data\n\nTraceback …"


def make_row(woocommerce_id: int, status: str = Status.FAILED, **values) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": ORDER_SYNC_DOCTYPE,
				"woocommerce_server": SERVER,
				"woocommerce_id": woocommerce_id,
				"status": status,
				**values,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def queued_ids() -> list[str]:
	"""The orders of SERVER a "One order" run was queued for."""
	return sorted(
		frappe.get_all(
			SYNC_ACTION,
			filters={"woocommerce_server": SERVER, "sync_type": SyncType.ONE_ORDER},
			pluck="reference",
		)
	)


def backdate(name: str, fieldname: str, by: timedelta) -> None:
	frappe.db.set_value(ORDER_SYNC_DOCTYPE, name, fieldname, now_datetime() - by, update_modified=False)


def set_stuck_after(minutes: int) -> None:
	frappe.db.set_value("WooCommerce Server", SERVER, "stuck_after_minutes", minutes)
	frappe.db.commit()


def sees_workspace() -> bool:
	"""Whether the WooCommerce workspace (the menu entry of the screen) is shown to the user."""
	# The desk caches what a user may see; the test user's roles change from test to test.
	frappe.clear_cache(user=frappe.session.user)
	page = frappe._dict(name="WooCommerce", title="WooCommerce", public=1)
	try:
		return bool(Workspace(page, minimal=True).is_permitted())
	except frappe.PermissionError:
		return False


class ScreenTestCase(FrappeTestCase):
	"""A webshop with order sync on, no rows, and frappe.enqueue caught."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.clean()
		make_server(SERVER)
		# Every test's clean-up rolls back first: the server must outlive that.
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.set_user("Administrator")
		cls.clean()
		super().tearDownClass()

	@staticmethod
	def clean() -> None:
		frappe.db.rollback()
		frappe.db.delete(
			"Comment", {"reference_doctype": ORDER_SYNC_DOCTYPE, "reference_name": ("like", f"{SERVER}-%")}
		)
		remove_orders(SERVER)
		clear_actions(SERVER)
		frappe.db.commit()

	def setUp(self) -> None:
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		self.enqueue = patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		self.clean()

	def app_jobs(self) -> list:
		"""The jobs this app queued (saving a test user queues Frappe's own)."""
		return [c for c in self.enqueue.call_args_list if str(c.args[0]).startswith("woocommerce_fusion.")]

	def make_so(self, **values):
		"""A draft Sales Order, removed after the test whatever it became."""
		so = make_sales_order(do_not_save=True)
		so.update(values)
		so.insert()
		self.addCleanup(self.delete_so, so.name)
		return so

	@staticmethod
	def delete_so(name: str) -> None:
		frappe.set_user("Administrator")
		if frappe.db.exists("Sales Order", name):
			if frappe.db.get_value("Sales Order", name, "docstatus") == 1:
				frappe.get_doc("Sales Order", name).cancel()
			frappe.delete_doc("Sales Order", name, force=True, ignore_permissions=True)
		frappe.db.commit()


class TestRetryAndRerun(ScreenTestCase):
	def test_rerun_queues_each_failed_row_and_answers_at_once(self):
		failed = [make_row(5000 + i, error=FAILURE, error_kind="bad_data") for i in range(20)]
		done = make_row(5100, Status.SALES_ORDER_CREATED)
		frappe.set_user(make_user(ORDER_SYNC_USER))

		result = rerun(json.dumps([*failed, done]))

		self.assertEqual(result, {"queued": 20, "skipped": 1})
		self.assertEqual(queued_ids(), sorted(str(5000 + i) for i in range(20)))
		jobs = self.app_jobs()
		self.assertEqual(len(jobs), 20)
		self.assertTrue(all(call.kwargs["enqueue_after_commit"] for call in jobs))

	def test_rerun_restarts_rows_never_processed(self):
		waiting = make_row(5101, Status.NOT_PROCESSED)
		self.assertEqual(rerun([waiting]), {"queued": 1, "skipped": 0})
		self.assertEqual(queued_ids(), ["5101"])

	def test_rerun_skips_the_rows_of_a_shop_whose_order_sync_is_off(self):
		name = make_row(5102)
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 0)
		frappe.clear_document_cache("WooCommerce Server", SERVER)
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", SERVER)
		self.assertEqual(rerun([name]), {"queued": 0, "skipped": 1})
		self.assertEqual(self.app_jobs(), [])

	def test_rerun_refuses_a_user_without_the_roles_and_queues_nothing(self):
		names = [make_row(5110 + i) for i in range(3)]
		frappe.set_user(make_user())
		with self.assertRaises(frappe.PermissionError):
			rerun(names)
		self.assertEqual(queued_ids(), [])
		self.assertEqual(self.app_jobs(), [])

	def test_retry_on_a_failed_row_queues_a_one_order_run(self):
		name = make_row(5120, error=FAILURE, error_kind="bad_data", failed_step="sales_order")
		frappe.set_user(make_user(ORDER_SYNC_USER))
		result = sync_now(name)
		self.assertEqual(queued_ids(), ["5120"])
		(call,) = self.app_jobs()
		self.assertEqual(call.kwargs["action"], result["name"])
		self.assertEqual(call.kwargs["job_id"], f"woocommerce_fusion::order::{SERVER}::5120")


class TestMarkAsSynced(ScreenTestCase):
	def test_links_the_sales_order_clears_the_failure_and_keeps_the_history(self):
		name = make_row(
			5200,
			error=FAILURE,
			error_kind="bad_data",
			failed_step="sales_order",
			attempts=2,
			retry_status=RetryStatus.NEEDS_FIX,
			error_summary=FAILURE.splitlines()[0],
		)
		so = self.make_so()
		user = make_user("Sales User", ORDER_SYNC_USER)
		frappe.db.commit()
		frappe.set_user(user)

		self.assertEqual(
			mark_as_synced(name, so.name), {"status": Status.SALES_ORDER_CREATED, "sales_order": so.name}
		)

		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, name)
		self.assertEqual((row.status, row.sales_order), (Status.SALES_ORDER_CREATED, so.name))
		self.assertEqual(
			(row.error, row.error_summary, row.error_kind, row.failed_step, row.retry_status), ("",) * 5
		)
		self.assertEqual((row.attempts, row.next_attempt_on), (0, None))
		self.assertEqual(
			frappe.db.get_value("Sales Order", so.name, ["woocommerce_server", "woocommerce_id"]),
			(SERVER, "5200"),
		)
		(comment,) = frappe.get_all(
			"Comment",
			filters={"reference_doctype": ORDER_SYNC_DOCTYPE, "reference_name": name},
			fields=["comment_type", "content", "owner"],
		)
		self.assertEqual((comment.comment_type, comment.owner), ("Info", user))
		for part in (get_fullname(user), so.name, Status.FAILED):
			self.assertIn(part, comment.content)

	def test_refuses_a_sales_order_of_another_web_order(self):
		name = make_row(5201, error=FAILURE)
		foreign = self.make_so(woocommerce_server=SERVER, woocommerce_id="9999")
		frappe.db.commit()
		with self.assertRaises(frappe.ValidationError):
			mark_as_synced(name, foreign.name)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, ["status", "sales_order"]), (Status.FAILED, None)
		)

	def test_refuses_a_sales_order_another_row_links(self):
		so = self.make_so()
		make_row(5202, Status.SALES_ORDER_CREATED, sales_order=so.name)
		name = make_row(5203, error=FAILURE)
		frappe.db.commit()
		with self.assertRaises(frappe.ValidationError):
			mark_as_synced(name, so.name)

	def test_refuses_a_cancelled_sales_order(self):
		so = self.make_so()
		so.submit()
		so.cancel()
		name = make_row(5204, error=FAILURE)
		frappe.db.commit()
		with self.assertRaises(frappe.ValidationError):
			mark_as_synced(name, so.name)

	def test_refuses_an_order_that_went_through(self):
		so = self.make_so()
		name = make_row(5205, Status.PAYMENT_REGISTERED)
		frappe.db.commit()
		with self.assertRaises(frappe.ValidationError):
			mark_as_synced(name, so.name)


class TestStuckOrders(ScreenTestCase):
	def test_a_row_left_not_processed_is_queued_again_then_flagged(self):
		stuck = make_row(5300, Status.NOT_PROCESSED)
		make_row(5301, Status.NOT_PROCESSED)  # too recent
		failed = make_row(5302, Status.FAILED)  # the retry job's
		backdate(stuck, "modified", STUCK_AFTER + timedelta(minutes=1))
		backdate(failed, "modified", STUCK_AFTER * 4)

		check_server(SERVER, STUCK_AFTER, now_datetime())
		self.assertEqual(queued_ids(), ["5300"])
		self.assertEqual(len(self.app_jobs()), 1)
		requeued_on, flagged = frappe.db.get_value(ORDER_SYNC_DOCTYPE, stuck, ["requeued_on", "stuck"])
		self.assertIsNotNone(requeued_on)
		self.assertEqual(flagged, 0)

		# Within the next period nothing more happens.
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		check_server(SERVER, STUCK_AFTER, now_datetime())
		self.assertEqual(queued_ids(), ["5300"])
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, stuck, "stuck"), 0)

		# Still Not processed a whole period after it was queued again: flagged, not queued again.
		backdate(stuck, "requeued_on", STUCK_AFTER + timedelta(minutes=1))
		check_server(SERVER, STUCK_AFTER, now_datetime())
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, stuck, "stuck"), 1)
		self.assertEqual(queued_ids(), ["5300"])

		# Leaving Not processed clears both marks.
		frappe.db.commit()
		record = lock_order(SERVER, 5300)
		record.status = Status.FAILED
		record.error = FAILURE
		save_order(record)
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, stuck, ["stuck", "requeued_on"]), (0, None))

	def test_the_scheduled_job_takes_the_servers_threshold(self):
		self.addCleanup(set_stuck_after, 30)
		set_stuck_after(90)
		with patch("woocommerce_fusion.tasks.stuck_orders.check_server") as check:
			requeue_stuck_orders()
		(call,) = [c for c in check.call_args_list if c.args[0] == SERVER]
		self.assertEqual(call.args[1], timedelta(minutes=90))
		set_stuck_after(0)
		with patch("woocommerce_fusion.tasks.stuck_orders.check_server") as check:
			requeue_stuck_orders()
		(call,) = [c for c in check.call_args_list if c.args[0] == SERVER]
		self.assertEqual(call.args[1], STUCK_AFTER)


class TestTheFormShowsTheFailure(ScreenTestCase):
	def test_the_list_shows_when_the_order_was_placed(self):
		payload = {"id": 1, "date_created_gmt": "2026-12-01T04:30:00", "transaction_id": "pi_1"}
		record = OrderRecord(name="x", server=SERVER, woocommerce_id=1, payload=payload)
		placed = datetime(2026, 12, 1, 4, 30, tzinfo=timezone.utc)
		self.assertEqual(to_row(record)["woocommerce_created"], utc_to_system(placed))
		record.payload = {"id": 1, "date_created_gmt": "not a date"}
		self.assertIsNone(to_row(record)["woocommerce_created"])

	def test_error_summary_is_the_first_line_of_the_error(self):
		def summary(error: str) -> str:
			record = OrderRecord(name="x", server=SERVER, woocommerce_id=1, status=Status.FAILED, error=error)
			return to_row(record)["error_summary"]

		self.assertEqual(summary(FAILURE), FAILURE.splitlines()[0])
		self.assertEqual(summary("E" * 300 + "\nmore"), "E" * 140)
		self.assertEqual(summary(""), "")

		name = make_row(5400, Status.NOT_PROCESSED)
		frappe.db.commit()
		record = lock_order(SERVER, 5400)
		record.status = Status.FAILED
		record.error = FAILURE
		save_order(record)
		frappe.db.commit()
		self.assertEqual(
			frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, "error_summary"), FAILURE.splitlines()[0]
		)

	def test_the_form_gets_the_fix_of_the_errors_kind(self):
		name = make_row(5401, error="StockError: no stock", error_kind=ErrorKind.STOCK.value)
		frappe.set_user(make_user(ORDER_SYNC_USER))
		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, name)
		run_onload(row)
		self.assertEqual(row.get_onload().suggested_fix, SUGGESTED_FIXES[ErrorKind.STOCK])
		self.assertTrue(row.get_onload().can_mark_synced)

		done = frappe.get_doc(ORDER_SYNC_DOCTYPE, make_row(5402, Status.SALES_ORDER_CREATED))
		run_onload(done)
		self.assertEqual(done.get_onload().suggested_fix, "")
		self.assertFalse(done.get_onload().can_mark_synced)


class TestWhoMayUseTheScreen(ScreenTestCase):
	def test_a_user_without_the_roles_sees_nothing_and_may_do_nothing(self):
		name = make_row(5500, error=FAILURE)
		so = self.make_so()
		frappe.db.commit()
		frappe.set_user(make_user())

		self.assertFalse(sees_workspace())
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list(ORDER_SYNC_DOCTYPE)
		for call in (
			lambda: sync_now(name),
			lambda: rerun([name]),
			lambda: mark_as_synced(name, so.name),
			# Not even whether a row exists.
			lambda: sync_now(order_sync_name(SERVER, 404)),
			lambda: mark_as_synced(order_sync_name(SERVER, 404), so.name),
		):
			with self.subTest(call=call), self.assertRaises(frappe.PermissionError):
				call()
		self.assertEqual(queued_ids(), [])
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, "status"), Status.FAILED)

	def test_the_order_sync_user_sees_the_screen(self):
		frappe.set_user(make_user(ORDER_SYNC_USER))
		self.assertTrue(sees_workspace())
		self.assertTrue(frappe.has_permission(ORDER_SYNC_DOCTYPE, "write"))
		self.assertFalse(frappe.has_permission(ORDER_SYNC_DOCTYPE, "delete"))
