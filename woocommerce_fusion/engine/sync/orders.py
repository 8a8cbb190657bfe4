"""The two-way order sync of one page of orders: steps 2 and 5 of the hourly run.

2. each order's Sales Order, read once the order's lock is held,
5. each pair compared: created through the pipeline, or the status merged three ways and the
   side that lacks the merged status updated.

The run itself (listing the shop, handing out pages, the cursor) is in listing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import classify, describe
from woocommerce_fusion.engine.mapping.deleted_products import placeholder_note, restore_deleted_products
from woocommerce_fusion.engine.mapping.order import content_digest, map_order
from woocommerce_fusion.engine.pipeline import (
	Status,
	pending_steps,
	process_order,
	resolve_parties,
	store_payload,
)
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord, SalesOrderRef
from woocommerce_fusion.engine.retry import clear_retry, record_failed_attempt
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.decide import Action, decide
from woocommerce_fusion.engine.sync.refunds import sync_refunds
from woocommerce_fusion.engine.timeutil import parse_gmt

# The step name a sync failure of an already created order is recorded under.
SYNC_STEP = "sync"

STATUS_MANAGED_BY_PIPELINE = (
	Status.SALES_ORDER_CREATED,
	Status.INVOICE_CREATED,
	Status.INVOICE_POSTED,
	Status.PAYMENT_REGISTERED,
)


@dataclass
class SyncCounts:
	fetched: int = 0
	created: int = 0
	updated: int = 0
	unchanged: int = 0
	failed: int = 0
	errors: list[str] = field(default_factory=list)

	def add(self, other: SyncCounts) -> None:
		self.fetched += other.fetched
		self.created += other.created
		self.updated += other.updated
		self.unchanged += other.unchanged
		self.failed += other.failed
		self.errors.extend(other.errors)

	def count(self, outcome: str) -> None:
		"""One order's outcome: created, updated, unchanged or failed."""
		setattr(self, outcome, getattr(self, outcome) + 1)


def sync_order_page(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	orders: list[dict[str, Any]],
	*,
	now: Callable[[], datetime] | None = None,
) -> SyncCounts:
	"""Steps 2 and 5 for one page; one failing order never stops the others.

	A failure is parked on the order's row with its retry schedule (engine/retry.py), so the
	run, and the cursor behind it, go on.
	"""
	clock = now or _utc_now
	counts = SyncCounts()
	for order in orders:
		order_id = _order_id(order)
		try:
			outcome = sync_order(erp, client, settings, order, now=clock)
		except Exception as exc:
			erp.rollback()
			outcome = "failed"
			record_sync_error(erp, settings, order_id, exc, clock())
		counts.count(outcome)
		if outcome == "failed":
			counts.errors.append(f"Order {order_id}: failed, see its WooCommerce Order Sync row")
	return counts


def sync_order(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	order: dict[str, Any],
	*,
	now: Callable[[], datetime] | None = None,
) -> str:
	"""Bring one WooCommerce order and its Sales Order in step; returns created, updated,
	unchanged or failed.

	The pair is compared under the order's lock, against the Sales Order as it is once the lock
	is held. The shop is called only after that transaction is committed, so no database lock
	waits on the shop; the answer is recorded under the lock again.
	"""
	clock = now or _utc_now
	outcome = _sync_order(erp, client, settings, order, clock)
	if outcome == "failed":
		return outcome
	# Refunds last: booking one needs the invoice the pipeline may just have made.
	refunded = sync_refunds(erp, client, settings, order, now=clock)
	if refunded == "failed" or outcome != "unchanged":
		return "failed" if refunded == "failed" else outcome
	return refunded


def _sync_order(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	order: dict[str, Any],
	clock: Callable[[], datetime],
) -> str:
	order_id = _order_id(order)
	record = erp.lock_order(settings.name, order_id)
	linked = erp.find_sales_orders(settings.name, [order_id]).get(order_id)
	if linked is None:
		before = record.sales_order
		record = process_order(erp, settings, order_id, payload=order, now=clock, locked=record)
		if record.status in Status.FAILED_STATES:
			return "failed"
		created = record.sales_order and record.sales_order != before
		return "created" if created else "unchanged"

	outcome = _sync_pair(erp, client, settings, order, record, linked, clock)
	# A draft Sales Order waits for a person to submit it before anything is invoiced.
	if outcome != "failed" and linked.docstatus == 1 and _pipeline_goes_on(record, order, settings):
		# The order changed in a way the later steps wait for (it was paid, say): they run now.
		record = process_order(erp, settings, order_id, payload=order, now=clock)
		return "failed" if record.status in Status.FAILED_STATES else "updated"
	return outcome


def _pipeline_goes_on(record: OrderRecord, order: dict[str, Any], settings: ServerSettings) -> bool:
	"""Whether steps after the Sales Order now apply to an order whose pipeline had stopped.

	Failed rows are left to the retry job and to the buttons."""
	if record.status not in STATUS_MANAGED_BY_PIPELINE:
		return False
	return bool(pending_steps(replace(record, payload=order), settings))


def _sync_pair(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	order: dict[str, Any],
	record: OrderRecord,
	linked: SalesOrderRef,
	clock: Callable[[], datetime],
) -> str:
	"""The pair under the lock sync_order holds: the status merged, the content applied."""
	order_id = record.woocommerce_id
	# A newer payload (a webhook that came in meanwhile) wins over the page we are holding.
	previous = record.payload
	shop_modified = parse_gmt(order.get("date_modified_gmt"))
	if record.payload and record.date_modified_gmt and shop_modified:
		if record.date_modified_gmt > shop_modified:
			order = record.payload
			shop_modified = record.date_modified_gmt
	adopted = _adopt(record, linked)
	digest = content_digest(order)
	# Products deleted in the shop since: their lines are booked on their Items already, and the
	# Sales Order keeps them (a draft is not rewritten onto the placeholder Item).
	kept_lines = (
		bool(previous)
		and digest != record.applied_digest
		and content_digest(restore_deleted_products(previous, order)) == record.applied_digest
	)
	if kept_lines:
		record.applied_digest = digest
	decision = decide(
		has_sales_order=True,
		shop_status=str(order.get("status") or ""),
		shop_changed_on=shop_modified,
		shop_digest=digest,
		erp_status=linked.woocommerce_status,
		erp_changed_on=linked.woocommerce_status_changed_on,
		# Rows from before the merge knew no agreed status: the shop's status when the row was
		# last written is the best stand-in, because every sync ends with both sides agreeing.
		synced_status=record.synced_status or _status_of(previous),
		applied_digest=record.applied_digest,
		owns_content=record.status in STATUS_MANAGED_BY_PIPELINE,
	)
	# An earlier failure of this pair is over once the pair is in step again.
	changed = _clear_sync_error(record) or adopted or kept_lines
	if decision.action in (Action.NOTHING, Action.RECORD):
		if record.sales_order_modified != linked.modified_utc:
			# Someone saved the Sales Order without changing what the sync keeps in step;
			# remembering that keeps it out of the next runs' step 3.
			record.sales_order_modified = linked.modified_utc
			changed = True
		if record.synced_status != decision.status:
			record.synced_status = decision.status
			changed = True
		if changed:
			erp.save_order(record)
			erp.commit()
		else:
			erp.rollback()
		return "unchanged"

	store_payload(record, order)
	if decision.content_to_erp:
		_apply_content(erp, settings, order, record, linked, decision.status)
		record.applied_digest = digest
	if decision.status_to_erp and not (decision.content_to_erp and linked.docstatus == 0):
		erp.update_sales_order(linked.name, {"woocommerce_status": decision.status})
	if decision.content_to_erp or decision.status_to_erp:
		record.sales_order_modified = erp.sales_order_modified(linked.name)
	else:
		record.sales_order_modified = linked.modified_utc
	if not decision.status_to_shop:
		record.synced_status = decision.status
	erp.save_order(record)
	erp.commit()
	if decision.status_to_shop:
		return _push_status(erp, client, settings, order_id, decision.status, clock)
	return "updated"


def _push_status(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	order_id: int,
	status: str,
	clock: Callable[[], datetime],
) -> str:
	try:
		updated = client.put(f"orders/{order_id}", {"status": status})
	except Exception as exc:
		record_sync_error(erp, settings, order_id, exc, clock())
		return "failed"
	record = erp.lock_order(settings.name, order_id)
	# Store what the shop now has, so its moved timestamp is not read as a new change.
	store_payload(record, updated)
	record.synced_status = str(updated.get("status") or status)
	_clear_sync_error(record)
	erp.save_order(record)
	erp.commit()
	return "updated"


def _adopt(record: OrderRecord, linked: SalesOrderRef) -> bool:
	"""Link the row to the order's live Sales Order; True when the row changed.

	A Sales Order the pipeline did not make (keyed in by hand, or by an earlier connector) is
	the seed's "Duplicate sales order": linked, its status kept in step, its lines left alone.
	One that replaced ours (an amendment) is followed and stays ours.
	"""
	if record.sales_order == linked.name:
		return False
	if record.status not in STATUS_MANAGED_BY_PIPELINE:
		record.status = Status.DUPLICATE_SALES_ORDER
	record.sales_order = linked.name
	return True


def _clear_sync_error(record: OrderRecord) -> bool:
	if record.failed_step != SYNC_STEP:
		return False
	record.error = record.error_kind = record.failed_step = ""
	clear_retry(record)
	return True


def record_sync_error(
	erp: ErpPort, settings: ServerSettings, order_id: int, exc: Exception, now: datetime
) -> str:
	"""Keep a failed attempt on the order's row, with its next attempt.

	On a row whose Sales Order exists the pipeline status stays and the error sits next to it
	(step "sync") until a later sync of the order succeeds. On a row the pipeline failed, the
	failed step stays, so a retry resumes there. The Error Log has it too.
	"""
	message = describe(exc)
	kind = classify(exc)
	record = erp.lock_order(settings.name, order_id)
	if not (record.status == Status.FAILED and record.failed_step):
		record.failed_step = SYNC_STEP
	record_failed_attempt(record, kind, message, now)
	erp.save_order(record)
	erp.commit()
	erp.log_error(f"WooCommerce order {order_id} ({settings.name}) failed to sync", message, record.name)
	return message


def _apply_content(
	erp: ErpPort,
	settings: ServerSettings,
	order: dict[str, Any],
	record: OrderRecord,
	linked: SalesOrderRef,
	status: str,
) -> None:
	plan = map_order(
		order, settings, exchange_rate=erp.exchange_rate, linked_to_template=erp.linked_to_template
	)
	if linked.docstatus == 0:
		# The draft takes the merged status, not the shop's: ERPNext may have changed it later.
		plan = replace(plan, woocommerce_status=status)
		erp.replace_sales_order_content(linked.name, plan, resolve_parties(erp, plan))
		record.placeholder_lines = placeholder_note(plan)
		return
	# A submitted Sales Order cannot take new lines or totals; say so where people will see it.
	erp.add_comment(
		"Sales Order",
		linked.name,
		f"WooCommerce order {plan.woocommerce_id} changed after this Sales Order was submitted "
		f"(shop total {plan.woocommerce_total} {plan.currency}, this order {linked.grand_total}). "
		"Amend the Sales Order if the change must be booked.",
	)


def _status_of(payload: dict[str, Any] | None) -> str:
	return str((payload or {}).get("status") or "")


def _utc_now() -> datetime:
	return datetime.now(timezone.utc)


def _order_id(order: dict[str, Any]) -> int:
	return int(order["id"])


def _has_valid_id(order: Any) -> bool:
	try:
		return isinstance(order, dict) and int(order["id"]) > 0
	except (KeyError, TypeError, ValueError):
		return False
