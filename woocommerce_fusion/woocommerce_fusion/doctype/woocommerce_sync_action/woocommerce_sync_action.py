# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""The queue of synchronisation runs and the bookkeeping every run shares.

A run is claimed once (Not processed -> In progress), may fan its work out over background
jobs, and ends exactly once. Fan-in is race-free because every side that may end the run (the
dispatcher after its listing, each page job after its page) takes the row lock of the action
with SELECT ... FOR UPDATE before it looks at pages_done and pages_expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, now_datetime

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.constants import SYNC_ACTION_DOCTYPE as DOCTYPE
from woocommerce_fusion.engine.errors import describe


class State:
	NOT_PROCESSED = "Not processed"
	IN_PROGRESS = "In progress"
	COMPLETED = "Completed"
	ABORTED = "Aborted by another synchronization"
	WEBSHOP_NOT_FOUND = "Webshop not found"
	FAILED = "Failed"

	FINISHED = (COMPLETED, ABORTED, WEBSHOP_NOT_FOUND, FAILED)


class SyncType:
	ORDERS = "Orders"
	ONE_ORDER = "One order"

	# Runs over a whole shop: two of them for the same shop at once would only do the work twice,
	# so a newer one supersedes a queued one and never runs beside a live one. Single requests
	# never abort anything.
	EXCLUSIVE = (ORDERS,)
	WITH_REFERENCE = (ONE_ORDER,)


# The job that does the work of each type, called with the claimed action. Every type offered in
# the Type field has one (tests/test_frappe_static.py checks it); a row of a type without one, as
# an older version may have stored, fails with a clear message instead of hanging.
RUNNERS = {
	SyncType.ORDERS: "woocommerce_fusion.tasks.order_sync.run_orders",
	SyncType.ONE_ORDER: "woocommerce_fusion.tasks.order_sync.run_one_order",
}

# The WooCommerce Server fields that a completed run of the type moves forward, each to the
# action's field beside it: the ERPNext-side cursor on the site's clock, the shop's listing
# cursor on the shop's own clock.
CURSOR_FIELDS = {
	SyncType.ORDERS: (
		("last_synchronised_on", "cursor_until"),
		("shop_synchronised_on", "shop_cursor_until"),
	)
}

# A run that has made no progress (no page listed or finished) for this long is taken to be
# dead: its worker was killed or its jobs were lost. Every job of a run has a timeout below this
# (see JOB_TIMEOUTS and the page jobs'), so no job of a run found stale can still be running.
STALE_AFTER = timedelta(hours=2)

# RQ's timeout of the job that runs an action, in seconds. A full run only lists and hands out
# pages (500 pages of a 50,000-order shop take about 15 minutes at a real shop's second a page);
# an hour leaves room for a slow shop and a resumed run goes on where a killed one stopped. A
# single request reads one order with retries bounded to two minutes a call.
RUN_TIMEOUT = 60 * 60
JOB_TIMEOUTS = {SyncType.ORDERS: RUN_TIMEOUT}
SINGLE_REQUEST_TIMEOUT = 10 * 60

# How many error lines one page or run adds to the action's error text.
MAX_ERROR_LINES = 20

COUNT_FIELDS = ("fetched", "created", "updated", "unchanged", "failed")


class WooCommerceSyncAction(Document):
	def validate(self) -> None:
		if self.sync_type in SyncType.WITH_REFERENCE and not self.reference:
			frappe.throw(_("A {0} synchronisation needs a reference.").format(_(self.sync_type)))
		if self.sync_type == SyncType.ONE_ORDER and cint(self.reference) <= 0:
			frappe.throw(_("{0} is not a WooCommerce order id.").format(self.reference))


# -- creating and starting runs ------------------------------------------------------------


def create_sync_action(
	server: str,
	sync_type: str,
	*,
	synchronize_all: bool = False,
	reference: str | int | None = None,
) -> str:
	"""Queue a run (state Not processed) and supersede what it makes pointless.

	A run of the same shop that died while it listed is resumed instead (its name is returned):
	it goes on from the last page it handed out, in the window it started with.
	"""
	if sync_type in SyncType.EXCLUSIVE:
		resumable = resumable_run(server, sync_type, covers_all=bool(synchronize_all))
		if resumable:
			resume(resumable)
			return resumable
	doc = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"woocommerce_server": server,
			"sync_type": sync_type,
			"synchronize_all": "Yes" if synchronize_all else "No",
			"reference": str(reference) if reference is not None else None,
		}
	).insert(ignore_permissions=True)
	if sync_type in SyncType.EXCLUSIVE:
		supersede_older_runs(doc.name, server, sync_type, covers_all=bool(synchronize_all))
	return doc.name


def supersede_older_runs(name: str, server: str, sync_type: str, *, covers_all: bool) -> list[str]:
	"""Abort the queued runs of the same shop and type that the new run covers, and the stale
	In progress ones. A queued "Synchronize all" is kept unless the new run is one too."""
	queued_scopes = ["No", "Yes"] if covers_all else ["No"]
	older = frappe.get_all(
		DOCTYPE,
		filters={
			"woocommerce_server": server,
			"sync_type": sync_type,
			"name": ("!=", name),
			"state": State.NOT_PROCESSED,
			"synchronize_all": ("in", queued_scopes),
		},
		pluck="name",
	)
	older += stale_runs(server, sync_type, exclude=name)
	abort(older, _("Superseded by synchronisation {0} for the same webshop.").format(name))
	return older


def stale_runs(server: str, sync_type: str, *, exclude: str | None = None) -> list[str]:
	return frappe.get_all(
		DOCTYPE,
		filters={
			"woocommerce_server": server,
			"sync_type": sync_type,
			"name": ("!=", exclude or ""),
			"state": State.IN_PROGRESS,
			"modified": ("<", now_datetime() - STALE_AFTER),
		},
		pluck="name",
	)


def resumable_run(server: str, sync_type: str, *, covers_all: bool) -> str | None:
	"""The shop's latest run (leaving out those that gave way or never started) when it stopped
	in the middle of its listing and can go on.

	Its listing is still open (pages_expected -1) and it stored how far it got, and it is dead:
	stale (its worker was killed), failed (its job timed out, or the shop stopped answering), or
	already resumed and waiting for a worker. A run whose listing had closed lost page jobs that
	nobody can name again: a new run reads its window instead. A "Synchronize all" request
	resumes only a run that synchronises all too.
	"""
	latest = frappe.get_all(
		DOCTYPE,
		filters={
			"woocommerce_server": server,
			"sync_type": sync_type,
			"state": ("not in", (State.ABORTED, State.WEBSHOP_NOT_FOUND)),
		},
		fields=["name", "state", "synchronize_all", "pages_expected", "listing_position", "modified"],
		order_by="creation desc",
		limit=1,
	)
	if not latest:
		return None
	run = latest[0]
	if not run.listing_position or cint(run.pages_expected) >= 0:
		return None
	if covers_all and run.synchronize_all != "Yes":
		return None
	dead = run.state == State.IN_PROGRESS and run.modified < now_datetime() - STALE_AFTER
	return run.name if dead or run.state in (State.NOT_PROCESSED, State.FAILED) else None


def resume(name: str) -> None:
	"""Queue a dead run again; claim() then keeps what it counted and where its listing got."""
	_lock(name)
	frappe.db.sql(
		f"""update `tab{DOCTYPE}` set state = %(state)s, completed_on = null, modified = %(now)s,
			error = concat(coalesce(error, ''), %(note)s)
		where name = %(name)s""",
		{
			"state": State.NOT_PROCESSED,
			"now": now_datetime(),
			"note": _("Resumed from where its listing stopped.") + "\n",
			"name": name,
		},
	)


def enqueue_sync_action(
	name: str, *, queue: str = "long", job_id: str | None = None, timeout: int | None = None
) -> None:
	"""Run the action in a worker once the transaction that queued it has committed."""
	if timeout is None:
		sync_type = frappe.db.get_value(DOCTYPE, name, "sync_type")
		timeout = JOB_TIMEOUTS.get(sync_type, SINGLE_REQUEST_TIMEOUT)
	frappe.enqueue(
		"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action.run_sync_action",
		queue=queue,
		job_id=job_id,
		timeout=timeout,
		enqueue_after_commit=True,
		action=name,
	)


def run_sync_action(action: str) -> None:
	"""The job behind every run: claim it, hand it to its runner, record a failure."""
	claimed = claim(action)
	if claimed is None:
		return
	runner = RUNNERS.get(claimed.sync_type)
	try:
		if runner is None:
			frappe.throw(
				_("Synchronisations of type {0} are not available yet.").format(_(claimed.sync_type))
			)
		with own_sync():
			frappe.get_attr(runner)(claimed)
	except Exception as exc:
		frappe.db.rollback()
		error = describe(exc)
		mark_failed(action, error)
		frappe.log_error(
			title=_("WooCommerce synchronisation {0} failed").format(action),
			message=error,
			reference_doctype=DOCTYPE,
			reference_name=action,
		)
	frappe.db.commit()


# Set while the app's own sync runs, so the Sales Order hooks do not answer the Sales Orders the
# sync itself writes with yet another sync.
SYNC_FLAG = "woocommerce_sync_running"


@contextmanager
def own_sync() -> Iterator[None]:
	previous = frappe.flags.get(SYNC_FLAG)
	frappe.flags[SYNC_FLAG] = True
	try:
		yield
	finally:
		frappe.flags[SYNC_FLAG] = previous


def in_own_sync() -> bool:
	return bool(frappe.flags.get(SYNC_FLAG))


def order_sync_enabled(server: str) -> bool:
	"""Whether the shop's orders may be synced at all: the server is enabled and its order sync is on.

	Read from the document cache, because the Sales Order hooks ask on every save of a web order;
	saving the server clears it.
	"""
	values = frappe.get_cached_value(SERVER_DOCTYPE, server, ["enabled", "enable_order_sync"], as_dict=True)
	return bool(values and cint(values.enabled) and cint(values.enable_order_sync))


def check_order_sync_enabled(server: str) -> None:
	if not order_sync_enabled(server):
		frappe.throw(
			_(
				"Order sync is off for WooCommerce Server {0}: it is disabled or its Enable Order Sync is not set."
			).format(server),
			title=_("Order sync is off"),
		)


# -- state transitions -----------------------------------------------------------------------


def claim(name: str) -> frappe._dict | None:
	"""Not processed -> In progress, exactly once; None when the run must not start.

	The webshop's row is locked while deciding, so two runs of one shop that start together are
	decided one after the other: the second sees the first In progress and gives way.
	"""
	action = frappe.db.get_value(
		DOCTYPE,
		name,
		[
			"name",
			"woocommerce_server",
			"sync_type",
			"synchronize_all",
			"reference",
			"state",
			"listing_position",
		],
		as_dict=True,
		for_update=True,
	)
	if not action or action.state != State.NOT_PROCESSED:
		return None
	now = now_datetime()
	enabled = frappe.db.get_value(SERVER_DOCTYPE, action.woocommerce_server, "enabled", for_update=True)
	if not enabled:
		_set(
			name,
			state=State.WEBSHOP_NOT_FOUND,
			started_on=now,
			completed_on=now,
			error=_("The webshop {0} does not exist or is disabled.").format(action.woocommerce_server),
		)
		frappe.db.commit()
		return None
	if action.sync_type in SyncType.EXCLUSIVE:
		stale = stale_runs(action.woocommerce_server, action.sync_type, exclude=name)
		abort(
			stale, _("Taken over by synchronisation {0}: no progress for {1} hours.").format(name, _hours())
		)
		running = frappe.get_all(
			DOCTYPE,
			filters={
				"woocommerce_server": action.woocommerce_server,
				"sync_type": action.sync_type,
				"state": State.IN_PROGRESS,
				"name": ("!=", name),
			},
			pluck="name",
		)
		if running:
			abort([name], _("Synchronisation {0} for this webshop was still running.").format(running[0]))
			frappe.db.commit()
			return None
	if action.listing_position:
		# Resumed: the pages it handed out before are still counted by the fan-in, and its
		# cursors are the ones of the window it started with.
		_set(name, state=State.IN_PROGRESS)
	else:
		_set(
			name,
			state=State.IN_PROGRESS,
			started_on=now,
			pages_expected=-1,
			pages_done=0,
			pages_enqueued=0,
			cursor_until=None,
			shop_cursor_until=None,
		)
	frappe.db.commit()
	action.state = State.IN_PROGRESS
	return action


def abort(names: Iterable[str], reason: str) -> None:
	now = now_datetime()
	for name in names:
		_set(name, state=State.ABORTED, completed_on=now, error=reason)


def mark_failed(name: str, error: str) -> None:
	"""The run as a whole failed (the shop unreachable, a setting missing): the shop's cursors
	stay, because only finalise() moves them and it never completes a failed run. The run keeps
	its own cursor_until for when a later run resumes its listing."""
	_set(name, state=State.FAILED, completed_on=now_datetime(), error=error)


def set_cursor_until(name: str, until: datetime | None) -> None:
	"""Where the shop's cursor moves if the run completes; committed at once, because page jobs
	take the same row lock to count their pages."""
	_set(name, cursor_until=until)
	frappe.db.commit()


def listing_state(name: str) -> tuple[str, str, int] | None:
	"""The stored window, position and pages handed out of a run that is resumed; else None."""
	row = frappe.db.get_value(
		DOCTYPE, name, ["listing_window", "listing_position", "pages_enqueued"], as_dict=True
	)
	if not row or not row.listing_window or not row.listing_position:
		return None
	return row.listing_window, row.listing_position, cint(row.pages_enqueued)


def record_listing(
	name: str,
	*,
	window: str,
	position: str,
	pages_enqueued: int,
	counts,
	shop_cursor_until: datetime | None,
) -> None:
	"""How far the listing got, committed after each page handed out, with what the dispatcher
	counted since the last call: a run that dies goes on from here (see resumable_run)."""
	_add_counts(name, counts, pages=0, drop_cursor=False)
	# The shop's cursor is set only while the run still may move its cursors: a page job that
	# failed as a whole dropped both, and a later page must not bring the shop's one back.
	frappe.db.sql(
		f"""update `tab{DOCTYPE}` set listing_window = %(window)s, listing_position = %(position)s,
			pages_enqueued = %(pages)s,
			shop_cursor_until = case when cursor_until is null then null else %(shop)s end
		where name = %(name)s""",
		{
			"window": window,
			"position": position,
			"pages": pages_enqueued,
			"shop": shop_cursor_until,
			"name": name,
		},
	)
	frappe.db.commit()


def close_listing(
	name: str,
	*,
	pages_expected: int,
	counts,
	cursor_complete: bool = True,
	shop_cursor_until: datetime | None = None,
) -> bool:
	"""The dispatcher's half of the fan-in: how many pages it handed out (a resumed run's
	included), what it counted itself (fetched orders, broken rows, a page processed inline),
	whether its listing saw everything, and the shop's clock when the listing began."""
	_lock(name)
	_add_counts(name, counts, pages=0, drop_cursor=not cursor_complete)
	frappe.db.sql(
		f"""update `tab{DOCTYPE}` set pages_expected = %(pages)s, pages_enqueued = %(pages)s,
			shop_cursor_until = case when cursor_until is null then null
				else coalesce(%(shop)s, shop_cursor_until) end
		where name = %(name)s""",
		{"pages": pages_expected, "shop": shop_cursor_until, "name": name},
	)
	return finalise(name)


def record_page(name: str, counts, *, cursor_complete: bool = True) -> bool:
	"""A page job's half of the fan-in: one page done, its counts added."""
	_lock(name)
	_add_counts(name, counts, pages=1, drop_cursor=not cursor_complete)
	return finalise(name)


def add_counts(name: str, counts) -> None:
	"""Counts of a run that does not complete the usual way (a single order that failed)."""
	_add_counts(name, counts, pages=0, drop_cursor=False)


def finalise(name: str) -> bool:
	"""In progress -> Completed when every page is done; True for the one caller that did it.

	The caller holds the row lock, so of the dispatcher and the page jobs exactly one sees the
	last page done while the run is still In progress. The shop's cursors move only then, and
	only when the listing was complete and no page job failed as a whole; single orders that
	failed do not hold them (they wait on their own rows).
	"""
	row = _lock(name)
	if row is None or row.state != State.IN_PROGRESS:
		return False
	if row.pages_expected < 0 or row.pages_done < row.pages_expected:
		return False
	_set(name, state=State.COMPLETED, completed_on=now_datetime())
	for server_field, action_field in CURSOR_FIELDS.get(row.sync_type, ()):
		if row.get(action_field):
			move_cursor(row.woocommerce_server, server_field, row[action_field])
	return True


def move_cursor(server: str, fieldname: str, until: datetime) -> None:
	"""Forward only: a late run must not take the shop's cursor back."""
	frappe.db.sql(
		f"""update `tab{SERVER_DOCTYPE}` set `{fieldname}` = %(until)s
		where name = %(server)s and (`{fieldname}` is null or `{fieldname}` < %(until)s)""",
		{"until": until, "server": server},
	)
	frappe.clear_document_cache(SERVER_DOCTYPE, server)


def _lock(name: str) -> frappe._dict | None:
	rows = frappe.db.sql(
		f"""select name, state, sync_type, woocommerce_server, pages_expected, pages_done, cursor_until,
			shop_cursor_until
		from `tab{DOCTYPE}` where name = %s for update""",
		(name,),
		as_dict=True,
	)
	return rows[0] if rows else None


def _add_counts(name: str, counts, *, pages: int, drop_cursor: bool) -> None:
	"""One UPDATE that adds to the counters, so concurrent page jobs never lose an increment."""
	values = {field: cint(getattr(counts, field, 0)) for field in COUNT_FIELDS}
	values.update(
		name=name,
		pages=pages,
		errors=error_lines(getattr(counts, "errors", [])),
		drop_cursor=1 if drop_cursor else 0,
		now=now_datetime(),
	)
	frappe.db.sql(
		f"""update `tab{DOCTYPE}` set
			pages_done = pages_done + %(pages)s,
			fetched = fetched + %(fetched)s,
			created = created + %(created)s,
			updated = updated + %(updated)s,
			unchanged = unchanged + %(unchanged)s,
			failed = failed + %(failed)s,
			error = concat(coalesce(error, ''), %(errors)s),
			cursor_until = case when %(drop_cursor)s = 1 then null else cursor_until end,
			shop_cursor_until = case when %(drop_cursor)s = 1 then null else shop_cursor_until end,
			modified = %(now)s
		where name = %(name)s""",
		values,
	)


def error_lines(errors: list[str]) -> str:
	if not errors:
		return ""
	lines = list(errors[:MAX_ERROR_LINES])
	if len(errors) > MAX_ERROR_LINES:
		lines.append(_("... and {0} more").format(len(errors) - MAX_ERROR_LINES))
	return "".join(f"{line}\n" for line in lines)


def _set(name: str, **values) -> None:
	frappe.db.set_value(DOCTYPE, name, values, update_modified=True)


def _hours() -> int:
	return int(STALE_AFTER.total_seconds() // 3600)


# -- what the buttons call -------------------------------------------------------------------


def summary(name: str) -> dict:
	"""What a button tells the user about a run it started or ran."""
	action = frappe.db.get_value(DOCTYPE, name, ["name", "state", "error", *COUNT_FIELDS], as_dict=True)
	first_line = (action.error or "").strip().splitlines()[:1]
	return {**action, "error": first_line[0] if first_line else ""}


@frappe.whitelist()
def synchronize_now(server: str, sync_type: str = SyncType.ORDERS, synchronize_all: int | str = 0) -> str:
	"""The list's "Synchronize now": queue a full run of the chosen webshop."""
	frappe.has_permission(DOCTYPE, "create", throw=True)
	if sync_type not in SyncType.EXCLUSIVE or sync_type not in RUNNERS:
		frappe.throw(_("Synchronisations of type {0} cannot be started here.").format(_(sync_type)))
	if not frappe.db.exists(SERVER_DOCTYPE, server):
		frappe.throw(_("WooCommerce Server {0} does not exist.").format(server), frappe.DoesNotExistError)
	check_order_sync_enabled(server)
	name = create_sync_action(server, sync_type, synchronize_all=bool(cint(synchronize_all)))
	enqueue_sync_action(name)
	return name
