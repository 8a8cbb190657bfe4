"""The endpoint WooCommerce's webhooks deliver to, and the job that syncs what they delivered.

POST /api/method/woocommerce_fusion.webhooks.receive?server=<WooCommerce Server>

The answer never waits for the order to be processed and never calls the shop: a signed delivery
is stored as a WooCommerce Webhook Delivery row, committed, and an order job is queued. The job
runs the order through the same path as the hourly run (engine/sync/orders.sync_order), with the
newest payload delivered, and records the outcome on the deliveries it processed.

Everything a guest can learn here is the status code: 200 (taken, or a ping), 401 (signature),
404 (no such server, or its order sync is off), 413 (too large). The body is always empty.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import frappe
from frappe import _
from frappe.utils import cint, now_datetime
from frappe.utils.password import get_decrypted_password

from woocommerce_fusion.constants import (
	ORDER_SYNC_DOCTYPE,
	SERVER_DOCTYPE,
	WEBHOOK_DELIVERY_DOCTYPE,
	order_sync_name,
	webhook_delivery_name,
)
from woocommerce_fusion.engine.intake import MAX_BODY_BYTES, Intake, Outcome, read_delivery
from woocommerce_fusion.engine.sync.orders import record_sync_error, sync_order
from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.times import utc_to_system
from woocommerce_fusion.runs.queue import job_slot
from woocommerce_fusion.runs.switches import order_sync_enabled, own_sync
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_webhook_delivery.woocommerce_webhook_delivery import (
	DUPLICATE,
	FAILED,
	OLDER_THAN_STORED,
	PROCESSED,
	RECEIVED,
	UNPROCESSABLE,
)

ORDER_JOB = "woocommerce_fusion.webhooks.process_order_deliveries"
# One order through the pipeline: a few calls to the shop and one Sales Order, as a "One order" run.
ORDER_JOB_TIMEOUT = 600


# xss_safe: for a guest, Frappe otherwise runs every string of the parsed JSON body through
# sanitize_html (BeautifulSoup), a few milliseconds per delivery; receive reads only the query
# string and the raw body, never form_dict.
@frappe.whitelist(allow_guest=True, xss_safe=True, methods=["POST"])
def receive() -> None:
	"""One delivery. The server comes from the query string only: Frappe hands a JSON body's keys
	to the method as arguments, and those are the shop's, not ours."""
	request = frappe.request
	server = request.args.get("server") or ""
	if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
		return _answer(413)
	if not server or not order_sync_enabled(server):
		return _answer(404)
	secret = webhook_secret(server)
	intake = read_delivery(request.get_data(cache=True), request.headers, secret)
	if intake.outcome == Outcome.REJECTED:
		# The status code is set, not raised, so this line is committed with the request.
		frappe.log_error(
			title=_("WooCommerce webhook delivery refused for {0}").format(server),
			message=_("{0}. From {1}, delivery id {2}.").format(
				intake.error,
				request.remote_addr,
				request.headers.get("X-WC-Webhook-Delivery-ID") or _("(none)"),
			),
			reference_doctype=SERVER_DOCTYPE,
			reference_name=server,
		)
	elif intake.stored:
		store_delivery(server, intake, request.get_data(cache=True))
	return _answer(intake.http_status)


# (site, server) -> (the server's modified, its decrypted secret). Decrypting costs a query and
# Fernet every delivery; the secret only changes with a save of the server, which moves `modified`.
_secrets: dict[tuple[str, str], tuple[Any, str | None]] = {}


def webhook_secret(server: str) -> str | None:
	key = (frappe.local.site, server)
	modified = frappe.get_cached_value(SERVER_DOCTYPE, server, "modified")
	cached = _secrets.get(key)
	if cached is None or cached[0] != modified:
		secret = get_decrypted_password(SERVER_DOCTYPE, server, "webhook_secret", raise_exception=False)
		cached = _secrets[key] = (modified, secret)
	return cached[1]


def _answer(status: int) -> None:
	frappe.local.response.http_status_code = status


def store_delivery(server: str, intake: Intake, raw_body: bytes) -> str:
	"""Keep the delivery, commit, and queue its order; returns the row's outcome.

	The row's name is the server and the delivery id, so the database decides which of two copies
	of one delivery came first; the other is kept under a name of its own as a Duplicate.
	"""
	outcome = _outcome_of(server, intake)
	values = {
		"doctype": WEBHOOK_DELIVERY_DOCTYPE,
		"woocommerce_server": server,
		"delivery_id": intake.delivery_id,
		"webhook_id": intake.webhook_id,
		"topic": intake.topic,
		"woocommerce_id": intake.woocommerce_id,
		"order_sync": order_sync_name(server, intake.woocommerce_id) if intake.woocommerce_id else None,
		"received_on": now_datetime(),
		"error": intake.error,
		"raw_body": raw_body.decode("utf-8", errors="replace"),
	}
	if outcome != DUPLICATE:
		frappe.db.savepoint("webhook_delivery")
		try:
			_insert({**values, "outcome": outcome})
		except frappe.DuplicateEntryError:
			frappe.db.rollback(save_point="webhook_delivery")
			# Frappe's "already exists" message would go out with the answer.
			frappe.clear_last_message()
			outcome = DUPLICATE
	if outcome == DUPLICATE:
		_insert({**values, "outcome": DUPLICATE}, replay=True)
	frappe.db.commit()
	if outcome == RECEIVED:
		enqueue_order(server, intake.woocommerce_id)
	return outcome


def _insert(values: dict[str, Any], replay: bool = False) -> None:
	"""A log row written as it is: no link checks (the order's sync row may not exist yet; the job
	makes it) and no document hooks, which cost a third of each delivery's time (energy points,
	notifications, Frappe's own webhooks) and have nothing to do for a row nobody edits. A name
	taken raises DuplicateEntryError as an insert would."""
	row = frappe.get_doc(values)
	row.flags.replay = replay
	row.autoname()
	row.db_insert()


def _outcome_of(server: str, intake: Intake) -> str:
	if frappe.db.exists(WEBHOOK_DELIVERY_DOCTYPE, webhook_delivery_name(server, intake.delivery_id)):
		return DUPLICATE
	if intake.outcome == Outcome.UNPROCESSABLE:
		return UNPROCESSABLE
	stored = frappe.db.get_value(
		ORDER_SYNC_DOCTYPE, order_sync_name(server, intake.woocommerce_id), "woocommerce_modified"
	)
	if stored and intake.date_modified_gmt and utc_to_system(intake.date_modified_gmt) < stored:
		return OLDER_THAN_STORED
	return RECEIVED


def order_job_id(server: str, woocommerce_id: int) -> str:
	return f"woocommerce_fusion::webhook::{server}::{cint(woocommerce_id)}"


def enqueue_order(server: str, woocommerce_id: int) -> None:
	"""Queue the order's job unless one is waiting: a waiting job reads every delivery of the order
	when it starts, so a burst of deliveries is processed once, with the newest payload."""
	waiting, job_id = job_slot(order_job_id(server, woocommerce_id))
	if waiting:
		return
	frappe.enqueue(
		ORDER_JOB,
		queue="default",
		timeout=ORDER_JOB_TIMEOUT,
		job_id=job_id,
		server=server,
		woocommerce_id=cint(woocommerce_id),
	)


def process_order_deliveries(server: str, woocommerce_id: int) -> None:
	"""The order job: sync the order with the newest payload of its waiting deliveries."""
	rows = frappe.get_all(
		WEBHOOK_DELIVERY_DOCTYPE,
		filters={"woocommerce_server": server, "woocommerce_id": woocommerce_id, "outcome": RECEIVED},
		fields=["name", "raw_body"],
		order_by="creation asc",
	)
	if not rows:
		return
	names = [row.name for row in rows]
	if not order_sync_enabled(server):
		return _finish(names, FAILED, _("Order sync was turned off before this delivery was processed."))
	order = newest_payload([json.loads(row.raw_body) for row in rows])
	erp = FrappeErp()
	settings = get_settings(server)
	try:
		with own_sync():
			client = get_client(server, reference=(WEBHOOK_DELIVERY_DOCTYPE, names[-1]))
			outcome = sync_order(erp, client, settings, order)
	except Exception as exc:
		erp.rollback()
		record_sync_error(erp, settings, woocommerce_id, exc, datetime.now(timezone.utc))
		outcome = "failed"
	if outcome == "failed":
		error = frappe.db.get_value(ORDER_SYNC_DOCTYPE, order_sync_name(server, woocommerce_id), "error")
		return _finish(names, FAILED, error or _("The order failed; see its WooCommerce Order Sync row."))
	_finish(names, PROCESSED, None)


def newest_payload(payloads: list[dict[str, Any]]) -> dict[str, Any]:
	"""The payload with the latest date_modified_gmt; of equal ones, the one received last."""
	oldest = datetime.min.replace(tzinfo=timezone.utc)

	def modified(position: int) -> tuple[datetime, int]:
		try:
			moment = parse_gmt(payloads[position].get("date_modified_gmt"))
		except ValueError:
			moment = None
		return (moment or oldest, position)

	return payloads[max(range(len(payloads)), key=modified)]


def _finish(names: list[str], outcome: str, error: str | None) -> None:
	frappe.db.set_value(
		WEBHOOK_DELIVERY_DOCTYPE,
		{"name": ("in", names)},
		{"outcome": outcome, "error": error},
		update_modified=True,
	)
	frappe.db.commit()
