"""An Item the shop refused is tried again on the app's retry schedule, not with every push."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from woocommerce_fusion.engine.catalogue.push import push_pending
from woocommerce_fusion.engine.catalogue.push_retry import WAITS_FOR_LINK, inline_error_kind
from woocommerce_fusion.engine.errors import ErrorKind
from woocommerce_fusion.engine.retry import RETRY_DELAYS, RetryStatus
from woocommerce_fusion.testing.catalogue_fixtures import (
	PRICE_LIST,
	SERVER,
	WAREHOUSE,
	levels_settings,
	make_linked_catalogue,
)


class RefusingShop:
	"""The client, with the shop refusing some products inline as WooCommerce does: the others
	go to the test shop, the refused ones come back as {"id", "error"} in their place."""

	def __init__(self, client: Any, status: int = 500, code: str = "woocommerce_rest_cannot_edit"):
		self.client = client
		self.refused: set[int] = set()
		self.error = {"code": code, "message": "Refused.", "data": {"status": status}}
		self.sent: list[list[int]] = []
		self.during: Any = None

	def post(self, endpoint: str, data: dict, **kwargs: Any) -> dict:
		entries = data["update"]
		self.sent.append([entry["id"] for entry in entries])
		if self.during:
			self.during()
		kept = [entry for entry in entries if entry["id"] not in self.refused]
		answered = iter(self.client.post(endpoint, {"update": kept}, **kwargs)["update"] if kept else [])
		return {
			"update": [
				{"id": entry["id"], "error": self.error} if entry["id"] in self.refused else next(answered)
				for entry in entries
			]
		}


def refused_setup(shop, erp, client, count: int = 2, **refusal: Any):
	catalogue = make_linked_catalogue(shop, erp, simple=count)
	codes = list(catalogue.simple)
	refusing = RefusingShop(client, **refusal)
	refusing.refused = {catalogue.simple[codes[0]]}
	for code in codes:
		erp.stock_transaction(code, WAREHOUSE, 3)
	return catalogue, codes, refusing


def test_a_refused_item_follows_the_schedule_then_gives_up(shop, erp, client, clock):
	catalogue, (refused, fine), refusing = refused_setup(shop, erp, client)
	product = catalogue.simple[refused]

	first = push_pending(erp, refusing, levels_settings())
	assert (first.pushed, first.failed, first.needs_attention) == (1, 1, [])
	row = erp.pending_row(SERVER, refused)
	assert (row.attempts, row.retry_status) == (1, RetryStatus.SCHEDULED)
	assert "woocommerce_rest_cannot_edit" in row.error

	for attempt, delay in enumerate(RETRY_DELAYS, start=2):
		assert erp.pending_row(SERVER, refused).next_attempt_on == clock() + delay
		clock.advance(delay - timedelta(minutes=1))
		early = push_pending(erp, refusing, levels_settings())
		assert (early.calls, early.considered) == (0, 0)
		clock.advance(minutes=1)
		due = push_pending(erp, refusing, levels_settings())
		assert (due.calls, due.failed) == (1, 1)
		# Only the attempt that gives up leaves the Item to a person, and says so.
		assert [line.split(":")[0] for line in due.needs_attention] == ([refused] if attempt == 5 else [])
		assert refusing.sent[-1] == [product]
		assert erp.pending_row(SERVER, refused).attempts == attempt

	gave_up = erp.pending_row(SERVER, refused)
	assert (gave_up.next_attempt_on, gave_up.retry_status) == (None, "Gave up after 5 attempts")
	assert gave_up.error and gave_up.stock
	clock.advance(days=3)
	calls = len(refusing.sent)
	assert push_pending(erp, refusing, levels_settings()).calls == 0
	assert len(refusing.sent) == calls == 5
	assert [row.item_code for row in erp.pending_updates(SERVER)] == [refused]


def test_a_waiting_item_takes_no_place_in_a_batch(shop, erp, client, clock):
	catalogue, codes, refusing = refused_setup(shop, erp, client, count=101)
	refusing.refused = {catalogue.simple[code] for code in codes[:100]}
	push_pending(erp, refusing, levels_settings())
	assert len(refusing.sent) == 2

	erp.stock_transaction(codes[100], WAREHOUSE, 1)
	clock.advance(minutes=1)
	counts = push_pending(erp, refusing, levels_settings())

	assert (counts.considered, counts.calls, refusing.sent[-1]) == (1, 1, [catalogue.simple[codes[100]]])
	assert shop.products[catalogue.simple[codes[100]]]["stock_quantity"] == 4


def test_a_new_change_makes_a_refused_item_due_at_once(shop, erp, client, clock):
	catalogue, (refused, _fine), refusing = refused_setup(
		shop, erp, client, status=400, code="rest_invalid_param"
	)
	push_pending(erp, refusing, levels_settings())
	row = erp.pending_row(SERVER, refused)
	# A refused value does not heal by waiting: no timer, the next change is sent.
	assert (row.next_attempt_on, row.retry_status) == (None, RetryStatus.NEEDS_FIX)
	clock.advance(days=1)
	assert push_pending(erp, refusing, levels_settings()).calls == 0

	refusing.refused = set()
	erp.set_item_price(PRICE_LIST, refused, "7.50")
	counts = push_pending(erp, refusing, levels_settings())

	assert (counts.pushed, counts.failed) == (1, 0)
	product = shop.products[catalogue.simple[refused]]
	assert (product["stock_quantity"], product["regular_price"]) == (3, "7.50")
	done = erp.pending_row(SERVER, refused)
	assert (done.attempts, done.next_attempt_on, done.retry_status, done.error) == (0, None, "", "")
	assert not (done.stock or done.price)


def test_a_gave_up_item_is_due_again_with_a_new_change(shop, erp, client, clock):
	_catalogue, (refused, _fine), refusing = refused_setup(shop, erp, client)
	push_pending(erp, refusing, levels_settings())
	for delay in RETRY_DELAYS:
		clock.advance(delay)
		push_pending(erp, refusing, levels_settings())
	assert erp.pending_row(SERVER, refused).retry_status == "Gave up after 5 attempts"

	erp.stock_transaction(refused, WAREHOUSE, 1)
	assert erp.pending_row(SERVER, refused).next_attempt_on == clock()
	refusing.refused = set()
	assert push_pending(erp, refusing, levels_settings()).pushed == 1
	assert erp.pending_row(SERVER, refused).attempts == 0


def test_an_unknown_product_waits_for_a_new_link_not_a_timer(shop, erp, client, clock):
	make_linked_catalogue(shop, erp, simple=1)
	erp.link_item(SERVER, "GONE-1", 999999)
	erp.stock_transaction("GONE-1", WAREHOUSE, 2)

	refused = push_pending(erp, client, levels_settings())
	assert refused.failed == 1
	assert refused.needs_attention == ["GONE-1: [woocommerce_rest_product_invalid_id] Invalid ID."]
	row = erp.pending_row(SERVER, "GONE-1")
	assert (row.next_attempt_on, row.retry_status, row.attempted_product) == (None, WAITS_FOR_LINK, "999999")
	# Neither time nor a new stock change fixes a link to a product the shop does not know.
	clock.advance(days=2)
	erp.stock_transaction("GONE-1", WAREHOUSE, 1)
	shop.reset_counts()
	assert push_pending(erp, client, levels_settings()).calls == 0
	assert shop.requests == []

	product = shop.request("POST", "products", json={"name": "Back", "manage_stock": True}).json()
	erp.link_item(SERVER, "GONE-1", product["id"])
	counts = push_pending(erp, client, levels_settings())
	assert (counts.pushed, counts.failed) == (1, 0)
	assert shop.products[product["id"]]["stock_quantity"] == 3


def test_saving_the_server_makes_every_refused_item_due(shop, erp, client, clock):
	_catalogue, (refused, _fine), refusing = refused_setup(shop, erp, client, count=2)
	erp.link_item(SERVER, "GONE-1", 999999)
	erp.stock_transaction("GONE-1", WAREHOUSE, 2)
	push_pending(erp, refusing, levels_settings())
	for delay in RETRY_DELAYS:
		clock.advance(delay)
		push_pending(erp, refusing, levels_settings())
	assert push_pending(erp, refusing, levels_settings()).calls == 0

	erp.retry_now(SERVER)
	erp.commit()
	refusing.refused = set()
	counts = push_pending(erp, refusing, levels_settings())

	assert (counts.considered, counts.pushed, counts.failed) == (2, 1, 1)
	# The save did not fix it: said again.
	assert [line.split(":")[0] for line in counts.needs_attention] == ["GONE-1"]
	assert erp.pending_row(SERVER, refused).attempts == 0
	assert erp.pending_row(SERVER, "GONE-1").retry_status == WAITS_FOR_LINK


def test_a_change_while_the_shop_refuses_the_item_is_sent_at_once(shop, erp, client, clock):
	catalogue, (refused, _fine), refusing = refused_setup(shop, erp, client)

	def book() -> None:
		worker = threading.Thread(target=lambda: erp.stock_transaction(refused, WAREHOUSE, 4))
		worker.start()
		worker.join()

	refusing.during = book
	push_pending(erp, refusing, levels_settings())
	row = erp.pending_row(SERVER, refused)
	assert (row.attempts, row.next_attempt_on) == (1, clock())

	refusing.during, refusing.refused = None, set()
	assert push_pending(erp, refusing, levels_settings()).pushed == 1
	assert shop.products[catalogue.simple[refused]]["stock_quantity"] == 7


def test_a_shop_that_is_down_counts_no_attempt_against_the_items(shop, erp, client):
	catalogue = make_linked_catalogue(shop, erp, simple=3)
	for code in catalogue.simple:
		erp.stock_transaction(code, WAREHOUSE, 1)
	shop.inject_fault("503", times=10, path_prefix="/wp-json/wc/v3/products")

	assert push_pending(erp, client, levels_settings()).stopped_by
	assert {erp.pending_row(SERVER, code).attempts for code in catalogue.simple} == {0}
	assert all(row.due for row in erp.pending_updates(SERVER))


def test_inline_errors_are_classified_by_code_then_status():
	assert inline_error_kind({"code": "woocommerce_rest_product_invalid_id", "data": {"status": 400}}) == (
		ErrorKind.NOT_FOUND
	)
	assert inline_error_kind({"code": "woocommerce_rest_product_variation_invalid_id"}) == ErrorKind.NOT_FOUND
	assert inline_error_kind({"code": "rest_invalid_param", "data": {"status": 400}}) == ErrorKind.BAD_REQUEST
	assert inline_error_kind({"code": "x", "data": {"status": 503}}) == ErrorKind.UNAVAILABLE
	assert inline_error_kind({"code": "x"}) == ErrorKind.UNEXPECTED
