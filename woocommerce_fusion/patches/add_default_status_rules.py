"""Servers made before status back to WooCommerce existed get the rules a new server starts with
(erp/status_records.py's default_rules), so delivering their orders completes them in the shop
as on a new server. A server that has any rule already keeps its own."""

import frappe

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.erp.status_records import RULE_DOCTYPE, RULES_TABLE, default_rules


def execute() -> None:
	for server in frappe.get_all(SERVER_DOCTYPE, pluck="name"):
		if frappe.db.exists(RULE_DOCTYPE, {"parent": server, "parenttype": SERVER_DOCTYPE}):
			continue
		for idx, row in enumerate(default_rules(), start=1):
			# Inserted as rows: saving the server would run its validation and its hooks.
			frappe.get_doc(
				{
					"doctype": RULE_DOCTYPE,
					"parent": server,
					"parenttype": SERVER_DOCTYPE,
					"parentfield": RULES_TABLE,
					"idx": idx,
					**row,
				}
			).db_insert()
