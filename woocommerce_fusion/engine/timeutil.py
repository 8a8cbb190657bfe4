"""WooCommerce dates as aware UTC datetimes.

WooCommerce sends `date_*` in the store's timezone and `*_gmt` in UTC, neither with an offset
("2026-11-25T16:30:35"); an unset date is null. The engine reads the `*_gmt` fields only, so the
store's timezone never matters.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def parse_gmt(value: Any) -> datetime | None:
	"""A `*_gmt` value as an aware UTC datetime; None when the date is unset.

	A value that does carry an offset or Z is converted, not relabelled, so it is never misread.
	Raises ValueError for anything that is not an ISO 8601 date-time.
	"""
	if value is None or value == "":
		return None
	if not isinstance(value, str):
		raise ValueError(f"not a date-time: {value!r}")
	stripped = value.strip()
	# Python 3.10's fromisoformat does not know the Z suffix.
	if stripped[-1:] in ("Z", "z"):
		stripped = stripped[:-1] + "+00:00"
	try:
		parsed = datetime.fromisoformat(stripped)
	except ValueError:
		raise ValueError(f"not an ISO date-time: {value!r}") from None
	if parsed.tzinfo is None:
		return parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)
