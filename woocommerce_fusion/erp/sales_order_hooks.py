"""Sales Order events that send a web order through the sync, and the form's manual trigger.

Hooks only queue: the sync talks to the shop, which must never hold up or fail a submit. The
job runs after the commit, so it reads what the user saved, and never for a rolled-back save.
Nothing is queued for a shop whose order sync is off.

Closing and cancelling a Sales Order (which ERPNext writes with db_set, seen only by on_change)
queue no sync of the order: the server's Status Rules decide what they tell the shop
(erp/status_back.py).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.runs.switches import in_own_sync, order_sync_enabled
from woocommerce_fusion.tasks.order_sync import enqueue_one_order
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync import (
	may_sync,
	queue_order_sync,
)


def on_submit(doc: Document, method: str | None = None) -> None:
	if concerns_sync(doc):
		enqueue_one_order(doc.woocommerce_server, cint(doc.woocommerce_id))


def on_update_after_submit(doc: Document, method: str | None = None) -> None:
	if doc.has_value_changed("woocommerce_status") and concerns_sync(doc):
		enqueue_one_order(doc.woocommerce_server, cint(doc.woocommerce_id))


def onload(doc: Document, method: str | None = None) -> None:
	if is_web_order(doc):
		doc.set_onload("woocommerce_can_sync", may_sync(doc.woocommerce_server, cint(doc.woocommerce_id)))


def is_web_order(doc: Document) -> bool:
	return bool(doc.get("woocommerce_server") and cint(doc.get("woocommerce_id")) > 0)


def concerns_sync(doc: Document) -> bool:
	"""A Sales Order of a web order of a shop that syncs orders, changed by someone other than the
	sync itself."""
	if not is_web_order(doc) or doc.flags.get("woocommerce_pipeline") or in_own_sync():
		return False
	return order_sync_enabled(doc.woocommerce_server)


@frappe.whitelist()
def sync_sales_order(name: str) -> dict:
	"""Actions > "Sync this Order with WooCommerce" on the Sales Order form: queue the order's sync.

	Whoever sees the Sales Order and may sync its web order (see WooCommerce Order Sync) may.
	"""
	doc = frappe.get_doc("Sales Order", name)
	doc.check_permission("read")
	if not is_web_order(doc):
		frappe.throw(_("Sales Order {0} is not linked to a WooCommerce order.").format(name))
	return queue_order_sync(doc.woocommerce_server, cint(doc.woocommerce_id))
