"""An Item's selling rate as the shop's regular_price."""

from __future__ import annotations

from decimal import Decimal

CENTS = Decimal("0.01")


def shop_price(rate: Decimal) -> Decimal:
	"""The rate as it is compared and sent: at least to the cent, more only when the Item Price
	has more (a currency with three decimals)."""
	rate = Decimal(rate)
	return rate.quantize(CENTS) if rate == rate.quantize(CENTS) else rate.normalize()


def price_text(price: Decimal) -> str:
	"""WooCommerce keeps prices as strings ("25.90")."""
	return format(price, "f")


def price_fields(price: Decimal) -> dict[str, object]:
	return {"regular_price": price_text(price)}
