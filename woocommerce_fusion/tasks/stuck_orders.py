"""Orders left in "Not processed": queued once more, then flagged for a person.

A row is Not processed from the moment its order is known until its pipeline runs; a job lost
with its worker, or a webhook delivery whose job never ran, leaves it there with nothing to move
it on (the retry job only takes failed rows). Every ten minutes this job queues each row left
untouched longer than the shop's Stuck After (minutes) once more, through the same "One order"
run as the buttons; a row still Not processed that long after being queued again is flagged
Stuck, for the screen's filter and the reports. Leaving Not processed clears both marks
(erp/order_records.to_row).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe.utils import cint, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.erp.order_notices import notify_pending_orders
from woocommerce_fusion.tasks.order_sync import enqueue_one_order

DEFAULT_STUCK_AFTER_MINUTES = 30
# Rows queued again per shop and tick; the next tick takes the rest.
REQUEUE_LIMIT = 200


def requeue_stuck_orders() -> None:
	"""Scheduler (every ten minutes): for each shop with order sync on, queue its stuck orders
	once more and flag those that stayed stuck after that."""
	now = now_datetime()
	servers = frappe.get_all(
		SERVER_DOCTYPE,
		filters={"enabled": 1, "enable_order_sync": 1},
		fields=["name", "stuck_after_minutes"],
		order_by="name",
	)
	for server in servers:
		minutes = cint(server.stuck_after_minutes) or DEFAULT_STUCK_AFTER_MINUTES
		check_server(server.name, timedelta(minutes=minutes), now)
		frappe.db.commit()
	# The rows just flagged, and any failure whose own notice job was lost.
	notify_pending_orders()


def check_server(server: str, stuck_after: timedelta, now: datetime) -> None:
	"""Flag first, so that a row queued again in this tick is not judged by it."""
	since = now - stuck_after
	flag_stuck_orders(server, since)
	requeue_orders(server, since, now)


def requeue_orders(server: str, since: datetime, now: datetime) -> int:
	"""Queue the shop's rows left in Not processed since before `since` and not queued again yet."""
	rows = frappe.get_all(
		ORDER_SYNC_DOCTYPE,
		filters={
			"woocommerce_server": server,
			"status": Status.NOT_PROCESSED,
			"requeued_on": ("is", "not set"),
			"modified": ("<", since),
		},
		fields=["name", "woocommerce_id"],
		order_by="modified asc",
		limit=REQUEUE_LIMIT,
	)
	for row in rows:
		enqueue_one_order(server, row.woocommerce_id)
		# Only if the row is still waiting: a sync may have moved it on meanwhile. Not a change of
		# the order, so its modified stays.
		frappe.db.set_value(
			ORDER_SYNC_DOCTYPE,
			{"name": row.name, "status": Status.NOT_PROCESSED},
			"requeued_on",
			now,
			update_modified=False,
		)
	return len(rows)


def flag_stuck_orders(server: str, since: datetime) -> None:
	"""Flag the shop's rows still Not processed although queued again before `since`."""
	frappe.db.set_value(
		ORDER_SYNC_DOCTYPE,
		{
			"woocommerce_server": server,
			"status": Status.NOT_PROCESSED,
			"stuck": 0,
			"requeued_on": ("<", since),
		},
		"stuck",
		1,
		update_modified=False,
	)
