"""The ERP fake keeps the CataloguePort contract that the Frappe adapter keeps on a bench (the same
suite runs there: woocommerce_fusion/erp/test_catalogue_port_contract.py)."""

from __future__ import annotations

import itertools
import unittest
from datetime import datetime
from decimal import Decimal

from test_erp_port_contract import RisingClock

from woocommerce_fusion.engine.catalogue.ports import Backorders, CatalogueItem, CatalogueSettings
from woocommerce_fusion.testing.erp_contract_catalogue import CatalogueContract
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.erp_fake_catalogue import ROOT_GROUP
from woocommerce_fusion.testing.erp_fake_items import DEFAULT_PRICE_LIST

_tokens = itertools.count(1)


class TestErpFakeCatalogueContract(CatalogueContract, unittest.TestCase):
	def setUp(self) -> None:
		self.clock = RisingClock()
		self.port = self.fake = ErpFake(now=self.clock)
		self.server = "contract-shop"
		self.token = str(next(_tokens))

	def make_group(self, name: str, parent: str | None = None) -> str:
		self.fake.add_item_group(name, parent or ROOT_GROUP)
		return name

	def make_item(self, code: str, group: str, price: str | None = None, **fields) -> str:
		if "weight" in fields:
			fields["weight"] = Decimal(fields["weight"])
			fields["weight_uom"] = "Kg"
		fields.setdefault("item_name", code)
		self.fake.add_catalogue_item(CatalogueItem(code, item_group=group, **fields), price=price)
		return code

	def make_template(self, code: str, group: str, attributes: dict[str, list[str]]) -> str:
		item = CatalogueItem(
			code, code, item_group=group, has_variants=True, attributes=[(a, "") for a in attributes]
		)
		self.fake.add_catalogue_item(item)
		return code

	def make_variant(self, template: str, values: dict[str, str], price: str | None = None) -> str:
		group = self.fake.catalogue_item(template, self.server).item_group
		code = f"{template}-{'-'.join(values.values())}"
		self.fake.add_catalogue_item(
			CatalogueItem(code, code, item_group=group, variant_of=template, attributes=list(values.items())),
			price=price,
		)
		return code

	def configure(self, item_groups: list[str], categories: dict[str, int]) -> None:
		self.fake.set_catalogue_settings(
			CatalogueSettings(
				self.server,
				enabled=True,
				item_groups=tuple(item_groups),
				manage_stock=True,
				backorders=Backorders.NOTIFY,
				categories=dict(categories),
				item_group_for_new_items=item_groups[0],
			)
		)

	def change_item(self, code: str, **fields) -> None:
		self.fake.change_item(code, **fields)

	def set_price(self, code: str, price: str) -> None:
		self.fake.set_item_price(DEFAULT_PRICE_LIST, code, price)

	def now_utc(self) -> datetime:
		return self.clock()
