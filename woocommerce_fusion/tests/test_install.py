# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.tests.utils import FrappeTestCase

from woocommerce_fusion.install import (
	MODULE,
	ROLES,
	after_install,
	delete_custom_fields,
	delete_property_setters,
	delete_records_about,
	delete_roles,
	delete_scheduled_job_types,
	get_custom_fields,
)
from woocommerce_fusion.testing.bench_fixtures import make_server

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

# A scratch field of a scratch module on a doctype the app does not touch: the helpers delete
# every field of the module they are given, and the real fields of the app must stay in place
# for the other tests of the site.
SCRATCH_MODULE = "WooCommerce Scratch"
SCRATCH_FIELDS = {
	"ToDo": [
		{
			"fieldname": "woocommerce_scratch",
			"fieldtype": "Data",
			"label": "WooCommerce Scratch",
			"insert_after": "description",
			"module": SCRATCH_MODULE,
		}
	]
}
SCRATCH_ROLE = "WooCommerce Scratch Role"


class TestInstall(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_after_install_makes_fields_and_roles(self):
		after_install()  # runs on every migrate, so it must be repeatable
		for doctype, fields in get_custom_fields().items():
			for df in fields:
				name = f"{doctype}-{df['fieldname']}"
				self.assertEqual(frappe.db.get_value("Custom Field", name, "module"), MODULE, name)
				self.assertTrue(frappe.get_meta(doctype).has_field(df["fieldname"]), name)
		for role in ROLES:
			self.assertTrue(frappe.db.exists("Role", role))
		# Room for every column of the status screen.
		self.assertTrue(frappe.db.exists("List View Settings", "WooCommerce Order Sync"))

	def test_custom_fields_are_removed_with_their_columns_and_property_setters(self):
		# Adding a column is DDL and commits; the helpers under test must undo it all.
		if not frappe.db.exists("Module Def", SCRATCH_MODULE):
			frappe.get_doc(
				{
					"doctype": "Module Def",
					"module_name": SCRATCH_MODULE,
					"app_name": "woocommerce_fusion",
					"custom": 1,
				}
			).insert(ignore_permissions=True)
		create_custom_fields(SCRATCH_FIELDS)
		frappe.make_property_setter(
			{"doctype": "ToDo", "fieldname": "woocommerce_scratch", "property": "bold", "value": "1"}
		)
		frappe.make_property_setter(
			{"doctype": "ToDo", "fieldname": "description", "property": "bold", "value": "1"},
			module=SCRATCH_MODULE,
		)
		self.assertTrue(frappe.db.has_column("ToDo", "woocommerce_scratch"))

		delete_property_setters(SCRATCH_FIELDS, [], module=SCRATCH_MODULE)
		delete_custom_fields(SCRATCH_FIELDS, [], module=SCRATCH_MODULE)
		frappe.db.commit()
		self.assertTrue(
			frappe.db.has_column("Sales Order", "woocommerce_server"), "the app's own fields stay"
		)

		self.assertFalse(frappe.db.exists("Custom Field", "ToDo-woocommerce_scratch"))
		self.assertFalse(frappe.db.has_column("ToDo", "woocommerce_scratch"))
		self.assertFalse(frappe.db.exists("Property Setter", {"doc_type": "ToDo", "module": SCRATCH_MODULE}))
		self.assertFalse(frappe.db.exists("Property Setter", {"field_name": "woocommerce_scratch"}))
		self.assertFalse(frappe.get_meta("ToDo").has_field("woocommerce_scratch"))

	def test_roles_are_removed_with_their_grants(self):
		frappe.get_doc({"doctype": "Role", "role_name": SCRATCH_ROLE}).insert()
		frappe.get_doc("User", "Administrator").add_roles(SCRATCH_ROLE)
		frappe.get_doc(
			{"doctype": "Custom DocPerm", "parent": "ToDo", "role": SCRATCH_ROLE, "read": 1}
		).insert()

		delete_roles([SCRATCH_ROLE])

		self.assertFalse(frappe.db.exists("Role", SCRATCH_ROLE))
		self.assertFalse(frappe.db.exists("Has Role", {"role": SCRATCH_ROLE}))
		self.assertFalse(frappe.db.exists("Custom DocPerm", {"role": SCRATCH_ROLE}))

	def test_secrets_and_permissions_of_our_doctypes_are_removed(self):
		server = make_server("_Test WooCommerce Server Uninstall")
		frappe.get_doc(
			{"doctype": "Custom DocPerm", "parent": "WooCommerce Server", "role": "System Manager", "read": 1}
		).insert()
		self.assertTrue(frappe.db.exists("__Auth", {"doctype": "WooCommerce Server", "name": server.name}))

		delete_records_about(["WooCommerce Server"])

		self.assertFalse(frappe.db.exists("__Auth", {"doctype": "WooCommerce Server"}))
		self.assertFalse(frappe.db.exists("Custom DocPerm", {"parent": "WooCommerce Server"}))

	def test_scheduled_jobs_are_removed(self):
		frappe.get_doc(
			{
				"doctype": "Scheduled Job Type",
				"method": "woocommerce_fusion.install.after_migrate",
				"frequency": "Daily",
			}
		).insert()
		frappe.get_doc(
			{
				"doctype": "Scheduled Job Log",
				"scheduled_job_type": "install.after_migrate",
				"status": "Complete",
			}
		).insert()
		others = frappe.db.count(
			"Scheduled Job Type", {"method": ("not like", "woocommerce_fusion.install.%")}
		)

		delete_scheduled_job_types("woocommerce_fusion.install.")

		self.assertFalse(
			frappe.db.exists("Scheduled Job Type", {"method": ("like", "woocommerce_fusion.install.%")})
		)
		self.assertFalse(
			frappe.db.exists("Scheduled Job Log", {"scheduled_job_type": "install.after_migrate"})
		)
		self.assertEqual(
			frappe.db.count("Scheduled Job Type", {"method": ("not like", "woocommerce_fusion.install.%")}),
			others,
		)
