"""Document events that queue stock and price pushes.

ERPNext moves a Bin with db_set, which raises no event of its own; the submit and cancel of the
documents that move stock (or, for a Sales Order, reserve it) are where a change shows. They only
queue the Items linked to a shop (a row in WooCommerce Pending Update, in the user's own
transaction) and ask for a push job once it commits: the shop is never called from here, so a
slow or failing shop cannot hold up or fail a submit. Whatever they miss, the Bin poll finds.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE, PENDING_UPDATE_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.erp.stock_levels import FrappeLevels, mark_pending, retry_now
from woocommerce_fusion.tasks.stock_push import queue_push

# Documents whose items' stock moves on submit and cancel only when update_stock is set.
UPDATE_STOCK_FLAG = frozenset({"Sales Invoice", "Purchase Invoice"})


def stock_moved(doc: Document, method: str | None = None) -> None:
	"""on_submit / on_cancel of Stock Entry, Delivery Note, Purchase Receipt, Stock
	Reconciliation, Sales Invoice and Purchase Invoice (with Update Stock), Sales Order."""
	if doc.doctype in UPDATE_STOCK_FLAG and not cint(doc.get("update_stock")):
		return
	item_codes = {row.item_code for row in doc.get("items") or [] if row.get("item_code")}
	_queue(linked_servers(item_codes, "stock"), stock=True, price=False)


def item_price_changed(doc: Document, method: str | None = None) -> None:
	"""after_insert / on_update / on_trash of Item Price: the price lists and Items it was and is
	for (a renamed list or item counts for both)."""
	before = doc.get_doc_before_save() if method != "on_trash" else None
	pairs = {(doc.price_list, doc.item_code)}
	if before is not None:
		pairs.add((before.price_list, before.item_code))
	for price_list, item_code in sorted(pairs):
		servers = linked_servers({item_code}, "price", price_list=price_list)
		_queue(servers, stock=False, price=True)


def linked_servers(item_codes: set[str], kind: str, price_list: str | None = None) -> dict[str, set[str]]:
	"""server -> those of the Items linked to it, for enabled servers syncing `kind`."""
	if not item_codes:
		return {}
	only_list = "and server.selling_price_list = %(price_list)s" if price_list is not None else ""
	rows = frappe.db.sql(
		f"""select link.woocommerce_server, link.parent from `tab{ITEM_SERVER_DOCTYPE}` link
		join `tab{SERVER_DOCTYPE}` server on server.name = link.woocommerce_server
		where link.parenttype = 'Item' and link.parentfield = 'woocommerce_servers'
			and link.enabled = 1 and link.parent in %(items)s
			and server.enabled = 1 and server.enable_{kind}_sync = 1 {only_list}""",
		{"items": sorted(item_codes), "price_list": price_list},
	)
	servers: dict[str, set[str]] = defaultdict(set)
	for server, item_code in rows:
		servers[server].add(item_code)
	return servers


def item_linked(server: str, item_code: str) -> None:
	"""An Item newly linked to a product of the shop (the item sync made or took over the product):
	the product has none of ERPNext's stock yet, so the Item's levels go out with the next push."""
	if frappe.db.get_value("Item", item_code, "has_variants"):
		return  # a template has no stock or price of its own: its variants are pushed
	kinds = {kind: server in linked_servers({item_code}, kind) for kind in ("stock", "price")}
	if any(kinds.values()):
		mark_pending(server, [item_code], stock=kinds["stock"], price=kinds["price"])
		queue_push(server)


def _queue(servers: dict[str, set[str]], *, stock: bool, price: bool) -> None:
	for server, item_codes in sorted(servers.items()):
		mark_pending(server, item_codes, stock=stock, price=price)
		queue_push(server)


# What the pushed levels are computed from: changing any of these on the server changes them all.
LEVEL_SETTINGS = (
	"enabled",
	"enable_stock_sync",
	"enable_price_sync",
	"stock_quantity_basis",
	"selling_price_list",
)


def server_saved(doc: Document, method: str | None = None) -> None:
	"""on_update of WooCommerce Server: sync switched on, or the warehouses, the quantity basis or
	the price list changed, queue every linked Item so the shop gets the levels by the new
	settings (each compared with what it was last sent). Any save makes the Items the shop
	refused due at once: the save may have fixed what it refused them for."""
	before = doc.get_doc_before_save()
	if not doc.enabled or before is None:
		return
	syncing = bool(doc.get("enable_stock_sync") or doc.get("enable_price_sync"))
	if syncing and frappe.db.exists(
		PENDING_UPDATE_DOCTYPE, {"woocommerce_server": doc.name, "attempts": (">", 0)}
	):
		retry_now(doc.name)
		queue_push(doc.name)
	changed = [field for field in LEVEL_SETTINGS if doc.get(field) != before.get(field)]
	if _warehouses(doc) != _warehouses(before):
		changed.append("stock_warehouses")
	if not changed:
		return
	stock, price = bool(doc.get("enable_stock_sync")), bool(doc.get("enable_price_sync"))
	if stock or price:
		mark_pending(doc.name, FrappeLevels().linked_item_codes(doc.name), stock=stock, price=price)
		queue_push(doc.name)


def _warehouses(doc: Document) -> list[str]:
	return sorted(row.warehouse for row in doc.get("stock_warehouses") or [])


def forget_queue(doc: Document, method: str | None = None) -> None:
	"""on_trash of Item and WooCommerce Server: their queue rows go with them (hooks.py's
	ignore_links_on_delete lets the deletion past the rows' links)."""
	field = "woocommerce_server" if doc.doctype == SERVER_DOCTYPE else "item_code"
	frappe.db.delete(PENDING_UPDATE_DOCTYPE, {field: doc.name})
