"""The engine's StatusPort on a real ERPNext (engine/status_port.py): the server's Status Rules,
the status push fields of the WooCommerce Order Sync row and the Sales Order's WooCommerce Status.

The event methods run in the transaction of the document that caused the event (a Delivery Note
submitted, say), so a rolled-back submit leaves nothing behind; they never commit. The push
methods run under the order's row lock that FrappeErp.lock_order holds; the engine commits.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.utils import cint, cstr, get_datetime, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, SERVER_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.status_back import DEFAULT_RULES
from woocommerce_fusion.engine.status_port import (
	PushState,
	PushTarget,
	StatusBackState,
	StatusPush,
	StatusRule,
)
from woocommerce_fusion.erp.request_log import insert_committed
from woocommerce_fusion.erp.sales_order_status import STATUS_CHANGED_ON
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system

RULES_TABLE = "status_rules"
RULE_DOCTYPE = "WooCommerce Status Rule"
BATCH_PATH = "/wp-json/wc/v3/orders/batch"

# StatusPush attribute -> WooCommerce Order Sync field.
PUSH_FIELDS = {
	"state": "status_push",
	"document_type": "status_push_document_type",
	"document_name": "status_push_document",
	"error": "status_push_error",
	"error_kind": "status_push_error_kind",
	"attempts": "status_push_attempts",
	"next_attempt_on": "status_push_next_attempt_on",
	"retry_status": "status_push_retry",
	"pushed_on": "status_pushed_on",
}
_DATETIMES = ("next_attempt_on", "pushed_on")


class FrappeStatus:
	# -- at the ERPNext event ------------------------------------------------------------------

	def status_rules(self, server: str) -> list[StatusRule]:
		rows = frappe.get_all(
			RULE_DOCTYPE,
			filters={"parent": server, "parenttype": SERVER_DOCTYPE, "parentfield": RULES_TABLE},
			fields=["erpnext_event", "woocommerce_status", "enabled", "add_order_note"],
			order_by="idx asc",
		)
		return [
			StatusRule(
				row.erpnext_event,
				cstr(row.woocommerce_status),
				bool(row.enabled),
				add_note=bool(row.add_order_note),
			)
			for row in rows
		]

	def status_back_state(self, server: str, woocommerce_id: int, sales_order: str) -> StatusBackState | None:
		synced = frappe.db.get_value(
			ORDER_SYNC_DOCTYPE, order_sync_name(server, woocommerce_id), "synced_status", as_dict=True
		)
		status = frappe.db.get_value("Sales Order", sales_order, "woocommerce_status")
		if synced is None or status is None:
			return None
		return StatusBackState(cstr(status), cstr(synced.synced_status))

	def request_status_push(
		self,
		server: str,
		woocommerce_id: int,
		sales_order: str,
		status: str,
		document_type: str,
		document_name: str,
	) -> None:
		if frappe.db.get_value("Sales Order", sales_order, "woocommerce_status") != status:
			# No hooks and no `modified`: the stamp alone tells the merge that ERPNext changed it.
			frappe.db.set_value(
				"Sales Order",
				sales_order,
				{"woocommerce_status": status, STATUS_CHANGED_ON: now_datetime()},
				update_modified=False,
			)
		pending = to_row(
			StatusPush(
				server,
				int(woocommerce_id),
				state=PushState.PENDING,
				document_type=document_type,
				document_name=document_name,
			)
		)
		# When the status last reached the shop stays until it reaches it again.
		del pending[PUSH_FIELDS["pushed_on"]]
		frappe.db.set_value(
			ORDER_SYNC_DOCTYPE, order_sync_name(server, woocommerce_id), pending, update_modified=True
		)

	# -- the push, under the order's lock --------------------------------------------------------

	def status_pushes_due(self, server: str, now: datetime, limit: int) -> list[int]:
		rows = frappe.db.sql(
			f"""select woocommerce_id from `tab{ORDER_SYNC_DOCTYPE}`
			where woocommerce_server = %(server)s and (
				status_push = %(pending)s
				or (status_push = %(failed)s and status_push_next_attempt_on <= %(now)s)
			)
			order by woocommerce_id asc
			limit %(limit)s""",
			{
				"server": server,
				"pending": PushState.PENDING,
				"failed": PushState.FAILED,
				"now": utc_to_system(now),
				"limit": int(limit),
			},
		)
		return [cint(row[0]) for row in rows]

	def read_status_push(self, server: str, woocommerce_id: int) -> StatusPush:
		row = frappe.db.get_value(
			ORDER_SYNC_DOCTYPE,
			order_sync_name(server, woocommerce_id),
			list(PUSH_FIELDS.values()),
			as_dict=True,
			for_update=True,
		)
		if row is None:
			frappe.throw(f"WooCommerce Order Sync {order_sync_name(server, woocommerce_id)} does not exist")
		return StatusPush(
			server=server,
			woocommerce_id=int(woocommerce_id),
			state=cstr(row.status_push),
			document_type=cstr(row.status_push_document_type),
			document_name=cstr(row.status_push_document),
			error=cstr(row.status_push_error),
			error_kind=cstr(row.status_push_error_kind),
			attempts=cint(row.status_push_attempts),
			next_attempt_on=system_to_utc(row.status_push_next_attempt_on),
			retry_status=cstr(row.status_push_retry),
			pushed_on=system_to_utc(row.status_pushed_on),
		)

	def save_status_push(self, push: StatusPush) -> None:
		name = order_sync_name(push.server, push.woocommerce_id)
		stored = to_row(self.read_status_push(push.server, push.woocommerce_id))
		changes = {field: value for field, value in to_row(push).items() if stored[field] != value}
		if changes:
			frappe.db.set_value(ORDER_SYNC_DOCTYPE, name, changes, update_modified=True)

	def push_target(self, sales_order: str) -> PushTarget | None:
		row = frappe.db.get_value(
			"Sales Order",
			sales_order,
			["name", "woocommerce_status", STATUS_CHANGED_ON, "modified"],
			as_dict=True,
		)
		if row is None:
			return None
		return PushTarget(
			name=row.name,
			woocommerce_status=cstr(row.woocommerce_status),
			woocommerce_status_changed_on=system_to_utc(row.get(STATUS_CHANGED_ON)),
			modified_utc=system_to_utc(get_datetime(row.modified)),
		)

	def log_push_failure(
		self, server: str, woocommerce_id: int, status_code: int | None, error_kind: str, message: str
	) -> None:
		row = {
			"server": server,
			"method": "POST",
			"endpoint": BATCH_PATH,
			"attempt": 1,
			"succeeded": 0,
			"status_code": status_code,
			"error_kind": error_kind,
			"error_message": message,
			"reference_doctype": ORDER_SYNC_DOCTYPE,
			"reference_name": order_sync_name(server, woocommerce_id),
		}
		try:
			insert_committed(row)
		except Exception:
			# A log row that could not be written must never fail the push it reports on.
			frappe.logger("woocommerce_fusion").exception("Could not log the refused status push")


def pushes_due_after_settings_change(server: str) -> None:
	"""A saved WooCommerce Server may have fixed what the failed pushes lacked (a key, say): the
	retry job sends them again."""
	frappe.db.set_value(
		ORDER_SYNC_DOCTYPE,
		{
			"woocommerce_server": server,
			"status_push": PushState.FAILED,
			"status_push_retry": RetryStatus.NEEDS_FIX,
		},
		"status_push_next_attempt_on",
		now_datetime(),
		update_modified=False,
	)


def to_row(push: StatusPush) -> dict:
	row = {field: getattr(push, attribute) for attribute, field in PUSH_FIELDS.items()}
	for attribute in _DATETIMES:
		row[PUSH_FIELDS[attribute]] = utc_to_system(getattr(push, attribute))
	return row


def default_rules() -> list[dict]:
	"""The rows a new server's Status Rules table starts with (engine/status_back.py)."""
	return [
		{
			"erpnext_event": rule.event,
			"woocommerce_status": rule.woocommerce_status,
			"enabled": int(rule.enabled),
			"add_order_note": int(rule.add_note),
		}
		for rule in DEFAULT_RULES
	]
