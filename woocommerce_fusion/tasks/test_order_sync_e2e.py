"""The order sync end to end on a real ERPNext: test shop over HTTP → Sync Action → Sales Orders.

The shop keeps its clock in Asia/Tokyo while the site runs on its own system time zone, so a
comparison that mixed local times would pick the wrong side. The pipeline commits, so the class
clears what an earlier run left before it starts.
"""

from __future__ import annotations

from decimal import Decimal
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_system_timezone
from frappe.utils.background_jobs import get_job

from woocommerce_fusion.constants import REQUEST_LOG_DOCTYPE
from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs import SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.testing.bench_fixtures import VAT_7, VAT_19, make_fixtures, make_server, remove_orders
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce End to End"
SHOP_TIMEZONE = "Asia/Tokyo"
ORDERS = 40
CLOSED_IN_SHOP = ("cancelled", "trash", "failed", "refunded")


def remove_earlier_runs() -> None:
	remove_orders(SERVER)
	frappe.db.delete(SYNC_ACTION, {"woocommerce_server": SERVER})
	frappe.db.delete(REQUEST_LOG_DOCTYPE, {"server": SERVER})


def forget_queued_jobs(woocommerce_ids: list[int]) -> None:
	"""The test bench has no worker: a queued job would stay and stand in for the next one.

	Each save in these tests stands for a request of its own, where Frappe starts with fresh
	flags, so the record of what this "request" already queued goes too.
	"""
	for woocommerce_id in woocommerce_ids:
		job = get_job(f"woocommerce_fusion::order::{SERVER}::{woocommerce_id}")
		if job:
			job.delete()
	frappe.flags.pop("woocommerce_orders_scheduled", None)


def run_now(method: str, **kwargs) -> None:
	"""frappe.enqueue as a worker would run it, at once: the test bench has no worker."""
	for option in ("queue", "job_id", "enqueue_after_commit", "timeout"):
		kwargs.pop(option, None)
	frappe.get_attr(method)(**kwargs)


def run(sync_type: str, **kwargs) -> frappe._dict:
	name = create_sync_action(SERVER, sync_type, **kwargs)
	frappe.db.commit()
	with patch("frappe.enqueue", run_now):
		run_sync_action(name)
	return frappe.db.get_value(SYNC_ACTION, name, "*", as_dict=True)


def sales_order_of(woocommerce_id: int) -> str:
	return frappe.db.get_value(
		"Sales Order", {"woocommerce_server": SERVER, "woocommerce_id": str(woocommerce_id)}, "name"
	)


class TestOrderSyncEndToEnd(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		remove_earlier_runs()
		# Cancelling an earlier run's Sales Orders queues their sync once this commits.
		frappe.db.commit()
		cls.shop = TestShop(timezone=SHOP_TIMEZONE, webhook_mode="manual").start()
		forget_queued_jobs(cls.shop.seed_orders(ORDERS, seed=2026))
		# From before every seeded order: the first run is a "Synchronize all" of the shop's history.
		make_server(SERVER, cls.shop.url, synchronise_orders_from="2000-01-01")
		frappe.db.commit()
		cls.first = run(SyncType.ORDERS, synchronize_all=True)
		# The orders as the first run saw them; other tests change some afterwards.
		cls.seen = dict(cls.shop.orders)

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		super().tearDownClass()

	def open_orders(self) -> list[dict]:
		return [order for order in self.seen.values() if order["status"] not in CLOSED_IN_SHOP]

	def test_first_run_makes_exact_sales_orders_with_their_masters(self):
		self.assertNotEqual(get_system_timezone(), SHOP_TIMEZONE)
		self.assertEqual(self.first.state, "Completed", self.first.error)
		self.assertEqual(self.first.fetched, ORDERS)
		self.assertEqual(self.first.failed, 0, self.first.error)
		self.assertEqual(self.first.created, len(self.open_orders()))
		self.assertTrue(frappe.db.get_value("WooCommerce Server", SERVER, "last_synchronised_on"))

		for order in self.open_orders():
			so = frappe.get_doc("Sales Order", sales_order_of(order["id"]))
			self.assertEqual(Decimal(str(so.grand_total)).quantize(Decimal("0.01")), Decimal(order["total"]))
			self.assertEqual(so.po_no, str(order["id"]))
			# The Sales Order follows the shop (other tests of this class change a few statuses).
			self.assertEqual(so.woocommerce_status, self.shop.orders[order["id"]]["status"])
			email = order["billing"]["email"].lower()
			self.assertEqual(frappe.db.get_value("Customer", so.customer, "woocommerce_email"), email)
			self.assertEqual(
				frappe.db.count("Customer", {"woocommerce_email": email}),
				1,
				f"one Customer per e-mail ({email})",
			)
			self.assertEqual(frappe.db.get_value("Address", so.customer_address, "address_type"), "Billing")
			self.assertTrue(frappe.db.exists("Contact", so.contact_person))
			for line in order["line_items"]:
				sku = line["sku"]
				self.assertIn(sku, [item.item_code for item in so.items])
			taxes = {
				row.account_head: Decimal(str(row.tax_amount)).quantize(Decimal("0.01")) for row in so.taxes
			}
			for rate in order["tax_lines"]:
				account = VAT_19 if rate["rate_id"] == 1 else VAT_7
				expected = Decimal(rate["tax_total"]) + Decimal(rate["shipping_tax_total"])
				self.assertEqual(taxes[account], expected, f"order {order['id']} rate {rate['rate_id']}")
			for row in so.taxes:
				self.assertEqual(row.charge_type, "Actual")

		for order in self.seen.values():
			if order["status"] in CLOSED_IN_SHOP:
				self.assertIsNone(sales_order_of(order["id"]))
				self.assertEqual(
					frappe.db.get_value(
						"WooCommerce Order Sync",
						{"woocommerce_server": SERVER, "woocommerce_id": order["id"]},
						"status",
					),
					"Cancelled",
				)

	def test_an_order_changed_in_the_shop_after_a_run_is_picked_up_and_no_other(self):
		changed, unchanged = [o for o in self.open_orders() if o["status"] == "processing"][:2]
		untouched = frappe.db.get_value("Sales Order", sales_order_of(unchanged["id"]), "modified")
		self.shop.modify_order(changed["id"], status="on-hold")
		self.shop.reset_counts()

		second = run(SyncType.ORDERS)

		self.assertEqual(second.state, "Completed", second.error)
		self.assertEqual(second.updated, 1)
		self.assertEqual(second.failed, 0, second.error)
		self.assertEqual(
			frappe.db.get_value("Sales Order", sales_order_of(changed["id"]), "woocommerce_status"), "on-hold"
		)
		self.assertEqual(
			frappe.db.get_value("Sales Order", sales_order_of(unchanged["id"]), "modified"), untouched
		)
		# The Sales Orders the first run wrote are not read back as changed in ERPNext.
		self.assertFalse([r for r in self.shop.requests if "include" in r.query])

	def test_submit_and_woocommerce_status_update_the_shop(self):
		order = [o for o in self.open_orders() if o["status"] == "processing"][-1]
		so = frappe.get_doc("Sales Order", sales_order_of(order["id"]))
		so.submit()
		frappe.db.commit()
		self.assertEqual(self.run_queued_one_order(order["id"]).state, "Completed")

		so.reload()
		so.woocommerce_status = "completed"
		so.save()
		frappe.db.commit()
		action = self.run_queued_one_order(order["id"])

		self.assertEqual(action.state, "Completed", action.error)
		self.assertEqual(action.updated, 1)
		self.assertEqual(self.shop.orders[order["id"]]["status"], "completed")

	def run_queued_one_order(self, woocommerce_id: int) -> frappe._dict:
		"""The hook queued a "One order" run for after the commit; run it as the worker would."""
		queued = frappe.get_all(
			SYNC_ACTION,
			filters={
				"woocommerce_server": SERVER,
				"sync_type": SyncType.ONE_ORDER,
				"reference": str(woocommerce_id),
				"state": "Not processed",
			},
			pluck="name",
		)
		self.assertEqual(len(queued), 1, "the hook must queue exactly one sync of the order")
		run_sync_action(queued[0])
		forget_queued_jobs([woocommerce_id])
		return frappe.db.get_value(SYNC_ACTION, queued[0], "*", as_dict=True)
