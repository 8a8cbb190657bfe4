"""The ERP fake's ports see one another's Items, rows and Item Prices as the adapter's do on a
bench (the same suite runs there: woocommerce_fusion/erp/test_item_links_contract.py)."""

from __future__ import annotations

import itertools
import unittest
from decimal import Decimal

from test_erp_port_contract import RisingClock

from woocommerce_fusion.engine.catalogue.levels_port import LevelsSettings
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem
from woocommerce_fusion.testing.erp_contract_links import ItemLinksContract
from woocommerce_fusion.testing.erp_fake import ErpFake

_tokens = itertools.count(1)


class TestErpFakeItemLinksContract(ItemLinksContract, unittest.TestCase):
	server = "contract-shop"
	price_list = "Web EUR"

	def setUp(self) -> None:
		self.fake = self.catalogue = self.levels = self.erp = ErpFake(now=RisingClock())
		self.token = str(next(_tokens))

	def make_item(self, code: str) -> str:
		self.fake.add_catalogue_item(CatalogueItem(code, code, item_group="Products"))
		return code

	def set_price(self, code: str, rate: str) -> None:
		self.fake.set_item_price(self.price_list, code, Decimal(rate))

	def sync_levels(self, *, stock: bool, price: bool) -> None:
		self.fake.set_levels_settings(
			LevelsSettings(self.server, stock_enabled=stock, price_enabled=price, price_list=self.price_list)
		)

	def disable_link(self, code: str) -> None:
		# Desk saves the Item in a transaction of its own: the test's rows are committed first.
		self.fake.commit()
		product = self.fake.item_links(code)[0].product_id
		self.fake.link_item(self.server, code, product, enabled=False)
