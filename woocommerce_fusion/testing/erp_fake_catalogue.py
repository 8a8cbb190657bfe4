"""ErpFake's Items as the item sync reads them behind the CataloguePort, with their Item Groups and
the servers' item sync settings (woocommerce_fusion/erp/catalogue.py); a part of ErpFake, on the
Items, rows and Item Prices of erp_fake_items.py that the order sync and the pushes share.
woocommerce_fusion/testing/erp_contract_catalogue.py pins it to the adapter.

Link rows are written in the caller's transaction, as the adapter writes them (the runner
commits). Reads see this transaction's writes and the latest committed Items, not a snapshot:
the item sync relies on none, and tests change Items between runs. Every row written is counted
(link_writes), so a test can prove that a run with nothing to do writes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings
from woocommerce_fusion.engine.mapping.plans import ItemPlan
from woocommerce_fusion.testing.erp_fake_items import DEFAULT_PRICE_LIST

ROOT_GROUP = "All Item Groups"


class _FakeCatalogue:
	def _init_catalogue(self) -> None:
		self._group_parents: dict[str, str] = {}
		self._catalogue_settings: dict[str, CatalogueSettings] = {}

	# -- arranging (what a user does in ERPNext) ------------------------------------------------

	def add_item_group(self, name: str, parent: str = ROOT_GROUP) -> None:
		self._group_parents[name] = parent

	def set_catalogue_settings(self, settings: CatalogueSettings) -> None:
		self._catalogue_settings[settings.server] = copy.deepcopy(settings)

	def add_catalogue_item(
		self, item: CatalogueItem, price: Decimal | str | None = None, *, price_list: str = DEFAULT_PRICE_LIST
	) -> CatalogueItem:
		"""The Item (with its rows) saved, committed; then its Item Price in `price_list`."""
		with self._mutex:
			self._sequence += 1
			row = copy.deepcopy(replace(item, links=[], price=None, modified_utc=self.now()))
			self._store("item", item.item_code, row)
			if item.links:
				self._store("item_link", item.item_code, tuple(copy.deepcopy(item.links)))
			self.writes += 1
		if price is not None:
			self.set_item_price(price_list, item.item_code, price)
		return item

	def change_item(self, item_code: str, **changes: Any) -> None:
		"""An Item saved with changes, committed: its `modified` moves."""
		with self._mutex:
			item = self._committed("item", item_code, None)
			self._commit_now("item", item_code, replace(item, **changes, modified_utc=self.now()))

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

	def _read(self, item_code: str, server: str, items: dict[str, CatalogueItem]) -> CatalogueItem:
		"""The Item with its rows and its price in the server's selling price list (the pushes'
		Stock and Prices tab names it); `modified` the latest of its own, its price's and its
		variants'."""
		price_list = self.levels_settings(server).price_list
		item = copy.deepcopy(items[item_code])
		item.links = copy.deepcopy(list(self._links_of(item_code)))
		price = self._get_latest("item_price", (price_list, item_code))
		item.price = price.rate if price else None
		moments = [item.modified_utc] + ([price.modified] if price else [])
		if item.has_variants:
			for code, other in items.items():
				if other.variant_of == item_code:
					moments.append(other.modified_utc)
					variant_price = self._get_latest("item_price", (price_list, code))
					if variant_price:
						moments.append(variant_price.modified)
		item.modified_utc = max(moments)
		return item

	def catalogue_item(self, item_code: str, server: str) -> CatalogueItem | None:
		items = self._latest_rows("item")
		return self._read(item_code, server, items) if item_code in items else None

	def _candidates(self, server: str, items: dict[str, CatalogueItem]) -> list[str]:
		members = self.catalogue_settings(server).group_members
		links = self._latest_rows("item_link")
		return sorted(
			code
			for code, item in items.items()
			if not item.variant_of
			and (item.item_group in members or any(link.server == server for link in links.get(code, ())))
		)

	def catalogue_items(self, server: str, item_codes: list[str] | None = None) -> list[CatalogueItem]:
		items = self._latest_rows("item")
		codes = self._candidates(server, items)
		if item_codes is not None:
			wanted = set(item_codes)
			codes = [code for code in codes if code in wanted]
		return [self._read(code, server, items) for code in codes]

	def item_codes_changed_since(self, server: str, since: datetime) -> list[str]:
		items = self._latest_rows("item")
		return [
			code
			for code in self._candidates(server, items)
			if self._read(code, server, items).modified_utc > since
		]

	def variants_of(self, template: str, server: str) -> list[CatalogueItem]:
		items = self._latest_rows("item")
		return [
			self._read(code, server, items) for code, item in items.items() if item.variant_of == template
		]

	def item_code_for_product(self, server: str, product_id: int, sku: str) -> str | None:
		linked = self._linked_code(server, product_id, 0, latest=True)
		if linked is not None:
			return linked
		item = self._get_latest("item", sku) if sku else None
		return sku if item is not None and not item.has_variants else None

	def create_item_from_product(
		self, server: str, product_id: int, sku: str, item_name: str, description: str
	) -> str:
		"""As the adapter: the order sync's ensure_item makes (or links) it, the description is
		set without moving `modified`."""
		settings = self.catalogue_settings(server)
		code = self.ensure_item(
			server,
			ItemPlan(
				woocommerce_product_id=product_id,
				woocommerce_variation_id=0,
				sku=sku,
				item_name=(item_name or sku or str(product_id))[:140],
				item_group=settings.item_group_for_new_items,
				stock_uom=settings.stock_uom,
			),
		)
		if description:
			self._put("item", code, replace(self._get_latest("item", code), description=description))
		return code
