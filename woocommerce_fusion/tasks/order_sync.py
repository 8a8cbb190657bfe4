"""The order sync as background jobs: the hourly run, its page jobs, and single orders.

A run lists the shop's changed orders in the dispatcher job and hands each page of 100 orders
to its own job, so a big shop is worked through by as many workers as the bench has, and the
dispatcher never waits on its children (a bench with one worker would deadlock). Whoever
finishes last, the dispatcher or a page job, completes the run (see runs/fan_in.py).
The runners (run_orders, run_one_order) are named in hooks.py's woocommerce_sync_runners and
called by runs.queue.run_sync_action with the claimed action.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import frappe
from frappe import _
from frappe.utils import cint

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE as ORDER_SYNC
from woocommerce_fusion.engine.client import MAX_PER_PAGE
from woocommerce_fusion.engine.errors import describe
from woocommerce_fusion.engine.sync.listing import (
	ListingPosition,
	ListingWindow,
	listing_window,
	run_order_sync,
)
from woocommerce_fusion.engine.sync.orders import SyncCounts, sync_order, sync_order_page
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.times import utc_to_system
from woocommerce_fusion.runs import COUNT_FIELDS, SyncType
from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs.fan_in import (
	add_counts,
	close_listing,
	commit_cursor_until,
	commit_listing_position,
	listing_state,
	record_page,
)
from woocommerce_fusion.runs.queue import (
	create_sync_action,
	enqueue_sync_action,
	job_slot,
	mark_failed,
	waiting_run,
)
from woocommerce_fusion.runs.switches import own_sync

PAGE_JOB = "woocommerce_fusion.tasks.order_sync.process_order_page"
# Orders per page job: WooCommerce's largest page, one listing request per job.
PAGE_SIZE = MAX_PER_PAGE


# -- full runs --------------------------------------------------------------------------------

# RQ's timeout of a page job, in seconds: 100 orders at a few seconds each on a bench (a Sales
# Order with its Customer, Address and Contact), plus the shop's retries (two minutes a call at
# most). Below runs.queue.STALE_AFTER, so a run found stale has no page job still running.
PAGE_JOB_TIMEOUT = 30 * 60


def run_hourly_order_sync() -> None:
	"""Scheduler (hourly_long): one Orders run for every enabled shop with order sync on."""
	servers = frappe.get_all(
		"WooCommerce Server", filters={"enabled": 1, "enable_order_sync": 1}, pluck="name", order_by="name"
	)
	for server in servers:
		start_order_sync(server)


def start_order_sync(server: str, synchronize_all: bool = False) -> str:
	"""Queue an Orders run for the shop, or resume one that died; returns the Sync Action's name."""
	name = create_sync_action(server, SyncType.ORDERS, synchronize_all=synchronize_all)
	enqueue_sync_action(name)
	return name


def run_orders(action: frappe._dict) -> None:
	"""The dispatcher: list the changed orders and fan the pages out.

	A run resumed after its dispatcher died lists from where the stored position says, in the
	window it stored; the pages it handed out before are still counted by the fan-in.
	"""
	server = action.woocommerce_server
	settings = get_settings(server)
	client = get_client(server, sync_action=action.name)
	synchronize_all = action.synchronize_all == "Yes"
	since = None if synchronize_all else settings.last_synchronised_on
	shop_since = None if synchronize_all else settings.shop_synchronised_on
	stored = listing_state(action.name)
	if stored is None:
		window = listing_window(settings, since=since, shop_since=shop_since, now=datetime.now(timezone.utc))
		start, enqueued = None, 0
		commit_cursor_until(action.name, utc_to_system(window.site_until))
	else:
		window = ListingWindow.from_json(stored[0])
		start, enqueued = ListingPosition.from_json(stored[1]), stored[2]

	erp = FrappeErp()
	fan_out = PageFanOut(action.name, server, enqueued=enqueued)
	progress = ListingRecorder(action.name, fan_out)
	result = run_order_sync(
		erp,
		client,
		settings,
		since=since,
		shop_since=shop_since,
		now=window.site_until,
		window=window,
		start=start,
		page_sink=fan_out,
		on_page=progress,
		per_page=PAGE_SIZE,
	)
	counts = progress.not_recorded(result.counts)
	inline = fan_out.kept_back()
	if inline:
		counts.add(sync_order_page(erp, client, settings, inline))
	close_listing(
		action.name,
		pages_expected=fan_out.enqueued,
		counts=counts,
		cursor_complete=result.next_cursor is not None,
		shop_cursor_until=utc_to_system(result.next_shop_cursor),
	)
	frappe.db.commit()


class PageFanOut:
	"""The engine's page sink: one background job per page of orders.

	The first page is kept back until a second one comes, so a run with a single page (every
	hourly run of a quiet shop) is processed in the dispatcher without a second job. A resumed
	run has handed out pages already and keeps none back.
	"""

	def __init__(self, action: str, server: str, *, enqueued: int = 0):
		self.action = action
		self.server = server
		self.enqueued = enqueued
		self._first: list[dict[str, Any]] | None = None

	def __call__(self, orders: list[dict[str, Any]]) -> None:
		if self._first is None and self.enqueued == 0:
			self._first = orders
			return
		if self._first is not None:
			self._enqueue(self._first)
			self._first = None
		self._enqueue(orders)

	def kept_back(self) -> list[dict[str, Any]] | None:
		"""The page to process inline: the only one of the run, if there was just one."""
		return self._first

	def _enqueue(self, orders: list[dict[str, Any]]) -> None:
		# The orders travel in the job (RQ pickles them), so the page job reads nothing twice.
		frappe.enqueue(
			PAGE_JOB,
			queue="long",
			timeout=PAGE_JOB_TIMEOUT,
			action=self.action,
			server=self.server,
			orders=orders,
		)
		self.enqueued += 1


class ListingRecorder:
	"""The engine's on_page: commits how far the listing got after each page handed out.

	A page job is queued before its position is committed, so a dispatcher that dies between the
	two lists that page once more when resumed (a page synced twice changes nothing), and never
	skips one. What the dispatcher counted (orders fetched, rows without an id) is committed with
	the position, so a resumed run's totals include the pages listed before it died.
	"""

	def __init__(self, action: str, fan_out: PageFanOut):
		self.action = action
		self.fan_out = fan_out
		self.recorded = SyncCounts()

	def __call__(self, window: ListingWindow, position: ListingPosition, counts: SyncCounts) -> None:
		if self.fan_out.kept_back() is not None:
			# The first page waits in the dispatcher: it is not handed out until a second comes.
			return
		commit_listing_position(
			self.action,
			window=window.to_json(),
			position=position.to_json(),
			pages_enqueued=self.fan_out.enqueued,
			counts=self.not_recorded(counts),
			shop_cursor_until=utc_to_system(window.shop_until),
		)

	def not_recorded(self, counts: SyncCounts) -> SyncCounts:
		"""What `counts` (the run's totals so far) adds to what is on the action; then recorded."""
		delta = SyncCounts(errors=counts.errors[len(self.recorded.errors) :])
		for name in COUNT_FIELDS:
			setattr(delta, name, getattr(counts, name) - getattr(self.recorded, name))
			setattr(self.recorded, name, getattr(counts, name))
		self.recorded.errors = list(counts.errors)
		return delta


def process_order_page(action: str, server: str, orders: list[dict[str, Any]]) -> None:
	"""A page job: sync its orders, then count the page on the run (which may complete it).

	Orders that fail are kept on their own rows and do not hold the run's cursor; only a page
	whose orders were not even attempted does.
	"""
	cursor_complete = True
	try:
		with own_sync():
			settings = get_settings(server)
			client = get_client(server, sync_action=action)
			counts = sync_order_page(FrappeErp(), client, settings, orders)
	except Exception as exc:
		# Failing orders are caught per order by the engine; this is the page as a whole (the
		# settings or the database). Its orders were not synced, so the cursor must stay.
		frappe.db.rollback()
		cursor_complete = False
		ids = ", ".join(str(order.get("id")) for order in orders)
		error = describe(exc)
		counts = SyncCounts(
			failed=len(orders),
			errors=[_("Orders {0}: {1}").format(ids, error.splitlines()[0])],
		)
		frappe.log_error(
			title=_("WooCommerce order page of synchronisation {0} failed").format(action),
			message=error,
			reference_doctype=SYNC_ACTION,
			reference_name=action,
		)
	record_page(action, counts, cursor_complete=cursor_complete)
	frappe.db.commit()


# -- one order ----------------------------------------------------------------------------------


# A one-order run makes a few calls to the shop, each bounded by the client's retry budget and the
# server's request timeout, and writes one Sales Order; a run that takes longer is stuck.
ONE_ORDER_TIMEOUT = 600


def enqueue_one_order(server: str, woocommerce_id: int) -> str:
	"""Queue a sync of one order, to start once the current transaction commits; returns the
	"One order" Sync Action that records it. For hooks and buttons alike: neither may hold a web
	request (and its database locks) while the shop answers.

	An order whose job is still waiting keeps it, and its action is returned: the job reads the
	order when it starts, so it sees this change too. The job id only saves that work and a double
	click; two runs of one order at once are kept apart by the lock on its sync row.
	"""
	woocommerce_id = cint(woocommerce_id)
	key = (server, woocommerce_id)
	scheduled = frappe.flags.setdefault("woocommerce_orders_scheduled", {})
	if key in scheduled:
		return scheduled[key]
	waiting, job_id = job_slot(f"woocommerce_fusion::order::{server}::{woocommerce_id}")
	action = waiting_run(server, SyncType.ONE_ORDER, woocommerce_id) if waiting else None
	if action:
		scheduled[key] = action
		return action
	name = create_sync_action(server, SyncType.ONE_ORDER, reference=woocommerce_id)
	enqueue_sync_action(name, queue="default", job_id=job_id, timeout=ONE_ORDER_TIMEOUT)
	scheduled[key] = name
	return name


def run_one_order(action: frappe._dict) -> None:
	"""The runner of a "One order" action: fetch the order and compare it with its Sales Order."""
	server = action.woocommerce_server
	woocommerce_id = cint(action.reference)
	settings = get_settings(server)
	client = get_client(server, sync_action=action.name)
	erp = FrappeErp()
	order = client.get(f"orders/{woocommerce_id}")
	outcome = sync_order(erp, client, settings, order)

	counts = SyncCounts(fetched=1)
	counts.count(outcome)
	if outcome == "failed":
		# The pipeline recorded the failure on the order's row; the run shows it too, because
		# whoever pressed the button is looking at the run.
		add_counts(action.name, counts)
		mark_failed(action.name, order_failure(server, woocommerce_id))
	else:
		close_listing(action.name, pages_expected=0, counts=counts)
	frappe.db.commit()


def order_failure(server: str, woocommerce_id: int) -> str:
	error = frappe.db.get_value(
		ORDER_SYNC, {"woocommerce_server": server, "woocommerce_id": woocommerce_id}, "error"
	)
	head = _("Order {0} failed; its WooCommerce Order Sync row has the details.").format(woocommerce_id)
	return f"{head}\n\n{error}" if error else head
