"""Status back to WooCommerce: the pushes ERPNext events asked for (engine/status_back.py), sent
through the shop's orders/batch endpoint, 100 orders a call.

Each order is read under its lock: the status it gets is the three-way merge of the order sync
(sync/decide.py) between the Sales Order's WooCommerce Status and what the row last saw of the
shop, so a change the shop made later is not overwritten, and an order whose shop already has
the status gets no batch entry and no note. The shop is called with no lock held; each order's
answer (WooCommerce answers a batch with 200 and an error inline per refused order) is recorded
on its own row under its lock again: Pushed, or Failed with its error kind and the retry
schedule of engine/retry.py. The batch update names the ERPNext document that set the status in
the order's meta (STATUS_SET_BY, shown in WooCommerce's Custom Fields box); a note on the order
says it too when the status rule asks for one, at a call per order. Several events on one order before its push make one push of the latest status: the
push reads the Sales Order's status when it runs, and the row keeps the latest document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.errors import (
	ErrorKind,
	FusionError,
	WooCommerceError,
	classify,
	describe,
	kind_for_status,
)
from woocommerce_fusion.engine.pipeline import store_payload
from woocommerce_fusion.engine.ports import ErpPort
from woocommerce_fusion.engine.retry import clear_retry, schedule_retry
from woocommerce_fusion.engine.status_back import adds_note
from woocommerce_fusion.engine.status_port import PushState, StatusPort, StatusPush, StatusRule
from woocommerce_fusion.engine.sync.decide import merge_status

BATCH_ENDPOINT = "orders/batch"
# WooCommerce refuses a batch of more than 100 items (413).
BATCH_SIZE = MAX_PER_PAGE
# Orders one run takes up; more wait for the next run, which every new event queues.
MAX_PER_RUN = 10_000

# The note on the WooCommerce order, by the status pushed; {0} the doctype, {1} the document.
NOTES = {
	"completed": "Completed by {0} {1} in ERPNext.",
	"cancelled": "Cancelled by {0} {1} in ERPNext.",
}
OTHER_NOTE = "Status set to {2} by {0} {1} in ERPNext."
# The order meta key of the document that set the status: no leading underscore, so WooCommerce
# shows it in the order's Custom Fields box; batch updates merge meta by key, so it is replaced.
STATUS_SET_BY = "erpnext_status_set_by"


class LinkMissingError(FusionError):
	kind = ErrorKind.BAD_DATA


@dataclass
class PushCounts:
	due: int = 0
	pushed: int = 0
	up_to_date: int = 0
	failed: int = 0
	errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Outgoing:
	woocommerce_id: int
	status: str
	document_type: str
	document_name: str
	add_note: bool = False

	def entry(self) -> dict[str, Any]:
		update: dict[str, Any] = {"id": self.woocommerce_id, "status": self.status}
		if self.document_name:
			reference = f"{self.document_type} {self.document_name}"
			update["meta_data"] = [{"key": STATUS_SET_BY, "value": reference}]
		return update


def push_statuses(
	erp: ErpPort,
	port: StatusPort,
	server: str,
	connect: Callable[[], WooCommerceClient],
	*,
	now: Callable[[], datetime] | None = None,
) -> PushCounts:
	"""Push every due status of the server's orders; one failing order never stops the others.

	`connect` makes the client; when it fails (no API key, say), every due push fails with it,
	on its own row.
	"""
	clock = now or _utc_now
	counts = PushCounts()
	due = port.status_pushes_due(server, clock(), MAX_PER_RUN)
	counts.due = len(due)
	if not due:
		return counts
	try:
		client = connect()
	except Exception as exc:
		for woocommerce_id in due:
			_fail(erp, port, server, woocommerce_id, exc, clock(), counts)
		return counts
	rules = port.status_rules(server)
	for start in range(0, len(due), BATCH_SIZE):
		outgoing = []
		for woocommerce_id in due[start : start + BATCH_SIZE]:
			item = _prepare(erp, port, server, woocommerce_id, rules, clock, counts)
			if item is not None:
				outgoing.append(item)
		if outgoing:
			_send(erp, port, client, server, outgoing, clock, counts)
	return counts


def _prepare(
	erp: ErpPort,
	port: StatusPort,
	server: str,
	woocommerce_id: int,
	rules: list[StatusRule],
	clock: Callable[[], datetime],
	counts: PushCounts,
) -> _Outgoing | None:
	"""The order's batch entry, decided under its lock; None when the shop needs none."""
	try:
		record = erp.lock_order(server, woocommerce_id)
		push = port.read_status_push(server, woocommerce_id)
		if not _is_due(push, clock()):
			erp.rollback()
			return None
		target = port.push_target(record.sales_order) if record.sales_order else None
		if target is None:
			erp.rollback()
			raise LinkMissingError(
				f"WooCommerce order {woocommerce_id} has no Sales Order linked on its order row, so "
				"there is no status to send. Link it (Mark as synced) or sync the order."
			)
		shop_status = _status_of(record.payload) or record.synced_status
		status = merge_status(
			synced=record.synced_status,
			shop=shop_status,
			shop_changed_on=record.date_modified_gmt,
			erp=target.woocommerce_status,
			erp_changed_on=target.woocommerce_status_changed_on,
		)
		if status == shop_status:
			# The shop has it (or changed later, and the order sync brings ERPNext in step).
			push.state = PushState.UP_TO_DATE
			_clear_error(push)
			port.save_status_push(push)
			erp.commit()
			counts.up_to_date += 1
			return None
		erp.rollback()
		note = bool(push.document_name) and adds_note(rules, push.document_type)
		return _Outgoing(woocommerce_id, status, push.document_type, push.document_name, note)
	except Exception as exc:
		erp.rollback()
		_fail(erp, port, server, woocommerce_id, exc, clock(), counts)
		return None


def _send(
	erp: ErpPort,
	port: StatusPort,
	client: WooCommerceClient,
	server: str,
	outgoing: list[_Outgoing],
	clock: Callable[[], datetime],
	counts: PushCounts,
) -> None:
	body = {"update": [item.entry() for item in outgoing]}
	try:
		answer = client.post(BATCH_ENDPOINT, body)
	except Exception as exc:
		# The call as a whole failed (the client logged it): every order of it failed the same way.
		for item in outgoing:
			_fail(erp, port, server, item.woocommerce_id, exc, clock(), counts)
		return
	answers = _answers_by_id(answer)
	for item in outgoing:
		updated = answers.get(item.woocommerce_id)
		if updated is not None and not updated.get("error"):
			_record_pushed(erp, port, client, server, item, updated, clock, counts)
			continue
		error = _inline_error(item.woocommerce_id, updated)
		port.log_push_failure(server, item.woocommerce_id, error.status_code, error.kind.value, str(error))
		_fail(erp, port, server, item.woocommerce_id, error, clock(), counts)


def _record_pushed(
	erp: ErpPort,
	port: StatusPort,
	client: WooCommerceClient,
	server: str,
	item: _Outgoing,
	updated: dict[str, Any],
	clock: Callable[[], datetime],
	counts: PushCounts,
) -> None:
	now = clock()
	try:
		record = erp.lock_order(server, item.woocommerce_id)
		push = port.read_status_push(server, item.woocommerce_id)
		# Store what the shop now has, so its moved timestamp is not read as a new change.
		store_payload(record, updated)
		record.synced_status = str(updated.get("status") or item.status)
		target = port.push_target(record.sales_order) if record.sales_order else None
		newer = target is not None and target.woocommerce_status != item.status
		if target is not None and not newer:
			# In step now: the next run's step 3 need not fetch the order again.
			record.sales_order_modified = target.modified_utc
		if not newer and push.state in (PushState.PENDING, PushState.FAILED):
			# A newer event meanwhile keeps its push pending for the next run.
			push.state = PushState.PUSHED
			push.pushed_on = now
			_clear_error(push)
		erp.save_order(record)
		port.save_status_push(push)
		erp.commit()
		counts.pushed += 1
	except Exception as exc:
		erp.rollback()
		erp.log_error(
			f"WooCommerce order {item.woocommerce_id} ({server}): status pushed, not recorded",
			describe(exc),
			None,
		)
		counts.pushed += 1
		return
	if item.add_note:
		_add_note(erp, client, server, record.name, item)


def _add_note(erp: ErpPort, client: WooCommerceClient, server: str, row: str, item: _Outgoing) -> None:
	text = NOTES.get(item.status, OTHER_NOTE).format(item.document_type, item.document_name, item.status)
	try:
		client.post(f"orders/{item.woocommerce_id}/notes", {"note": text, "customer_note": False})
	except Exception as exc:
		# The status is in the shop; only the note is missing, and the Error Log says so.
		erp.log_error(
			f"WooCommerce order {item.woocommerce_id} ({server}): the note on the status push failed",
			describe(exc),
			row,
		)


def _fail(
	erp: ErpPort,
	port: StatusPort,
	server: str,
	woocommerce_id: int,
	exc: BaseException,
	now: datetime,
	counts: PushCounts,
) -> None:
	"""Keep the failed attempt on the row's push, with its next attempt; the pipeline's status and
	error stay as they are."""
	message = describe(exc)
	kind = classify(exc)
	record = erp.lock_order(server, woocommerce_id)
	push = port.read_status_push(server, woocommerce_id)
	push.state = PushState.FAILED
	push.error = message
	push.error_kind = kind.value
	push.attempts += 1
	schedule_retry(push, kind, now)
	port.save_status_push(push)
	erp.commit()
	erp.log_error(
		f"Status of WooCommerce order {woocommerce_id} ({server}) could not be pushed", message, record.name
	)
	counts.failed += 1
	counts.errors.append(f"Order {woocommerce_id}: {message.splitlines()[0]}")


def _is_due(push: StatusPush, now: datetime) -> bool:
	if push.state == PushState.PENDING:
		return True
	return push.state == PushState.FAILED and push.next_attempt_on is not None and push.next_attempt_on <= now


def _clear_error(push: StatusPush) -> None:
	push.error = push.error_kind = ""
	clear_retry(push)


def _answers_by_id(answer: Any) -> dict[int, dict[str, Any]]:
	answers: dict[int, dict[str, Any]] = {}
	updates = answer.get("update") if isinstance(answer, dict) else None
	for item in updates or []:
		if not isinstance(item, dict):
			continue
		try:
			answers[int(item.get("id"))] = item
		except (TypeError, ValueError):
			continue
	return answers


def _inline_error(woocommerce_id: int, answer: dict[str, Any] | None) -> WooCommerceError:
	if answer is None:
		return WooCommerceError(
			f"The shop's answer to the batch left order {woocommerce_id} out.",
			kind=ErrorKind.UNEXPECTED,
			method="POST",
			endpoint=BATCH_ENDPOINT,
		)
	error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
	data = error.get("data") if isinstance(error.get("data"), dict) else {}
	try:
		status_code = int(data.get("status") or 400)
	except (TypeError, ValueError):
		status_code = 400
	return WooCommerceError(
		str(error.get("message") or "The shop refused the order's status."),
		kind=kind_for_status(status_code),
		status_code=status_code,
		code=str(error.get("code") or "") or None,
		method="POST",
		endpoint=BATCH_ENDPOINT,
	)


def _status_of(payload: dict[str, Any] | None) -> str:
	return str((payload or {}).get("status") or "")


def _utc_now() -> datetime:
	return datetime.now(timezone.utc)
