"""Small helpers shared by the test shop modules: money, dates, PHP-style JSON, REST errors."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

UTC = timezone.utc
CENT = Decimal("0.01")
TAX_PRECISION = Decimal("0.000001")
WP_DATE = "%Y-%m-%dT%H:%M:%S"
# Stands for the shop's URL inside stored JSON; replaced when rendering, so the port can be
# chosen after seeding.
SHOP_URL = "@@SHOP_URL@@"
API = f"{SHOP_URL}/wp-json/wc/v3"

# rest_parse_date(): WordPress accepts exactly this shape for date-time parameters.
_REST_DATE = re.compile(
	r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$"
)


class RestError(Exception):
	"""A WP_Error on its way to the client: {"code", "message", "data": {"status", ...}}."""

	def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
		super().__init__(message)
		self.status = status
		self.code = code
		self.message = message
		self.data = data

	def body(self) -> dict[str, Any]:
		return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}

	def inline(self) -> dict[str, Any]:
		"""A batch item's error: the single call's WP_Error as it is (an update of a missing id
		says 400, a delete 404, as the single PUT and DELETE do)."""
		return self.body()


class BareRestError(RestError):
	"""A WP_Error whose data is a bare number instead of {"status": ...}, as WooCommerce's refund
	controller builds them: WordPress then answers 500 and passes the number on as `data`."""

	def __init__(self, code: str, message: str, data: Any) -> None:
		super().__init__(500, code, message)
		self.bare = data

	def body(self) -> dict[str, Any]:
		return {"code": self.code, "message": self.message, "data": self.bare}


def invalid_params(problems: dict[str, tuple[str, str]]) -> RestError:
	"""WP_REST_Request::has_valid_params() shape: one message for all bad parameters."""
	return RestError(
		400,
		"rest_invalid_param",
		"Invalid parameter(s): " + ", ".join(problems),
		params={name: message for name, (_code, message) in problems.items()},
		details={
			name: {"code": code, "message": message, "data": None}
			for name, (code, message) in problems.items()
		},
	)


def php_json(value: Any) -> str:
	"""json_encode() with WordPress defaults: compact, \\uXXXX escapes and escaped slashes.

	A slash only ever appears inside JSON strings, so escaping it textually is safe.
	"""
	return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def money(value: Decimal) -> str:
	"""wc_format_decimal(value, dp): always two decimals ("74.00")."""
	return str(value.quantize(CENT, ROUND_HALF_UP))


def round_cents(value: Decimal) -> Decimal:
	return value.quantize(CENT, ROUND_HALF_UP)


def tax_string(value: Decimal) -> str:
	"""Unrounded tax as WooCommerce prints it in taxes[]: up to 6 decimals, no trailing zeros."""
	text = format(value.quantize(TAX_PRECISION, ROUND_HALF_UP), "f")
	if "." in text:
		text = text.rstrip("0").rstrip(".")
	return "0" if text in ("-0", "") else text


def php_float_text(value: Decimal) -> str:
	"""PHP's (string) of a float: "7.8", "38.4", "5.99", "0"."""
	text = format(value, "f")
	if "." in text:
		text = text.rstrip("0").rstrip(".")
	return "0" if text in ("-0", "") else text


def php_number(value: Decimal) -> int | float:
	"""A line item's price: PHP divides a numeric string, giving an int when it comes out whole."""
	if value == value.to_integral_value():
		return int(value)
	return float(value)


def to_decimal(value: Any, default: Decimal = Decimal(0)) -> Decimal:
	if value is None or value == "":
		return default
	try:
		return Decimal(str(value))
	except ArithmeticError:
		return default


class StoreClock:
	"""Turns the shop's UTC clock into WordPress' pair of local and GMT strings."""

	def __init__(self, timezone_name: str) -> None:
		self.zone = ZoneInfo(timezone_name)
		self.name = timezone_name

	def local(self, moment: datetime) -> str:
		return moment.astimezone(self.zone).strftime(WP_DATE)

	@staticmethod
	def gmt(moment: datetime) -> str:
		return moment.astimezone(UTC).strftime(WP_DATE)

	def gmt_offset_hours(self, moment: datetime) -> float:
		offset = moment.astimezone(self.zone).utcoffset() or timedelta(0)
		hours = offset.total_seconds() / 3600
		return int(hours) if hours == int(hours) else hours

	def parse_rest_date(self, text: str, dates_are_gmt: bool) -> datetime | None:
		"""A date-time query parameter as WooCommerce reads it, or None when not ISO 8601.

		Without an offset the value is store-local time unless dates_are_gmt is set.
		"""
		match = _REST_DATE.match(text.strip())
		if not match:
			return None
		year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
		try:
			naive = datetime(year, month, day, hour, minute, second)
		except ValueError:
			return None
		offset = match.group(8)
		if offset:
			if offset == "Z":
				return naive.replace(tzinfo=UTC)
			sign = -1 if offset[0] == "-" else 1
			digits = offset[1:].replace(":", "")
			delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
			return naive.replace(tzinfo=timezone(sign * delta)).astimezone(UTC)
		if dates_are_gmt:
			return naive.replace(tzinfo=UTC)
		return naive.replace(tzinfo=self.zone).astimezone(UTC)


def parse_wp_date(text: str | None, zone: ZoneInfo | None = None) -> datetime | None:
	"""Read a date_* (store-local, needs zone) or *_gmt (UTC) string from an order payload."""
	if not text:
		return None
	naive = datetime.fromisoformat(text[:19])
	return naive.replace(tzinfo=zone or UTC).astimezone(UTC)


def truncate_seconds(moment: datetime) -> datetime:
	"""WordPress stores whole seconds."""
	return moment.astimezone(UTC).replace(microsecond=0)


class IdSequence:
	"""One of WordPress' auto-increment ids (posts, order items, meta rows, comments)."""

	def __init__(self, first: int) -> None:
		self._next = first
		self._lock = threading.Lock()

	def take(self) -> int:
		with self._lock:
			value = self._next
			self._next += 1
			return value

	def skip_past(self, used: int) -> None:
		"""Later ids come after `used`, an id that was stored from elsewhere."""
		with self._lock:
			self._next = max(self._next, used + 1)
