"""Sales Order events that send a web order through the sync, and the form's manual trigger.

Hooks only queue: the sync talks to the shop, which must never hold up or fail a submit. The
job runs after the commit, so it reads what the user saved, and never for a rolled-back save.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.tasks.order_sync import enqueue_one_order, sync_one_order
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	in_own_sync,
	summary,
)

# Sales Order states that ERPNext sets with db_set (close, cancel), which only on_change sees.
STATUS_EVENTS = ("Closed", "Cancelled")


def on_submit(doc: Document, method: str | None = None) -> None:
	if concerns_sync(doc):
		enqueue_one_order(doc.woocommerce_server, cint(doc.woocommerce_id))


def on_update_after_submit(doc: Document, method: str | None = None) -> None:
	if concerns_sync(doc) and doc.has_value_changed("woocommerce_status"):
		enqueue_one_order(doc.woocommerce_server, cint(doc.woocommerce_id))


def on_change(doc: Document, method: str | None = None) -> None:
	if concerns_sync(doc) and doc.status in STATUS_EVENTS and doc.has_value_changed("status"):
		enqueue_one_order(doc.woocommerce_server, cint(doc.woocommerce_id))


def concerns_sync(doc: Document) -> bool:
	"""A Sales Order of a web order, changed by someone other than the sync itself."""
	if not (doc.get("woocommerce_server") and cint(doc.get("woocommerce_id")) > 0):
		return False
	return not (doc.flags.get("woocommerce_pipeline") or in_own_sync())


@frappe.whitelist()
def sync_sales_order(name: str) -> dict:
	"""Actions > "Sync this Order with WooCommerce" on the Sales Order form.

	Whoever may change the Sales Order may sync it: submitting it would sync it anyway.
	"""
	doc = frappe.get_doc("Sales Order", name)
	doc.check_permission("write")
	if not (doc.get("woocommerce_server") and cint(doc.get("woocommerce_id")) > 0):
		frappe.throw(_("Sales Order {0} is not linked to a WooCommerce order.").format(name))
	return summary(sync_one_order(doc.woocommerce_server, cint(doc.woocommerce_id)))
