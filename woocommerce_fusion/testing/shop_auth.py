"""REST API authentication as WooCommerce 8.4 does it (WC_REST_Authentication).

Over plain http only one-legged OAuth 1.0a counts; HTTP Basic and consumer_key/secret query
parameters are ignored there, which leaves the request anonymous. Over https Basic auth and the
query parameters work. The signature is recomputed from the request the way PHP sees it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from woocommerce_fusion.testing.shop_util import RestError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OAUTH_PARAMS = (
	"oauth_consumer_key",
	"oauth_timestamp",
	"oauth_nonce",
	"oauth_signature",
	"oauth_signature_method",
)
NONCE_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class ApiKey:
	consumer_key: str
	consumer_secret: str
	permissions: str = "read_write"  # WooCommerce offers read, write and read_write


def php_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
	"""Rebuild $_GET from decoded pairs: last plain key wins, `k[]` appends, `k[x]` nests one level."""
	params: dict[str, Any] = {}
	for raw_key, value in pairs:
		base, bracket, rest = raw_key.partition("[")
		# PHP turns dots and spaces in variable names into underscores.
		base = base.replace(".", "_").replace(" ", "_")
		if not bracket:
			params[base] = value
			continue
		inner = rest.split("]", 1)[0]
		bucket = params.get(base)
		if not isinstance(bucket, dict):
			bucket = {}
			params[base] = bucket
		if inner == "":
			inner = str(sum(1 for k in bucket if k.isdigit()))
		bucket[inner] = value
	return params


def php_empty(value: Any) -> bool:
	"""PHP's empty(): missing, "", "0" and empty arrays all count as empty."""
	return value is None or value == "" or value == "0" or (isinstance(value, dict) and not value)


def _rfc3986(text: str) -> str:
	"""wc_rest_urlencode_rfc3986(): rawurlencode(rawurldecode()) with % double-encoded."""
	return quote(unquote(text), safe="").replace("%", "%25")


def signature_base_string(method: str, base_url: str, params: dict[str, Any]) -> str:
	"""WC_REST_Authentication::check_oauth_signature() string to sign (oauth_signature removed)."""
	parts = []
	for key in sorted(params, key=lambda k: k.encode()):
		value = params[key]
		name = _rfc3986(key)
		if isinstance(value, dict):
			for inner_key, inner_value in value.items():
				parts.append(f"{name}%255B{inner_key}%255D%3D{_rfc3986(str(inner_value))}")
		else:
			parts.append(f"{name}%3D{_rfc3986(str(value))}")
	return f"{method}&{quote(base_url, safe='')}&{'%26'.join(parts)}"


def sign(
	method: str, base_url: str, params: dict[str, Any], consumer_secret: str, algorithm: str = "sha256"
) -> str:
	digest = hmac.new(
		f"{consumer_secret}&".encode(),
		signature_base_string(method, base_url, params).encode(),
		getattr(hashlib, algorithm),
	).digest()
	return base64.b64encode(digest).decode()


def _auth_error(message: str) -> RestError:
	return RestError(401, "woocommerce_rest_authentication_error", message)


class Authenticator:
	"""Holds the API keys and the used nonces; thread safe."""

	def __init__(
		self, wall_clock: Callable[[], float] = time.time, timestamp_window: int | None = NONCE_WINDOW_SECONDS
	):
		self.keys: dict[str, ApiKey] = {}
		self.timestamp_window = timestamp_window
		self._wall_clock = wall_clock
		self._nonces: dict[str, OrderedDict[str, int]] = {}
		self._lock = threading.Lock()

	def add_key(self, key: ApiKey) -> None:
		self.keys[key.consumer_key] = key

	def authenticate(
		self,
		method: str,
		base_url: str,
		params: dict[str, Any],
		basic: tuple[str, str] | None,
		https: bool,
	) -> ApiKey | None:
		"""The key a request authenticates with, None when anonymous; RestError when it fails."""
		key = self._https_key(params, basic) if https else self._oauth_key(method, base_url, params)
		if key is None:
			return None
		if method in READ_METHODS and key.permissions not in ("read", "read_write"):
			raise _auth_error("The API key provided does not have read permissions.")
		if method not in READ_METHODS and key.permissions not in ("write", "read_write"):
			raise _auth_error("The API key provided does not have write permissions.")
		return key

	def _https_key(self, params: dict[str, Any], basic: tuple[str, str] | None) -> ApiKey | None:
		if basic:
			consumer_key, consumer_secret = basic
		elif params.get("consumer_key") and params.get("consumer_secret"):
			consumer_key, consumer_secret = str(params["consumer_key"]), str(params["consumer_secret"])
		else:
			return None
		key = self.keys.get(consumer_key)
		if key is None:
			raise _auth_error("Consumer key is invalid.")
		if not hmac.compare_digest(key.consumer_secret, consumer_secret):
			raise _auth_error("Consumer secret is invalid.")
		return key

	def _oauth_key(self, method: str, base_url: str, params: dict[str, Any]) -> ApiKey | None:
		# WC_REST_Authentication::get_oauth_parameters(): with none of the five the request is
		# simply not OAuth (anonymous); with some but not all it fails, naming the missing ones.
		missing = [name for name in OAUTH_PARAMS if php_empty(params.get(name))]
		if len(missing) == len(OAUTH_PARAMS):
			return None
		if missing:
			plural = "s" if len(missing) > 1 else ""
			raise RestError(
				401,
				"woocommerce_rest_authentication_missing_parameter",
				f"Missing OAuth parameter{plural} {', '.join(missing)}",
			)
		if any(isinstance(params[name], dict) for name in OAUTH_PARAMS):
			# PHP would choke on an array here; no signature can match one.
			raise _auth_error("Invalid signature - provided signature does not match.")
		key = self.keys.get(params["oauth_consumer_key"])
		if key is None:
			raise _auth_error("Consumer key is invalid.")
		signed = {k: v for k, v in params.items() if k != "oauth_signature"}
		provided = unquote(params["oauth_signature"].replace(" ", "+"))
		signature_method = params["oauth_signature_method"]
		if signature_method not in ("HMAC-SHA1", "HMAC-SHA256"):
			raise _auth_error("Invalid signature - signature method is invalid.")
		expected = sign(method, base_url, signed, key.consumer_secret, signature_method[5:].lower())
		if not hmac.compare_digest(expected, provided):
			raise _auth_error("Invalid signature - provided signature does not match.")
		self._check_timestamp_and_nonce(key, params["oauth_timestamp"], params["oauth_nonce"])
		return key

	def _check_timestamp_and_nonce(self, key: ApiKey, timestamp_text: str, nonce: str) -> None:
		try:
			timestamp = int(timestamp_text)
		except ValueError:
			raise _auth_error("Invalid timestamp.") from None
		now = int(self._wall_clock())
		if self.timestamp_window is not None and abs(now - timestamp) > self.timestamp_window:
			raise _auth_error("Invalid timestamp.")
		with self._lock:
			used = self._nonces.setdefault(key.consumer_key, OrderedDict())
			if nonce in used:
				raise _auth_error("Invalid nonce - nonce has already been used.")
			# Oldest first, so forgetting expired nonces stays cheap at thousands of requests.
			window = self.timestamp_window or NONCE_WINDOW_SECONDS
			while used and next(iter(used.values())) < now - window:
				used.popitem(last=False)
			used[nonce] = now
