"""Typed errors of the WooCommerce side and of order processing, each with a kind and a fix.

The kind drives retries, the status screen's suggested resolution and the reports; the
suggested fix is written for the person who runs the shop, not for a developer.
"""

from __future__ import annotations

import traceback
from enum import Enum


class ErrorKind(str, Enum):
	FORBIDDEN = "forbidden"
	NOT_FOUND = "not_found"
	RATE_LIMITED = "rate_limited"
	UNAVAILABLE = "unavailable"
	BAD_REQUEST = "bad_request"
	BAD_DATA = "bad_data"
	CONFIGURATION = "configuration"
	STOCK = "stock"
	CONFLICT = "conflict"
	REDIRECT = "redirect"
	UNEXPECTED = "unexpected"


SUGGESTED_FIXES: dict[ErrorKind, str] = {
	ErrorKind.FORBIDDEN: (
		"The shop refused the API key. Check the Consumer Key and Consumer Secret on the "
		"WooCommerce Server, and that the key (WooCommerce > Settings > Advanced > REST API) "
		"belongs to an administrator and has Read/Write permissions."
	),
	ErrorKind.NOT_FOUND: (
		"The shop does not know this resource. Check the Shop URL, and whether the order or "
		"product was deleted in WooCommerce."
	),
	ErrorKind.RATE_LIMITED: (
		"The shop or its host is limiting requests. The sync retries by itself; if this keeps "
		"happening, raise the host's rate limit or sync less often."
	),
	ErrorKind.UNAVAILABLE: (
		"The shop did not answer (down, timed out or refused the connection). Check that the "
		"Shop URL opens in a browser; the next run retries."
	),
	ErrorKind.BAD_REQUEST: (
		"WooCommerce rejected the request; its message says which field. Fix the data in "
		"ERPNext or the shop and retry."
	),
	ErrorKind.BAD_DATA: (
		"The order's data could not be turned into ERPNext documents. Read the message, fix "
		"the data or the mapping (items, accounts, settings) and retry."
	),
	ErrorKind.CONFIGURATION: (
		"A setting on the WooCommerce Server is missing or wrong. Complete it and retry."
	),
	ErrorKind.STOCK: (
		"Stock could not be reserved. Receive stock into the warehouse or change the warehouse, then retry."
	),
	ErrorKind.CONFLICT: (
		"Another job was changing the same records at the same moment. Nothing is lost: retry, "
		"or let the next run pick the order up."
	),
	ErrorKind.REDIRECT: (
		"The Shop URL redirects to another address (the message says which, e.g. https:// or "
		"www.). Use that address as the Shop URL on the WooCommerce Server. Redirects are not "
		"followed, because a redirected write reaches the shop without its data."
	),
	ErrorKind.UNEXPECTED: (
		"An unexpected error. The full traceback is in the error field; retry once, and if it "
		"fails again report it with the traceback."
	),
}


class FusionError(Exception):
	"""Base of every error the engine raises on purpose."""

	kind: ErrorKind = ErrorKind.UNEXPECTED

	def __init__(self, message: str, *, kind: ErrorKind | None = None):
		super().__init__(message)
		self.message = message
		if kind is not None:
			self.kind = kind

	@property
	def suggested_fix(self) -> str:
		return SUGGESTED_FIXES[self.kind]


class WooCommerceError(FusionError):
	"""A call to the shop failed; carries what the shop said."""

	def __init__(
		self,
		message: str,
		*,
		kind: ErrorKind,
		status_code: int | None = None,
		code: str | None = None,
		method: str | None = None,
		endpoint: str | None = None,
		retry_after: float | None = None,
	):
		super().__init__(message, kind=kind)
		self.status_code = status_code
		self.code = code
		self.method = method
		self.endpoint = endpoint
		self.retry_after = retry_after

	def __str__(self) -> str:
		where = f"{self.method} {self.endpoint}: " if self.method else ""
		status = f"HTTP {self.status_code} " if self.status_code else ""
		code = f"[{self.code}] " if self.code else ""
		return f"{where}{status}{code}{self.message}"

	@property
	def retryable(self) -> bool:
		return self.kind in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE)


class MappingError(FusionError):
	"""The order's data cannot become ERPNext documents as it is."""

	kind = ErrorKind.BAD_DATA


class ConfigurationError(FusionError):
	"""A setting the order needs is missing (tax account, exchange rate, payment mapping)."""

	kind = ErrorKind.CONFIGURATION


class StockError(FusionError):
	kind = ErrorKind.STOCK


def kind_for_status(status_code: int) -> ErrorKind:
	if status_code in (401, 403):
		return ErrorKind.FORBIDDEN
	if status_code == 404:
		return ErrorKind.NOT_FOUND
	if status_code == 429:
		return ErrorKind.RATE_LIMITED
	if status_code >= 500:
		return ErrorKind.UNAVAILABLE
	if 400 <= status_code < 500:
		return ErrorKind.BAD_REQUEST
	if 300 <= status_code < 400:
		return ErrorKind.REDIRECT
	return ErrorKind.UNEXPECTED


# ERPNext raises ValidationError subclasses for bad data; the engine cannot import them, so it
# recognises them by name (frappe.exceptions.* and erpnext's own).
_BAD_DATA_EXCEPTION_NAMES = {
	"ValidationError",
	"LinkValidationError",
	"MandatoryError",
	"InvalidCurrency",
	"DoesNotExistError",
	"InvalidAccountCurrency",
	"ItemTemplateCannotHaveStock",
	"DataError",
}


# Lock waits, deadlocks and concurrent edits: transient, a retry succeeds.
_CONFLICT_EXCEPTION_NAMES = {
	"QueryDeadlockError",
	"QueryTimeoutError",
	"TimestampMismatchError",
	"DocumentLockedError",
	"ParallelWorkerError",
}


def classify(exc: BaseException) -> ErrorKind:
	"""The kind of any exception, including ERPNext's, for the status screen."""
	if isinstance(exc, FusionError):
		return exc.kind
	names = {cls.__name__ for cls in type(exc).__mro__}
	if names & _CONFLICT_EXCEPTION_NAMES:
		return ErrorKind.CONFLICT
	if names & _BAD_DATA_EXCEPTION_NAMES or isinstance(exc, (ValueError, KeyError, TypeError)):
		return ErrorKind.BAD_DATA
	return ErrorKind.UNEXPECTED


def describe(exc: BaseException) -> str:
	"""The full text stored on a failed record: message, suggested fix and traceback."""
	kind = classify(exc)
	head = f"{type(exc).__name__}: {exc}"
	tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
	return f"{head}\n\nKind: {kind.value}\nSuggested fix: {SUGGESTED_FIXES[kind]}\n\n{tb}"
