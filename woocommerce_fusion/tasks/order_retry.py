"""The retry job: failed orders whose next attempt is due, every few minutes.

The scheduler's tick only looks for due rows (one indexed query per server) and queues one job
per server that has any, so a quiet site queues nothing. The job retries at most a page of
orders; the next tick takes the rest.
"""

from __future__ import annotations

from datetime import datetime, timezone

import frappe
from frappe.utils.background_jobs import is_job_enqueued

from woocommerce_fusion.engine.sync.retries import retry_due_orders
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.order_records import orders_due_for_retry
from woocommerce_fusion.runs.switches import own_sync

RETRY_JOB = "woocommerce_fusion.tasks.order_retry.retry_server_orders"
# A page of orders against a slow shop: 100 orders with up to two minutes of retried calls for
# the fetch and a few seconds each for the Sales Orders.
RETRY_JOB_TIMEOUT = 30 * 60


def retry_failed_orders() -> None:
	"""Scheduler (every five minutes): queue a retry job for each server with due orders."""
	now = datetime.now(timezone.utc)
	servers = frappe.get_all(
		"WooCommerce Server", filters={"enabled": 1, "enable_order_sync": 1}, pluck="name", order_by="name"
	)
	for server in servers:
		due = orders_due_for_retry(server, now, limit=1)
		# One job per server waiting at a time saves work; the row locks keep overlapping ones apart.
		job_id = f"woocommerce_fusion::retry::{server}"
		if due and not is_job_enqueued(job_id):
			frappe.enqueue(RETRY_JOB, queue="long", timeout=RETRY_JOB_TIMEOUT, job_id=job_id, server=server)


def retry_server_orders(server: str) -> None:
	with own_sync():
		retry_due_orders(
			FrappeErp(),
			get_client(server),
			get_settings(server),
			now=lambda: datetime.now(timezone.utc),
		)
	frappe.db.commit()
