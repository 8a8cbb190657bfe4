"""The checks of a WooCommerce Server's item sync settings (its Items tab) when it is saved."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint


def validate_item_sync_settings(server: Document) -> None:
	"""One category per Item Group, and a category id WooCommerce could have."""
	seen: set[str] = set()
	for row in server.get("item_categories") or []:
		if row.item_group in seen:
			frappe.throw(
				_(
					"Row {0} of Categories: Item Group {1} is mapped twice; keep one row per Item Group."
				).format(row.idx, frappe.bold(row.item_group))
			)
		seen.add(row.item_group)
		if cint(row.woocommerce_category_id) <= 0:
			frappe.throw(
				_(
					"Row {0} of Categories: the WooCommerce Category ID must be the category's number "
					"in WooCommerce > Products > Categories."
				).format(row.idx)
			)
