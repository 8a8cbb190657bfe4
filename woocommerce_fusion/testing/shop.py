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
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import secrets
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any
from urllib.parse import urlencode

import requests
from woocommerce.oauth import OAuth

from woocommerce_fusion.testing.sample_orders import CATALOG, SaleableItem, generate_orders
from woocommerce_fusion.testing.shop_auth import ApiKey, Authenticator, php_query
from woocommerce_fusion.testing.shop_catalog import (
	DEFAULT_TAX_RATES,
	SHOP_URL,
	TaxRate,
	apply_product_changes,
	duplicate_sku_error,
	edit_context,
	formatted_name,
	new_product,
	new_variation,
	variable_price_html,
)
from woocommerce_fusion.testing.shop_http import (
	FAULT_KINDS,
	REDIRECT_FAULTS,
	Fault,
	Request,
	RequestRecord,
	Response,
	Route,
	ShopServer,
	fault_body,
	link_header,
	parse_body,
	permission_error,
	redirect_response,
	render,
	route,
	start_thread,
)
from woocommerce_fusion.testing.shop_info import site_index, system_status
from woocommerce_fusion.testing.shop_lists import (
	PRODUCT_STATUSES,
	WEBHOOK_LIST_STATUSES,
	ListQuery,
	as_list,
	parse_list_query,
	parse_slug_list,
	php_int,
	pick_fields,
	truthy,
)
from woocommerce_fusion.testing.shop_orders import (
	Catalog,
	Coupon,
	OrderEngine,
	note_json,
	refresh_derived,
	refund_quantity,
	search_text,
	status_note,
	touch,
)
from woocommerce_fusion.testing.shop_util import (
	UTC,
	BareRestError,
	RestError,
	StoreClock,
	invalid_params,
	parse_wp_date,
	php_json,
	to_decimal,
	truncate_seconds,
)
from woocommerce_fusion.testing.shop_webhooks import TOPIC_HOOKS, Delivery, Webhook, WebhookDispatcher

DEFAULT_CONSUMER_KEY = "ck_test_4f0c2b8e9a1d7c3e5b6a8f9d0e1c2b3a4d5e6f70"
DEFAULT_CONSUMER_SECRET = "cs_test_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
HIDDEN_FROM_ANY = ("trash", "auto-draft", "checkout-draft")
ORDER_ORDERBY = ("date", "id", "include", "title", "slug", "modified")
PRODUCT_ORDERBY = (
	"date",
	"id",
	"include",
	"title",
	"slug",
	"price",
	"popularity",
	"rating",
	"menu_order",
	"modified",
)
BATCH_LIMIT = 100
WEBHOOK_STATUSES = ("active", "paused", "disabled")
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


@dataclass
class StockChange:
	"""One product's stock moved by an order: the product dict and its quantity before and after."""

	product: dict[str, Any]
	before: int
	after: int


@dataclass
class OrderRecord:
	"""One order, stored as its JSON text plus what the list filters need; keeps 10k orders small."""

	id: int
	status: str
	created: float
	modified: float
	customer_id: int
	parent_id: int
	product_ids: frozenset[int]
	search: str
	text: str
	notes: list[dict[str, Any]]
	refunds: list[dict[str, Any]]


class OrdersView(Mapping[int, dict[str, Any]]):
	"""Read-only id -> order mapping; each lookup decodes a fresh copy."""

	def __init__(self, shop: TestShop) -> None:
		self._shop = shop

	def __getitem__(self, order_id: int) -> dict[str, Any]:
		with self._shop._lock:
			text = self._shop._orders[order_id].text
		return self._shop._decode(text)

	def __iter__(self) -> Iterator[int]:
		with self._shop._lock:
			return iter(list(self._shop._orders))

	def __len__(self) -> int:
		return len(self._shop._orders)


class TestShop:
	"""WooCommerce test shop. See the module docstring; all public methods are thread safe."""

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
		self.latency = latency
		self.per_order_latency = per_order_latency
		self.tax_rates: dict[int, TaxRate] = dict(DEFAULT_TAX_RATES)
		self._clock = clock or (lambda: datetime.now(UTC))
		self._store_clock = StoreClock(timezone)
		self._public_url = public_url.rstrip("/") if public_url else None
		self._lock = threading.RLock()
		self._stopping = threading.Event()
		self._server: ShopServer | None = None
		self._thread: threading.Thread | None = None
		self._https = False
		self._url = self._public_url or "http://127.0.0.1"
		self._bound_url = self._url
		self._url_php = self._url.replace("/", "\\/")
		self._auth = Authenticator(timestamp_window=oauth_timestamp_window)
		self._auth.add_key(ApiKey(consumer_key, consumer_secret))
		self._faults: list[Fault] = []
		self._requests: list[RequestRecord] = []
		self._next_post = 13  # the recorded sandbox's first product id
		self._next_item = 1
		self._next_meta = 1
		self._next_note = 1
		self._orders: dict[int, OrderRecord] = {}
		self._products: dict[int, dict[str, Any]] = {}
		# A variation's stored tax class ("parent" by default); its JSON shows the resolved one.
		self._variation_tax_classes: dict[int, str] = {}
		self._coupons: dict[str, Coupon] = {}
		self._engine = OrderEngine(
			Catalog(
				self._products,
				self._coupons,
				self.tax_rates,
				self._item_id,
				self._meta_id,
				self._store_clock,
				currency,
				CURRENCY_SYMBOLS.get(currency, currency),
			)
		)
		self._webhooks = WebhookDispatcher(
			self._webhook_payload,
			lambda: self.url,
			webhook_mode,
			webhook_delay,
			webhook_timeout,
			clock=self.now,
		)
		self.orders: Mapping[int, dict[str, Any]] = OrdersView(self)
		self._routes = self._build_routes()
		self._seed_catalog()

	# -- lifecycle --------------------------------------------------------------------------

	def start(
		self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
	) -> TestShop:
		"""Serve in a background thread; with `ssl_context` the shop is https and takes Basic auth."""
		self._stopping.clear()
		server = ShopServer((host, port), self)
		if ssl_context is not None:
			server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
			self._https = True
		self._server = server
		scheme = "https" if self._https else "http"
		self._bound_url = f"{scheme}://{host}:{server.server_address[1]}"
		self._url = self._public_url or self._bound_url
		self._url_php = self._url.replace("/", "\\/")
		self._thread = start_thread(server)
		self._webhooks.start()
		return self

	def stop(self) -> None:
		self._stopping.set()
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
		return self._url

	@property
	def local_url(self) -> str:
		"""Where the server listens; differs from `url` only when a public_url was given."""
		return self._bound_url

	@property
	def api_url(self) -> str:
		return f"{self._url}/wp-json/wc/v3"

	def now(self) -> datetime:
		return truncate_seconds(self._clock())

	# -- id sequences (WordPress shares one post id sequence for products, coupons, orders, refunds)

	def _post_id(self) -> int:
		with self._lock:
			value = self._next_post
			self._next_post += 1
			return value

	def _item_id(self) -> int:
		with self._lock:
			value = self._next_item
			self._next_item += 1
			return value

	def _meta_id(self) -> int:
		with self._lock:
			value = self._next_meta
			self._next_meta += 1
			return value

	# -- catalogue --------------------------------------------------------------------------

	def _seed_catalog(self) -> None:
		# One post a second, oldest first, so "newest first" lists have a real order.
		posts = len(CATALOG) + sum(len(spec.variations) for spec in CATALOG)
		start = self.now().timestamp() - posts
		stamps = iter(datetime.fromtimestamp(start + index, UTC) for index in range(posts))
		for spec in CATALOG:
			now = next(stamps)
			data: dict[str, Any] = {
				"name": spec.name,
				"type": "variable" if spec.variations else "simple",
				"sku": spec.sku,
				"regular_price": "" if spec.variations else (spec.regular_price or spec.price),
				"sale_price": spec.price if spec.regular_price else "",
				"tax_class": spec.tax_class,
				"manage_stock": spec.stock is not None,
				"stock_quantity": spec.stock,
				"weight": spec.weight,
				"description": spec.description,
				"short_description": spec.short_description,
				"categories": [{"id": 17}],
			}
			if spec.variations:
				options = [v.option for v in spec.variations]
				data["attributes"] = [
					{
						"id": 0,
						"name": spec.attribute,
						"slug": spec.attribute,
						"position": 0,
						"visible": True,
						"variation": True,
						"options": options,
					}
				]
				data["default_attributes"] = [{"id": 0, "name": spec.attribute, "option": options[-1]}]
			product = new_product(self._post_id(), data, self._store_clock, now)
			self._products[product["id"]] = product
			for variation_spec in spec.variations:
				now = next(stamps)
				variation = new_variation(
					self._post_id(),
					product,
					{
						"sku": variation_spec.sku,
						"regular_price": variation_spec.price,
						"manage_stock": True,
						"stock_quantity": variation_spec.stock,
						"weight": "0.2",
						"attributes": [{"name": spec.attribute, "option": variation_spec.option}],
					},
					self._store_clock,
					now,
				)
				self._products[variation["id"]] = variation
				self._resolve_tax_class(variation)
				product["variations"].append(variation["id"])
			if spec.variations:
				self._refresh_variable(product)
			if spec.sku == "TSHIRT":
				self.add_coupon("welcome10", "percent", "10")
		self.add_coupon("fixed5", "fixed_cart", "5.00")
		for product in self._products.values():
			if not product.get("parent_id"):
				product["related_ids"] = self._related(product["id"])

	def _related(self, product_id: int) -> list[int]:
		"""A few other products of the (single) category, as WooCommerce's related_ids."""
		others = [pid for pid, p in self._products.items() if pid != product_id and not p.get("parent_id")]
		return others[:4]

	def add_coupon(self, code: str, discount_type: str = "percent", amount: str = "10") -> int:
		"""A coupon orders can use in coupon_lines: percent, fixed_cart or fixed_product."""
		with self._lock:
			coupon = Coupon(self._post_id(), code.lower(), discount_type, to_decimal(amount))
			self._coupons[coupon.code] = coupon
			return coupon.id

	def _refresh_variable(self, product: dict[str, Any]) -> None:
		"""A variable product's price, price_html and on_sale follow its variations."""
		variations = [self._products[v] for v in product["variations"] if v in self._products]
		prices = [v["price"] for v in variations if v["price"]]
		product["price"] = min(prices, key=to_decimal) if prices else ""
		product["price_html"] = variable_price_html(variations)
		product["on_sale"] = any(v["on_sale"] for v in variations)

	def _resolve_tax_class(self, variation: dict[str, Any], stored: bool = True) -> None:
		"""Keep the class a variation stores (its JSON's tax_class when `stored`) and show the
		parent's in its place when that is "parent", as get_tax_class('view') does."""
		if stored:
			self._variation_tax_classes[variation["id"]] = variation["tax_class"]
		raw = self._variation_tax_classes.get(variation["id"], variation["tax_class"])
		parent = self._products.get(variation["parent_id"]) or {}
		variation["tax_class"] = (parent.get("tax_class") or "") if raw == "parent" else raw

	def _edit_answer(self, product: dict[str, Any]) -> dict[str, Any]:
		"""Create and update answers are in the edit context: a variation's stored tax class."""
		answer = edit_context(product)
		if product.get("parent_id"):
			raw = self._variation_tax_classes.get(product["id"], product["tax_class"])
			answer = {**answer, "tax_class": raw}
		return answer

	def saleable_items(self) -> list[SaleableItem]:
		"""Simple products and variations an order line can point at."""
		with self._lock:
			items = []
			for product in self._products.values():
				if product.get("type") == "variable" or product.get("status") != "publish":
					continue
				if product.get("parent_id"):
					items.append(
						SaleableItem(
							product["parent_id"], product["id"], product["sku"], to_decimal(product["price"])
						)
					)
				else:
					items.append(SaleableItem(product["id"], 0, product["sku"], to_decimal(product["price"])))
			return items

	@property
	def products(self) -> dict[int, dict[str, Any]]:
		"""id -> product or variation (copies, URLs filled in)."""
		with self._lock:
			return {pid: self._decode(php_json(p)) for pid, p in self._products.items()}

	def product_by_sku(self, sku: str) -> dict[str, Any] | None:
		with self._lock:
			for product in self._products.values():
				if product.get("sku") == sku:
					return self._decode(php_json(product))
		return None

	# -- orders: Python API -----------------------------------------------------------------

	def seed_orders(self, count: int, seed: int = 1, days: int = 90) -> list[int]:
		"""Create `count` realistic orders spread over the last `days` days; returns their ids."""
		now = self.now()
		payloads = generate_orders(count, self.saleable_items(), now, seed=seed, days=days)
		ids = []
		with self._lock:
			for payload in payloads:
				created = payload.pop("_created")
				modified = payload.pop("_modified")
				created_via = payload.pop("created_via", "checkout")
				order = self._engine.create(self._post_id(), payload, created, created_via=created_via)
				clock = self._store_clock
				if order["status"] == "completed":
					order["date_completed"], order["date_completed_gmt"] = (
						clock.local(modified),
						clock.gmt(modified),
					)
				refunds = []
				if order["status"] == "refunded":
					refund = self._engine.refund(
						order,
						self._post_id(),
						{"amount": order["total"], "reason": "Order fully refunded.", "api_refund": False},
						modified,
					)
					refunds.append(refund)
					order["refunds"] = [
						{"id": refund["id"], "reason": refund["reason"], "total": f"-{refund['amount']}"}
					]
				touch(order, clock, modified)
				self._save(order, refunds=refunds)
				ids.append(order["id"])
		return ids

	def add_order(self, payload: dict[str, Any]) -> int:
		"""Store a complete order JSON as it is (e.g. a recorded GET response), keeping its totals.

		The id is kept when free; links and payment_url are rewritten to this shop."""
		order = copy.deepcopy(payload)
		with self._lock:
			order_id = int(order.get("id") or 0) or self._post_id()
			if order_id in self._orders:
				raise ValueError(f"order {order_id} already exists")
			order["id"] = order_id
			self._next_post = max(self._next_post, order_id + 1)
			for group in ("line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines"):
				for item in order.get(group) or []:
					self._next_item = max(self._next_item, int(item.get("id") or 0) + 1)
					for meta in item.get("meta_data") or []:
						self._next_meta = max(self._next_meta, int(meta.get("id") or 0) + 1)
			for meta in order.get("meta_data") or []:
				self._next_meta = max(self._next_meta, int(meta.get("id") or 0) + 1)
			order.setdefault("order_key", "wc_order_" + secrets.token_hex(6))
			refresh_derived(order)
			self._save(order)
		return order_id

	def modify_order(self, order_id: int, **changes: Any) -> dict[str, Any]:
		"""Change an order as the shop owner would (e.g. status="completed", billing={...}):
		date_modified moves to the clock's now and order.updated fires."""
		order, changed = self._update_order(order_id, changes)
		self._announce_order(order_id, False, changed)
		return self.orders[order_id]

	def order_notes(self, order_id: int) -> list[dict[str, Any]]:
		with self._lock:
			return [dict(note) for note in self._orders[order_id].notes]

	# -- storage ----------------------------------------------------------------------------

	def _decode(self, text: str) -> dict[str, Any]:
		return json.loads(text.replace(SHOP_URL, self._url_php))

	def _render(self, obj: Any) -> bytes:
		return render(obj, self._url_php)

	def _load(self, order_id: int, status: int = 404) -> dict[str, Any]:
		"""The stored order; a missing one is 404 to GET and DELETE but 400 to PUT, like WooCommerce."""
		record = self._orders.get(order_id)
		if record is None:
			raise RestError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return json.loads(record.text)

	def _save(self, order: dict[str, Any], refunds: list[dict[str, Any]] | None = None) -> None:
		previous = self._orders.get(order["id"])
		self._orders[order["id"]] = OrderRecord(
			id=order["id"],
			status=order["status"],
			created=_timestamp(order.get("date_created_gmt")),
			modified=_timestamp(order.get("date_modified_gmt")),
			customer_id=int(order.get("customer_id") or 0),
			parent_id=int(order.get("parent_id") or 0),
			product_ids=frozenset(item.get("product_id", 0) for item in order.get("line_items", [])),
			search=search_text(order),
			text=php_json(order),
			notes=previous.notes if previous else [],
			refunds=refunds if refunds is not None else (previous.refunds if previous else []),
		)

	def _add_note(self, order_id: int, text: str, customer_note: bool) -> dict[str, Any]:
		now = self.now()
		note = {
			"id": self._next_note,
			"author": "WooCommerce",
			"date_created": self._store_clock.local(now),
			"date_created_gmt": self._store_clock.gmt(now),
			"note": text,
			"customer_note": customer_note,
		}
		self._next_note += 1
		self._orders[order_id].notes.insert(0, note)
		return note

	def _reduce_stock(self, order: dict[str, Any], line_ids: set[int]) -> list[StockChange]:
		"""Stock goes down for lines newly marked _reduced_stock; returns the changes made."""
		changes = []
		now = self.now()
		for item in order["line_items"]:
			if item["id"] not in line_ids:
				continue
			target = self._products.get(item["variation_id"] or item["product_id"])
			if target is None:
				continue
			parent = self._products.get(item["product_id"])
			if parent is not None and "total_sales" in parent:
				parent["total_sales"] += item["quantity"]
			if target.get("manage_stock") and target.get("stock_quantity") is not None:
				before = target["stock_quantity"]
				apply_product_changes(
					target, {"stock_quantity": before - item["quantity"]}, self._store_clock, now
				)
				changes.append(StockChange(target, before, target["stock_quantity"]))
		return changes

	def _stock_note(self, changes: list[StockChange]) -> list[str]:
		"""wc_trigger_stock_change_notifications(): one note listing every product changed."""
		if not changes:
			return []
		parts = [
			f"{formatted_name(c.product, self._products.get(c.product.get('parent_id') or 0))} "
			f"{c.before}&rarr;{c.after}"
			for c in changes
		]
		return ["Stock levels reduced: " + ", ".join(parts)]

	def _restock_refunded_items(self, order: dict[str, Any], given: Any) -> tuple[list[str], list[int]]:
		"""wc_restock_refunded_items(): refunded quantities go back into stock for lines whose stock
		was reduced; _reduced_stock goes down and _restock_refunded_items keeps the running tally.
		Returns the notes and the products changed."""
		quantities = {
			line["id"]: refund_quantity(line)
			for line in given or []
			if isinstance(line, dict) and isinstance(line.get("id"), int)
		}
		notes, changed = [], []
		now = self.now()
		for item in order["line_items"]:
			quantity = quantities.get(item["id"])
			meta = {m["key"]: m for m in item["meta_data"]}
			reduced = str(meta["_reduced_stock"]["value"]) if "_reduced_stock" in meta else ""
			product = self._products.get(item["variation_id"] or item["product_id"])
			# PHP: an empty or "0" _reduced_stock means the stock was never (or no longer) reduced.
			if not quantity or reduced in ("", "0") or product is None or not product.get("manage_stock"):
				continue
			before = product.get("stock_quantity") or 0
			apply_product_changes(product, {"stock_quantity": before + quantity}, self._store_clock, now)
			left = str(php_int(reduced) - quantity)
			meta["_reduced_stock"]["value"] = meta["_reduced_stock"]["display_value"] = left
			tally_meta = meta.get("_restock_refunded_items")
			tally = str(quantity + (php_int(tally_meta["value"]) if tally_meta else 0))
			if tally_meta:
				tally_meta["value"] = tally_meta["display_value"] = tally
			else:
				item["meta_data"].append(
					{
						"id": self._meta_id(),
						"key": "_restock_refunded_items",
						"value": tally,
						"display_key": "_restock_refunded_items",
						"display_value": tally,
					}
				)
			notes.append(
				f"Item #{product['id']} stock increased from {before} to {product['stock_quantity']}."
			)
			changed.append(product["id"])
		return notes, changed

	@staticmethod
	def _reduced_lines(order: dict[str, Any]) -> set[int]:
		return {
			item["id"]
			for item in order["line_items"]
			if any(m["key"] == "_reduced_stock" for m in item["meta_data"])
		}

	# -- webhooks: Python API ---------------------------------------------------------------

	def add_webhook(
		self, topic: str, delivery_url: str, secret: str = "", name: str | None = None, ping: bool = True
	) -> int:
		"""Register an active webhook as POST /webhooks would (including the ping)."""
		with self._lock:
			hook = Webhook(
				self._post_id(),
				name or f"Webhook created on {self.now():%b %d, %Y @ %I:%M %p}",
				"active",
				topic,
				delivery_url,
				secret or secrets.token_urlsafe(36),
				self.now(),
			)
			self._webhooks.hooks[hook.id] = hook
		if ping:
			self._webhooks.ping(hook)
		return hook.id

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
		with self._lock:
			if resource == "order":
				record = self._orders.get(resource_id)
				return record.text.replace(SHOP_URL, self._url_php).encode() if record else None
			product = self._products.get(resource_id)
			return self._render(product) if product is not None else None

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
		if kind not in FAULT_KINDS:
			raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(FAULT_KINDS)}")
		default_seconds = 30.0 if kind == "timeout" else 0.0
		with self._lock:
			self._faults.append(
				Fault(
					kind,
					times,
					path_prefix,
					method,
					retry_after,
					default_seconds if seconds is None else seconds,
					location.rstrip("/") if location else None,
				)
			)

	def clear_faults(self) -> None:
		with self._lock:
			self._faults.clear()

	def _take_fault(self, method: str, path: str) -> Fault | None:
		with self._lock:
			for fault in self._faults:
				if fault.matches(method, path):
					fault.times -= 1
					if fault.times <= 0:
						self._faults.remove(fault)
					return fault
		return None

	def _fault_response(self, fault: Fault, target: str) -> Response:
		"""The answer to a faulted request; `target` is its path and query as sent."""
		if fault.kind in REDIRECT_FAULTS:
			return redirect_response(int(fault.kind), (fault.location or self.url) + target)
		status, body, headers = fault_body(fault)
		return Response(status, body, headers=headers)

	def _record(self, record: RequestRecord) -> None:
		with self._lock:
			self._requests.append(record)

	@property
	def requests(self) -> list[RequestRecord]:
		"""Requests seen so far (method, path, query dict, status, fault), oldest first."""
		with self._lock:
			return list(self._requests)

	def count(
		self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
	) -> int:
		with self._lock:
			return sum(
				1
				for r in self._requests
				if (method is None or r.method == method.upper())
				and (path_prefix is None or r.path.startswith(path_prefix))
				and (status is None or r.status == status)
			)

	def reset_counts(self) -> None:
		with self._lock:
			self._requests.clear()

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
		return self._bound_url + signer.get_oauth_url()[len(self._url) :]

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
		if self._https:
			url = f"{self._bound_url}/wp-json/wc/v3/{endpoint.lstrip('/')}"
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
		self._auth.add_key(ApiKey(consumer_key, consumer_secret, permissions))

	# -- request dispatch -------------------------------------------------------------------

	def _dispatch(
		self,
		method: str,
		path: str,
		pairs: list[tuple[str, str]],
		raw_body: bytes,
		headers: Message,
		basic: tuple[str, str] | None,
	) -> Response:
		params = php_query(pairs)
		if path.rstrip("/") == "/wp-json":
			index = self._index()
			# The index honours _fields like every WordPress route (the client asks for four keys).
			return Response(200, pick_fields(index, params["_fields"]) if params.get("_fields") else index)
		content_type = headers.get("Content-Type") or ""
		form = parse_body(raw_body, content_type) if "x-www-form-urlencoded" in content_type else {}
		key = self._auth.authenticate(
			method, self._url + path, {**params, **form}, basic if self._https else None, self._https
		)
		sub = path[len("/wp-json/wc/v3") :] if path.startswith("/wp-json/wc/v3") else None
		for candidate in self._routes if sub is not None else []:
			match = candidate.pattern.match(sub or "/")
			if not match:
				continue
			# WordPress answers HEAD with the GET handler.
			verb = "GET" if method == "HEAD" else method
			if verb not in candidate.methods:
				break
			handler, kind = candidate.methods[verb]
			try:
				body = form if form else parse_body(raw_body, content_type)
				request = Request(method, path, pairs, params, body, match.groupdict(), key)
				response = handler(request, kind)
			except RestError as error:
				response = Response(error.status, error.body())
			fields = params.get("_fields")
			if fields and response.raw is None and response.status < 400:
				# rest_filter_response_fields() trims every successful answer, lists item by item
				# (handlers that render raw JSON text trim it themselves).
				if isinstance(response.body, list):
					response.body = [pick_fields(item, fields) for item in response.body]
				else:
					response.body = pick_fields(response.body, fields)
			if key is not None:
				# rest_send_allow_header() lists only the methods whose permission check passes.
				response.headers.setdefault("Allow", candidate.allow)
			return response
		raise RestError(404, "rest_no_route", "No route was found matching the URL and request method.")

	def _build_routes(self) -> list[Route]:
		one = "GET, POST, PUT, PATCH, DELETE"
		return [
			route("/orders/batch", "POST, PUT, PATCH", POST=(self._orders_batch, "batch"), PUT=(self._orders_batch, "batch"), PATCH=(self._orders_batch, "batch")),
			route("/orders", "GET, POST", GET=(self._orders_list, "list"), POST=(self._order_create, "create")),
			route("/orders/<id>/notes", "GET, POST", GET=(self._notes_list, "list"), POST=(self._note_create, "create")),
			route("/orders/<id>/notes/<note>", "GET, DELETE", GET=(self._note_get, "view"), DELETE=(self._note_delete, "delete")),
			route("/orders/<id>/refunds", "GET, POST", GET=(self._refunds_list, "list"), POST=(self._refund_create, "create")),
			route("/orders/<id>/refunds/<refund>", "GET, DELETE", GET=(self._refund_get, "view"), DELETE=(self._refund_delete, "delete")),
			route("/orders/<id>", one, GET=(self._order_get, "view"), POST=(self._order_update, "edit"), PUT=(self._order_update, "edit"), PATCH=(self._order_update, "edit"), DELETE=(self._order_delete, "delete")),
			route("/products/batch", "POST, PUT, PATCH", POST=(self._products_batch, "batch"), PUT=(self._products_batch, "batch"), PATCH=(self._products_batch, "batch")),
			route("/products", "GET, POST", GET=(self._products_list, "list"), POST=(self._product_create, "create")),
			route("/products/<id>/variations/batch", "POST, PUT, PATCH", POST=(self._variations_batch, "batch"), PUT=(self._variations_batch, "batch"), PATCH=(self._variations_batch, "batch")),
			route("/products/<id>/variations", "GET, POST", GET=(self._variations_list, "list"), POST=(self._variation_create, "create")),
			route("/products/<id>/variations/<variation>", one, GET=(self._variation_get, "view"), POST=(self._variation_update, "edit"), PUT=(self._variation_update, "edit"), PATCH=(self._variation_update, "edit"), DELETE=(self._variation_delete, "delete")),
			route("/products/<id>", one, GET=(self._product_get, "view"), POST=(self._product_update, "edit"), PUT=(self._product_update, "edit"), PATCH=(self._product_update, "edit"), DELETE=(self._product_delete, "delete")),
			route("/webhooks", "GET, POST", GET=(self._webhooks_list, "list"), POST=(self._webhook_create, "create")),
			route("/webhooks/<id>", one, GET=(self._webhook_get, "view"), POST=(self._webhook_update, "edit"), PUT=(self._webhook_update, "edit"), PATCH=(self._webhook_update, "edit"), DELETE=(self._webhook_delete, "delete")),
			route("/taxes", "GET, POST", GET=(self._taxes_list, "list")),
			route("/system_status", "GET", GET=(self._system_status, "list")),
			route("", "GET", GET=(self._namespace_index, "public")),
		]  # fmt: skip

	def _require(self, request: Request, kind: str) -> None:
		if kind != "public" and request.key is None:
			raise permission_error(kind)

	# -- list helpers -----------------------------------------------------------------------

	def _page(
		self, request: Request, query: ListQuery, items: list[Any], collection: str, kind: str = ""
	) -> tuple[list[Any], dict[str, str]]:
		"""Slice a sorted list and build X-WP-Total, X-WP-TotalPages and Link like WordPress.

		`kind` "orders" or "refunds" adds what those controllers write back into the request
		before WordPress builds the Link: orders move `status` to the end (default any) and, once
		an order was rendered, add dp and context; refunds add dp."""
		total = len(items)
		pages = math.ceil(total / query.per_page) if total else 0
		start = query.offset if query.offset is not None else (query.page - 1) * query.per_page
		empty = query.page > pages
		chunk = [] if empty else items[start : start + query.per_page]
		headers = {
			"X-WP-Total": "0" if empty else str(total),
			"X-WP-TotalPages": "0" if empty else str(pages),
		}
		params = dict(query.sanitized)
		if kind == "orders":
			params["status"] = parse_slug_list(params.pop("status", "any"))
		if kind in ("orders", "refunds") and not empty:
			params.setdefault("dp", "2")
		if kind == "orders" and not empty:
			params.setdefault("context", "view")
		link = link_header(
			f"{self.url}/wp-json/wc/v3/{collection}", params, query.page, 0 if empty else pages
		)
		if link:
			headers["Link"] = link
		return chunk, headers

	# -- orders: REST -----------------------------------------------------------------------

	def _orders_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(request.params, self._store_clock, ORDER_ORDERBY, "date")
		self._require(request, kind)
		with self._lock:
			records = [r for r in self._orders.values() if self._order_matches(r, query)]
			records.sort(key=self._order_sort_key(query), reverse=query.order == "desc")
			chunk, headers = self._page(request, query, records, "orders", "orders")
			texts = [record.text for record in chunk]
		return self._json_list(texts, query.fields, headers)

	def _json_list(self, texts: list[str], fields: str | None, headers: dict[str, str]) -> Response:
		if fields:
			body = [pick_fields(json.loads(text), fields) for text in texts]
			return Response(200, body, headers=headers, orders_returned=len(texts))
		raw = ("[" + ",".join(texts) + "]").replace(SHOP_URL, self._url_php).encode()
		return Response(200, raw=raw, headers=headers, orders_returned=len(texts))

	@staticmethod
	def _order_matches(record: OrderRecord, query: ListQuery) -> bool:
		if query.statuses is None or "any" in query.statuses:
			allowed = query.statuses - {"any"} if query.statuses else set()
			if record.status in HIDDEN_FROM_ANY and record.status not in allowed:
				return False
		elif record.status not in query.statuses:
			return False
		if query.include and record.id not in query.include:
			return False
		if record.id in query.exclude:
			return False
		if query.modified_after is not None and record.modified <= query.modified_after:
			return False
		if query.modified_before is not None and record.modified >= query.modified_before:
			return False
		if query.created_after is not None and record.created <= query.created_after:
			return False
		if query.created_before is not None and record.created >= query.created_before:
			return False
		if query.customer is not None and record.customer_id != query.customer:
			return False
		if query.parents and record.parent_id not in query.parents:
			return False
		if query.product is not None and query.product not in record.product_ids:
			return False
		return not query.search or query.search in record.search

	@staticmethod
	def _order_sort_key(query: ListQuery) -> Callable[[OrderRecord], tuple[float, int]]:
		if query.orderby == "date":
			return lambda r: (r.created, r.id)
		if query.orderby == "modified":
			return lambda r: (r.modified, r.id)
		if query.orderby == "include" and query.include:
			position = {order_id: index for index, order_id in enumerate(query.include)}
			return lambda r: (position.get(r.id, len(position)), r.id)
		return lambda r: (r.id, r.id)

	def _order_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			record = self._orders.get(int(request.match["id"]))
			if record is None:
				raise RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
			text = record.text
		fields = request.params.get("_fields")
		if fields:
			return Response(200, pick_fields(json.loads(text), str(fields)), orders_returned=1)
		return Response(200, raw=text.replace(SHOP_URL, self._url_php).encode(), orders_returned=1)

	def _create_order(self, payload: Any) -> tuple[dict[str, Any], list[int]]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self._lock:
			order = self._engine.create(self._post_id(), payload, self.now())
			self._save(order)
			changes = self._reduce_stock(order, self._reduced_lines(order))
			# A new order starts as pending: any other status is a transition, whose hooks reduce
			# the stock before the transition's own note is written.
			if order["status"] != "pending":
				for note in [*self._stock_note(changes), status_note("pending", order["status"])]:
					self._add_note(order["id"], note, False)
		return order, [c.product["id"] for c in changes]

	def _announce_order(self, order_id: int, created: bool, changed_products: list[int]) -> None:
		if created:
			self._webhooks.fire("order.created", order_id)
		self._webhooks.fire("order.updated", order_id)
		for product_id in changed_products:
			self._webhooks.fire("product.updated", product_id)

	def _order_create(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		order, changed = self._create_order(request.body)
		self._announce_order(order["id"], True, changed)
		return Response(
			201,
			order,
			headers={"Location": f"{self.url}/wp-json/wc/v3/orders/{order['id']}"},
			orders_returned=1,
		)

	def _update_order(self, order_id: int, payload: Any) -> tuple[dict[str, Any], list[int]]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self._lock:
			order = self._load(order_id, 400)
			before = self._reduced_lines(order)
			notes = self._engine.update(order, payload, self.now())
			self._save(order)
			changes = self._reduce_stock(order, self._reduced_lines(order) - before)
			for note in [*self._stock_note(changes), *notes]:
				self._add_note(order_id, note, False)
		return order, [c.product["id"] for c in changes]

	def _order_update(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		order, changed = self._update_order(int(request.match["id"]), request.body)
		self._announce_order(order["id"], False, changed)
		return Response(200, order, orders_returned=1)

	def _delete_order(self, order_id: int, force: bool) -> dict[str, Any]:
		"""DELETE answers with the order as it was; without force it moves to the trash."""
		with self._lock:
			order = self._load(order_id)
			before = copy.deepcopy(order)
			if force:
				del self._orders[order_id]
			else:
				if order["status"] == "trash":
					raise RestError(
						410, "woocommerce_rest_already_trashed", "The shop_order has already been deleted."
					)
				now = self.now()
				old = order["status"]
				order["status"] = "trash"
				order["meta_data"] += [
					{"id": self._meta_id(), "key": "_wp_trash_meta_status", "value": f"wc-{old}"},
					{"id": self._meta_id(), "key": "_wp_trash_meta_time", "value": str(int(now.timestamp()))},
				]
				touch(order, self._store_clock, now)
				refresh_derived(order)
				self._save(order)
		self._webhooks.fire("order.deleted", order_id, deleted_payload={"id": order_id})
		return before

	def _order_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		order = self._delete_order(int(request.match["id"]), truthy(request.params.get("force", "")))
		return Response(200, order, orders_returned=1)

	def _batch(
		self,
		request: Request,
		kind: str,
		create: Callable[[Any], dict[str, Any]],
		update: Callable[[int, Any], dict[str, Any]],
		delete: Callable[[int], dict[str, Any]],
		invalid_id: RestError,
	) -> Response:
		"""Batch endpoints: always 200, failed items inline as {"id", "error"}, deletes permanent."""
		self._require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		size = sum(len(body.get(action) or []) for action in ("create", "update", "delete"))
		if size > BATCH_LIMIT:
			raise RestError(
				413,
				"woocommerce_rest_request_entity_too_large",
				f"Unable to accept more than {BATCH_LIMIT} items for this request.",
			)
		# WC_REST_Controller::batch_items(): empty sections are dropped (array_filter), delete ids
		# go through (int) and 0 is skipped, and each failure carries the single call's error.
		result: dict[str, list[Any]] = {}
		for item in body.get("create") or []:
			try:
				answer = create(item)
			except RestError as error:
				answer = {"id": 0, "error": error.inline()}
			result.setdefault("create", []).append(answer)
		for item in body.get("update") or []:
			item_id = item.get("id") if isinstance(item, dict) else None
			try:
				if not isinstance(item_id, int | str) or not str(item_id).isdigit():
					raise invalid_id
				answer = update(int(item_id), item)
			except RestError as error:
				answer = {"id": item_id, "error": error.inline()}
			result.setdefault("update", []).append(answer)
		for raw_id in body.get("delete") or []:
			item_id = php_int(raw_id) if not isinstance(raw_id, dict | list) else 0
			if item_id == 0:
				continue
			try:
				answer = delete(item_id)
			except RestError as error:
				answer = {"id": item_id, "error": error.inline()}
			result.setdefault("delete", []).append(answer)
		# An empty PHP array encodes as [], not {}.
		return Response(200, result or [])

	def _orders_batch(self, request: Request, kind: str) -> Response:
		def create(payload: Any) -> dict[str, Any]:
			order, changed = self._create_order(payload)
			self._announce_order(order["id"], True, changed)
			return order

		def update(order_id: int, payload: Any) -> dict[str, Any]:
			order, changed = self._update_order(order_id, payload)
			self._announce_order(order_id, False, changed)
			return order

		return self._batch(
			request,
			kind,
			create,
			update,
			lambda order_id: self._delete_order(order_id, True),
			RestError(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
		)

	# -- notes and refunds ------------------------------------------------------------------

	def _order_record(self, request: Request, code: str = "woocommerce_rest_order_invalid_id") -> OrderRecord:
		record = self._orders.get(int(request.match["id"]))
		if record is None:
			raise RestError(404, code, "Invalid order ID.")
		return record

	def _notes_list(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		wanted = str(request.params.get("type", "any"))
		with self._lock:
			# The list (unlike the other note routes) names the post type in its error code.
			record = self._order_record(request, "woocommerce_rest_shop_order_invalid_id")
			notes = [
				note_json(record.id, note)
				for note in record.notes
				if wanted == "any" or (wanted == "customer") == note["customer_note"]
			]
		return Response(200, notes)

	def _note_create(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		if not body.get("note"):
			raise RestError(400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"])
		with self._lock:
			record = self._order_record(request)
			# A note is a comment: the order itself, and so date_modified, stays untouched.
			note = self._add_note(record.id, str(body["note"]), truthy(body.get("customer_note", False)))
		location = f"{self.url}/wp-json/wc/v3/orders/{record.id}/notes/{note['id']}"
		return Response(201, note_json(record.id, note), headers={"Location": location})

	def _find_note(self, request: Request) -> tuple[OrderRecord, dict[str, Any]]:
		record = self._order_record(request)
		for note in record.notes:
			if note["id"] == int(request.match["note"]):
				return record, note
		raise RestError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")

	def _note_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			record, note = self._find_note(request)
		return Response(200, note_json(record.id, note))

	def _note_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		if not truthy(request.params.get("force", "")):
			# WooCommerce's own (copied) wording.
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
		with self._lock:
			record, note = self._find_note(request)
			record.notes.remove(note)
		return Response(200, note_json(record.id, note))

	def _refunds_list(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		order_id = int(request.match["id"])
		with self._lock:
			# A query for refunds whose parent is this id: none when there is no such order.
			record = self._orders.get(order_id)
			refunds = list(record.refunds) if record is not None else []
		query = parse_list_query(
			request.params,
			self._store_clock,
			("date", "id", "include", "title", "slug", "modified"),
			"date",
			status_enum=None,
		)
		chunk, headers = self._page(request, query, refunds, f"orders/{order_id}/refunds", "refunds")
		return Response(200, chunk, headers=headers)

	def _refund_create(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		with self._lock:
			record = self._orders.get(int(request.match["id"]))
			if record is None:
				raise BareRestError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
			order = json.loads(record.text)
			now = self.now()
			refund = self._engine.refund(order, self._post_id(), body, now)
			order["refunds"].insert(
				0, {"id": refund["id"], "reason": refund["reason"], "total": f"-{refund['amount']}"}
			)
			notes, restocked = [], []
			if body.get("api_restock", True) not in (False, "false", "0", 0):
				notes, restocked = self._restock_refunded_items(order, body.get("line_items"))
			refunded = sum(to_decimal(r["total"]) for r in order["refunds"])
			if -refunded >= to_decimal(order["total"]):
				notes += self._engine.set_status(order, "refunded", now)
			# wc_create_refund() saves the order with a new date_modified, partial refund or not.
			touch(order, self._store_clock, now)
			self._save(order, refunds=[refund, *record.refunds])
			for note in notes:
				self._add_note(order["id"], note, False)
		for product_id in restocked:
			self._webhooks.fire("product.updated", product_id)
		self._webhooks.fire("order.updated", order["id"])
		# WooCommerce really sends this unexpanded route pattern as the Location.
		location = f"{self.url}/wp-json/wc/v3/orders/(?P<order_id>[\\d]+)/refunds/{refund['id']}"
		return Response(201, refund, headers={"Location": location})

	def _find_refund(self, request: Request) -> tuple[OrderRecord, dict[str, Any]]:
		record = self._order_record(request)
		for refund in record.refunds:
			if refund["id"] == int(request.match["refund"]):
				return record, refund
		raise RestError(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")

	def _refund_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			_record, refund = self._find_refund(request)
		return Response(200, refund)

	def _refund_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		if not truthy(request.params.get("force", "")):
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing.")
		with self._lock:
			record, refund = self._find_refund(request)
			order = json.loads(record.text)
			order["refunds"] = [r for r in order["refunds"] if r["id"] != refund["id"]]
			self._save(order, refunds=[r for r in record.refunds if r is not refund])
		return Response(200, refund)

	# -- products ---------------------------------------------------------------------------

	def _product(self, product_id: int, variation_of: int | None = None, status: int = 404) -> dict[str, Any]:
		"""A product or a variation of `variation_of`; missing is 404, or 400 for an update."""
		product = self._products.get(product_id)
		if variation_of is not None:
			if product is None or product.get("parent_id") != variation_of:
				raise RestError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		elif product is None:
			raise RestError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
		return product

	def _check_sku(self, sku: str, own_id: int | None) -> None:
		if not sku:
			return
		taken = {p["sku"] for p in self._products.values() if p.get("sku")}
		for product in self._products.values():
			if product.get("sku") == sku and product["id"] != own_id:
				raise duplicate_sku_error(sku, product["id"], taken)

	def _products_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self._store_clock, PRODUCT_ORDERBY, "date", PRODUCT_STATUSES, False
		)
		self._require(request, kind)
		params = request.params
		skus = set(as_list(params.get("sku", "")))
		with self._lock:
			products = [
				p
				for p in self._products.values()
				if not p.get("parent_id")
				and (not skus or p.get("sku") in skus)
				and (not query.include or p["id"] in query.include)
				and p["id"] not in query.exclude
				and (
					p["status"] != "trash"
					if "status" not in params
					else p["status"] == params["status"] or params["status"] == "any"
				)
				and (not params.get("type") or p["type"] == params["type"])
				and (not query.search or query.search in p["name"].lower())
			]
			self._sort_products(products, query)
			chunk, headers = self._page(request, query, products, "products")
			body = [pick_fields(p, query.fields) if query.fields else p for p in chunk]
		return Response(200, body, headers=headers)

	@staticmethod
	def _sort_products(products: list[dict[str, Any]], query: ListQuery) -> None:
		"""Posts with the same date come back in id order whatever the direction (MySQL's tie)."""
		products.sort(key=lambda p: p["id"])
		products.sort(key=TestShop._product_sort_key(query), reverse=query.order == "desc")

	@staticmethod
	def _product_sort_key(query: ListQuery) -> Callable[[dict[str, Any]], Any]:
		if query.orderby in ("title", "slug"):
			return lambda p: p["name" if query.orderby == "title" else "slug"].lower()
		if query.orderby == "price":
			return lambda p: to_decimal(p.get("price"))
		if query.orderby == "modified":
			return lambda p: p["date_modified_gmt"]
		if query.orderby == "include" and query.include:
			position = {pid: index for index, pid in enumerate(query.include)}
			return lambda p: position.get(p["id"], len(position))
		if query.orderby == "date":
			return lambda p: p["date_created_gmt"]
		return lambda p: p["id"]

	def _product_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			product = self._product(int(request.match["id"]))
			body = (
				pick_fields(product, request.params["_fields"]) if request.params.get("_fields") else product
			)
			return Response(200, json.loads(php_json(body)))

	def _create_product(self, payload: Any) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self._lock:
			self._check_sku(str(payload.get("sku") or ""), None)
			product = new_product(self._post_id(), payload, self._store_clock, self.now())
			product["related_ids"] = self._related(product["id"])
			self._products[product["id"]] = product
			snapshot = json.loads(php_json(edit_context(product)))
		self._webhooks.fire("product.created", product["id"])
		return snapshot

	def _product_create(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		product = self._create_product(request.body)
		return Response(
			201, product, headers={"Location": f"{self.url}/wp-json/wc/v3/products/{product['id']}"}
		)

	def _update_product(
		self, product_id: int, payload: Any, variation_of: int | None = None
	) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self._lock:
			product = self._product(product_id, variation_of, 400)
			if "sku" in payload:
				self._check_sku(str(payload.get("sku") or ""), product_id)
			apply_product_changes(product, payload, self._store_clock, self.now())
			if product.get("parent_id"):
				if "tax_class" in payload:
					self._resolve_tax_class(product)
				self._refresh_variable(self._products[product["parent_id"]])
			elif "tax_class" in payload:
				for variation_id in product.get("variations") or []:
					if variation_id in self._products:
						self._resolve_tax_class(self._products[variation_id], stored=False)
			snapshot = json.loads(php_json(self._edit_answer(product)))
		self._webhooks.fire("product.updated", product_id)
		return snapshot

	def _product_update(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		return Response(200, self._update_product(int(request.match["id"]), request.body))

	def _delete_product(
		self, product_id: int, force: bool, variation_of: int | None = None
	) -> dict[str, Any]:
		with self._lock:
			product = self._product(product_id, variation_of)
			snapshot = json.loads(php_json(product))
			if force or variation_of is not None:
				del self._products[product_id]
				for variation_id in product.get("variations") or []:
					self._products.pop(variation_id, None)
				parent = self._products.get(product.get("parent_id") or 0)
				if parent is not None:
					parent["variations"] = [v for v in parent["variations"] if v != product_id]
			else:
				if product["status"] == "trash":
					raise RestError(
						410, "woocommerce_rest_already_trashed", "The product has already been deleted."
					)
				product["status"] = "trash"
		self._webhooks.fire("product.deleted", product_id, deleted_payload={"id": product_id})
		return snapshot

	def _product_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		return Response(
			200, self._delete_product(int(request.match["id"]), truthy(request.params.get("force", "")))
		)

	def _products_batch(self, request: Request, kind: str) -> Response:
		return self._batch(
			request,
			kind,
			self._create_product,
			self._update_product,
			lambda product_id: self._delete_product(product_id, True),
			RestError(400, "woocommerce_rest_product_invalid_id", "Invalid ID."),
		)

	def _variations_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self._store_clock, PRODUCT_ORDERBY, "date", PRODUCT_STATUSES, False
		)
		self._require(request, kind)
		skus = set(as_list(request.params.get("sku", "")))
		parent_id = int(request.match["id"])
		with self._lock:
			# A query for posts with this parent: none when there is no such product.
			parent = self._products.get(parent_id) or {}
			variations = [
				self._products[v]
				for v in parent.get("variations") or []
				if v in self._products
				and (not skus or self._products[v]["sku"] in skus)
				and (not query.include or v in query.include)
			]
			self._sort_products(variations, query)
			chunk, headers = self._page(request, query, variations, f"products/{parent_id}/variations")
			body = json.loads(php_json(chunk))
		return Response(200, body, headers=headers)

	def _variation_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			variation = self._product(int(request.match["variation"]), int(request.match["id"]))
			return Response(200, json.loads(php_json(variation)))

	def _create_variation(self, parent_id: int, payload: Any) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self._lock:
			parent = self._product(parent_id)
			self._check_sku(str(payload.get("sku") or ""), None)
			variation = new_variation(self._post_id(), parent, payload, self._store_clock, self.now())
			self._products[variation["id"]] = variation
			self._resolve_tax_class(variation)
			parent["variations"].append(variation["id"])
			self._refresh_variable(parent)
			snapshot = json.loads(php_json(self._edit_answer(variation)))
		self._webhooks.fire("product.created", variation["id"])
		return snapshot

	def _variation_create(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		variation = self._create_variation(int(request.match["id"]), request.body)
		location = f"{self.url}/wp-json/wc/v3/products/{request.match['id']}/variations/{variation['id']}"
		return Response(201, variation, headers={"Location": location})

	def _variation_update(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		variation_id, parent_id = int(request.match["variation"]), int(request.match["id"])
		with self._lock:
			found = self._products.get(variation_id)
		if found is not None and found.get("parent_id") and found["parent_id"] != parent_id:
			# update_item_permissions_check(); an authenticated user gets 403.
			raise RestError(
				403, "woocommerce_rest_cannot_edit", "Parent product does not match current variation."
			)
		body = self._update_product(variation_id, request.body, parent_id)
		return Response(200, body)

	def _variation_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		return Response(
			200, self._delete_product(int(request.match["variation"]), True, int(request.match["id"]))
		)

	def _variations_batch(self, request: Request, kind: str) -> Response:
		parent_id = int(request.match["id"])
		return self._batch(
			request,
			kind,
			lambda payload: self._create_variation(parent_id, payload),
			lambda variation_id, payload: self._update_product(variation_id, payload, parent_id),
			lambda variation_id: self._delete_product(variation_id, True, parent_id),
			RestError(400, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."),
		)

	# -- webhooks: REST ---------------------------------------------------------------------

	def _webhook(self, request: Request, deleting: bool = False) -> Webhook:
		"""The webhook of the route; WooCommerce words a missing one differently for DELETE."""
		hook = self._webhooks.hooks.get(int(request.match["id"]))
		if hook is None:
			if deleting:
				raise RestError(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
			raise RestError(400, "woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.")
		return hook

	def _webhooks_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params,
			self._store_clock,
			("date", "id", "include", "title"),
			"date",
			WEBHOOK_LIST_STATUSES,
			False,
		)
		self._require(request, kind)
		status = request.params.get("status", "all")
		with self._lock:
			# WC_Webhook_Data_Store::search_webhooks(): search matches the name (LIKE, any case).
			hooks = [
				h
				for h in self._webhooks.hooks.values()
				if (status == "all" or h.status == status)
				and (not query.include or h.id in query.include)
				and h.id not in query.exclude
				and (not query.search or query.search in h.name.lower())
			]
			sign = -1 if query.order == "desc" else 1
			if query.orderby == "title":
				hooks.sort(key=lambda h: h.name.lower(), reverse=query.order == "desc")
			elif query.orderby in ("id", "include"):
				hooks.sort(key=lambda h: sign * h.id)
			else:
				# Newest first, but hooks created in the same second keep their id order (MySQL's tie).
				hooks.sort(key=lambda h: (sign * h.created.timestamp(), h.id))
			# The webhooks controller pages by itself: offset is ignored, the total counts every
			# match whatever the page, and per_page=1 always claims a single page.
			start = (query.page - 1) * query.per_page
			chunk = hooks[start : start + query.per_page]
			total = len(hooks)
			pages = math.ceil(total / query.per_page) if query.per_page > 1 else 1
			headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
			link = link_header(f"{self.url}/wp-json/wc/v3/webhooks", query.sanitized, query.page, pages)
			if link:
				headers["Link"] = link
			body = [h.as_json(self._store_clock) for h in chunk]
		return Response(200, body, headers=headers)

	def _webhook_get(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			return Response(200, self._webhook(request).as_json(self._store_clock))

	def _validate_topic(self, topic: str) -> None:
		if topic not in TOPIC_HOOKS and not topic.startswith("action."):
			raise invalid_params({"topic": ("rest_invalid_param", "Webhook topic is invalid.")})

	def _webhook_create(self, request: Request, kind: str) -> Response:
		body = request.body if isinstance(request.body, dict) else {}
		missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
		if missing:
			raise RestError(
				400,
				"rest_missing_callback_param",
				f"Missing parameter(s): {', '.join(missing)}",
				params=missing,
			)
		self._check_webhook_status(body)
		self._require(request, kind)
		self._validate_topic(str(body["topic"]))
		# WooCommerce 8.4 creates every webhook active, whatever `status` says, and pings it after
		# the answer is built (so the answer never shows the ping's date_modified).
		hook_id = self.add_webhook(
			str(body["topic"]),
			str(body["delivery_url"]),
			str(body.get("secret") or ""),
			str(body["name"]) if body.get("name") else None,
			ping=False,
		)
		with self._lock:
			hook = self._webhooks.hooks[hook_id]
			answer = hook.as_json(self._store_clock)
		self._webhooks.ping(hook)
		return Response(201, answer, headers={"Location": f"{self.url}/wp-json/wc/v3/webhooks/{hook_id}"})

	@staticmethod
	def _check_webhook_status(body: dict[str, Any]) -> None:
		"""The schema's enum, checked by WordPress before the controller runs."""
		if "status" in body and body["status"] not in WEBHOOK_STATUSES:
			message = "status is not one of active, paused, and disabled."
			raise invalid_params({"status": ("rest_not_in_enum", message)})

	def _webhook_update(self, request: Request, kind: str) -> Response:
		body = request.body if isinstance(request.body, dict) else {}
		self._check_webhook_status(body)
		self._require(request, kind)
		with self._lock:
			hook = self._webhook(request)
			if body.get("topic"):
				self._validate_topic(str(body["topic"]))
				hook.topic = str(body["topic"])
			for name in ("name", "status", "delivery_url", "secret"):
				if body.get(name) is not None:
					setattr(hook, name, str(body[name]))
			if body.get("status") == "active":
				hook.failure_count = 0
			hook.modified = self.now()
			return Response(200, hook.as_json(self._store_clock))

	def _webhook_delete(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		if not truthy(request.params.get("force", "")):
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
		with self._lock:
			hook = self._webhook(request, deleting=True)
			del self._webhooks.hooks[hook.id]
			return Response(200, hook.as_json(self._store_clock))

	# -- shop information -------------------------------------------------------------------

	def _taxes_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self._store_clock, ("id", "order", "priority"), "order", status_enum=None
		)
		self._require(request, kind)
		rates = sorted(self.tax_rates.values(), key=lambda r: (r.order, r.id), reverse=query.order == "desc")
		if "order" not in request.params:
			rates.sort(key=lambda r: (r.order, r.id))
		chunk, headers = self._page(request, query, rates, "taxes")
		return Response(200, [rate.as_json() for rate in chunk], headers=headers)

	def _index(self) -> dict[str, Any]:
		return site_index(
			self.url, self.timezone, self._store_clock.gmt_offset_hours(self.now()), self._https
		)

	def _namespace_index(self, request: Request, kind: str) -> Response:
		return Response(
			200, {"namespace": "wc/v3", "routes": {}, "_links": {"up": [{"href": f"{SHOP_URL}/wp-json/"}]}}
		)

	def _system_status(self, request: Request, kind: str) -> Response:
		self._require(request, kind)
		with self._lock:
			products = sum(1 for p in self._products.values() if not p.get("parent_id"))
			variations = len(self._products) - products
			body = system_status(
				self.currency, self._https, products, variations, len(self._coupons), len(self._orders)
			)
		return Response(200, body)


def _timestamp(text: str | None) -> float:
	moment = parse_wp_date(text)
	return moment.timestamp() if moment else 0.0


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
