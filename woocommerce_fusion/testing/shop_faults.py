"""Faults the test shop injects into requests: rate limits, server errors, redirects in front
of WordPress, timeouts, dropped connections and slow answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from woocommerce_fusion.testing.shop_http import REASONS, Disruption, Response

REDIRECT_FAULTS = ("301", "302", "307", "308")
FAULT_KINDS = ("429", "500", "502", "503", *REDIRECT_FAULTS, "timeout", "drop", "latency")


@dataclass
class Fault:
	"""A failure to inject into the next matching request(s)."""

	kind: str
	times: int = 1
	path_prefix: str | None = None
	method: str | None = None
	retry_after: float | None = None
	# None: the kind's default, 30 for a timeout, else 0.
	seconds: float | None = None
	# A redirect's target: a base URL the request's path and query are appended to.
	location: str | None = None

	def __post_init__(self) -> None:
		if self.kind not in FAULT_KINDS:
			raise ValueError(f"unknown fault {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
		if self.seconds is None:
			self.seconds = 30.0 if self.kind == "timeout" else 0.0
		if self.location:
			self.location = self.location.rstrip("/")

	def matches(self, method: str, path: str) -> bool:
		if self.method and self.method.upper() != method:
			return False
		return not self.path_prefix or path.startswith(self.path_prefix)


class FaultInjector:
	"""Faults waiting for their requests, consumed in the order they were injected."""

	def __init__(self, home_url: Callable[[], str]) -> None:
		self._home_url = home_url
		self._faults: list[Fault] = []
		self._lock = threading.Lock()

	def add(self, fault: Fault) -> None:
		with self._lock:
			self._faults.append(fault)

	def clear(self) -> None:
		with self._lock:
			self._faults.clear()

	def take(self, method: str, path: str, target: str) -> Disruption | None:
		"""What the first fault matching this request does to it; `target` is the request's path
		and query as sent (a redirect keeps them)."""
		with self._lock:
			fault = next((f for f in self._faults if f.matches(method, path)), None)
			if fault is None:
				return None
			fault.times -= 1
			if fault.times <= 0:
				self._faults.remove(fault)
		if fault.kind == "drop":
			return Disruption(fault.kind, drop=True)
		if fault.kind == "timeout":
			return Disruption(fault.kind, wait=fault.seconds or 0.0, drop=True)
		if fault.kind == "latency":
			return Disruption(fault.kind, wait=fault.seconds or 0.0)
		if fault.kind in REDIRECT_FAULTS:
			location = (fault.location or self._home_url()) + target
			return Disruption(fault.kind, response=redirect_response(int(fault.kind), location))
		status, body, headers = fault_body(fault)
		return Disruption(fault.kind, response=Response(status, body, headers=headers))


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
