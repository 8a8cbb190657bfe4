"""Strip secrets from anything that is about to be logged, stored or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

REDACTED = "[redacted]"

# Query keys and JSON keys whose values are secrets whatever they contain.
SECRET_KEYS = frozenset(
	{
		"oauth_consumer_key",
		"oauth_signature",
		"oauth_nonce",
		"consumer_key",
		"consumer_secret",
		"secret",
		"authorization",
		"password",
	}
)

# An Authorization value is a scheme and a token ("Basic Y2tf…"); both go.
_KEY_VALUE = re.compile(
	r"(?P<key>" + "|".join(sorted(SECRET_KEYS, key=len, reverse=True)) + r")"
	r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>(?:(?:Basic|Bearer|Digest)\s+)?[^&\"',\s}]+)",
	re.IGNORECASE,
)

# user:password@ in any URL (http://user:pass@host/…); requests puts URLs into its messages.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s@?#\"'<>]+@", re.IGNORECASE)


class Redactor:
	def __init__(self, secrets: Iterable[str | None]):
		# A secret also travels URL-encoded (in a query string or a Location header).
		variants = set()
		for secret in secrets:
			if secret and len(secret) >= 4:
				variants.update((secret, quote(secret, safe=""), quote_plus(secret)))
		# Longest first, so a secret that contains another is removed whole.
		self._secrets = sorted(variants, key=len, reverse=True)

	def text(self, value: str) -> str:
		for secret in self._secrets:
			value = value.replace(secret, REDACTED)
		value = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", value)
		return _KEY_VALUE.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", value)

	def mapping(self, values: Mapping[str, str]) -> dict[str, str]:
		return {
			key: REDACTED if key.lower() in SECRET_KEYS else self.text(str(value))
			for key, value in values.items()
		}


def bare_url(url: str) -> str:
	"""The address alone: scheme, host, port and path, without user info, query or fragment."""
	parts = urlsplit(url)
	host = parts.hostname or ""
	if ":" in host:
		host = f"[{host}]"  # an IPv6 address keeps its brackets
	try:
		port = parts.port
	except ValueError:
		port = None
	netloc = host + (f":{port}" if port else "")
	return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
