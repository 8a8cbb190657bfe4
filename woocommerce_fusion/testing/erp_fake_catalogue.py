"""ErpFake's Items, Item Prices, Item Groups and item sync settings behind the CataloguePort, as
the adapter keeps them (woocommerce_fusion/erp/catalogue.py); a part of ErpFake.
woocommerce_fusion/testing/erp_contract_catalogue.py pins it to the adapter.

Committed at once (the catalogue has no locks or snapshots the sync relies on); every link
written is counted, so a test can prove that a run with nothing to do writes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings, ItemLink

ROOT_GROUP = "All Item Groups"


class _FakeCatalogue:
	def _init_catalogue(self) -> None:
		self._items: dict[str, CatalogueItem] = {}
		# item code -> (price, when it changed)
		self._prices: dict[str, tuple[Decimal, datetime]] = {}
		self._item_modified: dict[str, datetime] = {}
		self._group_parents: dict[str, str] = {}
		self._catalogue_settings: dict[str, CatalogueSettings] = {}
		self.link_writes = 0

	# -- arranging (what a user does in ERPNext) ------------------------------------------------

	def add_item_group(self, name: str, parent: str = ROOT_GROUP) -> None:
		self._group_parents[name] = parent

	def set_catalogue_settings(self, settings: CatalogueSettings) -> None:
		self._catalogue_settings[settings.server] = copy.deepcopy(settings)

	def add_catalogue_item(self, item: CatalogueItem, price: Decimal | str | None = None) -> CatalogueItem:
		with self._mutex:
			self._items[item.item_code] = copy.deepcopy(replace(item, price=None, modified_utc=None))
			self._item_modified[item.item_code] = self.now()
			if price is not None:
				self._prices[item.item_code] = (Decimal(str(price)), self.now())
		return item

	def change_item(self, item_code: str, **changes: Any) -> None:
		"""An Item saved with changes: its `modified` moves."""
		with self._mutex:
			self._items[item_code] = replace(self._items[item_code], **changes)
			self._item_modified[item_code] = self.now()

	def set_catalogue_price(self, item_code: str, price: Decimal | str) -> None:
		with self._mutex:
			self._prices[item_code] = (Decimal(str(price)), self.now())

	def item_links(self, item_code: str) -> list[ItemLink]:
		with self._mutex:
			return copy.deepcopy(self._items[item_code].links)

	# -- the port -------------------------------------------------------------------------------

	def catalogue_settings(self, server: str) -> CatalogueSettings:
		settings = copy.deepcopy(self._catalogue_settings.get(server) or CatalogueSettings(server=server))
		members = set()
		for group in settings.item_groups:
			members |= self._group_with_descendants(group)
		settings.group_members = frozenset(members)
		return settings

	def _group_with_descendants(self, group: str) -> set[str]:
		found = {group}
		grew = True
		while grew:
			more = {child for child, parent in self._group_parents.items() if parent in found}
			grew = not more <= found
			found |= more
		return found

	def _read(self, item_code: str) -> CatalogueItem:
		item = copy.deepcopy(self._items[item_code])
		price = self._prices.get(item_code)
		item.price = price[0] if price else None
		moments = [self._item_modified[item_code]] + ([price[1]] if price else [])
		if item.has_variants:
			for code, other in self._items.items():
				if other.variant_of == item_code:
					moments.append(self._item_modified[code])
					if code in self._prices:
						moments.append(self._prices[code][1])
		item.modified_utc = max(moments)
		return item

	def catalogue_item(self, item_code: str, server: str) -> CatalogueItem | None:
		with self._mutex:
			return self._read(item_code) if item_code in self._items else None

	def _candidates(self, server: str) -> list[str]:
		members = self.catalogue_settings(server).group_members
		return sorted(
			code
			for code, item in self._items.items()
			if not item.variant_of and (item.item_group in members or item.link(server) is not None)
		)

	def catalogue_items(self, server: str, item_codes: list[str] | None = None) -> list[CatalogueItem]:
		with self._mutex:
			codes = self._candidates(server)
			if item_codes is not None:
				wanted = set(item_codes)
				codes = [code for code in codes if code in wanted]
			return [self._read(code) for code in codes]

	def item_codes_changed_since(self, server: str, since: datetime) -> list[str]:
		with self._mutex:
			return [code for code in self._candidates(server) if self._read(code).modified_utc > since]

	def variants_of(self, template: str, server: str) -> list[CatalogueItem]:
		with self._mutex:
			codes = [code for code, item in self._items.items() if item.variant_of == template]
			return [self._read(code) for code in codes]

	def item_code_for_product(self, server: str, product_id: int, sku: str) -> str | None:
		with self._mutex:
			for code, item in self._items.items():
				link = item.link(server)
				if link is not None and link.product_id == product_id and not link.variation_id:
					return code
			return sku if sku in self._items else None

	def save_item_link(self, item_code: str, link: ItemLink) -> None:
		with self._mutex:
			item = self._items[item_code]
			saved = replace(link, last_synced_on=self.now())
			item.links = [row for row in item.links if row.server != link.server] + [saved]
			self.link_writes += 1

	def create_item_from_product(
		self, server: str, product_id: int, sku: str, item_name: str, description: str
	) -> str:
		settings = self.catalogue_settings(server)
		code = sku or f"WOO-{product_id}"
		with self._mutex:
			if code in self._items:
				raise ValueError(f"Item {code} exists already")
			self._items[code] = CatalogueItem(
				item_code=code,
				item_name=item_name or code,
				item_group=settings.item_group_for_new_items,
				description=description,
				links=[ItemLink(server, product_id=product_id, last_synced_on=self.now())],
			)
			self._item_modified[code] = self.now()
			self.link_writes += 1
		return code
