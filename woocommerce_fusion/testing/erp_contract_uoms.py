"""The MassUomPort contract: run against the ERP fake in CI (tests/test_mass_uom_contract.py) and
against the Frappe adapter on a bench (woocommerce_fusion/erp/test_mass_uom_contract.py).

The concrete class provides `self.port`, `self.token` and the arranging hooks below (a UOM and a
UOM Conversion Factor row, as a user adds them in ERPNext).
"""

from __future__ import annotations

from decimal import Decimal


class MassUomContract:
	def make_uom(self, name: str) -> str:
		raise NotImplementedError

	def make_conversion(self, from_uom: str, to_uom: str, value: str) -> None:
		raise NotImplementedError

	def test_kg_is_one_kg(self):
		self.assertEqual(self.port.kg_per_uom("Kg"), Decimal(1))

	def test_a_row_from_the_uom_to_kg_is_read_as_typed(self):
		sack = self.make_uom(f"_Test Sack {self.token}")
		self.make_conversion(sack, "Kg", "25")
		self.assertEqual(self.port.kg_per_uom(sack), Decimal(25))

	def test_a_row_from_kg_to_the_uom_is_inverted(self):
		crate = self.make_uom(f"_Test Crate {self.token}")
		self.make_conversion("Kg", crate, "0.125")
		self.assertEqual(self.port.kg_per_uom(crate), Decimal(8))

	def test_two_rows_from_a_common_uom_lead_to_kg(self):
		common = self.make_uom(f"_Test Pallet {self.token}")
		bag = self.make_uom(f"_Test Bag {self.token}")
		self.make_conversion(common, "Kg", "500")
		self.make_conversion(common, bag, "20")
		self.assertEqual(self.port.kg_per_uom(bag), Decimal(25))

	def test_a_uom_without_a_way_to_kg_has_none(self):
		self.assertIsNone(self.port.kg_per_uom(self.make_uom(f"_Test Piece {self.token}")))
