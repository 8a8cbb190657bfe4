"""The order sync's trust properties on a real ERPNext and MariaDB, against the test shop.

- the status merge with real Sales Orders: a draft edited, a Delivery Note submitted and a
  status changed in Desk, each after or before a status change in the shop;
- two workers on one order: one Sales Order, and the row ends consistent;
- a Desk save of a Sales Order while its sync waits on a slow shop does not wait for a lock;
- an order placed late in the evening west of UTC keeps its day;
- a failed order is parked with its retry schedule, and the retry job takes it up.

The sync commits, so the class removes what an earlier run left before it starts.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_system_timezone, nowdate

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.pipeline import Status, process_order
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.tasks import order_retry
from woocommerce_fusion.testing.bench_fixtures import make_server, remove_orders, start_clean
from woocommerce_fusion.testing.order_cases import load_order
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Trust"


def in_worker(fn, *args):
	"""Run fn in a thread with a site connection of its own, as a second background job would."""
	site, sites_path = frappe.local.site, frappe.local.sites_path
	outcome: dict = {}

	def target():
		frappe.init(site=site, sites_path=sites_path)
		try:
			frappe.connect()
			frappe.flags.in_test = True
			outcome["result"] = fn(*args)
			frappe.db.commit()
		except Exception as exc:
			outcome["error"] = exc
			frappe.db.rollback()
		finally:
			frappe.destroy()

	thread = threading.Thread(target=target)
	thread.start()
	return thread, outcome


class TestOrderSyncTrust(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)
		cls.shop = TestShop(timezone="America/New_York").start()
		# These tests are about the order sync alone: a Delivery Note sets no status here (status
		# back to WooCommerce is tested in erp/test_status_back.py).
		make_server(
			SERVER,
			cls.shop.url,
			synchronise_orders_from="2000-01-01",
			status_rules=[
				{"erpnext_event": "Delivery Note submitted", "woocommerce_status": "completed", "enabled": 0}
			],
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_orders(SERVER)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		# Hooks queue order syncs after a Desk save; the test runs them by hand instead.
		self.enqueue = patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)

	def add_order(self, case: str = "guest", **changes) -> int:
		order = copy.deepcopy(load_order(case))
		order.pop("id", None)
		order.update(status="processing", **changes)
		return self.shop.add_order(order)

	def sync(self, woocommerce_id: int, *, submit: bool = False) -> str:
		settings = replace(get_settings(SERVER), submit_sales_orders=submit)
		client = get_client(SERVER)
		return sync_order(FrappeErp(), client, settings, client.get(f"orders/{woocommerce_id}"))

	def sales_order(self, woocommerce_id: int):
		name = frappe.db.get_value(
			"Sales Order",
			{"woocommerce_server": SERVER, "woocommerce_id": str(woocommerce_id), "docstatus": ("<", 2)},
		)
		return frappe.get_doc("Sales Order", name)

	def row(self, woocommerce_id: int):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, woocommerce_id))

	def assert_both(self, woocommerce_id: int, status: str) -> None:
		self.assertEqual(self.shop.orders[woocommerce_id]["status"], status)
		self.assertEqual(self.sales_order(woocommerce_id).woocommerce_status, status)
		self.assertEqual(self.row(woocommerce_id).synced_status, status)

	def later(self) -> None:
		# WooCommerce's timestamps have whole seconds.
		time.sleep(1.1)

	# -- the status merge ------------------------------------------------------------------------

	def test_a_draft_edited_after_the_shop_changed_the_status_takes_the_shops_status(self):
		order_id = self.add_order()
		self.assertEqual(self.sync(order_id), "created")
		self.shop.modify_order(order_id, status="on-hold")
		self.later()
		so = self.sales_order(order_id)
		so.delivery_date = add_days(so.delivery_date, 3)
		for item in so.items:
			item.delivery_date = so.delivery_date
		so.save()
		frappe.db.commit()
		self.shop.reset_counts()

		self.assertEqual(self.sync(order_id), "updated")
		self.assert_both(order_id, "on-hold")
		self.assertEqual(self.shop.count(method="PUT"), 0)

	def test_a_delivery_note_after_the_shop_changed_the_status_leaves_the_shops_status(self):
		order_id = self.add_order()
		self.assertEqual(self.sync(order_id, submit=True), "created")
		self.shop.modify_order(order_id, status="on-hold")
		self.later()
		so = self.sales_order(order_id)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		try:
			dn = make_delivery_note(so.name)
			dn.insert()
			dn.submit()
			frappe.db.commit()
		finally:
			frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
			frappe.db.commit()
		self.assertGreater(self.sales_order(order_id).modified, so.modified)

		self.sync(order_id, submit=True)
		self.assert_both(order_id, "on-hold")

	def test_a_status_set_in_desk_after_the_shops_change_wins_and_reaches_the_shop(self):
		order_id = self.add_order()
		self.sync(order_id, submit=True)
		self.shop.modify_order(order_id, status="on-hold")
		self.later()
		so = self.sales_order(order_id)
		so.woocommerce_status = "completed"
		so.save()
		frappe.db.commit()
		self.assertIsNotNone(self.sales_order(order_id).woocommerce_status_changed_on)

		self.assertEqual(self.sync(order_id), "updated")
		self.assert_both(order_id, "completed")

	def test_a_shop_change_after_the_desk_change_wins(self):
		order_id = self.add_order()
		self.sync(order_id, submit=True)
		so = self.sales_order(order_id)
		so.woocommerce_status = "completed"
		so.save()
		frappe.db.commit()
		self.later()
		self.shop.modify_order(order_id, status="on-hold")

		self.sync(order_id)
		self.assert_both(order_id, "on-hold")

	def test_content_and_status_from_the_shop_reach_the_draft_together(self):
		order_id = self.add_order()
		self.sync(order_id)
		self.shop.modify_order(order_id, status="on-hold", customer_note="Leave it at the door")
		self.later()
		so = self.sales_order(order_id)
		so.save()  # an edit with no change of status
		frappe.db.commit()
		self.shop.reset_counts()

		self.sync(order_id)
		self.assert_both(order_id, "on-hold")
		self.assertEqual(self.shop.count(method="PUT"), 0)

	def test_the_status_stamp_moves_only_when_the_status_changes(self):
		order_id = self.add_order()
		self.sync(order_id)
		so = self.sales_order(order_id)
		stamped = so.woocommerce_status_changed_on
		self.assertIsNotNone(stamped)
		self.later()
		so.save()
		self.assertEqual(self.sales_order(order_id).woocommerce_status_changed_on, stamped)
		so.woocommerce_status = "on-hold"
		so.save()
		self.assertGreater(self.sales_order(order_id).woocommerce_status_changed_on, stamped)
		frappe.db.rollback()

	# -- locks -------------------------------------------------------------------------------------

	def test_two_workers_on_one_order_make_one_sales_order_and_a_consistent_row(self):
		order_id = self.add_order("business_customer_vat")
		order = get_client(SERVER).get(f"orders/{order_id}")
		settings = get_settings(SERVER)
		barrier = threading.Barrier(2)

		def work():
			barrier.wait()
			return process_order(FrappeErp(), settings, order_id, payload=order).status

		workers = [in_worker(work) for _ in range(2)]
		for thread, _ in workers:
			thread.join(120)
		outcomes = [outcome for _, outcome in workers]
		# This connection's snapshot predates the workers' commits.
		frappe.db.rollback()
		self.assertEqual([o.get("error") for o in outcomes], [None, None])
		self.assertEqual({o["result"] for o in outcomes}, {Status.SALES_ORDER_CREATED})
		self.assertEqual(
			frappe.db.count("Sales Order", {"woocommerce_server": SERVER, "woocommerce_id": str(order_id)}), 1
		)
		row = self.row(order_id)
		self.assertEqual(
			(row.status, row.error, row.failed_step, row.attempts),
			(Status.SALES_ORDER_CREATED, None, None, 0),
		)
		self.assertEqual(row.sales_order, self.sales_order(order_id).name)

	def test_a_failure_is_not_written_over_what_a_competing_worker_committed(self):
		order_id = self.add_order("coupon_paid_stripe")
		order = get_client(SERVER).get(f"orders/{order_id}")
		settings = get_settings(SERVER)
		a_inside = threading.Event()
		failing: list[int] = []
		from woocommerce_fusion.erp import sales_order

		real_check_total = sales_order.check_total

		def check_total(doc, plan):
			if threading.get_ident() in failing:
				a_inside.set()
				time.sleep(2)  # worker B is now waiting for the order's lock
				raise RuntimeError("worker A fails after inserting its Sales Order")
			return real_check_total(doc, plan)

		def worker_a():
			failing.append(threading.get_ident())
			return process_order(FrappeErp(), settings, order_id, payload=order)

		def worker_b():
			a_inside.wait(30)
			return process_order(FrappeErp(), settings, order_id, payload=order)

		with patch.object(sales_order, "check_total", check_total):
			workers = [in_worker(worker_a), in_worker(worker_b)]
			for thread, _ in workers:
				thread.join(120)
		(_, a), (_, b) = workers
		frappe.db.rollback()
		self.assertEqual((a.get("error"), b.get("error")), (None, None))
		self.assertEqual(b["result"].status, Status.SALES_ORDER_CREATED)
		row = self.row(order_id)
		self.assertEqual((row.status, row.error, row.failed_step), (Status.SALES_ORDER_CREATED, None, None))
		self.assertEqual(
			frappe.db.count("Sales Order", {"woocommerce_server": SERVER, "woocommerce_id": str(order_id)}), 1
		)

	def test_a_desk_save_does_not_wait_for_a_slow_shop(self):
		order_id = self.add_order()
		self.sync(order_id)
		# The sync rewrites the draft (the shop's new note, which locks the Sales Order's row) and
		# pushes ERPNext's later status to the shop, which answers slowly.
		self.shop.modify_order(order_id, customer_note="Ring twice")
		self.later()
		so = self.sales_order(order_id)
		so.woocommerce_status = "completed"
		so.save()
		frappe.db.commit()
		self.shop.inject_fault("latency", seconds=8, method="PUT")
		worker, outcome = in_worker(self.sync, order_id)
		time.sleep(2)  # the worker now waits on the shop's answer

		frappe.db.sql("set session innodb_lock_wait_timeout = 3")
		started = time.monotonic()
		so = self.sales_order(order_id)
		so.delivery_date = add_days(so.delivery_date, 1)
		for item in so.items:
			item.delivery_date = so.delivery_date
		so.save()
		frappe.db.commit()
		saved_in = time.monotonic() - started
		worker.join(60)

		self.assertLess(saved_in, 3)
		self.assertIsNone(outcome.get("error"))
		self.assertEqual(outcome["result"], "updated")
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")

	# -- dates and retries -------------------------------------------------------------------------

	def test_an_evening_order_keeps_its_day_in_the_sites_time_zone(self):
		zone = ZoneInfo(get_system_timezone())
		evening = datetime(2026, 11, 30, 23, 30, tzinfo=zone)
		created_gmt = evening.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
		order_id = self.add_order(
			date_created_gmt=created_gmt, date_created=evening.replace(tzinfo=None).isoformat()
		)
		self.sync(order_id)
		self.assertEqual(self.sales_order(order_id).transaction_date, date(2026, 11, 30))

	def test_a_failed_order_is_parked_with_its_schedule_and_retried_by_the_job(self):
		order_id = self.add_order()
		self.sync(order_id)
		so = self.sales_order(order_id)
		so.woocommerce_status = "completed"
		so.save()
		frappe.db.commit()
		self.shop.inject_fault("503", times=20, method="PUT")
		self.assertEqual(self.sync(order_id), "failed")
		row = self.row(order_id)
		self.assertEqual((row.failed_step, row.error_kind, row.attempts), ("sync", "unavailable", 1))
		self.assertEqual(row.retry_status, RetryStatus.SCHEDULED)
		self.assertTrue(row.next_attempt_on)

		self.shop.clear_faults()
		frappe.db.set_value(ORDER_SYNC_DOCTYPE, row.name, "next_attempt_on", add_days(nowdate(), -1))
		frappe.db.commit()
		order_retry.retry_failed_orders()
		# Other servers of the site may have due orders too.
		(call,) = [
			c
			for c in self.enqueue.call_args_list
			if c.args[0] == order_retry.RETRY_JOB and c.kwargs.get("server") == SERVER
		]
		self.assertEqual(call.kwargs["timeout"], order_retry.RETRY_JOB_TIMEOUT)
		order_retry.retry_server_orders(SERVER)

		row = self.row(order_id)
		self.assertEqual((row.error, row.attempts, row.next_attempt_on), ("", 0, None))
		self.assertEqual(self.shop.orders[order_id]["status"], "completed")

	def test_a_saved_server_makes_orders_that_wait_for_a_fix_due(self):
		order_id = self.add_order()
		settings = replace(get_settings(SERVER), tax_accounts={})
		client = get_client(SERVER)
		record = process_order(FrappeErp(), settings, order_id, payload=client.get(f"orders/{order_id}"))
		self.assertEqual((record.status, record.retry_status), (Status.FAILED, RetryStatus.NEEDS_FIX))
		self.assertIsNone(record.next_attempt_on)
		frappe.get_doc("WooCommerce Server", SERVER).save()
		frappe.db.commit()
		self.assertTrue(self.row(order_id).next_attempt_on)
		self.assertLessEqual(self.row(order_id).next_attempt_on, datetime.now() + timedelta(hours=24))
