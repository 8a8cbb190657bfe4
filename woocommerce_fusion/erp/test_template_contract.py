"""FrappeErp tells a product linked to a template Item as the ERP fake does in CI: the suite of
woocommerce_fusion/testing/erp_contract_templates.py (run there by tests/test_template_contract.py).
Nothing here commits; each test's records are rolled back."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.masters.item import ensure_attribute_value
from woocommerce_fusion.testing.bench_fixtures import SERVER, make_fixtures, make_server, make_settings
from woocommerce_fusion.testing.erp_contract_templates import TemplateContract

test_dependencies = ["Company"]

OTHER_SERVER = "_Test WooCommerce Template Other"


class TestFrappeTemplateContract(TemplateContract, FrappeTestCase):
	server = SERVER
	other_server = OTHER_SERVER

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		make_server(OTHER_SERVER, enable_order_sync=0)
		frappe.db.commit()

	def setUp(self) -> None:
		self.erp = FrappeErp()
		self.token = frappe.generate_hash(length=6)

	def tearDown(self) -> None:
		frappe.db.rollback()

	def settings(self) -> ServerSettings:
		return make_settings()

	def make_linked_item(self, code: str, product_id: int, *, template: bool, server: str = "") -> str:
		values = {}
		if template:
			attribute, _value = ensure_attribute_value("Size", "M")
			values = {
				"has_variants": 1,
				"variant_based_on": "Item Attribute",
				"attributes": [{"attribute": attribute}],
			}
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"woocommerce_servers": [
					{
						"woocommerce_server": server or self.server,
						"woocommerce_id": str(product_id),
						"woocommerce_variation_id": "",
						"enabled": 1,
					}
				],
				**values,
			}
		)
		return item.insert(ignore_permissions=True).name
