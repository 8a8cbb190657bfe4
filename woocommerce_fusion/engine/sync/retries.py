"""The retry job's work for one server: the failed orders whose next attempt is due.

Each is fetched from the shop again (100 per request) and synced like any listed order, so a
retry resumes the pipeline at its failed step or repeats the sync of an existing pair. An
order the shop no longer has, or a fetch that fails as a whole, counts as a failed attempt
of every order concerned, so their schedules move on instead of retrying every few minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.errors import ErrorKind, WooCommerceError
from woocommerce_fusion.engine.ports import ErpPort
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.listing import fetch_orders_by_id
from woocommerce_fusion.engine.sync.orders import SyncCounts, record_sync_error, sync_order_page


def retry_due_orders(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	*,
	now: Callable[[], datetime],
	limit: int = MAX_PER_PAGE,
) -> SyncCounts:
	due = erp.orders_due_for_retry(settings.name, now(), limit)
	# Each order's transaction must start with its lock, not behind this read.
	erp.rollback()
	counts = SyncCounts()
	if not due:
		return counts
	try:
		orders = fetch_orders_by_id(client, due)
	except Exception as exc:
		for order_id in due:
			record_sync_error(erp, settings, order_id, exc, now())
		counts.failed += len(due)
		counts.errors.append(f"Orders {', '.join(map(str, due))}: {str(exc)[:200]}")
		return counts
	found = {int(order["id"]) for order in orders}
	for order_id in sorted(set(due) - found):
		gone = WooCommerceError(
			f"The shop has no order {order_id} any more (deleted permanently?)",
			kind=ErrorKind.NOT_FOUND,
			method="GET",
			endpoint="orders",
		)
		record_sync_error(erp, settings, order_id, gone, now())
		counts.failed += 1
		counts.errors.append(f"Order {order_id}: not found in the shop")
	counts.fetched = len(orders)
	counts.add(sync_order_page(erp, client, settings, orders, now=now))
	return counts
