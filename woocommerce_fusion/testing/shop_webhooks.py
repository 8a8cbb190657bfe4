"""Webhooks as WooCommerce 8.4 delivers them.

Deliveries are queued like Action Scheduler's woocommerce_deliver_webhook_async: a pending
delivery for the same webhook and resource absorbs later ones, and the payload is built when
the delivery is sent, so it shows the state at that moment. The ping on creation is synchronous.
The REST routes (/webhooks) manage the hooks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import math
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from woocommerce_fusion.testing.shop_http import (
	ONE,
	Request,
	Response,
	Route,
	link_header,
	require,
	route,
	writes,
)
from woocommerce_fusion.testing.shop_lists import WEBHOOK_LIST_STATUSES, parse_list_query, truthy
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import API, UTC, RestError, StoreClock, invalid_params, php_json

USER_AGENT = "WooCommerce/8.4.0 Hookshot (WordPress/6.4.2)"
# What WordPress' Requests library sends with every delivery.
TRANSPORT_HEADERS = {"Accept": "*/*", "Accept-Encoding": "deflate, gzip, br, zstd"}
MAX_FAILURES = 5
WEBHOOK_STATUSES = ("active", "paused", "disabled")
TOPIC_HOOKS = {
	"order.created": ["woocommerce_new_order"],
	"order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
	"order.deleted": ["wp_trash_post", "woocommerce_trash_order", "woocommerce_delete_order"],
	"order.restored": ["untrashed_post", "woocommerce_untrash_order"],
	"product.created": [
		"woocommerce_process_product_meta",
		"woocommerce_new_product",
		"woocommerce_new_product_variation",
	],
	"product.updated": [
		"woocommerce_process_product_meta",
		"woocommerce_update_product",
		"woocommerce_update_product_variation",
	],
	"product.deleted": ["wp_trash_post"],
	"product.restored": ["untrashed_post"],
	"customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
	"customer.updated": ["updated_user_meta", "woocommerce_update_customer"],
	"customer.deleted": ["delete_user"],
	"coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
	"coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
	"coupon.deleted": ["wp_trash_post"],
	"action.woocommerce_payment_complete": ["woocommerce_payment_complete"],
}


@dataclass
class Webhook:
	id: int
	name: str
	status: str
	topic: str
	delivery_url: str
	secret: str
	created: datetime
	modified: datetime | None = None
	failure_count: int = 0

	@property
	def resource(self) -> str:
		return self.topic.split(".", 1)[0]

	@property
	def event(self) -> str:
		return self.topic.split(".", 1)[1] if "." in self.topic else ""

	def as_json(self, clock: StoreClock) -> dict[str, Any]:
		"""The REST shape; the secret is write-only and never returned."""
		return {
			"id": self.id,
			"name": self.name,
			"status": self.status,
			"topic": self.topic,
			"resource": self.resource,
			"event": self.event,
			"hooks": TOPIC_HOOKS.get(self.topic, []),
			"delivery_url": self.delivery_url,
			"date_created": clock.local(self.created),
			"date_created_gmt": clock.gmt(self.created),
			"date_modified": clock.local(self.modified) if self.modified else None,
			"date_modified_gmt": clock.gmt(self.modified) if self.modified else None,
			"_links": {
				"self": [{"href": f"{API}/webhooks/{self.id}"}],
				"collection": [{"href": f"{API}/webhooks"}],
			},
		}


@dataclass
class Delivery:
	"""One POST the shop sent (or tried to send) to a delivery URL."""

	webhook_id: int
	topic: str
	resource_id: int | None
	url: str
	headers: dict[str, str]
	body: bytes
	status: int | None = None
	error: str | None = None
	sent_at: float = field(default_factory=time.time)

	@property
	def ok(self) -> bool:
		return self.status is not None and 200 <= self.status < 300


def signature(body: bytes, secret: str) -> str:
	return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
	"""POST with http.client so no proxy settings get in the way of a local receiver."""
	parts = urlsplit(url)
	connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
	path = parts.path or "/"
	if parts.query:
		path += "?" + parts.query
	try:
		connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
		try:
			connection.request("POST", path, body=body, headers={**headers, "Connection": "close"})
			response = connection.getresponse()
			response.read()
			return response.status, None
		finally:
			connection.close()
	except (OSError, http.client.HTTPException) as error:
		return None, f"{type(error).__name__}: {error}"


@dataclass
class _Job:
	webhook_id: int
	resource_id: int
	due: float
	deleted_payload: dict[str, Any] | None


class WebhookDispatcher:
	"""Queues, coalesces and sends deliveries; a background thread plays Action Scheduler."""

	def __init__(
		self,
		payload_for: Callable[[str, int], bytes | None],
		source_url: Callable[[], str],
		mode: str = "async",
		delay: float = 0.0,
		timeout: float = 60.0,
		clock: Callable[[], datetime] | None = None,
	) -> None:
		if mode not in ("async", "manual"):
			raise ValueError("webhook mode must be 'async' or 'manual'")
		self.hooks: dict[int, Webhook] = {}
		self.deliveries: list[Delivery] = []
		self.mode = mode
		self.delay = delay
		self.timeout = timeout
		self._payload_for = payload_for
		self._clock = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
		self._source_url = source_url
		self._pending: dict[tuple[int, int], _Job] = {}
		self._condition = threading.Condition()
		self._sending = 0
		self._stopped = False
		self._thread: threading.Thread | None = None

	def start(self) -> None:
		if self.mode == "async" and self._thread is None:
			self._stopped = False
			self._thread = threading.Thread(target=self._run, name="test-shop-webhooks", daemon=True)
			self._thread.start()

	def stop(self) -> None:
		with self._condition:
			self._stopped = True
			self._condition.notify_all()
		if self._thread is not None:
			self._thread.join(timeout=5)
			self._thread = None

	def fire(self, topic: str, resource_id: int, deleted_payload: dict[str, Any] | None = None) -> None:
		with self._condition:
			# A snapshot: REST calls add and remove hooks under the shop's lock, not this one.
			for hook in list(self.hooks.values()):
				if hook.status != "active" or hook.topic != topic:
					continue
				key = (hook.id, resource_id)
				if key not in self._pending:
					self._pending[key] = _Job(
						hook.id, resource_id, time.monotonic() + self.delay, deleted_payload
					)
			self._condition.notify_all()

	def pending(self) -> int:
		with self._condition:
			return len(self._pending)

	def flush(self, timeout: float = 10.0) -> list[Delivery]:
		"""Send every queued delivery now, in this thread; waits for any the worker is sending."""
		with self._condition:
			jobs = list(self._pending.values())
			self._pending.clear()
			start = len(self.deliveries)
		for job in jobs:
			self._deliver(job)
		deadline = time.monotonic() + timeout
		with self._condition:
			while self._sending and time.monotonic() < deadline:
				self._condition.wait(0.01)
			return self.deliveries[start:]

	def _run(self) -> None:
		while True:
			with self._condition:
				job = None
				while not self._stopped:
					now = time.monotonic()
					due = [j for j in self._pending.values() if j.due <= now]
					if due:
						job = min(due, key=lambda j: j.due)
						del self._pending[(job.webhook_id, job.resource_id)]
						self._sending += 1
						break
					wait = min((j.due for j in self._pending.values()), default=now + 1) - now
					self._condition.wait(max(0.005, min(wait, 1.0)))
				if self._stopped:
					return
			try:
				self._deliver(job)
			finally:
				with self._condition:
					self._sending -= 1
					self._condition.notify_all()

	def _deliver(self, job: _Job) -> None:
		hook = self.hooks.get(job.webhook_id)
		if hook is None or hook.status != "active":
			return
		if job.deleted_payload is not None:
			body = php_json(job.deleted_payload).encode()
		else:
			built = self._payload_for(hook.resource, job.resource_id)
			if built is None:
				return
			body = built
		headers = {
			"User-Agent": USER_AGENT,
			**TRANSPORT_HEADERS,
			"Content-Type": "application/json",
			"X-WC-Webhook-Source": self._source_url() + "/",
			"X-WC-Webhook-Topic": hook.topic,
			"X-WC-Webhook-Resource": hook.resource,
			"X-WC-Webhook-Event": hook.event,
			"X-WC-Webhook-Signature": signature(body, hook.secret),
			"X-WC-Webhook-ID": str(hook.id),
			"X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
		}
		status, error = post(hook.delivery_url, body, headers, self.timeout)
		delivery = Delivery(
			hook.id, hook.topic, job.resource_id, hook.delivery_url, headers, body, status, error
		)
		with self._condition:
			self.deliveries.append(delivery)
			# WC_Webhook::log_delivery() saves the webhook either way, which moves date_modified;
			# failed_delivery() disables it once more than MAX_FAILURES failures were counted.
			hook.modified = self._clock()
			if delivery.status is not None and 200 <= delivery.status < 303:
				hook.failure_count = 0
			elif hook.failure_count > MAX_FAILURES:
				hook.status = "disabled"
			else:
				hook.failure_count += 1

	def ping(self, hook: Webhook) -> Delivery:
		"""The synchronous ping on creation: form-encoded webhook_id, no X-WC headers, no signature."""
		body = f"webhook_id={hook.id}".encode()
		headers = {
			"User-Agent": USER_AGENT,
			**TRANSPORT_HEADERS,
			"Content-Type": "application/x-www-form-urlencoded",
		}
		status, error = post(hook.delivery_url, body, headers, self.timeout)
		delivery = Delivery(hook.id, "ping", None, hook.delivery_url, headers, body, status, error)
		with self._condition:
			self.deliveries.append(delivery)
			if status == 200:
				# WC_Webhook::deliver_ping() saves the webhook only after a 200.
				hook.modified = self._clock()
		return delivery


class WebhookRoutes:
	"""Adding webhooks, from tests or through the REST routes."""

	def __init__(self, site: ShopSite, dispatcher: WebhookDispatcher) -> None:
		self.site = site
		self.dispatcher = dispatcher

	def add(
		self, topic: str, delivery_url: str, secret: str = "", name: str | None = None, ping: bool = True
	) -> int:
		"""An active webhook, as POST /webhooks registers it (including the ping)."""
		with self.site.lock:
			hook = Webhook(
				self.site.post_ids.take(),
				name or f"Webhook created on {self.site.now():%b %d, %Y @ %I:%M %p}",
				"active",
				topic,
				delivery_url,
				secret or secrets.token_urlsafe(36),
				self.site.now(),
			)
			self.dispatcher.hooks[hook.id] = hook
		if ping:
			self.dispatcher.ping(hook)
		return hook.id

	def routes(self) -> list[Route]:
		return [
			route("/webhooks", "GET, POST", GET=(self._list, "list"), POST=(self._create, "create")),
			route("/webhooks/<id>", ONE, GET=(self._get, "view"), **writes(self._update, "edit"), DELETE=(self._delete, "delete")),
		]  # fmt: skip

	def _webhook(self, request: Request, deleting: bool = False) -> Webhook:
		"""The webhook of the route; WooCommerce words a missing one differently for DELETE."""
		hook = self.dispatcher.hooks.get(int(request.match["id"]))
		if hook is None:
			if deleting:
				raise RestError(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
			raise RestError(400, "woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.")
		return hook

	def _list(self, request: Request, kind: str) -> Response:
		clock = self.site.store_clock
		query = parse_list_query(
			request.params, clock, ("date", "id", "include", "title"), "date", WEBHOOK_LIST_STATUSES, False
		)
		require(request, kind)
		status = request.params.get("status", "all")
		with self.site.lock:
			# WC_Webhook_Data_Store::search_webhooks(): search matches the name (LIKE, any case).
			hooks = [
				h
				for h in self.dispatcher.hooks.values()
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
			base = f"{self.site.url}/wp-json/wc/v3/webhooks"
			link = link_header(base, query.sanitized, query.page, pages)
			if link:
				headers["Link"] = link
			body = [h.as_json(clock) for h in chunk]
		return Response(200, body, headers=headers)

	def _get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			return Response(200, self._webhook(request).as_json(self.site.store_clock))

	def _create(self, request: Request, kind: str) -> Response:
		body = request.body if isinstance(request.body, dict) else {}
		missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
		if missing:
			raise RestError(
				400,
				"rest_missing_callback_param",
				f"Missing parameter(s): {', '.join(missing)}",
				params=missing,
			)
		_check_status(body)
		require(request, kind)
		_check_topic(str(body["topic"]))
		# WooCommerce 8.4 creates every webhook active, whatever `status` says, and pings it after
		# the answer is built (so the answer never shows the ping's date_modified).
		hook_id = self.add(
			str(body["topic"]),
			str(body["delivery_url"]),
			str(body.get("secret") or ""),
			str(body["name"]) if body.get("name") else None,
			ping=False,
		)
		with self.site.lock:
			hook = self.dispatcher.hooks[hook_id]
			answer = hook.as_json(self.site.store_clock)
		self.dispatcher.ping(hook)
		location = f"{self.site.url}/wp-json/wc/v3/webhooks/{hook_id}"
		return Response(201, answer, headers={"Location": location})

	def _update(self, request: Request, kind: str) -> Response:
		body = request.body if isinstance(request.body, dict) else {}
		_check_status(body)
		require(request, kind)
		with self.site.lock:
			hook = self._webhook(request)
			if body.get("topic"):
				_check_topic(str(body["topic"]))
				hook.topic = str(body["topic"])
			for name in ("name", "status", "delivery_url", "secret"):
				if body.get(name) is not None:
					setattr(hook, name, str(body[name]))
			if body.get("status") == "active":
				hook.failure_count = 0
			hook.modified = self.site.now()
			return Response(200, hook.as_json(self.site.store_clock))

	def _delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		if not truthy(request.params.get("force", "")):
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
		with self.site.lock:
			hook = self._webhook(request, deleting=True)
			del self.dispatcher.hooks[hook.id]
			return Response(200, hook.as_json(self.site.store_clock))


def _check_topic(topic: str) -> None:
	if topic not in TOPIC_HOOKS and not topic.startswith("action."):
		raise invalid_params({"topic": ("rest_invalid_param", "Webhook topic is invalid.")})


def _check_status(body: dict[str, Any]) -> None:
	"""The schema's enum, checked by WordPress before the controller runs."""
	if "status" in body and body["status"] not in WEBHOOK_STATUSES:
		message = "status is not one of active, paused, and disabled."
		raise invalid_params({"status": ("rest_not_in_enum", message)})
