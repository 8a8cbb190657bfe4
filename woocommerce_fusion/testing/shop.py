"""A WooCommerce 8.4 test shop: a real HTTP server speaking the parts of /wp-json/wc/v3 the app uses.

Behaviour follows the recordings of a real shop (see tests/fixtures/woocommerce): OAuth 1.0a over
http, WordPress list headers and quirks, order JSON and totals, trash, batch inline errors,
asynchronous signed webhooks. Tests can inject faults, count requests and control the clock.

    with TestShop().start() as shop:
        shop.seed_orders(100)
        ...

Run on its own: python -m woocommerce_fusion.testing.shop --port 8085 --orders 50

Python API (all thread safe):
- TestShop(consumer_key, consumer_secret, timezone="Europe/Berlin", currency="EUR", latency=0.0,
  per_order_latency=0.0, clock=None, webhook_mode="async", webhook_delay=0.0, webhook_timeout=60.0,
  oauth_timestamp_window=900, public_url=None); .start(host, port=0, ssl_context=None) -> self;
  .stop(); context manager; .url / .api_url / .local_url; .now()
- data: .seed_orders(n, seed=1, days=90), .add_order(payload), .modify_order(id, **changes),
  .orders (id -> order), .order_notes(id), .products, .product_by_sku(sku), .saleable_items(),
  .add_coupon(code, type, amount), .tax_rates, .add_api_key(key, secret, permissions)
- calls: .signed_url(method, endpoint, params), .request(method, endpoint, params, json)
- webhooks: .add_webhook(topic, url, secret), .webhooks, .webhook_deliveries, .flush_webhooks(),
  .pending_webhooks()
- faults: .inject_fault(kind, times=1, path_prefix=None, method=None, retry_after=None,
  seconds=None, location=None) with kind 429/500/502/503/301/302/307/308/timeout/drop/latency,
  .clear_faults()
- request log: .requests, .count(method=None, path_prefix=None, status=None), .reset_counts()

Layout: TestShop is a façade over resources that each keep their data and REST routes:
shop_catalog (products, variations, coupons, tax rates, stock), shop_orders + shop_order_routes
(orders, notes, refunds; JSON from shop_order_engine and shop_order_totals), shop_webhooks,
shop_info (system status, indexes). They share a shop_site.ShopSite (lock, ids, clocks, URL,
request log, shop_faults, routing), which is the Backend shop_http's server serves.
"""

from __future__ import annotations

import argparse
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import requests
from woocommerce.oauth import OAuth

from woocommerce_fusion.testing.sample_orders import SaleableItem
from woocommerce_fusion.testing.shop_auth import ApiKey, Authenticator
from woocommerce_fusion.testing.shop_catalog import CatalogRoutes, CatalogStore
from woocommerce_fusion.testing.shop_categories import CategoryRoutes
from woocommerce_fusion.testing.shop_faults import Fault
from woocommerce_fusion.testing.shop_http import RequestRecord, ShopServer, start_thread
from woocommerce_fusion.testing.shop_info import InfoRoutes
from woocommerce_fusion.testing.shop_order_engine import OrderEngine
from woocommerce_fusion.testing.shop_order_routes import OrderRoutes
from woocommerce_fusion.testing.shop_orders import OrderStore
from woocommerce_fusion.testing.shop_products import TaxRate
from woocommerce_fusion.testing.shop_settings import SettingsRoutes
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import UTC
from woocommerce_fusion.testing.shop_webhooks import Delivery, Webhook, WebhookDispatcher, WebhookRoutes

DEFAULT_CONSUMER_KEY = "ck_test_4f0c2b8e9a1d7c3e5b6a8f9d0e1c2b3a4d5e6f70"
DEFAULT_CONSUMER_SECRET = "cs_test_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


class TestShop:
	"""WooCommerce test shop. See the module docstring; all public methods are thread safe.

	A façade: the catalogue, orders, webhooks and shop information each keep their data and
	REST routes in their own module, on a ShopSite they share."""

	__test__ = False  # not a pytest test class, despite the name
	REALISTIC_LATENCY = 0.110
	REALISTIC_PER_ORDER_LATENCY = 0.005

	def __init__(
		self,
		consumer_key: str = DEFAULT_CONSUMER_KEY,
		consumer_secret: str = DEFAULT_CONSUMER_SECRET,
		timezone: str = "Europe/Berlin",
		currency: str = "EUR",
		latency: float = 0.0,
		per_order_latency: float = 0.0,
		clock: Callable[[], datetime] | None = None,
		webhook_mode: str = "async",
		webhook_delay: float = 0.0,
		webhook_timeout: float = 60.0,
		oauth_timestamp_window: int | None = 15 * 60,
		public_url: str | None = None,
	) -> None:
		"""`clock` returns an aware UTC datetime and drives every date the shop writes.
		`webhook_mode` "async" delivers from a background thread after `webhook_delay` seconds,
		"manual" only on flush_webhooks(). `oauth_timestamp_window` None skips the timestamp check
		(to replay recorded requests)."""
		self.consumer_key = consumer_key
		self.consumer_secret = consumer_secret
		self.timezone = timezone
		self.currency = currency
		authenticator = Authenticator(timestamp_window=oauth_timestamp_window)
		authenticator.add_key(ApiKey(consumer_key, consumer_secret))
		self._site = ShopSite(
			timezone,
			clock or (lambda: datetime.now(UTC)),
			authenticator,
			public_url,
			latency,
			per_order_latency,
		)
		self._server: ShopServer | None = None
		self._thread: threading.Thread | None = None
		self._webhooks = WebhookDispatcher(
			self._webhook_payload,
			lambda: self.url,
			webhook_mode,
			webhook_delay,
			webhook_timeout,
			clock=self.now,
		)
		self._webhook_routes = WebhookRoutes(self._site, self._webhooks)
		self._catalog = CatalogStore(self._site, self._webhooks)
		engine = OrderEngine(self._catalog, self._site, currency, CURRENCY_SYMBOLS.get(currency, currency))
		self._orders = OrderStore(self._site, self._catalog, engine, self._webhooks)
		self.orders: Mapping[int, dict[str, Any]] = self._orders.view
		info = InfoRoutes(currency, lambda: self._site.https, self._counts)
		categories = CategoryRoutes(self._catalog.categories, self._catalog.products)
		# settings.weight_unit: the shop's woocommerce_weight_unit.
		self.settings = SettingsRoutes()
		for resource in (
			OrderRoutes(self._orders),
			CatalogRoutes(self._catalog),
			categories,
			self._webhook_routes,
			info,
			self.settings,
		):
			self._site.routes.extend(resource.routes())
		self._catalog.seed()

	# -- lifecycle --------------------------------------------------------------------------

	def start(
		self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
	) -> TestShop:
		"""Serve in a background thread; with `ssl_context` the shop is https and takes Basic auth."""
		self._site.stopping.clear()
		server = ShopServer((host, port), self._site)
		https = self._site.https
		if ssl_context is not None:
			server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
			https = True
		self._server = server
		scheme = "https" if https else "http"
		self._site.bind(f"{scheme}://{host}:{server.server_address[1]}", https)
		self._thread = start_thread(server)
		self._webhooks.start()
		return self

	def stop(self) -> None:
		self._site.stopping.set()
		if self._server is not None:
			self._server.shutdown()
			self._server.server_close()
			self._server = None
		if self._thread is not None:
			self._thread.join(timeout=5)
			self._thread = None
		self._webhooks.stop()

	def __enter__(self) -> TestShop:
		if self._server is None:
			self.start()
		return self

	def __exit__(self, *exc: object) -> None:
		self.stop()

	@property
	def url(self) -> str:
		"""The shop's home URL, e.g. http://127.0.0.1:54321 (no trailing slash)."""
		return self._site.url

	@property
	def local_url(self) -> str:
		"""Where the server listens; differs from `url` only when a public_url was given."""
		return self._site.bound_url

	@property
	def api_url(self) -> str:
		return f"{self.url}/wp-json/wc/v3"

	@property
	def latency(self) -> float:
		"""Seconds every answer is held back."""
		return self._site.latency

	@latency.setter
	def latency(self, seconds: float) -> None:
		self._site.latency = seconds

	@property
	def per_order_latency(self) -> float:
		"""Seconds more an answer is held back per order it returns."""
		return self._site.per_order_latency

	@per_order_latency.setter
	def per_order_latency(self, seconds: float) -> None:
		self._site.per_order_latency = seconds

	def now(self) -> datetime:
		return self._site.now()

	# -- catalogue --------------------------------------------------------------------------

	@property
	def tax_rates(self) -> dict[int, TaxRate]:
		return self._catalog.tax_rates

	def add_coupon(self, code: str, discount_type: str = "percent", amount: str = "10") -> int:
		"""A coupon orders can use in coupon_lines: percent, fixed_cart or fixed_product."""
		return self._catalog.add_coupon(code, discount_type, amount)

	def add_category(self, name: str, parent: int = 0) -> int:
		"""A product category, as made in WooCommerce > Products > Categories; returns its id."""
		return self._catalog.categories.add(name, parent).id

	def saleable_items(self) -> list[SaleableItem]:
		"""Simple products and variations an order line can point at."""
		return self._catalog.saleable_items()

	@property
	def products(self) -> dict[int, dict[str, Any]]:
		"""id -> product or variation (copies, URLs filled in)."""
		return self._catalog.copies()

	def product_by_sku(self, sku: str) -> dict[str, Any] | None:
		return self._catalog.by_sku(sku)

	# -- orders -----------------------------------------------------------------------------

	def seed_orders(self, count: int, seed: int = 1, days: int = 90) -> list[int]:
		"""Create `count` realistic orders spread over the last `days` days; returns their ids."""
		return self._orders.seed(count, seed, days)

	def add_order(self, payload: dict[str, Any]) -> int:
		"""Store a complete order JSON as it is (e.g. a recorded GET response), keeping its totals.

		The id is kept when free; links and payment_url are rewritten to this shop."""
		return self._orders.add(payload)

	def modify_order(self, order_id: int, **changes: Any) -> dict[str, Any]:
		"""Change an order as the shop owner would (e.g. status="completed", billing={...}):
		date_modified moves to the clock's now and order.updated fires."""
		return self._orders.modify(order_id, **changes)

	def order_notes(self, order_id: int) -> list[dict[str, Any]]:
		return self._orders.notes(order_id)

	def _counts(self) -> tuple[int, int, int, int]:
		with self._site.lock:
			return (*self._catalog.counts(), len(self._orders.records))

	# -- webhooks ---------------------------------------------------------------------------

	def add_webhook(
		self, topic: str, delivery_url: str, secret: str = "", name: str | None = None, ping: bool = True
	) -> int:
		"""Register an active webhook as POST /webhooks would (including the ping)."""
		return self._webhook_routes.add(topic, delivery_url, secret, name, ping)

	@property
	def webhooks(self) -> dict[int, Webhook]:
		return self._webhooks.hooks

	@property
	def webhook_deliveries(self) -> list[Delivery]:
		"""Every delivery sent so far, pings included, oldest first."""
		return list(self._webhooks.deliveries)

	def flush_webhooks(self, timeout: float = 10.0) -> list[Delivery]:
		"""Deliver everything queued now, synchronously; returns the deliveries made."""
		return self._webhooks.flush(timeout)

	def pending_webhooks(self) -> int:
		return self._webhooks.pending()

	def _webhook_payload(self, resource: str, resource_id: int) -> bytes | None:
		if resource == "order":
			return self._orders.payload(resource_id)
		return self._catalog.payload(resource_id)

	# -- faults and request log ---------------------------------------------------------------

	def inject_fault(
		self,
		kind: str,
		times: int = 1,
		path_prefix: str | None = None,
		method: str | None = None,
		retry_after: float | None = None,
		seconds: float | None = None,
		location: str | None = None,
	) -> None:
		"""Make the next `times` matching requests fail; faults are consumed in the order given.

		kind: "429" (with Retry-After, default 1), "500", "502", "503", "301"/"302"/"307"/"308"
		(a redirect to `location` + the request's path and query; `location` defaults to the
		shop's own URL, like a redirect to another host name of the same site), "timeout" (hold
		the request `seconds`, default 30, then close without answering), "drop" (close at once
		without answering), "latency" (answer normally after `seconds`)."""
		self._site.faults.add(Fault(kind, times, path_prefix, method, retry_after, seconds, location))

	def clear_faults(self) -> None:
		self._site.faults.clear()

	@property
	def requests(self) -> list[RequestRecord]:
		"""Requests seen so far (method, path, query dict, status, fault), oldest first."""
		return self._site.log.records()

	def count(
		self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
	) -> int:
		return self._site.log.count(method, path_prefix, status)

	def reset_counts(self) -> None:
		self._site.log.clear()

	# -- calling the shop ---------------------------------------------------------------------

	def signed_url(
		self, method: str, endpoint: str, params: dict[str, Any] | None = None, key: ApiKey | None = None
	) -> str:
		"""An OAuth 1.0a signed URL for /wp-json/wc/v3/<endpoint> on local_url, signed like the
		woocommerce package does, over the shop's public URL as WooCommerce expects."""
		url = f"{self.api_url}/{endpoint.lstrip('/')}"
		if params:
			url += "?" + urlencode(params)
		consumer_key = key.consumer_key if key else self.consumer_key
		consumer_secret = key.consumer_secret if key else self.consumer_secret
		signer = OAuth(url, consumer_key, consumer_secret, version="wc/v3", method=method.upper())
		return self.local_url + signer.get_oauth_url()[len(self.url) :]

	def request(
		self,
		method: str,
		endpoint: str,
		params: dict[str, Any] | None = None,
		json: Any = None,
		timeout: float = 10.0,
		verify: bool | str = True,
	) -> requests.Response:
		"""An authenticated call to this shop's REST API, for tests and scripts: OAuth 1.0a over
		http, Basic auth over https (`verify` as in requests, e.g. a CA bundle path)."""
		if self._site.https:
			url = f"{self.local_url}/wp-json/wc/v3/{endpoint.lstrip('/')}"
			return requests.request(
				method.upper(),
				url,
				params=params,
				json=json,
				timeout=timeout,
				auth=(self.consumer_key, self.consumer_secret),
				verify=verify,
			)
		return requests.request(
			method.upper(), self.signed_url(method, endpoint, params), json=json, timeout=timeout
		)

	def add_api_key(self, consumer_key: str, consumer_secret: str, permissions: str = "read_write") -> None:
		"""Another REST key; permissions "read", "write" or "read_write"."""
		self._site.auth.add_key(ApiKey(consumer_key, consumer_secret, permissions))


def main(argv: list[str] | None = None) -> None:
	parser = argparse.ArgumentParser(description="Run the woocommerce_fusion WooCommerce test shop.")
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--port", type=int, default=8085)
	parser.add_argument("--orders", type=int, default=50, help="realistic orders to seed")
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument("--timezone", default="Europe/Berlin")
	parser.add_argument("--currency", default="EUR")
	parser.add_argument("--consumer-key", default=DEFAULT_CONSUMER_KEY)
	parser.add_argument("--consumer-secret", default=DEFAULT_CONSUMER_SECRET)
	parser.add_argument("--public-url", help="URL clients use, when it differs from http://host:port")
	parser.add_argument(
		"--realistic-latency", action="store_true", help="~110 ms per request + ~5 ms per order"
	)
	parser.add_argument("--webhook-delay", type=float, default=2.0, help="seconds before a webhook goes out")
	args = parser.parse_args(argv)
	shop = TestShop(
		consumer_key=args.consumer_key,
		consumer_secret=args.consumer_secret,
		timezone=args.timezone,
		currency=args.currency,
		latency=TestShop.REALISTIC_LATENCY if args.realistic_latency else 0.0,
		per_order_latency=TestShop.REALISTIC_PER_ORDER_LATENCY if args.realistic_latency else 0.0,
		webhook_delay=args.webhook_delay,
		public_url=args.public_url,
	)
	shop.seed_orders(args.orders, seed=args.seed)
	shop.start(args.host, args.port)
	print(f"WooCommerce test shop: {shop.url}  (REST API {shop.api_url})")
	print(f"Consumer key:    {shop.consumer_key}")
	print(f"Consumer secret: {shop.consumer_secret}")
	print(
		"Webhooks: create them with POST /wp-json/wc/v3/webhooks and your own `secret`; each delivery "
		"carries X-WC-Webhook-Signature = base64(HMAC-SHA256(raw body, that secret))."
	)
	print(f"{len(shop.orders)} orders seeded; Ctrl-C to stop.", flush=True)
	try:
		threading.Event().wait()
	except KeyboardInterrupt:
		pass
	finally:
		shop.stop()


if __name__ == "__main__":
	main()
