"""Strip secrets from anything that is about to be logged or stored."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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

_KEY_VALUE = re.compile(
	r"(?P<key>" + "|".join(sorted(SECRET_KEYS, key=len, reverse=True)) + r")"
	r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>[^&\"',\s}]+)",
	re.IGNORECASE,
)


class Redactor:
	def __init__(self, secrets: Iterable[str | None]):
		# Longest first, so a secret that contains another is removed whole.
		self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

	def text(self, value: str) -> str:
		for secret in self._secrets:
			value = value.replace(secret, REDACTED)
		return _KEY_VALUE.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", value)

	def mapping(self, values: Mapping[str, str]) -> dict[str, str]:
		return {
			key: REDACTED if key.lower() in SECRET_KEYS else self.text(str(value))
			for key, value in values.items()
		}
