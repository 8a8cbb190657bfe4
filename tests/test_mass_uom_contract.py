"""The ERP fake keeps the MassUomPort contract the Frappe adapter keeps on a bench (the same suite
runs there: woocommerce_fusion/erp/test_mass_uom_contract.py)."""

from __future__ import annotations

import itertools
import unittest

from woocommerce_fusion.testing.erp_contract_uoms import MassUomContract
from woocommerce_fusion.testing.erp_fake import ErpFake

_tokens = itertools.count(1)


class TestErpFakeMassUomContract(MassUomContract, unittest.TestCase):
	def setUp(self) -> None:
		self.port = self.fake = ErpFake()
		self.token = str(next(_tokens))

	def make_uom(self, name: str) -> str:
		return name

	def make_conversion(self, from_uom: str, to_uom: str, value: str) -> None:
		self.fake.add_uom_conversion(from_uom, to_uom, value)
