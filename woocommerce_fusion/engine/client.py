"""The WooCommerce REST client: one object per shop on a reused requests Session.

The `woocommerce` package's API class opens a new connection per call and, over plain http,
puts every query parameter into the URL twice; we keep its OAuth 1.0a signer (it reproduces
WooCommerce's base string) and do the transport ourselves.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from woocommerce.oauth import OAuth

from woocommerce_fusion.engine.errors import ErrorKind, WooCommerceError, kind_for_status
from woocommerce_fusion.engine.redaction import Redactor, bare_url

API_PREFIX = "/wp-json/wc/v3/"
MAX_PER_PAGE = 100
USER_AGENT = "woocommerce_fusion (ERPNext)"


@dataclass
class Exchange:
	"""One request and its answer (or failure), already stripped of secrets, for logging."""

	method: str
	url: str
	endpoint: str
	query: dict[str, str]
	request_body: str | None
	status_code: int | None
	response_body: str | None
	duration_ms: float
	error_kind: str | None
	error_message: str | None
	attempt: int

	@property
	def failed(self) -> bool:
		return self.error_kind is not None


@dataclass
class RetryPolicy:
	"""Exponential backoff with full jitter, bounded both in attempts and in total time."""

	max_attempts: int = 5
	base_delay: float = 0.5
	max_delay: float = 30.0
	max_total: float = 120.0

	def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
		# The shop's Retry-After is honoured as it is: asking earlier only earns another 429.
		# A wait longer than the time budget ends the retries instead (see request()).
		if retry_after is not None:
			return retry_after
		return rng.uniform(0, min(self.max_delay, self.base_delay * (2 ** (attempt - 1))))


@dataclass
class Page:
	items: list[dict[str, Any]]
	page: int
	total: int
	total_pages: int
	# The shop's clock when it answered (the HTTP Date header); None when the answer had none.
	date: datetime | None = None


ExchangeCallback = Callable[[Exchange], None]


@dataclass
class WooCommerceClient:
	"""Every error it raises and every Exchange it reports is stripped of the key and secret."""

	url: str
	# Kept out of repr(): Frappe's Error Log prints the locals of a traceback, `self` included.
	consumer_key: str = field(repr=False)
	consumer_secret: str = field(repr=False)
	# False, True, or the path of a CA bundle (a shop with its own certificate authority).
	verify_ssl: bool | str = True
	timeout: float = 30.0
	on_exchange: ExchangeCallback | None = None
	retry: RetryPolicy = field(default_factory=RetryPolicy)
	sleep: Callable[[float], None] = time.sleep
	clock: Callable[[], float] = time.monotonic
	wall_clock: Callable[[], float] = time.time
	session: requests.Session | None = None
	rng: random.Random = field(default_factory=random.Random)

	def __post_init__(self) -> None:
		self.url = self.url.rstrip("/")
		self._https = urlsplit(self.url).scheme == "https"
		if self.session is None:
			self.session = requests.Session()
		self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
		if self._https:
			self.session.auth = (self.consumer_key, self.consumer_secret)
		basic = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
		self._redactor = Redactor([self.consumer_key, self.consumer_secret, basic])

	# -- public calls ---------------------------------------------------------------------

	def get(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
		return self.request("GET", endpoint, params=params).json()

	def post(
		self, endpoint: str, data: Any, params: dict[str, Any] | None = None, *, idempotent: bool = False
	) -> Any:
		return self.request("POST", endpoint, params=params, data=data, idempotent=idempotent).json()

	def put(self, endpoint: str, data: Any, params: dict[str, Any] | None = None) -> Any:
		return self.request("PUT", endpoint, params=params, data=data).json()

	def delete(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
		return self.request("DELETE", endpoint, params=params).json()

	def system_status(self) -> dict[str, Any]:
		return self.get("system_status")

	def site_index(self) -> dict[str, Any]:
		"""The WordPress REST index (/wp-json/): timezone_string and gmt_offset live there."""
		return self.request(
			"GET", "", params={"_fields": "name,url,timezone_string,gmt_offset"}, root=True
		).json()

	def get_page(self, endpoint: str, params: dict[str, Any] | None = None, page: int = 1) -> Page:
		query = dict(params or {})
		query.setdefault("per_page", MAX_PER_PAGE)
		query["page"] = page
		response = self.request("GET", endpoint, params=query)
		return Page(
			items=response.json(),
			page=page,
			total=_int_header(response, "X-WP-Total"),
			total_pages=_int_header(response, "X-WP-TotalPages"),
			date=_date_header(response),
		)

	def iter_pages(self, endpoint: str, params: dict[str, Any] | None = None) -> Iterator[Page]:
		"""Stream a list page by page, re-signing each request.

		WooCommerce's Link headers repeat the first request's oauth nonce and signature, so
		following them as they are would be refused; X-WP-TotalPages says when to stop.
		"""
		page = 1
		while True:
			result = self.get_page(endpoint, params, page)
			if result.items:
				yield result
			if not result.items or page >= result.total_pages:
				return
			page += 1

	def iter_items(self, endpoint: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
		for page in self.iter_pages(endpoint, params):
			yield from page.items

	# -- transport --------------------------------------------------------------------------

	def request(
		self,
		method: str,
		endpoint: str,
		*,
		params: dict[str, Any] | None = None,
		data: Any = None,
		idempotent: bool | None = None,
		root: bool = False,
	) -> requests.Response:
		"""Send with retries; return the successful response or raise WooCommerceError.

		A POST that timed out or lost its connection may have been applied, so it is retried
		only when the caller says it is safe (batch updates are; creates are not). 429 and 5xx
		answers were refused before anything happened and are always retried.
		"""
		method = method.upper()
		if idempotent is None:
			idempotent = method != "POST"
		endpoint = endpoint.strip("/")
		url = self.url + ("/wp-json/" if root else API_PREFIX) + endpoint
		query = _normalise_params(params)
		body = json.dumps(data) if data is not None else None
		started = self.clock()
		attempt = 0
		while True:
			attempt += 1
			error = self._attempt(method, url, endpoint, query, body, attempt)
			if isinstance(error, requests.Response):
				return error
			transport_failure = error.status_code is None
			may_retry = error.retryable and (idempotent or not transport_failure)
			if not may_retry or attempt >= self.retry.max_attempts:
				raise error
			delay = self.retry.delay(attempt, error.retry_after, self.rng)
			if self.clock() - started + delay > self.retry.max_total:
				raise error
			self.sleep(delay)

	def _attempt(
		self, method: str, url: str, endpoint: str, query: dict[str, str], body: str | None, attempt: int
	) -> requests.Response | WooCommerceError:
		send_query = query if self._https else self._oauth_query(method, url, query)
		headers = {"Content-Type": "application/json"} if body is not None else None
		started = self.clock()
		response: requests.Response | None = None
		error: WooCommerceError | None = None
		try:
			response = self.session.request(
				method,
				url,
				params=send_query,
				data=body,
				headers=headers,
				timeout=self.timeout,
				verify=self.verify_ssl,
				# A redirected PUT arrives without its body and a redirected POST as a GET, and
				# the answer would still read as success: a redirect is an error instead.
				allow_redirects=False,
			)
		except requests.Timeout as exc:
			error = self._error(
				f"The shop did not answer within {self.timeout:g} s ({type(exc).__name__})",
				ErrorKind.UNAVAILABLE,
				method,
				endpoint,
			)
		except (
			requests.exceptions.InvalidURL,
			requests.exceptions.InvalidSchema,
			requests.exceptions.MissingSchema,
		) as exc:
			error = self._error(
				f"The Shop URL is not a usable address: {exc}", ErrorKind.CONFIGURATION, method, endpoint
			)
		except requests.RequestException as exc:
			# requests puts the whole URL into its messages, OAuth key and signature included;
			# _error() strips them before the text goes anywhere.
			error = self._error(
				f"Could not connect to the shop: {exc}", ErrorKind.UNAVAILABLE, method, endpoint
			)
		if response is not None and 300 <= response.status_code < 400:
			error = self._redirect_error(response, method, url, endpoint)
		elif response is not None and response.status_code >= 400:
			error = self._error_from_response(response, method, endpoint)
		elif response is not None:
			try:
				response.json()
			except ValueError:
				error = self._error(
					"The shop answered with something that is not JSON (a security plugin, a "
					"maintenance page or a wrong Shop URL?)",
					ErrorKind.UNEXPECTED,
					method,
					endpoint,
					status_code=response.status_code,
				)
		self._report(method, url, endpoint, query, body, response, error, started, attempt)
		return error if error is not None else response

	def _error(
		self,
		message: str,
		kind: ErrorKind,
		method: str,
		endpoint: str,
		*,
		status_code: int | None = None,
		code: str | None = None,
		retry_after: float | None = None,
	) -> WooCommerceError:
		"""Every error the client raises is made here, so none carries a secret out of it."""
		redact = self._redactor.text
		return WooCommerceError(
			redact(message),
			kind=kind,
			status_code=status_code,
			code=redact(code) if code else None,
			method=method,
			endpoint=redact(endpoint),
			retry_after=retry_after,
		)

	def _error_from_response(
		self, response: requests.Response, method: str, endpoint: str
	) -> WooCommerceError:
		code = None
		message = response.reason or "error"
		try:
			payload = response.json()
		except ValueError:
			payload = None
		if isinstance(payload, dict):
			code = payload.get("code")
			message = payload.get("message") or message
			data = payload.get("data")
			details = data.get("params") if isinstance(data, dict) else None
			if details:
				message = f"{message} {details}"
		status = response.status_code
		return self._error(
			str(message),
			kind_for_status(status),
			method,
			endpoint,
			status_code=status,
			code=str(code) if code is not None else None,
			retry_after=_retry_after(response, self.wall_clock) if status == 429 else None,
		)

	def _redirect_error(
		self, response: requests.Response, method: str, url: str, endpoint: str
	) -> WooCommerceError:
		"""Where the shop sends us, as an address for the Shop URL field: no query, no user info."""
		location = response.headers.get("Location")
		if not location:
			message = "The shop answered with a redirect without saying where to"
		else:
			target = bare_url(urljoin(url, location))
			message = f"The shop redirects to {target}"
			# The same API path under another base (https://, www.): that base is the Shop URL.
			path = urlsplit(url).path
			if target.endswith(path) and target != bare_url(url):
				message += f"; set the Shop URL to {target[: len(target) - len(path)]}"
		return self._error(message, ErrorKind.REDIRECT, method, endpoint, status_code=response.status_code)

	def _oauth_query(self, method: str, url: str, query: dict[str, str]) -> dict[str, str]:
		# A reused nonce is refused, and requests from parallel workers share the clock second.
		return oauth_query(
			method,
			url,
			query,
			self.consumer_key,
			self.consumer_secret,
			timestamp=str(int(self.wall_clock())),
			nonce=secrets.token_hex(20),
		)

	def _report(
		self,
		method: str,
		url: str,
		endpoint: str,
		query: dict[str, str],
		body: str | None,
		response: requests.Response | None,
		error: WooCommerceError | None,
		started: float,
		attempt: int,
	) -> None:
		if self.on_exchange is None:
			return
		redact = self._redactor
		self.on_exchange(
			Exchange(
				method=method,
				url=redact.text(url),
				endpoint=redact.text(endpoint),
				query=redact.mapping(query),
				request_body=redact.text(body) if body is not None else None,
				status_code=response.status_code if response is not None else None,
				response_body=redact.text(response.text) if response is not None else None,
				duration_ms=round((self.clock() - started) * 1000, 1),
				error_kind=error.kind.value if error else None,
				error_message=redact.text(str(error)) if error else None,
				attempt=attempt,
			)
		)


def oauth_query(
	method: str,
	url: str,
	query: dict[str, str],
	consumer_key: str,
	consumer_secret: str,
	*,
	timestamp: str,
	nonce: str,
) -> dict[str, str]:
	"""The query with one-legged OAuth 1.0a (HMAC-SHA256), all a real WooCommerce accepts over http."""
	params: OrderedDict[str, Any] = OrderedDict(query)
	params["oauth_consumer_key"] = consumer_key
	params["oauth_timestamp"] = timestamp
	params["oauth_nonce"] = nonce
	params["oauth_signature_method"] = "HMAC-SHA256"
	signer = OAuth(url, consumer_key, consumer_secret, version="wc/v3", method=method)
	params["oauth_signature"] = signer.generate_oauth_signature(OrderedDict(params), url)
	return dict(params)


def _normalise_params(params: dict[str, Any] | None) -> dict[str, str]:
	"""Lists become comma lists: the OAuth signer collapses repeated keys such as status[]."""
	query: dict[str, str] = {}
	for key, value in (params or {}).items():
		if value is None:
			continue
		if isinstance(value, (list, tuple, set)):
			value = ",".join(str(v) for v in value)
		elif isinstance(value, bool):
			value = "true" if value else "false"
		query[key] = str(value)
	return query


def _int_header(response: requests.Response, name: str) -> int:
	try:
		return int(response.headers.get(name, 0))
	except ValueError:
		return 0


def _date_header(response: requests.Response) -> datetime | None:
	value = response.headers.get("Date")
	if not value:
		return None
	try:
		moment = parsedate_to_datetime(value)
	except (TypeError, ValueError):
		return None
	return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _retry_after(response: requests.Response, wall_clock: Callable[[], float]) -> float | None:
	value = response.headers.get("Retry-After")
	if not value:
		return None
	try:
		return max(0.0, float(value))
	except ValueError:
		pass
	try:
		return max(0.0, parsedate_to_datetime(value).timestamp() - wall_clock())
	except (TypeError, ValueError):
		return None
