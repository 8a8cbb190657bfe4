"""The HTTP side of the test shop: the server, request parsing, routes, WordPress REST headers.

The server serves a Backend (the shop's site): it logs each request, lets an injected fault
disrupt it, and otherwise has the backend dispatch it to a route."""

from __future__ import annotations

import base64
import binascii
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

from woocommerce_fusion.testing.shop_auth import ApiKey, php_query
from woocommerce_fusion.testing.shop_util import SHOP_URL, RestError, php_json

REASONS = {
	200: "OK",
	201: "Created",
	301: "Moved Permanently",
	302: "Found",
	307: "Temporary Redirect",
	308: "Permanent Redirect",
	400: "Bad Request",
	401: "Unauthorized",
	404: "Not Found",
	410: "Gone",
	413: "Payload Too Large",
	429: "Too Many Requests",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
}
_BASE_HEADERS = (
	("X-Powered-By", "PHP/8.2.36"),
	("X-Robots-Tag", "noindex"),
	("X-Content-Type-Options", "nosniff"),
	("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
	(
		"Access-Control-Allow-Headers",
		"Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
	),
	("Expires", "Wed, 11 Jan 1984 05:00:00 GMT"),
	("Cache-Control", "no-cache, must-revalidate, max-age=0, no-store, private"),
)


@dataclass
class RequestRecord:
	"""What the shop saw of one request; `status` is None when no response was sent."""

	method: str
	path: str
	query: dict[str, str]
	status: int | None = None
	fault: str | None = None
	duration: float = 0.0
	started: float = field(default_factory=time.time)


class RequestLog:
	"""Requests seen so far, oldest first."""

	def __init__(self) -> None:
		self._records: list[RequestRecord] = []
		self._lock = threading.Lock()

	def add(self, record: RequestRecord) -> None:
		with self._lock:
			self._records.append(record)

	def records(self) -> list[RequestRecord]:
		with self._lock:
			return list(self._records)

	def count(
		self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
	) -> int:
		with self._lock:
			return sum(
				1
				for r in self._records
				if (method is None or r.method == method.upper())
				and (path_prefix is None or r.path.startswith(path_prefix))
				and (status is None or r.status == status)
			)

	def clear(self) -> None:
		with self._lock:
			self._records.clear()


@dataclass
class Incoming:
	"""A request as it arrived, before routing: `pairs` is the query string in order, `basic`
	the credentials of an Authorization: Basic header."""

	method: str
	path: str
	pairs: list[tuple[str, str]]
	raw_body: bytes
	headers: Message
	basic: tuple[str, str] | None


@dataclass
class Request:
	method: str
	path: str
	pairs: list[tuple[str, str]]
	params: dict[str, Any]
	body: Any
	match: dict[str, str]
	key: ApiKey | None = None


@dataclass
class Response:
	status: int
	body: Any = None
	raw: bytes | None = None
	headers: dict[str, str] = field(default_factory=dict)
	orders_returned: int = 0


@dataclass(frozen=True)
class Disruption:
	"""What an injected fault does to one request: the server holds it `wait` seconds, then closes
	the connection without answering (`drop`), answers `response` in the shop's place, or, with
	neither, serves it as usual."""

	kind: str
	wait: float = 0.0
	drop: bool = False
	response: Response | None = None


class Backend(Protocol):
	"""What the server needs from the shop behind it."""

	stopping: threading.Event
	log: RequestLog

	@property
	def url(self) -> str: ...

	def now(self) -> datetime: ...

	def delay(self, orders_returned: int) -> float:
		"""Seconds to hold an answer, as a real shop takes time to build it."""
		...

	def disruption(self, method: str, path: str, target: str) -> Disruption | None:
		"""The injected fault this request meets, if any; `target` is its path and query as sent."""
		...

	def dispatch(self, incoming: Incoming) -> Response: ...

	def render(self, body: Any) -> bytes: ...


# A REST handler gets the request and its permission kind, and checks permission itself after
# validating parameters, as WordPress does.
Handler = Callable[[Request, str], Response]


@dataclass(frozen=True)
class Route:
	pattern: re.Pattern[str]
	methods: dict[str, tuple[Handler, str]]
	allow: str


def route(path: str, allow: str, **methods: tuple[Handler, str]) -> Route:
	"""`methods` maps an HTTP method to (handler, permission kind: list/view/create/edit/delete/batch)."""
	regex = re.sub(r"<(\w+)>", r"(?P<\1>\\d+)", path)
	return Route(re.compile(f"^{regex}/?$"), {m.upper(): h for m, h in methods.items()}, allow)


# The Allow header of a single resource's route.
ONE = "GET, POST, PUT, PATCH, DELETE"


def writes(handler: Handler, kind: str) -> dict[str, tuple[Handler, str]]:
	"""POST, PUT and PATCH alike, as WordPress' EDITABLE routes take all three."""
	return {"POST": (handler, kind), "PUT": (handler, kind), "PATCH": (handler, kind)}


_PERMISSION_ERRORS = {
	"list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
	"view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
	"create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
	"edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
	"delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
	"batch": (
		"woocommerce_rest_cannot_batch",
		"Sorry, you are not allowed to batch manipulate this resource.",
	),
}


def permission_error(kind: str) -> RestError:
	code, message = _PERMISSION_ERRORS[kind]
	return RestError(401, code, message)


def require(request: Request, kind: str) -> None:
	"""The permission check every handler makes (after validating its parameters, as WordPress)."""
	if kind != "public" and request.key is None:
		raise permission_error(kind)


def link_header(base: str, params: dict[str, Any], page: int, max_pages: int) -> str | None:
	"""WordPress' pagination Link: add_query_arg() of the request's query parameters as they stand
	after sanitizing (stale oauth_* included, arrays as key[i]=value), `page` replaced where it
	stood or appended."""
	flat: list[tuple[str, str]] = []
	for key, value in params.items():
		if isinstance(value, dict):
			flat.extend((f"{key}[{inner}]", str(item)) for inner, item in value.items())
		else:
			flat.append((key, str(value)))

	def url_for(target: int) -> str:
		items = dict(flat)
		items["page"] = str(target)
		query = "&".join(
			f"{quote(k, safe='')}={quote(v.rstrip('=') if k == 'oauth_signature' else v, safe='+')}"
			for k, v in items.items()
		)
		return f"{base}?{query}"

	links = []
	if page > 1:
		links.append(f'<{url_for(min(page - 1, max_pages))}>; rel="prev"')
	if page < max_pages:
		links.append(f'<{url_for(page + 1)}>; rel="next"')
	return ", ".join(links) or None


class ShopServer(ThreadingHTTPServer):
	daemon_threads = True
	allow_reuse_address = True
	request_queue_size = 128

	def __init__(self, address: tuple[str, int], backend: Backend) -> None:
		self.backend = backend
		super().__init__(address, ShopHandler)


class ShopHandler(BaseHTTPRequestHandler):
	server: ShopServer
	protocol_version = "HTTP/1.1"
	server_version = "PHP/8.2.36 Development Server"
	sys_version = ""

	def log_message(self, format: str, *args: Any) -> None:
		"""Quiet: the shop keeps its own request log."""

	def do_GET(self) -> None:
		self._handle()

	def do_POST(self) -> None:
		self._handle()

	def do_PUT(self) -> None:
		self._handle()

	def do_PATCH(self) -> None:
		self._handle()

	def do_DELETE(self) -> None:
		self._handle()

	def do_HEAD(self) -> None:
		self._handle()

	def _handle(self) -> None:
		backend = self.server.backend
		started = time.monotonic()
		self.close_connection = True
		parts = urlsplit(self.path)
		pairs = parse_qsl(parts.query, keep_blank_values=True)
		record = RequestRecord(self.command, parts.path, dict(pairs))
		backend.log.add(record)
		raw_body = self._read_body()
		disruption = backend.disruption(self.command, parts.path, self.path)
		if disruption is not None:
			record.fault = disruption.kind
			if disruption.wait > 0:
				backend.stopping.wait(disruption.wait)
			if disruption.drop:
				self._drop()
				record.duration = time.monotonic() - started
				return
			if disruption.response is not None:
				self._send(disruption.response, record, started)
				return
		try:
			incoming = Incoming(self.command, parts.path, pairs, raw_body, self.headers, self._basic_auth())
			response = backend.dispatch(incoming)
		except RestError as error:
			response = Response(error.status, error.body())
		except Exception as error:  # noqa: BLE001 - a bug in the shop must still answer like WordPress
			response = Response(
				500,
				{
					"code": "internal_server_error",
					"message": f"<p>There has been a critical error on this website.</p> ({type(error).__name__}: {error})",
					"data": {"status": 500},
					"additional_errors": [],
				},
			)
		delay = backend.delay(response.orders_returned)
		if delay > 0:
			backend.stopping.wait(delay)
		self._send(response, record, started)

	def _read_body(self) -> bytes:
		length = int(self.headers.get("Content-Length") or 0)
		return self.rfile.read(length) if length > 0 else b""

	def _basic_auth(self) -> tuple[str, str] | None:
		header = self.headers.get("Authorization") or ""
		if not header.lower().startswith("basic "):
			return None
		try:
			user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
		except (binascii.Error, UnicodeDecodeError):
			return None
		return user, password

	def _drop(self) -> None:
		"""Close the socket without a response, as a crashed PHP worker or a proxy reset would."""
		self.close_connection = True
		try:
			self.connection.shutdown(socket.SHUT_RDWR)
		except OSError:
			pass

	def _send(self, response: Response, record: RequestRecord, started: float) -> None:
		backend = self.server.backend
		body = response.raw if response.raw is not None else backend.render(response.body)
		record.status = response.status
		try:
			self.send_response_only(response.status, REASONS.get(response.status))
			self.send_header("Host", self.headers.get("Host") or "")
			# From the shop's clock, as a real shop's Date comes from its own (possibly wrong) clock.
			self.send_header("Date", format_datetime(backend.now(), usegmt=True))
			self.send_header("Connection", "close")
			for name, value in _BASE_HEADERS:
				self.send_header(name, value)
			headers = dict(response.headers)
			headers.setdefault("Content-Type", "application/json; charset=UTF-8")
			headers.setdefault("Link", f'<{backend.url}/wp-json/>; rel="https://api.w.org/"')
			for name, value in headers.items():
				self.send_header(name, value)
			self.send_header("Content-Length", str(len(body)))
			self.end_headers()
			if self.command != "HEAD":
				self.wfile.write(body)
		except OSError:
			record.status = None
		record.duration = time.monotonic() - started


def parse_body(raw: bytes, content_type: str) -> Any:
	if not raw:
		return {}
	if "application/x-www-form-urlencoded" in content_type:
		return php_query(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
	try:
		return json.loads(raw)
	except ValueError:
		raise RestError(
			400,
			"rest_invalid_json",
			"Invalid JSON body passed.",
			json_error_code=4,
			json_error_message="Syntax error",
		) from None


def render(obj: Any, url_php: str) -> bytes:
	return php_json(obj).replace(SHOP_URL, url_php).encode()


def start_thread(server: ShopServer) -> threading.Thread:
	thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
	thread.start()
	return thread
