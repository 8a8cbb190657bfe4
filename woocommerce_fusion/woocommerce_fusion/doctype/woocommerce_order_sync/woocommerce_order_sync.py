# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""One row per WooCommerce order and shop: the order's way into ERPNext.

The pipeline (engine/pipeline.py, through erp/order_records.py) writes these rows under the
row's lock; its name "{server}-{woocommerce id}" makes the pair unique by primary key.

Whoever may write an order's row may queue a sync of that order, from whichever form the button
is on: the row is what a sync changes, and the user permissions that limit it (to some shops, for
instance) limit the button too. That is the WooCommerce Order Sync User's right, and so are Retry,
Rerun and Mark as synced; the shop's settings stay with the WooCommerce Manager. Every method
here first asks for the right to write rows at all, so a user without it learns nothing of them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, format_datetime, get_fullname, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.errors import SUGGESTED_FIXES, ErrorKind
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.retry import clear_retry
from woocommerce_fusion.erp.order_records import lock_order, save_order
from woocommerce_fusion.runs.queue import summary
from woocommerce_fusion.runs.switches import check_order_sync_enabled, order_sync_enabled
from woocommerce_fusion.tasks.order_sync import enqueue_one_order


class WooCommerceOrderSync(Document):
	def autoname(self) -> None:
		self.name = order_sync_name(self.woocommerce_server, cint(self.woocommerce_id))

	def onload(self) -> None:
		self.set_onload("order_sync_enabled", order_sync_enabled(self.woocommerce_server))
		self.set_onload("can_sync", may_sync(self.woocommerce_server, self.woocommerce_id))
		self.set_onload("can_mark_synced", self.status in UNFINISHED and self.has_permission("write"))
		self.set_onload("suggested_fix", suggested_fix(self.error_kind) if self.error else "")


# The rows Rerun restarts and Mark as synced may close: failed, or never processed.
UNFINISHED = (Status.FAILED, Status.FAILED_AT_STOCK_ALLOCATION, Status.NOT_PROCESSED)
# Rows one Rerun may queue: each becomes a Sync Action and a job in the request.
RERUN_LIMIT = 500


def suggested_fix(error_kind: str) -> str:
	"""What to do about a failure of this kind, for the form (which cannot read engine/errors.py)."""
	try:
		kind = ErrorKind(error_kind)
	except ValueError:
		return ""
	return _(SUGGESTED_FIXES[kind])


def check_may_use_screen() -> None:
	"""The right every button of the screen needs first: to write Order Sync rows at all."""
	frappe.has_permission(ORDER_SYNC_DOCTYPE, "write", throw=True)


@frappe.whitelist()
def sync_now(name: str) -> dict:
	"""The form's "Sync this Order": queue the order through the same path as the hourly run.

	Takes the row's name rather than the form's copy of the row: the sync rewrites the row in the
	background, and a retry must not be refused because the form is older than the row. Retry on
	a failed row is the same call: the job fetches the order again and the pipeline resumes from
	the step that failed.
	"""
	check_may_use_screen()
	row = frappe.db.get_value(
		ORDER_SYNC_DOCTYPE, name, ["woocommerce_server", "woocommerce_id"], as_dict=True
	)
	if not row:
		frappe.throw(_("WooCommerce Order Sync {0} not found.").format(name), frappe.DoesNotExistError)
	return queue_order_sync(row.woocommerce_server, row.woocommerce_id)


def queue_order_sync(server: str, woocommerce_id: int) -> dict:
	"""What every "Sync this Order" button calls: check, queue, and say which run will do it."""
	check_may_sync(server, woocommerce_id)
	return summary(enqueue_one_order(server, woocommerce_id))


def may_sync(server: str, woocommerce_id: int) -> bool:
	"""Whether the user sees a "Sync this Order" button for the order."""
	return order_sync_enabled(server) and sync_row(server, woocommerce_id).has_permission("write")


def check_may_sync(server: str, woocommerce_id: int) -> None:
	check_order_sync_enabled(server)
	sync_row(server, woocommerce_id).check_permission("write")


def sync_row(server: str, woocommerce_id: int) -> Document:
	"""The order's row, or the row its first sync will make (which user permissions judge alike)."""
	name = order_sync_name(server, cint(woocommerce_id))
	if frappe.db.exists(ORDER_SYNC_DOCTYPE, name):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, name)
	return frappe.get_doc(
		{"doctype": ORDER_SYNC_DOCTYPE, "woocommerce_server": server, "woocommerce_id": cint(woocommerce_id)}
	)


@frappe.whitelist()
def rerun(names: str | list[str]) -> dict:
	"""The list's Rerun: queue each checked row that failed or was never processed, in the
	background, and answer at once with how many were queued.

	Every row is checked before any is queued, so a refused row leaves nothing half done. Rows in
	another status, and rows of a shop whose order sync is off, are skipped and counted.
	"""
	check_may_use_screen()
	names = frappe.parse_json(names) if isinstance(names, str) else names
	names = list(dict.fromkeys(names or []))
	if len(names) > RERUN_LIMIT:
		frappe.throw(_("Rerun at most {0} orders at a time.").format(RERUN_LIMIT))
	rows = [frappe.get_doc(ORDER_SYNC_DOCTYPE, name) for name in names]
	for row in rows:
		row.check_permission("write")
	due = [row for row in rows if row.status in UNFINISHED and order_sync_enabled(row.woocommerce_server)]
	for row in due:
		enqueue_one_order(row.woocommerce_server, row.woocommerce_id)
	return {"queued": len(due), "skipped": len(rows) - len(due)}


@frappe.whitelist()
def mark_as_synced(name: str, sales_order: str) -> dict:
	"""Mark as synced: the order was keyed into ERPNext by hand as `sales_order`.

	Links the Sales Order on the row (and the row's order on the Sales Order, if it names none),
	sets "Sales order created" and clears the error and the retry schedule; a comment on the row
	keeps who did it, when, and the status it had. Done under the order's row lock, so a sync of
	the order running at the same moment either finished before (and the row is no longer
	unfinished) or sees the link when it gets the lock.
	"""
	check_may_use_screen()
	row = frappe.get_doc(ORDER_SYNC_DOCTYPE, name)
	row.check_permission("write")
	server, woocommerce_id = row.woocommerce_server, cint(row.woocommerce_id)

	record = lock_order(server, woocommerce_id)
	# Read under the lock, so that what is checked is what is linked.
	so = frappe.get_doc("Sales Order", sales_order)
	so.check_permission("read")
	if record.status not in UNFINISHED:
		frappe.throw(
			_(
				"WooCommerce order {0} is {1} already: only failed or unprocessed orders can be marked as synced."
			).format(woocommerce_id, _(record.status))
		)
	check_may_link(so, server, woocommerce_id, row.name)

	previous = record.status
	record.status = Status.SALES_ORDER_CREATED
	record.sales_order = so.name
	record.error = record.error_kind = record.failed_step = ""
	clear_retry(record)
	save_order(record)
	if not so.get("woocommerce_server"):
		# The link both ways: the sync finds the order's Sales Order from either side.
		frappe.db.set_value(
			"Sales Order", so.name, {"woocommerce_server": server, "woocommerce_id": str(woocommerce_id)}
		)
	row.add_comment(
		"Info",
		_("{0} marked this order as synced with Sales Order {1} on {2}; its status was {3}.").format(
			get_fullname(frappe.session.user), so.name, format_datetime(now_datetime()), _(previous)
		),
	)
	frappe.db.commit()
	return {"status": record.status, "sales_order": so.name}


def check_may_link(so: Document, server: str, woocommerce_id: int, row_name: str) -> None:
	"""A Sales Order may stand for the order only if it is not cancelled and neither it nor
	another row already stands for another web order."""
	if so.docstatus == 2:
		frappe.throw(_("Sales Order {0} is cancelled.").format(so.name))
	linked = (so.get("woocommerce_server"), cint(so.get("woocommerce_id")))
	if linked[0] and linked != (server, woocommerce_id):
		frappe.throw(
			_("Sales Order {0} is linked to WooCommerce order {1} of {2}.").format(
				so.name, linked[1], linked[0]
			)
		)
	other = frappe.db.get_value(
		ORDER_SYNC_DOCTYPE, {"sales_order": so.name, "name": ("!=", row_name)}, "woocommerce_id"
	)
	if other:
		frappe.throw(_("Sales Order {0} is linked to WooCommerce order {1}.").format(so.name, other))
