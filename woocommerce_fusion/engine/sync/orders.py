"""The two-way order sync of one page of orders: steps 2 and 5 of the hourly run.

2. the Sales Orders linked to the page, one query per page,
5. each pair compared: create through the pipeline, or update the side that is older.

The run itself (listing the shop, handing out pages, the cursor) is in listing.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import ErrorKind, classify, describe
from woocommerce_fusion.engine.mapping.order import content_digest, map_order
from woocommerce_fusion.engine.pipeline import Status, process_order, resolve_parties, store_payload
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord, SalesOrderRef
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.decide import Action, decide
from woocommerce_fusion.engine.timeutil import parse_gmt

# The step name a sync failure of an already created order is recorded under.
SYNC_STEP = "sync"
RETRY_LATER = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED, ErrorKind.CONFLICT})

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
	# Failures that a later run will likely get past (shop down, rate limit, lock conflict): the
	# cursor must not move past them, or nothing would look at those orders again.
	retry_later: int = 0
	errors: list[str] = field(default_factory=list)

	def add(self, other: SyncCounts) -> None:
		self.fetched += other.fetched
		self.created += other.created
		self.updated += other.updated
		self.unchanged += other.unchanged
		self.failed += other.failed
		self.retry_later += other.retry_later
		self.errors.extend(other.errors)

	@property
	def cursor_may_move(self) -> bool:
		return self.retry_later == 0


def sync_order_page(
	erp: ErpPort, client: WooCommerceClient, settings: ServerSettings, orders: list[dict[str, Any]]
) -> SyncCounts:
	"""Steps 2 and 5 for one page; one failing order never stops the others."""
	counts = SyncCounts()
	linked = erp.find_sales_orders(settings.name, [_order_id(order) for order in orders])
	for order in orders:
		order_id = _order_id(order)
		try:
			outcome = sync_one_order(erp, client, settings, order, linked.get(order_id))
		except Exception as exc:
			erp.rollback()
			counts.failed += 1
			if classify(exc) in RETRY_LATER:
				counts.retry_later += 1
			message = record_sync_error(erp, settings, order_id, exc)
			counts.errors.append(f"Order {order_id}: {message.splitlines()[0]}")
			continue
		if outcome == "failed":
			counts.failed += 1
			counts.errors.append(f"Order {order_id}: failed, see its WooCommerce Order Sync row")
		elif outcome == "created":
			counts.created += 1
		elif outcome == "updated":
			counts.updated += 1
		else:
			counts.unchanged += 1
	return counts


def sync_one_order(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	order: dict[str, Any],
	linked: SalesOrderRef | None,
) -> str:
	"""Compare one pair under the order's lock; returns created/updated/unchanged/failed."""
	order_id = _order_id(order)
	if linked is None:
		record = process_order(erp, settings, order_id, payload=order)
		if record.status == Status.FAILED:
			return "failed"
		return "created" if record.status == Status.SALES_ORDER_CREATED else "unchanged"

	record = erp.lock_order(settings.name, order_id)
	# A newer payload (a webhook that came in meanwhile) wins over the page we are holding.
	if record.payload and record.date_modified_gmt and parse_gmt(order.get("date_modified_gmt")):
		if record.date_modified_gmt > parse_gmt(order.get("date_modified_gmt")):
			order = record.payload
	adopted = _adopt(record, linked)
	owns_content = record.status in STATUS_MANAGED_BY_PIPELINE
	digest = content_digest(order)
	decision = decide(
		has_sales_order=True,
		shop_modified=parse_gmt(order.get("date_modified_gmt")),
		shop_status=str(order.get("status") or ""),
		shop_digest=digest,
		erp_modified=linked.modified_utc,
		erp_status=linked.woocommerce_status,
		applied_digest=record.applied_digest,
		owns_content=owns_content,
	)
	# An earlier failure of this pair is over once the pair is in step again.
	cleared = _clear_sync_error(record) or adopted
	if decision.action == Action.NOTHING:
		if record.sales_order_modified != linked.modified_utc:
			# Someone saved the Sales Order without changing what the sync keeps in step;
			# remembering that keeps it out of the next runs' step 3.
			record.sales_order_modified = linked.modified_utc
			cleared = True
		if cleared:
			erp.save_order(record)
			erp.commit()
		else:
			erp.rollback()
		return "unchanged"

	changed_record = store_payload(record, order) or cleared
	if decision.content_to_erp:
		_apply_content(erp, settings, order, linked)
		record.applied_digest = digest
		changed_record = True
	if decision.status_to_erp:
		erp.update_sales_order(linked.name, {"woocommerce_status": order.get("status")})
	seen_modified = (
		erp.sales_order_modified(linked.name)
		if decision.content_to_erp or decision.status_to_erp
		else linked.modified_utc
	)
	if record.sales_order_modified != seen_modified:
		record.sales_order_modified = seen_modified
		changed_record = True
	if decision.status_to_shop:
		updated = client.put(f"orders/{order_id}", {"status": linked.woocommerce_status})
		# Store what the shop now has, so its moved timestamp is not read as a new change.
		store_payload(record, updated)
		changed_record = True
	if changed_record:
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
	return True


def record_sync_error(erp: ErpPort, settings: ServerSettings, order_id: int, exc: Exception) -> str:
	"""Keep a failure of an order that already has its Sales Order on the order's row.

	The pipeline status stays (the Sales Order exists); the error and its kind sit next to it
	until a later sync of the order succeeds, and the Error Log has it too.
	"""
	message = describe(exc)
	record = erp.lock_order(settings.name, order_id)
	record.error = message
	record.error_kind = classify(exc).value
	record.failed_step = SYNC_STEP
	erp.save_order(record)
	erp.commit()
	erp.log_error(f"WooCommerce order {order_id} ({settings.name}) failed to sync", message, record.name)
	return message


def _apply_content(
	erp: ErpPort, settings: ServerSettings, order: dict[str, Any], linked: SalesOrderRef
) -> None:
	plan = map_order(order, settings, exchange_rate=erp.exchange_rate)
	if linked.docstatus == 0:
		erp.replace_sales_order_content(linked.name, plan, resolve_parties(erp, plan))
		return
	# A submitted Sales Order cannot take new lines or totals; say so where people will see it.
	erp.add_comment(
		"Sales Order",
		linked.name,
		f"WooCommerce order {plan.woocommerce_id} changed after this Sales Order was submitted "
		f"(shop total {plan.woocommerce_total} {plan.currency}, this order {linked.grand_total}). "
		"Amend the Sales Order if the change must be booked.",
	)


def _order_id(order: dict[str, Any]) -> int:
	return int(order["id"])


def _has_valid_id(order: Any) -> bool:
	try:
		return isinstance(order, dict) and int(order["id"]) > 0
	except (KeyError, TypeError, ValueError):
		return False
