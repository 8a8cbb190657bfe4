"""The engine's CataloguePort on ERPNext: Items, their Item Prices in the server's price list,
their variant attributes and WooCommerce Item Server rows, read in a few queries per batch of
Items so that a run over ten thousand Items does not read them one by one.

Link rows are written straight to the child table: saving the Item would move its `modified`,
and the next run would take every Item it synced for changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

import frappe
from frappe.utils import cint, get_url, now_datetime
from frappe.utils.nestedset import get_descendants_of

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.catalogue.ports import (
	Backorders,
	CatalogueItem,
	CatalogueSettings,
	ItemLink,
)
from woocommerce_fusion.engine.mapping.plans import ItemPlan
from woocommerce_fusion.erp.levels_hooks import item_linked
from woocommerce_fusion.erp.mass_uoms import FrappeMassUoms
from woocommerce_fusion.erp.masters.item import ensure_item, find_linked_item
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system

ITEM_FIELDS = (
	"name",
	"item_name",
	"item_group",
	"description",
	"disabled",
	"is_sales_item",
	"has_variants",
	"variant_of",
	"weight_per_unit",
	"weight_uom",
	"image",
	"modified",
)
CHUNK = 1000


def _chunks(codes: list[str]) -> Iterator[list[str]]:
	for start in range(0, len(codes), CHUNK):
		yield codes[start : start + CHUNK]


class FrappeCatalogue(FrappeMassUoms):
	"""Works on the current site's connection; commits nothing (the runner does)."""

	def __init__(self) -> None:
		self._price_lists: dict[str, str] = {}

	def catalogue_settings(self, server: str) -> CatalogueSettings:
		doc = frappe.get_cached_doc(SERVER_DOCTYPE, server)
		groups = tuple(row.item_group for row in doc.get("item_sync_item_groups") or [] if row.item_group)
		members = set(groups)
		for group in groups:
			members.update(get_descendants_of("Item Group", group, ignore_permissions=True))
		self._price_lists[server] = doc.selling_price_list or ""
		return CatalogueSettings(
			server=server,
			enabled=bool(cint(doc.enabled) and cint(doc.get("enable_item_sync"))),
			item_groups=groups,
			group_members=frozenset(members),
			manage_stock=bool(cint(doc.get("item_manage_stock"))),
			backorders=(doc.get("item_backorders") or "No").lower()
			if (doc.get("item_backorders") or "No").lower() in Backorders.ALL
			else Backorders.NO,
			categories={
				row.item_group: cint(row.woocommerce_category_id)
				for row in doc.get("item_categories") or []
				if row.item_group and cint(row.woocommerce_category_id)
			},
			create_items_from_shop=bool(cint(doc.get("create_items_from_shop"))),
			site_url=get_url(),
			item_group_for_new_items=doc.item_group
			or frappe.db.get_single_value("Stock Settings", "item_group")
			or "Products",
			stock_uom=frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
		)

	def _price_list(self, server: str) -> str:
		if server not in self._price_lists:
			self._price_lists[server] = (
				frappe.db.get_value(SERVER_DOCTYPE, server, "selling_price_list") or ""
			)
		return self._price_lists[server]

	# -- reading Items --------------------------------------------------------------------------

	def catalogue_item(self, item_code: str, server: str) -> CatalogueItem | None:
		found = self._read(server, [item_code])
		return found[0] if found else None

	def catalogue_items(self, server: str, item_codes: list[str] | None = None) -> list[CatalogueItem]:
		codes = self._candidates(server, item_codes)
		return self._read(server, codes)

	def _candidates(
		self, server: str, item_codes: list[str] | None, since: datetime | None = None
	) -> list[str]:
		settings = self.catalogue_settings(server)
		values = {
			"server": server,
			"groups": tuple(settings.group_members) or ("",),
			"price_list": self._price_list(server),
			"since": utc_to_system(since) if since else None,
		}
		conditions = ""
		if item_codes is not None:
			if not item_codes:
				return []
			conditions += " and i.name in %(codes)s"
			values["codes"] = tuple(item_codes)
		if since is not None:
			conditions += """ and (i.modified > %(since)s
				or exists (select 1 from `tabItem Price` p where p.item_code = i.name
					and p.price_list = %(price_list)s and p.modified > %(since)s)
				or exists (select 1 from `tabItem` v where v.variant_of = i.name and (v.modified > %(since)s
					or exists (select 1 from `tabItem Price` vp where vp.item_code = v.name
						and vp.price_list = %(price_list)s and vp.modified > %(since)s))))"""
		return frappe.db.sql_list(
			f"""select i.name from `tabItem` i
			where ifnull(i.variant_of, '') = ''
				and (i.item_group in %(groups)s or exists (select 1 from `tab{ITEM_SERVER_DOCTYPE}` s
					where s.parent = i.name and s.parenttype = 'Item' and s.woocommerce_server = %(server)s))
				{conditions}
			order by i.name""",
			values,
		)

	def item_codes_changed_since(self, server: str, since: datetime) -> list[str]:
		return self._candidates(server, None, since)

	def variants_of(self, template: str, server: str) -> list[CatalogueItem]:
		codes = frappe.get_all(
			"Item", filters={"variant_of": template}, pluck="name", order_by="creation asc, name asc"
		)
		return self._read(server, codes)

	def _read(self, server: str, codes: list[str]) -> list[CatalogueItem]:
		items: list[CatalogueItem] = []
		for chunk in _chunks(list(codes)):
			items.extend(self._read_chunk(server, chunk))
		return items

	def _read_chunk(self, server: str, codes: list[str]) -> list[CatalogueItem]:
		if not codes:
			return []
		rows = {
			row.name: row
			for row in frappe.get_all("Item", filters={"name": ("in", codes)}, fields=list(ITEM_FIELDS))
		}
		templates = [code for code in codes if code in rows and cint(rows[code].has_variants)]
		variant_rows = (
			frappe.get_all(
				"Item", filters={"variant_of": ("in", templates)}, fields=["name", "variant_of", "modified"]
			)
			if templates
			else []
		)
		prices = self._prices(server, [*codes, *(row.name for row in variant_rows)])
		latest: dict[str, list[datetime]] = defaultdict(list)
		for row in variant_rows:
			latest[row.variant_of].append(row.modified)
			if row.name in prices:
				latest[row.variant_of].append(prices[row.name][1])
		attributes = self._attributes(codes)
		links = self._links(codes)
		items = []
		for code in codes:
			row = rows.get(code)
			if row is None:
				continue
			price = prices.get(code)
			moments = [row.modified, *([price[1]] if price else []), *latest.get(code, [])]
			items.append(
				CatalogueItem(
					item_code=row.name,
					item_name=row.item_name or row.name,
					item_group=row.item_group or "",
					description=row.description or "",
					disabled=bool(cint(row.disabled)),
					is_sales_item=bool(cint(row.is_sales_item)),
					has_variants=bool(cint(row.has_variants)),
					variant_of=row.variant_of or "",
					weight=Decimal(str(row.weight_per_unit)) if row.weight_per_unit else None,
					weight_uom=row.weight_uom or "",
					image=row.image or "",
					price=price[0] if price else None,
					attributes=attributes.get(code, []),
					modified_utc=system_to_utc(max(moments)),
					links=links.get(code, []),
				)
			)
		return items

	def _prices(self, server: str, codes: Iterable[str]) -> dict[str, tuple[Decimal, datetime]]:
		"""The Item Price of each Item in the server's price list that applies to everyone (no
		customer, batch or validity window), as ERPNext's own price lookup prefers it."""
		codes = list(codes)
		price_list = self._price_list(server)
		if not codes or not price_list:
			return {}
		rows = frappe.db.sql(
			"""select item_code, price_list_rate, modified from `tabItem Price`
			where price_list = %(price_list)s and item_code in %(codes)s
				and ifnull(customer, '') = '' and ifnull(batch_no, '') = ''
				and (valid_from is null or valid_from <= curdate())
				and (valid_upto is null or valid_upto >= curdate())
			order by valid_from desc, modified desc""",
			{"price_list": price_list, "codes": tuple(codes)},
			as_dict=True,
		)
		prices: dict[str, tuple[Decimal, datetime]] = {}
		for row in rows:
			prices.setdefault(row.item_code, (Decimal(str(row.price_list_rate)), row.modified))
		return prices

	def _attributes(self, codes: list[str]) -> dict[str, list[tuple[str, str]]]:
		found: dict[str, list[tuple[str, str]]] = defaultdict(list)
		for row in frappe.get_all(
			"Item Variant Attribute",
			filters={"parent": ("in", codes), "parenttype": "Item"},
			fields=["parent", "attribute", "attribute_value"],
			order_by="idx asc",
		):
			found[row.parent].append((row.attribute, row.attribute_value or ""))
		return found

	def _links(self, codes: list[str]) -> dict[str, list[ItemLink]]:
		found: dict[str, list[ItemLink]] = defaultdict(list)
		for row in frappe.get_all(
			ITEM_SERVER_DOCTYPE,
			filters={"parent": ("in", codes), "parenttype": "Item", "parentfield": "woocommerce_servers"},
			fields=[
				"parent",
				"woocommerce_server",
				"woocommerce_id",
				"woocommerce_variation_id",
				"enabled",
				"last_synced_on",
				"synced_hash",
			],
			order_by="idx asc",
		):
			found[row.parent].append(
				ItemLink(
					server=row.woocommerce_server,
					product_id=cint(row.woocommerce_id),
					variation_id=cint(row.woocommerce_variation_id),
					enabled=bool(cint(row.enabled)),
					last_synced_on=system_to_utc(row.last_synced_on),
					synced_hash=row.synced_hash or "",
				)
			)
		return found

	# -- products and links -----------------------------------------------------------------------

	def item_code_for_product(self, server: str, product_id: int, sku: str) -> str | None:
		linked = find_linked_item(server, product_id, 0)
		if linked:
			return linked
		if sku and frappe.db.exists("Item", {"name": sku, "has_variants": 0}):
			return sku
		return None

	def save_item_link(self, item_code: str, link: ItemLink) -> None:
		values = {
			"woocommerce_id": str(link.product_id) if link.product_id else "",
			"woocommerce_variation_id": str(link.variation_id) if link.variation_id else "",
			"last_synced_on": now_datetime(),
			"synced_hash": link.synced_hash,
		}
		row = frappe.db.get_value(
			ITEM_SERVER_DOCTYPE,
			{
				"parent": item_code,
				"parenttype": "Item",
				"parentfield": "woocommerce_servers",
				"woocommerce_server": link.server,
			},
			["name", "woocommerce_id", "woocommerce_variation_id"],
			order_by="idx asc",
			as_dict=True,
		)
		if row:
			frappe.db.set_value(ITEM_SERVER_DOCTYPE, row.name, values, update_modified=False)
			moved = (row.woocommerce_id or "", row.woocommerce_variation_id or "") != (
				values["woocommerce_id"],
				values["woocommerce_variation_id"],
			)
			if moved and link.product_id:
				item_linked(link.server, item_code)
			return
		idx = frappe.db.count(ITEM_SERVER_DOCTYPE, {"parent": item_code, "parenttype": "Item"})
		frappe.get_doc(
			{
				"doctype": ITEM_SERVER_DOCTYPE,
				"parent": item_code,
				"parenttype": "Item",
				"parentfield": "woocommerce_servers",
				"idx": idx + 1,
				"woocommerce_server": link.server,
				"enabled": 1 if link.enabled else 0,
				**values,
			}
		).db_insert()
		if link.product_id:
			item_linked(link.server, item_code)

	def create_item_from_product(
		self, server: str, product_id: int, sku: str, item_name: str, description: str
	) -> str:
		settings = self.catalogue_settings(server)
		code = ensure_item(
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
			frappe.db.set_value("Item", code, "description", description, update_modified=False)
		return code
