# Copyright (c) 2026, woocommerce_fusion developers
# For license information, please see license.txt

"""Per WooCommerce Server: its sync lag or its API error rate (erp/dashboard.py), one bar each."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime
from frappe.utils.dashboard import cache_source

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, REQUEST_LOG_DOCTYPE
from woocommerce_fusion.erp.dashboard import ERROR_RATE, LAG, server_health


@frappe.whitelist()
@cache_source
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	if filters is None:
		# Desk sends the chart's filters; cache_source, refreshing by itself, only its name.
		source = frappe.get_doc("Dashboard Chart", chart_name) if chart_name else frappe.parse_json(chart)
		filters = source.get("filters_json") if source else None
	measure = (frappe.parse_json(filters) or {}).get("measure") or LAG
	frappe.has_permission(
		REQUEST_LOG_DOCTYPE if measure == ERROR_RATE else ORDER_SYNC_DOCTYPE, "read", throw=True
	)
	return server_health(measure, now_datetime())
