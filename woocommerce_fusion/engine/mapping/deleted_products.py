"""Lines whose product no longer exists in the shop, booked on the server's placeholder Item.

WooCommerce keeps a deleted product's order lines with their name, quantity, amounts, taxes and
meta, but answers product_id 0, variation_id 0 and sku null for them (observed on WooCommerce
8.4): nothing links such a line to an Item of its own any more. It is booked on the Item chosen
on the server ("Deleted Product Item") under its own name, its amounts untouched, so the Sales
Order still adds up to the shop's total; the order's row lists the lines booked that way.

A deleted variation's lines keep the parent product (variable), with variation_id 0 and the
parent's SKU. The parent's Item is a template, which a Sales Order row cannot take, and a new
Item made for the parent would not be what was sold: such a line is booked on the placeholder
Item too, under the variation's name and attributes the line still has.
"""

from __future__ import annotations

from typing import Any

from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.mapping.plans import ItemPlan, SalesOrderPlan
from woocommerce_fusion.engine.mapping.readers import text
from woocommerce_fusion.engine.settings import ServerSettings

# A Sales Order Item's item_name is a Data field of 140 characters.
ITEM_NAME_LENGTH = 140

# Why a line is on the placeholder Item, as its description and the order's row say it.
PRODUCT_DELETED = "product deleted"
VARIATION_DELETED = "variation deleted"


def placeholder_item_plan(
	line: dict, settings: ServerSettings, what: str, reason: str = PRODUCT_DELETED
) -> ItemPlan:
	"""The plan of a line without a product (or variation) of its own: the server's placeholder
	Item, or a configuration error when the server has none."""
	if not settings.deleted_product_item:
		if reason == VARIATION_DELETED:
			lost = (
				f"{what} has no variation in the shop (variation_id 0 of the variable product "
				f"{line.get('product_id')!r}): the variation was deleted in WooCommerce."
			)
		else:
			lost = (
				f"{what} has no product in the shop (product_id {line.get('product_id')!r}): the "
				"product was deleted in WooCommerce."
			)
		raise ConfigurationError(
			f"{lost} Choose a Deleted Product Item on WooCommerce Server {settings.name} (Orders tab) "
			"to book such lines on, then retry."
		)
	return ItemPlan(
		woocommerce_product_id=0,
		woocommerce_variation_id=0,
		sku=text(line.get("sku"), f"{what} sku"),
		item_name=text(line.get("name"), f"{what} name")[:ITEM_NAME_LENGTH],
		item_group=settings.item_group,
		stock_uom=settings.stock_uom,
		placeholder_item=settings.deleted_product_item,
		placeholder_reason=reason,
	)


def placeholder_description(name: str, item: ItemPlan, meta: tuple[tuple[str, str], ...]) -> str:
	"""The row's description: what the customer bought, as far as the shop still knows it."""
	sku = f"SKU: {item.sku}" if item.sku else "SKU: unknown"
	reason = item.placeholder_reason or PRODUCT_DELETED
	return "\n".join(
		[name, f"{sku} ({reason} in WooCommerce)", *(f"{label}: {value}" for label, value in meta)]
	)


def placeholder_note(plan: SalesOrderPlan) -> str:
	"""The lines booked on the placeholder Item, one per line: id, name and SKU, and the reason
	when only the line's variation was deleted."""
	noted: dict[int, str] = {}
	for line in plan.lines:
		item = line.item
		if item.placeholder_item and line.woocommerce_line_id not in noted:
			reason = f" ({VARIATION_DELETED})" if item.placeholder_reason == VARIATION_DELETED else ""
			noted[line.woocommerce_line_id] = (
				f"Line {line.woocommerce_line_id}: {item.item_name} "
				f"(SKU {item.sku or 'unknown'}) on {item.placeholder_item}{reason}"
			)
	return "\n".join(noted.values())


def restore_deleted_products(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
	"""`after` with each line whose product the shop has deleted since `before` given back the
	product, variation and SKU it had then: what the order was for the Sales Order made from
	`before`. Deleting a product changes no date and nothing else of the order."""
	known = {line.get("id"): line for line in _lines(before)}
	lines = []
	for line in _lines(after):
		prior = known.get(line.get("id"))
		if prior is not None and _lost_its_product(prior, line):
			line = {**line, **{key: prior.get(key) for key in ("product_id", "variation_id", "sku")}}
		lines.append(line)
	return {**after, "line_items": lines}


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
	entries = order.get("line_items") if isinstance(order, dict) else None
	return [line for line in entries if isinstance(line, dict)] if isinstance(entries, list) else []


def _lost_its_product(prior: dict[str, Any], line: dict[str, Any]) -> bool:
	"""The product was deleted (product 0), or only its variation (the parent stays, variation 0)."""
	if prior.get("product_id") and not line.get("product_id"):
		return not line.get("variation_id")
	return bool(
		prior.get("variation_id")
		and not line.get("variation_id")
		and line.get("product_id") == prior.get("product_id")
	)
