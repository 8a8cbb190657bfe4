"""Failure notices: which state of an order a user is told about, and when a notice is due.

An order is told about at most once per state it enters: the row remembers the state its last
notice was about (Order Sync field `notified_state`). A failure retried and failing again stays
"Failed" and gets no second notice; an order that was failed and then got flagged stuck (or the
other way round) gets one for each; an order that moved on to a good state forgets, so a new
failure later is told again.
"""

from __future__ import annotations

from woocommerce_fusion.engine.pipeline import Status

FAILED = "Failed"
STUCK = "Stuck"
NO_ALERT = ""


def alert_state(status: str, stuck: bool) -> str:
	"""The state a notice is about: Failed for both failed statuses, Stuck for a flagged row."""
	if status in Status.FAILED_STATES:
		return FAILED
	if stuck and status == Status.NOT_PROCESSED:
		return STUCK
	return NO_ALERT


def notice_due(status: str, stuck: bool, notified_state: str | None) -> str | None:
	"""The state to tell the users about now, or None when they were told or there is nothing."""
	state = alert_state(status, stuck)
	if state and state != (notified_state or NO_ALERT):
		return state
	return None


def forgets_notice(status: str) -> bool:
	"""Whether a row the pipeline writes with `status` forgets its last notice: the order moved on
	to a good state, so a failure later is a new one."""
	return status not in Status.FAILED_STATES and status != Status.NOT_PROCESSED
