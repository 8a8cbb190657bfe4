"""The port of status back to WooCommerce: the server's rules, the order row's push state and the
Sales Order's status, beside engine/ports.py's ErpPort.

The Frappe adapter is woocommerce_fusion/erp/status_records.py (FrappeStatus); the ERP fake's
part is woocommerce_fusion/testing/erp_fake_status.py; testing/erp_contract_status.py pins the
two together. The push methods work under the order's lock that ErpPort.lock_order holds, in its
transaction; the event methods in the transaction of the ERPNext document that caused them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PushState:
	"""An order row's Status Push: its own state, next to the pipeline's status."""

	NONE = ""
	PENDING = "Pending"
	PUSHED = "Pushed"
	# The shop had the status already: nothing was written.
	UP_TO_DATE = "Up to date"
	FAILED = "Failed"


@dataclass(frozen=True)
class StatusRule:
	"""A row of the server's "Status back to WooCommerce" table (engine/status_back.py reads it)."""

	event: str
	woocommerce_status: str
	enabled: bool = True
	# A note on the WooCommerce order naming the document: a call per order, so a shop that
	# ships in bulk turns it off (the batch update carries the reference as order meta anyway).
	add_note: bool = False


@dataclass
class StatusPush:
	"""The push part of a WooCommerce Order Sync row."""

	server: str
	woocommerce_id: int
	state: str = PushState.NONE
	# The ERPNext document that set the status, named in the note on the WooCommerce order.
	document_type: str = ""
	document_name: str = ""
	error: str = ""
	error_kind: str = ""
	attempts: int = 0
	next_attempt_on: datetime | None = None
	retry_status: str = ""
	pushed_on: datetime | None = None


@dataclass(frozen=True)
class StatusBackState:
	"""What an event needs to know of its web order: the Sales Order's WooCommerce Status and the
	status both sides last agreed on (the order row's synced status)."""

	sales_order_status: str
	synced_status: str


@dataclass(frozen=True)
class PushTarget:
	"""The Sales Order a push reads its status from (a cancelled one included)."""

	name: str
	woocommerce_status: str
	woocommerce_status_changed_on: datetime | None
	modified_utc: datetime


class StatusPort(Protocol):
	# -- at the ERPNext event, in the document's transaction -------------------------------------
	def status_rules(self, server: str) -> list[StatusRule]: ...

	def status_back_state(self, server: str, woocommerce_id: int, sales_order: str) -> StatusBackState | None:
		"""None when the order has no Order Sync row (the sync never imported it)."""
		...

	def request_status_push(
		self,
		server: str,
		woocommerce_id: int,
		sales_order: str,
		status: str,
		document_type: str,
		document_name: str,
	) -> None:
		"""Set the Sales Order's WooCommerce Status (stamped as changed now when it differs, never
		touching `modified`) and mark the row's push Pending for the document, its attempts
		cleared; a push still pending is taken over by the newer document."""
		...

	# -- the push, under the order's lock (ErpPort.lock_order) ---------------------------------
	def status_pushes_due(self, server: str, now: datetime, limit: int) -> list[int]:
		"""Ids of the server's orders whose push is Pending, or Failed with its next attempt due;
		the lowest ids first."""
		...

	def read_status_push(self, server: str, woocommerce_id: int) -> StatusPush:
		"""The row's push state, read with the lock the transaction holds."""
		...

	def save_status_push(self, push: StatusPush) -> None:
		"""Write what differs; the row exists and is locked."""
		...

	def push_target(self, sales_order: str) -> PushTarget | None:
		"""The Sales Order by name, cancelled or not; None when it is gone."""
		...

	def log_push_failure(
		self, server: str, woocommerce_id: int, status_code: int | None, error_kind: str, message: str
	) -> None:
		"""A Request Log row for one order a batch call refused inline (the call itself answered
		200, so the client's own log row says it succeeded); kept whatever the transaction does."""
		...
