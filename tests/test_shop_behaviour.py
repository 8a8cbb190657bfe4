"""Behaviour of the WooCommerce test shop that the sync relies on, beyond single recordings."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
from conftest import WebhookReceiver, recording
from woocommerce.oauth import OAuth

from woocommerce_fusion.testing import TestShop
from woocommerce_fusion.testing.sample_orders import generate_orders
from woocommerce_fusion.testing.shop_auth import ApiKey
from woocommerce_fusion.testing.shop_util import UTC

WINTER = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)  # Berlin is UTC+1


class Clock:
	def __init__(self, start: datetime) -> None:
		self.now = start

	def __call__(self) -> datetime:
		return self.now

	def advance(self, **delta: float) -> None:
		self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
	return Clock(WINTER)


@pytest.fixture
def shop(clock: Clock) -> Iterator[TestShop]:
	shop = TestShop(clock=clock, webhook_mode="manual").start()
	try:
		yield shop
	finally:
		shop.stop()


def create(shop: TestShop, **extra: object) -> dict:
	payload = {"line_items": [{"product_id": 14, "quantity": 1}], **extra}
	response = shop.request("POST", "orders", json=payload)
	assert response.status_code == 201, response.text
	return response.json()


def ids(response: requests.Response) -> list[int]:
	assert response.status_code == 200, response.text
	return [order["id"] for order in response.json()]


# -- lists ------------------------------------------------------------------------------------


def test_paging_covers_every_order_once_and_past_the_end_is_empty(woo_shop: TestShop) -> None:
	seeded = woo_shop.seed_orders(25)
	seen = []
	for page in (1, 2, 3):
		response = woo_shop.request("GET", "orders", {"per_page": 10, "page": page})
		assert response.headers["X-WP-Total"] == "25" and response.headers["X-WP-TotalPages"] == "3"
		seen += ids(response)
	assert sorted(seen) == sorted(seeded)
	past = woo_shop.request("GET", "orders", {"per_page": 10, "page": 4})
	assert past.json() == [] and past.headers["X-WP-Total"] == "0" and past.headers["X-WP-TotalPages"] == "0"
	assert 'rel="prev"' in past.headers["Link"] and 'rel="next"' not in past.headers["Link"]


def test_default_order_is_newest_first_and_orderby_works(shop: TestShop, clock: Clock) -> None:
	first = create(shop)["id"]
	clock.advance(minutes=1)
	second = create(shop)["id"]
	clock.advance(minutes=1)
	shop.modify_order(first, status="on-hold")
	assert ids(shop.request("GET", "orders")) == [second, first]
	assert ids(shop.request("GET", "orders", {"orderby": "modified"})) == [first, second]
	assert ids(shop.request("GET", "orders", {"orderby": "id", "order": "asc"})) == [first, second]
	included = {"include": f"{second},{first}", "orderby": "include", "order": "asc"}
	assert ids(shop.request("GET", "orders", included)) == [second, first]


def test_status_search_and_fields(shop: TestShop) -> None:
	pending = create(shop, billing={"email": "mia.gast@example.org", "last_name": "Gast"})["id"]
	done = create(shop, status="completed")["id"]
	assert ids(shop.request("GET", "orders", {"status": "completed"})) == [done]
	assert sorted(ids(shop.request("GET", "orders", {"status": "pending,completed"}))) == [pending, done]
	assert ids(shop.request("GET", "orders", {"search": "MIA.GAST"})) == [pending]
	trimmed = shop.request("GET", "orders", {"search": "gast", "_fields": "id,billing.email"}).json()
	assert trimmed == [{"id": pending, "billing": {"email": "mia.gast@example.org"}}]


@pytest.mark.parametrize(
	("params", "found"),
	[
		({"modified_after": "2026-01-15T10:30:00", "dates_are_gmt": "true"}, "late"),
		({"modified_after": "2026-01-15T11:30:00"}, "late"),
		({"modified_after": "2026-01-15T10:30:00Z"}, "late"),
		({"modified_after": "2026-01-15T11:30:00+01:00"}, "late"),
		({"modified_after": "2026-01-15T10:30:00"}, "both"),  # UTC without the flag is read as local
		({"modified_before": "2026-01-15T10:30:00", "dates_are_gmt": "1"}, "early"),
		({"modified_before": "2026-01-15T11:30:00"}, "early"),
		({"after": "2026-01-15T10:30:00Z"}, "late"),
		({"before": "2026-01-15 11:30:00"}, "early"),
	],
)
def test_date_filters(shop: TestShop, clock: Clock, params: dict[str, str], found: str) -> None:
	early = create(shop)["id"]
	clock.advance(hours=1)
	late = create(shop)["id"]
	expected = {"early": [early], "late": [late], "both": [late, early]}[found]
	assert ids(shop.request("GET", "orders", params)) == expected


def test_modified_after_is_strict_and_store_time_follows_daylight_saving(clock: Clock) -> None:
	clock.now = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)  # Berlin is UTC+2 in summer
	with TestShop(clock=clock).start() as shop:
		order = create(shop)
		assert (
			order["date_created"] == "2026-07-01T14:00:00"
			and order["date_created_gmt"] == "2026-07-01T12:00:00"
		)
		assert ids(shop.request("GET", "orders", {"modified_after": "2026-07-01T14:00:00"})) == []
		assert ids(shop.request("GET", "orders", {"modified_after": "2026-07-01T13:59:59"})) == [order["id"]]


def test_invalid_parameters_are_all_reported(woo_shop: TestShop) -> None:
	response = woo_shop.request("GET", "orders", {"per_page": 0, "order": "up", "page": "x"})
	assert response.status_code == 400
	assert set(response.json()["data"]["params"]) == {"per_page", "order", "page"}
	anonymous = requests.get(f"{woo_shop.api_url}/orders", params={"per_page": 101}, timeout=5)
	assert anonymous.status_code == 400, "WordPress validates parameters before checking permissions"


# -- dates and trash --------------------------------------------------------------------------


def test_status_change_moves_date_modified_but_a_note_does_not(shop: TestShop, clock: Clock) -> None:
	order = create(shop)
	clock.advance(seconds=30)
	held = shop.request("PUT", f"orders/{order['id']}", json={"status": "on-hold"}).json()
	assert (
		held["date_modified_gmt"] == "2026-01-15T10:00:30" and held["date_modified"] == "2026-01-15T11:00:30"
	)
	clock.advance(seconds=30)
	note = shop.request("POST", f"orders/{order['id']}/notes", json={"note": "Called", "customer_note": True})
	assert note.status_code == 201
	after_note = shop.request("GET", f"orders/{order['id']}").json()
	assert after_note["date_modified_gmt"] == held["date_modified_gmt"]
	assert after_note["customer_note"] == ""
	clock.advance(seconds=30)
	processing = shop.request("PUT", f"orders/{order['id']}", json={"status": "processing"}).json()
	assert processing["date_modified_gmt"] == "2026-01-15T10:01:30"
	assert processing["date_paid_gmt"] == "2026-01-15T10:01:30", "moving into processing sets date_paid"
	notes = shop.request("GET", f"orders/{order['id']}/notes").json()
	assert [n["note"] for n in notes] == [
		"Order status changed from On hold to Processing.",
		"Called",
		"Order status changed from Pending payment to On hold.",
		# Written just before the transition's note, in the same second.
		"Stock levels reduced: Ceramic Mug (MUG-CER) 116&rarr;115",
	]


def test_trash_semantics(shop: TestShop, clock: Clock) -> None:
	order = create(shop)
	clock.advance(seconds=3)
	deleted = shop.request("DELETE", f"orders/{order['id']}")
	assert deleted.status_code == 200
	assert deleted.json()["status"] == "pending" and deleted.json()["date_modified"] == order["date_modified"]
	trashed = shop.request("GET", f"orders/{order['id']}").json()
	assert trashed["status"] == "trash"
	assert trashed["date_modified_gmt"] == "2026-01-15T10:00:03"
	meta = {m["key"]: m["value"] for m in trashed["meta_data"]}
	assert meta["_wp_trash_meta_status"] == "wc-pending"
	assert ids(shop.request("GET", "orders", {"include": order["id"]})) == []
	assert ids(shop.request("GET", "orders", {"status": "trash"})) == [order["id"]]
	assert ids(shop.request("GET", "orders", {"status": "any,trash"})) == [order["id"]]
	again = shop.request("DELETE", f"orders/{order['id']}")
	assert again.status_code == 410 and again.json()["code"] == "woocommerce_rest_already_trashed"
	gone = shop.request("DELETE", f"orders/{order['id']}", {"force": "true"})
	assert gone.status_code == 200 and gone.json()["status"] == "trash"
	assert shop.request("GET", f"orders/{order['id']}").status_code == 404


def test_untrash_by_status_update(shop: TestShop) -> None:
	order = create(shop)
	shop.request("DELETE", f"orders/{order['id']}")
	restored = shop.request("PUT", f"orders/{order['id']}", json={"status": "pending"}).json()
	assert restored["status"] == "pending"
	assert ids(shop.request("GET", "orders")) == [order["id"]]


# -- batch ------------------------------------------------------------------------------------


def test_batch_reports_failures_inline_and_deletes_for_good(shop: TestShop) -> None:
	keep, drop = create(shop)["id"], create(shop)["id"]
	response = shop.request(
		"POST",
		"orders/batch",
		json={
			"create": [{"line_items": [{"product_id": 999999}]}, {"line_items": [{"product_id": 13}]}],
			"update": [{"id": keep, "status": "completed"}, {"id": 424242, "status": "completed"}],
			"delete": [drop, 434343],
		},
	)
	assert response.status_code == 200
	body = response.json()
	assert body["create"][0] == {
		"id": 0,
		"error": {
			"code": "woocommerce_rest_invalid_product_id",
			"message": "Product ID provided is invalid.",
			"data": {"status": 400},
		},
	}
	assert body["create"][1]["line_items"][0]["sku"] == "ESP-1KG"
	assert body["update"][0]["status"] == "completed"
	assert body["update"][1]["id"] == 424242
	assert body["update"][1]["error"]["code"] == "woocommerce_rest_shop_order_invalid_id"
	assert body["update"][1]["error"]["data"] == {"status": 400}
	assert body["delete"][0]["id"] == drop
	assert body["delete"][1]["error"]["data"] == {"status": 404}, "as DELETE orders/{id} says"
	assert shop.request("GET", f"orders/{drop}").status_code == 404
	assert shop.request("GET", "orders", {"status": "trash"}).json() == []


def test_batch_limit(shop: TestShop) -> None:
	response = shop.request("POST", "orders/batch", json={"update": [{"id": i} for i in range(101)]})
	assert response.status_code == 413
	assert response.json()["code"] == "woocommerce_rest_request_entity_too_large"


# -- refunds ----------------------------------------------------------------------------------


def test_full_refund_marks_the_order_refunded_and_gateway_refunds_fail(shop: TestShop) -> None:
	order = create(shop, status="processing")
	gateway = shop.request("POST", f"orders/{order['id']}/refunds", json={"amount": "1.00"})
	assert (
		gateway.status_code == 500 and gateway.json()["code"] == "woocommerce_rest_cannot_create_order_refund"
	)
	too_much = shop.request(
		"POST", f"orders/{order['id']}/refunds", json={"amount": "999.00", "api_refund": False}
	)
	assert too_much.status_code == 500 and too_much.json()["message"] == "Invalid refund amount."
	partial = shop.request(
		"POST", f"orders/{order['id']}/refunds", json={"amount": "1.00", "api_refund": False}
	)
	assert partial.status_code == 201
	assert shop.request("GET", f"orders/{order['id']}").json()["status"] == "processing"
	rest = str(Decimal(order["total"]) - 1)
	shop.request("POST", f"orders/{order['id']}/refunds", json={"amount": rest, "api_refund": False})
	after = shop.request("GET", f"orders/{order['id']}").json()
	assert after["status"] == "refunded" and after["total"] == order["total"]
	assert [r["total"] for r in after["refunds"]] == [f"-{rest}", "-1.00"]


# -- seeded orders ----------------------------------------------------------------------------


def test_seeded_orders_add_up_like_woocommerce(woo_shop_session: TestShop) -> None:
	orders = [woo_shop_session.orders[i] for i in woo_shop_session.orders]
	rates, statuses, methods = set(), set(), set()
	for order in orders:
		money = lambda values: sum((Decimal(v) for v in values), Decimal(0))  # noqa: E731
		lines, fees = order["line_items"], order["fee_lines"]
		total = (
			money(i["total"] for i in lines)
			+ money(i["total_tax"] for i in lines)
			+ Decimal(order["shipping_total"])
			+ Decimal(order["shipping_tax"])
			+ money(f["total"] for f in fees)
			+ money(f["total_tax"] for f in fees)
		)
		assert total == Decimal(order["total"]), order["id"]
		assert money(t["tax_total"] for t in order["tax_lines"]) == Decimal(order["cart_tax"])
		assert money(t["shipping_tax_total"] for t in order["tax_lines"]) == Decimal(order["shipping_tax"])
		assert Decimal(order["total_tax"]) == Decimal(order["cart_tax"]) + Decimal(order["shipping_tax"])
		assert order["date_modified_gmt"] >= order["date_created_gmt"]
		rates |= {t["rate_percent"] for t in order["tax_lines"]}
		statuses.add(order["status"])
		methods.add(order["payment_method"])
	assert rates == {7, 19}
	assert {"completed", "processing", "pending", "on-hold", "cancelled"} <= statuses
	assert {"bacs", "stripe", "paypal", "cod"} == methods
	assert any(o["coupon_lines"] for o in orders) and any(o["fee_lines"] for o in orders)
	assert any(o["customer_id"] == 0 for o in orders) and any(o["customer_id"] for o in orders)
	assert any(i["variation_id"] for o in orders for i in o["line_items"])
	assert any(len({t["rate_id"] for t in o["tax_lines"]}) == 2 for o in orders)
	assert any(m["key"] == "_billing_vat_id" for o in orders for m in o["meta_data"])
	refunded = [o for o in orders if o["status"] == "refunded"]
	assert all(o["refunds"][0]["total"] == f"-{o['total']}" for o in refunded)


def test_sample_orders_are_reproducible(woo_shop: TestShop) -> None:
	items = woo_shop.saleable_items()
	one = generate_orders(20, items, WINTER, seed=5)
	assert one == generate_orders(20, items, WINTER, seed=5)
	assert one != generate_orders(20, items, WINTER, seed=6)
	assert all(o["_created"] <= o["_modified"] <= WINTER for o in one)


def test_seeding_and_listing_are_fast() -> None:
	shop = TestShop()
	started = time.perf_counter()
	shop.seed_orders(2000)
	seeding = time.perf_counter() - started
	with shop.start():
		started = time.perf_counter()
		response = shop.request("GET", "orders", {"per_page": 100, "page": 7})
		listing = time.perf_counter() - started
	assert len(response.json()) == 100
	assert seeding < 5.0, f"seeding 2000 orders took {seeding:.2f}s"
	assert listing < 1.0, f"listing 100 orders took {listing:.2f}s"


def test_add_order_keeps_the_payload(woo_shop: TestShop) -> None:
	order = woo_shop.orders[woo_shop.seed_orders(1)[0]]
	order["id"] = 5000
	order["total"] = "1.23"
	assert woo_shop.add_order(order) == 5000
	assert woo_shop.orders[5000]["total"] == "1.23"
	with pytest.raises(ValueError):
		woo_shop.add_order(order)
	assert create(woo_shop)["id"] > 5000


# -- faults, counting, latency ------------------------------------------------------------------


def test_429_with_retry_after_then_normal(woo_shop: TestShop) -> None:
	woo_shop.inject_fault("429", times=2, retry_after=3, path_prefix="/wp-json/wc/v3/orders")
	assert woo_shop.request("GET", "products").status_code == 200, "other paths are not affected"
	for _ in range(2):
		limited = woo_shop.request("GET", "orders")
		assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
	assert woo_shop.request("GET", "orders").status_code == 200
	assert [r.fault for r in woo_shop.requests] == [None, "429", "429", None]


def test_faults_are_consumed_in_order_and_filter_by_method(woo_shop: TestShop) -> None:
	woo_shop.inject_fault("500", method="PUT")
	woo_shop.inject_fault("500")
	woo_shop.inject_fault("503", retry_after=2)
	first = woo_shop.request("GET", "orders")
	assert first.status_code == 500 and first.json()["code"] == "internal_server_error"
	second = woo_shop.request("GET", "orders")
	assert second.status_code == 503 and second.headers["Retry-After"] == "2"
	assert woo_shop.request("PUT", "orders/1", json={}).status_code == 500
	assert woo_shop.request("GET", "orders").status_code == 200


def test_dropped_connection(woo_shop: TestShop) -> None:
	woo_shop.inject_fault("drop")
	with pytest.raises(requests.ConnectionError):
		woo_shop.request("GET", "orders")
	assert woo_shop.request("GET", "orders").status_code == 200
	assert woo_shop.requests[0].status is None and woo_shop.requests[0].fault == "drop"


def test_timeout(woo_shop: TestShop) -> None:
	woo_shop.inject_fault("timeout", seconds=0.5)
	started = time.perf_counter()
	with pytest.raises(requests.Timeout):
		woo_shop.request("GET", "orders", timeout=0.1)
	assert time.perf_counter() - started < 0.4
	assert woo_shop.request("GET", "orders").status_code == 200


def test_latency(woo_shop: TestShop) -> None:
	woo_shop.seed_orders(5)
	woo_shop.inject_fault("latency", seconds=0.2)
	started = time.perf_counter()
	assert woo_shop.request("GET", "orders").status_code == 200
	assert time.perf_counter() - started >= 0.2
	woo_shop.latency, woo_shop.per_order_latency = 0.05, 0.02
	started = time.perf_counter()
	woo_shop.request("GET", "orders")
	assert time.perf_counter() - started >= 0.05 + 5 * 0.02


def test_request_counting(woo_shop: TestShop) -> None:
	woo_shop.request("GET", "orders", {"per_page": 5})
	woo_shop.request("GET", "products")
	woo_shop.request("GET", "orders/999")
	create(woo_shop)
	assert woo_shop.count() == 4
	assert woo_shop.count(method="GET") == 3
	assert woo_shop.count(path_prefix="/wp-json/wc/v3/orders") == 3
	assert woo_shop.count(method="get", path_prefix="/wp-json/wc/v3/orders", status=404) == 1
	first = woo_shop.requests[0]
	assert (first.method, first.path, first.query["per_page"], first.status) == (
		"GET",
		"/wp-json/wc/v3/orders",
		"5",
		200,
	)
	woo_shop.reset_counts()
	assert woo_shop.count() == 0 and woo_shop.requests == []


def test_unknown_fault_kind_is_refused(woo_shop: TestShop) -> None:
	with pytest.raises(ValueError):
		woo_shop.inject_fault("teapot")


# -- auth details ------------------------------------------------------------------------------


def test_stale_timestamp_and_write_only_keys(woo_shop: TestShop) -> None:
	old = int(time.time()) - 16 * 60
	url = f"{woo_shop.api_url}/orders"
	stale = OAuth(url, woo_shop.consumer_key, woo_shop.consumer_secret, oauth_timestamp=old).get_oauth_url()
	response = requests.get(stale, timeout=5)
	assert response.status_code == 401 and response.json()["message"] == "Invalid timestamp."
	woo_shop.add_api_key("ck_writer", "cs_writer", permissions="write")
	denied = requests.get(
		woo_shop.signed_url("GET", "orders", key=ApiKey("ck_writer", "cs_writer")), timeout=5
	)
	assert denied.json()["message"] == "The API key provided does not have read permissions."


def test_clock_far_from_wall_time_still_authenticates(clock: Clock) -> None:
	clock.now = datetime(2030, 1, 1, tzinfo=UTC)
	with TestShop(clock=clock).start() as shop:
		assert create(shop)["date_created_gmt"] == "2030-01-01T00:00:00"


def test_concurrent_clients(woo_shop: TestShop) -> None:
	failures: list[str] = []

	def work() -> None:
		for _ in range(10):
			response = woo_shop.request("POST", "orders", json={"line_items": [{"product_id": 13}]})
			if response.status_code != 201:
				failures.append(response.text)
			woo_shop.request("GET", "orders", {"per_page": 100})

	threads = [threading.Thread(target=work) for _ in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert failures == []
	assert len(woo_shop.orders) == 80
	listed = woo_shop.request("GET", "orders", {"per_page": 100})
	assert listed.headers["X-WP-Total"] == "80" and len(set(ids(listed))) == 80


# -- webhooks ---------------------------------------------------------------------------------


def test_creating_an_order_fires_created_and_updated(
	shop: TestShop, webhook_receiver: WebhookReceiver
) -> None:
	shop.add_webhook("order.created", webhook_receiver.url, "s1", ping=False)
	shop.add_webhook("order.updated", webhook_receiver.url, "s2", ping=False)
	order = create(shop)
	assert webhook_receiver.requests == [], "manual mode: nothing leaves before the flush"
	deliveries = shop.flush_webhooks()
	assert sorted(d.topic for d in deliveries) == ["order.created", "order.updated"]
	assert all(d.ok and d.resource_id == order["id"] for d in deliveries)
	assert len(webhook_receiver.requests) == 2


def test_pending_deliveries_coalesce_and_carry_the_final_state(
	shop: TestShop, webhook_receiver: WebhookReceiver
) -> None:
	order = create(shop)
	shop.add_webhook("order.updated", webhook_receiver.url, "secret", ping=False)
	for status in ("on-hold", "processing", "completed"):
		shop.modify_order(order["id"], status=status)
	assert shop.pending_webhooks() == 1
	shop.flush_webhooks()
	assert len(webhook_receiver.requests) == 1
	assert json.loads(webhook_receiver.requests[0].body)["status"] == "completed"


def test_deleting_sends_only_the_id(shop: TestShop, webhook_receiver: WebhookReceiver) -> None:
	order = create(shop)
	shop.add_webhook("order.deleted", webhook_receiver.url, "secret", ping=False)
	shop.request("DELETE", f"orders/{order['id']}", {"force": "true"})
	shop.flush_webhooks()
	assert webhook_receiver.requests[0].body == f'{{"id":{order["id"]}}}'.encode()


def test_async_delivery_arrives_without_a_flush(
	woo_shop: TestShop, webhook_receiver: WebhookReceiver
) -> None:
	woo_shop.add_webhook("order.created", webhook_receiver.url, "secret", ping=False)
	order = create(woo_shop)
	deadline = time.monotonic() + 3
	while not webhook_receiver.requests and time.monotonic() < deadline:
		time.sleep(0.01)
	assert json.loads(webhook_receiver.requests[0].body)["id"] == order["id"]


def test_a_failing_endpoint_gets_the_webhook_disabled(
	shop: TestShop, webhook_receiver: WebhookReceiver
) -> None:
	webhook_receiver.status = 500
	hook_id = shop.add_webhook("order.updated", webhook_receiver.url, "secret", ping=False)
	order = create(shop)
	for _ in range(6):
		shop.modify_order(order["id"], customer_note="again")
		shop.flush_webhooks()
	# WC_Webhook::failed_delivery() counts to six and disables on the failure after that.
	assert shop.webhooks[hook_id].status == "active" and shop.webhooks[hook_id].failure_count == 6
	shop.modify_order(order["id"], customer_note="once more")
	shop.flush_webhooks()
	assert shop.webhooks[hook_id].status == "disabled"
	assert shop.request("GET", f"webhooks/{hook_id}").json()["status"] == "disabled"


def test_webhook_rest_lifecycle(shop: TestShop, webhook_receiver: WebhookReceiver) -> None:
	missing = shop.request("POST", "webhooks", json={"name": "x"})
	assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
	hook = shop.request(
		"POST", "webhooks", json={"topic": "order.updated", "delivery_url": webhook_receiver.url}
	)
	hook_id = hook.json()["id"]
	paused = shop.request("PUT", f"webhooks/{hook_id}", json={"status": "paused"}).json()
	assert paused["status"] == "paused"
	create(shop)
	assert shop.pending_webhooks() == 0, "paused hooks get nothing"
	assert shop.request("DELETE", f"webhooks/{hook_id}").status_code == 501
	assert shop.request("DELETE", f"webhooks/{hook_id}", {"force": "true"}).status_code == 200
	assert shop.request("GET", f"webhooks/{hook_id}").status_code == 400, "WooCommerce: ID is invalid."


# -- running on its own -----------------------------------------------------------------------


def test_command_line_shop() -> None:
	process = subprocess.Popen(
		[sys.executable, "-m", "woocommerce_fusion.testing.shop", "--port", "0", "--orders", "3"],
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		lines = [process.stdout.readline() for _ in range(5)]
		url = lines[0].split()[3]
		key, secret = lines[1].split()[-1], lines[2].split()[-1]
		assert "Signature" in lines[3]
		index = requests.get(f"{url}/wp-json/", timeout=5).json()
		assert index["timezone_string"] == "Europe/Berlin"
		signed = OAuth(f"{url}/wp-json/wc/v3/orders", key, secret).get_oauth_url()
		assert requests.get(signed, timeout=5).headers["X-WP-Total"] == "3"
	finally:
		process.terminate()
		process.wait(timeout=5)


# -- order edits and https ----------------------------------------------------------------------


def test_line_item_edits_recompute_totals(shop: TestShop) -> None:
	order = create(
		shop, shipping_lines=[{"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}]
	)
	mug = order["line_items"][0]
	assert order["total"] == "20.71"
	edited = shop.request(
		"PUT",
		f"orders/{order['id']}",
		json={"line_items": [{"id": mug["id"], "quantity": 2}, {"product_id": 13, "quantity": 1}]},
	).json()
	assert [(i["sku"], i["quantity"], i["total"], i["total_tax"]) for i in edited["line_items"]] == [
		("MUG-CER", 2, "25.00", "4.75"),
		("ESP-1KG", 1, "25.90", "1.81"),
	]
	assert edited["total"] == "63.29", "the recorded mixed-rate order: 50.90 + 6.56 + 4.90 + 0.93"
	assert [t["rate_id"] for t in edited["tax_lines"]] == [1, 2]
	removed = shop.request(
		"PUT", f"orders/{order['id']}", json={"line_items": [{"id": mug["id"], "quantity": 0}]}
	)
	assert [i["sku"] for i in removed.json()["line_items"]] == ["ESP-1KG"]
	assert removed.json()["shipping_tax"] == "0.00", "only 7 % items left: shipping is not taxed"


def test_a_variation_posted_as_product_is_stored_under_its_parent(shop: TestShop) -> None:
	line = create(shop, line_items=[{"product_id": 17, "quantity": 1}])["line_items"][0]
	assert (line["product_id"], line["variation_id"], line["name"], line["sku"]) == (
		16,
		17,
		"Barista T-Shirt - S",
		"TSHIRT-S",
	)
	assert line["meta_data"][0]["key"] == "size" and line["meta_data"][0]["display_key"] == "Size"


def test_https_takes_basic_auth_and_ignores_oauth(self_signed_certificate) -> None:
	cert_file = self_signed_certificate.cert_file
	context = self_signed_certificate.server_context()
	with TestShop().start(ssl_context=context) as shop:
		assert shop.url.startswith("https://")
		assert shop.request("GET", "orders", verify=str(cert_file)).status_code == 200
		query = {"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret}
		assert (
			requests.get(f"{shop.api_url}/orders", params=query, verify=str(cert_file), timeout=5).status_code
			== 200
		)
		wrong = requests.get(
			f"{shop.api_url}/orders", auth=(shop.consumer_key, "cs_no"), verify=str(cert_file), timeout=5
		)
		assert wrong.status_code == 401 and wrong.json()["message"] == "Consumer secret is invalid."
		oauth = OAuth(f"{shop.api_url}/orders", shop.consumer_key, shop.consumer_secret).get_oauth_url()
		assert (
			requests.get(oauth, verify=str(cert_file), timeout=5).json()["code"]
			== "woocommerce_rest_cannot_view"
		)


def test_realistic_latency_matches_the_recorded_medians() -> None:
	runs = [run for run in recording("latency")["runs"] if "opcache ON" in run["store"]]
	one = TestShop.REALISTIC_LATENCY + TestShop.REALISTIC_PER_ORDER_LATENCY
	hundred = TestShop.REALISTIC_LATENCY + 100 * TestShop.REALISTIC_PER_ORDER_LATENCY
	assert len(runs) == 2
	for run in runs:
		single, listing = run["GET /orders/22"]["median_ms"], run["GET /orders?per_page=100"]["median_ms"]
		assert abs(one * 1000 - single) <= 0.15 * single
		assert abs(hundred * 1000 - listing) <= 0.15 * listing
