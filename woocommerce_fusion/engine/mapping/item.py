"""The Item an order line refers to: a simple product or a variation of a template."""

from __future__ import annotations

from collections.abc import Callable

from woocommerce_fusion.engine.mapping.deleted_products import VARIATION_DELETED, placeholder_item_plan
from woocommerce_fusion.engine.mapping.plans import ItemPlan
from woocommerce_fusion.engine.mapping.readers import parse_int, records, text
from woocommerce_fusion.engine.settings import ServerSettings

# WooCommerce names a variation "<parent name> - <attribute values>".
VARIATION_NAME_SEPARATOR = " - "
# The meta key prefix of a global product attribute (a taxonomy): WooCommerce writes such keys on
# a line only for the attributes of the variation that was sold.
GLOBAL_ATTRIBUTE_PREFIX = "pa_"

# (server, product id) -> whether the product's Item is a template: TemplatePort.linked_to_template.
TemplateLookup = Callable[[str, int], bool]


def visible_meta(line: dict, what: str) -> tuple[tuple[str, str], ...]:
	"""The line's meta the customer chose (attributes, add-on texts) as (label, value) pairs.

	Keys starting with "_" are WooCommerce's bookkeeping (_reduced_stock, _refunded_item_id) and
	structured values belong to plugins; neither describes the product.
	"""
	pairs = []
	for entry in records(line.get("meta_data"), f"{what} meta_data"):
		key = entry.get("key")
		value = entry.get("display_value", entry.get("value"))
		if not isinstance(key, str) or key.startswith("_") or isinstance(value, (dict, list)):
			continue
		label = text(entry.get("display_key"), f"{what} meta_data {key}") or key.removeprefix("pa_")
		pairs.append((label, text(value, f"{what} meta_data {key}")))
	return tuple(pairs)


def variation_deleted(
	line: dict,
	product_id: int,
	settings: ServerSettings,
	what: str,
	linked_to_template: TemplateLookup | None,
) -> bool:
	"""Whether a line without variation_id was sold as a variation of `product_id`, since deleted.

	The line does not tell its product's type. A global attribute in its meta gives a variation
	away without asking; otherwise the product's Item does: a variable product is linked to a
	template. A product with no Item yet and only custom attributes cannot be told apart from a
	simple product with a plugin's meta, and goes as a simple product.
	"""
	if any(
		str(entry.get("key") or "").startswith(GLOBAL_ATTRIBUTE_PREFIX)
		for entry in records(line.get("meta_data"), f"{what} meta_data")
	):
		return True
	return bool(linked_to_template and linked_to_template(settings.name, product_id))


def item_plan(
	line: dict, settings: ServerSettings, what: str, linked_to_template: TemplateLookup | None = None
) -> ItemPlan:
	"""linked_to_template: see variation_deleted; None (the preview, without ERPNext) reads the
	line alone."""
	product_id = line.get("product_id")
	product_id = parse_int(product_id, f"{what} product_id") if product_id else 0
	if product_id <= 0:
		return placeholder_item_plan(line, settings, what)
	variation_id = line.get("variation_id")
	variation_id = parse_int(variation_id, f"{what} variation_id") if variation_id else 0
	if not variation_id and variation_deleted(line, product_id, settings, what, linked_to_template):
		return placeholder_item_plan(line, settings, what, VARIATION_DELETED)
	name = text(line.get("name"), f"{what} name")
	if not variation_id:
		return ItemPlan(
			woocommerce_product_id=product_id,
			woocommerce_variation_id=0,
			sku=text(line.get("sku"), f"{what} sku"),
			item_name=name,
			item_group=settings.item_group,
			stock_uom=settings.stock_uom,
		)
	template_name = text(line.get("parent_name"), f"{what} parent_name")
	if not template_name:
		template_name = name.rpartition(VARIATION_NAME_SEPARATOR)[0] or name
	return ItemPlan(
		woocommerce_product_id=product_id,
		woocommerce_variation_id=variation_id,
		sku=text(line.get("sku"), f"{what} sku"),
		item_name=name,
		item_group=settings.item_group,
		stock_uom=settings.stock_uom,
		template_product_id=product_id,
		template_name=template_name,
		attributes=visible_meta(line, what),
	)
