"""FrappeLevels keeps the stock and price pushes' LevelsPort contract on MariaDB: the suite the
ERP fake passes in CI (woocommerce_fusion/testing/erp_contract_stock.py, run there by
tests/test_erp_stock_contract.py).

The second worker is a thread with its own site connection, as a second background job has.
The contract commits, so every test removes the Items, Bins, Item Prices and queue rows it made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import frappe
from erpnext.controllers.item_variant import create_variant
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.constants import PENDING_UPDATE_DOCTYPE
from woocommerce_fusion.engine.catalogue.levels_port import LevelsPort
from woocommerce_fusion.erp.stock_levels import FrappeLevels
from woocommerce_fusion.testing.bench_fixtures import ABBR, PRICE_LIST, SERVER, WAREHOUSE, make_fixtures
from woocommerce_fusion.testing.erp_contract import OtherWorker
from woocommerce_fusion.testing.erp_contract_stock import StockLevelsContract

test_dependencies = ["Company"]

T = TypeVar("T")
PREFIX = "_Test WooCommerce Levels"
ATTRIBUTE = "_Test WooCommerce Levels Size"
SIZES = ("S", "M", "L")


def make_attribute() -> None:
	if not frappe.db.exists("Item Attribute", ATTRIBUTE):
		frappe.get_doc(
			{
				"doctype": "Item Attribute",
				"attribute_name": ATTRIBUTE,
				"item_attribute_values": [{"attribute_value": size, "abbr": size} for size in SIZES],
			}
		).insert(ignore_permissions=True)


def remove_contract_records() -> None:
	items = frappe.get_all("Item", {"item_code": ("like", f"{PREFIX}%")}, pluck="name")
	frappe.db.delete(PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER})
	if items:
		frappe.db.delete("Bin", {"item_code": ("in", items)})
		frappe.db.delete("Item Price", {"item_code": ("in", items)})
		# Variants before their templates.
		for name in sorted(items, key=lambda name: not frappe.db.get_value("Item", name, "variant_of")):
			frappe.delete_doc("Item", name, force=True, ignore_permissions=True)
	frappe.db.commit()


class TestFrappeLevelsContract(StockLevelsContract, FrappeTestCase):
	server = SERVER
	warehouse = WAREHOUSE
	other_warehouse = f"Finished Goods - {ABBR}"
	price_list = PRICE_LIST

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		make_attribute()
		remove_contract_records()
		cls.site, cls.sites_path = frappe.local.site, frappe.local.sites_path
		cls.counter = itertools.count(1)
		cls.sizes_used: dict[str, int] = {}

	def tearDown(self) -> None:
		super().tearDown()
		frappe.db.rollback()
		remove_contract_records()

	def make_levels(self) -> FrappeLevels:
		return FrappeLevels()

	def new_item(self, template: str | None = None) -> str:
		if template:
			used = self.sizes_used.get(template, 0)
			self.sizes_used[template] = used + 1
			variant = create_variant(template, {ATTRIBUTE: SIZES[used]})
			variant.insert(ignore_permissions=True)
			frappe.db.commit()
			return variant.name
		code = f"{PREFIX} {next(self.counter)}"
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		return code

	def new_template(self) -> str:
		code = f"{PREFIX} T{next(self.counter)}"
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"has_variants": 1,
				"attributes": [{"attribute": ATTRIBUTE}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		return code

	def link(self, item_code: str, product_id: int, variation_id: int = 0) -> None:
		# As the fake's link_item: the Item's row for the server is relinked, or one is added.
		item = frappe.get_doc("Item", item_code)
		row = next((row for row in item.woocommerce_servers if row.woocommerce_server == SERVER), None)
		if row is None:
			row = item.append("woocommerce_servers", {"woocommerce_server": SERVER, "enabled": 1})
		row.woocommerce_id = str(product_id)
		row.woocommerce_variation_id = str(variation_id) if variation_id else ""
		item.save(ignore_permissions=True)
		frappe.db.commit()

	def set_bin(self, item_code: str, warehouse: str, actual: int, reserved: int, projected: int) -> None:
		name = frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse})
		if not name:
			name = (
				frappe.get_doc({"doctype": "Bin", "item_code": item_code, "warehouse": warehouse})
				.insert(ignore_permissions=True)
				.name
			)
		bin_doc = frappe.get_doc("Bin", name)
		bin_doc.db_set({"actual_qty": actual, "reserved_qty": reserved, "projected_qty": projected})
		frappe.db.commit()

	def set_price(self, item_code: str, rate: str, **validity: Any) -> None:
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"price_list": PRICE_LIST,
				"item_code": item_code,
				"price_list_rate": rate,
				**validity,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	def run_as_worker(self, fn: Callable[[LevelsPort], T]) -> T:
		def work() -> T:
			frappe.init(site=self.site, sites_path=self.sites_path)
			try:
				frappe.connect()
				frappe.flags.in_test = True
				try:
					return fn(FrappeLevels())
				finally:
					frappe.db.rollback()
			finally:
				frappe.destroy()

		return OtherWorker(work).result()

	def test_the_queue_keeps_one_row_per_server_and_item(self):
		code = self.linked_item()
		for _ in range(3):
			self.mark(code)
		self.assertEqual(
			frappe.db.count(PENDING_UPDATE_DOCTYPE, {"woocommerce_server": SERVER, "item_code": code}), 1
		)
		self.assertEqual(self.waiting(code).sequence, 3)
		index = frappe.db.sql(
			f"show index from `tab{PENDING_UPDATE_DOCTYPE}` where Key_name = 'server_item'", as_dict=True
		)
		self.assertEqual([row.Column_name for row in index], ["woocommerce_server", "item_code"])
		self.assertTrue(all(row.Non_unique == 0 for row in index))
