"""Error kinds: every failure gets a kind and a fix the shop owner can act on."""

from __future__ import annotations

import pytest

from woocommerce_fusion.engine.errors import (
	SUGGESTED_FIXES,
	ConfigurationError,
	ErrorKind,
	MappingError,
	WooCommerceError,
	classify,
	describe,
	kind_for_status,
)


@pytest.mark.parametrize(
	("status", "kind"),
	[
		(401, ErrorKind.FORBIDDEN),
		(403, ErrorKind.FORBIDDEN),
		(404, ErrorKind.NOT_FOUND),
		(429, ErrorKind.RATE_LIMITED),
		(500, ErrorKind.UNAVAILABLE),
		(503, ErrorKind.UNAVAILABLE),
		(400, ErrorKind.BAD_REQUEST),
		(410, ErrorKind.BAD_REQUEST),
		(301, ErrorKind.REDIRECT),
		(302, ErrorKind.REDIRECT),
		(307, ErrorKind.REDIRECT),
		(308, ErrorKind.REDIRECT),
	],
)
def test_http_status_kinds(status, kind):
	assert kind_for_status(status) == kind


def _named(name: str, base: type[Exception] = Exception) -> Exception:
	return type(name, (base,), {})("boom")


def test_erpnext_exceptions_are_classified_by_name():
	assert classify(_named("ValidationError")) == ErrorKind.BAD_DATA
	assert (
		classify(_named("LinkValidationError", type("ValidationError", (Exception,), {})))
		== ErrorKind.BAD_DATA
	)
	assert classify(_named("QueryDeadlockError")) == ErrorKind.CONFLICT
	assert classify(_named("TimestampMismatchError")) == ErrorKind.CONFLICT
	assert classify(RuntimeError("x")) == ErrorKind.UNEXPECTED
	assert classify(MappingError("x")) == ErrorKind.BAD_DATA
	assert classify(ConfigurationError("x")) == ErrorKind.CONFIGURATION
	assert classify(WooCommerceError("x", kind=ErrorKind.RATE_LIMITED)) == ErrorKind.RATE_LIMITED


def test_every_kind_has_a_fix():
	assert set(SUGGESTED_FIXES) == set(ErrorKind)


def test_describe_carries_message_kind_fix_and_traceback():
	try:
		raise ConfigurationError("No account for tax rate 2 (MwSt. 7%)")
	except ConfigurationError as exc:
		text = describe(exc)
	first, *rest = text.splitlines()
	assert first == "ConfigurationError: No account for tax rate 2 (MwSt. 7%)"
	assert "Kind: configuration" in text
	assert SUGGESTED_FIXES[ErrorKind.CONFIGURATION] in text
	assert "Traceback (most recent call last)" in text


def test_a_redirect_is_not_retried_and_its_fix_names_the_shop_url():
	error = WooCommerceError("The shop redirects to https://shop.example", kind=ErrorKind.REDIRECT)
	assert not error.retryable
	assert "Shop URL" in error.suggested_fix
	assert ErrorKind.REDIRECT.value == "redirect"
