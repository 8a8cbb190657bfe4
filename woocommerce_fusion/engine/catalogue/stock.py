"""An Item's stock as the shop gets it: a whole, never negative quantity."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal


def shop_quantity(quantity: Decimal) -> int:
	"""WooCommerce counts whole units: a fraction left on hand cannot be sold (rounded down),
	and a shortfall (more reserved than on hand) shows as 0, not as a negative stock."""
	return max(0, int(quantity.to_integral_value(rounding=ROUND_FLOOR)))


def stock_fields(quantity: int) -> dict[str, object]:
	"""The fields of a product or variation update that set its stock.

	manage_stock goes with the quantity, because WooCommerce ignores stock_quantity on a product
	that does not manage stock. stock_status is left to WooCommerce: with manage_stock on it
	follows the quantity by the product's own backorders setting (outofstock at 0, or
	onbackorder where backorders are allowed), which a pushed status would contradict.
	"""
	return {"manage_stock": True, "stock_quantity": quantity}
