"""Stock reservation for a submitted Sales Order, through ERPNext's Stock Reservation Entries.

ERPNext reserves what it can and reports the rest in messages (msgprint), never by raising: so
what is still unreserved is read back from the entries afterwards, and the engine decides.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import cint, flt

from woocommerce_fusion.erp.sales_order import mark_as_pipeline


def stock_reservation_enabled() -> bool:
	return bool(cint(frappe.db.get_single_value("Stock Settings", "enable_stock_reservation")))


def reserve_stock(sales_order: str) -> Decimal:
	from erpnext.selling.doctype.sales_order.sales_order import get_unreserved_qty
	from erpnext.stock.doctype.stock_reservation_entry.stock_reservation_entry import (
		get_sre_reserved_qty_details_for_voucher,
	)

	doc = frappe.get_doc("Sales Order", sales_order, for_update=True)
	if doc.docstatus != 1:
		frappe.throw(
			_("Stock can be reserved for a submitted Sales Order only, not {0}.").format(sales_order)
		)
	mark_as_pipeline(doc)
	for item in doc.items:
		# A Sales Order saved while reservation was off had the flag cleared on its stock rows
		# (validate_reserved_stock); it may change after submit (allow_on_submit).
		if not item.reserve_stock and cint(frappe.get_cached_value("Item", item.item_code, "is_stock_item")):
			item.db_set("reserve_stock", 1, update_modified=False)
	doc.create_stock_reservation_entries(notify=False)
	reserved = get_sre_reserved_qty_details_for_voucher("Sales Order", doc.name)
	unreserved = sum(
		max(0.0, flt(get_unreserved_qty(item, reserved))) for item in doc.items if item.reserve_stock
	)
	return Decimal(str(flt(unreserved, 6))).normalize()
