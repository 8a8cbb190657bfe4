"""FrappeCatalogue keeps the CataloguePort contract on ERPNext: the suite the ERP fake passes in CI
(woocommerce_fusion/testing/erp_contract_catalogue.py, run there by
tests/test_catalogue_port_contract.py). Nothing here commits; each test's records are rolled back.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.erp.catalogue import FrappeCatalogue
from woocommerce_fusion.testing.bench_fixtures import PRICE_LIST, SERVER, make_fixtures
from woocommerce_fusion.testing.erp_contract_catalogue import CatalogueContract

test_dependencies = ["Company"]


def item_doc(code: str, group: str, **fields) -> dict:
	return {
		"doctype": "Item",
		"item_code": code,
		"item_name": fields.pop("item_name", code),
		"item_group": group,
		"stock_uom": "Nos",
		"is_stock_item": 1,
		**fields,
	}


class TestFrappeCatalogueContract(CatalogueContract, FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		frappe.db.commit()

	def setUp(self) -> None:
		self.port = FrappeCatalogue()
		self.server = SERVER
		self.token = frappe.generate_hash(length=6)
		frappe.clear_document_cache(SERVER_DOCTYPE, SERVER)

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.clear_document_cache(SERVER_DOCTYPE, SERVER)

	def make_group(self, name: str, parent: str | None = None) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Item Group",
					"item_group_name": name,
					"parent_item_group": parent or "All Item Groups",
					"is_group": 1,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def make_item(self, code: str, group: str, price: str | None = None, **fields) -> str:
		if "weight" in fields:
			fields["weight_per_unit"] = fields.pop("weight")
			fields["weight_uom"] = "Kg"
		item = frappe.get_doc(item_doc(code, group, **fields)).insert(ignore_permissions=True)
		if price is not None:
			self.set_price(item.name, price)
		return item.name

	def make_template(self, code: str, group: str, attributes: dict[str, list[str]]) -> str:
		for attribute, values in attributes.items():
			if not frappe.db.exists("Item Attribute", attribute):
				frappe.get_doc(
					{
						"doctype": "Item Attribute",
						"attribute_name": attribute,
						"item_attribute_values": [{"attribute_value": v, "abbr": v.upper()} for v in values],
					}
				).insert(ignore_permissions=True)
		doc = item_doc(code, group, has_variants=1, attributes=[{"attribute": a} for a in attributes])
		return frappe.get_doc(doc).insert(ignore_permissions=True).name

	def make_variant(self, template: str, values: dict[str, str], price: str | None = None) -> str:
		from erpnext.controllers.item_variant import create_variant

		variant = create_variant(template, values)
		variant.insert(ignore_permissions=True)
		if price is not None:
			self.set_price(variant.name, price)
		return variant.name

	def configure(self, item_groups: list[str], categories: dict[str, int]) -> None:
		server = frappe.get_doc(SERVER_DOCTYPE, SERVER)
		server.enable_item_sync = 1
		server.item_manage_stock = 1
		server.item_backorders = "Notify"
		server.item_group = item_groups[0]
		server.selling_price_list = PRICE_LIST
		server.set("item_sync_item_groups", [{"item_group": g} for g in item_groups])
		server.set(
			"item_categories",
			[{"item_group": g, "woocommerce_category_id": c} for g, c in categories.items()],
		)
		server.save(ignore_permissions=True)

	def change_item(self, code: str, **fields) -> None:
		self._tick()
		item = frappe.get_doc("Item", code)
		item.update(fields)
		item.save(ignore_permissions=True)

	def set_price(self, code: str, price: str) -> None:
		self._tick()
		name = frappe.db.get_value("Item Price", {"item_code": code, "price_list": PRICE_LIST})
		doc = (
			frappe.get_doc("Item Price", name)
			if name
			else frappe.get_doc({"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST})
		)
		doc.price_list_rate = price
		doc.save(ignore_permissions=True)

	def now_utc(self) -> datetime:
		self._tick()
		return datetime.now(timezone.utc)

	def _tick(self) -> None:
		# `modified` has microseconds, but a moment taken and a save made in the same one would tie.
		time.sleep(0.002)
