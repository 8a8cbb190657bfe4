"""The order sync run for one server: the five steps of the hourly run.

1. WooCommerce orders modified since the cursor (paged; trashed ones asked for separately),
2. the Sales Orders linked to each page, one query per page,
3. Sales Orders of this server modified since the cursor,
4. the WooCommerce orders linked to those and not fetched yet, by include= in batches of 100,
5. each pair compared: create through the pipeline, or update the side that is older.

This module lists the orders and hands out pages; steps 2 and 5 are orders.sync_order_page. A
page can be handed to a sink instead of processed in place, so the Frappe side can fan pages
out over background jobs; processing a page is the same function either way.

The cursor follows the listing: it moves when every page of the window was read and handed
out, whatever single orders did (a failed order is kept on its own row and retried from there).
A run's window is fixed when it starts and reported with its position after every page, so a
run whose worker died continues where it stopped instead of listing a large shop again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.ports import ErpPort
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.orders import SyncCounts, _has_valid_id, _order_id, sync_order_page

# Runs overlap by this much, so an order saved while the previous run was reading is not lost
# between two windows; the overlap costs nothing because unchanged orders write nothing.
CURSOR_OVERLAP = timedelta(minutes=5)

# WooCommerce's after= is exclusive (WP_Date_Query compares with >) and its dates are whole
# seconds, so asking for one second earlier includes an order created at the very moment.
AFTER_IS_EXCLUSIVE = timedelta(seconds=1)

# The listing's phases in the order a run goes through them: the shop's orders, its trashed
# orders (WooCommerce leaves those out of every other list), and the orders of Sales Orders
# changed in ERPNext (steps 3 and 4).
MAIN = "orders"
TRASH = "trash"
ERP = "erp"
PHASES = (MAIN, TRASH, ERP)


@dataclass
class ListingWindow:
	"""What a run lists, fixed when it starts, so that a resumed run reads the same pages."""

	# The site's clock when the run began: the cursor of the ERPNext side (step 3).
	site_until: datetime
	# Orders modified after this, on the shop's clock; None lists every order.
	modified_after: datetime | None = None
	# Orders created on or after this; None has no lower bound.
	created_from: datetime | None = None
	# Sales Orders modified since this, on the site's clock; None skips steps 3 and 4.
	erp_modified_since: datetime | None = None
	# The shop's clock when it gave the first listing answer: the cursor of the shop's side.
	shop_until: datetime | None = None

	def to_json(self) -> str:
		return json.dumps({key: _iso(value) for key, value in asdict(self).items()})

	@classmethod
	def from_json(cls, text: str) -> ListingWindow:
		return cls(**{key: _parse_iso(value) for key, value in json.loads(text).items()})


@dataclass(frozen=True)
class ListingPosition:
	"""How far a run's listing got: the last page handed out in `phase`."""

	phase: str = MAIN
	pages: int = 0
	# Orders on those pages, and the shop's count of the phase when its first page was read: a
	# resumed run that ends with fewer than that missed orders that moved to earlier pages.
	listed: int = 0
	total: int | None = None
	# Step 4: the highest order id handed out; its list is built anew when a run resumes.
	last_id: int = 0

	def to_json(self) -> str:
		return json.dumps(asdict(self))

	@classmethod
	def from_json(cls, text: str) -> ListingPosition:
		return cls(**json.loads(text))


@dataclass
class RunResult:
	counts: SyncCounts
	# Where the next run may start, on the site's clock (ERPNext side) and on the shop's; None
	# when the listing did not see every order it should have.
	next_cursor: datetime | None
	next_shop_cursor: datetime | None = None


PageSink = Callable[[list[dict[str, Any]]], None]
# Called after each page was handed out, with what a resumed run needs and the run's counts.
ListingProgress = Callable[[ListingWindow, ListingPosition, SyncCounts], None]


def utc_iso(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat()


def listing_window(
	settings: ServerSettings, *, since: datetime | None, shop_since: datetime | None, now: datetime
) -> ListingWindow:
	"""The window of a new run. since=None lists every order created since settings.orders_from;
	shop_since is the shop-clock cursor, absent before the shop's own clock was stored."""
	shop_since = shop_since or since
	return ListingWindow(
		site_until=now,
		modified_after=None if since is None or shop_since is None else shop_since - CURSOR_OVERLAP,
		created_from=settings.orders_from,
		erp_modified_since=None if since is None else since - CURSOR_OVERLAP,
	)


def run_order_sync(
	erp: ErpPort,
	client: WooCommerceClient,
	settings: ServerSettings,
	*,
	since: datetime | None,
	now: datetime,
	shop_since: datetime | None = None,
	page_sink: PageSink | None = None,
	window: ListingWindow | None = None,
	start: ListingPosition | None = None,
	on_page: ListingProgress | None = None,
	per_page: int = MAX_PER_PAGE,
) -> RunResult:
	"""One run for one server. since=None synchronises everything ("Synchronize all").

	A run that continues one whose worker died passes the window and the position that one
	reported to on_page; it lists from the page after that position, in the same window.
	"""
	window = window or listing_window(settings, since=since, shop_since=shop_since, now=now)
	position = start or ListingPosition()
	counts = SyncCounts()
	seen: set[int] = set()
	complete = True

	def handle(orders: list[dict[str, Any]], reached: ListingPosition) -> None:
		for broken in [order for order in orders if not _has_valid_id(order)]:
			counts.failed += 1
			counts.errors.append(f"The shop returned an order without a valid id: {broken!r:.200}")
		fresh = [order for order in orders if _has_valid_id(order) and _order_id(order) not in seen]
		seen.update(_order_id(order) for order in fresh)
		counts.fetched += len(fresh)
		if fresh:
			if page_sink is not None:
				page_sink(fresh)
			else:
				counts.add(sync_order_page(erp, client, settings, fresh, now=lambda: now))
		if on_page is not None:
			on_page(window, reached, counts)

	params: dict[str, Any] = {"orderby": "id", "order": "asc", "per_page": per_page}
	if window.modified_after is not None:
		params.update(modified_after=utc_iso(window.modified_after), dates_are_gmt="true")
	if window.created_from is not None:
		params.update(after=utc_iso(window.created_from - AFTER_IS_EXCLUSIVE), dates_are_gmt="true")
	for phase, query in ((MAIN, params), (TRASH, {**params, "status": "trash"})):
		if _done(phase, position):
			continue
		reached = position if position.phase == phase else ListingPosition(phase)
		number = reached.pages + 1
		while True:
			page = client.get_page("orders", query, number)
			if window.shop_until is None:
				# Without a Date header the site's clock is all there is (and the overlap).
				window.shop_until = page.date or now
			if not page.items:
				break
			total = page.total if reached.total is None else reached.total
			reached = replace(reached, pages=number, listed=reached.listed + len(page.items), total=total)
			handle(page.items, reached)
			if number >= page.total_pages:
				break
			number += 1
		# Orders trashed while we paged shift later pages left; a short count means we may
		# have skipped one, so the cursor stays and the next run reads the window again.
		if reached.total is not None and reached.listed < reached.total:
			complete = False

	if window.erp_modified_since is not None and not _done(ERP, position):
		reached = position if position.phase == ERP else ListingPosition(ERP)
		modified = erp.sales_orders_modified_since(settings.name, window.erp_modified_since)
		missing = sorted(ref.woocommerce_id for ref in modified if ref.woocommerce_id > reached.last_id)
		missing = [order_id for order_id in dict.fromkeys(missing) if order_id not in seen]
		for batch in _chunks(missing, min(per_page, MAX_PER_PAGE)):
			orders = fetch_orders_by_id(client, batch)
			reached = replace(
				reached, pages=reached.pages + 1, listed=reached.listed + len(orders), last_id=batch[-1]
			)
			handle(orders, reached)

	return RunResult(
		counts=counts,
		next_cursor=window.site_until if complete else None,
		next_shop_cursor=window.shop_until if complete else None,
	)


def fetch_orders_by_id(client: WooCommerceClient, ids: list[int]) -> list[dict[str, Any]]:
	"""include= leaves trashed orders out, so those are asked for again with status=trash."""
	params = {"include": ids, "per_page": MAX_PER_PAGE, "orderby": "include"}
	orders = client.get("orders", params)
	found = {_order_id(order) for order in orders}
	if len(found) < len(ids):
		orders += client.get("orders", {**params, "status": "trash"})
	return orders


def _done(phase: str, position: ListingPosition) -> bool:
	"""True for a phase that a resumed run's stored position is already past."""
	return PHASES.index(phase) < PHASES.index(position.phase)


def _iso(value: datetime | None) -> str | None:
	return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _parse_iso(value: str | None) -> datetime | None:
	return datetime.fromisoformat(value) if value else None


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
	for start in range(0, len(values), size):
		yield values[start : start + size]
