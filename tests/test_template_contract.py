"""The ERP fake tells a product linked to a template Item as FrappeErp does on a bench (the same
suite runs there: woocommerce_fusion/erp/test_template_contract.py)."""

from __future__ import annotations

import itertools
import unittest

from conftest import MAPPED_ACCOUNTS
from test_erp_port_contract import RisingClock

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, ItemLink
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.testing.erp_contract_templates import TemplateContract
from woocommerce_fusion.testing.erp_fake import ErpFake

_tokens = itertools.count(1)


class TestErpFakeTemplateContract(TemplateContract, unittest.TestCase):
	server = "contract-shop"
	other_server = "contract-shop-2"

	def setUp(self) -> None:
		self.erp = ErpFake(now=RisingClock())
		self.token = str(next(_tokens))

	def settings(self) -> ServerSettings:
		return ServerSettings(name=self.server, url="http://shop.example.com", **MAPPED_ACCOUNTS)

	def make_linked_item(self, code: str, product_id: int, *, template: bool, server: str = "") -> str:
		self.erp.add_catalogue_item(
			CatalogueItem(
				code,
				code,
				item_group="Products",
				has_variants=template,
				attributes=[("Size", "")] if template else [],
				links=[ItemLink(server or self.server, product_id=product_id)],
			)
		)
		return code
