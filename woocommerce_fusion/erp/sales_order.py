"""Sales Orders from plans, exact to the cent, and what the sync needs to know about them.

Everything a plan carries is booked as it is: line rates and amounts, one "Actual" charge row per
tax rate, shipping line and fee, no tax template, no pricing rule, no rounding. ERPNext then adds
nothing of its own, so the grand total is the shop's total; insert_sales_order checks that and
refuses to go on otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, escape_html, flt, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name_sql
from woocommerce_fusion.engine.errors import ErrorKind, FusionError
from woocommerce_fusion.engine.mapping.plans import ChargePlan, SalesOrderPlan
from woocommerce_fusion.engine.ports import ResolvedParties, SalesOrderRef
from woocommerce_fusion.erp.sales_order_status import STATUS_CHANGED_ON
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system

ExchangeRate = Callable[[str, str, date], Decimal | None]

CENT = Decimal("0.01")


class TotalMismatchError(FusionError):
	"""ERPNext computed another grand total than the plan's: a bug in the mapping or the adapter."""

	kind = ErrorKind.UNEXPECTED


# -- reading ---------------------------------------------------------------------------------

REF_QUERY = """
	select so.name, so.woocommerce_id, so.docstatus, so.status, so.woocommerce_status, so.modified,
		so.grand_total, so.customer, so.woocommerce_status_changed_on
	from `tabSales Order` so
	where so.woocommerce_server = %(server)s and so.docstatus != 2 and {condition}
	order by so.docstatus desc, so.creation asc
"""


def _to_ref(row: dict) -> SalesOrderRef:
	return SalesOrderRef(
		name=row.name,
		woocommerce_id=cint(row.woocommerce_id),
		docstatus=cint(row.docstatus),
		status=row.status or "",
		woocommerce_status=row.woocommerce_status or "",
		modified_utc=system_to_utc(row.modified),
		grand_total=Decimal(str(flt(row.grand_total))).quantize(CENT),
		customer=row.customer or "",
		woocommerce_status_changed_on=system_to_utc(row.woocommerce_status_changed_on),
	)


def find_sales_orders(server: str, woocommerce_ids: list[int]) -> dict[int, SalesOrderRef]:
	"""The live Sales Order of each order id, in one query; a submitted one wins over a draft."""
	ids = sorted({str(int(i)) for i in woocommerce_ids})
	if not ids:
		return {}
	rows = frappe.db.sql(
		REF_QUERY.format(condition="so.woocommerce_id in %(ids)s"),
		{"server": server, "ids": ids},
		as_dict=True,
	)
	refs: dict[int, SalesOrderRef] = {}
	for row in rows:
		refs.setdefault(cint(row.woocommerce_id), _to_ref(row))
	return refs


def sales_orders_modified_since(server: str, since_utc: datetime) -> list[SalesOrderRef]:
	"""Left out: those whose order row links them and has seen that very `modified` (the sync
	wrote or compared them last); the row's name is the server and the order id, a key lookup."""
	rows = frappe.db.sql(
		REF_QUERY.format(
			condition=f"""so.modified >= %(since)s and ifnull(so.woocommerce_id, '') != ''
			and not exists (
				select 1 from `tab{ORDER_SYNC_DOCTYPE}` os
				where os.name = {order_sync_name_sql("so.woocommerce_server", "so.woocommerce_id")}
					and os.sales_order = so.name and os.sales_order_modified = so.modified
			)"""
		),
		{"server": server, "since": utc_to_system(since_utc)},
		as_dict=True,
	)
	seen: set[int] = set()
	refs = []
	for row in rows:
		ref = _to_ref(row)
		if ref.woocommerce_id and ref.woocommerce_id not in seen:
			seen.add(ref.woocommerce_id)
			refs.append(ref)
	return refs


def sales_order_modified(name: str) -> datetime:
	return system_to_utc(frappe.db.get_value("Sales Order", name, "modified"))


def exchange_rate(from_currency: str, to_currency: str, on: date) -> Decimal | None:
	"""The latest selling rate in Currency Exchange on or before `on`; never an outside service."""
	if from_currency == to_currency:
		return Decimal(1)
	rate = frappe.db.get_value(
		"Currency Exchange",
		{
			"from_currency": from_currency,
			"to_currency": to_currency,
			"date": ("<=", on),
			"for_selling": 1,
		},
		"exchange_rate",
		order_by="date desc, creation desc",
	)
	return Decimal(str(rate)) if flt(rate) > 0 else None


# -- writing ---------------------------------------------------------------------------------


def insert_sales_order(
	plan: SalesOrderPlan, resolved: ResolvedParties, submit: bool, rate_lookup: ExchangeRate
) -> str:
	doc = frappe.new_doc("Sales Order")
	if plan.naming_series:
		doc.naming_series = plan.naming_series
	set_content(doc, plan, resolved, rate_lookup)
	mark_as_pipeline(doc)
	doc.insert(ignore_permissions=True)
	check_total(doc, plan)
	if submit:
		doc.submit()
		check_total(doc, plan)
	add_customer_note(doc, plan.customer_note)
	return doc.name


def replace_sales_order_content(
	name: str, plan: SalesOrderPlan, resolved: ResolvedParties, rate_lookup: ExchangeRate
) -> None:
	doc = frappe.get_doc("Sales Order", name, for_update=True)
	if doc.docstatus != 0:
		frappe.throw(
			_("Sales Order {0} is submitted or cancelled; its lines and totals cannot change.").format(name)
		)
	set_content(doc, plan, resolved, rate_lookup)
	mark_as_pipeline(doc)
	doc.save(ignore_permissions=True)
	check_total(doc, plan)
	add_customer_note(doc, plan.customer_note)


def update_sales_order(name: str, changes: dict[str, Any]) -> None:
	doc = frappe.get_doc("Sales Order", name, for_update=True)
	mark_as_pipeline(doc)
	if doc.docstatus == 0:
		doc.update(changes)
		doc.save(ignore_permissions=True)
		return
	if doc.docstatus == 2:
		frappe.throw(_("Sales Order {0} is cancelled and cannot change.").format(name))
	locked = [field for field in changes if not (doc.meta.get_field(field) or {}).get("allow_on_submit")]
	if locked:
		frappe.throw(
			_("Sales Order {0} is submitted; these fields cannot change on it: {1}").format(
				name, ", ".join(locked)
			)
		)
	changed = {field: value for field, value in changes.items() if doc.get(field) != value}
	if "woocommerce_status" in changed:
		# db_set runs no hooks: keep the status clock as a Desk save would (sales_order_status.py).
		changed[STATUS_CHANGED_ON] = now_datetime()
	if changed:
		doc.db_set(changed, update_modified=True)


def mark_as_pipeline(doc: Document) -> None:
	"""Runs in a background job, and tells the app's Sales Order hooks not to echo it to the shop."""
	doc.flags.ignore_permissions = True
	doc.flags.woocommerce_pipeline = True


def set_content(
	doc: Document, plan: SalesOrderPlan, resolved: ResolvedParties, rate_lookup: ExchangeRate
) -> None:
	conversion_rate = flt(plan.conversion_rate) if plan.conversion_rate is not None else 1.0
	price_list = plan.price_list or frappe.db.get_single_value("Selling Settings", "selling_price_list")
	if not price_list:
		frappe.throw(
			_("Set a Selling Price List on the WooCommerce Server or a default one in Selling Settings.")
		)
	company_currency = frappe.get_cached_value("Company", plan.company, "default_currency")
	doc.update(
		{
			"company": plan.company,
			"customer": resolved.customer,
			"order_type": "Sales",
			"transaction_date": plan.transaction_date,
			"delivery_date": plan.delivery_date,
			"po_no": plan.po_no,
			"currency": plan.currency,
			"conversion_rate": conversion_rate,
			"selling_price_list": price_list,
			"plc_conversion_rate": price_list_rate(
				price_list,
				plan.currency,
				company_currency,
				conversion_rate,
				plan.transaction_date,
				rate_lookup,
			),
			"ignore_pricing_rule": 1,
			# The shop's total is what the customer owes: no rounding adjustment on top.
			"disable_rounded_total": 1,
			# "" rather than None: ERPNext fills only missing (None) values from the customer's
			# defaults, and a web order has exactly the addresses and contact it came with.
			"customer_address": resolved.billing_address or "",
			"shipping_address_name": resolved.shipping_address or "",
			"contact_person": resolved.contact or "",
			# No template: the rows below are the taxes, and a template's rows would be added
			# (set_missing_values) or recomputed on top of them.
			"taxes_and_charges": "",
			"set_warehouse": plan.warehouse or None,
			"woocommerce_server": plan.server,
			"woocommerce_id": str(plan.woocommerce_id),
			"woocommerce_status": plan.woocommerce_status,
			"woocommerce_payment_method": plan.payment_method,
			"woocommerce_payment_method_title": plan.payment_method_title,
			"woocommerce_transaction_id": plan.transaction_id,
		}
	)
	doc.set("items", [])
	for line in plan.lines:
		rate = float(line.rate)
		doc.append(
			"items",
			{
				"item_code": resolved.items[line.woocommerce_line_id],
				# Mapped on to the invoice and its Credit Notes: a refund names the line it refunds.
				"woocommerce_line_id": line.woocommerce_line_id,
				"qty": line.qty,
				"rate": rate,
				# Equal to the rate, so ERPNext neither replaces a zero rate (a free line) with the
				# price list's price nor books a discount against it.
				"price_list_rate": rate,
				"warehouse": plan.warehouse or None,
				"delivery_date": plan.delivery_date,
				"description": line.description or None,
				# None lets ERPNext take the Item's name; a placeholder line keeps the shop's.
				"item_name": line.item_name or None,
				# "" keeps ERPNext from filling in the item's tax template: taxes are the rows below.
				"item_tax_template": "",
			},
		)
	doc.set("taxes", [])
	for charge in plan.charges:
		doc.append(
			"taxes",
			{
				"charge_type": "Actual",
				"account_head": charge.account_head,
				"description": charge.description,
				"tax_amount": float(charge.tax_amount),
				"included_in_print_rate": 0,
				# Keep the shop's per-line taxes instead of ERPNext's pro-rata split.
				"dont_recompute_tax": 1,
				"item_wise_tax_detail": item_wise_tax_detail(charge, resolved, conversion_rate),
			},
		)


def price_list_rate(
	price_list: str,
	currency: str,
	company_currency: str,
	conversion_rate: float,
	on: date,
	rate_lookup: ExchangeRate,
) -> float:
	"""The price list's rate to the company currency, never left to ERPNext to fetch online."""
	list_currency = frappe.get_cached_value("Price List", price_list, "currency")
	if list_currency == company_currency:
		return 1.0
	if list_currency == currency:
		return conversion_rate
	rate = rate_lookup(list_currency, company_currency, on)
	if rate is None:
		frappe.throw(
			_(
				"Selling Price List {0} is in {1}. Use a price list in {2} or {3}, or add a Currency "
				"Exchange from {1} to {3}."
			).format(frappe.bold(price_list), list_currency, currency, company_currency)
		)
	return float(rate)


def item_wise_tax_detail(charge: ChargePlan, resolved: ResolvedParties, conversion_rate: float) -> str:
	"""{item_code: [rate %, tax]} as ERPNext keeps it: summed per item, in company currency."""
	detail: dict[str, list[float]] = {}
	percent = flt(charge.rate_percent) if charge.rate_percent is not None else 0.0
	for line_id, amount in charge.item_wise.items():
		item_code = resolved.items[line_id]
		entry = detail.setdefault(item_code, [percent, 0.0])
		entry[1] = flt(entry[1] + float(amount) * conversion_rate, 2)
	return json.dumps(detail, separators=(",", ":"))


def check_total(doc: Document, plan: SalesOrderPlan) -> None:
	booked = Decimal(str(flt(doc.grand_total, 2))).quantize(CENT)
	if booked != plan.grand_total:
		raise TotalMismatchError(
			_(
				"Sales Order {0} for WooCommerce order {1} totals {2} {3} but the shop's order totals {4} "
				"{3} (difference {5}); nothing was saved."
			).format(
				doc.name,
				plan.woocommerce_id,
				booked,
				plan.currency,
				plan.grand_total,
				booked - plan.grand_total,
			)
		)


def add_customer_note(doc: Document, note: str) -> None:
	"""The buyer's note goes to the timeline, once, where the people who pack the order read it."""
	if not note.strip():
		return
	text = _("Customer note in WooCommerce: {0}").format(escape_html(note.strip()))
	exists = frappe.db.exists(
		"Comment",
		{
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"comment_type": "Comment",
			"content": text,
		},
	)
	if not exists:
		doc.add_comment("Comment", text)
