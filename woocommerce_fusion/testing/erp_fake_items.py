"""ErpFake's Items, their WooCommerce Item Server rows and their Item Prices: one store that the
order sync's masters (erp_fake.py), the item sync (erp_fake_catalogue.py) and the stock and price
pushes (erp_fake_stock.py) all read and write, as the adapter's three parts share tabItem, its
child table and tabItem Price. A part of ErpFake, on its versioned store and in its transactions;
testing/erp_contract_links.py pins what each port sees of the others' writes.

Tables: "item" (item code -> the Item's own fields, a CatalogueItem without rows or price),
"item_link" (item code -> its WooCommerce Item Server rows in table order), "item_price"
((price list, item code) -> FakePrice). The rows are indexed by (server, product id, variation
id), as the adapter looks an Item up by its product.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.catalogue.levels_port import LevelsSettings
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, ItemLink
from woocommerce_fusion.engine.mapping.plans import ItemPlan

ITEM_TABLES = ("item", "item_link", "item_price")
# ERPNext's own selling price list: a server's until set_levels_settings names another.
DEFAULT_PRICE_LIST = "Standard Selling"


def product_keys(links: Iterable[ItemLink]) -> list[tuple[str, int, int]]:
	"""What an Item's rows are looked up by: the products (and variations) they name."""
	return [(link.server, link.product_id, link.variation_id) for link in links if link.product_id]


ITEM_INDEXES = {("item_link", "product"): product_keys}


@dataclass(frozen=True)
class FakePrice:
	rate: Decimal
	modified: datetime


class _FakeItems:
	def _init_items(self) -> None:
		# server -> its stock and price settings, as the WooCommerce Server holds them.
		self._levels_settings: dict[str, LevelsSettings] = {}
		# Rows written through the CataloguePort (rolled back or not): a run with nothing to do
		# writes none.
		self.link_writes = 0

	# -- what tests and benchmarks do to the fake --------------------------------------------

	def set_levels_settings(self, settings: LevelsSettings) -> None:
		"""The server's Stock and Prices tab saved (its price list is the item sync's too)."""
		with self._mutex:
			self._levels_settings[settings.server] = settings

	def levels_settings(self, server: str) -> LevelsSettings:
		"""Stock and price sync off and ERPNext's default selling price list until set."""
		with self._mutex:
			found = self._levels_settings.get(server)
		return found or LevelsSettings(server=server, price_list=DEFAULT_PRICE_LIST)

	def link_item(
		self, server: str, item_code: str, product_id: int, variation_id: int = 0, *, enabled: bool = True
	) -> None:
		"""The Item's row for the shop set in Desk to this product (or variation), committed; a
		bare Item is made for a code the fake does not know. Saving an Item queues nothing."""
		row = ItemLink(server, product_id=int(product_id), variation_id=int(variation_id), enabled=enabled)
		with self._mutex:
			links = list(self._committed("item_link", item_code, None) or ())
			at = next((i for i, link in enumerate(links) if link.server == server), None)
			if at is None:
				links.append(row)
			else:
				links[at] = row
			self._sequence += 1
			if self._committed("item", item_code, None) is None:
				self._store("item", item_code, CatalogueItem(item_code, item_code, modified_utc=self.now()))
			self._store("item_link", item_code, tuple(links))
			self.writes += 1

	def set_item_price(self, price_list: str, item_code: str, rate: Decimal | str | None) -> None:
		"""An Item Price saved (None: deleted); its hook queues the price for the shops the Item
		is linked to that sync prices from this list, committed with this thread's transaction."""
		price = None if rate is None else FakePrice(Decimal(str(rate)), self.now())
		self._put("item_price", (price_list, item_code), price)
		for server in self._servers_syncing(item_code, "price", price_list):
			self.mark_pending(server, [item_code], stock=False, price=True)
		self.commit()

	def item_links(self, item_code: str) -> list[ItemLink]:
		"""The Item's rows as this thread sees them."""
		return copy.deepcopy(list(self._links_of(item_code)))

	# -- reading the store -------------------------------------------------------------------------

	def _links_of(self, item_code: str, *, snapshot: bool = False) -> tuple[ItemLink, ...]:
		"""Snapshot: as the pushes read (a consistent read); else this transaction's own writes
		and the latest committed rows, as the item sync reads (it relies on no snapshot)."""
		read = self._get if snapshot else self._get_latest
		return read("item_link", item_code) or ()

	def _latest_rows(self, table: str) -> dict[Any, Any]:
		with self._mutex:
			rows = {key: self._committed(table, key, None) for key in list(self._versions[table])}
		rows.update({key: value for (t, key), value in self._txn.staged.items() if t == table})
		return {key: row for key, row in rows.items() if row is not None}

	def _linked_code(
		self, server: str, product_id: int, variation_id: int, *, latest: bool = False
	) -> str | None:
		"""The Item whose row names the product (and variation): this transaction's own rows
		first, then by the index, in the snapshot (latest: the latest committed, a locking read)."""
		wanted = (server, int(product_id), int(variation_id))
		if not latest:
			self._snapshot()
		for (table, code), links in self._txn.staged.items():
			if table == "item_link" and wanted in product_keys(links):
				return code
		with self._mutex:
			code = self._indexes[("item_link", "product")].get(wanted)
		if code is not None and wanted in product_keys(self._links_of(code, snapshot=not latest)):
			return code
		return None

	def _servers_syncing(self, item_code: str, kind: str, price_list: str | None = None) -> list[str]:
		"""The servers the Item has an enabled row for that sync `kind` ("stock" or "price") (from
		this price list), as the adapter's levels_hooks.linked_servers."""
		servers = []
		for link in self._links_of(item_code, snapshot=True):
			settings = self.levels_settings(link.server)
			syncing = settings.stock_enabled if kind == "stock" else settings.price_enabled
			if link.enabled and syncing and price_list in (None, settings.price_list):
				servers.append(link.server)
		return sorted(set(servers))

	# -- writing, as the adapter's masters/item.py and erp/catalogue.py ------------------------------

	def _link_or_create_item(
		self, server: str, product_id: int, variation_id: int, item: CatalogueItem
	) -> str:
		"""An Item keyed in under the shop's SKU gets the row; else `item` is made with it (without
		SKU under WOO-<product>-<variation>, numbered when taken)."""
		row = ItemLink(server, product_id=product_id, variation_id=variation_id)
		existing = self._get("item", item.item_code) if item.item_code else None
		if existing is not None and existing.has_variants:
			raise ValueError(f"Item {item.item_code} exists already and is a template")
		if existing is not None:
			code = item.item_code
			self._put("item", code, replace(existing, modified_utc=self.now()))
		else:
			code = item.item_code or self._free_code(f"WOO-{product_id}-{variation_id}")
			made = replace(item, item_code=code, item_name=item.item_name or code, links=[])
			self._put("item", code, replace(made, modified_utc=self.now()))
		self._put("item_link", code, (*self._links_of(code), row))
		return code

	def _free_code(self, base: str) -> str:
		code, number = base, 0
		while self._get_latest("item", code) is not None:
			number += 1
			code = f"{base}-{number}"
		return code

	def save_item_link(self, item_code: str, link: ItemLink) -> None:
		"""The Item's first row for link.server takes the product and hash (its Enabled stays as the
		user set it), or a row is added; a row newly naming a product queues the Item's levels."""
		links = list(self._links_of(item_code))
		saved = replace(link, last_synced_on=self.now())
		at = next((i for i, row in enumerate(links) if row.server == link.server), None)
		if at is None:
			links.append(saved)
			linked = True
		else:
			before = links[at]
			links[at] = replace(saved, enabled=before.enabled)
			linked = (before.product_id, before.variation_id) != (link.product_id, link.variation_id)
		self._put("item_link", item_code, tuple(links))
		self.link_writes += 1
		if linked and link.product_id:
			self._item_linked(link.server, item_code)

	def _ensure_template(self, server: str, plan: ItemPlan) -> str:
		"""As the adapter's masters/item.py ensure_template: the template Item linked to the
		variation's parent product, made (under the product's lock) when there is none."""
		product = plan.template_product_id or plan.woocommerce_product_id
		key = (server, product, 0)
		code = self._linked_code(*key)
		if code is None:
			self._hold_named_lock(("item", key))
			code = self._linked_code(*key, latest=True)
		if code is None:
			template = CatalogueItem("", plan.template_name or plan.item_name, has_variants=True)
			return self._link_or_create_item(*key, replace(template, item_group=plan.item_group))
		if not self._get_latest("item", code).has_variants:
			raise ValueError(f"Item {code} is linked to product {product} but is not a template")
		return code

	def linked_to_template(self, server: str, product_id: int) -> bool:
		"""TemplatePort: the Item whose row names the product itself is a template."""
		code = self._linked_code(server, int(product_id), 0)
		item = self._get("item", code) if code is not None else None
		return bool(item is not None and item.has_variants)

	def _item_linked(self, server: str, item_code: str) -> None:
		"""levels_hooks.item_linked: the product has none of ERPNext's levels yet."""
		item = self._get_latest("item", item_code)
		if item is not None and item.has_variants:
			return
		stock = server in self._servers_syncing(item_code, "stock")
		price = server in self._servers_syncing(item_code, "price")
		if stock or price:
			self.mark_pending(server, [item_code], stock=stock, price=price)
