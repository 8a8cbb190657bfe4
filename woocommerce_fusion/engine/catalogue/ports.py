"""The catalogue's own port: what the item sync reads from ERPNext and writes back to it.

Implemented by the Frappe adapter (woocommerce_fusion/erp/catalogue.py) and by the ERP fake
(woocommerce_fusion/testing/erp_fake_catalogue.py); testing/erp_contract_catalogue.py holds both
to the same behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from woocommerce_fusion.engine.catalogue.uom_port import MassUomPort


class Backorders:
	"""WooCommerce's backorders setting of a product."""

	NO = "no"
	NOTIFY = "notify"
	YES = "yes"

	ALL = (NO, NOTIFY, YES)


@dataclass
class ItemLink:
	"""A WooCommerce Item Server row: the Item's product (and variation) in one shop."""

	server: str
	product_id: int = 0
	variation_id: int = 0
	enabled: bool = True
	last_synced_on: datetime | None = None
	# Digest of the product payload last written to the shop: an Item changed in ERPNext whose
	# payload is the same (a field the shop does not show) costs no call.
	synced_hash: str = ""


@dataclass
class CatalogueItem:
	"""An Item as the sync sees it, read with its price in the server's price list."""

	item_code: str
	item_name: str
	item_group: str = ""
	description: str = ""
	disabled: bool = False
	is_sales_item: bool = True
	has_variants: bool = False
	variant_of: str = ""
	weight: Decimal | None = None
	# The Item's Weight UOM (an ERPNext UOM name: "Kg", "Gram", "Pound", "Ounce"...).
	weight_uom: str = ""
	# The Item's image as stored: a URL, /files/... (public) or /private/files/... (private).
	image: str = ""
	# None: no Item Price in the server's price list.
	price: Decimal | None = None
	# A variant's attribute values in the template's order; a template's attribute names.
	attributes: list[tuple[str, str]] = field(default_factory=list)
	# The latest of the Item's, its price's and (for a template) its variants' `modified`, in UTC.
	modified_utc: datetime | None = None
	links: list[ItemLink] = field(default_factory=list)

	def link(self, server: str) -> ItemLink | None:
		for link in self.links:
			if link.server == server:
				return link
		return None


@dataclass
class CatalogueSettings:
	"""A WooCommerce Server's item sync settings."""

	server: str
	enabled: bool = False
	# Items of these groups (and their sub-groups) belong to the shop; empty: none by group.
	item_groups: tuple[str, ...] = ()
	# Those groups and all their sub-groups, as the port resolved them.
	group_members: frozenset[str] = frozenset()
	manage_stock: bool = False
	backorders: str = Backorders.NO
	# Item Group -> WooCommerce category id.
	categories: dict[str, int] = field(default_factory=dict)
	create_items_from_shop: bool = False
	# The site's address, for a public /files/ image the shop downloads.
	site_url: str = ""
	item_group_for_new_items: str = "Products"
	stock_uom: str = "Nos"


class CataloguePort(MassUomPort, Protocol):
	def catalogue_settings(self, server: str) -> CatalogueSettings: ...

	def catalogue_item(self, item_code: str, server: str) -> CatalogueItem | None:
		"""The Item, None when there is none; a variant is read like any Item."""
		...

	def catalogue_items(self, server: str, item_codes: list[str] | None = None) -> list[CatalogueItem]:
		"""Items that are no variants and may belong to the shop: in one of its item groups (or a
		sub-group) or linked to it. None: all of them; else those of the codes."""
		...

	def item_codes_changed_since(self, server: str, since: datetime) -> list[str]:
		"""Codes of the catalogue_items() whose Item, Item Price (the server's price list) or a
		variant changed after `since` (UTC)."""
		...

	def variants_of(self, template: str, server: str) -> list[CatalogueItem]:
		"""The template's variants, oldest first."""
		...

	def item_code_for_product(self, server: str, product_id: int, sku: str) -> str | None:
		"""The Item linked to the shop's product, else the Item whose code is its SKU."""
		...

	def save_item_link(self, item_code: str, link: ItemLink) -> None:
		"""Add or update the Item's row of link.server; never touches the Item's `modified`."""
		...

	def create_item_from_product(
		self, server: str, product_id: int, sku: str, item_name: str, description: str
	) -> str:
		"""A stock Item for a shop-only simple product, linked to it; returns its code."""
		...
