"""FrappeMassUoms keeps the MassUomPort contract on ERPNext: the suite the ERP fake passes in CI
(woocommerce_fusion/testing/erp_contract_uoms.py, run there by tests/test_mass_uom_contract.py).
Nothing here commits; each test's records are rolled back."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.erp.catalogue import FrappeCatalogue
from woocommerce_fusion.testing.erp_contract_uoms import MassUomContract

CATEGORY = "_Test WooCommerce Mass"


class TestFrappeMassUomContract(MassUomContract, FrappeTestCase):
	def setUp(self) -> None:
		self.port = FrappeCatalogue()
		self.token = frappe.generate_hash(length=6)
		if not frappe.db.exists("UOM Category", CATEGORY):
			frappe.get_doc({"doctype": "UOM Category", "category_name": CATEGORY}).insert(
				ignore_permissions=True
			)
		if not frappe.db.exists("UOM", "Kg"):
			self.make_uom("Kg")

	def tearDown(self) -> None:
		frappe.db.rollback()

	def make_uom(self, name: str) -> str:
		return frappe.get_doc({"doctype": "UOM", "uom_name": name}).insert(ignore_permissions=True).name

	def make_conversion(self, from_uom: str, to_uom: str, value: str) -> None:
		frappe.get_doc(
			{
				"doctype": "UOM Conversion Factor",
				"category": CATEGORY,
				"from_uom": from_uom,
				"to_uom": to_uom,
				"value": float(value),
			}
		).insert(ignore_permissions=True)
