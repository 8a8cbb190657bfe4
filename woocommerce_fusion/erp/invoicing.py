"""Sales Invoices made from Sales Orders and Payment Entries made from those invoices, the way
ERPNext makes them from the buttons on the documents (make_sales_invoice, get_payment_entry).

The invoice keeps the Sales Order's rows as they are: the same lines, the same "Actual" tax rows,
no template and no rounding, so it totals exactly the Sales Order's grand total, which is the
shop's total; make_sales_invoice checks that and refuses to go on otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, getdate

from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.ports import InvoiceRef
from woocommerce_fusion.erp.sales_order import CENT, TotalMismatchError, mark_as_pipeline


def find_sales_invoice(sales_order: str) -> InvoiceRef | None:
	# A Credit Note keeps the Sales Order on its rows too; it is not the order's invoice.
	rows = frappe.db.sql(
		"""
		select si.name, si.docstatus, si.grand_total, si.posting_date
		from `tabSales Invoice` si
		where si.docstatus != 2 and si.is_return = 0 and exists (
			select 1 from `tabSales Invoice Item` sii
			where sii.parent = si.name and sii.parenttype = 'Sales Invoice' and sii.sales_order = %(so)s
		)
		order by si.docstatus desc, si.creation asc
		limit 1
		""",
		{"so": sales_order},
		as_dict=True,
	)
	if not rows:
		return None
	row = rows[0]
	return InvoiceRef(
		name=row.name,
		docstatus=cint(row.docstatus),
		grand_total=_amount(row.grand_total),
		posting_date=getdate(row.posting_date),
	)


def make_sales_invoice(sales_order: str) -> str:
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_invoice

	so = frappe.get_doc("Sales Order", sales_order)
	if so.docstatus != 1:
		frappe.throw(
			_("A Sales Invoice is made from a submitted Sales Order only, not {0}.").format(sales_order)
		)
	invoice = map_invoice(sales_order, ignore_permissions=True)
	# As on the Sales Order (sales_order.set_content): no template to add rows, no rounding.
	invoice.taxes_and_charges = ""
	invoice.disable_rounded_total = 1
	invoice.ignore_pricing_rule = 1
	mark_as_pipeline(invoice)
	invoice.insert(ignore_permissions=True)
	check_invoice_total(invoice, so)
	return invoice.name


def submit_sales_invoice(name: str) -> None:
	invoice = frappe.get_doc("Sales Invoice", name, for_update=True)
	if invoice.docstatus == 2:
		frappe.throw(_("Sales Invoice {0} is cancelled.").format(name))
	if invoice.docstatus == 1:
		return
	mark_as_pipeline(invoice)
	invoice.submit()
	sales_orders = {item.sales_order for item in invoice.items if item.sales_order}
	for sales_order in sales_orders:
		check_invoice_total(invoice, frappe.get_doc("Sales Order", sales_order))


def check_invoice_total(invoice: Document, so: Document) -> None:
	"""Like sales_order.check_total: the invoice books what the Sales Order (the shop) says."""
	booked, expected = _amount(invoice.grand_total), _amount(so.grand_total)
	if booked != expected or len(invoice.taxes) != len(so.taxes):
		raise TotalMismatchError(
			_(
				"Sales Invoice {0} made from Sales Order {1} totals {2} {3} in {4} tax rows, but the Sales "
				"Order totals {5} {3} in {6} tax rows; nothing was saved."
			).format(invoice.name, so.name, booked, so.currency, len(invoice.taxes), expected, len(so.taxes))
		)


def find_payment_entry(sales_invoice: str) -> str | None:
	rows = frappe.db.sql(
		"""
		select pe.name from `tabPayment Entry` pe
		where pe.docstatus = 1 and exists (
			select 1 from `tabPayment Entry Reference` per
			where per.parent = pe.name and per.reference_doctype = 'Sales Invoice'
				and per.reference_name = %(invoice)s
		)
		order by pe.creation asc
		limit 1
		""",
		{"invoice": sales_invoice},
	)
	return rows[0][0] if rows else None


def mode_of_payment_account(mode_of_payment: str, company: str) -> str:
	account = frappe.db.get_value(
		"Mode of Payment Account", {"parent": mode_of_payment, "company": company}, "default_account"
	)
	if not account:
		raise ConfigurationError(
			_(
				"Mode of Payment {0} has no default account for company {1}. Add one in its Accounts "
				"table, then retry."
			).format(mode_of_payment, company)
		)
	return account


def make_payment_entry(
	sales_invoice: str, mode_of_payment: str, reference_no: str, reference_date: date | None
) -> str:

	invoice = frappe.get_doc("Sales Invoice", sales_invoice)
	if invoice.docstatus != 1:
		frappe.throw(
			_("A payment is made against a submitted Sales Invoice only, not {0}.").format(sales_invoice)
		)
	if not frappe.db.exists("Mode of Payment", mode_of_payment):
		raise ConfigurationError(
			_(
				"Mode of Payment {0} does not exist; fix the Payment Methods table of the WooCommerce Server."
			).format(mode_of_payment)
		)
	account = mode_of_payment_account(mode_of_payment, invoice.company)
	day = reference_date or getdate(invoice.posting_date)
	return submit_payment_entry(sales_invoice, account, mode_of_payment, reference_no, day)


def submit_payment_entry(
	sales_invoice: str, bank_account: str, mode_of_payment: str, reference_no: str, day: date
) -> str:
	"""The Payment Entry of a Sales Invoice (or of a Credit Note: money paid back), made as
	*Create > Payment* makes it, through the given account."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	payment = get_payment_entry(
		"Sales Invoice",
		sales_invoice,
		bank_account=bank_account,
		reference_date=day,
		ignore_permissions=True,
	)
	payment.mode_of_payment = mode_of_payment
	payment.reference_no = reference_no
	payment.reference_date = day
	payment.flags.ignore_permissions = True
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment.name


def _amount(value: float | None) -> Decimal:
	return Decimal(str(flt(value, 2))).quantize(CENT)
