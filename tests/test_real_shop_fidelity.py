"""Fidelity of the test shop: the same requests to a real WooCommerce and to the test shop.

Runs only when a real shop is configured (a WordPress 6.4 + WooCommerce 8.4 over plain http,
set up like the recorded sandbox: Europe/Berlin, EUR, 19 % / 7 % taxes, flat-rate shipping 4.90,
products ESP-1KG, MUG-CER, FRO-01, TSHIRT with TSHIRT-S / TSHIRT-M, coupon welcome10):

    WOO_REAL_SHOP_URL=http://127.0.0.1:8080 WOO_REAL_SHOP_KEY=ck_... WOO_REAL_SHOP_SECRET=cs_... \\
        pytest tests/test_real_shop_fidelity.py

Each check sends one request to both shops and compares status codes, error codes and messages,
the relevant headers, field names and JSON types (recursively) and, where both shops got the same
input, the values that follow from it (totals, taxes, statuses). Ids, dates and keys differ by
nature and are compared only by type and format. Every difference names the request and both
answers. WOO_FIDELITY_REPORT=path writes all of them to a JSON file as well.

The real shop keeps what the test creates (orders, notes, refunds, a webhook is deleted again);
every list query is narrowed with include= so earlier runs do not matter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from woocommerce_fusion.engine.client import RetryPolicy, WooCommerceClient, oauth_query

REAL_URL = os.environ.get("WOO_REAL_SHOP_URL", "")
REAL_KEY = os.environ.get("WOO_REAL_SHOP_KEY", "")
REAL_SECRET = os.environ.get("WOO_REAL_SHOP_SECRET", "")

pytestmark = pytest.mark.skipif(
	not (REAL_URL and REAL_KEY and REAL_SECRET),
	reason="no real WooCommerce configured (WOO_REAL_SHOP_URL, WOO_REAL_SHOP_KEY, WOO_REAL_SHOP_SECRET)",
)

API = "/wp-json/wc/v3/"
WEBHOOK_WAIT_SECONDS = 180.0
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
# Values that differ between two shops by nature: compared by JSON type only.
VOLATILE_KEYS = frozenset(
	{
		"id",
		"number",
		"order_key",
		"cart_hash",
		"payment_url",
		"href",
		"order_id",
		"product_id",
		"variation_id",
		"parent_id",
		"customer_user_agent",
		"customer_ip_address",
		"_refunded_item_id",
		"permalink",
		"stock_quantity",
		"total_sales",
		"stock_status",
		"related_ids",
		"variations",
		"menu_order",
		"instance_id",
		"store_id",
		"usage_count",
		"_wp_trash_meta_time",
		"date",
		"used_by",
	}
)
# Keys whose type even the real shop does not keep from one call to the next.
UNSTABLE_KEYS = frozenset({"remote_post_response", "remote_get_response"})
REPORT: list[dict[str, str]] = []
# A list query that is empty on any shop (no order has that id), so a shop's history does not matter.
EMPTY_LIST = {"per_page": 1, "include": 999999}


# -- the two shops ---------------------------------------------------------------------------


@dataclass
class Side:
	name: str
	url: str
	key: str
	secret: str
	nudge: Callable[[], None] = lambda: None
	skus: dict[str, int] = field(default_factory=dict)

	def __post_init__(self) -> None:
		self.url = self.url.rstrip("/")
		self.http = requests.Session()
		self.http.headers.update(
			{"User-Agent": "woocommerce_fusion fidelity test", "Accept": "application/json"}
		)
		self.client = WooCommerceClient(
			self.url, self.key, self.secret, timeout=60.0, retry=RetryPolicy(max_attempts=1)
		)

	def endpoint_url(self, path: str, root: bool = False) -> str:
		return self.url + ("/wp-json/" if root else API) + path.strip("/")

	def signed(
		self,
		method: str,
		path: str,
		params: dict[str, Any] | None = None,
		*,
		key: str | None = None,
		secret: str | None = None,
	) -> tuple[str, dict[str, str]]:
		url = self.endpoint_url(path)
		query = {k: str(v) for k, v in (params or {}).items()}
		return url, oauth_query(
			method,
			url,
			query,
			key or self.key,
			secret or self.secret,
			timestamp=str(int(time.time())),
			nonce=secrets.token_hex(20),
		)

	def call(
		self,
		method: str,
		path: str,
		params: dict[str, Any] | None = None,
		body: Any = None,
		*,
		sign: bool = True,
		root: bool = False,
		**kwargs: Any,
	) -> requests.Response:
		if sign and not root:
			url, query = self.signed(method, path, params)
		else:
			url, query = self.endpoint_url(path, root), {k: str(v) for k, v in (params or {}).items()}
		return self.send(method, url, query, body, **kwargs)

	def send(self, method: str, url: str, query: Any, body: Any = None, **kwargs: Any) -> requests.Response:
		data = json.dumps(body) if body is not None else None
		headers = {"Content-Type": "application/json"} if data is not None else {}
		return self.http.request(method, url, params=query, data=data, headers=headers, timeout=60, **kwargs)

	def json(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
		response = self.call(method, path, params, body)
		assert response.status_code < 300, (
			f"{self.name}: {method} {path} -> {response.status_code} {response.text[:300]}"
		)
		return response.json()


def _reachable(side: Side) -> None:
	try:
		side.call("GET", "", root=True).raise_for_status()
	except requests.RequestException as exc:  # pragma: no cover - depends on the machine
		pytest.fail(f"{side.name} at {side.url} does not answer: {exc}")


def _learn_skus(side: Side) -> None:
	for product in side.json("GET", "products", {"per_page": 100, "_fields": "id,sku,type"}):
		side.skus[product["sku"]] = product["id"]
		if product["type"] == "variable":
			for variation in side.json("GET", f"products/{product['id']}/variations", {"_fields": "id,sku"}):
				side.skus[variation["sku"]] = variation["id"]
	missing = {"ESP-1KG", "MUG-CER", "FRO-01", "TSHIRT", "TSHIRT-S", "TSHIRT-M"} - set(side.skus)
	assert not missing, f"{side.name} lacks the recorded catalogue: {sorted(missing)}"


@pytest.fixture(scope="module")
def real() -> Side:
	side = Side("real", REAL_URL, REAL_KEY, REAL_SECRET)

	def nudge() -> None:
		# Webhooks wait in Action Scheduler: WP-Cron runs its queue on page loads, and an admin-ajax
		# hit dispatches the async queue runner at shutdown.
		for path in (f"/wp-cron.php?doing_wp_cron={time.time():.4f}", "/wp-admin/admin-ajax.php"):
			try:
				side.http.get(side.url + path, timeout=30)
			except requests.RequestException:
				pass

	side.nudge = nudge
	_reachable(side)
	_learn_skus(side)
	return side


@pytest.fixture(scope="module")
def fake(real: Side) -> Iterator[Side]:
	if os.environ.get("WOO_FIDELITY_SELF_CHECK"):
		# The real shop against itself: every difference reported then is the comparison's own noise.
		twin = Side("test shop", real.url, real.key, real.secret, real.nudge)
		_learn_skus(twin)
		yield twin
		return
	shop_module = pytest.importorskip("woocommerce_fusion.testing.shop")
	with shop_module.TestShop().start() as shop:
		side = Side("test shop", shop.url, shop.consumer_key, shop.consumer_secret)
		flush = getattr(shop, "flush_webhooks", None)
		if callable(flush):
			side.nudge = flush
		_reachable(side)
		_learn_skus(side)
		yield side


@pytest.fixture(scope="module")
def both(real: Side, fake: Side) -> tuple[Side, Side]:
	return real, fake


@pytest.fixture(scope="module", autouse=True)
def _write_report() -> Iterator[None]:
	yield
	target = os.environ.get("WOO_FIDELITY_REPORT")
	if target:
		with open(target, "w", encoding="utf-8") as handle:
			json.dump(REPORT, handle, indent=1)


# -- comparing -------------------------------------------------------------------------------


class Diffs:
	def __init__(self, test: str):
		self.test = test
		self.items: list[str] = []

	def add(self, request: str, what: str) -> None:
		self.items.append(f"{request}: {what}")
		REPORT.append({"test": self.test, "request": request, "difference": what})

	def check(self) -> None:
		assert not self.items, "test shop differs from the real WooCommerce:\n  " + "\n  ".join(self.items)


@pytest.fixture
def diffs(request) -> Diffs:
	return Diffs(request.node.name)


def jtype(value: Any) -> str:
	if value is None:
		return "null"
	if isinstance(value, bool):
		return "bool"
	if isinstance(value, int):
		return "int"
	if isinstance(value, float):
		return "float"
	if isinstance(value, str):
		return "str"
	if isinstance(value, list):
		return "list"
	return "object"


def short(value: Any, limit: int = 120) -> str:
	text = json.dumps(value, ensure_ascii=False)
	return text if len(text) <= limit else text[: limit - 3] + "..."


def compare(
	out: Diffs,
	request: str,
	real: Any,
	test: Any,
	path: str = "$",
	*,
	values: bool = False,
	lengths: bool = True,
	ignore: frozenset[str] = VOLATILE_KEYS,
	key: str = "",
) -> None:
	"""Same field names and JSON types, recursively; with values=True also equal values.

	Keys named in `ignore`, date_* keys and keys ending in _gmt are compared by type only; dates
	must have WooCommerce's format (no offset) on both sides.
	"""
	kind_real, kind_test = jtype(real), jtype(test)
	if kind_real != kind_test:
		out.add(request, f"{path}: real {kind_real} {short(real)} vs test shop {kind_test} {short(test)}")
		return
	if kind_real == "object":
		only_real = sorted(set(real) - set(test))
		only_test = sorted(set(test) - set(real))
		if only_real:
			out.add(request, f"{path}: keys only in the real shop: {only_real}")
		if only_test:
			out.add(request, f"{path}: keys only in the test shop: {only_test}")
		# A meta entry whose key is volatile ({"key": "_refunded_item_id", "value": "151"}).
		meta_volatile = isinstance(real.get("key"), str) and real["key"] in ignore and "value" in real
		for name in real:
			if name in UNSTABLE_KEYS:
				continue
			if name in test:
				compare(
					out,
					request,
					real[name],
					test[name],
					f"{path}.{name}",
					values=values and name not in ignore and not (meta_volatile and "value" in name),
					lengths=lengths and name not in ignore,
					ignore=ignore,
					key=name,
				)
		return
	if kind_real == "list":
		if lengths and len(real) != len(test):
			out.add(request, f"{path}: {len(real)} items in the real shop vs {len(test)} in the test shop")
		if not lengths and real and test:
			# Lists of different lengths: every item must look like the real shop's first one.
			for index, item in enumerate(test):
				compare(
					out,
					request,
					real[0],
					item,
					f"{path}[{index}]",
					values=False,
					lengths=False,
					ignore=ignore,
				)
			return
		for index, (item_real, item_test) in enumerate(zip(real, test, strict=False)):
			compare(
				out,
				request,
				item_real,
				item_test,
				f"{path}[{index}]",
				values=values,
				lengths=lengths,
				ignore=ignore,
			)
		return
	is_date = key.startswith("date_") or key.endswith("_gmt")
	if is_date and kind_real == "str":
		for side, value in (("real", real), ("test shop", test)):
			if not DATE_RE.match(value):
				out.add(request, f"{path}: {side} date {value!r} is not YYYY-MM-DDTHH:MM:SS")
		return
	if values and not is_date and key not in ignore and real != test:
		out.add(request, f"{path}: real {short(real)} vs test shop {short(test)}")


def link_rels(response: requests.Response) -> dict[str, dict[str, str]]:
	"""rel -> the Link URL's query (oauth_* values dropped, their presence kept)."""
	rels: dict[str, dict[str, str]] = {}
	for rel, link in response.links.items():
		query = dict(parse_qsl(urlsplit(link["url"]).query))
		rels[rel] = {k: ("<varies>" if k.startswith(("oauth_", "include")) else v) for k, v in query.items()}
	return rels


def compare_responses(
	out: Diffs,
	request: str,
	real: requests.Response,
	test: requests.Response,
	*,
	body: bool = True,
	values: bool = False,
	lengths: bool = True,
	ignore: frozenset[str] = VOLATILE_KEYS,
	totals: bool = True,
) -> None:
	"""Status, the headers a client reads, the error fields and the body's shape."""
	if real.status_code != test.status_code:
		out.add(
			request, f"status real {real.status_code} vs test shop {test.status_code} ({test.text[:200]})"
		)
	media_real = real.headers.get("Content-Type", "").lower().replace(" ", "")
	media_test = test.headers.get("Content-Type", "").lower().replace(" ", "")
	if media_real != media_test:
		out.add(request, f"Content-Type real {media_real!r} vs test shop {media_test!r}")
	for name in ("X-WP-Total", "X-WP-TotalPages"):
		value_real, value_test = real.headers.get(name), test.headers.get(name)
		if (value_real is None) != (value_test is None) or (totals and value_real != value_test):
			out.add(request, f"{name} real {value_real!r} vs test shop {value_test!r}")
	rels_real, rels_test = link_rels(real), link_rels(test)
	if set(rels_real) != set(rels_test):
		out.add(request, f"Link rels real {sorted(rels_real)} vs test shop {sorted(rels_test)}")
	for rel in set(rels_real) & set(rels_test):
		if rel.startswith("http"):
			continue
		query_real, query_test = rels_real[rel], rels_test[rel]
		if query_real != query_test:
			only_real = {k: v for k, v in query_real.items() if k not in query_test}
			only_test = {k: v for k, v in query_test.items() if k not in query_real}
			changed = {
				k: (v, query_test[k]) for k, v in query_real.items() if k in query_test and query_test[k] != v
			}
			out.add(
				request,
				f"Link rel={rel} URL query: only in the real shop {only_real}, only in the test shop {only_test}, "
				f"different values (real, test) {changed}",
			)
	if ("Location" in real.headers) != ("Location" in test.headers):
		out.add(
			request,
			f"Location real {real.headers.get('Location')!r} vs test shop {test.headers.get('Location')!r}",
		)
	if not body:
		return
	try:
		json_real = real.json()
	except ValueError:
		out.add(request, f"real body is not JSON: {real.text[:120]!r}")
		return
	try:
		json_test = test.json()
	except ValueError:
		out.add(request, f"test shop body is not JSON: {test.text[:120]!r}")
		return
	if real.status_code >= 400 and isinstance(json_real, dict) and isinstance(json_test, dict):
		for name in ("code", "message"):
			if json_real.get(name) != json_test.get(name):
				out.add(
					request, f"error {name} real {json_real.get(name)!r} vs test shop {json_test.get(name)!r}"
				)
		compare(out, request, json_real, json_test, values=False)
		return
	compare(out, request, json_real, json_test, values=values, lengths=lengths, ignore=ignore)


def both_call(
	pair: tuple[Side, Side],
	method: str,
	path: str | Callable[[Side], str],
	params: Any = None,
	body: Any = None,
	**kwargs: Any,
) -> tuple[requests.Response, requests.Response, str]:
	"""The same request to both shops; path, params and body may be functions of the shop."""
	responses = []
	for side in pair:
		p = path(side) if callable(path) else path
		q = params(side) if callable(params) else params
		b = body(side) if callable(body) else body
		responses.append(side.call(method, p, q, b, **kwargs))
	shown_path = path(pair[0]) if callable(path) else path
	shown_params = params(pair[0]) if callable(params) else params
	label = f"{method} {'/wp-json/' if kwargs.get('root') else API}{shown_path}"
	if shown_params:
		label += "?" + "&".join(f"{k}={v}" for k, v in shown_params.items())
	return responses[0], responses[1], label


# -- orders both shops get ---------------------------------------------------------------------

ADDRESS = {
	"first_name": "Lukas",
	"last_name": "Meyer",
	"company": "Meyer GmbH",
	"address_1": "Leopoldstrasse 5",
	"address_2": "",
	"city": "Muenchen",
	"state": "BY",
	"postcode": "80802",
	"country": "DE",
}
SHIPPING_LINE = {"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}


def order_payloads(side: Side) -> dict[str, dict[str, Any]]:
	ids = side.skus
	billing = dict(ADDRESS, email="lukas.meyer@example.com", phone="+49 89 555000")
	return {
		"paid": {
			"status": "processing",
			"payment_method": "stripe",
			"payment_method_title": "Credit Card (Stripe)",
			"set_paid": True,
			"transaction_id": "ch_fidelity0001",
			"billing": billing,
			"shipping": dict(ADDRESS, address_1="Werkstrasse 9", postcode="80331"),
			"line_items": [
				{"product_id": ids["TSHIRT"], "variation_id": ids["TSHIRT-M"], "quantity": 2},
				{"product_id": ids["FRO-01"], "quantity": 1},
			],
			"shipping_lines": [SHIPPING_LINE],
			"coupon_lines": [{"code": "welcome10"}],
			"customer_note": "Gift - no invoice in parcel please.",
			"meta_data": [{"key": "_fidelity_source", "value": "test_real_shop_fidelity"}],
		},
		"mixed": {
			"status": "pending",
			"payment_method": "bacs",
			"payment_method_title": "Direct bank transfer",
			"billing": dict(
				billing, email="erika.muster@example.com", first_name="Erika", last_name="Muster"
			),
			"line_items": [
				{"product_id": ids["ESP-1KG"], "quantity": 1},
				{"product_id": ids["MUG-CER"], "quantity": 2},
			],
			"shipping_lines": [SHIPPING_LINE],
		},
		"fees": {
			"status": "on-hold",
			"payment_method": "cod",
			"payment_method_title": "Cash on delivery",
			"billing": dict(billing, email="guest.fees@example.com"),
			"line_items": [
				{"product_id": ids["MUG-CER"], "quantity": 1},
				{"product_id": ids["ESP-1KG"], "quantity": 1},
			],
			"fee_lines": [
				{"name": "Gift wrap", "total": "2.50", "tax_class": "", "tax_status": "taxable"},
				{"name": "Loyalty discount", "total": "-3.00", "tax_status": "taxable"},
			],
			"shipping_lines": [SHIPPING_LINE],
		},
	}


@dataclass
class Created:
	response: requests.Response
	order: dict[str, Any]


@pytest.fixture(scope="module")
def orders(both: tuple[Side, Side]) -> dict[str, dict[str, Created]]:
	"""name -> side name -> the POST /orders answer; created in the same order on both shops."""
	made: dict[str, dict[str, Created]] = {}
	for side in both:
		for name, payload in order_payloads(side).items():
			response = side.call("POST", "orders", None, payload)
			assert response.status_code == 201, (
				f"{side.name}: POST orders ({name}) -> {response.status_code} {response.text[:300]}"
			)
			made.setdefault(name, {})[side.name] = Created(response, response.json())
	return made


def order_ids(orders: dict[str, dict[str, Created]], side: Side) -> list[int]:
	return sorted(created[side.name].order["id"] for created in orders.values())


def new_order(side: Side, name: str = "mixed") -> dict[str, Any]:
	return side.json("POST", "orders", None, order_payloads(side)[name])


# -- tests -----------------------------------------------------------------------------------


def test_site_index(both, diffs):
	real, fake = both
	r, t, label = both_call(both, "GET", "", root=True, sign=False)
	compare_responses(diffs, label, r, t, body=False)
	index_real, index_test = r.json(), t.json()
	missing = sorted(set(index_real) - set(index_test))
	extra = sorted(set(index_test) - set(index_real))
	if missing or extra:
		diffs.add(label, f"top-level keys only in the real shop {missing}, only in the test shop {extra}")
	for name in ("name", "url", "home", "gmt_offset", "timezone_string", "namespaces"):
		if name in index_real and name in index_test and jtype(index_real[name]) != jtype(index_test[name]):
			diffs.add(label, f"{name}: real {short(index_real[name])} vs test shop {short(index_test[name])}")
	for name in ("gmt_offset", "timezone_string"):
		if index_real.get(name) != index_test.get(name):
			diffs.add(label, f"{name}: real {index_real.get(name)!r} vs test shop {index_test.get(name)!r}")
	if "wc/v3" not in index_test.get("namespaces", []):
		diffs.add(label, "namespaces of the test shop lack wc/v3")
	compare(diffs, "client.site_index()", real.client.site_index(), fake.client.site_index())
	diffs.check()


def test_authentication_errors(both, diffs):
	cases: list[tuple[str, Callable[[Side], requests.Response]]] = [
		(
			"OAuth 1.0a HMAC-SHA256 in the query over http",
			lambda s: s.send("GET", *s.signed("GET", "orders", EMPTY_LIST)),
		),
		("no credentials", lambda s: s.send("GET", s.endpoint_url("orders"), {})),
		(
			"OAuth with an unknown consumer key",
			lambda s: s.send("GET", *s.signed("GET", "orders", key="ck_" + "0" * 40)),
		),
		(
			"OAuth signed with a wrong secret",
			lambda s: s.send("GET", *s.signed("GET", "orders", secret="cs_wrong")),
		),
		(
			"HTTP Basic over http",
			lambda s: s.send("GET", s.endpoint_url("orders"), {}, auth=(s.key, s.secret)),
		),
		(
			"consumer_key/consumer_secret in the query over http",
			lambda s: s.send(
				"GET", s.endpoint_url("orders"), {"consumer_key": s.key, "consumer_secret": s.secret}
			),
		),
		("OAuth with a timestamp 20 minutes old", lambda s: s.send("GET", *_stale_signed(s, -1200))),
		("OAuth with a timestamp 20 minutes ahead", lambda s: s.send("GET", *_stale_signed(s, 1200))),
		(
			"OAuth without oauth_signature",
			lambda s: s.send("GET", *_without(s.signed("GET", "orders"), "oauth_signature")),
		),
		(
			"OAuth with oauth_signature_method=PLAINTEXT",
			lambda s: s.send("GET", *_replace(s.signed("GET", "orders"), oauth_signature_method="PLAINTEXT")),
		),
	]
	for label, send in cases:
		r, t = (send(side) for side in both)
		compare_responses(diffs, f"GET {API}orders [{label}]", r, t, totals=False)
	# The same signed URL twice: the second is refused.
	replies = []
	for side in both:
		url, query = side.signed("GET", "orders", EMPTY_LIST)
		first = side.send("GET", url, query)
		replies.append((first, side.send("GET", url, query)))
	(r1, r2), (t1, t2) = replies
	compare_responses(diffs, f"GET {API}orders [nonce, first use]", r1, t1, totals=False)
	compare_responses(diffs, f"GET {API}orders [same nonce replayed]", r2, t2)
	diffs.check()


def _stale_signed(side: Side, shift: int) -> tuple[str, dict[str, str]]:
	url = side.endpoint_url("orders")
	return url, oauth_query(
		"GET",
		url,
		{},
		side.key,
		side.secret,
		timestamp=str(int(time.time()) + shift),
		nonce=secrets.token_hex(20),
	)


def _without(signed: tuple[str, dict[str, str]], name: str) -> tuple[str, dict[str, str]]:
	url, query = signed
	return url, {k: v for k, v in query.items() if k != name}


def _replace(signed: tuple[str, dict[str, str]], **changes: str) -> tuple[str, dict[str, str]]:
	url, query = signed
	return url, {**query, **changes}


@pytest.mark.parametrize(
	"path,params",
	[
		("orders", {"per_page": 101}),
		("orders", {"per_page": 0}),
		("orders", {"page": 0}),
		("orders", {"orderby": "date_modified"}),
		("orders", {"status": "bogus"}),
		("orders", {"modified_after": "yesterday"}),
		("orders", {"include": "abc"}),
		("orders/999999", None),
		("orders/999999/notes", None),
		("orders/999999/refunds", None),
		("products/999999", None),
		("products/999999/variations", None),
		("webhooks/999999", None),
		("nonexistent", None),
	],
)
def test_read_errors(both, diffs, path, params):
	r, t, label = both_call(both, "GET", path, params)
	compare_responses(diffs, label, r, t)
	diffs.check()


def test_orders_list_paging(both, orders, diffs):
	def include(side: Side) -> str:
		return ",".join(str(i) for i in order_ids(orders, side))

	for page in (1, 2, 3, 99):
		r, t, label = both_call(
			both,
			"GET",
			"orders",
			lambda s, page=page: {
				"include": include(s),
				"per_page": 2,
				"page": page,
				"orderby": "id",
				"order": "asc",
			},
		)
		compare_responses(diffs, label, r, t, values=True)
	# Default order (date desc) and status filters over the same three orders.
	for extra in (
		{},
		{"status": "processing,on-hold"},
		{"status": "any"},
		{"orderby": "modified", "order": "asc"},
	):
		r, t, label = both_call(
			both, "GET", "orders", lambda s, extra=extra: {"include": include(s), **extra}
		)
		compare_responses(diffs, label, r, t, values=True)
		statuses_real = [o["status"] for o in r.json()] if r.ok else None
		statuses_test = [o["status"] for o in t.json()] if t.ok else None
		if statuses_real != statuses_test:
			diffs.add(label, f"statuses in list order: real {statuses_real} vs test shop {statuses_test}")
	# The client's page iterator.
	pages_real, pages_test = (
		[
			(p.page, len(p.items), p.total, p.total_pages)
			for p in side.client.iter_pages("orders", {"include": include(side), "per_page": 2})
		]
		for side in both
	)
	if pages_real != pages_test:
		diffs.add(
			"client.iter_pages('orders', include=..., per_page=2)",
			f"real {pages_real} vs test shop {pages_test}",
		)
	diffs.check()


def test_order_create_answer(orders, diffs):
	for name, created in orders.items():
		real, test = created["real"], created["test shop"]
		compare_responses(diffs, f"POST {API}orders [{name}]", real.response, test.response, values=True)
	diffs.check()


def test_order_get(both, orders, diffs):
	for name, created in orders.items():
		r, t, label = both_call(both, "GET", lambda s, c=created: f"orders/{c[s.name].order['id']}")
		compare_responses(diffs, f"{label} [{name}]", r, t, values=True)
		for side, response in zip(both, (r, t), strict=False):
			if response.ok and response.json() != created[side.name].order:
				changed = sorted(
					k for k, v in response.json().items() if created[side.name].order.get(k) != v
				)
				if changed:
					diffs.add(
						f"{label} [{name}]", f"{side.name}: GET differs from the POST answer in {changed}"
					)
	diffs.check()


def test_order_dates_are_store_local_and_utc(both, orders, diffs):
	offsets = {}
	for side in both:
		index = side.call("GET", "", root=True).json()
		offsets[side.name] = float(index.get("gmt_offset") or 0)
		order = orders["paid"][side.name].order
		for name in ("date_created", "date_modified", "date_paid"):
			local, utc = order.get(name), order.get(name + "_gmt")
			if local and utc:
				shift = (datetime.fromisoformat(local) - datetime.fromisoformat(utc)).total_seconds() / 3600
				if shift != offsets[side.name]:
					diffs.add(
						f"POST {API}orders [paid]",
						f"{side.name}: {name} - {name}_gmt = {shift} h, gmt_offset {offsets[side.name]}",
					)
	if offsets["real"] != offsets["test shop"]:
		diffs.add("GET /wp-json/", f"gmt_offset real {offsets['real']} vs test shop {offsets['test shop']}")
	diffs.check()


def test_order_update_status(both, diffs):
	made = {side.name: new_order(side, "paid") for side in both}
	r, t, label = both_call(
		both, "PUT", lambda s: f"orders/{made[s.name]['id']}", None, {"status": "completed"}
	)
	compare_responses(diffs, label + ' {"status": "completed"}', r, t, values=True)
	for side, response in zip(both, (r, t), strict=False):
		if response.ok:
			order = response.json()
			if not order.get("date_completed"):
				diffs.add(label, f"{side.name}: date_completed not set")
			if order["date_modified_gmt"] < made[side.name]["date_modified_gmt"]:
				diffs.add(label, f"{side.name}: date_modified went backwards")
	# An unknown status and an unknown order.
	r, t, label = both_call(
		both, "PUT", lambda s: f"orders/{made[s.name]['id']}", None, {"status": "shipped"}
	)
	compare_responses(diffs, label + ' {"status": "shipped"}', r, t)
	r, t, label = both_call(both, "PUT", "orders/999999", None, {"status": "completed"})
	compare_responses(diffs, label, r, t)
	diffs.check()


def test_order_lines_of_a_deleted_product(both, diffs):
	"""A product deleted for good: its lines keep their name and amounts, and lose the product."""
	made = {}
	for side in both:
		product = side.json(
			"POST",
			"products",
			None,
			{"name": "Fidelity Grinder", "regular_price": "12.50", "sku": f"FID-{secrets.token_hex(5)}"},
		)
		lines = [
			{"product_id": product["id"], "quantity": 3},
			{"product_id": side.skus["MUG-CER"], "quantity": 1},
		]
		made[side.name] = side.json(
			"POST", "orders", None, {**order_payloads(side)["mixed"], "line_items": lines}
		)
		side.json("DELETE", f"products/{product['id']}", {"force": "true"})
	r, t, label = both_call(both, "GET", lambda s: f"orders/{made[s.name]['id']}")
	compare_responses(diffs, label + " [product deleted]", r, t, values=True)
	for side, response in zip(both, (r, t), strict=False):
		if response.ok:
			gone = response.json()["line_items"][0]
			if (gone["product_id"], gone["variation_id"], gone["sku"]) != (0, 0, None):
				diffs.add(label, f"{side.name}: the deleted product's line is {short(gone)}")
			if response.json()["date_modified_gmt"] != made[side.name]["date_modified_gmt"]:
				diffs.add(label, f"{side.name}: deleting the product moved the order's date_modified")
	diffs.check()


def test_order_trash_and_delete(both, diffs):
	made = {side.name: new_order(side, "mixed") for side in both}

	def path(side: Side) -> str:
		return f"orders/{made[side.name]['id']}"

	r, t, label = both_call(both, "DELETE", path)
	compare_responses(diffs, label + " (trash)", r, t, values=True)
	for side, response in zip(both, (r, t), strict=False):
		if response.ok and response.json()["status"] != made[side.name]["status"]:
			diffs.add(
				label,
				f"{side.name}: DELETE answered status {response.json()['status']!r}, not the status before",
			)
	r, t, label = both_call(both, "GET", path)
	compare_responses(diffs, label + " (trashed)", r, t, values=True)
	for side, response in zip(both, (r, t), strict=False):
		if response.ok and response.json()["status"] != "trash":
			diffs.add(label, f"{side.name}: a trashed order GETs as {response.json()['status']!r}")
	for params in ({}, {"status": "trash"}, {"status": "any"}):
		r, t, label = both_call(
			both,
			"GET",
			"orders",
			lambda s, p=params: {"include": made[s.name]["id"], "_fields": "id,status", **p},
		)
		compare_responses(diffs, label, r, t, values=True)
	r, t, label = both_call(both, "DELETE", path)
	compare_responses(diffs, label + " (trash a trashed order again)", r, t)
	r, t, label = both_call(both, "DELETE", path, {"force": "true"})
	compare_responses(diffs, label, r, t, values=True)
	r, t, label = both_call(both, "GET", path)
	compare_responses(diffs, label + " (after force delete)", r, t)
	diffs.check()


def test_modified_after(both, diffs):
	"""The windows a sync would ask for, around one order's date_modified, on each shop."""
	outcomes: dict[str, dict[str, list[int]]] = {}
	for side in both:
		offset = timedelta(hours=float(side.call("GET", "", root=True).json().get("gmt_offset") or 0))
		order = new_order(side, "mixed")
		order = side.json("PUT", f"orders/{order['id']}", None, {"status": "processing"})
		modified = datetime.fromisoformat(order["date_modified_gmt"])
		before, after = modified - timedelta(seconds=2), modified + timedelta(seconds=2)

		def fmt(moment: datetime) -> str:
			return moment.strftime("%Y-%m-%dT%H:%M:%S")

		queries = {
			"utc before, dates_are_gmt": {"modified_after": fmt(before), "dates_are_gmt": "true"},
			"utc after, dates_are_gmt": {"modified_after": fmt(after), "dates_are_gmt": "true"},
			"utc after, no flag (read as local)": {"modified_after": fmt(after)},
			"local before, no flag": {"modified_after": fmt(before + offset)},
			"local after, no flag": {"modified_after": fmt(after + offset)},
			"utc after with Z": {"modified_after": fmt(after) + "Z"},
			"utc before with Z": {"modified_after": fmt(before) + "Z"},
			"local after with offset": {"modified_after": fmt(after + offset) + _offset_text(offset)},
			"local before, dates_are_gmt=false": {
				"modified_after": fmt(before + offset),
				"dates_are_gmt": "false",
			},
			"utc before, modified_before utc after, dates_are_gmt": {
				"modified_after": fmt(before),
				"modified_before": fmt(after),
				"dates_are_gmt": "true",
			},
		}
		results = {}
		for name, query in queries.items():
			response = side.call("GET", "orders", {"include": order["id"], "_fields": "id", **query})
			results[name] = (
				[o["id"] == order["id"] for o in response.json()]
				if response.ok
				else [f"HTTP {response.status_code}"]
			)
		outcomes[side.name] = results
	for name, found in outcomes["real"].items():
		if found != outcomes["test shop"][name]:
			diffs.add(
				f"GET {API}orders?modified_after=... [{name}]",
				f"order found: real {found} vs test shop {outcomes['test shop'][name]}",
			)
	diffs.check()


def _offset_text(offset: timedelta) -> str:
	minutes = int(offset.total_seconds() // 60)
	sign = "+" if minutes >= 0 else "-"
	return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def test_orders_batch(both, diffs):
	made = {side.name: (new_order(side, "mixed"), new_order(side, "fees")) for side in both}

	def body(side: Side) -> dict[str, Any]:
		keep, drop = made[side.name]
		return {
			"create": [order_payloads(side)["fees"]],
			"update": [{"id": keep["id"], "status": "processing"}, {"id": 999999, "status": "completed"}],
			"delete": [drop["id"], 999998],
		}

	r, t, label = both_call(both, "POST", "orders/batch", None, body)
	compare_responses(diffs, label, r, t, values=True)
	r, t, label = both_call(both, "GET", lambda s: f"orders/{made[s.name][1]['id']}")
	compare_responses(diffs, label + " (deleted through batch)", r, t)
	r, t, label = both_call(both, "POST", "orders/batch", None, {"update": [{"id": 1, "status": "bogus"}]})
	compare_responses(diffs, label + " (invalid status in an item)", r, t)
	limit = {"update": [{"id": 999990 + i, "status": "completed"} for i in range(101)]}
	r, t, label = both_call(both, "POST", "orders/batch", None, limit)
	compare_responses(diffs, label + " (101 items)", r, t)
	diffs.check()


def test_orders_batch_merges_meta_by_key(both, diffs):
	"""The status push names its document in order meta through orders/batch: a second push of
	the same key replaces the value, other meta stays."""
	made = {side.name: new_order(side, "mixed") for side in both}
	seen: dict[str, list[list[tuple[str, Any]]]] = {}
	for side in both:
		order_id = made[side.name]["id"]
		side.json("PUT", f"orders/{order_id}", None, {"meta_data": [{"key": "other_key", "value": "kept"}]})
		answers = []
		for value in ("Delivery Note DN-1", "Sales Invoice SI-1"):
			update = {"id": order_id, "status": "completed", "meta_data": [{"key": "set_by", "value": value}]}
			answer = side.json("POST", "orders/batch", None, {"update": [update]})["update"][0]
			answers.append(sorted((m["key"], m["value"]) for m in answer["meta_data"] if m["key"][0] != "_"))
		seen[side.name] = answers
	real, test = (seen[side.name] for side in both)
	if real != test:
		diffs.add(f"POST {API}orders/batch (meta_data)", f"meta: real {real} vs test shop {test}")
	diffs.check()


def test_order_notes(both, diffs):
	made = {side.name: new_order(side, "mixed") for side in both}

	def path(side: Side) -> str:
		return f"orders/{made[side.name]['id']}/notes"

	for side in both:
		side.json("PUT", f"orders/{made[side.name]['id']}", None, {"status": "processing"})
	r, t, label = both_call(both, "POST", path, None, {"note": "Synced to ERPNext as SO-0001"})
	compare_responses(diffs, label + " (private)", r, t, values=True)
	r, t, label = both_call(
		both, "POST", path, None, {"note": "Your parcel is on its way.", "customer_note": True}
	)
	compare_responses(diffs, label + " (customer)", r, t, values=True)
	r, t, label = both_call(both, "POST", path, None, {"customer_note": True})
	compare_responses(diffs, label + " (no note text)", r, t)
	for params in ({}, {"type": "customer"}, {"type": "internal"}, {"type": "any"}):
		r, t, label = both_call(both, "GET", path, params)
		# Notes written in the same second come back in no fixed order: compare them as sets.
		compare_responses(diffs, label, r, t, values=False)
		if r.ok and t.ok:
			notes_real, notes_test = _note_set(r.json()), _note_set(t.json())
			for note in notes_real - notes_test:
				diffs.add(label, f"note only in the real shop: {note}")
			for note in notes_test - notes_real:
				diffs.add(label, f"note only in the test shop: {note}")
	diffs.check()


def _note_set(notes: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
	"""(author, customer_note, text with stock counts blanked) of each note."""
	return {
		(
			note.get("author"),
			note.get("customer_note"),
			re.sub(r"-?\d+&rarr;-?\d+", "N&rarr;N", str(note.get("note"))),
		)
		for note in notes
	}


def test_order_refunds(both, diffs):
	made = {side.name: new_order(side, "paid") for side in both}

	def path(side: Side) -> str:
		return f"orders/{made[side.name]['id']}/refunds"

	r, t, label = both_call(
		both, "POST", path, None, {"amount": "14.88", "reason": "Damaged mug", "api_refund": False}
	)
	compare_responses(diffs, label + " (amount only)", r, t, values=True)
	time.sleep(1.1)  # refunds are listed newest first: keep their dates apart

	def line_refund(side: Side) -> dict[str, Any]:
		line = made[side.name]["line_items"][1]
		return {
			"amount": "10.00",
			"reason": "One frother returned",
			"api_refund": False,
			"line_items": [
				{
					"id": line["id"],
					"quantity": 1,
					"refund_total": "8.40",
					"refund_tax": [{"id": 1, "refund_total": "1.60"}],
				}
			],
		}

	r, t, label = both_call(both, "POST", path, None, line_refund)
	compare_responses(diffs, label + " (with a line item)", r, t, values=True)
	time.sleep(1.1)

	def shipping_refund(side: Side) -> dict[str, Any]:
		shipping = made[side.name]["shipping_lines"][0]
		return {
			"amount": "5.83",
			"reason": "Shipping refunded",
			"api_refund": False,
			"line_items": [
				{
					"id": shipping["id"],
					"refund_total": "4.90",
					"refund_tax": [{"id": 1, "refund_total": "0.93"}],
				}
			],
		}

	r, t, label = both_call(both, "POST", path, None, shipping_refund)
	compare_responses(diffs, label + " (of the shipping)", r, t, values=True)
	r, t, label = both_call(both, "POST", path, None, {"amount": "100000.00", "api_refund": False})
	compare_responses(diffs, label + " (more than the order)", r, t)
	r, t, label = both_call(both, "GET", path)
	compare_responses(diffs, label, r, t, values=True)
	r, t, label = both_call(both, "GET", lambda s: f"orders/{made[s.name]['id']}")
	compare_responses(diffs, label + " (after refunds)", r, t, values=True)
	diffs.check()


def test_products_and_variations(both, diffs):
	for sku in ("ESP-1KG", "FRO-01", "TSHIRT"):
		r, t, label = both_call(both, "GET", "products", {"sku": sku})
		compare_responses(diffs, label, r, t, values=True)
		r, t, label = both_call(both, "GET", lambda s, sku=sku: f"products/{s.skus[sku]}")
		compare_responses(diffs, f"{label} [{sku}]", r, t, values=True)
	r, t, label = both_call(both, "GET", lambda s: f"products/{s.skus['TSHIRT']}/variations")
	compare_responses(diffs, label + " [TSHIRT]", r, t, values=True)
	r, t, label = both_call(
		both, "GET", lambda s: f"products/{s.skus['TSHIRT']}/variations/{s.skus['TSHIRT-S']}"
	)
	compare_responses(diffs, label + " [TSHIRT-S]", r, t, values=True)
	stock = {
		side.name: side.json("GET", f"products/{side.skus['TSHIRT']}/variations/{side.skus['TSHIRT-S']}")[
			"stock_quantity"
		]
		for side in both
	}
	r, t, label = both_call(
		both,
		"PUT",
		lambda s: f"products/{s.skus['TSHIRT']}/variations/{s.skus['TSHIRT-S']}",
		None,
		lambda s: {"stock_quantity": stock[s.name]},
	)
	compare_responses(diffs, label + " [same stock]", r, t, values=True)
	r, t, label = both_call(both, "GET", lambda s: f"products/{s.skus['MUG-CER']}/variations")
	compare_responses(diffs, label + " [variations of a simple product]", r, t)
	r, t, label = both_call(
		both, "POST", "products", None, {"name": "Duplicate", "sku": "ESP-1KG", "regular_price": "1.00"}
	)
	compare_responses(diffs, label + " (duplicate SKU)", r, t)
	diffs.check()


def test_products_batch_stock_and_price(both, diffs):
	"""What the stock and price pushes send (engine/catalogue/push.py): manage_stock,
	stock_quantity and regular_price in products/batch and variations/batch, an unknown id inline;
	each side's stock and price are put back afterwards."""
	before = {
		side.name: (
			side.json("GET", f"products/{side.skus['ESP-1KG']}"),
			side.json("GET", f"products/{side.skus['TSHIRT']}/variations/{side.skus['TSHIRT-S']}"),
		)
		for side in both
	}

	def products(stock: int, price: str) -> Callable[[Side], dict[str, Any]]:
		return lambda s: {
			"update": [
				{
					"id": s.skus["ESP-1KG"],
					"manage_stock": True,
					"stock_quantity": stock,
					"regular_price": price,
				},
				{"id": 999999, "manage_stock": True, "stock_quantity": 1},
			]
		}

	for stock, price in ((0, "25.90"), (40, "26.50")):
		r, t, label = both_call(both, "POST", "products/batch", None, products(stock, price))
		# An edit answer names the site's own address in permalink_template.
		ignore = VOLATILE_KEYS | {"permalink_template"}
		compare_responses(diffs, f"{label} [stock {stock}]", r, t, values=True, ignore=ignore)
	r, t, label = both_call(
		both,
		"POST",
		lambda s: f"products/{s.skus['TSHIRT']}/variations/batch",
		None,
		lambda s: {"update": [{"id": s.skus["TSHIRT-S"], "manage_stock": True, "stock_quantity": 0}]},
	)
	compare_responses(diffs, label + " [TSHIRT-S stock 0]", r, t, values=True)
	for side in both:
		product, variation = before[side.name]
		side.call(
			"PUT",
			f"products/{product['id']}",
			None,
			{k: product[k] for k in ("manage_stock", "stock_quantity", "regular_price")},
		)
		side.call(
			"PUT",
			f"products/{product['id']}/variations/{variation['id']}",
			None,
			{k: variation[k] for k in ("manage_stock", "stock_quantity")},
		)
	diffs.check()


def test_system_status(both, diffs):
	r, t, label = both_call(both, "GET", "system_status")
	compare_responses(diffs, label, r, t, lengths=False)
	if r.ok and t.ok:
		for section in ("settings",):
			for name in ("currency", "currency_symbol", "number_of_decimals", "HPOS_enabled", "api_enabled"):
				value_real, value_test = r.json()[section].get(name), (t.json().get(section) or {}).get(name)
				if value_real != value_test:
					diffs.add(label, f"{section}.{name}: real {value_real!r} vs test shop {value_test!r}")
		for name in ("version", "wp_version"):
			value_real, value_test = (
				r.json()["environment"].get(name),
				(t.json().get("environment") or {}).get(name),
			)
			if value_real != value_test:
				diffs.add(label, f"environment.{name}: real {value_real!r} vs test shop {value_test!r}")
	diffs.check()


# -- webhooks --------------------------------------------------------------------------------


@dataclass
class Received:
	path: str
	headers: dict[str, str]
	body: bytes
	at: float


class Receiver:
	def __init__(self) -> None:
		self.items: list[Received] = []
		self.lock = threading.Lock()
		receiver = self

		class Handler(http.server.BaseHTTPRequestHandler):
			def do_POST(self) -> None:  # noqa: N802 - http.server's name
				length = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(length)
				with receiver.lock:
					receiver.items.append(Received(self.path, dict(self.headers.items()), body, time.time()))
				self.send_response(200)
				self.send_header("Content-Length", "2")
				self.end_headers()
				self.wfile.write(b"ok")

			def log_message(self, *args: Any) -> None:
				pass

		self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
		self.thread.start()
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

	def matching(self, predicate: Callable[[Received], bool]) -> list[Received]:
		with self.lock:
			return [item for item in self.items if predicate(item)]

	def close(self) -> None:
		self.server.shutdown()
		self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
	running = Receiver()
	yield running
	running.close()


def _wait_for(side: Side, receiver: Receiver, predicate: Callable[[Received], bool]) -> Received | None:
	deadline = time.monotonic() + WEBHOOK_WAIT_SECONDS
	while time.monotonic() < deadline:
		found = receiver.matching(predicate)
		if found:
			return found[-1]
		side.nudge()
		time.sleep(1.0)
	return None


def _header(item: Received, name: str) -> str | None:
	for key, value in item.headers.items():
		if key.lower() == name.lower():
			return value
	return None


def test_webhook_ping_and_delivery(both, receiver, diffs):
	secret = "fidelity-" + secrets.token_hex(8)
	hooks: dict[str, dict[str, Any]] = {}
	pings: dict[str, Received | None] = {}
	try:
		for side in both:
			path = f"/hook/{side.name.replace(' ', '-')}"
			body = {
				"name": f"fidelity {side.name}",
				"topic": "order.updated",
				"delivery_url": receiver.url + path,
				"secret": secret,
				"status": "active",
			}
			response = side.call("POST", "webhooks", None, body)
			hooks[side.name] = {
				"response": response,
				"path": path,
				"id": response.json().get("id") if response.ok else None,
			}
			# The ping is sent during the POST: it must be there when the answer is.
			pings[side.name] = next(iter(receiver.matching(lambda item, path=path: item.path == path)), None)
		r, t = hooks["real"]["response"], hooks["test shop"]["response"]
		label = f"POST {API}webhooks"
		compare_responses(diffs, label, r, t, values=True, ignore=VOLATILE_KEYS | {"delivery_url", "name"})
		if t.ok and "secret" in t.json():
			diffs.add(label, "test shop returns the secret")
		ping_real, ping_test = pings["real"], pings["test shop"]
		if (ping_real is None) != (ping_test is None):
			diffs.add(
				"webhook ping",
				f"synchronous ping: real {'yes' if ping_real else 'no'} vs test shop {'yes' if ping_test else 'no'}",
			)
		if ping_real and ping_test:
			_compare_delivery_headers(diffs, "webhook ping", ping_real, ping_test)
			for side, ping in (("real", ping_real), ("test shop", ping_test)):
				expected = f"webhook_id={hooks[side]['id']}".encode()
				if ping.body != expected:
					diffs.add("webhook ping", f"{side}: body {ping.body!r}, expected {expected!r}")
		r, t, label = both_call(both, "GET", lambda s: f"webhooks/{hooks[s.name]['id']}")
		compare_responses(diffs, label, r, t, values=True, ignore=VOLATILE_KEYS | {"delivery_url", "name"})

		# A status change is delivered later, signed, with the order as a GET would show it.
		orders = {side.name: new_order(side, "mixed") for side in both}
		started = time.time()
		for side in both:
			side.json("PUT", f"orders/{orders[side.name]['id']}", None, {"status": "on-hold"})
		deliveries: dict[str, Received | None] = {}
		for side in both:
			path, order_id = hooks[side.name]["path"], orders[side.name]["id"]
			deliveries[side.name] = _wait_for(
				side,
				receiver,
				lambda item, path=path, order_id=order_id: (
					item.path == path
					and item.at >= started
					and _header(item, "X-WC-Webhook-Topic") == "order.updated"
					and json.loads(item.body or b"{}").get("id") == order_id
				),
			)
		delivered_real, delivered_test = deliveries["real"], deliveries["test shop"]
		if delivered_real is None or delivered_test is None:
			diffs.add(
				"order.updated delivery",
				f"delivered within {WEBHOOK_WAIT_SECONDS:.0f} s: real {delivered_real is not None} vs test shop {delivered_test is not None}",
			)
		else:
			_compare_delivery_headers(diffs, "order.updated delivery", delivered_real, delivered_test)
			for side, item in zip(both, (delivered_real, delivered_test), strict=False):
				if _header(item, "X-WC-Webhook-Signature") != _sign(item.body, secret):
					diffs.add(
						"order.updated delivery", f"{side.name}: signature does not verify over the raw body"
					)
				if _header(item, "X-WC-Webhook-Source") != side.url + "/":
					diffs.add(
						"order.updated delivery",
						f"{side.name}: source {_header(item, 'X-WC-Webhook-Source')!r}",
					)
				if _header(item, "X-WC-Webhook-ID") != str(hooks[side.name]["id"]):
					diffs.add(
						"order.updated delivery",
						f"{side.name}: X-WC-Webhook-ID {_header(item, 'X-WC-Webhook-ID')!r}",
					)
				if not re.fullmatch(r"[0-9a-f]{32}", _header(item, "X-WC-Webhook-Delivery-ID") or ""):
					diffs.add(
						"order.updated delivery",
						f"{side.name}: delivery id {_header(item, 'X-WC-Webhook-Delivery-ID')!r}",
					)
				if b"\\/" not in item.body:
					diffs.add(
						"order.updated delivery",
						f"{side.name}: body does not escape slashes like PHP's json_encode",
					)
			payload_real, payload_test = json.loads(delivered_real.body), json.loads(delivered_test.body)
			compare(diffs, "order.updated delivery payload", payload_real, payload_test, values=True)
			for side, payload in zip(both, (payload_real, payload_test), strict=False):
				current = side.json("GET", f"orders/{payload['id']}")
				if set(current) != set(payload):
					diffs.add(
						"order.updated delivery payload",
						f"{side.name}: keys differ from GET orders/{payload['id']}",
					)
	finally:
		for side in both:
			if hooks.get(side.name, {}).get("id"):
				side.call("DELETE", f"webhooks/{hooks[side.name]['id']}", {"force": "true"})
	r, t, label = both_call(both, "GET", "webhooks", {"search": "fidelity-no-such-webhook"})
	compare_responses(diffs, label, r, t)
	diffs.check()


DELIVERY_HEADERS = (
	"Content-Type",
	"User-Agent",
	"X-WC-Webhook-Source",
	"X-WC-Webhook-Topic",
	"X-WC-Webhook-Resource",
	"X-WC-Webhook-Event",
	"X-WC-Webhook-Signature",
	"X-WC-Webhook-ID",
	"X-WC-Webhook-Delivery-ID",
)


def _compare_delivery_headers(diffs: Diffs, label: str, real: Received, test: Received) -> None:
	for name in DELIVERY_HEADERS:
		value_real, value_test = _header(real, name), _header(test, name)
		if (value_real is None) != (value_test is None):
			diffs.add(label, f"header {name}: real {value_real!r} vs test shop {value_test!r}")
		elif name in (
			"Content-Type",
			"User-Agent",
			"X-WC-Webhook-Topic",
			"X-WC-Webhook-Resource",
			"X-WC-Webhook-Event",
		):
			if value_real != value_test:
				diffs.add(label, f"header {name}: real {value_real!r} vs test shop {value_test!r}")


def _sign(body: bytes, secret: str) -> str:
	return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
