"""The order sync run for one server: the five steps of the hourly run.

1. WooCommerce orders modified since the cursor (paged; trashed ones asked for separately),
2. the Sales Orders linked to each page, one query per page,
3. Sales Orders of this server modified since the cursor,
4. the WooCommerce orders linked to those and not fetched yet, by include= in batches of 100,
5. each pair compared: create through the pipeline, or update the side that is older.

This module lists the orders and hands out pages; steps 2 and 5 are orders.sync_order_page. A
page can be handed to a sink instead of processed in place, so the Frappe side can fan pages
out over background jobs; processing a page is the same function either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.ports import ErpPort
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.orders import SyncCounts, _has_valid_id, _order_id, sync_order_page

# Runs overlap by this much, so an order saved while the previous run was reading is not lost
# between two windows; the overlap costs nothing because unchanged orders write nothing.
CURSOR_OVERLAP = timedelta(minutes=5)


@dataclass
class RunResult:
	counts: SyncCounts
	# Where the next run may start; None when the run did not see every order it should have.
	next_cursor: datetime | None


PageSink = Callable[[list[dict[str, Any]]], None]


def utc_iso(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat()


def run_order_sync(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	*,
	since: datetime | None,
	now: datetime,
	page_sink: PageSink | None = None,
) -> RunResult:
	"""One run for one server. since=None synchronises everything ("Synchronize all")."""
	counts = SyncCounts()
	seen: set[int] = set()

	def handle(orders: list[dict[str, Any]]) -> None:
		for broken in [order for order in orders if not _has_valid_id(order)]:
			counts.failed += 1
			counts.errors.append(f"The shop returned an order without a valid id: {broken!r:.200}")
		fresh = [order for order in orders if _has_valid_id(order) and _order_id(order) not in seen]
		seen.update(_order_id(order) for order in fresh)
		counts.fetched += len(fresh)
		if not fresh:
			return
		if page_sink is not None:
			page_sink(fresh)
		else:
			counts.add(sync_order_page(erp, client, settings, fresh))

	window: dict[str, Any] = {"orderby": "id", "order": "asc"}
	if since is not None:
		window.update(modified_after=utc_iso(since - CURSOR_OVERLAP), dates_are_gmt="true")
	complete = True
	for params in (window, {**window, "status": "trash"}):
		listed = 0
		expected = None
		for page in client.iter_pages("orders", params):
			expected = page.total if expected is None else expected
			listed += len(page.items)
			handle(page.items)
		# Orders trashed while we paged shift later pages left; a short count means we may
		# have skipped one, so the cursor stays and the next run reads the window again.
		if expected is not None and listed < expected:
			complete = False

	if since is not None:
		modified = erp.sales_orders_modified_since(settings.name, since - CURSOR_OVERLAP)
		missing = sorted({ref.woocommerce_id for ref in modified} - seen)
		for batch in _chunks(missing, MAX_PER_PAGE):
			orders = fetch_orders_by_id(client, batch)
			handle(orders)

	complete = complete and counts.cursor_may_move
	return RunResult(counts=counts, next_cursor=now if complete else None)


def fetch_orders_by_id(client: WooCommerceClient, ids: list[int]) -> list[dict[str, Any]]:
	"""include= leaves trashed orders out, so those are asked for again with status=trash."""
	params = {"include": ids, "per_page": MAX_PER_PAGE, "orderby": "include"}
	orders = client.get("orders", params)
	found = {_order_id(order) for order in orders}
	if len(found) < len(ids):
		orders += client.get("orders", {**params, "status": "trash"})
	return orders


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
	for start in range(0, len(values), size):
		yield values[start : start + size]
