"""No client error carries the API key, the secret or an OAuth signature to where people read it.

Every kind of failure is made for real (a closed port, a slow shop, 401, 429, 500, a maintenance
page, redirects) against the test shop over http (OAuth 1.0a in the query string) and over https
(Basic auth), and every text that could be stored or shown is searched: the exception's str,
repr and describe() (traceback with chained exceptions), every Exchange the client reports, and
what the order sync writes on the order's row, in the Error Log and in its counts.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from conftest import ManualClock, sync_client, sync_settings

from woocommerce_fusion.engine.client import Exchange, RetryPolicy, WooCommerceClient
from woocommerce_fusion.engine.errors import ErrorKind, WooCommerceError, describe
from woocommerce_fusion.engine.redaction import Redactor
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.engine.sync.orders import sync_order_page
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.shop import TestShop

WRONG_SECRET = "cs_0123456789abcdef0123456789abcdef01234567"
URL_PASSWORD = "url-password-7f3a9c"
# Any oauth_* secret value that survived: the key, signature or nonce not replaced by [redacted].
_OAUTH_VALUE = re.compile(r"oauth_(?:consumer_key|signature|nonce)[\"']?\s*[:=]\s*[\"']?(?!\[redacted\])\w")


@dataclass
class Env:
	shop: TestShop
	closed_port: int
	maintenance_url: str


@dataclass(frozen=True)
class Case:
	"""One way for a call to fail: what to do to the shop, where to point the client, what it is."""

	name: str
	kind: ErrorKind
	fault: str | None = None
	url: str = "shop"  # "shop", "closed" or "maintenance"
	secret: str | None = None
	timeout: float = 5.0
	fault_location: str | None = None


CASES = [
	Case("connection refused", ErrorKind.UNAVAILABLE, url="closed"),
	Case("timeout", ErrorKind.UNAVAILABLE, fault="timeout", timeout=0.2),
	Case("401 wrong secret", ErrorKind.FORBIDDEN, secret=WRONG_SECRET),
	Case("429", ErrorKind.RATE_LIMITED, fault="429"),
	Case("500", ErrorKind.UNAVAILABLE, fault="500"),
	Case("not JSON", ErrorKind.UNEXPECTED, url="maintenance"),
	Case("301", ErrorKind.REDIRECT, fault="301"),
	Case("302", ErrorKind.REDIRECT, fault="302", fault_location="https://www.shop.example"),
	Case("307", ErrorKind.REDIRECT, fault="307"),
	Case(
		"redirect to a URL with a password",
		ErrorKind.REDIRECT,
		fault="301",
		fault_location=f"https://admin:{URL_PASSWORD}@shop.example",
	),
]
HTTPS_CASES = [case for case in CASES if case.url != "maintenance"]


def _free_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


@pytest.fixture
def maintenance_page() -> Iterator[str]:
	"""A site in maintenance mode: every request gets 200 and an HTML page."""

	class Handler(BaseHTTPRequestHandler):
		def _answer(self) -> None:
			self.rfile.read(int(self.headers.get("Content-Length") or 0))
			body = b"<!DOCTYPE html><html><body><h1>Briefly unavailable for scheduled maintenance.</h1></body></html>"
			self.send_response(200)
			self.send_header("Content-Type", "text/html; charset=UTF-8")
			self.send_header("Content-Length", str(len(body)))
			self.end_headers()
			self.wfile.write(body)

		do_GET = do_PUT = do_POST = do_DELETE = _answer

		def log_message(self, format: str, *args: Any) -> None:
			pass

	server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
	thread.start()
	try:
		yield f"http://127.0.0.1:{server.server_address[1]}"
	finally:
		server.shutdown()
		server.server_close()


def make_failing_client(
	case: Case, env: Env, exchanges: list[Exchange], method: str | None = None, **options: Any
) -> WooCommerceClient:
	if case.fault:
		env.shop.inject_fault(
			case.fault, times=20, method=method, retry_after=0, seconds=1.0, location=case.fault_location
		)
	scheme = "https" if env.shop.url.startswith("https") else "http"
	url = {
		"shop": env.shop.url,
		"closed": f"{scheme}://127.0.0.1:{env.closed_port}",
		"maintenance": env.maintenance_url,
	}[case.url]
	return WooCommerceClient(
		url,
		env.shop.consumer_key,
		case.secret or env.shop.consumer_secret,
		timeout=case.timeout,
		retry=RetryPolicy(max_attempts=2, base_delay=0.0),
		sleep=lambda seconds: None,
		on_exchange=exchanges.append,
		**options,
	)


def forbidden_values(client: WooCommerceClient, shop: TestShop) -> list[str]:
	"""The client's credentials in every spelling, and every signature and nonce the shop received."""
	values = [client.consumer_key, client.consumer_secret, URL_PASSWORD]
	values.append(base64.b64encode(f"{client.consumer_key}:{client.consumer_secret}".encode()).decode())
	for record in shop.requests:
		values += [record.query[name] for name in ("oauth_signature", "oauth_nonce") if name in record.query]
	return sorted({form for value in values for form in (value, quote(value, safe=""), quote_plus(value))})


def assert_clean(text: str, forbidden: list[str], where: str) -> None:
	for value in forbidden:
		assert value not in text, f"{value!r} leaked in {where}: {text[:2000]}"
	assert not _OAUTH_VALUE.search(text), f"an OAuth value leaked in {where}: {text[:2000]}"


def assert_error_is_clean(error: BaseException, forbidden: list[str]) -> None:
	assert_clean(describe(error), forbidden, "describe(exc)")
	link: BaseException | None = error
	while link is not None:
		for where, text in (("str", str(link)), ("repr", repr(link)), ("args", repr(link.args))):
			assert_clean(text, forbidden, f"{where} of {type(link).__name__}")
		if isinstance(link, WooCommerceError):
			assert_clean(f"{link.message} {link.code} {link.endpoint}", forbidden, "WooCommerceError fields")
		link = link.__cause__ or link.__context__


def assert_exchanges_are_clean(exchanges: list[Exchange], forbidden: list[str]) -> None:
	assert exchanges, "the client reported no exchange"
	for exchange in exchanges:
		for name, value in dataclasses.asdict(exchange).items():
			assert_clean(repr(value), forbidden, f"Exchange.{name} ({exchange.error_kind})")


@pytest.fixture
def env(woo_shop, maintenance_page) -> Env:
	woo_shop.seed_orders(2, seed=5)
	return Env(woo_shop, _free_port(), maintenance_page)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_client_errors_over_http_carry_no_credentials(case, env):
	exchanges: list[Exchange] = []
	client = make_failing_client(case, env, exchanges)

	with pytest.raises(WooCommerceError) as raised:
		client.get("orders", {"status": "processing"})

	assert raised.value.kind == case.kind
	forbidden = forbidden_values(client, env.shop)
	assert_error_is_clean(raised.value, forbidden)
	assert_exchanges_are_clean(exchanges, forbidden)
	assert_clean(repr(client), forbidden, "repr(client)")
	if case.url == "shop":
		assert any("oauth_signature" in r.query for r in env.shop.requests), "the shop was called over OAuth"


@pytest.mark.parametrize("case", HTTPS_CASES, ids=lambda case: case.name)
def test_client_errors_over_https_carry_no_credentials(case, self_signed_certificate):
	with TestShop().start(ssl_context=self_signed_certificate.server_context()) as shop:
		exchanges: list[Exchange] = []
		env = Env(shop, _free_port(), "")
		client = make_failing_client(case, env, exchanges, verify_ssl=str(self_signed_certificate.cert_file))

		with pytest.raises(WooCommerceError) as raised:
			client.put("orders/1", {"status": "completed"})

		assert raised.value.kind == case.kind
		forbidden = forbidden_values(client, shop)
		assert_error_is_clean(raised.value, forbidden)
		assert_exchanges_are_clean(exchanges, forbidden)


def test_a_shop_url_with_user_and_password_does_not_show_them(env):
	exchanges: list[Exchange] = []
	client = WooCommerceClient(
		f"http://shopuser:{URL_PASSWORD}@127.0.0.1:{env.closed_port}",
		env.shop.consumer_key,
		env.shop.consumer_secret,
		retry=RetryPolicy(max_attempts=1),
		on_exchange=exchanges.append,
	)
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	forbidden = forbidden_values(client, env.shop)
	assert_error_is_clean(raised.value, forbidden)
	assert_exchanges_are_clean(exchanges, forbidden)


def test_the_redactor_strips_basic_auth_and_url_passwords():
	redactor = Redactor(["ck_abc123", "cs_def456"])
	text = redactor.text(
		"Authorization: Basic Y2tfYWJjMTIzOmNzX2RlZjQ1Ng== from https://user:pa%40ss@shop.example/x?oauth_signature=a%2Bb%3D&page=2"
	)
	assert "Y2tf" not in text and "pa%40ss" not in text and "a%2Bb" not in text
	assert "https://[redacted]@shop.example/x" in text and "page=2" in text
	# A secret is also caught URL-encoded, as it stands in a query string or a Location.
	assert (
		Redactor(["p@ss/w rd+1"]).text("x=p%40ss%2Fw%20rd%2B1&y=p%40ss%2Fw+rd%2B1")
		== "x=[redacted]&y=[redacted]"
	)


# -- the order sync: what it records when the status push meets each failure ------------------


@pytest.fixture
def synced(maintenance_page) -> Iterator[tuple[Env, ErpFake, ServerSettings, ManualClock, dict[str, Any]]]:
	"""A shop and an ERP after a first sync, with one Sales Order set to completed in ERPNext."""
	clock = ManualClock()
	with TestShop(clock=clock).start() as shop:
		shop.seed_orders(4, seed=19)
		erp = ErpFake(now=clock)
		settings = sync_settings(shop)
		good = sync_client(shop)
		first = run_order_sync(erp, good, settings, since=None, now=clock())
		assert first.counts.failed == 0, first.counts.errors
		order = next(o for o in shop.orders.values() if o["status"] == "processing")
		clock.advance(minutes=10)
		erp.touch_sales_order(
			erp.order_record("shop1", order["id"]).sales_order, woocommerce_status="completed"
		)
		clock.advance(minutes=10)
		yield Env(shop, _free_port(), maintenance_page), erp, settings, clock, order


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_what_the_order_sync_records_carries_no_credentials(case, synced):
	env, erp, settings, _clock, order = synced
	exchanges: list[Exchange] = []
	client = make_failing_client(case, env, exchanges, method="PUT")

	counts = sync_order_page(erp, client, settings, [order])

	assert counts.failed == 1
	record = erp.order_record("shop1", order["id"])
	assert record.failed_step == "sync" and record.error_kind == case.kind.value
	assert env.shop.orders[order["id"]]["status"] == "processing", "the push was not applied"
	forbidden = forbidden_values(client, env.shop)
	assert_clean(record.error, forbidden, "the order row's error")
	for line in counts.errors:
		assert_clean(line, forbidden, "SyncCounts.errors")
	assert erp.errors
	for title, message in erp.errors:
		assert_clean(f"{title}\n{message}", forbidden, "the Error Log")
	assert_exchanges_are_clean(exchanges, forbidden)
