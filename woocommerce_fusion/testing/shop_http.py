"""The HTTP side of the test shop: request parsing, routing, WordPress REST headers, faults."""

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
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from woocommerce_fusion.testing.shop_auth import ApiKey, php_query
from woocommerce_fusion.testing.shop_catalog import SHOP_URL
from woocommerce_fusion.testing.shop_util import RestError, php_json

if TYPE_CHECKING:
	from woocommerce_fusion.testing.shop import TestShop

REDIRECT_FAULTS = ("301", "302", "307", "308")
FAULT_KINDS = ("429", "500", "502", "503", *REDIRECT_FAULTS, "timeout", "drop", "latency")
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
class Fault:
	"""A failure to inject into the next matching request(s)."""

	kind: str
	times: int = 1
	path_prefix: str | None = None
	method: str | None = None
	retry_after: float | None = None
	seconds: float = 0.0
	# A redirect's target: a base URL the request's path and query are appended to.
	location: str | None = None

	def matches(self, method: str, path: str) -> bool:
		if self.method and self.method.upper() != method:
			return False
		return not self.path_prefix or path.startswith(self.path_prefix)


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

	def __init__(self, address: tuple[str, int], shop: TestShop) -> None:
		self.shop = shop
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
		shop = self.server.shop
		started = time.monotonic()
		self.close_connection = True
		parts = urlsplit(self.path)
		pairs = parse_qsl(parts.query, keep_blank_values=True)
		record = RequestRecord(self.command, parts.path, dict(pairs))
		shop._record(record)
		raw_body = self._read_body()
		fault = shop._take_fault(self.command, parts.path)
		if fault is not None:
			record.fault = fault.kind
			if fault.kind in ("drop", "timeout"):
				if fault.kind == "timeout":
					shop._stopping.wait(fault.seconds)
				self._drop()
				record.duration = time.monotonic() - started
				return
			if fault.kind == "latency":
				shop._stopping.wait(fault.seconds)
			else:
				response = shop._fault_response(fault, self.path)
				self._send(response, record, started)
				return
		try:
			response = shop._dispatch(
				self.command, parts.path, pairs, raw_body, self.headers, self._basic_auth()
			)
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
		delay = shop.latency + shop.per_order_latency * response.orders_returned
		if delay > 0:
			shop._stopping.wait(delay)
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
		shop = self.server.shop
		body = response.raw if response.raw is not None else shop._render(response.body)
		record.status = response.status
		try:
			self.send_response_only(response.status, REASONS.get(response.status))
			self.send_header("Host", self.headers.get("Host") or "")
			# From the shop's clock, as a real shop's Date comes from its own (possibly wrong) clock.
			self.send_header("Date", format_datetime(shop.now(), usegmt=True))
			self.send_header("Connection", "close")
			for name, value in _BASE_HEADERS:
				self.send_header(name, value)
			headers = dict(response.headers)
			headers.setdefault("Content-Type", "application/json; charset=UTF-8")
			headers.setdefault("Link", f'<{shop.url}/wp-json/>; rel="https://api.w.org/"')
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


def fault_body(fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
	if fault.kind == "429":
		headers = {"Retry-After": str(int(fault.retry_after)) if fault.retry_after is not None else "1"}
		return (
			429,
			{"code": "too_many_requests", "message": "Too many requests.", "data": {"status": 429}},
			headers,
		)
	status = int(fault.kind)
	if status == 500:
		body = {
			"code": "internal_server_error",
			"message": "<p>There has been a critical error on this website.</p>"
			'<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
			"Learn more about troubleshooting WordPress.</a></p>",
			"data": {"status": 500},
			"additional_errors": [],
		}
	else:
		body = {"code": "http_error", "message": REASONS.get(status, "Error"), "data": {"status": status}}
	headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
	return status, body, headers


def redirect_response(status: int, location: str) -> Response:
	"""A web server's redirect in front of WordPress (Apache's mod_rewrite, e.g. http to https or
	to www.): the body repeats the Location, query string and all."""
	reason = REASONS[status]
	body = (
		'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
		f"<html><head>\n<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n"
		f'<p>The document has moved <a href="{escape(location)}">here</a>.</p>\n</body></html>\n'
	)
	return Response(
		status,
		raw=body.encode("iso-8859-1"),
		headers={"Location": location, "Content-Type": "text/html; charset=iso-8859-1"},
	)


def render(obj: Any, url_php: str) -> bytes:
	return php_json(obj).replace(SHOP_URL, url_php).encode()


def start_thread(server: ShopServer) -> threading.Thread:
	thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
	thread.start()
	return thread
