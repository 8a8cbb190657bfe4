"""The Item of an order line: linked to its product (and variation) by WooCommerce Item Server rows;
a variation becomes a variant of a template Item, with its Item Attributes and values."""

from __future__ import annotations

import re

import frappe
from erpnext.controllers.item_variant import create_variant, get_variant
from frappe import _
from frappe.model.naming import append_number_if_name_exists
from frappe.utils import cstr

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE
from woocommerce_fusion.engine.mapping.plans import ItemPlan
from woocommerce_fusion.erp.masters.locks import find_or_create, hold_lock


def _variation_key(variation_id: int) -> str:
	"""How the WooCommerce Item Server row stores the variation: empty for a product itself."""
	return str(variation_id) if variation_id else ""


def find_linked_item(server: str, product_id: int, variation_id: int) -> str | None:
	"""The Item whose WooCommerce Item Server row names this product (and variation)."""
	# Rows written by hand or by other tools may hold "0" for "no variation".
	variations = (_variation_key(variation_id),) if variation_id else ("", "0")
	rows = frappe.db.sql(
		f"""select parent from `tab{ITEM_SERVER_DOCTYPE}`
		where parenttype = 'Item' and parentfield = 'woocommerce_servers'
			and woocommerce_server = %s and woocommerce_id = %s
			and ifnull(woocommerce_variation_id, '') in %s
		order by creation asc limit 1""",
		(server, str(product_id), variations),
	)
	return rows[0][0] if rows else None


def linked_to_template(server: str, product_id: int) -> bool:
	"""Whether the Item linked to the product itself (no variation) is a template (Has Variants)."""
	name = find_linked_item(server, product_id, 0)
	return bool(name and frappe.db.get_value("Item", name, "has_variants"))


def _find_by_sku(sku: str) -> str | None:
	if not sku:
		return None
	rows = frappe.db.sql(
		"select name from `tabItem` where item_code = %s and has_variants = 0 limit 1",
		(sku,),
	)
	return rows[0][0] if rows else None


def _server_row(server: str, product_id: int, variation_id: int) -> dict:
	return {
		"woocommerce_server": server,
		"woocommerce_id": str(product_id),
		"woocommerce_variation_id": _variation_key(variation_id),
		"enabled": 1,
	}


def generated_item_code(*ids: int) -> str:
	"""An item code for a product without SKU; another shop's product of the same id gets "-1"."""
	return append_number_if_name_exists("Item", "-".join(["WOO", *map(str, ids)]))


def ensure_item(server: str, plan: ItemPlan) -> str:
	product, variation = plan.woocommerce_product_id, plan.woocommerce_variation_id

	def find() -> str | None:
		return find_linked_item(server, product, variation)

	def create() -> str:
		by_sku = _find_by_sku(plan.sku)
		if by_sku:
			# An Item keyed in by hand under the shop's SKU: link it so the next order finds it directly.
			item = frappe.get_doc("Item", by_sku)
			item.append("woocommerce_servers", _server_row(server, product, variation))
			item.save(ignore_permissions=True)
			return item.name
		if plan.is_variant:
			return _create_variant(server, plan)
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": plan.sku or generated_item_code(product, variation),
				"item_name": plan.item_name,
				"item_group": plan.item_group,
				"stock_uom": plan.stock_uom,
				"is_stock_item": 1,
				"woocommerce_servers": [_server_row(server, product, variation)],
			}
		)
		item.insert(ignore_permissions=True)
		return item.name

	return find_or_create("Item", f"item:{server}:{product}:{variation}", find, create)


def _create_variant(server: str, plan: ItemPlan) -> str:
	if not plan.attributes:
		frappe.throw(
			_(
				"Variation {0} of product {1} has no attributes in the order; it cannot become a variant."
			).format(plan.woocommerce_variation_id, plan.template_product_id)
		)
	values = dict(ensure_attribute_value(attribute, value) for attribute, value in plan.attributes)
	template = ensure_template(server, plan, list(values))
	existing = get_variant(template, values)
	if existing:
		item = frappe.get_doc("Item", existing)
		item.append(
			"woocommerce_servers",
			_server_row(server, plan.woocommerce_product_id, plan.woocommerce_variation_id),
		)
		item.save(ignore_permissions=True)
		return item.name
	variant = create_variant(template, values)
	variant.item_code = plan.sku or generated_item_code(
		plan.woocommerce_product_id, plan.woocommerce_variation_id
	)
	variant.item_name = plan.item_name
	variant.set("woocommerce_servers", [])
	variant.append(
		"woocommerce_servers", _server_row(server, plan.woocommerce_product_id, plan.woocommerce_variation_id)
	)
	variant.insert(ignore_permissions=True)
	return variant.name


def ensure_template(server: str, plan: ItemPlan, attributes: list[str]) -> str:
	"""The template Item of a variable product, holding at least `attributes`."""
	product = plan.template_product_id or plan.woocommerce_product_id

	def find() -> str | None:
		return find_linked_item(server, product, 0)

	def create() -> str:
		template = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": generated_item_code(product),
				"item_name": plan.template_name or plan.item_name,
				"item_group": plan.item_group,
				"stock_uom": plan.stock_uom,
				"is_stock_item": 1,
				"has_variants": 1,
				"variant_based_on": "Item Attribute",
				"attributes": [{"attribute": attribute} for attribute in attributes],
				"woocommerce_servers": [_server_row(server, product, 0)],
			}
		)
		template.insert(ignore_permissions=True)
		return template.name

	name = find_or_create("Item", f"item:{server}:{product}:0", find, create)
	template = frappe.get_doc("Item", name)
	if not template.has_variants:
		frappe.throw(
			_(
				"Item {0} is linked to WooCommerce product {1}, which now has variations, but it is not a "
				"template (Has Variants). Make it one or link the product to a template Item."
			).format(frappe.bold(name), product)
		)
	known = {row.attribute for row in template.attributes}
	missing = [attribute for attribute in attributes if attribute not in known]
	if missing:
		hold_lock(f"item:{server}:{product}:0")
		for attribute in missing:
			template.append("attributes", {"attribute": attribute})
		template.save(ignore_permissions=True)
	return name


def ensure_attribute_value(attribute: str, value: str) -> tuple[str, str]:
	"""The Item Attribute's spelling of (attribute, value); a new value is added to the attribute.

	Existing values are never changed, so the variants that use them keep them.
	"""
	attribute, value = cstr(attribute).strip(), cstr(value).strip()
	key = f"item-attribute:{attribute.lower()}"

	def create() -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Item Attribute",
				"attribute_name": attribute,
				"item_attribute_values": [{"attribute_value": value, "abbr": abbreviation(value, set())}],
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name

	name = find_or_create(
		"Item Attribute", key, lambda: frappe.db.get_value("Item Attribute", attribute, "name"), create
	)
	found = _known_value(name, value)
	if found:
		return found
	# A parallel job adding a value at the same time makes this save fail on the document's
	# timestamp (TimestampMismatchError); the order is then retried and finds the value.
	hold_lock(key)
	doc = frappe.get_doc("Item Attribute", name)
	taken = {cstr(row.abbr).lower() for row in doc.item_attribute_values}
	doc.append("item_attribute_values", {"attribute_value": value, "abbr": abbreviation(value, taken)})
	doc.save(ignore_permissions=True)
	return name, value


def _known_value(attribute: str, value: str) -> tuple[str, str] | None:
	"""(attribute, value) as the Item Attribute spells them, if it already allows the value."""
	if frappe.db.get_value("Item Attribute", attribute, "numeric_values"):
		# A numeric attribute takes any value in its range; ERPNext validates it on the variant.
		return attribute, value
	spelled = frappe.db.get_value(
		"Item Attribute Value",
		{"parent": attribute, "parenttype": "Item Attribute", "attribute_value": value},
		"attribute_value",
	)
	return (attribute, spelled) if spelled else None


def abbreviation(value: str, taken: set[str]) -> str:
	"""A short code for a variant's item code, unique within its attribute."""
	base = re.sub(r"[^A-Za-z0-9]", "", value).upper()[:8] or "V"
	candidate, number = base, 1
	while candidate.lower() in taken:
		number += 1
		candidate = f"{base}{number}"
	return candidate
