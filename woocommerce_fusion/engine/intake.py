"""One HTTP delivery from a WooCommerce webhook, read into what the endpoint does with it.

The signature is checked on the raw bytes before anything in the body or the X-WC headers is
believed: an unsigned or wrongly signed request is refused without being parsed. A signed
delivery that cannot be synchronised (another topic, no order id, a body that is not an order)
is still answered 200 and kept with its error, because WooCommerce disables a webhook after
a few failed deliveries and the failure is better shown in ERPNext than lost in the shop.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.engine.webhook import verify_signature

# The largest body read. A WooCommerce order with a few hundred lines is well under 1 MiB.
MAX_BODY_BYTES = 2 * 1024 * 1024
ORDER_TOPICS = ("order.created", "order.updated")
SIGNATURE_HEADER = "x-wc-webhook-signature"
# A delivery id is part of the stored row's name, so only a plain token is taken as it is.
DELIVERY_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
PING_BODY = re.compile(rb"webhook_id=\d{1,20}")


class Outcome(str, Enum):
	PING = "ping"
	REJECTED = "rejected"
	TOO_LARGE = "too large"
	ACCEPTED = "accepted"
	UNPROCESSABLE = "unprocessable"


# What each outcome is answered with.
HTTP_STATUS = {
	Outcome.PING: 200,
	Outcome.REJECTED: 401,
	Outcome.TOO_LARGE: 413,
	Outcome.ACCEPTED: 200,
	Outcome.UNPROCESSABLE: 200,
}


@dataclass(frozen=True)
class Intake:
	"""A delivery as read. Only ACCEPTED and UNPROCESSABLE are signed, and only those are stored."""

	outcome: Outcome
	error: str | None = None
	delivery_id: str | None = None
	webhook_id: str | None = None
	topic: str | None = None
	woocommerce_id: int | None = None
	date_modified_gmt: datetime | None = None
	payload: dict[str, Any] | None = None

	@property
	def http_status(self) -> int:
		return HTTP_STATUS[self.outcome]

	@property
	def stored(self) -> bool:
		return self.outcome in (Outcome.ACCEPTED, Outcome.UNPROCESSABLE)


def read_delivery(raw_body: bytes, headers: Mapping[str, str], secret: str | None) -> Intake:
	"""Read one POST: the raw body as received, its headers (any case) and the server's secret."""
	if len(raw_body) > MAX_BODY_BYTES:
		return Intake(Outcome.TOO_LARGE, error=f"body of {len(raw_body)} bytes is over the limit")
	lowered = {str(key).lower(): str(value) for key, value in headers.items()}
	if is_ping_delivery(raw_body, lowered):
		return Intake(Outcome.PING, webhook_id=dict(parse_qsl(raw_body.decode()))["webhook_id"])
	signature = lowered.get(SIGNATURE_HEADER)
	if not signature:
		return Intake(Outcome.REJECTED, error="no X-WC-Webhook-Signature header")
	if not secret:
		return Intake(Outcome.REJECTED, error="the server has no webhook secret")
	if not verify_signature(raw_body, signature, secret):
		return Intake(Outcome.REJECTED, error="X-WC-Webhook-Signature does not match the body")

	signed = dict(
		delivery_id=delivery_key(lowered.get("x-wc-webhook-delivery-id"), raw_body),
		webhook_id=lowered.get("x-wc-webhook-id") or None,
		topic=lowered.get("x-wc-webhook-topic") or None,
	)
	try:
		order = _read_order(raw_body, signed["topic"])
	except ValueError as error:
		return Intake(Outcome.UNPROCESSABLE, error=str(error), **signed)
	woocommerce_id, modified, payload = order
	return Intake(
		Outcome.ACCEPTED,
		woocommerce_id=woocommerce_id,
		date_modified_gmt=modified,
		payload=payload,
		**signed,
	)


def is_ping_delivery(raw_body: bytes, lowered_headers: Mapping[str, str]) -> bool:
	"""WooCommerce's ping on creating a webhook: only `webhook_id=N`, no X-WC headers."""
	if any(key.startswith("x-wc-webhook-") for key in lowered_headers):
		return False
	return PING_BODY.fullmatch(raw_body) is not None


def delivery_key(header: str | None, raw_body: bytes) -> str:
	"""What makes a delivery itself, so that its replay is recognised: the header's delivery id
	and the body's digest.

	WooCommerce 8.4 makes X-WC-Webhook-Delivery-ID from the webhook's id and the current second
	(wp_hash(id . time())), so two orders saved in the same second arrive under one delivery id;
	the id alone would take the second order for a replay of the first and drop it.
	"""
	digest = hashlib.sha256(raw_body).hexdigest()[:16]
	if header and DELIVERY_ID.fullmatch(header.strip()):
		return f"{header.strip()}-{digest}"
	return f"sha256-{digest}"


def _read_order(raw_body: bytes, topic: str | None) -> tuple[int, datetime | None, dict[str, Any]]:
	if topic not in ORDER_TOPICS:
		raise ValueError(
			f"topic {topic or '(none)'} is not synchronised; register only {' and '.join(ORDER_TOPICS)}"
		)
	try:
		payload = json.loads(raw_body)
	except ValueError as error:
		raise ValueError(f"the body is not JSON: {error}") from None
	if not isinstance(payload, dict):
		raise ValueError(f"the body is a JSON {type(payload).__name__}, not an order object")
	woocommerce_id = payload.get("id")
	if isinstance(woocommerce_id, bool) or not isinstance(woocommerce_id, int) or woocommerce_id <= 0:
		raise ValueError(f"the order has no valid id: {woocommerce_id!r}")
	try:
		modified = parse_gmt(payload.get("date_modified_gmt"))
	except ValueError as error:
		raise ValueError(f"date_modified_gmt: {error}") from None
	return woocommerce_id, modified, payload
