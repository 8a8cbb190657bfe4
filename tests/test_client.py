"""The WooCommerce client against the project's test shop: real HTTP on 127.0.0.1."""

from __future__ import annotations

import dataclasses

import pytest

from woocommerce_fusion.engine.client import Exchange, RetryPolicy, WooCommerceClient
from woocommerce_fusion.engine.errors import ErrorKind, WooCommerceError
from woocommerce_fusion.testing import TestShop


class FakeTime:
	"""Clock and sleep for the client, so Retry-After and back-off cost no real time."""

	def __init__(self):
		self.now = 1000.0
		self.sleeps: list[float] = []

	def clock(self) -> float:
		return self.now

	def sleep(self, seconds: float) -> None:
		self.sleeps.append(seconds)
		self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
	return FakeTime()


def make_client(
	shop, fake_time: FakeTime, exchanges: list[Exchange] | None = None, **kwargs
) -> WooCommerceClient:
	options = {
		"consumer_key": shop.consumer_key,
		"consumer_secret": shop.consumer_secret,
		"timeout": 5.0,
		"sleep": fake_time.sleep,
		"clock": fake_time.clock,
		"on_exchange": exchanges.append if exchanges is not None else None,
	}
	options.update(kwargs)
	return WooCommerceClient(shop.url, **options)


def test_lists_stream_over_several_pages_re_signing_each(woo_shop, fake_time):
	woo_shop.seed_orders(250, seed=3)
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time)

	pages = list(client.iter_pages("orders", {"orderby": "id", "order": "asc"}))

	assert [len(page.items) for page in pages] == [100, 100, 50]
	assert pages[0].total == 250 and pages[0].total_pages == 3
	ids = [order["id"] for page in pages for order in page.items]
	assert len(set(ids)) == 250
	assert ids == sorted(ids)
	assert woo_shop.count(method="GET", path_prefix="/wp-json/wc/v3/orders") == 3


def test_session_reuses_connections(woo_shop, fake_time):
	client = make_client(woo_shop, fake_time)
	client.get("orders", {"per_page": 1})
	client.get("orders", {"per_page": 1})
	assert len(client.session.adapters["http://"].poolmanager.pools) == 1


def test_429_with_retry_after_is_retried_then_succeeds(woo_shop, fake_time):
	woo_shop.seed_orders(3, seed=1)
	woo_shop.inject_fault("429", times=2, retry_after=7)
	exchanges: list[Exchange] = []
	client = make_client(woo_shop, fake_time, exchanges)

	orders = client.get("orders")

	assert len(orders) == 3
	assert fake_time.sleeps == [7.0, 7.0]
	assert [e.status_code for e in exchanges] == [429, 429, 200]
	assert exchanges[0].error_kind == ErrorKind.RATE_LIMITED.value


def test_500_is_retried_up_to_the_limit_then_raised_as_unavailable(woo_shop, fake_time):
	woo_shop.inject_fault("500", times=10)
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time, retry=RetryPolicy(max_attempts=4, base_delay=1.0))

	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")

	assert raised.value.kind == ErrorKind.UNAVAILABLE
	assert raised.value.status_code == 500
	assert woo_shop.count(path_prefix="/wp-json/wc/v3/orders") == 4
	assert len(fake_time.sleeps) == 3
	# Back-off grows and stays bounded.
	assert all(0 <= delay <= 1.0 * 2**i for i, delay in enumerate(fake_time.sleeps))


def test_a_retry_after_beyond_the_time_budget_is_not_waited_for(woo_shop, fake_time):
	woo_shop.inject_fault("429", times=1, retry_after=3600)
	client = make_client(woo_shop, fake_time, retry=RetryPolicy(max_total=120))
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	assert raised.value.kind == ErrorKind.RATE_LIMITED and raised.value.retry_after == 3600
	assert fake_time.sleeps == []


def test_retries_stop_at_the_total_time_budget(woo_shop, fake_time):
	woo_shop.inject_fault("429", times=10, retry_after=40)
	client = make_client(woo_shop, fake_time, retry=RetryPolicy(max_attempts=10, max_delay=60, max_total=100))
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	assert raised.value.kind == ErrorKind.RATE_LIMITED
	assert sum(fake_time.sleeps) <= 100


def test_401_is_forbidden_with_suggested_fix_and_not_retried(woo_shop, fake_time):
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time, consumer_secret="cs_wrong")
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	error = raised.value
	assert error.kind == ErrorKind.FORBIDDEN
	assert error.status_code == 401
	assert error.code == "woocommerce_rest_authentication_error"
	assert "Consumer Key" in error.suggested_fix and "Read/Write" in error.suggested_fix
	assert woo_shop.count() == 1
	assert fake_time.sleeps == []


def test_other_4xx_is_not_retried(woo_shop, fake_time):
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time)
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders", {"per_page": 101})
	assert raised.value.kind == ErrorKind.BAD_REQUEST
	assert raised.value.code == "rest_invalid_param"
	with pytest.raises(WooCommerceError) as missing:
		client.get("orders/999999")
	assert missing.value.kind == ErrorKind.NOT_FOUND
	assert woo_shop.count() == 2


def test_a_timeout_is_retried_for_a_read(woo_shop, fake_time):
	woo_shop.seed_orders(2, seed=1)
	woo_shop.inject_fault("timeout", times=1, seconds=1.0)
	exchanges: list[Exchange] = []
	client = make_client(woo_shop, fake_time, exchanges, timeout=0.2)

	assert len(client.get("orders")) == 2
	assert exchanges[0].status_code is None
	assert exchanges[0].error_kind == ErrorKind.UNAVAILABLE.value
	assert "did not answer" in exchanges[0].error_message


def test_a_timed_out_create_is_not_sent_twice(woo_shop, fake_time):
	woo_shop.inject_fault("timeout", times=1, seconds=1.0)
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time, timeout=0.2)
	with pytest.raises(WooCommerceError) as raised:
		client.post("orders", {"status": "pending", "line_items": []})
	assert raised.value.kind == ErrorKind.UNAVAILABLE
	assert woo_shop.count(method="POST") == 1


def test_a_dropped_connection_is_retried(woo_shop, fake_time):
	woo_shop.seed_orders(1, seed=1)
	woo_shop.inject_fault("drop", times=1)
	client = make_client(woo_shop, fake_time)
	assert len(client.get("orders")) == 1
	assert len(fake_time.sleeps) == 1


def test_a_refused_connection_is_unavailable(fake_time):
	client = WooCommerceClient(
		"http://127.0.0.1:9",
		"ck_x",
		"cs_x",
		sleep=fake_time.sleep,
		clock=fake_time.clock,
		retry=RetryPolicy(max_attempts=2),
	)
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	assert raised.value.kind == ErrorKind.UNAVAILABLE
	assert "did not answer" in raised.value.suggested_fix


def test_logged_exchanges_contain_no_secret(woo_shop, fake_time):
	woo_shop.seed_orders(120, seed=2)
	woo_shop.inject_fault("500", times=1)
	exchanges: list[Exchange] = []
	client = make_client(woo_shop, fake_time, exchanges)
	list(client.iter_pages("orders"))
	client.put(f"orders/{next(iter(woo_shop.orders))}", {"status": "completed"})
	with pytest.raises(WooCommerceError):
		make_client(woo_shop, fake_time, exchanges, consumer_secret="cs_wrong_secret_value").get("orders")
	# Secrets passed by mistake as parameters must not reach the log either.
	try:
		client.get(
			"orders", {"consumer_key": woo_shop.consumer_key, "consumer_secret": woo_shop.consumer_secret}
		)
	except WooCommerceError:
		pass

	assert len(exchanges) >= 6
	secrets = [woo_shop.consumer_key, woo_shop.consumer_secret, "cs_wrong_secret_value"]
	for exchange in exchanges:
		for value in dataclasses.asdict(exchange).values():
			text = repr(value)
			for secret in secrets:
				assert secret not in text, f"{secret} leaked in {exchange.method} {exchange.endpoint}"
			assert "oauth_signature=" not in text or "oauth_signature=[redacted]" in text
	assert any(e.query.get("consumer_secret") == "[redacted]" for e in exchanges)
	assert not any("oauth_nonce" in e.query for e in exchanges), "per-request OAuth noise is not logged"


def test_https_uses_basic_auth_and_verifies_the_certificate(self_signed_certificate, fake_time):
	with TestShop().start(ssl_context=self_signed_certificate.server_context()) as shop:
		shop.seed_orders(2, seed=1)
		client = make_client(shop, fake_time, verify_ssl=str(self_signed_certificate.cert_file))
		assert len(client.get("orders")) == 2
		assert all("oauth_signature" not in r.query for r in shop.requests)

		unverified = make_client(shop, fake_time, retry=RetryPolicy(max_attempts=1))
		with pytest.raises(WooCommerceError) as raised:
			unverified.get("orders")
		assert raised.value.kind == ErrorKind.UNAVAILABLE
		assert "certificate" in str(raised.value).lower()


@pytest.mark.parametrize("status", ["301", "302", "307", "308"])
def test_a_write_that_meets_a_redirect_is_neither_followed_nor_counted_as_done(woo_shop, fake_time, status):
	woo_shop.seed_orders(3, seed=4)
	order_id = next(i for i, o in woo_shop.orders.items() if o["status"] != "completed")
	before = woo_shop.orders[order_id]
	# The redirect points back at the shop itself, so a client that followed it would get a 200.
	woo_shop.inject_fault(status, method="PUT")
	woo_shop.reset_counts()
	client = make_client(woo_shop, fake_time)

	with pytest.raises(WooCommerceError) as raised:
		client.put(f"orders/{order_id}", {"status": "completed"})

	error = raised.value
	assert error.kind == ErrorKind.REDIRECT and error.status_code == int(status)
	assert not error.retryable
	assert f"redirects to {woo_shop.url}/wp-json/wc/v3/orders/{order_id}" in str(error)
	assert "Shop URL" in error.suggested_fix
	assert woo_shop.count() == 1, "no second request"
	assert fake_time.sleeps == []
	assert woo_shop.orders[order_id] == before, "the write was not applied"


def test_a_read_that_meets_a_302_names_the_address_to_use(woo_shop, fake_time):
	woo_shop.inject_fault("302", location="https://www.shop.example")
	woo_shop.reset_counts()
	exchanges: list[Exchange] = []
	client = make_client(woo_shop, fake_time, exchanges)

	with pytest.raises(WooCommerceError) as raised:
		client.get("orders", {"status": "processing"})

	message = str(raised.value)
	assert raised.value.kind == ErrorKind.REDIRECT
	assert "redirects to https://www.shop.example/wp-json/wc/v3/orders;" in message
	assert message.endswith("set the Shop URL to https://www.shop.example")
	assert "?" not in message, "the Location's query (the OAuth signature) is left out"
	assert woo_shop.count() == 1
	assert [e.error_kind for e in exchanges] == ["redirect"]


@pytest.mark.parametrize("url", ["ftp://shop.example", "shop.example", "http://"])
def test_an_unusable_shop_url_is_a_configuration_error_not_a_raw_requests_error(fake_time, url):
	client = WooCommerceClient(url, "ck_x", "cs_x", sleep=fake_time.sleep, clock=fake_time.clock)
	with pytest.raises(WooCommerceError) as raised:
		client.get("orders")
	assert raised.value.kind == ErrorKind.CONFIGURATION
	assert "Shop URL" in str(raised.value)
	assert fake_time.sleeps == []
