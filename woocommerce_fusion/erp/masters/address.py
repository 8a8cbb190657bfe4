"""A web order's billing and shipping Address, found among its Customer's by what it says."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cstr, validate_email_address, validate_phone_number

from woocommerce_fusion.engine.mapping.plans import AddressPlan
from woocommerce_fusion.erp.masters.locks import find_or_create


def country_name(code: str) -> str:
	"""ERPNext's Country for an ISO 3166 alpha-2 code (stored lowercase in Country.code)."""
	code = cstr(code).strip()
	if not code:
		frappe.throw(_("The address has no country"))
	name = frappe.db.get_value("Country", {"code": code.lower()}, "name", cache=True)
	if not name:
		frappe.throw(
			_("No Country in ERPNext has the code {0}; set it as the Code of the right Country.").format(
				frappe.bold(code)
			)
		)
	return name


def address_identity(row: dict) -> tuple:
	code = frappe.db.get_value("Country", row.get("country"), "code", cache=True) or ""
	return (
		row.get("address_type"),
		cstr(row.get("address_line1")).strip().lower(),
		cstr(row.get("address_line2")).strip().lower(),
		cstr(row.get("city")).strip().lower(),
		cstr(row.get("pincode")).strip().lower(),
		code.upper(),
	)


def ensure_address(customer: str, plan: AddressPlan) -> str:
	country = country_name(plan.country_code)
	if not plan.city.strip():
		frappe.throw(
			_("The {0} address {1} has no city, which ERPNext requires.").format(
				_(plan.address_type), plan.address_line1
			)
		)
	identity = plan.identity()

	def find() -> str | None:
		rows = frappe.db.sql(
			"""select a.name, a.address_type, a.address_line1, a.address_line2, a.city, a.pincode, a.country
			from `tabAddress` a
			join `tabDynamic Link` dl on dl.parent = a.name and dl.parenttype = 'Address'
			where dl.link_doctype = 'Customer' and dl.link_name = %s
				and a.address_type = %s and a.disabled = 0
			order by a.creation asc""",
			(customer, plan.address_type),
			as_dict=True,
		)
		return next((row.name for row in rows if address_identity(row) == identity), None)

	def create() -> str:
		address = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": plan.address_title or customer,
				"address_type": plan.address_type,
				"address_line1": plan.address_line1,
				"address_line2": plan.address_line2 or None,
				"city": plan.city,
				"state": plan.state or None,
				"pincode": plan.pincode or None,
				"country": country,
				# A malformed e-mail or phone is left out rather than failing the whole order.
				"email_id": validate_email_address(plan.email_id) or None,
				"phone": plan.phone if validate_phone_number(plan.phone) else None,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		address.insert(ignore_permissions=True)
		return address.name

	return find_or_create("Address", f"address:{customer}:{identity}", find, create)
