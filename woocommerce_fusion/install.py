"""Set-up and clean-up of everything the app adds outside its own module.

Frappe creates and drops the app's doctypes and removes records linked to its Module Def, but
not the custom fields on ERPNext's doctypes, the roles, the users' role assignments or the
Scheduled Job Types made from hooks.py. Without before_uninstall the hourly sync would keep
firing (and failing) on a site that no longer has the app.
"""

from __future__ import annotations

import json
from pathlib import Path

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from woocommerce_fusion.erp.masters.deleted_product import make_deleted_product_item

MODULE = "WooCommerce Fusion"
CUSTOM_FIELDS_FILE = Path(__file__).parent / "erp" / "custom_fields.json"
JOB_METHOD_PREFIX = "woocommerce_fusion."

ROLES = (
	# configures WooCommerce Servers and reads every log of the sync
	"WooCommerce Manager",
	# follows the order sync and queues single orders again ("Sync this Order"); may not open
	# the WooCommerce Servers, whose keys and settings stay with the manager
	"WooCommerce Order Sync User",
	# gets an e-mail when an order fails or is flagged stuck (erp/order_notices.py)
	"WooCommerce Order Sync Notification",
)


def after_install() -> None:
	make_custom_fields()
	make_roles()
	make_list_view_settings()
	make_deleted_product_item()


def after_migrate() -> None:
	make_custom_fields()
	make_roles()
	make_list_view_settings()
	make_deleted_product_item()


# The status screen's columns (order id, status, error, Sales Order, transaction id, when placed)
# are more than Frappe shows on a laptop-sized screen by default (four to six).
STATUS_SCREEN_COLUMNS = {"WooCommerce Order Sync": "8"}


def make_list_view_settings() -> None:
	"""Room for the screen's columns, unless someone already chose the list's settings."""
	for doctype, total_fields in STATUS_SCREEN_COLUMNS.items():
		if not frappe.db.exists("List View Settings", doctype):
			settings = frappe.new_doc("List View Settings")
			settings.name = doctype
			settings.total_fields = total_fields
			settings.insert(ignore_permissions=True, set_name=doctype)


def before_uninstall() -> None:
	# The Deleted Product Item stays, like every master: Sales Orders and invoices book it.
	doctypes = get_module_doctypes()
	delete_custom_fields(get_custom_fields(), doctypes)
	delete_property_setters(get_custom_fields(), doctypes)
	delete_records_about(doctypes)
	delete_roles(list(ROLES))
	delete_scheduled_job_types(JOB_METHOD_PREFIX)


def get_custom_fields() -> dict[str, list[dict]]:
	"""The app's custom fields by doctype, each tagged with the module so an export or Frappe's
	own module clean-up recognises them as ours."""
	custom_fields = json.loads(CUSTOM_FIELDS_FILE.read_text())
	for fields in custom_fields.values():
		for df in fields:
			df.setdefault("module", MODULE)
	return custom_fields


def make_custom_fields() -> None:
	create_custom_fields(get_custom_fields(), update=True)


def make_roles() -> None:
	for role_name in ROLES:
		if not frappe.db.exists("Role", role_name):
			frappe.get_doc({"doctype": "Role", "role_name": role_name, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def get_module_doctypes() -> list[str]:
	return frappe.get_all("DocType", filters={"module": MODULE}, pluck="name")


def delete_custom_fields(
	custom_fields: dict[str, list[dict]], doctypes: list[str], module: str = MODULE
) -> None:
	"""Our fields on ERPNext's doctypes, any field of our module, and any field a user added to one
	of our doctypes."""
	names = [
		name
		for doctype, fields in custom_fields.items()
		for name in frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", [df["fieldname"] for df in fields])},
			pluck="name",
		)
	]
	names += frappe.get_all("Custom Field", filters={"module": module}, pluck="name")
	if doctypes:
		names += frappe.get_all("Custom Field", filters={"dt": ("in", doctypes)}, pluck="name")

	touched = set()
	for name in set(names):
		field = frappe.get_doc("Custom Field", name)
		touched.add(field.dt)
		field.delete(ignore_permissions=True)
		# Frappe keeps a deleted custom field's column; drop it so no data of ours stays behind.
		if field.dt not in doctypes and frappe.db.has_column(field.dt, field.fieldname):
			frappe.db.sql_ddl(f"alter table `tab{field.dt}` drop column `{field.fieldname}`")
			# The cached column list would still name it (Frappe's trim_table does the same).
			frappe.cache.hdel("table_columns", f"tab{field.dt}")

	for doctype in touched:
		frappe.clear_cache(doctype=doctype)


def delete_property_setters(
	custom_fields: dict[str, list[dict]], doctypes: list[str], module: str = MODULE
) -> None:
	"""Property setters the app made (module) and those on our fields or our doctypes."""
	frappe.db.delete("Property Setter", {"module": module})
	for doctype, fields in custom_fields.items():
		frappe.db.delete(
			"Property Setter",
			{"doc_type": doctype, "field_name": ("in", [df["fieldname"] for df in fields])},
		)
	if doctypes:
		frappe.db.delete("Property Setter", {"doc_type": ("in", doctypes)})


# Records outside the module that point at our doctypes and outlive their dropped tables.
RECORDS_ABOUT_DOCTYPES = (
	("__Auth", "doctype"),  # the encrypted API keys and webhook secrets
	("Custom DocPerm", "parent"),
	("User Permission", "allow"),
	("DocShare", "share_doctype"),
	("Version", "ref_doctype"),
	("Comment", "reference_doctype"),
	("Logs To Clear", "ref_doctype"),
	("List View Settings", "name"),
)


def delete_records_about(doctypes: list[str]) -> None:
	"""Secrets, permissions, shares and history of our doctypes, which are not module records."""
	if not doctypes:
		return
	for table, fieldname in RECORDS_ABOUT_DOCTYPES:
		frappe.db.delete(table, {fieldname: ("in", doctypes)})


def delete_roles(roles: list[str]) -> None:
	"""The roles, who had them, and what they were allowed on other doctypes."""
	if not roles:
		return
	frappe.db.delete("Has Role", {"role": ("in", roles)})
	frappe.db.delete("Custom DocPerm", {"role": ("in", roles)})
	for role in roles:
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, force=True, ignore_permissions=True)
	frappe.clear_cache()


def delete_scheduled_job_types(prefix: str) -> None:
	"""Frappe only prunes job types at the next migrate; until then the scheduler would keep
	enqueueing methods that no longer exist. Deleting the doc also deletes its job logs."""
	for job in frappe.get_all("Scheduled Job Type", fields=["name", "method"]):
		# Compared in Python: "_" in the prefix would be a wildcard in a LIKE pattern.
		if (job.method or "").startswith(prefix):
			frappe.delete_doc("Scheduled Job Type", job.name, force=True, ignore_permissions=True)
