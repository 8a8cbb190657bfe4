"""Stock and prices on a real ERPNext reach the test shop: a Stock Entry, a Sales Order's
reservation, an Item Price, and a Bin changed with db_set (no document event) found by the poll.

The push commits, so the class removes what an earlier run left before it starts, and every
document it submits is cancelled again at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, nowdate

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE, PENDING_UPDATE_DOCTYPE
from woocommerce_fusion.engine.catalogue.push_retry import WAITS_FOR_LINK
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.erp.stock_levels import mark_pending
from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs import SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.tasks.stock_push import push_server, schedule_pushes
from woocommerce_fusion.testing.bench_fixtures import (
	COMPANY,
	CUSTOMER_GROUP,
	PRICE_LIST,
	TERRITORY,
	WAREHOUSE,
	make_fixtures,
	make_server,
)
from woocommerce_fusion.testing.bench_fixtures import SERVER as NO_STOCK_SERVER
from woocommerce_fusion.testing.shop import TestShop
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	synchronize_now,
)

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Stock"
ITEM = "_Test WooCommerce Stock Item"
GONE = "_Test WooCommerce Stock Gone"
TEMPLATE = "_Test WooCommerce Stock Shirt"
CUSTOMER = "_Test WooCommerce Stock Customer"


def queued_jobs() -> tuple[list[str], Callable[..., None]]:
	"""frappe.enqueue stand-in: the test bench has no worker, the tests run the push themselves."""
	jobs: list[str] = []

	def enqueue(method: str, **kwargs) -> None:
		jobs.append(method)

	return jobs, enqueue


def make_item(item_code: str, **values) -> frappe.model.document.Document:
	if frappe.db.exists("Item", item_code):
		return frappe.get_doc("Item", item_code)
	return frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": item_code,
			"item_group": "Products",
			"stock_uom": "Nos",
			"is_stock_item": 1,
			**values,
		}
	).insert(ignore_permissions=True)


def link(item_code: str, product_id: int, variation_id: int = 0) -> None:
	item = frappe.get_doc("Item", item_code)
	item.set("woocommerce_servers", [])
	item.append(
		"woocommerce_servers",
		{
			"woocommerce_server": SERVER,
			"woocommerce_id": str(product_id),
			"woocommerce_variation_id": str(variation_id) if variation_id else "",
			"enabled": 1,
		},
	)
	item.save(ignore_permissions=True)


def remove_earlier_runs() -> None:
	_jobs, enqueue = queued_jobs()
	for doctype, filters in (
		("Sales Order", {"customer": CUSTOMER}),
		("Stock Entry", {"remarks": ("like", f"%{SERVER}%")}),
	):
		for name in frappe.get_all(doctype, {"docstatus": 1, **filters}, pluck="name"):
			with patch("frappe.enqueue", enqueue):
				frappe.get_doc(doctype, name).cancel()
	frappe.db.delete(
		"Item Price", {"price_list": PRICE_LIST, "item_code": ("like", "_Test WooCommerce Stock%")}
	)
	frappe.db.delete(PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER})
	frappe.db.delete(SYNC_ACTION, {"woocommerce_server": SERVER})
	# Only ITEM stays linked to the server: its products live in this run's shop alone.
	frappe.db.delete(ITEM_SERVER_DOCTYPE, {"woocommerce_server": SERVER, "parent": ("!=", ITEM)})


def available(item_code: str) -> float:
	row = frappe.db.get_value(
		"Bin", {"item_code": item_code, "warehouse": WAREHOUSE}, ["actual_qty", "reserved_qty"], as_dict=True
	)
	return (row.actual_qty - row.reserved_qty) if row else 0


class TestStockAndPricePush(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		cls.shop = TestShop(webhook_mode="manual").start()
		make_server(
			SERVER,
			cls.shop.url,
			enable_order_sync=0,
			enable_stock_sync=1,
			enable_price_sync=1,
			stock_warehouses=[{"warehouse": WAREHOUSE}],
			stock_quantity_basis="Actual minus reserved",
		)
		remove_earlier_runs()
		make_item(ITEM)
		product = cls.shop.request(
			"POST", "products", json={"name": ITEM, "sku": ITEM, "manage_stock": True, "stock_quantity": 0}
		).json()
		cls.product_id = product["id"]
		link(ITEM, cls.product_id)
		if not frappe.db.exists("Customer", CUSTOMER):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": CUSTOMER,
					"customer_group": CUSTOMER_GROUP,
					"territory": TERRITORY,
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()
		cls.jobs, enqueue = queued_jobs()
		cls.enqueue = staticmethod(enqueue)

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_earlier_runs()
		frappe.db.commit()
		super().tearDownClass()

	def shop_product(self, product_id: int | None = None) -> dict:
		return self.shop.products[product_id or self.product_id]

	def submit(self, doc: frappe.model.document.Document) -> frappe.model.document.Document:
		if doc.doctype == "Stock Entry":
			doc.remarks = f"{SERVER} test"
		with patch("frappe.enqueue", self.enqueue):
			doc.insert(ignore_permissions=True)
			doc.submit()
		frappe.db.commit()
		return doc

	def receive(self, qty: float, item_code: str = ITEM) -> frappe.model.document.Document:
		entry = frappe.get_doc(
			{"doctype": "Stock Entry", "stock_entry_type": "Material Receipt", "company": COMPANY}
		)
		entry.append(
			"items",
			{
				"item_code": item_code,
				"qty": qty,
				"t_warehouse": WAREHOUSE,
				"basic_rate": 10,
				"conversion_factor": 1,
			},
		)
		return self.submit(entry)

	def test_a_stock_entry_changes_the_shop_stock(self):
		self.jobs.clear()
		self.receive(7)
		# The submit only queued the Item and asked for a push job.
		self.assertTrue(
			frappe.db.get_value(
				PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "item_code": ITEM}, "stock_pending"
			)
		)
		self.assertIn("woocommerce_fusion.tasks.stock_push.push_server", self.jobs)

		counts = push_server(SERVER)

		self.assertEqual((counts.pushed, counts.failed), (1, 0), counts.errors)
		self.assertEqual(self.shop_product()["stock_quantity"], int(available(ITEM)))
		self.assertGreaterEqual(self.shop_product()["stock_quantity"], 7)
		self.assertFalse(
			frappe.db.get_value(
				PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "item_code": ITEM}, "stock_pending"
			)
		)

	def test_a_sales_order_reservation_lowers_the_shop_stock(self):
		self.receive(10)
		push_server(SERVER)
		before = self.shop_product()["stock_quantity"]
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": COMPANY,
				"customer": CUSTOMER,
				"transaction_date": nowdate(),
				"delivery_date": add_days(nowdate(), 3),
				"currency": "EUR",
				"conversion_rate": 1,
				"selling_price_list": PRICE_LIST,
				"plc_conversion_rate": 1,
				"set_warehouse": WAREHOUSE,
				"items": [{"item_code": ITEM, "qty": 4, "rate": 10, "warehouse": WAREHOUSE}],
			}
		)
		self.submit(order)

		push_server(SERVER)

		self.assertEqual(self.shop_product()["stock_quantity"], before - 4)
		self.assertEqual(self.shop_product()["stock_quantity"], int(available(ITEM)))

	def test_an_item_price_change_changes_the_shop_price(self):
		with patch("frappe.enqueue", self.enqueue):
			price = frappe.get_doc(
				{
					"doctype": "Item Price",
					"price_list": PRICE_LIST,
					"item_code": ITEM,
					"price_list_rate": 12.34,
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()
		push_server(SERVER)
		self.assertEqual(self.shop_product()["regular_price"], "12.34")

		price.price_list_rate = 15
		with patch("frappe.enqueue", self.enqueue):
			price.save(ignore_permissions=True)
		frappe.db.commit()
		counts = push_server(SERVER)
		self.assertEqual((counts.pushed, self.shop_product()["regular_price"]), (1, "15.00"))

		# Saved again unchanged: queued, compared, nothing sent.
		self.shop.reset_counts()
		with patch("frappe.enqueue", self.enqueue):
			frappe.get_doc("Item Price", price.name).save(ignore_permissions=True)
		frappe.db.commit()
		counts = push_server(SERVER)
		self.assertEqual((counts.unchanged, counts.pushed, self.shop.count()), (1, 0, 0))

	def test_the_bin_poll_finds_a_change_made_with_db_set(self):
		self.receive(3)
		push_server(SERVER)
		frappe.db.delete(PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "stock_pending": 1})
		frappe.db.set_value(
			"WooCommerce Server", SERVER, "last_stock_poll", now_datetime() - timedelta(minutes=1)
		)
		frappe.db.commit()
		before = self.shop_product()["stock_quantity"]
		bin_name = frappe.db.get_value("Bin", {"item_code": ITEM, "warehouse": WAREHOUSE})
		bin_doc = frappe.get_doc("Bin", bin_name)
		# How ERPNext moves reserved_qty: db_set, no document event.
		bin_doc.db_set("reserved_qty", bin_doc.reserved_qty + 2)
		frappe.db.commit()
		try:
			self.assertFalse(
				frappe.db.exists(PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "stock_pending": 1})
			)
			counts = push_server(SERVER, poll=True)
			self.assertEqual(counts.pushed, 1, counts.errors)
			self.assertEqual(self.shop_product()["stock_quantity"], before - 2)
			self.assertGreater(
				frappe.db.get_value("WooCommerce Server", SERVER, "last_stock_poll"),
				now_datetime() - timedelta(minutes=1),
			)
		finally:
			bin_doc.db_set("reserved_qty", bin_doc.reserved_qty - 2)
			frappe.db.commit()

	def test_a_stock_sync_action_pushes_every_linked_item_again(self):
		self.shop.request(
			"PUT", f"products/{self.product_id}", json={"stock_quantity": 999}
		).raise_for_status()
		name = create_sync_action(SERVER, SyncType.STOCK)
		frappe.db.commit()
		run_sync_action(name)
		action = frappe.db.get_value(SYNC_ACTION, name, ["state", "updated", "error"], as_dict=True)
		self.assertEqual((action.state, action.updated), ("Completed", 1), action.error)
		self.assertEqual(self.shop_product()["stock_quantity"], int(available(ITEM)))

	def test_a_changed_quantity_basis_queues_every_linked_item(self):
		self.receive(2)
		push_server(SERVER)
		server = frappe.get_doc("WooCommerce Server", SERVER)
		server.stock_quantity_basis = "Projected"
		try:
			with patch("frappe.enqueue", self.enqueue):
				server.save(ignore_permissions=True)
			frappe.db.commit()
			self.assertTrue(
				frappe.db.get_value(
					PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "item_code": ITEM}, "stock_pending"
				)
			)
			push_server(SERVER)
			projected = frappe.db.get_value(
				"Bin", {"item_code": ITEM, "warehouse": WAREHOUSE}, "projected_qty"
			)
			self.assertEqual(self.shop_product()["stock_quantity"], max(0, int(projected)))
		finally:
			server.reload()
			server.stock_quantity_basis = "Actual minus reserved"
			with patch("frappe.enqueue", self.enqueue):
				server.save(ignore_permissions=True)
			frappe.db.commit()
			push_server(SERVER)

	def pending(self, item_code: str) -> frappe._dict:
		return frappe.db.get_value(
			PENDING_UPDATE_DOCTYPE,
			{"woocommerce_server": SERVER, "item_code": item_code},
			["attempts", "next_attempt_on", "retry_status", "attempted_product", "error"],
			as_dict=True,
		)

	def test_a_refused_item_waits_for_a_fix_not_every_push(self):
		make_item(GONE)
		link(GONE, 999999)
		frappe.db.commit()
		# The other tests count on ITEM being the only Item linked to the shop.
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.delete, PENDING_UPDATE_DOCTYPE, {"item_code": GONE})
		self.addCleanup(frappe.db.delete, ITEM_SERVER_DOCTYPE, {"parent": GONE})
		push_server(SERVER)
		self.receive(2, GONE)
		logs = {"reference_doctype": "WooCommerce Server", "reference_name": SERVER}
		logged = frappe.db.count("Error Log", logs)

		refused = push_server(SERVER)

		self.assertEqual(refused.failed, 1, refused.errors)
		# Someone is told, once: the Error Log names the Item and the shop's reason.
		self.assertEqual(frappe.db.count("Error Log", logs), logged + 1)
		log = frappe.get_last_doc("Error Log", filters=logs)
		self.assertIn(GONE, log.error)
		self.assertIn("woocommerce_rest_product_invalid_id", log.error)
		row = self.pending(GONE)
		self.assertEqual(
			(row.attempts, row.next_attempt_on, row.retry_status, row.attempted_product),
			(1, None, WAITS_FOR_LINK, "999999"),
		)
		self.assertIn("woocommerce_rest_product_invalid_id", row.error)
		# Three days on, and a new stock change: the link is still wrong, nothing is sent.
		self.receive(1, GONE)
		self.shop.reset_counts()
		with patch(
			"woocommerce_fusion.erp.stock_levels.now_datetime", lambda: now_datetime() + timedelta(days=3)
		):
			waiting = push_server(SERVER)
		self.assertEqual((waiting.considered, waiting.calls, self.shop.count()), (0, 0, 0))
		self.assertEqual(frappe.db.count("Error Log", logs), logged + 1)

		# A saved server may have fixed it: tried once more, at once.
		with patch("frappe.enqueue", self.enqueue):
			frappe.get_doc("WooCommerce Server", SERVER).save(ignore_permissions=True)
		frappe.db.commit()
		self.assertEqual(self.pending(GONE).retry_status, RetryStatus.SCHEDULED)
		again = push_server(SERVER)
		self.assertEqual((again.calls, again.failed), (1, 1))
		self.assertEqual((self.pending(GONE).attempts, self.pending(GONE).retry_status), (2, WAITS_FOR_LINK))

		# Linked to a product the shop knows: sent with the next push.
		product = self.shop.request("POST", "products", json={"name": GONE, "manage_stock": True}).json()
		link(GONE, product["id"])
		frappe.db.commit()
		sent = push_server(SERVER)
		self.assertEqual((sent.pushed, sent.failed), (1, 0), sent.errors)
		self.assertEqual(self.shop_product(product["id"])["stock_quantity"], int(available(GONE)))
		self.assertEqual(self.pending(GONE).attempts, 0)

	def test_the_scheduler_asks_for_a_push_when_the_interval_has_passed(self):
		calls: list[dict] = []

		def enqueue(method: str, **kwargs) -> None:
			calls.append({"method": method, **kwargs})

		for minutes_ago, expected in ((2, []), (6, [True])):
			calls.clear()
			frappe.db.set_value(
				"WooCommerce Server",
				SERVER,
				"last_stock_poll",
				now_datetime() - timedelta(minutes=minutes_ago),
			)
			with (
				patch("frappe.enqueue", enqueue),
				patch("woocommerce_fusion.tasks.stock_push.job_slot", lambda job_id: (False, job_id)),
			):
				schedule_pushes()
			mine = [call["poll"] for call in calls if call.get("server") == SERVER]
			self.assertEqual(mine, expected, minutes_ago)
		frappe.db.rollback()

	def test_an_item_with_a_queue_row_can_be_deleted(self):
		item = make_item(f"{ITEM} {frappe.generate_hash(length=8)}")
		link(item.name, self.product_id + 100000)
		mark_pending(SERVER, [item.name], stock=True, price=True)
		frappe.db.commit()

		frappe.delete_doc("Item", item.name, ignore_permissions=True)

		self.assertFalse(frappe.db.exists(PENDING_UPDATE_DOCTYPE, {"item_code": item.name}))
		frappe.db.commit()

	def test_synchronize_now_refuses_stock_for_a_shop_without_stock_sync(self):
		self.assertFalse(frappe.db.get_value("WooCommerce Server", NO_STOCK_SERVER, "enable_stock_sync"))
		with self.assertRaises(frappe.ValidationError):
			synchronize_now(NO_STOCK_SERVER, SyncType.STOCK)
		with patch("frappe.enqueue") as enqueue:
			name = synchronize_now(SERVER, SyncType.PRICES)
		self.assertEqual(frappe.db.get_value(SYNC_ACTION, name, "sync_type"), SyncType.PRICES)
		self.assertEqual(enqueue.call_args.kwargs["action"], name)
		frappe.db.rollback()
