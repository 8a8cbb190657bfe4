"""The Customer of a web order, found by its e-mail."""

from __future__ import annotations

import frappe
from frappe import _

from woocommerce_fusion.engine.mapping.plans import CustomerPlan
from woocommerce_fusion.erp.masters.locks import find_or_create


def ensure_customer(plan: CustomerPlan) -> str:
	if plan.fixed_customer:
		return plan.fixed_customer
	email = plan.email.strip().lower()
	if not email:
		frappe.throw(_("The order has no e-mail to find its Customer by"))

	def find() -> str | None:
		# The column's collation (utf8mb4_unicode_ci) compares case-insensitively.
		rows = frappe.db.sql(
			"select name from `tabCustomer` where woocommerce_email = %s "
			"order by disabled asc, creation asc limit 1",
			(email,),
		)
		return rows[0][0] if rows else None

	def create() -> str:
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": plan.customer_name,
				"customer_type": plan.customer_type,
				"customer_group": plan.customer_group,
				"territory": plan.territory,
				"tax_id": plan.tax_id or None,
				"woocommerce_email": email,
			}
		)
		customer.insert(ignore_permissions=True)
		return customer.name

	return find_or_create("Customer", f"customer:{email}", find, create)
