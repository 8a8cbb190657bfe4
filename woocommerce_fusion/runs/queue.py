"""The queue of runs: creating, superseding, resuming and enqueueing them, and the job behind
every run, which claims it, hands it to its sync type's runner and records a failure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, now_datetime
from frappe.utils.background_jobs import get_job
from rq.job import JobStatus

from woocommerce_fusion.engine.errors import describe
from woocommerce_fusion.runs import COUNT_FIELDS, DOCTYPE, SERVER_DOCTYPE, State, SyncType
from woocommerce_fusion.runs.switches import own_sync

APP = "woocommerce_fusion"
# The hook in hooks.py that names the job doing the work of each sync type, called with the
# claimed action (see this package's docstring). Every type offered in the Type field has one
# (tests/test_frappe_static.py checks it); a row of a type without one, as an older version may
# have stored, fails with a clear message instead of hanging.
RUNNERS_HOOK = "woocommerce_sync_runners"

# A run that has made no progress (no page listed or finished) for this long is taken to be
# dead: its worker was killed or its jobs were lost. Every job of a run has a timeout below this
# (see JOB_TIMEOUTS and the page jobs'), so no job of a run found stale can still be running.
STALE_AFTER = timedelta(hours=2)

# RQ's timeout of the job that runs an action, in seconds. A full run only lists and hands out
# pages (500 pages of a 50,000-order shop take about 15 minutes at a real shop's second a page);
# an hour leaves room for a slow shop and a resumed run goes on where a killed one stopped. A
# single request reads one order with retries bounded to two minutes a call.
RUN_TIMEOUT = 60 * 60
JOB_TIMEOUTS = {
	SyncType.ORDERS: RUN_TIMEOUT,
	SyncType.ITEMS: RUN_TIMEOUT,
	SyncType.STOCK: RUN_TIMEOUT,
	SyncType.PRICES: RUN_TIMEOUT,
}
SINGLE_REQUEST_TIMEOUT = 10 * 60

RUN_JOB = "woocommerce_fusion.runs.queue.run_sync_action"


def runner_of(sync_type: str) -> str | None:
	"""The dotted path of the job that does the work of the sync type, from the app's hooks.py."""
	# Read from this app's hooks only: the map is the app's own, and reading it does not depend
	# on the site's cache of every app's hooks being fresh.
	runners = frappe.get_hooks(RUNNERS_HOOK, default={}, app_name=APP)
	paths = runners.get(sync_type)
	return paths[-1] if paths else None


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


def waiting_run(server: str, sync_type: str, reference: str | int | None = None) -> str | None:
	"""The newest run of this type (and reference) that no worker has started yet: a new request
	joins it instead of queueing another, since it reads its work when it starts."""
	filters = {"woocommerce_server": server, "sync_type": sync_type, "state": State.NOT_PROCESSED}
	if reference is not None:
		filters["reference"] = str(reference)
	names = frappe.get_all(DOCTYPE, filters=filters, pluck="name", order_by="creation desc", limit=1)
	return names[0] if names else None


def resume(name: str) -> None:
	"""Queue a dead run again; commit_claim() then keeps what it counted and where its listing got."""
	lock_action(name)
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
		RUN_JOB,
		queue=queue,
		job_id=job_id,
		timeout=timeout,
		enqueue_after_commit=True,
		action=name,
	)


def run_sync_action(action: str) -> None:
	"""The job behind every run: claim it, hand it to its runner, record a failure, commit."""
	claimed = commit_claim(action)
	if claimed is None:
		return
	runner = runner_of(claimed.sync_type)
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


# -- state transitions -----------------------------------------------------------------------


def commit_claim(name: str) -> frappe._dict | None:
	"""Not processed -> In progress, exactly once, committed; None when the run must not start.

	The webshop's row is locked while deciding, so two runs of one shop that start together are
	decided one after the other: the second sees the first In progress and gives way. Whatever
	is decided (started, given way, webshop not found) is committed at once, so that the other
	workers see it and the row locks are released.
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
		set_values(
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
		set_values(name, state=State.IN_PROGRESS)
	else:
		set_values(
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
		set_values(name, state=State.ABORTED, completed_on=now, error=reason)


def mark_failed(name: str, error: str) -> None:
	"""The run as a whole failed (the shop unreachable, a setting missing): the shop's cursors
	stay, because only fan_in.finalise() moves them and it never completes a failed run. The run
	keeps its own cursor_until for when a later run resumes its listing."""
	set_values(name, state=State.FAILED, completed_on=now_datetime(), error=error)


def lock_action(name: str) -> frappe._dict | None:
	"""The action's row, locked FOR UPDATE until the transaction ends."""
	rows = frappe.db.sql(
		f"""select name, state, sync_type, woocommerce_server, pages_expected, pages_done, cursor_until,
			shop_cursor_until
		from `tab{DOCTYPE}` where name = %s for update""",
		(name,),
		as_dict=True,
	)
	return rows[0] if rows else None


def set_values(name: str, **values) -> None:
	frappe.db.set_value(DOCTYPE, name, values, update_modified=True)


def _hours() -> int:
	return int(STALE_AFTER.total_seconds() // 3600)


# -- what the buttons call -------------------------------------------------------------------


def summary(name: str) -> dict:
	"""What a button tells the user about a run it started or ran."""
	action = frappe.db.get_value(DOCTYPE, name, ["name", "state", "error", *COUNT_FIELDS], as_dict=True)
	first_line = (action.error or "").strip().splitlines()[:1]
	return {**action, "error": first_line[0] if first_line else ""}


def job_slot(job_id: str) -> tuple[bool, str | None]:
	"""For a job that must not be queued twice: whether one under `job_id` still waits (it will
	read its input when it starts, so it covers a change made now), and the id a new job takes.

	RQ keeps finished jobs for a while, so one is deleted to free its id. A running job may have
	read its input before the change that asks for another: the new one goes behind it under no
	id, so that it does not take the running job's. The id only saves work; the order's row lock
	keeps two jobs of one order apart.
	"""
	job = get_job(job_id)
	status = job.get_status() if job else None
	if status == JobStatus.QUEUED:
		return True, None
	if status == JobStatus.STARTED:
		return False, None
	if job:
		job.delete()
	return False, job_id
