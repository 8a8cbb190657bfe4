"""Stock and price changes reach the test shop in batches, coalesced, and nothing is lost."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from woocommerce_fusion.engine.catalogue.levels_port import QuantityBasis
from woocommerce_fusion.engine.catalogue.push import full_push, poll_bins, push_pending
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.testing.catalogue_fixtures import (
	PRICE_LIST,
	SERVER,
	WAREHOUSE,
	levels_settings,
	make_linked_catalogue,
)

BATCHES = "/wp-json/wc/v3/products"


def batch_calls(shop) -> int:
	return sum(1 for r in shop.requests if r.method == "POST" and r.path.endswith("/batch"))


def shop_stock(shop, shop_id: int) -> int | None:
	return shop.products[shop_id]["stock_quantity"]


def test_a_stock_change_of_250_items_reaches_the_shop_in_3_batch_calls(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=250)
	for n, code in enumerate(catalogue.simple, start=1):
		erp.stock_transaction(code, WAREHOUSE, n)
	shop.reset_counts()

	counts = push_pending(erp, client, levels_settings())

	assert (counts.pushed, counts.failed, counts.calls) == (250, 0, 3)
	assert batch_calls(shop) == 3 and len(shop.requests) == 3
	products = shop.products
	assert [products[pid]["stock_quantity"] for pid in catalogue.simple.values()] == list(range(1, 251))
	assert all(products[pid]["stock_status"] == "instock" for pid in catalogue.simple.values())
	assert erp.pending_updates(SERVER) == []


def test_a_price_change_of_250_items_reaches_the_shop_in_3_batch_calls(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=250)
	for n, code in enumerate(catalogue.simple, start=1):
		erp.set_item_price(PRICE_LIST, code, Decimal("10.00") + Decimal(n) / 100)
	erp.set_item_price("Another list", next(iter(catalogue.simple)), "99")
	shop.reset_counts()

	counts = push_pending(erp, client, levels_settings())

	assert (counts.pushed, counts.calls, batch_calls(shop)) == (250, 3, 3)
	products = shop.products
	prices = [products[pid]["regular_price"] for pid in catalogue.simple.values()]
	assert prices[0] == "10.01" and prices[-1] == "12.50"
	assert prices == [f"{Decimal('10.00') + Decimal(n) / 100:.2f}" for n in range(1, 251)]


def test_variations_go_through_the_variations_batch_of_their_parent(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=2, variable=2, variations=3)
	for code in catalogue.variants:
		erp.stock_transaction(code, WAREHOUSE, 5)
	erp.set_item_price(PRICE_LIST, "IT-V001-S1", "19.99")
	erp.set_item_price(PRICE_LIST, "IT-V002-S2", "24.50")
	shop.reset_counts()

	counts = push_pending(erp, client, levels_settings())

	parents = {parent for parent, _variation in catalogue.variants.values()}
	paths = sorted(r.path for r in shop.requests)
	assert paths == sorted(f"{BATCHES}/{parent}/variations/batch" for parent in parents)
	assert counts.pushed == 6
	products = shop.products
	for code, (_parent, variation) in catalogue.variants.items():
		assert products[variation]["stock_quantity"] == 5
		expected = {"IT-V001-S1": "19.99", "IT-V002-S2": "24.50"}.get(code, "1.00")
		assert products[variation]["regular_price"] == expected, code


def test_the_quantity_is_actual_minus_reserved_or_projected_and_never_negative(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=3)
	a, b, c = catalogue.simple
	erp.set_bin(a, WAREHOUSE, actual_qty=10, reserved_qty=3, projected_qty=20)
	erp.set_bin(b, WAREHOUSE, actual_qty=2, reserved_qty=5, projected_qty=-3)
	erp.set_bin(c, WAREHOUSE, actual_qty=Decimal("4.5"), reserved_qty=0, projected_qty=9)
	erp.set_bin(c, "Other - TC", actual_qty=100, projected_qty=100)
	erp.mark_pending(SERVER, [a, b, c], stock=True, price=False)
	erp.commit()

	push_pending(erp, client, levels_settings())
	assert [shop_stock(shop, catalogue.simple[code]) for code in (a, b, c)] == [7, 0, 4]
	assert shop.products[catalogue.simple[b]]["stock_status"] == "outofstock"

	projected = levels_settings(quantity_basis=QuantityBasis.PROJECTED, warehouses=(WAREHOUSE, "Other - TC"))
	erp.mark_pending(SERVER, [a, b, c], stock=True, price=False)
	erp.commit()
	push_pending(erp, client, projected)
	assert [shop_stock(shop, catalogue.simple[code]) for code in (a, b, c)] == [20, 0, 109]


def test_nothing_is_sent_when_the_shop_already_has_the_values(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=120)
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 3)
		erp.set_item_price(PRICE_LIST, code, "5.00")
	push_pending(erp, client, levels_settings())
	shop.reset_counts()

	# Stock moved in and out again, prices saved unchanged: queued, but equal to what the shop has.
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 2)
		erp.stock_transaction(code, WAREHOUSE, -2)
		erp.set_item_price(PRICE_LIST, code, "5.00")
	counts = push_pending(erp, client, levels_settings())

	assert shop.requests == []
	assert (counts.considered, counts.unchanged, counts.pushed) == (120, 120, 0)
	assert erp.pending_updates(SERVER) == []


def test_a_full_push_sends_every_linked_item_again(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=150)
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 4)
	push_pending(erp, client, levels_settings())
	# Someone changed the shop by hand.
	first = next(iter(catalogue.simple.values()))
	shop.request("PUT", f"products/{first}", json={"stock_quantity": 99}).raise_for_status()
	shop.reset_counts()

	counts = full_push(erp, client, levels_settings(), stock=True, price=False)

	assert (counts.pushed, counts.calls) == (150, 2)
	assert shop_stock(shop, first) == 4


def test_stock_changes_while_the_shop_answers_a_batch_are_not_lost(shop, erp, clock):
	catalogue = make_linked_catalogue(shop, erp, simple=250)
	codes = list(catalogue.simple)
	for code in codes:
		erp.stock_transaction(code, WAREHOUSE, 10)
	calls = []

	def meanwhile(exchange) -> None:
		# Each batch answered: a warehouse worker books more stock of items of this batch and of
		# every other one, committed on its own connection while the push goes on.
		calls.append(exchange.endpoint)

		def book() -> None:
			for code in codes[len(calls) - 1 :: 25]:
				erp.stock_transaction(code, WAREHOUSE, 1)

		worker = threading.Thread(target=book)
		worker.start()
		worker.join()

	client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret, on_exchange=meanwhile)
	first = push_pending(erp, client, levels_settings())
	assert (first.calls, first.failed) == (3, 0)
	# The items booked after their batch was read wait for the next push, which sends them.
	waiting = {row.item_code for row in erp.pending_updates(SERVER)}
	assert waiting
	client.on_exchange = None
	second = push_pending(erp, client, levels_settings())
	assert second.pushed == len(waiting)

	expected = {code: 10 + sum(1 for n in range(3) if code in codes[n::25]) for code in codes}
	products = shop.products
	assert {code: products[catalogue.simple[code]]["stock_quantity"] for code in codes} == expected
	assert erp.pending_updates(SERVER) == []


def test_failed_items_stay_pending_with_their_error_and_are_retried(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=5)
	erp.link_item(SERVER, "GONE-1", 999999)
	for code in [*catalogue.simple, "GONE-1"]:
		erp.stock_transaction(code, WAREHOUSE, 2)

	counts = push_pending(erp, client, levels_settings())

	assert (counts.pushed, counts.failed, counts.calls) == (5, 1, 1)
	(row,) = erp.pending_updates(SERVER)
	assert row.item_code == "GONE-1" and row.stock
	stored = erp.pending_row(SERVER, "GONE-1")
	assert "woocommerce_rest_product_invalid_id" in stored.error and stored.attempts == 1

	# The product is recreated and linked again: the next push sends it.
	product = shop.request("POST", "products", json={"name": "Back", "manage_stock": True}).json()
	erp.link_item(SERVER, "GONE-1", product["id"])
	shop.reset_counts()
	again = push_pending(erp, client, levels_settings())
	assert (again.pushed, again.failed, again.calls) == (1, 0, 1)
	assert shop_stock(shop, product["id"]) == 2
	assert erp.pending_row(SERVER, "GONE-1").error == ""


def test_a_shop_that_is_down_stops_the_push_and_keeps_everything_pending(shop, erp):
	catalogue = make_linked_catalogue(shop, erp, simple=150)
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 1)
	shop.inject_fault("503", times=10, path_prefix=BATCHES)
	client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret, sleep=lambda s: None)

	counts = push_pending(erp, client, levels_settings())

	assert counts.stopped_by and counts.calls == 1
	assert len(erp.pending_updates(SERVER)) == 150
	shop.clear_faults()
	assert push_pending(erp, client, levels_settings()).pushed == 150


def test_two_pushes_of_one_shop_never_run_at_once(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=2)
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 1)
	assert erp.lock_push(SERVER, 0)
	try:
		counts = push_pending(erp, client, levels_settings(), lock_wait=0)
	finally:
		erp.unlock_push(SERVER)
	assert counts.locked_out and shop.requests[-1].method == "POST"  # only the catalogue set-up
	assert len(erp.pending_updates(SERVER)) == 2


def test_the_bin_poll_finds_changes_made_without_a_document_event(shop, erp, client, clock):
	catalogue = make_linked_catalogue(shop, erp, simple=3)
	a, b, c = catalogue.simple
	settings = levels_settings()
	assert poll_bins(erp, settings, clock()) == 0
	clock.advance(minutes=30)
	erp.set_bin(a, WAREHOUSE, actual_qty=8)
	erp.set_bin(b, "Not the shop's - TC", actual_qty=8)
	erp.set_bin("NOT-LINKED", WAREHOUSE, actual_qty=8)

	polled = levels_settings(last_stock_poll=erp.last_stock_poll(SERVER))
	assert poll_bins(erp, polled, clock()) == 1
	assert push_pending(erp, client, settings).pushed == 1
	assert shop_stock(shop, catalogue.simple[a]) == 8
	# A Bin written just before the last poll but committed after it is still found.
	clock.advance(minutes=5)
	erp.set_bin(c, WAREHOUSE, actual_qty=6)
	clock.advance(minutes=1)
	polled = levels_settings(last_stock_poll=clock() - timedelta(minutes=3))
	assert poll_bins(erp, polled, clock()) == 2
	push_pending(erp, client, settings)
	assert shop_stock(shop, catalogue.simple[c]) == 6


@pytest.mark.parametrize("enabled", ["stock", "price"])
def test_a_level_whose_sync_is_off_is_not_sent(shop, erp, client, enabled):
	catalogue = make_linked_catalogue(shop, erp, simple=1)
	(code,) = catalogue.simple
	erp.stock_transaction(code, WAREHOUSE, 7)
	erp.set_item_price(PRICE_LIST, code, "3.30")
	settings = levels_settings(stock_enabled=enabled == "stock", price_enabled=enabled == "price")
	push_pending(erp, client, settings)
	product = shop.products[catalogue.simple[code]]
	assert (product["stock_quantity"], product["regular_price"]) == (
		(7, "1.00") if enabled == "stock" else (0, "3.30")
	)


def test_two_pushes_started_together_send_each_change_once(shop, erp):
	catalogue = make_linked_catalogue(shop, erp, simple=250)
	for n, code in enumerate(catalogue.simple, start=1):
		erp.stock_transaction(code, WAREHOUSE, n)
	shop.reset_counts()
	shop.inject_fault("latency", times=3, path_prefix=BATCHES, seconds=0.05)
	results = []

	def push() -> None:
		client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)
		results.append(push_pending(erp, client, levels_settings()))

	workers = [threading.Thread(target=push) for _ in range(2)]
	for worker in workers:
		worker.start()
	for worker in workers:
		worker.join(60)

	# The second waited for the first's lock and then found nothing left to send.
	assert sorted(result.pushed for result in results) == [0, 250]
	assert batch_calls(shop) == 3
	products = shop.products
	assert [products[pid]["stock_quantity"] for pid in catalogue.simple.values()] == list(range(1, 251))
