"""Pushing the queued stock and price changes of one shop: read, compare, batch, record.

A push takes the server's push lock (so two pushes of one shop never overlap), lists the waiting
rows, and goes through them a batch at a time: in a fresh snapshot it reads the rows and the
Items' current stock and rates, keeps what differs from what was last pushed, sends it in one
products/batch or products/<parent>/variations/batch call of at most 100, and records each
Item's outcome from the answer (WooCommerce answers a batch 200 with per-item inline errors).
An Item the shop refused waits for its next attempt (push_retry.py) and is left out until
then. Nothing holds a database lock while the shop answers. A change made meanwhile moves its row's
sequence, so the row stays pending and the next push sends the newer value; it never aborts
the running push.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

from woocommerce_fusion.engine.catalogue.levels_port import (
	ItemOutcome,
	LevelsPort,
	LevelsSettings,
	PendingUpdate,
)
from woocommerce_fusion.engine.catalogue.prices import price_fields, shop_price
from woocommerce_fusion.engine.catalogue.push_retry import inline_error_kind, link_key, needs_a_person
from woocommerce_fusion.engine.catalogue.stock import shop_quantity, stock_fields
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import ErrorKind, WooCommerceError

# WooCommerce's limit per batch call (more is answered 413).
BATCH_SIZE = 100
# A push waits this long for a running one of the same shop (which sends 10,000 Items in about
# a hundred calls), then leaves its rows to the next push.
LOCK_WAIT_SECONDS = 600
# Bins are read again this far back: a transaction that wrote a Bin before the last poll may
# have committed after it, with a `modified` the last poll could not see yet.
POLL_OVERLAP = timedelta(minutes=10)
# A failure of the call itself that later batches would meet too: stop, the rows wait (due, no
# attempt counted: it is the shop's or the settings' failure, not the Items').
STOPPING_KINDS = (
	ErrorKind.FORBIDDEN,
	ErrorKind.UNAVAILABLE,
	ErrorKind.RATE_LIMITED,
	ErrorKind.REDIRECT,
)


@dataclass
class PushCounts:
	"""What a push did: Items the shop took, found equal, or refused; calls made."""

	considered: int = 0
	pushed: int = 0
	unchanged: int = 0
	failed: int = 0
	calls: int = 0
	locked_out: bool = False
	# Set when the push stopped early; the Items not reached wait for the next push.
	stopped_by: str = ""
	errors: list[str] = field(default_factory=list)
	# "<item code>: <error>" of the Items this push left to a person: given up, or waiting for a
	# fix of their data or link (push_retry.needs_a_person).
	needs_attention: list[str] = field(default_factory=list)


@dataclass
class _Send:
	row: PendingUpdate
	body: dict[str, Any]
	outcome: ItemOutcome


def plan_row(
	row: PendingUpdate,
	settings: LevelsSettings,
	quantities: dict[str, Decimal],
	rates: dict[str, Decimal],
) -> _Send | ItemOutcome:
	"""What one row sends: a batch entry, or an outcome when nothing needs to go out."""
	outcome = ItemOutcome(
		row.item_code,
		row.sequence,
		stock=row.stock,
		price=row.price,
		attempted_product=link_key(row.link),
	)
	if row.link is None:
		return outcome
	body: dict[str, Any] = {}
	if row.stock and settings.stock_enabled:
		quantity = shop_quantity(quantities.get(row.item_code, Decimal(0)))
		if row.force or quantity != row.pushed_stock:
			body.update(stock_fields(quantity))
			outcome.pushed_stock = quantity
	rate = rates.get(row.item_code)
	# An Item without a price in the list keeps the shop's price: sending "" would make the
	# product unpurchasable.
	if row.price and settings.price_enabled and rate is not None:
		price = shop_price(rate)
		if row.force or price != row.pushed_price:
			body.update(price_fields(price))
			outcome.pushed_price = price
	if not body:
		return outcome
	return _Send(row, {"id": row.link.shop_id, **body}, outcome)


def read_answer(sends: list[_Send], answer: Any) -> list[ItemOutcome]:
	"""Each Item's outcome from a batch answer: the shop answers in the order it was sent, a
	refused Item as {"id", "error": {code, message, data}}."""
	entries = answer.get("update") if isinstance(answer, dict) else None
	entries = entries if isinstance(entries, list) else []
	outcomes = []
	for index, send in enumerate(sends):
		entry = entries[index] if index < len(entries) else None
		outcome = send.outcome
		if not isinstance(entry, dict):
			outcome.error = "The shop's batch answer has no entry for this item."
		elif entry.get("error"):
			error = entry["error"] if isinstance(entry["error"], dict) else {"message": entry["error"]}
			outcome.error = f"[{error.get('code', '')}] {error.get('message', '')}".strip()
			outcome.kind = inline_error_kind(error)
		elif str(entry.get("id")) != str(send.body["id"]):
			outcome.error = f"The shop answered for id {entry.get('id')} instead of {send.body['id']}."
		outcomes.append(outcome)
	return outcomes


def failed_call(sends: list[_Send], error: WooCommerceError) -> list[ItemOutcome]:
	for send in sends:
		send.outcome.error = str(error)
		send.outcome.kind = error.kind
	return [send.outcome for send in sends]


def candidate_batches(rows: list[PendingUpdate]) -> list[list[str]]:
	"""The due Items grouped by the endpoint that updates them, at most BATCH_SIZE a group; Items
	without a link go together (they send nothing). A refused Item waiting for its next attempt
	takes no place in a batch."""

	def endpoint(row: PendingUpdate) -> str:
		return row.link.endpoint if row.link else ""

	rows = [row for row in rows if row.due]
	ordered = sorted(rows, key=lambda row: (endpoint(row), row.link.shop_id if row.link else 0))
	batches = []
	for _endpoint, group in groupby(ordered, key=endpoint):
		codes = [row.item_code for row in group]
		batches.extend(codes[i : i + BATCH_SIZE] for i in range(0, len(codes), BATCH_SIZE))
	return batches


def push_pending(
	port: LevelsPort,
	client: WooCommerceClient,
	settings: LevelsSettings,
	*,
	lock_wait: float = LOCK_WAIT_SECONDS,
	on_batch: Callable[[PushCounts], None] | None = None,
) -> PushCounts:
	"""Push the server's waiting stock and price changes; see the module docstring."""
	counts = PushCounts()
	if not port.lock_push(settings.server, lock_wait):
		counts.locked_out = True
		return counts
	try:
		port.rollback()
		batches = candidate_batches(port.pending_updates(settings.server))
		port.rollback()
		for codes in batches:
			if not _push_batch(port, client, settings, codes, counts):
				break
			if on_batch:
				on_batch(counts)
	finally:
		port.rollback()
		port.unlock_push(settings.server)
	return counts


def _push_batch(
	port: LevelsPort,
	client: WooCommerceClient,
	settings: LevelsSettings,
	codes: list[str],
	counts: PushCounts,
) -> bool:
	"""One batch: read in a fresh snapshot, send, record, commit. False: stop the push."""
	port.rollback()
	rows = [row for row in port.pending_updates(settings.server, codes) if row.due]
	stock_codes = [row.item_code for row in rows if row.stock and row.link]
	price_codes = [row.item_code for row in rows if row.price and row.link]
	quantities = (
		port.stock_quantities(settings, stock_codes) if stock_codes and settings.stock_enabled else {}
	)
	rates = port.selling_rates(settings, price_codes) if price_codes and settings.price_enabled else {}
	# The snapshot's reads hold no locks; end it before the shop is called all the same.
	port.rollback()
	counts.considered += len(rows)
	outcomes: list[ItemOutcome] = []
	sends: list[_Send] = []
	for row in rows:
		planned = plan_row(row, settings, quantities, rates)
		if isinstance(planned, _Send):
			sends.append(planned)
		else:
			outcomes.append(planned)
	counts.unchanged += len(outcomes)
	stop = ""
	if sends:
		endpoint = sends[0].row.link.endpoint
		# An Item linked elsewhere since the batch was formed waits, untouched, for the next push.
		sends = [send for send in sends if send.row.link.endpoint == endpoint]
		counts.calls += 1
		try:
			answer = client.post(endpoint, {"update": [send.body for send in sends]}, idempotent=True)
			sent = read_answer(sends, answer)
		except WooCommerceError as error:
			sent = failed_call(sends, error)
			if error.kind in STOPPING_KINDS:
				stop = str(error)
		# The shop not reached (or refusing every call) refused none of the Items: their rows stay
		# due, untouched, for the next push, and the push says why it stopped.
		if not stop:
			outcomes.extend(sent)
		failed = [outcome for outcome in sent if outcome.failed]
		counts.failed += len(failed)
		counts.pushed += len(sent) - len(failed)
		counts.errors.extend(f"{outcome.item_code}: {outcome.error}" for outcome in failed[:5])
		if not stop:
			rows_by_code = {row.item_code: row for row in rows}
			counts.needs_attention.extend(
				f"{outcome.item_code}: {outcome.error}"
				for outcome in failed
				if needs_a_person(
					rows_by_code[outcome.item_code].attempts,
					outcome.kind,
					rows_by_code[outcome.item_code].retry_status,
				)
			)
	port.record_outcomes(settings.server, outcomes)
	port.commit()
	if stop:
		counts.stopped_by = stop
	return not stop


def full_push(
	port: LevelsPort,
	client: WooCommerceClient,
	settings: LevelsSettings,
	*,
	stock: bool,
	price: bool,
	lock_wait: float = LOCK_WAIT_SECONDS,
) -> PushCounts:
	"""Every linked Item's stock and/or price sent again, equal to the last push or not (the shop
	may have been changed by hand), through the queue and in batches like any push."""
	port.rollback()
	port.mark_pending(
		settings.server, port.linked_item_codes(settings.server), stock=stock, price=price, force=True
	)
	port.commit()
	return push_pending(port, client, settings, lock_wait=lock_wait)


def poll_bins(port: LevelsPort, settings: LevelsSettings, now: datetime) -> int:
	"""Queue the stock of linked Items whose Bins moved since the last poll (ERPNext updates a
	Bin with db_set, which raises no document event); returns how many were queued. The poll's
	time is recorded all the same: it also says when the shop's waiting changes were last pushed."""
	since = settings.last_stock_poll - POLL_OVERLAP if settings.last_stock_poll else None
	port.rollback()
	changed = port.items_with_bins_changed(settings, since) if settings.stock_enabled else []
	if changed:
		port.mark_pending(settings.server, changed, stock=True, price=False)
	port.record_stock_poll(settings.server, now)
	port.commit()
	return len(changed)
