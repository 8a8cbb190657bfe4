"""The webhook endpoint's reading of a delivery, against every recorded WooCommerce 8.4 delivery
and against deliveries the test shop signs itself."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import RECORDED_WEBHOOK_SECRET, ManualClock, WebhookReceiver, sync_client, sync_settings

from woocommerce_fusion.engine.intake import MAX_BODY_BYTES, Intake, Outcome, read_delivery
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.engine.webhook import sign
from woocommerce_fusion.testing import TestShop
from woocommerce_fusion.testing.erp_fake import ErpFake

RECORDINGS = Path(__file__).parent / "fixtures" / "woocommerce"
DELIVERIES = sorted(RECORDINGS.glob("webhook_delivery_*.json"))
SIGNED = [path for path in DELIVERIES if path.stem != "webhook_delivery_ping"]


def delivery(path: Path) -> tuple[bytes, dict[str, str]]:
	request = json.loads(path.read_text())["request"]
	return request["raw_body"].encode(), dict(request["headers"])


def test_every_recorded_delivery_is_checked():
	assert {path.stem for path in DELIVERIES} >= {
		"webhook_delivery_ping",
		"webhook_delivery_order_created",
		"webhook_delivery_order_updated",
		"webhook_delivery_order_updated_coalesced",
		"webhook_delivery_product_updated",
	}


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: p.stem)
def test_recorded_delivery_is_read(path: Path):
	raw, headers = delivery(path)
	intake = read_delivery(raw, headers, RECORDED_WEBHOOK_SECRET)
	assert intake.delivery_id.startswith(headers["X-WC-Webhook-Delivery-ID"] + "-")
	assert intake.webhook_id == headers["X-WC-Webhook-ID"]
	assert intake.topic == headers["X-WC-Webhook-Topic"]
	assert intake.http_status == 200 and intake.stored
	if intake.topic == "product.updated":
		assert intake.outcome == Outcome.UNPROCESSABLE
		assert "product.updated is not synchronised" in intake.error
		assert intake.woocommerce_id is None
		return
	payload = json.loads(raw)
	assert intake.outcome == Outcome.ACCEPTED and intake.error is None
	assert intake.woocommerce_id == payload["id"]
	assert intake.payload == payload
	assert intake.date_modified_gmt == datetime.fromisoformat(payload["date_modified_gmt"]).replace(
		tzinfo=timezone.utc
	)


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: p.stem)
def test_recorded_delivery_is_refused_when_anything_differs(path: Path):
	raw, headers = delivery(path)
	for position in (0, 1, len(raw) // 2, len(raw) - 1):
		changed = bytearray(raw)
		changed[position] ^= 0x01
		refused = read_delivery(bytes(changed), headers, RECORDED_WEBHOOK_SECRET)
		assert refused.outcome == Outcome.REJECTED and refused.http_status == 401, position
		assert not refused.stored and refused.payload is None and refused.delivery_id is None

	assert read_delivery(raw, headers, RECORDED_WEBHOOK_SECRET + "x").outcome == Outcome.REJECTED
	assert read_delivery(raw, headers, "").outcome == Outcome.REJECTED
	assert read_delivery(raw, headers, None).outcome == Outcome.REJECTED
	unsigned = {k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"}
	missing = read_delivery(raw, unsigned, RECORDED_WEBHOOK_SECRET)
	assert missing.outcome == Outcome.REJECTED and "no X-WC-Webhook-Signature" in missing.error
	wrong = {**headers, "X-WC-Webhook-Signature": sign(raw, "another secret")}
	assert read_delivery(raw, wrong, RECORDED_WEBHOOK_SECRET).outcome == Outcome.REJECTED


def test_headers_are_read_in_any_case():
	raw, headers = delivery(RECORDINGS / "webhook_delivery_order_created.json")
	lowered = {key.lower(): value for key, value in headers.items()}
	upper = {key.upper(): value for key, value in headers.items()}
	for variant in (lowered, upper):
		assert read_delivery(raw, variant, RECORDED_WEBHOOK_SECRET).outcome == Outcome.ACCEPTED


def test_the_recorded_ping_is_answered():
	raw, headers = delivery(RECORDINGS / "webhook_delivery_ping.json")
	intake = read_delivery(raw, headers, RECORDED_WEBHOOK_SECRET)
	assert intake.outcome == Outcome.PING and intake.http_status == 200
	assert intake.webhook_id == "1" and not intake.stored
	# The ping needs no secret: it comes before the server's webhooks know one.
	assert read_delivery(raw, headers, None).outcome == Outcome.PING


def test_only_a_bare_ping_passes_unsigned():
	_raw, headers = delivery(RECORDINGS / "webhook_delivery_ping.json")
	for body in (b"webhook_id=1&x=2", b"webhook_id=", b'{"webhook_id": 1}', b""):
		assert read_delivery(body, headers, "s").outcome == Outcome.REJECTED, body
	# A ping body with a WooCommerce delivery header is a delivery, and must be signed.
	spoofed = {**headers, "X-WC-Webhook-Topic": "order.created"}
	assert read_delivery(b"webhook_id=1", spoofed, "s").outcome == Outcome.REJECTED


def signed(payload: Any, topic: str = "order.updated", secret: str = "s", **extra: str) -> Intake:
	raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
	headers = {
		"X-WC-Webhook-Topic": topic,
		"X-WC-Webhook-ID": "7",
		"X-WC-Webhook-Delivery-ID": "d" * 32,
		"X-WC-Webhook-Signature": sign(raw, secret),
		**extra,
	}
	return read_delivery(raw, headers, secret)


@pytest.mark.parametrize(
	"payload, error",
	[
		({"status": "processing"}, "no valid id"),
		({"id": "12"}, "no valid id"),
		({"id": True}, "no valid id"),
		({"id": 0}, "no valid id"),
		([{"id": 12}], "JSON list, not an order object"),
		(b"not json", "not JSON"),
		(b"\xff\xfe", "not JSON"),
		({"id": 12, "date_modified_gmt": "yesterday"}, "date_modified_gmt"),
	],
)
def test_signed_but_unusable_delivery_is_kept_with_its_error(payload: Any, error: str):
	intake = signed(payload)
	assert intake.outcome == Outcome.UNPROCESSABLE and intake.http_status == 200
	assert intake.stored and error in intake.error
	assert intake.delivery_id.startswith("d" * 32 + "-") and intake.topic == "order.updated"


def test_unknown_or_missing_topic_is_unprocessable():
	assert signed({"id": 12}, topic="order.deleted").outcome == Outcome.UNPROCESSABLE
	assert "(none)" in signed({"id": 12}, topic="").error


def test_a_delivery_without_a_usable_id_is_known_by_its_body():
	first = signed({"id": 12}, **{"X-WC-Webhook-Delivery-ID": "a/b' or 1=1"})
	again = signed({"id": 12}, **{"X-WC-Webhook-Delivery-ID": ""})
	other = signed({"id": 13}, **{"X-WC-Webhook-Delivery-ID": ""})
	assert first.outcome == Outcome.ACCEPTED
	assert first.delivery_id == again.delivery_id != other.delivery_id
	assert first.delivery_id.startswith("sha256-")


def test_a_body_over_the_limit_is_refused_before_anything_else():
	raw = b" " * (MAX_BODY_BYTES + 1)
	intake = read_delivery(raw, {"X-WC-Webhook-Signature": sign(raw, "s")}, "s")
	assert intake.outcome == Outcome.TOO_LARGE and intake.http_status == 413
	assert signed({"id": 12, "note": "x" * (MAX_BODY_BYTES - 100)}).outcome == Outcome.ACCEPTED


def test_deliveries_signed_by_the_test_shop_are_accepted(webhook_receiver: WebhookReceiver):
	shop = TestShop(webhook_mode="manual").start()
	try:
		order_ids = shop.seed_orders(2, seed=3)
		shop.add_webhook("order.created", webhook_receiver.url, "created-secret")
		shop.add_webhook("order.updated", webhook_receiver.url, "updated-secret")
		shop.modify_order(order_ids[0], status="completed")
		shop.flush_webhooks()
	finally:
		shop.stop()
	ping, ping2, update = webhook_receiver.requests
	for request in (ping, ping2):
		assert read_delivery(request.body, request.headers, None).outcome == Outcome.PING
	intake = read_delivery(update.body, update.headers, "updated-secret")
	assert intake.outcome == Outcome.ACCEPTED
	assert intake.woocommerce_id == order_ids[0] and intake.payload["status"] == "completed"
	assert intake.delivery_id.startswith(update.headers["X-WC-Webhook-Delivery-ID"] + "-")
	assert read_delivery(update.body, update.headers, "created-secret").outcome == Outcome.REJECTED


def test_a_thousand_deliveries_of_fifty_orders_make_fifty_sales_orders(webhook_receiver: WebhookReceiver):
	"""Each order delivered twenty times: re-sent by the shop under new delivery ids and replayed
	as it was. Replays are known by their delivery id (the stored row's key); every other
	delivery goes through the same sync as the hourly run, which never makes a second one."""
	clock = ManualClock()
	shop = TestShop(webhook_mode="manual", clock=clock).start()
	try:
		order_ids = shop.seed_orders(50, seed=12)
		shop.add_webhook("order.updated", webhook_receiver.url, "secret-50")
		for order_id in order_ids:
			shop.modify_order(order_id, status="processing")
		shop.flush_webhooks()
		deliveries = [r for r in webhook_receiver.requests if "X-WC-Webhook-Delivery-ID" in r.headers]
		assert len(deliveries) == 50
		erp, settings, client = ErpFake(now=clock), sync_settings(shop), sync_client(shop)
		seen: set[str] = set()
		outcomes: list[str] = []
		for round_ in range(20):
			for request in deliveries:
				headers = dict(request.headers)
				if round_ % 2 == 1:
					headers["X-WC-Webhook-Delivery-ID"] = f"{headers['X-WC-Webhook-Delivery-ID']}-{round_}"
				intake = read_delivery(request.body, headers, "secret-50")
				assert intake.outcome == Outcome.ACCEPTED
				if intake.delivery_id in seen:
					outcomes.append("duplicate")
					continue
				seen.add(intake.delivery_id)
				outcomes.append(sync_order(erp, client, settings, intake.payload, now=clock))
	finally:
		shop.stop()
	assert len(outcomes) == 1000
	assert erp.count("sales_order") == 50
	assert outcomes.count("created") == 50 and "failed" not in outcomes
	assert outcomes.count("duplicate") == 450


def test_two_orders_delivered_in_the_same_second_are_two_deliveries():
	"""WooCommerce 8.4 makes the delivery id from the webhook and the second (seen on a real shop:
	two orders created in one second arrived under one id); only a replay of the same body is one."""
	secret = "same-second"
	first, second = (
		json.dumps({"id": order_id, "date_modified_gmt": "2026-12-02T00:33:36"}).encode()
		for order_id in (180, 181)
	)
	headers = {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Delivery-ID": "f" * 32}
	read = [
		read_delivery(body, {**headers, "X-WC-Webhook-Signature": sign(body, secret)}, secret)
		for body in (first, second, first)
	]
	assert [intake.outcome for intake in read] == [Outcome.ACCEPTED] * 3
	assert read[0].delivery_id != read[1].delivery_id
	assert read[0].delivery_id == read[2].delivery_id
