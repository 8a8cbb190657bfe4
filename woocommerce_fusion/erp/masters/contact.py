"""A web order's buyer as a Contact of its Customer, found by e-mail or, without one, by name."""

from __future__ import annotations

import frappe
from frappe.utils import validate_email_address, validate_phone_number

from woocommerce_fusion.engine.mapping.plans import ContactPlan
from woocommerce_fusion.erp.masters.locks import find_or_create


def ensure_contact(customer: str, plan: ContactPlan) -> str:
	email = validate_email_address(plan.email_id.strip().lower())
	phone = plan.phone if validate_phone_number(plan.phone) else ""

	def find() -> str | None:
		# Without an e-mail the buyer is recognised by name among the customer's contacts.
		if email:
			join = "join `tabContact Email` ce on ce.parent = c.name and ce.parenttype = 'Contact'"
			condition, values = "ce.email_id = %s", (customer, email)
		else:
			join = ""
			condition = "c.first_name = %s and ifnull(c.last_name, '') = %s"
			values = (customer, plan.first_name, plan.last_name)
		rows = frappe.db.sql(
			f"""select c.name from `tabContact` c
			join `tabDynamic Link` dl on dl.parent = c.name and dl.parenttype = 'Contact'
			{join}
			where dl.link_doctype = 'Customer' and dl.link_name = %s and {condition}
			order by c.creation asc limit 1""",
			values,
		)
		return rows[0][0] if rows else None

	def create() -> str:
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": plan.first_name,
				"last_name": plan.last_name or None,
				"company_name": plan.company_name or None,
				"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
				"phone_nos": [{"phone": phone, "is_primary_phone": 1}] if phone else [],
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		contact.insert(ignore_permissions=True)
		return contact.name

	key = email or f"{plan.first_name}|{plan.last_name}"
	return find_or_create("Contact", f"contact:{customer}:{key}", find, create)
