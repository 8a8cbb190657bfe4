"""The Order Sync rows a daily report reads, as the engine's ReportOrder (engine/report.py
decides which of them it lists)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import frappe
from frappe.utils import cint, cstr, get_datetime, getdate

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.report import (
	ALL_ORDERS,
	DEFAULT_PENDING_AFTER,
	PERIOD,
	ReportOrder,
	customer_from_payload,
	select_orders,
)


def report_orders(server: str | None, scope: str, now: datetime) -> list[ReportOrder]:
	"""The report's orders of one server (or all, when `server` is empty) as of `now`."""
	return select_orders(candidate_orders(server, scope, now), scope, now, pending_after(server))


def candidate_orders(server: str | None, scope: str, now: datetime) -> list[ReportOrder]:
	"""Rows that may be on the report: every unfinished or flagged one and, for all orders, the
	rows of the period. The customer and delivery date come from the Sales Order; an order
	without one is named by its billing details."""
	conditions = ["os.status in %(unfinished)s", "os.stuck = 1"]
	if scope == ALL_ORDERS:
		conditions += ["os.woocommerce_created > %(since)s", "os.creation > %(since)s"]
	where = "(" + " or ".join(conditions) + ")"
	if server:
		where += " and os.woocommerce_server = %(server)s"
	rows = frappe.db.sql(
		f"""
		select os.woocommerce_id, os.woocommerce_server, os.status, os.stuck, os.modified,
			os.creation, os.woocommerce_created, os.error_kind, os.error,
			so.customer_name, so.delivery_date,
			case when so.name is null then os.payload end as payload
		from `tab{ORDER_SYNC_DOCTYPE}` os
		left join `tabSales Order` so on so.name = os.sales_order
		where {where}
		""",
		{
			"unfinished": (*Status.FAILED_STATES, Status.NOT_PROCESSED),
			"since": now - PERIOD,
			"server": server,
		},
		as_dict=True,
	)
	return [to_report_order(row) for row in rows]


def to_report_order(row: dict) -> ReportOrder:
	customer = cstr(row.customer_name)
	if not customer and row.payload:
		customer = customer_from_payload(json.loads(row.payload))
	return ReportOrder(
		woocommerce_id=cint(row.woocommerce_id),
		server=row.woocommerce_server,
		status=row.status,
		stuck=bool(cint(row.stuck)),
		changed_at=get_datetime(row.modified),
		created_at=get_datetime(row.creation),
		placed_at=get_datetime(row.woocommerce_created) if row.woocommerce_created else None,
		customer=customer,
		delivery_date=getdate(row.delivery_date) if row.delivery_date else None,
		error_kind=cstr(row.error_kind),
		error=cstr(row.error),
	)


def pending_after(server: str | None) -> dict[str, timedelta]:
	"""Each shop's Stuck After: how long its orders may stay Not processed."""
	filters = {"name": server} if server else {}
	return {
		row.name: timedelta(minutes=cint(row.stuck_after_minutes))
		if row.stuck_after_minutes
		else DEFAULT_PENDING_AFTER
		for row in frappe.get_all(SERVER_DOCTYPE, filters=filters, fields=["name", "stuck_after_minutes"])
	}
