"""The placeholder Item for lines of products deleted in the shop, made at install and migrate.

A non-stock Item: nothing is reserved or delivered from a warehouse for a product that no longer
exists. It stays when the app is uninstalled, like every master ERPNext keeps for the documents
that use it.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils.nestedset import get_root_of

from woocommerce_fusion.constants import DELETED_PRODUCT_ITEM, SERVER_DOCTYPE


def make_deleted_product_item() -> str | None:
	"""The placeholder Item, made when missing; servers without one get it when it is made.

	On a site whose ERPNext is not set up yet (no Item Group, no UOM) nothing is made: the next
	migrate makes it.
	"""
	# By its name too: a site that names Items by a naming series gave it a number.
	existing = frappe.db.exists("Item", DELETED_PRODUCT_ITEM) or frappe.db.exists(
		"Item", {"item_name": DELETED_PRODUCT_ITEM, "is_stock_item": 0}
	)
	if existing:
		return existing
	item_group = frappe.db.get_single_value("Stock Settings", "item_group") or get_root_of("Item Group")
	stock_uom = frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos"
	if not item_group or not frappe.db.exists("UOM", stock_uom):
		return None
	item = frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": DELETED_PRODUCT_ITEM,
			"item_name": DELETED_PRODUCT_ITEM,
			"item_group": item_group,
			"stock_uom": stock_uom,
			"is_stock_item": 0,
			"is_sales_item": 1,
			"is_purchase_item": 0,
			"include_item_in_manufacturing": 0,
			"description": _(
				"Stands for a product deleted in WooCommerce on Sales Orders made from web orders. "
				"Each row keeps the line's own name, SKU and amounts."
			),
		}
	)
	item.insert(ignore_permissions=True)
	# Only when made: a server whose field was emptied on purpose is not filled in again.
	frappe.db.set_value(
		SERVER_DOCTYPE,
		{"deleted_product_item": ("is", "not set")},
		"deleted_product_item",
		item.name,
		update_modified=False,
	)
	return item.name
