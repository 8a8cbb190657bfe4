"""The order-processing state machine: a WooCommerce order's way to a Sales Order and beyond.

Each step checks its business key before it acts (does the Sales Order exist? the invoice?), so
running the pipeline again after any failure resumes where it stopped and never repeats finished
work. The pass runs under the order's row lock. Each finished step is committed with the row
(a checkpoint) and the lock taken again, so a later failure keeps the Sales Order and invoice
already made; a failure rolls back only the failing step and records the error in a fresh
transaction, so the record shows it even though that step's work was undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from woocommerce_fusion.engine import billing
from woocommerce_fusion.engine.errors import (
	ConfigurationError,
	ErrorKind,
	MappingError,
	StockError,
	classify,
	describe,
)
from woocommerce_fusion.engine.mapping.deleted_products import placeholder_note
from woocommerce_fusion.engine.mapping.order import content_digest, map_order
from woocommerce_fusion.engine.mapping.plans import SalesOrderPlan
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord, ResolvedParties
from woocommerce_fusion.engine.retry import clear_retry, record_failed_attempt
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.timeutil import parse_gmt


class Status:
	"""The processing states of a WooCommerce Order Sync row, exactly as users know them."""

	NOT_PROCESSED = "Not processed"
	FAILED_AT_STOCK_ALLOCATION = "Failed at stock allocation"
	DUPLICATE_SALES_ORDER = "Duplicate sales order"
	FAILED = "Failed"
	CANCELLED = "Cancelled"
	SALES_ORDER_CREATED = "Sales order created"
	INVOICE_CREATED = "Invoice created"
	INVOICE_POSTED = "Invoice posted"
	PAYMENT_REGISTERED = "Payment registered"

	ALL = (
		NOT_PROCESSED,
		FAILED_AT_STOCK_ALLOCATION,
		DUPLICATE_SALES_ORDER,
		FAILED,
		CANCELLED,
		SALES_ORDER_CREATED,
		INVOICE_CREATED,
		INVOICE_POSTED,
		PAYMENT_REGISTERED,
	)
	# Nothing more for the pipeline to do, whatever the order and the settings; later changes
	# reach the order through the sync. "Sales order created" and "Invoice posted" are final too
	# when no later step applies to the order (is_final).
	FINAL = (DUPLICATE_SALES_ORDER, CANCELLED, PAYMENT_REGISTERED)
	# A failure whose row says where the pipeline stopped; a retry resumes at failed_step.
	FAILED_STATES = (FAILED, FAILED_AT_STOCK_ALLOCATION)


# WooCommerce states in which an order that has no Sales Order yet must not get one.
CANCELLED_IN_SHOP = frozenset({"cancelled", "trash", "failed", "refunded"})


@dataclass
class StepContext:
	erp: ErpPort
	settings: ServerSettings
	record: OrderRecord

	@property
	def order(self) -> dict[str, Any]:
		return self.record.payload or {}


def _always(order: dict[str, Any], settings: ServerSettings) -> bool:
	return True


@dataclass(frozen=True)
class Step:
	name: str
	# The status after which this step still has to run.
	runs_after: tuple[str, ...]
	run: Callable[[StepContext], None]
	# Whether the order and the settings call for this step at all; pure, no ERP call.
	applies: Callable[[dict[str, Any], ServerSettings], bool] = _always


def resolve_parties(erp: ErpPort, plan: SalesOrderPlan) -> ResolvedParties:
	customer = erp.ensure_customer(plan.customer)
	resolved = ResolvedParties(customer=customer)
	if plan.billing:
		resolved.billing_address = erp.ensure_address(customer, plan.billing)
	if plan.shipping:
		resolved.shipping_address = erp.ensure_address(customer, plan.shipping)
	if plan.contact:
		resolved.contact = erp.ensure_contact(customer, plan.contact)
	for line in plan.lines:
		resolved.items[line.woocommerce_line_id] = line.item.placeholder_item or erp.ensure_item(
			plan.server, line.item
		)
	return resolved


def _cancelled_in_shop(order: dict[str, Any] | None) -> bool:
	return bool(order) and str(order.get("status", "")).lower() in CANCELLED_IN_SHOP


def _create_sales_order(ctx: StepContext) -> None:
	record, erp = ctx.record, ctx.erp
	existing = erp.find_sales_orders(record.server, [record.woocommerce_id]).get(record.woocommerce_id)
	if existing is not None:
		# Made by hand or by an earlier connector: link it and leave it alone.
		record.sales_order = existing.name
		record.sales_order_modified = existing.modified_utc
		record.status = Status.DUPLICATE_SALES_ORDER
		return
	if _cancelled_in_shop(ctx.order):
		record.status = Status.CANCELLED
		return
	plan = map_order(
		ctx.order, ctx.settings, exchange_rate=erp.exchange_rate, linked_to_template=erp.linked_to_template
	)
	resolved = resolve_parties(erp, plan)
	record.sales_order = erp.insert_sales_order(plan, resolved, submit=ctx.settings.submit_sales_orders)
	record.sales_order_modified = erp.sales_order_modified(record.sales_order)
	record.applied_digest = content_digest(ctx.order)
	record.placeholder_lines = placeholder_note(plan)
	# The Sales Order starts with the shop's status: the base of the next three-way merge.
	record.synced_status = plan.woocommerce_status
	record.status = Status.SALES_ORDER_CREATED


def _reserve_stock(ctx: StepContext) -> None:
	record, erp = ctx.record, ctx.erp
	if erp.stock_reservation_enabled():
		unreserved = erp.reserve_stock(record.sales_order)
		if unreserved > 0:
			# ERPNext reserves what it can and says so in a message nobody reads in a job.
			raise StockError(
				f"Stock for Sales Order {record.sales_order} could not be reserved: {unreserved} "
				"(stock UOM) is not in the warehouse. Receive the stock, then retry."
			)
	record.status = Status.SALES_ORDER_CREATED


def _make_invoice(ctx: StepContext) -> None:
	record, erp = ctx.record, ctx.erp
	existing = erp.find_sales_invoice(record.sales_order)
	if existing is not None:
		record.sales_invoice = existing.name
		record.status = Status.INVOICE_POSTED if existing.docstatus == 1 else Status.INVOICE_CREATED
		return
	record.sales_invoice = erp.make_sales_invoice(record.sales_order)
	record.status = Status.INVOICE_CREATED


def _post_invoice(ctx: StepContext) -> None:
	ctx.erp.submit_sales_invoice(ctx.record.sales_invoice)
	ctx.record.status = Status.INVOICE_POSTED


def _register_payment(ctx: StepContext) -> None:
	record, erp, order = ctx.record, ctx.erp, ctx.order
	existing = erp.find_payment_entry(record.sales_invoice)
	if existing is None:
		method = billing.payment_method(order)
		mode = ctx.settings.modes_of_payment.get(method)
		if not mode:
			raise ConfigurationError(
				f"WooCommerce payment method {method!r} ({order.get('payment_method_title') or '-'}) "
				f"has no Mode of Payment on WooCommerce Server {ctx.settings.name}. Map it in the "
				"Payment Methods table (Orders tab), or list it under Pay-on-delivery Methods if "
				"its money arrives on delivery, then retry."
			)
		existing = erp.make_payment_entry(
			record.sales_invoice,
			mode,
			billing.payment_reference_no(order),
			billing.payment_reference_date(order, ctx.settings),
		)
	record.payment_entry = existing
	record.status = Status.PAYMENT_REGISTERED


def _wants_stock(order: dict[str, Any], settings: ServerSettings) -> bool:
	return billing.wants_stock_reserved(settings)


STEPS: tuple[Step, ...] = (
	Step("sales_order", (Status.NOT_PROCESSED, Status.CANCELLED), _create_sales_order),
	Step(
		"stock",
		(Status.SALES_ORDER_CREATED, Status.FAILED_AT_STOCK_ALLOCATION),
		_reserve_stock,
		_wants_stock,
	),
	Step("invoice", (Status.SALES_ORDER_CREATED,), _make_invoice, billing.wants_invoice),
	Step("post_invoice", (Status.INVOICE_CREATED,), _post_invoice, billing.wants_invoice),
	Step("payment", (Status.INVOICE_POSTED,), _register_payment, billing.wants_payment),
)


def pending_steps(record: OrderRecord, settings: ServerSettings) -> list[Step]:
	"""The steps still to run: from the failed one on a failed row, else from the first step that
	runs after the status; those the order and the settings call for."""
	names = [step.name for step in STEPS]
	if record.status in Status.FAILED_STATES and record.failed_step in names:
		candidates = STEPS[names.index(record.failed_step) :]
	elif record.status == Status.FAILED:
		candidates = STEPS
	else:
		start = next((i for i, step in enumerate(STEPS) if record.status in step.runs_after), len(STEPS))
		candidates = STEPS[start:]
	order = record.payload or {}
	return [step for step in candidates if step.applies(order, settings)]


def is_final(record: OrderRecord, settings: ServerSettings) -> bool:
	"""Nothing left for the pipeline: a final status, or no step that applies to the order."""
	if record.status in Status.FINAL:
		return True
	return record.status not in (Status.NOT_PROCESSED, *Status.FAILED_STATES) and not pending_steps(
		record, settings
	)


def store_payload(record: OrderRecord, payload: dict[str, Any] | None) -> bool:
	"""Keep the newest payload on the record; an older delivery never overwrites a newer one."""
	if payload is None:
		return False
	modified = parse_gmt(payload.get("date_modified_gmt"))
	if (
		record.payload is not None
		and record.date_modified_gmt
		and modified
		and modified < record.date_modified_gmt
	):
		return False
	if record.payload == payload:
		return False
	record.payload = payload
	record.date_modified_gmt = modified
	return True


# Deadlocks and lock waits between parallel workers pass; retrying at once usually succeeds.
CONFLICT_RETRIES = 2


def process_order(
	erp: ErpPort,
	settings: ServerSettings,
	woocommerce_id: int,
	*,
	payload: dict[str, Any] | None = None,
	now: Callable[[], datetime] | None = None,
	locked: OrderRecord | None = None,
) -> OrderRecord:
	"""Run the pipeline for one order under its lock; returns the record as committed.

	`locked` is the order's row when the caller already holds its lock in a transaction that
	has written nothing (the sync, which looked for the Sales Order under it); a retry after a
	conflict locks afresh.
	"""
	clock = now or (lambda: datetime.now(timezone.utc))
	conflicts = 0
	while True:
		try:
			return _process_once(erp, settings, woocommerce_id, payload, locked)
		except _StepFailed as failed:
			locked = None
			erp.rollback()
			if classify(failed.error) == ErrorKind.CONFLICT and conflicts < CONFLICT_RETRIES:
				conflicts += 1
				continue
			return _record_failure(erp, settings, woocommerce_id, payload, failed, clock())


class _StepFailed(Exception):
	def __init__(self, step: str, error: Exception, seen: tuple):
		super().__init__(step)
		self.step = step
		self.error = error
		# The row as the failed attempt found it under the lock.
		self.seen = seen


def _progress(record: OrderRecord) -> tuple:
	"""What another worker changes on a row when it gets further with the order."""
	return (
		record.status,
		record.sales_order,
		record.sales_invoice,
		record.payment_entry,
		record.failed_step,
		record.attempts,
		record.applied_digest,
		record.date_modified_gmt,
	)


def _process_once(
	erp: ErpPort,
	settings: ServerSettings,
	woocommerce_id: int,
	payload: dict[str, Any] | None,
	locked: OrderRecord | None,
) -> OrderRecord:
	record = locked or erp.lock_order(settings.name, woocommerce_id)
	seen = _progress(record)
	if record.status == Status.CANCELLED and _cancelled_in_shop(payload or record.payload):
		# Still cancelled: a moved timestamp alone is no reason to write.
		erp.rollback()
		return record
	store_payload(record, payload)
	steps = pending_steps(record, settings)
	if not steps:
		erp.save_order(record)
		erp.commit()
		return record
	current = steps[0]
	try:
		if record.payload is None:
			raise MappingError(f"No WooCommerce payload is stored for order {woocommerce_id}")
		for current in steps:
			current.run(StepContext(erp=erp, settings=settings, record=record))
			record.error = record.error_kind = record.failed_step = ""
			clear_retry(record)
			erp.save_order(record)
			erp.commit()
			if record.status in Status.FINAL or current is steps[-1]:
				break
			# The checkpoint: the finished step stays even if a later one fails. The lock is
			# taken again; a worker that got it in between went on with the order itself.
			done = _checkpoint(record)
			record = erp.lock_order(settings.name, woocommerce_id)
			seen = _progress(record)
			if _checkpoint(record) != done:
				erp.rollback()
				break
		return record
	except Exception as exc:
		raise _StepFailed(current.name, exc, seen) from exc


def _checkpoint(record: OrderRecord) -> tuple:
	return (record.status, record.sales_order, record.sales_invoice, record.payment_entry, record.attempts)


def _record_failure(
	erp: ErpPort,
	settings: ServerSettings,
	woocommerce_id: int,
	payload: dict[str, Any] | None,
	failed: _StepFailed,
	now: datetime,
) -> OrderRecord:
	"""Write the failure on the row, unless another worker got further with the order while
	this attempt was failing: its committed work stands, and this failure is moot."""
	record = erp.lock_order(settings.name, woocommerce_id)
	if _progress(record) != failed.seen:
		erp.rollback()
		return record
	exc = failed.error
	kind = classify(exc)
	store_payload(record, payload)
	record.status = Status.FAILED_AT_STOCK_ALLOCATION if kind == ErrorKind.STOCK else Status.FAILED
	record.failed_step = failed.step
	record_failed_attempt(record, kind, describe(exc), now)
	erp.save_order(record)
	erp.commit()
	erp.log_error(
		f"WooCommerce order {woocommerce_id} ({settings.name}) failed at {failed.step}",
		record.error,
		reference_name=record.name,
	)
	return record
