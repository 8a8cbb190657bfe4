"""The ERPNext events that set a web order's WooCommerce Status by its server's Status Rules
(engine/status_back.py): a Delivery Note or Sales Invoice submitted, a Sales Order closed or
cancelled. doc_events in hooks.py call them.

Each runs in the document's transaction and only writes the Sales Order's status, the order
row's pending push and a queued "Status push" run, which starts after the commit: a submit
never waits for the shop, and a rolled-back one asks for nothing. Requirements, as for any sync:
the Sales Order came from WooCommerce (server and WooCommerce ID) and its shop's order sync is
on; the push then needs the shop's API to answer. A failure here is logged and never stops the
submit: the status can still be set by hand.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.status_back import ErpEvent, WebOrderEvent, apply_event
from woocommerce_fusion.erp.status_records import FrappeStatus
from woocommerce_fusion.runs.switches import in_own_sync, order_sync_enabled
from woocommerce_fusion.tasks.status_push import enqueue_status_push

SAVEPOINT = "woocommerce_status_back"
CLOSED = "Closed"


def on_delivery_note_submit(doc: Document, method: str | None = None) -> None:
	if cint(doc.get("is_return")):
		return
	names = {item.against_sales_order for item in doc.items if item.get("against_sales_order")}
	for so in web_orders(names):
		# per_delivered is up to date: ERPNext's own on_submit ran before the app's hook.
		event = _event(
			ErpEvent.DELIVERY_NOTE_SUBMITTED, doc, so, fully_delivered=flt(so.per_delivered) >= 100
		)
		apply_safely(event)


def on_sales_invoice_submit(doc: Document, method: str | None = None) -> None:
	if cint(doc.get("is_return")):
		return
	names = {item.sales_order for item in doc.items if item.get("sales_order")}
	# The pipeline marks what it makes (erp/sales_order.py's mark_as_pipeline) and runs as the
	# app's own sync; its order row names the invoice too.
	made_by_sync = bool(doc.flags.get("woocommerce_pipeline")) or in_own_sync()
	for so in web_orders(names):
		intake = made_by_sync or intake_invoice_of(so) == doc.name
		event = _event(
			ErpEvent.SALES_INVOICE_SUBMITTED,
			doc,
			so,
			fully_billed=flt(so.per_billed) >= 100,
			intake_invoice=intake,
		)
		apply_safely(event)


def on_sales_order_cancel(doc: Document, method: str | None = None) -> None:
	if _by_a_person(doc):
		apply_safely(_event(ErpEvent.SALES_ORDER_CANCELLED, doc, doc))


def on_sales_order_change(doc: Document, method: str | None = None) -> None:
	"""ERPNext closes a Sales Order with db_set, which runs on_change and no other hook."""
	if doc.get("status") == CLOSED and doc.has_value_changed("status") and _by_a_person(doc):
		apply_safely(_event(ErpEvent.SALES_ORDER_CLOSED, doc, doc))


def web_orders(names: set[str]) -> list[frappe._dict]:
	"""The Sales Orders among `names` that stand for a web order of a shop whose order sync is on."""
	if not names:
		return []
	rows = frappe.get_all(
		"Sales Order",
		filters={"name": ("in", sorted(names)), "woocommerce_server": ("is", "set")},
		fields=["name", "woocommerce_server", "woocommerce_id", "per_delivered", "per_billed"],
		order_by="name",
	)
	return [row for row in rows if _is_linked(row) and order_sync_enabled(row.woocommerce_server)]


def intake_invoice_of(so: frappe._dict) -> str | None:
	name = order_sync_name(so.woocommerce_server, cint(so.woocommerce_id))
	return frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, "sales_invoice")


def apply_safely(event: WebOrderEvent) -> None:
	"""Apply the event and queue the push; a failure is logged and undone, and the submit goes on."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		if apply_event(FrappeStatus(), event):
			enqueue_status_push(event.server)
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title=_("WooCommerce status of order {0} not set by {1} {2}").format(
				event.woocommerce_id, _(event.document_type), event.document_name
			),
			reference_doctype=event.document_type,
			reference_name=event.document_name,
		)


def _event(event: ErpEvent, doc: Document, so, **facts) -> WebOrderEvent:
	return WebOrderEvent(
		event,
		doc.doctype,
		doc.name,
		so.woocommerce_server,
		cint(so.woocommerce_id),
		so.name,
		**facts,
	)


def _is_linked(so) -> bool:
	return bool(so.get("woocommerce_server")) and cint(so.get("woocommerce_id")) > 0


def _by_a_person(doc: Document) -> bool:
	"""A web order's Sales Order changed by someone other than the sync, on a shop that syncs."""
	if not _is_linked(doc) or doc.flags.get("woocommerce_pipeline") or in_own_sync():
		return False
	return order_sync_enabled(doc.woocommerce_server)
