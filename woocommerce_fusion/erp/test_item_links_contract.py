"""FrappeCatalogue, FrappeLevels and FrappeErp see one another's Items, WooCommerce Item Server rows
and Item Prices: the suite the ERP fake passes in CI (woocommerce_fusion/testing/erp_contract_links.py,
run there by tests/test_item_links_contract.py). Nothing here commits; each test's records are
rolled back (the push job a new row asks for is enqueued only after a commit).
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.catalogue import FrappeCatalogue
from woocommerce_fusion.erp.stock_levels import FrappeLevels
from woocommerce_fusion.testing.bench_fixtures import PRICE_LIST, SERVER, make_fixtures
from woocommerce_fusion.testing.erp_contract_links import ItemLinksContract

test_dependencies = ["Company"]


class TestFrappeItemLinksContract(ItemLinksContract, FrappeTestCase):
	server = SERVER
	price_list = PRICE_LIST

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		frappe.db.commit()

	def setUp(self) -> None:
		self.catalogue, self.levels, self.erp = FrappeCatalogue(), FrappeLevels(), FrappeErp()
		self.token = frappe.generate_hash(length=6)
		frappe.clear_document_cache(SERVER_DOCTYPE, SERVER)

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.clear_document_cache(SERVER_DOCTYPE, SERVER)

	def make_item(self, code: str) -> str:
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
			}
		)
		return item.insert(ignore_permissions=True).name

	def set_price(self, code: str, rate: str) -> None:
		name = frappe.db.get_value("Item Price", {"item_code": code, "price_list": PRICE_LIST})
		doc = (
			frappe.get_doc("Item Price", name)
			if name
			else frappe.get_doc({"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST})
		)
		doc.price_list_rate = rate
		doc.save(ignore_permissions=True)

	def sync_levels(self, *, stock: bool, price: bool) -> None:
		# Straight to the columns: saving the server would queue every Item linked to it.
		frappe.db.set_value(
			SERVER_DOCTYPE,
			SERVER,
			{
				"enabled": 1,
				"enable_stock_sync": int(stock),
				"enable_price_sync": int(price),
				"selling_price_list": PRICE_LIST,
			},
			update_modified=False,
		)
		frappe.clear_document_cache(SERVER_DOCTYPE, SERVER)

	def disable_link(self, code: str) -> None:
		item = frappe.get_doc("Item", code)
		for row in item.get("woocommerce_servers"):
			if row.woocommerce_server == SERVER:
				row.enabled = 0
		item.save(ignore_permissions=True)
