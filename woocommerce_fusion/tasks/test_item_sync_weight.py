"""An Item's weight on a real ERPNext reaches a test shop that weighs in grams converted from its
Weight UOM; a weight in a UOM that is no mass is left out with a comment on the Sync Action; a
second run writes nothing."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs import State, SyncType
from woocommerce_fusion.runs.queue import create_sync_action, run_sync_action
from woocommerce_fusion.tasks.test_item_sync import ensure, make_item, run_now
from woocommerce_fusion.testing.bench_fixtures import make_fixtures, make_server
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Weights"
GROUP = "_Test WooCommerce Weighed Items"
PREFIX = "_TWCW-"
MUG, SACK, BOX = f"{PREFIX}MUG", f"{PREFIX}SACK", f"{PREFIX}BOX"


def run(sync_type: str, **kwargs) -> frappe._dict:
	name = create_sync_action(SERVER, sync_type, **kwargs)
	frappe.db.commit()
	with patch("frappe.enqueue", run_now):
		run_sync_action(name)
	return frappe.db.get_value(SYNC_ACTION, name, "*", as_dict=True)


def remove_items() -> None:
	for code in frappe.get_all("Item", filters={"name": ("like", f"{PREFIX}%")}, pluck="name"):
		frappe.db.delete("Item Price", {"item_code": code})
		frappe.delete_doc("Item", code, force=True, ignore_permissions=True)
	frappe.db.delete(SYNC_ACTION, {"woocommerce_server": SERVER})


class TestItemSyncWeight(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		remove_items()
		ensure("Item Group", GROUP, {"item_group_name": GROUP, "parent_item_group": "All Item Groups"})
		ensure("UOM", "Gram", {"uom_name": "Gram"})
		cls.shop = TestShop().start()
		cls.shop.settings.weight_unit = "g"
		make_server(
			SERVER,
			cls.shop.url,
			enable_order_sync=0,
			enable_item_sync=1,
			item_group=GROUP,
			items_synchronised_on=None,
			items_shop_synchronised_on=None,
			item_sync_item_groups=[{"item_group": GROUP}],
		)
		make_item(MUG, group=GROUP, price="7.5", weight_per_unit=0.35, weight_uom="Kg")
		make_item(SACK, group=GROUP, price="3", weight_per_unit=1250, weight_uom="Gram")
		make_item(BOX, group=GROUP, price="1", weight_per_unit=2, weight_uom="Nos")
		frappe.db.commit()
		cls.first = run(SyncType.ITEMS, synchronize_all=True)

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_items()
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_item_sync", 0)
		frappe.db.commit()
		super().tearDownClass()

	def test_a_mug_of_0_35_kg_reaches_a_shop_in_grams_as_350(self):
		self.assertEqual(self.first.state, State.COMPLETED, self.first.error)
		self.assertEqual(self.first.created, 3)
		self.assertEqual(self.shop.product_by_sku(MUG)["weight"], "350")
		self.assertEqual(self.shop.product_by_sku(SACK)["weight"], "1250")

	def test_a_weight_in_nos_is_left_out_and_the_sync_action_says_why(self):
		self.assertEqual(self.shop.product_by_sku(BOX)["weight"], "")
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": SYNC_ACTION, "reference_name": self.first.name},
			pluck="content",
		)
		self.assertTrue(
			any(f"{BOX}: Weight not sent: unit Nos cannot be converted" in c for c in comments), comments
		)

	def test_a_second_run_writes_nothing(self):
		self.shop.reset_counts()
		steady = run(SyncType.ITEMS, synchronize_all=True)
		self.assertEqual((steady.state, steady.created, steady.updated), (State.COMPLETED, 0, 0))
		self.assertEqual(self.shop.count("POST") + self.shop.count("PUT"), 0)
		self.assertEqual(
			self.shop.count("GET", "/wp-json/wc/v3/settings/products/woocommerce_weight_unit"), 1
		)
