"""Shared fixtures: the WooCommerce test shop, signed calls to it, a webhook receiver, recordings."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from woocommerce_fusion.testing import TestShop

RECORDINGS = Path(__file__).parent / "fixtures" / "woocommerce"
# Credentials of the recorded (long gone) sandbox; the recorded signatures were made with them.
RECORDED_KEY = "ck_a7dd8f4f874e72f4ac02a70213a09ca990f18f37"
RECORDED_SECRET = "cs_fdb421e33f42a8b2a3937d405019117463886479"
RECORDED_WEBHOOK_SECRET = "sandbox-webhook-secret-123"


def recording(name: str) -> dict[str, Any]:
	"""One recorded exchange from tests/fixtures/woocommerce (name without .json)."""
	return json.loads((RECORDINGS / f"{name}.json").read_text())


@pytest.fixture
def woo_shop() -> Iterator[TestShop]:
	"""A fresh, empty test shop (catalogue only) on a random port."""
	shop = TestShop().start()
	try:
		yield shop
	finally:
		shop.stop()


@pytest.fixture(scope="session")
def woo_shop_session() -> Iterator[TestShop]:
	"""One shop with 200 seeded orders for the whole session: read from it, don't change it."""
	shop = TestShop()
	shop.seed_orders(200, seed=7)
	shop.start()
	try:
		yield shop
	finally:
		shop.stop()


@pytest.fixture
def woo_request(woo_shop: TestShop) -> Callable[..., requests.Response]:
	"""woo_request(method, endpoint, params=None, json=None): an OAuth-signed call to woo_shop."""
	return woo_shop.request


@dataclass
class ReceivedRequest:
	method: str
	path: str
	headers: dict[str, str]
	body: bytes


@dataclass
class WebhookReceiver:
	url: str
	requests: list[ReceivedRequest] = field(default_factory=list)
	status: int = 200


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
	"""A local endpoint that records every POST; set `.status` to make it fail."""
	receiver = WebhookReceiver(url="")

	class Handler(BaseHTTPRequestHandler):
		def do_POST(self) -> None:
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
			receiver.requests.append(ReceivedRequest("POST", self.path, dict(self.headers.items()), body))
			self.send_response(receiver.status)
			self.send_header("Content-Length", "0")
			self.end_headers()

		def log_message(self, format: str, *args: Any) -> None:
			pass

	server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
	thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
	thread.start()
	try:
		yield receiver
	finally:
		server.shutdown()
		server.server_close()
