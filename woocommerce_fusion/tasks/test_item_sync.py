"""The item sync on a real ERPNext against the test shop over HTTP: a template with two variants
goes out as a variable product with two variations and comes back as link rows; a change in
ERPNext reaches the shop; a second run writes nothing; the preview answers for real Items; the
link table is not copied to variants or duplicates.

Runs commit, so the class removes what an earlier run left before it starts, and at the end.
"""

from __future__ import annotations

from unittest.mock import patch

import frappe
from erpnext.controllers.item_variant import create_variant
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion import item_preview
from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE, REQUEST_LOG_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs import State, SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.tasks.item_sync import run_hourly_item_sync
from woocommerce_fusion.testing.bench_fixtures import (
	COMPANY,
	PRICE_LIST,
	WAREHOUSE,
	make_fixtures,
	make_server,
)
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Items"
GROUP = "_Test WooCommerce Web Items"
OTHER_GROUP = "_Test WooCommerce Office Items"
SIZE = "_Test WooCommerce Size"
PREFIX = "_TWCI-"
SHIRT, MUG, PAPER, NEW = f"{PREFIX}SHIRT", f"{PREFIX}MUG", f"{PREFIX}PAPER", f"{PREFIX}NEW"


def run_now(method: str, **kwargs) -> None:
	for option in ("queue", "job_id", "enqueue_after_commit", "timeout"):
		kwargs.pop(option, None)
	frappe.get_attr(method)(**kwargs)


def run(sync_type: str, **kwargs) -> frappe._dict:
	name = create_sync_action(SERVER, sync_type, **kwargs)
	frappe.db.commit()
	with patch("frappe.enqueue", run_now):
		run_sync_action(name)
	return frappe.db.get_value(SYNC_ACTION, name, "*", as_dict=True)


def remove_items() -> None:
	codes = frappe.get_all(
		"Item", filters={"name": ("like", f"{PREFIX}%")}, pluck="name", order_by="variant_of desc"
	)
	for code in sorted(codes, key=lambda c: 0 if frappe.db.get_value("Item", c, "variant_of") else 1):
		frappe.db.delete("Item Price", {"item_code": code})
		frappe.delete_doc("Item", code, force=True, ignore_permissions=True)
	frappe.db.delete(SYNC_ACTION, {"woocommerce_server": SERVER})
	frappe.db.delete(REQUEST_LOG_DOCTYPE, {"server": SERVER})


def ensure(doctype: str, name: str, doc: dict) -> None:
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, **doc}).insert(ignore_permissions=True)


def make_item(code: str, group: str = GROUP, price: str | None = None, **fields) -> str:
	doc = {
		"doctype": "Item",
		"item_code": code,
		"item_name": fields.pop("item_name", code),
		"item_group": group,
		"stock_uom": "Nos",
		"is_stock_item": 1,
		**fields,
	}
	name = frappe.get_doc(doc).insert(ignore_permissions=True).name
	if price is not None:
		set_price(name, price)
	return name


def set_price(code: str, price: str) -> None:
	name = frappe.db.get_value("Item Price", {"item_code": code, "price_list": PRICE_LIST})
	doc = (
		frappe.get_doc("Item Price", name)
		if name
		else frappe.get_doc({"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST})
	)
	doc.price_list_rate = price
	doc.save(ignore_permissions=True)


def links(code: str) -> list[frappe._dict]:
	return frappe.get_all(
		ITEM_SERVER_DOCTYPE,
		filters={"parent": code, "parenttype": "Item"},
		fields=["woocommerce_server", "woocommerce_id", "woocommerce_variation_id", "last_synced_on"],
	)


class TestItemSync(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		remove_items()
		for group in (GROUP, OTHER_GROUP):
			ensure("Item Group", group, {"item_group_name": group, "parent_item_group": "All Item Groups"})
		ensure(
			"Item Attribute",
			SIZE,
			{
				"attribute_name": SIZE,
				"item_attribute_values": [{"attribute_value": v, "abbr": v} for v in ("S", "L")],
			},
		)
		cls.shop = TestShop().start()
		cls.category = cls.shop.add_category("Shirts")
		make_server(
			SERVER,
			cls.shop.url,
			enable_order_sync=0,
			enable_item_sync=1,
			item_manage_stock=1,
			item_backorders="Notify",
			item_group=GROUP,
			items_synchronised_on=None,
			items_shop_synchronised_on=None,
			item_sync_item_groups=[{"item_group": GROUP}],
			item_categories=[{"item_group": GROUP, "woocommerce_category_id": cls.category}],
		)
		make_item(SHIRT, has_variants=1, attributes=[{"attribute": SIZE}], description="<p>A shirt</p>")
		for size, price in (("S", "20"), ("L", "22")):
			variant = create_variant(SHIRT, {SIZE: size})
			variant.item_code = f"{SHIRT}-{size}"
			variant.insert(ignore_permissions=True)
			set_price(variant.name, price)
		make_item(MUG, price="7.5", weight_per_unit=0.35, weight_uom="Kg")
		make_item(PAPER, group=OTHER_GROUP, price="1")
		frappe.db.commit()
		cls.first = run(SyncType.ITEMS, synchronize_all=True)
		# The shop as the first run left it; other tests change it afterwards.
		cls.after_first = cls.shop.products

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_items()
		# Its shop is gone: other tests' previews must not ask it.
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_item_sync", 0)
		frappe.db.commit()
		super().tearDownClass()

	def product(self, code: str, products: dict | None = None) -> dict | None:
		found = [p for p in (products or self.shop.products).values() if p["sku"] == code]
		return found[0] if found else None

	def test_a_template_with_two_variants_becomes_a_variable_product_and_links_come_back(self):
		self.assertEqual(self.first.state, State.COMPLETED, self.first.error)
		self.assertGreaterEqual(self.first.created, 2)
		parent = self.product(SHIRT, self.after_first)
		self.assertEqual(parent["type"], "variable")
		self.assertEqual([(a["name"], a["options"]) for a in parent["attributes"]], [(SIZE, ["S", "L"])])
		self.assertEqual([c["id"] for c in parent["categories"]], [self.category])
		self.assertEqual(len(parent["variations"]), 2)
		[template_link] = links(SHIRT)
		self.assertEqual(
			(template_link.woocommerce_id, template_link.woocommerce_variation_id or ""),
			(str(parent["id"]), ""),
		)
		for size, price in (("S", "20.00"), ("L", "22.00")):
			[link] = links(f"{SHIRT}-{size}")
			self.assertEqual(link.woocommerce_id, str(parent["id"]))
			self.assertTrue(link.last_synced_on)
			variation = self.after_first[int(link.woocommerce_variation_id)]
			self.assertEqual(variation["attributes"][0]["option"], size)
			self.assertEqual(variation["regular_price"], price)
		self.assertIsNone(self.product(PAPER, self.after_first))
		mug = self.product(MUG, self.after_first)
		self.assertEqual((mug["regular_price"], mug["weight"], mug["backorders"]), ("7.50", "0.35", "notify"))

	def test_a_change_in_erpnext_reaches_the_shop_and_a_second_run_writes_nothing(self):
		set_price(f"{SHIRT}-S", "19")
		frappe.db.commit()
		changed = run(SyncType.ITEMS)
		self.assertEqual(changed.state, State.COMPLETED, changed.error)
		self.assertEqual(changed.updated, 1)
		[link] = links(f"{SHIRT}-S")
		self.assertEqual(self.shop.products[int(link.woocommerce_variation_id)]["regular_price"], "19.00")
		self.shop.reset_counts()
		steady = run(SyncType.ITEMS, synchronize_all=True)
		self.assertEqual((steady.state, steady.created, steady.updated), (State.COMPLETED, 0, 0))
		self.assertEqual(self.shop.count("POST") + self.shop.count("PUT"), 0)

	def test_the_preview_answers_add_update_remove_and_not_eligible_for_real_items(self):
		make_item(NEW, price="3")
		frappe.db.commit()
		shops = {s["server"]: s for s in item_preview.preview(NEW)["shops"]}
		self.assertEqual((shops[SERVER]["action"], shops[SERVER]["can_sync"]), ("add", True))

		frappe.db.set_value("Item", MUG, "item_name", "Big mug")
		shop = {s["server"]: s for s in item_preview.preview(MUG)["shops"]}[SERVER]
		self.assertEqual((shop["action"], shop["differences"], shop["can_sync"]), ("update", ["name"], True))

		frappe.db.set_value("Item", MUG, "disabled", 1)
		shop = {s["server"]: s for s in item_preview.preview(MUG)["shops"]}[SERVER]
		self.assertEqual((shop["action"], shop["can_sync"]), ("remove", True))
		self.assertIn("status", shop["differences"])

		shop = {s["server"]: s for s in item_preview.preview(PAPER)["shops"]}[SERVER]
		self.assertEqual((shop["action"], shop["can_sync"]), ("not eligible", False))
		self.assertIn(OTHER_GROUP, shop["reason"])
		frappe.db.rollback()

	def test_synchronize_queues_a_one_item_run_that_adds_the_product(self):
		code = make_item(f"{PREFIX}CAP", price="4")
		frappe.db.commit()
		with patch("frappe.enqueue", run_now):
			name = item_preview.synchronize(code, SERVER)
			frappe.db.commit()
		action = frappe.db.get_value(SYNC_ACTION, name, "*", as_dict=True)
		self.assertEqual(
			(action.sync_type, action.reference, action.state),
			(SyncType.ONE_ITEM, code, State.COMPLETED),
			action.error,
		)
		self.assertEqual(self.product(code)["regular_price"], "4.00")
		with self.assertRaises(frappe.ValidationError):
			item_preview.synchronize(PAPER, "_Test No Such Server")

	def test_an_item_the_sync_adds_gets_its_stock_and_price_pushed_when_those_syncs_are_on(self):
		code = make_item(f"{PREFIX}JAR", price="6")
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": COMPANY,
				"items": [{"item_code": code, "qty": 7, "t_warehouse": WAREHOUSE, "basic_rate": 2}],
			}
		)
		entry.insert(ignore_permissions=True)
		entry.submit()
		frappe.db.set_value(SERVER_DOCTYPE, SERVER, {"enable_stock_sync": 1, "enable_price_sync": 1})
		frappe.db.commit()
		try:
			# Each job runs after the commit that queued it, as RQ would run it.
			jobs: list[tuple[str, dict]] = []
			with patch("frappe.enqueue", lambda method, **kwargs: jobs.append((method, kwargs))):
				item_preview.synchronize(code, SERVER)
				frappe.db.commit()
				while jobs:
					method, kwargs = jobs.pop(0)
					run_now(method, **kwargs)
					frappe.db.commit()
			product = self.product(code)
			self.assertEqual((product["manage_stock"], product["stock_quantity"]), (True, 7))
			self.assertEqual(product["regular_price"], "6.00")
		finally:
			frappe.db.set_value(SERVER_DOCTYPE, SERVER, {"enable_stock_sync": 0, "enable_price_sync": 0})
			entry.reload()
			entry.cancel()
			frappe.db.commit()

	def test_the_preview_refuses_a_user_without_the_right_to_start_runs(self):
		frappe.set_user("Guest")
		try:
			with self.assertRaises(frappe.PermissionError):
				item_preview.preview(MUG)
			with self.assertRaises(frappe.PermissionError):
				item_preview.synchronize(MUG, SERVER)
		finally:
			frappe.set_user("Administrator")

	def test_variants_and_duplicates_do_not_copy_the_link_table(self):
		self.assertTrue(links(SHIRT))
		template = frappe.get_doc("Item", SHIRT)
		variant = create_variant(SHIRT, {SIZE: "S"})
		self.assertEqual(variant.get("woocommerce_servers"), [])
		# Desk's Duplicate (frappe.model.copy_doc in the browser) leaves out no_copy fields, as
		# copy_doc does on the server when asked to.
		self.assertEqual(frappe.get_meta("Item").get_field("woocommerce_servers").no_copy, 1)
		duplicate = frappe.copy_doc(template, ignore_no_copy=False)
		self.assertEqual(duplicate.get("woocommerce_servers"), [])
		mug = frappe.copy_doc(frappe.get_doc("Item", MUG), ignore_no_copy=False)
		mug.item_code = f"{PREFIX}MUG-COPY"
		mug.insert(ignore_permissions=True)
		self.assertEqual(links(mug.name), [])
		frappe.db.rollback()

	def test_a_category_mapped_twice_is_refused(self):
		server = frappe.get_doc("WooCommerce Server", SERVER)
		server.append("item_categories", {"item_group": GROUP, "woocommerce_category_id": self.category})
		with self.assertRaises(frappe.ValidationError):
			server.save(ignore_permissions=True)
		frappe.db.rollback()

	def test_the_hourly_job_queues_an_items_run_for_a_shop_with_item_sync_on(self):
		with patch("frappe.enqueue") as enqueue:
			run_hourly_item_sync()
		queued = frappe.get_all(
			SYNC_ACTION,
			filters={"woocommerce_server": SERVER, "sync_type": SyncType.ITEMS, "state": State.NOT_PROCESSED},
			pluck="name",
		)
		self.assertEqual(len(queued), 1)
		self.assertIn(queued[0], [c.kwargs.get("action") for c in enqueue.call_args_list])
		frappe.db.rollback()
