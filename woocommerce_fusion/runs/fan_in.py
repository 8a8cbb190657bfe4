"""How far a run got and how it ends: the listing's position, the page counts, completing the
run exactly once and moving the shop's cursors.

Of the dispatcher and the page jobs, whoever finishes last completes the run. Each takes the
action's row lock (runs.queue.lock_action) before it counts, so exactly one of them sees the
last page done. Only commit_cursor_until and commit_listing_position commit; the jobs commit
after close_listing and record_page.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from woocommerce_fusion.runs import COUNT_FIELDS, DOCTYPE, SERVER_DOCTYPE, State, SyncType
from woocommerce_fusion.runs.queue import lock_action, set_values

# The WooCommerce Server fields that a completed run of the type moves forward, each to the
# action's field beside it: the ERPNext-side cursor on the site's clock, the shop's listing
# cursor on the shop's own clock.
CURSOR_FIELDS = {
	SyncType.ORDERS: (
		("last_synchronised_on", "cursor_until"),
		("shop_synchronised_on", "shop_cursor_until"),
	),
	SyncType.ITEMS: (
		("items_synchronised_on", "cursor_until"),
		("items_shop_synchronised_on", "shop_cursor_until"),
	),
}

# How many error lines one page or run adds to the action's error text.
MAX_ERROR_LINES = 20


def commit_cursor_until(name: str, until: datetime | None) -> None:
	"""Where the shop's cursor moves if the run completes; committed at once, because page jobs
	take the same row lock to count their pages."""
	set_values(name, cursor_until=until)
	frappe.db.commit()


def listing_state(name: str) -> tuple[str, str, int] | None:
	"""The stored window, position and pages handed out of a run that is resumed; else None."""
	row = frappe.db.get_value(
		DOCTYPE, name, ["listing_window", "listing_position", "pages_enqueued"], as_dict=True
	)
	if not row or not row.listing_window or not row.listing_position:
		return None
	return row.listing_window, row.listing_position, cint(row.pages_enqueued)


def commit_listing_position(
	name: str,
	*,
	window: str,
	position: str,
	pages_enqueued: int,
	counts,
	shop_cursor_until: datetime | None,
) -> None:
	"""How far the listing got, committed after each page handed out, with what the dispatcher
	counted since the last call: a run that dies goes on from here (see queue.resumable_run)."""
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
	lock_action(name)
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
	lock_action(name)
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
	row = lock_action(name)
	if row is None or row.state != State.IN_PROGRESS:
		return False
	if row.pages_expected < 0 or row.pages_done < row.pages_expected:
		return False
	set_values(name, state=State.COMPLETED, completed_on=now_datetime())
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
