"""When a failed order is tried again by itself, and when it waits for a person.

A failure that may pass by waiting (the shop down or rate-limiting, a lock conflict, stock not
yet received, an unexpected error) is retried with growing delays up to a limit; then the row
stays Failed and says it gave up. A failure that waiting cannot heal (bad data, a missing
account or setting, a refused API key, a shop URL that redirects) is not retried until the
data or the settings change: a new version of the order from the shop, a saved WooCommerce
Server, or someone pressing Retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from woocommerce_fusion.engine.errors import ErrorKind

RETRY_DELAYS = (
	timedelta(minutes=5),
	timedelta(minutes=30),
	timedelta(hours=2),
	timedelta(hours=12),
)
# The first attempt plus one per delay.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

HEALS_BY_WAITING = frozenset(
	{
		ErrorKind.UNAVAILABLE,
		ErrorKind.RATE_LIMITED,
		ErrorKind.CONFLICT,
		ErrorKind.STOCK,
		ErrorKind.UNEXPECTED,
	}
)


class RetryStatus:
	"""What the row tells a person about its next attempt."""

	SCHEDULED = "Retried automatically"
	GAVE_UP = "Gave up after {0} attempts"
	NEEDS_FIX = "Waits for a fix of the data or the settings"


class Retried(Protocol):
	"""What keeps a retry schedule: an order row (OrderRecord), or its status push (StatusPush)."""

	attempts: int
	next_attempt_on: datetime | None
	retry_status: str


def schedule_retry(record: Retried, kind: ErrorKind, now: datetime) -> None:
	"""Set the next attempt of a record whose attempt just failed (attempts already counted)."""
	if kind not in HEALS_BY_WAITING:
		record.next_attempt_on = None
		record.retry_status = RetryStatus.NEEDS_FIX
		return
	if record.attempts >= MAX_ATTEMPTS:
		record.next_attempt_on = None
		record.retry_status = RetryStatus.GAVE_UP.format(record.attempts)
		return
	delay = RETRY_DELAYS[max(record.attempts, 1) - 1]
	record.next_attempt_on = now + delay
	record.retry_status = RetryStatus.SCHEDULED


class FailedAttempt(Retried, Protocol):
	"""An order's row as a failed attempt leaves it (OrderRecord)."""

	error: str
	error_kind: str
	last_attempt_on: datetime | None


def record_failed_attempt(record: FailedAttempt, kind: ErrorKind, message: str, now: datetime) -> None:
	"""Count a failed attempt on the row: its error stays visible until a later attempt succeeds,
	and the schedule says when the next one is."""
	record.error = message
	record.error_kind = kind.value
	record.attempts += 1
	record.last_attempt_on = now
	schedule_retry(record, kind, now)


def clear_retry(record: Retried) -> None:
	"""The order went through: the next failure starts a new series of attempts."""
	record.attempts = 0
	record.next_attempt_on = None
	record.retry_status = ""
