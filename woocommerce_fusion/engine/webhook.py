r"""WooCommerce webhook signatures: base64(HMAC-SHA256(raw body, secret)).

Verification must use the raw bytes as received: WooCommerce's compact JSON escapes slashes
(`http:\/\/`), so a re-serialised body never reproduces the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(raw_body: bytes, secret: str) -> str:
	digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
	return base64.b64encode(digest).decode()


def verify_signature(raw_body: bytes, signature: str | None, secret: str | None) -> bool:
	if not signature or not secret:
		return False
	return hmac.compare_digest(sign(raw_body, secret).encode(), signature.strip().encode())


def is_ping(form: dict[str, str], headers: dict[str, str]) -> bool:
	"""The synchronous ping sent when a webhook is created: form-encoded webhook_id, no X-WC headers."""
	has_wc_headers = any(key.lower().startswith("x-wc-webhook-") for key in headers)
	return "webhook_id" in form and not has_wc_headers
