"""The WooCommerce workspace's number cards and charts that are not plain counts: the methods
behind the "Custom" number cards and the "WooCommerce Server Health" chart source (figures and
their meaning: engine/dashboard.py).

Each asks for the right to read what it sums up, as the Document Type cards do: the sync lag
needs the Order Sync rows, the error rate the Request Log.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, REQUEST_LOG_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.dashboard import (
	ERROR_RATE_PERIOD,
	RequestCounts,
	error_rate,
	lag_minutes,
	worst_lag,
)

LAG = "Sync lag (minutes)"
ERROR_RATE = "API error rate (%)"
MEASURES = (LAG, ERROR_RATE)


@frappe.whitelist()
def sync_lag(filters: str | dict | None = None) -> dict | str:
	"""Number card: the largest lag of the servers with order sync on (or of the filter's server)."""
	frappe.has_permission(ORDER_SYNC_DOCTYPE, "read", throw=True)
	now = now_datetime()
	lag = worst_lag(lag_minutes(when, now) for when in last_synchronised(server_filter(filters)).values())
	return no_figure() if lag is None else {"value": lag, "fieldtype": "Int"}


@frappe.whitelist()
def api_error_rate(filters: str | dict | None = None) -> dict | str:
	"""Number card: failed calls per 100 over the last 24 hours, of the servers that log every call."""
	frappe.has_permission(REQUEST_LOG_DOCTYPE, "read", throw=True)
	rate = error_rate(request_counts(server_filter(filters), now_datetime()))
	return no_figure() if rate is None else {"value": rate, "fieldtype": "Percent"}


def no_figure() -> str:
	"""What a card shows without a figure: Desk shows a card method's text as it is, but a value
	of None it tries to format, fails, and leaves the card at "Loading..." for good."""
	return _("No Data")


def server_filter(filters: str | dict | None) -> str | None:
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	if isinstance(filters, dict):
		return filters.get("woocommerce_server") or filters.get("server") or None
	return None


def last_synchronised(server: str | None = None) -> dict[str, datetime | None]:
	"""Each server with order sync on, and its Last Synchronised On."""
	filters = {"enabled": 1, "enable_order_sync": 1}
	if server:
		filters["name"] = server
	return {
		row.name: get_datetime(row.last_synchronised_on) if row.last_synchronised_on else None
		for row in frappe.get_all(
			SERVER_DOCTYPE, filters=filters, fields=["name", "last_synchronised_on"], order_by="name"
		)
	}


def request_counts(server: str | None, now: datetime) -> list[RequestCounts]:
	"""Calls and failed calls per enabled server over the period, with its Request Log Level."""
	filters = {"enabled": 1}
	if server:
		filters["name"] = server
	levels = {
		row.name: row.request_log_level or ""
		for row in frappe.get_all(SERVER_DOCTYPE, filters=filters, fields=["name", "request_log_level"])
	}
	if not levels:
		return []
	rows = frappe.db.sql(
		f"""select server, count(*) as requests, sum(succeeded = 0) as errors
		from `tab{REQUEST_LOG_DOCTYPE}`
		where creation > %(since)s and server in %(servers)s
		group by server""",
		{"since": now - ERROR_RATE_PERIOD, "servers": tuple(levels)},
		as_dict=True,
	)
	found = {row.server: row for row in rows}
	return [
		RequestCounts(
			server=name,
			log_level=level,
			requests=cint(found[name].requests) if name in found else 0,
			errors=cint(found[name].errors) if name in found else 0,
		)
		for name, level in sorted(levels.items())
	]


def server_health(measure: str, now: datetime) -> dict:
	"""Chart data: one bar per server whose figure is known (a server never synchronised has no
	lag, one that logs only errors no rate)."""
	if measure == ERROR_RATE:
		figures = {c.server: error_rate([c]) for c in request_counts(None, now)}
	elif measure == LAG:
		figures = {name: lag_minutes(when, now) for name, when in last_synchronised().items()}
	else:
		frappe.throw(_("Unknown measure {0}; choose one of {1}.").format(measure, ", ".join(MEASURES)))
	known = {name: value for name, value in figures.items() if value is not None}
	return {"labels": list(known), "datasets": [{"name": _(measure), "values": list(known.values())}]}
