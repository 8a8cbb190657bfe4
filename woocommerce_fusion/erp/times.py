"""Moments between the engine (aware UTC) and ERPNext (naive, in the site's system time zone).

Frappe stores every Datetime in system time and converts it for each user's time zone on
display, so the app's own Datetime fields follow the same rule; only the engine works in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from frappe.utils import get_datetime, get_system_timezone


def system_zone() -> ZoneInfo:
	return ZoneInfo(get_system_timezone())


def system_to_utc(value: Any) -> datetime | None:
	"""A naive timestamp in the site's time zone (like `modified`) as an aware UTC datetime."""
	if not value:
		return None
	return get_datetime(value).replace(tzinfo=system_zone()).astimezone(timezone.utc)


def utc_to_system(moment: datetime | None) -> datetime | None:
	"""An aware moment as the naive system-time value ERPNext stores and compares."""
	if moment is None:
		return None
	if moment.tzinfo is None:
		raise ValueError(f"A naive datetime is ambiguous here, pass it with its zone: {moment!r}")
	return moment.astimezone(system_zone()).replace(tzinfo=None)
