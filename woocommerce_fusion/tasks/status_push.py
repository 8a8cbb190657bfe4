"""Status back to WooCommerce as background jobs: the "Status push" runs and their retry job.

An ERPNext event that sets a web order's WooCommerce Status (erp/status_back.py) queues one run
per server; the run sends every pending status of the server in batches of 100
(engine/sync/status_push.py). A run still waiting for a worker takes the later events too, so a
batch of Delivery Notes or a bulk close becomes one run and one call per 100 orders.
"""

from __future__ import annotations

from datetime import datetime, timezone

import frappe

from woocommerce_fusion.engine.sync.orders import SyncCounts
from woocommerce_fusion.engine.sync.status_push import push_statuses
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.erp.status_records import FrappeStatus
from woocommerce_fusion.runs import SERVER_DOCTYPE, SyncType
from woocommerce_fusion.runs.fan_in import close_listing
from woocommerce_fusion.runs.queue import create_sync_action, enqueue_sync_action, job_slot, waiting_run

# Batch calls of up to 100 orders with the client's bounded retries (two minutes a call at
# most), plus a note per completed order: 10,000 orders a run stay well inside this.
STATUS_PUSH_TIMEOUT = 30 * 60


def enqueue_status_push(server: str) -> str:
	"""Queue a status push of the server, to start once the current transaction commits; returns
	the "Status push" Sync Action. One that still waits for a worker is returned instead: it reads
	the pending pushes when it starts, so it carries this one too."""
	scheduled = frappe.flags.setdefault("woocommerce_status_pushes_scheduled", {})
	if server in scheduled:
		return scheduled[server]
	waiting, job_id = job_slot(f"woocommerce_fusion::status_push::{server}")
	action = waiting_run(server, SyncType.STATUS_PUSH) if waiting else None
	if not action:
		action = create_sync_action(server, SyncType.STATUS_PUSH)
		enqueue_sync_action(action, queue="default", job_id=job_id, timeout=STATUS_PUSH_TIMEOUT)
	scheduled[server] = action
	return action


def run_status_push(action: frappe._dict) -> None:
	"""The runner of a "Status push" action (hooks.py's woocommerce_sync_runners)."""
	server = action.woocommerce_server
	counts = push_statuses(
		FrappeErp(), FrappeStatus(), server, lambda: get_client(server, sync_action=action.name)
	)
	close_listing(
		action.name,
		pages_expected=0,
		counts=SyncCounts(
			fetched=counts.due,
			updated=counts.pushed,
			unchanged=counts.up_to_date,
			failed=counts.failed,
			errors=counts.errors,
		),
	)
	frappe.db.commit()


def retry_status_pushes() -> None:
	"""Scheduler (every five minutes): a run for each shop with a failed push whose next attempt
	is due, or a pending one whose run was lost (its worker killed, say)."""
	now = datetime.now(timezone.utc)
	port = FrappeStatus()
	servers = frappe.get_all(
		SERVER_DOCTYPE, filters={"enabled": 1, "enable_order_sync": 1}, pluck="name", order_by="name"
	)
	for server in servers:
		if port.status_pushes_due(server, now, 1):
			enqueue_status_push(server)
	frappe.db.commit()
