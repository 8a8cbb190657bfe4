"""The site every part of the test shop shares, and that its HTTP server serves.

One lock guards all stored data (an order's stock reaches into the catalogue). WordPress' id
sequences, the clocks and the shop's URLs live here, with the request log, the injected faults
and the REST routes the resources register; dispatching a request authenticates it, finds its
route and trims the answer to `_fields` as WordPress does."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from woocommerce_fusion.testing.shop_auth import Authenticator, php_query
from woocommerce_fusion.testing.shop_faults import FaultInjector
from woocommerce_fusion.testing.shop_http import (
	Disruption,
	Incoming,
	Request,
	RequestLog,
	Response,
	Route,
	link_header,
	parse_body,
	render,
	require,
)
from woocommerce_fusion.testing.shop_info import site_index
from woocommerce_fusion.testing.shop_lists import ListQuery, parse_slug_list, php_int, pick_fields
from woocommerce_fusion.testing.shop_util import (
	SHOP_URL,
	IdSequence,
	RestError,
	StoreClock,
	truncate_seconds,
)

BATCH_LIMIT = 100


class ShopSite:
	"""Shared state of the shop, and the Backend its HTTP server serves."""

	def __init__(
		self,
		timezone: str,
		clock: Callable[[], datetime],
		authenticator: Authenticator,
		public_url: str | None = None,
		latency: float = 0.0,
		per_order_latency: float = 0.0,
	) -> None:
		self.timezone = timezone
		self.store_clock = StoreClock(timezone)
		self.lock = threading.RLock()
		self.stopping = threading.Event()
		# WordPress shares one post id sequence for products, coupons, orders, refunds, webhooks.
		self.post_ids = IdSequence(13)  # the recorded sandbox's first product id
		self.item_ids = IdSequence(1)
		self.meta_ids = IdSequence(1)
		self.auth = authenticator
		self.log = RequestLog()
		self.faults = FaultInjector(lambda: self.url)
		self.routes: list[Route] = []
		self.latency = latency
		self.per_order_latency = per_order_latency
		self.https = False
		self.public_url = public_url.rstrip("/") if public_url else None
		self._clock = clock
		self.bind(self.public_url or "http://127.0.0.1", https=False)

	def bind(self, bound_url: str, https: bool) -> None:
		"""Where the server listens; the shop's own URL stays the public one when there is one."""
		self.https = https
		self.bound_url = bound_url
		self.url = self.public_url or bound_url
		self._url_php = self.url.replace("/", "\\/")

	def now(self) -> datetime:
		return truncate_seconds(self._clock())

	# -- stored JSON carries SHOP_URL in place of the URL, which is known only once bound

	def expand(self, text: str) -> str:
		return text.replace(SHOP_URL, self._url_php)

	def decode(self, text: str) -> dict[str, Any]:
		return json.loads(self.expand(text))

	def render(self, body: Any) -> bytes:
		return render(body, self._url_php)

	# -- serving ----------------------------------------------------------------------------

	def delay(self, orders_returned: int) -> float:
		return self.latency + self.per_order_latency * orders_returned

	def disruption(self, method: str, path: str, target: str) -> Disruption | None:
		return self.faults.take(method, path, target)

	def index(self) -> dict[str, Any]:
		return site_index(self.url, self.timezone, self.store_clock.gmt_offset_hours(self.now()), self.https)

	def dispatch(self, incoming: Incoming) -> Response:
		method, path, pairs = incoming.method, incoming.path, incoming.pairs
		raw_body, basic = incoming.raw_body, incoming.basic
		params = php_query(pairs)
		if path.rstrip("/") == "/wp-json":
			index = self.index()
			# The index honours _fields like every WordPress route (the client asks for four keys).
			return Response(200, pick_fields(index, params["_fields"]) if params.get("_fields") else index)
		content_type = incoming.headers.get("Content-Type") or ""
		form = parse_body(raw_body, content_type) if "x-www-form-urlencoded" in content_type else {}
		key = self.auth.authenticate(
			method, self.url + path, {**params, **form}, basic if self.https else None, self.https
		)
		sub = path[len("/wp-json/wc/v3") :] if path.startswith("/wp-json/wc/v3") else None
		for candidate in self.routes if sub is not None else []:
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

	# -- collections ------------------------------------------------------------------------

	def page(
		self, query: ListQuery, items: list[Any], collection: str, kind: str = ""
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


def batch(
	request: Request,
	kind: str,
	create: Callable[[Any], dict[str, Any]],
	update: Callable[[int, Any], dict[str, Any]],
	delete: Callable[[int], dict[str, Any]],
	invalid_id: RestError,
) -> Response:
	"""Batch endpoints: always 200, failed items inline as {"id", "error"}, deletes permanent."""
	require(request, kind)
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
