"""Shared fixtures: the WooCommerce test shop, signed calls to it, a webhook receiver, recordings."""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.testing import TestShop
from woocommerce_fusion.testing.erp_fake import ErpFake

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


@dataclass
class SelfSignedCertificate:
	cert_file: Path
	key_file: Path

	def server_context(self) -> ssl.SSLContext:
		context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		context.load_cert_chain(self.cert_file, self.key_file)
		return context


@pytest.fixture
def self_signed_certificate(tmp_path: Path) -> SelfSignedCertificate:
	"""A certificate for 127.0.0.1, so the test shop can serve https like a production shop."""
	x509 = pytest.importorskip("cryptography.x509")
	from cryptography.hazmat.primitives import hashes, serialization
	from cryptography.hazmat.primitives.asymmetric import ec
	from cryptography.x509.oid import NameOID

	key = ec.generate_private_key(ec.SECP256R1())
	name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
	now = datetime.now(timezone.utc)
	certificate = (
		x509.CertificateBuilder()
		.subject_name(name)
		.issuer_name(name)
		.public_key(key.public_key())
		.serial_number(1)
		.not_valid_before(now - timedelta(days=1))
		.not_valid_after(now + timedelta(days=1))
		.add_extension(
			x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
		)
		.sign(key, hashes.SHA256())
	)
	cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
	cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
	key_file.write_bytes(
		key.private_bytes(
			serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
		)
	)
	return SelfSignedCertificate(cert_file, key_file)


# -- the order sync against the test shop and the ERP fake ------------------------------------

SYNC_START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


class QueryDeadlockError(Exception):
	"""Named like frappe's, which the engine recognises by name."""


class ManualClock:
	"""A clock the test moves: the test shop's and the ERP fake's "now"."""

	def __init__(self, start: datetime = SYNC_START):
		self.current = start

	def __call__(self) -> datetime:
		return self.current

	def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
		self.current += (delta or timedelta()) + timedelta(**parts)
		return self.current


# The company side of a server with every tax rate of the sample orders mapped.
MAPPED_ACCOUNTS: dict[str, Any] = dict(
	company="Test Co",
	company_currency="EUR",
	warehouse="Stores - TC",
	tax_accounts={1: "VAT 19% - TC", 2: "VAT 7% - TC"},
	shipping_account="Shipping - TC",
	fee_account="Fees - TC",
)


def sync_settings(shop: TestShop, **overrides: Any) -> ServerSettings:
	"""A server for the test shop with every tax rate mapped."""
	values: dict[str, Any] = dict(
		name="shop1",
		url=shop.url,
		consumer_key=shop.consumer_key,
		consumer_secret=shop.consumer_secret,
		**MAPPED_ACCOUNTS,
	)
	values.update(overrides)
	return ServerSettings(**values)


def sync_client(shop: TestShop) -> WooCommerceClient:
	"""A client that retries without sleeping."""
	return WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret, sleep=lambda s: None)


@pytest.fixture
def clock() -> ManualClock:
	return ManualClock()


@pytest.fixture
def shop(clock: ManualClock) -> Iterator[TestShop]:
	with TestShop(clock=clock).start() as running:
		yield running


@pytest.fixture
def erp(clock: ManualClock) -> ErpFake:
	return ErpFake(now=clock)


@pytest.fixture
def settings(shop: TestShop) -> ServerSettings:
	return sync_settings(shop)


@pytest.fixture
def client(settings: ServerSettings) -> WooCommerceClient:
	return WooCommerceClient(
		settings.url, settings.consumer_key, settings.consumer_secret, sleep=lambda s: None
	)
