"""The refunds of one order, booked once each: the last step of syncing an order.

Whatever path syncs the order (the hourly listing, order.updated, a retry, a button), its
`refunds` list is compared with the refunds on the order's row. Refund ids not booked yet are
fetched from the shop in one call (GET orders/<id>/refunds), after the order's transaction is
committed so that no lock waits on the shop, and each is booked in a transaction of its own
under the order's row lock: the Credit Note, the refund payment and the refund's row are
committed together, and a worker that got the lock after another one booked the refund finds it
booked and does nothing. A second sighting of a refund is therefore a no-op.

A Credit Note needs the invoice it credits: until the order's Sales Order has a submitted Sales
Invoice (the pipeline's, or one made by hand on a server that does not invoice), its refunds
wait on the row as "Waiting for invoice" and are booked by the first sync that finds the
invoice. Booking a refund against the Sales Order instead would mean changing a submitted
Sales Order or billing something never invoiced; waiting keeps the books as ERPNext keeps them.

A failure is kept on the refund's row and on the order's row (Error, Error Kind, Failed Step
"refund", the retry schedule); the pipeline status stays, and the retry job's sync of the
order books the refund again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.errors import MappingError, classify, describe
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.ports import OrderRecord
from woocommerce_fusion.engine.refund_port import RefundingErp
from woocommerce_fusion.engine.refunds import (
	RefundEntry,
	RefundState,
	credit_note_plan,
	listed_refunds,
	refunds_status,
)
from woocommerce_fusion.engine.retry import clear_retry, record_failed_attempt
from woocommerce_fusion.engine.settings import ServerSettings

# The step name a refund failure is recorded under, next to the pipeline status.
REFUND_STEP = "refund"


def sync_refunds(
	erp: RefundingErp,
	client: WooCommerceClient,
	settings: ServerSettings,
	order: dict[str, Any],
	*,
	now: Callable[[], datetime],
) -> str:
	"""Book the order's new refunds; returns "unchanged", "updated" or "failed"."""
	listed = listed_refunds(order)
	if not listed:
		return "unchanged"
	order_id = int(order["id"])
	record = erp.lock_order(settings.name, order_id)
	# A failed pipeline goes first (its retry resumes at the failed step, which a refund
	# failure must not replace); an order without a Sales Order has nothing to credit.
	if not record.sales_order or record.status in Status.FAILED_STATES:
		erp.rollback()
		return "unchanged"
	known = erp.order_refunds(record.name)
	# Oldest first (refund ids grow with time), as the shop made them; the list is newest first.
	new = sorted(refund_id for refund_id in listed if _to_book(known.get(refund_id)))
	if not new:
		erp.rollback()
		return "unchanged"
	invoice = erp.find_sales_invoice(record.sales_order)
	if invoice is None or invoice.docstatus != 1:
		waiting = [listed[refund_id] for refund_id in new if refund_id not in known]
		if not waiting:
			erp.rollback()
			return "unchanged"
		erp.save_refunds(record.name, waiting, refunds_status([*known.values(), *waiting]))
		erp.commit()
		return "updated"
	erp.rollback()

	try:
		refunds = client.get(f"orders/{order_id}/refunds", {"per_page": MAX_PER_PAGE})
		by_id = {int(refund["id"]): refund for refund in refunds if isinstance(refund, dict)}
	except Exception as exc:
		_record_failure(erp, settings, order_id, listed[new[0]], exc, now())
		return "failed"
	outcome = "unchanged"
	for refund_id in new:
		if refund_id not in by_id:
			# Deleted in the shop since the order was read: there is nothing to book.
			continue
		try:
			booked = _book(erp, settings, order, listed[refund_id], by_id[refund_id], now)
		except Exception as exc:
			erp.rollback()
			_record_failure(erp, settings, order_id, listed[refund_id], exc, now())
			return "failed"
		outcome = "updated" if booked else outcome
	return outcome


def _to_book(entry: RefundEntry | None) -> bool:
	return entry is None or entry.state != RefundState.BOOKED


def _book(
	erp: RefundingErp,
	settings: ServerSettings,
	order: dict[str, Any],
	listed: RefundEntry,
	refund: dict[str, Any],
	now: Callable[[], datetime],
) -> bool:
	"""One refund in one transaction under the order's lock; False: booked already."""
	record = erp.lock_order(settings.name, int(order["id"]))
	known = erp.order_refunds(record.name)
	if not _to_book(known.get(listed.refund_id)):
		erp.rollback()
		return False
	invoice = erp.find_sales_invoice(record.sales_order)
	if invoice is None or invoice.docstatus != 1:
		raise MappingError(
			f"Sales Order {record.sales_order} has no submitted Sales Invoice any more to credit "
			f"refund {listed.refund_id} against"
		)
	plan = credit_note_plan(refund, record.payload or order, settings)
	paid_by = erp.find_payment_entry(invoice.name)
	credit_note = erp.make_credit_note(invoice.name, plan, settle_invoice=not paid_by)
	payment = ""
	if paid_by:
		payment = erp.make_refund_payment(credit_note, paid_by, plan.reference_no, plan.refunded_on)
	entry = RefundEntry(
		refund_id=listed.refund_id,
		amount=plan.amount,
		reason=plan.reason or listed.reason,
		state=RefundState.BOOKED,
		credit_note=credit_note,
		payment_entry=payment,
		refunded_on=plan.refunded_at,
	)
	entries = {**known, entry.refund_id: entry}
	erp.save_refunds(record.name, [entry], refunds_status(list(entries.values())))
	if record.failed_step == REFUND_STEP and not any(
		item.state == RefundState.FAILED for item in entries.values()
	):
		_clear_refund_error(record)
		erp.save_order(record)
	erp.commit()
	return True


def _clear_refund_error(record: OrderRecord) -> None:
	record.error = record.error_kind = record.failed_step = ""
	clear_retry(record)


def _record_failure(
	erp: RefundingErp,
	settings: ServerSettings,
	order_id: int,
	listed: RefundEntry,
	exc: Exception,
	now: datetime,
) -> None:
	message = describe(exc)
	kind = classify(exc)
	record = erp.lock_order(settings.name, order_id)
	known = erp.order_refunds(record.name)
	entry = known.get(listed.refund_id) or listed
	entry.state = RefundState.FAILED
	entry.error = message
	erp.save_refunds(record.name, [entry], refunds_status([*{**known, entry.refund_id: entry}.values()]))
	record.failed_step = REFUND_STEP
	record_failed_attempt(record, kind, message, now)
	erp.save_order(record)
	erp.commit()
	erp.log_error(
		f"WooCommerce order {order_id} ({settings.name}): refund {listed.refund_id} not booked",
		message,
		record.name,
	)
