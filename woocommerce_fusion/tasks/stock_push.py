"""Stock and price pushes as background jobs: the scheduler's tick, a shop's push job, and the
runners of the "Stock" and "Prices" Sync Actions (full pushes), named in hooks.py.

Document events only queue (erp/levels_hooks.py) and ask for a push job after their commit; the
push job polls the Bins when it is due and sends what waits (engine/catalogue/push.py). One job
per shop waits at a time (job_slot); the push lock keeps two running pushes of a shop apart.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.engine.catalogue.push import PushCounts, full_push, poll_bins, push_pending
from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.erp.levels_settings import get_levels_settings, servers_syncing
from woocommerce_fusion.erp.stock_levels import FrappeLevels
from woocommerce_fusion.runs.fan_in import add_counts, close_listing
from woocommerce_fusion.runs.queue import job_slot, mark_failed

PUSH_JOB = "woocommerce_fusion.tasks.stock_push.push_server"
# 10,000 Items are a hundred batch calls; a shop that stops answering ends the push early.
PUSH_JOB_TIMEOUT = 30 * 60


def push_job_id(server: str) -> str:
	return f"woocommerce_fusion::levels::{server}"


def queue_push(server: str, *, poll: bool = False) -> None:
	"""A push job for the shop after the current transaction commits, unless one still waits (it
	reads the queue when it starts, so it takes this change too)."""
	waiting, job_id = job_slot(push_job_id(server))
	if waiting:
		return
	frappe.enqueue(
		PUSH_JOB,
		queue="default",
		timeout=PUSH_JOB_TIMEOUT,
		job_id=job_id,
		enqueue_after_commit=True,
		server=server,
		poll=poll,
	)


def schedule_pushes() -> None:
	"""Scheduler (every minute): a push job for each shop whose interval has passed."""
	now = now_datetime()
	names = {row.name for kind in ("stock", "price") for row in servers_syncing(kind)}
	for server in sorted(names):
		settings = get_levels_settings(server)
		due = settings.last_stock_poll is None or settings.last_stock_poll <= now - timedelta(
			minutes=settings.poll_interval_minutes
		)
		if due:
			queue_push(server, poll=True)


def push_server(server: str, poll: bool = False) -> PushCounts | None:
	"""The push job: poll the Bins when asked, then send what waits."""
	settings = get_levels_settings(server)
	if not (settings.stock_enabled or settings.price_enabled):
		return None
	port = FrappeLevels()
	if poll:
		poll_bins(port, settings, now_datetime())
	counts = push_pending(port, get_client(server), settings)
	report_needs_attention(server, counts)
	frappe.db.commit()
	return counts


def report_needs_attention(server: str, counts: PushCounts) -> None:
	"""One Error Log per push for the Items it left to a person (given up, or refused in a way
	waiting cannot heal); their WooCommerce Pending Update rows keep the details."""
	if not counts.needs_attention:
		return
	frappe.log_error(
		title=_("WooCommerce {0}: the shop refused the stock or price of {1} Items").format(
			server, len(counts.needs_attention)
		),
		message="\n".join(
			[
				_(
					"These Items are not sent again until they change, are linked to another product, or "
					"the WooCommerce Server is saved (see WooCommerce Pending Update):"
				),
				*counts.needs_attention,
			]
		),
		reference_doctype=SERVER_DOCTYPE,
		reference_name=server,
	)


# -- Sync Action runners ---------------------------------------------------------------------


def run_stock(action: frappe._dict) -> None:
	"""The runner of a "Stock" action: every linked Item's stock sent to the shop again."""
	_run_full_push(action, stock=True, price=False)


def run_prices(action: frappe._dict) -> None:
	"""The runner of a "Prices" action: every linked Item's regular price sent to the shop again."""
	_run_full_push(action, stock=False, price=True)


def _run_full_push(action: frappe._dict, *, stock: bool, price: bool) -> None:
	server = action.woocommerce_server
	settings = get_levels_settings(server)
	if stock and not settings.stock_enabled:
		raise ConfigurationError(_("Enable Stock Sync on WooCommerce Server {0} first.").format(server))
	if price and not settings.price_enabled:
		raise ConfigurationError(_("Enable Price Sync on WooCommerce Server {0} first.").format(server))
	counts = full_push(
		FrappeLevels(), get_client(server, sync_action=action.name), settings, stock=stock, price=price
	)
	report_needs_attention(server, counts)
	run_counts = frappe._dict(
		fetched=counts.considered,
		created=0,
		updated=counts.pushed,
		unchanged=counts.unchanged,
		failed=counts.failed,
		errors=counts.errors,
	)
	if counts.locked_out:
		mark_failed(
			action.name,
			_("Another push to this shop was still running; the Items are queued and go with the next one."),
		)
	elif counts.stopped_by:
		add_counts(action.name, run_counts)
		mark_failed(action.name, _("The shop stopped answering: {0}").format(counts.stopped_by))
	else:
		close_listing(action.name, pages_expected=0, counts=run_counts)
	frappe.db.commit()
