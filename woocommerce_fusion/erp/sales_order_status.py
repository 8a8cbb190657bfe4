"""When a Sales Order's WooCommerce Status last changed: ERPNext's side of the status merge.

The Sales Order's `modified` moves for many reasons (a user's edit, per_delivered and per_billed
updated by a Delivery Note or an invoice), so it cannot tell who changed the status. Every save
that changes WooCommerce Status stamps the moment here; the sync's own writes with db_set stamp
it themselves (sales_order.update_sales_order).
"""

from __future__ import annotations

from frappe.model.document import Document
from frappe.utils import now_datetime

STATUS_CHANGED_ON = "woocommerce_status_changed_on"


def stamp_status_change(doc: Document, method: str | None = None) -> None:
	"""Sales Order validate and before_update_after_submit."""
	if not doc.get("woocommerce_server"):
		return
	if doc.is_new() or doc.has_value_changed("woocommerce_status"):
		doc.set(STATUS_CHANGED_ON, now_datetime())
