"""The order sync run's listing: the from-date, resuming a run that died, and the two clocks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from conftest import SYNC_START, sync_client, sync_settings

from woocommerce_fusion.engine.sync.listing import (
	ListingPosition,
	ListingWindow,
	run_order_sync,
)
from woocommerce_fusion.engine.sync.orders import sync_order_page
from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.testing.shop import TestShop

SHOP_BEHIND = timedelta(minutes=20)


def listing_requests(shop: TestShop) -> list[tuple[str, int]]:
	"""(main or trash, page) of every order listing the shop answered, in order."""
	return [
		("trash" if r.query.get("status") == "trash" else "main", int(r.query.get("page", 1)))
		for r in shop.requests
		if r.method == "GET" and r.path.endswith("/orders") and "include" not in r.query
	]


class Died(Exception):
	"""The worker was killed while it listed."""


# -- "Synchronise orders created on or after" ----------------------------------------------------


def test_a_run_never_lists_orders_created_before_the_from_date(shop, erp, clock):
	shop.seed_orders(30, seed=31, days=30)
	created = sorted(parse_gmt(order["date_created_gmt"]) for order in shop.orders.values())
	settings = sync_settings(shop)
	# Exactly an order's creation moment: "on or after" includes it.
	settings.orders_from = created[10]
	expected = {o["id"] for o in shop.orders.values() if parse_gmt(o["date_created_gmt"]) >= created[10]}
	assert 0 < len(expected) < len(shop.orders)
	listed: list[int] = []

	result = run_order_sync(
		erp,
		sync_client(shop),
		settings,
		since=None,
		now=clock(),
		page_sink=lambda orders: listed.extend(o["id"] for o in orders),
	)

	assert set(listed) == expected
	assert result.next_cursor == clock()
	main = next(r for r in shop.requests if r.path.endswith("/orders"))
	assert main.query["dates_are_gmt"] == "true"
	assert main.query["after"] == (created[10] - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")


# -- resuming a run whose worker died --------------------------------------------------------


def test_a_run_that_died_after_page_k_resumes_at_page_k_plus_one(shop, erp, clock):
	shop.seed_orders(50, seed=32)
	settings = sync_settings(shop)
	client = sync_client(shop)
	main_pages = -(-sum(1 for o in shop.orders.values() if o["status"] != "trash") // 5)
	assert main_pages >= 8, "the seed must give a listing of several pages"
	synced: Counter[int] = Counter()
	progress: list[tuple[str, str]] = []

	def sink_dying_after(pages: int):
		handed = []

		def sink(orders):
			if len(handed) == pages:
				raise Died("worker killed")
			handed.append(orders)
			sync_order_page(erp, client, settings, orders)
			synced.update(o["id"] for o in orders)

		return sink

	def store(window, position, counts):
		# What the Frappe side commits after each page: text, as it sits in the Sync Action.
		progress.append((window.to_json(), position.to_json()))

	k = 4
	with pytest.raises(Died):
		run_order_sync(
			erp,
			client,
			settings,
			since=None,
			now=clock(),
			page_sink=sink_dying_after(k),
			on_page=store,
			per_page=5,
		)
	window, position = ListingWindow.from_json(progress[-1][0]), ListingPosition.from_json(progress[-1][1])
	assert (position.phase, position.pages) == ("orders", k)
	started = clock()
	clock.advance(minutes=30)
	shop.reset_counts()

	result = run_order_sync(
		erp,
		client,
		settings,
		since=None,
		now=clock(),
		page_sink=sink_dying_after(10_000),
		window=window,
		start=position,
		on_page=store,
		per_page=5,
	)

	assert listing_requests(shop) == [("main", page) for page in range(k + 1, main_pages + 1)] + [
		("trash", 1)
	]
	assert set(synced) == set(shop.orders), "every order synced"
	assert set(synced.values()) == {1}, "and none twice"
	assert result.counts.failed == 0, result.counts.errors
	# The cursor moves to where the run began, not to where it was resumed.
	assert result.next_cursor == started
	assert result.next_shop_cursor == started


def test_a_resumed_run_whose_window_lost_orders_keeps_the_cursor(shop, erp, clock):
	shop.seed_orders(30, seed=33)
	settings = sync_settings(shop)
	client = sync_client(shop)
	progress: list[tuple[ListingWindow, ListingPosition]] = []
	handed: list[list[dict]] = []

	def dying(orders):
		if len(handed) == 3:
			raise Died("worker killed")
		handed.append(orders)

	with pytest.raises(Died):
		run_order_sync(
			erp,
			client,
			settings,
			since=None,
			now=clock(),
			page_sink=dying,
			on_page=lambda w, p, c: progress.append((w, p)),
			per_page=5,
		)
	# Trashed while the run was dead: every later order moves one place to the left, so the
	# first order of page 4 is now on page 3, which the run already handed out.
	shop.modify_order(handed[0][0]["id"], status="trash")
	window, position = progress[-1]

	result = run_order_sync(
		erp,
		client,
		settings,
		since=None,
		now=clock(),
		page_sink=lambda orders: None,
		window=window,
		start=position,
		per_page=5,
	)

	assert result.next_cursor is None and result.next_shop_cursor is None


# -- the shop's clock ---------------------------------------------------------------------


def test_an_order_changed_after_a_listing_is_seen_with_the_shop_clock_20_minutes_behind(erp, clock):
	with TestShop(clock=lambda: clock() - SHOP_BEHIND).start() as shop:
		shop.seed_orders(8, seed=34)
		settings = sync_settings(shop)
		client = sync_client(shop)
		first = run_order_sync(erp, client, settings, since=None, now=clock())
		assert first.next_cursor == SYNC_START
		assert first.next_shop_cursor == SYNC_START - SHOP_BEHIND, (
			"the shop's own clock, from its Date header"
		)

		clock.advance(minutes=1)
		changed = next(o for o in shop.orders.values() if o["status"] == "processing")
		shop.modify_order(changed["id"], status="on-hold")
		clock.advance(minutes=1)
		seen: list[int] = []

		run_order_sync(
			erp,
			client,
			settings,
			since=first.next_cursor,
			shop_since=first.next_shop_cursor,
			now=clock(),
			page_sink=lambda orders: seen.extend(o["id"] for o in orders),
		)

		assert changed["id"] in seen
		main = next(
			r for r in shop.requests[::-1] if r.path.endswith("/orders") and "modified_after" in r.query
		)
		assert main.query["modified_after"] == "2026-11-25T08:35:00"
