"""Money: amounts in exact cents, rounded as WooCommerce rounds, and a line split into whole-cent rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from woocommerce_fusion.engine.errors import MappingError
from woocommerce_fusion.engine.mapping.readers import parse_decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_cents(amount: Decimal, what: str = "amount") -> Decimal:
	"""Round to cents half away from zero, like PHP's round() that WooCommerce uses (2.375 -> 2.38)."""
	try:
		return amount.quantize(CENT, rounding=ROUND_HALF_UP)
	except InvalidOperation:
		raise MappingError(f"{what} is out of range: {amount}") from None


def parse_money(value: Any, what: str) -> Decimal:
	return round_cents(parse_decimal(value, what), what)


def split_amount(total: Decimal, qty: int) -> list[tuple[int, Decimal]]:
	"""Split a line of `qty` units costing `total` into rows whose rates are whole cents.

	WooCommerce stores only the line total (e.g. 3 units for 10.00); ERPNext keeps rate and
	amount at 2 decimals, so a rate of 3.3333 cannot be booked exactly. Some units carry one
	cent more: [(1, 3.34), (2, 3.33)], whose amounts add up to the total exactly. The row with
	the higher rate comes first; a whole-cent rate gives a single row.
	"""
	cents = int(round_cents(total).scaleb(2))
	# divmod floors, so the remainder is in [0, qty) for negative totals too.
	base, extra = divmod(cents, qty)
	rows = []
	if extra:
		rows.append((extra, Decimal(base + 1).scaleb(-2)))
	if qty - extra:
		rows.append((qty - extra, Decimal(base).scaleb(-2)))
	return rows
