"""ErpFake's status back to WooCommerce: the server's rules, the order rows' push state and the
ERPNext events that set a Sales Order's WooCommerce Status, as the adapter has them
(woocommerce_fusion/erp/status_records.py and erp/status_back.py); a part of ErpFake, on its
store and in its transactions. testing/erp_contract_status.py pins it to the adapter.

The events (deliver, invoice_by_hand, close_sales_order, cancel_sales_order) stand for a person
submitting or changing a document in Desk: each runs the engine's apply_event in its own
transaction and commits it, as the adapter's doc_events run in the document's transaction. The
pipeline's own invoice (submit_sales_invoice) fires the invoice event too, marked as made at
intake, as the adapter's hook sees it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from woocommerce_fusion.engine.status_back import DEFAULT_RULES, ErpEvent, WebOrderEvent, apply_event
from woocommerce_fusion.engine.status_port import (
	PushState,
	PushTarget,
	StatusBackState,
	StatusPush,
	StatusRule,
)

STATUS_TABLES = ("status_push",)
_PUSH_DATETIMES = ("next_attempt_on", "pushed_on")


class _FakeStatus:
	def _init_status(self) -> None:
		# server -> its rules; a server not listed has the defaults a new server gets.
		self.status_rules_by_server: dict[str, list[StatusRule]] = {}
		# Request Log rows of orders a batch refused inline: (server, id, status code, kind, message).
		self.push_failures: list[tuple[str, int, int | None, str, str]] = []

	# -- the ERPNext events, each committed as a person's submit or change would be ---------------

	def deliver(self, sales_order: str, *, fully: bool = True) -> str:
		"""A Delivery Note against the Sales Order is submitted (all of it, or part of it)."""
		so = self._get_latest("sales_order", sales_order)
		self._put("sales_order", sales_order, replace(so, modified_utc=self.now()))
		name = f"DN-{next(self._counter):05d}"
		self._fire(
			ErpEvent.DELIVERY_NOTE_SUBMITTED, "Delivery Note", name, sales_order, fully_delivered=fully
		)
		return name

	def invoice_by_hand(self, sales_order: str, *, fully: bool = True) -> str:
		"""A person makes and submits a Sales Invoice from the Sales Order."""
		name = self.make_sales_invoice(sales_order)
		super().submit_sales_invoice(name)
		self._fire(ErpEvent.SALES_INVOICE_SUBMITTED, "Sales Invoice", name, sales_order, fully_billed=fully)
		return name

	def close_sales_order(self, sales_order: str) -> None:
		so = self._get_latest("sales_order", sales_order)
		self._put("sales_order", sales_order, replace(so, status="Closed", modified_utc=self.now()))
		self._fire(ErpEvent.SALES_ORDER_CLOSED, "Sales Order", sales_order, sales_order)

	def cancel_sales_order(self, sales_order: str) -> None:
		so = self._get_latest("sales_order", sales_order)
		cancelled = replace(so, docstatus=2, status="Cancelled", modified_utc=self.now())
		self._put("sales_order", sales_order, cancelled)
		self._fire(ErpEvent.SALES_ORDER_CANCELLED, "Sales Order", sales_order, sales_order)

	def submit_sales_invoice(self, name: str) -> None:
		"""The pipeline's intake invoice: the invoice event fires, and the rules ignore it."""
		super().submit_sales_invoice(name)
		invoice = self._get_latest("sales_invoice", name)
		so = self._get_latest("sales_order", invoice.sales_order)
		apply_event(
			self,
			WebOrderEvent(
				ErpEvent.SALES_INVOICE_SUBMITTED,
				"Sales Invoice",
				name,
				so.server,
				so.woocommerce_id,
				so.name,
				fully_billed=True,
				intake_invoice=True,
			),
		)

	def _fire(self, event: ErpEvent, doctype: str, name: str, sales_order: str, **facts: Any) -> None:
		so = self._get_latest("sales_order", sales_order)
		apply_event(self, WebOrderEvent(event, doctype, name, so.server, so.woocommerce_id, so.name, **facts))
		self.commit()

	# -- StatusPort ------------------------------------------------------------------------------

	def status_rules(self, server: str) -> list[StatusRule]:
		return list(self.status_rules_by_server.get(server, DEFAULT_RULES))

	def status_back_state(self, server: str, woocommerce_id: int, sales_order: str) -> StatusBackState | None:
		record = self._get_latest("order", (server, int(woocommerce_id)))
		so = self._get_latest("sales_order", sales_order)
		if record is None or so is None:
			return None
		return StatusBackState(so.woocommerce_status, record.synced_status)

	def request_status_push(
		self,
		server: str,
		woocommerce_id: int,
		sales_order: str,
		status: str,
		document_type: str,
		document_name: str,
	) -> None:
		so = self._get_latest("sales_order", sales_order)
		if so.woocommerce_status != status:
			# Written with db_set, as the adapter does: stamped, `modified` left alone.
			changed = replace(so, woocommerce_status=status, woocommerce_status_changed_on=self.now())
			self._put("sales_order", sales_order, changed)
		push = self.read_status_push(server, woocommerce_id)
		self.save_status_push(
			replace(
				push,
				state=PushState.PENDING,
				document_type=document_type,
				document_name=document_name,
				error="",
				error_kind="",
				attempts=0,
				next_attempt_on=None,
				retry_status="",
			)
		)

	def status_pushes_due(self, server: str, now: datetime, limit: int) -> list[int]:
		due = [
			push.woocommerce_id
			for push in self._rows("status_push")
			if push.server == server
			and (
				push.state == PushState.PENDING
				or (push.state == PushState.FAILED and push.next_attempt_on and push.next_attempt_on <= now)
			)
		]
		return sorted(due)[:limit]

	def read_status_push(self, server: str, woocommerce_id: int) -> StatusPush:
		stored = self._get_latest("status_push", (server, int(woocommerce_id)))
		return copy.deepcopy(stored) if stored else StatusPush(server, int(woocommerce_id))

	def save_status_push(self, push: StatusPush) -> None:
		key = (push.server, push.woocommerce_id)
		stored = replace(
			copy.deepcopy(push), **{name: _in_utc(getattr(push, name)) for name in _PUSH_DATETIMES}
		)
		if self._get_latest("status_push", key) != stored:
			self._put("status_push", key, stored)

	def push_target(self, sales_order: str) -> PushTarget | None:
		so = self._get_latest("sales_order", sales_order)
		if so is None:
			return None
		return PushTarget(so.name, so.woocommerce_status, so.woocommerce_status_changed_on, so.modified_utc)

	def log_push_failure(
		self, server: str, woocommerce_id: int, status_code: int | None, error_kind: str, message: str
	) -> None:
		with self._mutex:
			self.push_failures.append((server, int(woocommerce_id), status_code, error_kind, message))

	# -- inspection for tests --------------------------------------------------------------------

	def status_push(self, server: str, woocommerce_id: int) -> StatusPush | None:
		return copy.deepcopy(self._committed("status_push", (server, int(woocommerce_id)), None))


def _in_utc(moment: datetime | None) -> datetime | None:
	"""Stored as the adapter stores a Datetime, read back in UTC; a naive one is a test's mistake."""
	if moment is None:
		return None
	if moment.tzinfo is None:
		raise ValueError(f"A naive datetime is ambiguous here, pass it with its zone: {moment!r}")
	return moment.astimezone(timezone.utc)
