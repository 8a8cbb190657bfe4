"""WooCommerce Order Sync rows as the engine's OrderRecord, under a row lock held until commit.

The row's name is "{server}-{woocommerce id}", so the primary key makes (server, id) unique and
two workers that meet a new order at the same moment cannot both create a row for it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import frappe
from frappe import _
from frappe.utils import cint, cstr, get_datetime, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.notices import forgets_notice
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.ports import OrderRecord
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.erp.order_notices import queue_notice
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system

# OrderRecord attribute -> WooCommerce Order Sync field, for everything save_order may write.
RECORD_FIELDS = {
	"status": "status",
	"sales_order": "sales_order",
	"sales_invoice": "sales_invoice",
	"payment_entry": "payment_entry",
	"payload": "payload",
	"date_modified_gmt": "woocommerce_modified",
	"applied_digest": "applied_digest",
	"sales_order_modified": "sales_order_modified",
	"synced_status": "synced_status",
	"placeholder_lines": "placeholder_lines",
	"error": "error",
	"error_kind": "error_kind",
	"failed_step": "failed_step",
	"attempts": "attempts",
	"last_attempt_on": "last_attempt_on",
	"next_attempt_on": "next_attempt_on",
	"retry_status": "retry_status",
	"transaction_id": "transaction_id",
}
DATETIME_FIELDS = (
	"woocommerce_created",
	"woocommerce_modified",
	"last_attempt_on",
	"next_attempt_on",
	"sales_order_modified",
	"requeued_on",
)
# The length of the Order Sync row's Error (error_summary) field.
ERROR_SUMMARY_LENGTH = 140


def lock_order(server: str, woocommerce_id: int) -> OrderRecord:
	"""The order's row, created if need be, locked FOR UPDATE until the transaction ends.

	It begins a new transaction. Under REPEATABLE READ a transaction's plain reads come from a
	snapshot taken at its first plain read; one taken before the lock was granted would hide
	what a worker that held the lock just committed (its Sales Order, its row). So the open
	transaction, which must not have written anything, is ended first, and only locking reads
	run until the lock is held. A new row is committed at once (_insert_row_committed) so that a
	parallel worker finds it and waits for its lock instead of inserting a second one: the one
	commit of a port method besides commit() and log_error's (see erp/adapter.py).
	"""
	if frappe.db.transaction_writes:
		frappe.throw(_("lock_order must begin the order's transaction; commit or roll back first"))
	frappe.db.rollback()
	name = order_sync_name(server, woocommerce_id)
	row = _locked_row(name)
	if not row:
		# The locking read of a missing row took a gap lock; two workers holding it would
		# deadlock on their inserts, so it goes before the insert does.
		frappe.db.rollback()
		_insert_row_committed(server, int(woocommerce_id))
		row = _locked_row(name)
	if not row:
		frappe.throw(_("WooCommerce Order Sync {0} vanished while it was locked").format(name))
	return to_record(row)


def _locked_row(name: str) -> dict | None:
	rows = frappe.db.sql(
		f"select * from `tab{ORDER_SYNC_DOCTYPE}` where name = %s for update", (name,), as_dict=True
	)
	return rows[0] if rows else None


def _insert_row_committed(server: str, woocommerce_id: int) -> None:
	"""Insert the order's row and commit it; roll back instead when a parallel worker was first.
	Either way the transaction has ended, and nothing else was in it (lock_order checks)."""
	doc = frappe.get_doc(
		{
			"doctype": ORDER_SYNC_DOCTYPE,
			"woocommerce_server": server,
			"woocommerce_id": woocommerce_id,
			"status": "Not processed",
		}
	)
	try:
		doc.insert(ignore_permissions=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# A parallel worker inserted it first; its committed row is read under the lock below,
		# in a new transaction (the insert's link checks must not leave an early snapshot).
		frappe.clear_last_message()
		frappe.db.rollback()
		return
	frappe.db.commit()


def save_order(record: OrderRecord) -> None:
	"""Write the fields that differ from the stored row; nothing at all when none does.

	The row is read with the lock the transaction holds (a locking read sees the latest
	commit), never from the snapshot, which may predate the lock.
	"""
	stored = _locked_row(record.name)
	if stored is None:
		frappe.throw(_("WooCommerce Order Sync {0} does not exist").format(record.name))
	wanted = to_row(record)
	changes = {field: value for field, value in wanted.items() if not _same(field, value, stored.get(field))}
	if changes:
		frappe.db.set_value(ORDER_SYNC_DOCTYPE, record.name, changes, update_modified=True)
	if changes.get("status") in Status.FAILED_STATES:
		# Told after the commit, by a job of its own: mail never slows or fails the sync.
		queue_notice(record.name)


def to_record(row: dict[str, Any]) -> OrderRecord:
	payload = row.get("payload")
	return OrderRecord(
		name=row["name"],
		server=row["woocommerce_server"],
		woocommerce_id=cint(row["woocommerce_id"]),
		status=row.get("status") or "Not processed",
		sales_order=cstr(row.get("sales_order")),
		sales_invoice=cstr(row.get("sales_invoice")),
		payment_entry=cstr(row.get("payment_entry")),
		payload=json.loads(payload) if payload else None,
		date_modified_gmt=system_to_utc(row.get("woocommerce_modified")),
		applied_digest=cstr(row.get("applied_digest")),
		sales_order_modified=system_to_utc(row.get("sales_order_modified")),
		error=cstr(row.get("error")),
		error_kind=cstr(row.get("error_kind")),
		failed_step=cstr(row.get("failed_step")),
		synced_status=cstr(row.get("synced_status")),
		placeholder_lines=cstr(row.get("placeholder_lines")),
		attempts=cint(row.get("attempts")),
		last_attempt_on=system_to_utc(row.get("last_attempt_on")),
		next_attempt_on=system_to_utc(row.get("next_attempt_on")),
		retry_status=cstr(row.get("retry_status")),
	)


def to_row(record: OrderRecord) -> dict[str, Any]:
	row = {
		"status": record.status,
		"sales_order": record.sales_order or None,
		"sales_invoice": record.sales_invoice or None,
		"payment_entry": record.payment_entry or None,
		"payload": dump_payload(record.payload) if record.payload is not None else None,
		"woocommerce_modified": utc_to_system(record.date_modified_gmt),
		"applied_digest": record.applied_digest,
		"sales_order_modified": utc_to_system(record.sales_order_modified),
		"synced_status": record.synced_status,
		"placeholder_lines": record.placeholder_lines,
		"error": record.error,
		"error_kind": record.error_kind,
		"failed_step": record.failed_step,
		"attempts": record.attempts,
		"last_attempt_on": utc_to_system(record.last_attempt_on),
		"next_attempt_on": utc_to_system(record.next_attempt_on),
		"retry_status": record.retry_status,
	}
	if record.payload is not None:
		# The payment reference is what people search the list for; it comes with the payload.
		row["transaction_id"] = cstr(record.payload.get("transaction_id"))
		row["woocommerce_created"] = utc_to_system(_created(record.payload))
	# The list shows the error's first line; the form, the whole of it.
	row["error_summary"] = error_summary(record.error)
	if record.status != Status.NOT_PROCESSED:
		# The order moved on: it is no longer stuck (tasks/stuck_orders.py) and not waiting for it.
		row["stuck"] = 0
		row["requeued_on"] = None
	if forgets_notice(record.status):
		# Back in a good state: a failure later is a new one, told again (erp/order_notices.py).
		row["notified_state"] = ""
	return row


def _created(payload: dict[str, Any]) -> datetime | None:
	"""When the order was placed; a payload without a readable date leaves the column empty."""
	try:
		return parse_gmt(payload.get("date_created_gmt"))
	except ValueError:
		return None


def error_summary(error: str) -> str:
	lines = (error or "").strip().splitlines()
	return lines[0][:ERROR_SUMMARY_LENGTH] if lines else ""


def orders_due_for_retry(server: str, now_utc: datetime, limit: int) -> list[int]:
	return [
		cint(woocommerce_id)
		for woocommerce_id in frappe.get_all(
			ORDER_SYNC_DOCTYPE,
			# Frappe compares a date filter as ifnull(field, '0001-01-01'): "not due" (null) must be
			# left out explicitly.
			filters=[
				["woocommerce_server", "=", server],
				["next_attempt_on", "is", "set"],
				["next_attempt_on", "<=", utc_to_system(now_utc)],
			],
			order_by="next_attempt_on asc, woocommerce_id asc",
			limit=limit,
			pluck="woocommerce_id",
		)
	]


def retry_after_settings_change(server: str) -> None:
	"""A saved WooCommerce Server may have fixed what the waiting orders lacked: try them now."""
	frappe.db.set_value(
		ORDER_SYNC_DOCTYPE,
		{"woocommerce_server": server, "retry_status": RetryStatus.NEEDS_FIX},
		"next_attempt_on",
		now_datetime(),
		update_modified=False,
	)


def dump_payload(payload: dict[str, Any]) -> str:
	return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1)


def _same(field: str, wanted: Any, stored: Any) -> bool:
	if field == "payload":
		return (json.loads(stored) if stored else None) == (json.loads(wanted) if wanted else None)
	if field in DATETIME_FIELDS:
		return (get_datetime(stored) if stored else None) == wanted
	if field in ("attempts", "stuck"):
		return cint(stored) == cint(wanted)
	return cstr(stored) == cstr(wanted)
