"""Reading WooCommerce's JSON fields: numbers as exact Decimal, ids and quantities as int, text,
records and sections.

Every reader names the field it reads in its MappingError, so a garbage order fails with a
message the shop owner can act on instead of a bare ValueError or KeyError.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from woocommerce_fusion.engine.errors import MappingError


def parse_decimal(value: Any, what: str) -> Decimal:
	"""An exact Decimal from WooCommerce's amount strings ("74.00"), ints or floats."""
	# bool is an int subclass: True would silently become 1.
	if isinstance(value, bool) or value is None:
		raise MappingError(f"{what} is not a number: {value!r}")
	if isinstance(value, Decimal):
		number = value
	elif isinstance(value, int):
		number = Decimal(value)
	elif isinstance(value, float):
		# repr gives the shortest text that round-trips, e.g. 10.5042015, not its binary expansion.
		number = Decimal(repr(value))
	elif isinstance(value, str):
		try:
			number = Decimal(value.strip())
		except InvalidOperation:
			raise MappingError(f"{what} is not a number: {value!r}") from None
	else:
		raise MappingError(f"{what} is not a number: {value!r}")
	if not number.is_finite():
		raise MappingError(f"{what} is not a number: {value!r}")
	return number


def parse_int(value: Any, what: str) -> int:
	"""An integer id or quantity; "3" and 3.0 are accepted, 2.5 and garbage are not."""
	if isinstance(value, bool) or value is None:
		raise MappingError(f"{what} is not a whole number: {value!r}")
	if isinstance(value, int):
		return value
	try:
		number = parse_decimal(value, what)
	except MappingError:
		number = None
	if number is None or number != number.to_integral_value():
		raise MappingError(f"{what} is not a whole number: {value!r}") from None
	return int(number)


def records(value: Any, what: str) -> list[dict]:
	"""A JSON list of objects such as line_items; null counts as empty."""
	if value is None:
		return []
	if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
		raise MappingError(f"{what} is not a list of records: {value!r}"[:300])
	return value


def section(value: Any, what: str) -> dict:
	"""A JSON object such as billing; null counts as empty."""
	if value is None:
		return {}
	if not isinstance(value, dict):
		raise MappingError(f"{what} is not a record: {value!r}"[:300])
	return value


def text(value: Any, what: str) -> str:
	"""A stripped string; numbers (a phone sent as a number) are accepted, structures are not."""
	if value is None:
		return ""
	if isinstance(value, str):
		return value.strip()
	if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
		return str(value)
	raise MappingError(f"{what} is not text: {value!r}"[:300])
