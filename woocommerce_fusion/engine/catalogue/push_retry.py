"""When an Item the shop refused is sent again: the app's retry schedule (engine/retry.py) on the
rows of the stock and price queue.

A refusal that may pass by waiting (the shop down, an unexpected answer) is tried again after
5 min, 30 min, 2 h and 12 h, then the row gives up. One that waiting cannot heal waits for what
can: a value the shop refused, for a new change of the Item (its new value may be accepted); a
product the shop does not know, for a new link (the Item linked to another product). A change,
a full push and a saved WooCommerce Server make any waiting row due at once; so does a new link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from woocommerce_fusion.engine.catalogue.levels_port import ProductLink
from woocommerce_fusion.engine.errors import ErrorKind, kind_for_status
from woocommerce_fusion.engine.retry import HEALS_BY_WAITING, MAX_ATTEMPTS, RetryStatus, schedule_retry

# Only a new link heals these: a new stock or price change would go to the same wrong product.
WAITS_FOR_LINK = "Waits for the Item to be linked to a product the shop knows"


@dataclass
class RowSchedule:
	"""A queue row's retry fields after a failed attempt."""

	attempts: int
	next_attempt_on: datetime | None = None
	retry_status: str = ""


def schedule_failed(
	attempts_before: int, kind: ErrorKind, now: datetime, *, changed_meanwhile: bool = False
) -> RowSchedule:
	"""The row's schedule after one more failed attempt. A change that came in while the shop
	answered was not what it refused: as any new change, it makes the row due at once."""
	schedule = RowSchedule(attempts_before + 1)
	schedule_retry(schedule, kind, now)
	if kind == ErrorKind.NOT_FOUND:
		schedule.retry_status = WAITS_FOR_LINK
	if changed_meanwhile and made_due_by_change(schedule.attempts, schedule.retry_status, False):
		schedule.next_attempt_on, schedule.retry_status = now, RetryStatus.SCHEDULED
	return schedule


def needs_a_person(attempts_before: int, kind: ErrorKind, retry_status: str) -> bool:
	"""Whether this failure is the one that leaves the row to a person: it gives up, or it starts
	to wait for a fix (a row already waiting for one was reported when it started to)."""
	if kind in HEALS_BY_WAITING:
		return attempts_before + 1 >= MAX_ATTEMPTS
	return retry_status not in (RetryStatus.NEEDS_FIX, WAITS_FOR_LINK)


def made_due_by_change(attempts: int, retry_status: str, force: bool) -> bool:
	"""Whether a new change (or a full push) makes a failed row due at once."""
	return attempts > 0 and (force or retry_status != WAITS_FOR_LINK)


def link_key(link: ProductLink | None) -> str:
	"""The product an attempt went to, as the row keeps it ("<product>" or "<product>/<variation>")."""
	if link is None:
		return ""
	return f"{link.product_id}/{link.variation_id}" if link.variation_id else str(link.product_id)


def is_due(
	attempts: int,
	next_attempt_on: datetime | None,
	attempted_product: str,
	link: ProductLink | None,
	now: datetime,
) -> bool:
	"""Whether a push sends the row now. A row without a link is due: the push clears it unsent."""
	if attempts == 0 or link is None or link_key(link) != attempted_product:
		return True
	return next_attempt_on is not None and next_attempt_on <= now


def inline_error_kind(error: dict[str, Any]) -> ErrorKind:
	"""The kind of a batch answer's per-item error. WooCommerce answers an id it does not know with
	`woocommerce_rest_product_invalid_id` (or `..._variation_invalid_id`) and status 400."""
	code = str(error.get("code") or "")
	if code.endswith("_invalid_id"):
		return ErrorKind.NOT_FOUND
	data = error.get("data")
	status = data.get("status") if isinstance(data, dict) else None
	if isinstance(status, int):
		return kind_for_status(status)
	return ErrorKind.UNEXPECTED
