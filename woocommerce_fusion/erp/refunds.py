"""WooCommerce refunds in ERPNext: the order row's refunds table, Credit Notes made as ERPNext's
*Create > Return / Credit Note* makes them from the Sales Invoice (make_sales_return), and the
refund Payment Entry made as *Create > Payment* makes it from the Credit Note (get_payment_entry).

The Credit Note keeps of the mapped return only the rows the refund names, found by their
WooCommerce Line ID (set on the Sales Order's rows and mapped on to the invoice's), with the
refunded quantities at the refunded rates, and books the refunded tax as one "Actual" row per
rate. Refunded shipping and fees, and an amount the refund does not itemise
(a refund of an amount only), are rows without an item: shipping and fees in their accounts, as
on the Sales Order (a Credit Note needs at least one row, and a refund of the shipping alone has
no product line), the unitemised amount in the income account of the invoice's first row,
without tax (WooCommerce records none for it). The grand total is exactly minus the refund's
amount, or nothing is saved.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, get_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE
from woocommerce_fusion.engine.mapping.plans import ChargePlan
from woocommerce_fusion.engine.ports import ResolvedParties
from woocommerce_fusion.engine.refunds import CreditNotePlan, RefundEntry, RefundLine
from woocommerce_fusion.erp.invoicing import submit_payment_entry
from woocommerce_fusion.erp.masters.item import find_linked_item
from woocommerce_fusion.erp.sales_order import (
	CENT,
	TotalMismatchError,
	item_wise_tax_detail,
	mark_as_pipeline,
)
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system

ORDER_REFUND_DOCTYPE = "WooCommerce Order Refund"
REFUNDS_FIELD = "refunds"


class RefundsAdapter:
	"""engine/refund_port.py's RefundPort, mixed into FrappeErp."""

	def order_refunds(self, order_row: str) -> dict[int, RefundEntry]:
		return order_refunds(order_row)

	def save_refunds(self, order_row: str, entries: list[RefundEntry], status: str) -> None:
		save_refunds(order_row, entries, status)

	def make_credit_note(self, sales_invoice: str, plan: CreditNotePlan, settle_invoice: bool) -> str:
		return make_credit_note(sales_invoice, plan, settle_invoice)

	def make_refund_payment(
		self, credit_note: str, original_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		return make_refund_payment(credit_note, original_payment, reference_no, reference_date)


# -- the order row's refunds -------------------------------------------------------------------


def refund_row_name(order_row: str, refund_id: int) -> str:
	"""The refund's row is named for the order row and the refund id: the primary key keeps one
	refund from being recorded twice, whatever happens to the row lock."""
	return f"{order_row}-R{int(refund_id)}"


def order_refunds(order_row: str) -> dict[int, RefundEntry]:
	rows = frappe.db.sql(
		f"""select refund_id, amount, reason, state, credit_note, payment_entry, refunded_on, error
		from `tab{ORDER_REFUND_DOCTYPE}`
		where parent = %(parent)s and parenttype = %(parenttype)s and parentfield = %(field)s
		order by idx""",
		{"parent": order_row, "parenttype": ORDER_SYNC_DOCTYPE, "field": REFUNDS_FIELD},
		as_dict=True,
	)
	return {
		cint(row.refund_id): RefundEntry(
			refund_id=cint(row.refund_id),
			amount=Decimal(str(flt(row.amount, 2))).quantize(CENT),
			reason=row.reason or "",
			state=row.state or "",
			credit_note=row.credit_note or "",
			payment_entry=row.payment_entry or "",
			refunded_on=system_to_utc(row.refunded_on),
			error=row.error or "",
		)
		for row in rows
	}


def save_refunds(order_row: str, entries: list[RefundEntry], status: str) -> None:
	for entry in entries:
		values = {
			"amount": float(entry.amount),
			"reason": entry.reason,
			"state": entry.state,
			"credit_note": entry.credit_note or None,
			"payment_entry": entry.payment_entry or None,
			"refunded_on": utc_to_system(entry.refunded_on),
			"error": entry.error,
		}
		name = refund_row_name(order_row, entry.refund_id)
		if frappe.db.exists(ORDER_REFUND_DOCTYPE, name):
			frappe.db.set_value(ORDER_REFUND_DOCTYPE, name, values, update_modified=True)
			continue
		last = frappe.db.sql(
			f"select max(idx) from `tab{ORDER_REFUND_DOCTYPE}` where parent = %s and parenttype = %s",
			(order_row, ORDER_SYNC_DOCTYPE),
		)[0][0]
		row = frappe.get_doc(
			{
				"doctype": ORDER_REFUND_DOCTYPE,
				"name": name,
				"parent": order_row,
				"parenttype": ORDER_SYNC_DOCTYPE,
				"parentfield": REFUNDS_FIELD,
				"idx": cint(last) + 1,
				"refund_id": entry.refund_id,
				**values,
			}
		)
		row.db_insert()
	if frappe.db.get_value(ORDER_SYNC_DOCTYPE, order_row, "refund_status") != status:
		frappe.db.set_value(ORDER_SYNC_DOCTYPE, order_row, "refund_status", status, update_modified=True)


# -- the Credit Note ---------------------------------------------------------------------------


def make_credit_note(sales_invoice: str, plan: CreditNotePlan, settle_invoice: bool) -> str:
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	invoice = frappe.get_doc("Sales Invoice", sales_invoice)
	if invoice.docstatus != 1 or invoice.is_return:
		frappe.throw(
			_("A Credit Note is made against a submitted Sales Invoice only, not {0}.").format(sales_invoice)
		)
	note = make_sales_return(sales_invoice)
	# The mapped return's rows: the invoice's rows, each with what is left to return of it.
	mapped = list(note.items)
	rows = []
	for line in plan.lines:
		candidates = _rows_of_line(mapped, line, plan.server)
		if not candidates:
			frappe.throw(
				_(
					"Sales Invoice {0} has no row of WooCommerce line {1} ({2}) to credit refund {3} against; "
					"book the Credit Note by hand."
				).format(sales_invoice, line.woocommerce_line_id, line.description, plan.refund_id)
			)
		for units, rate in line.rows:
			rows += _return_rows(sales_invoice, candidates, units, rate)
	first = mapped[0]
	for charge in plan.charges:
		if charge.kind != "tax":
			rows.append(_row_without_item(first, charge.description, charge.tax_amount, charge.account_head))
	if plan.unitemised:
		label = _("WooCommerce refund {0}").format(plan.refund_id)
		rows.append(_row_without_item(first, plan.reason or label, plan.unitemised, first.income_account))
	note.set("items", rows)
	items = {
		line.woocommerce_line_id: _rows_of_line(mapped, line, plan.server)[0].item_code for line in plan.lines
	}
	conversion_rate = flt(note.conversion_rate) or 1.0
	taxes = [_tax_row(charge, items, conversion_rate) for charge in plan.charges if charge.kind == "tax"]
	note.set("taxes", taxes)
	note.update(
		{
			"taxes_and_charges": "",
			"disable_rounded_total": 1,
			"ignore_pricing_rule": 1,
			"update_outstanding_for_self": 0 if settle_invoice else 1,
			"remarks": _("WooCommerce refund {0} of order {1}: {2}").format(
				plan.refund_id, plan.woocommerce_id, plan.reason or _("no reason given")
			),
		}
	)
	mark_as_pipeline(note)
	note.insert(ignore_permissions=True)
	_check_total(note, plan)
	note.submit()
	_check_total(note, plan)
	return note.name


def _rows_of_line(mapped: list[Document], line: RefundLine, server: str) -> list[Document]:
	"""The invoice's rows of the order line: by WooCommerce Line ID; on an invoice whose rows have
	none (made before they did), the rows of the line's Item."""
	rows = [row for row in mapped if cint(row.get("woocommerce_line_id")) == line.woocommerce_line_id]
	if rows or not line.product_id:
		return rows
	item = find_linked_item(server, line.product_id, line.variation_id)
	return [
		row for row in mapped if item and row.item_code == item and not cint(row.get("woocommerce_line_id"))
	]


def _return_rows(sales_invoice: str, candidates: list[Document], units: int, rate: Decimal) -> list[dict]:
	"""`units` at `rate` on the line's rows, first rows first, each at most what is left of it;
	ERPNext refuses a returned rate above the row's own. Units 0: money back, no units."""
	rows = []
	left = units
	for candidate in candidates:
		room = -cint(candidate.qty)
		take = min(room, left)
		if (units and take <= 0) or flt(rate) > flt(candidate.rate):
			continue
		# The mapped row with its links (sales_invoice_item, so_detail) that ERPNext's checks key on.
		row = candidate.as_dict(no_default_fields=True)
		row.update(
			{
				"qty": -take,
				"rate": flt(rate),
				"price_list_rate": flt(rate),
				"discount_percentage": 0,
				"discount_amount": 0,
			}
		)
		rows.append(row)
		candidate.qty = flt(candidate.qty) + take
		left -= take
		if left == 0:
			return rows
	frappe.throw(
		_("Sales Invoice {0} has no row left to return {1} x {2} of item {3} against.").format(
			sales_invoice, units, rate, candidates[0].item_code
		)
	)
	return rows


def _row_without_item(template: Document, description: str, amount: Decimal, account: str) -> dict:
	"""Money back that is no item's: shipping, a fee, an amount refunded without lines. The row
	books it into its account (the shipping or fee account, as on the Sales Order, or the
	invoice's income account) without stock, and ERPNext's return checks, which key on items,
	leave it alone."""
	return {
		"item_name": description[:140],
		"description": description,
		"qty": -1,
		"rate": flt(amount),
		"uom": template.uom or template.stock_uom,
		"conversion_factor": 1,
		"income_account": account,
		"cost_center": template.cost_center,
	}


def _tax_row(charge: ChargePlan, items: dict[int, str], conversion_rate: float) -> dict:
	return {
		"charge_type": "Actual",
		"account_head": charge.account_head,
		"description": charge.description,
		"tax_amount": -float(charge.tax_amount),
		"included_in_print_rate": 0,
		"dont_recompute_tax": 1,
		"item_wise_tax_detail": item_wise_tax_detail(
			ChargePlan(
				kind=charge.kind,
				account_head=charge.account_head,
				description=charge.description,
				tax_amount=-charge.tax_amount,
				rate_id=charge.rate_id,
				rate_percent=charge.rate_percent,
				item_wise={line: -tax for line, tax in charge.item_wise.items()},
			),
			ResolvedParties(customer="", items=items),
			conversion_rate,
		),
	}


def _check_total(note: Document, plan: CreditNotePlan) -> None:
	booked = Decimal(str(flt(note.grand_total, 2))).quantize(CENT)
	if booked != -plan.amount:
		raise TotalMismatchError(
			_(
				"The Credit Note of WooCommerce refund {0} (order {1}) totals {2} but the refund is {3}; "
				"nothing was saved."
			).format(plan.refund_id, plan.woocommerce_id, booked, -plan.amount)
		)


# -- the refund payment ------------------------------------------------------------------------


def make_refund_payment(
	credit_note: str, original_payment: str, reference_no: str, reference_date: date | None
) -> str:
	note = frappe.get_doc("Sales Invoice", credit_note)
	if note.docstatus != 1 or not note.is_return:
		frappe.throw(_("A refund is paid against a submitted Credit Note only, not {0}.").format(credit_note))
	original = frappe.get_doc("Payment Entry", original_payment)
	if original.docstatus != 1:
		frappe.throw(_("Payment Entry {0} is not submitted.").format(original_payment))
	day = reference_date or get_datetime(note.posting_date).date()
	# Back out of the account the customer's money went into.
	return submit_payment_entry(credit_note, original.paid_to, original.mode_of_payment, reference_no, day)
