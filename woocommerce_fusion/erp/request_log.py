"""Rows of the WooCommerce Request Log, one per call to a shop.

A failed call is exactly what a user needs to see, and it is usually followed by the job or the
request failing and Frappe rolling the transaction back. So each row is written and committed
on a short-lived connection of its own, outside the caller's transaction: it survives the
rollback, an uncaught exception and even a worker killed right after the call, and it never
commits any of the caller's half-done work. Opening a connection costs a few milliseconds
against a shop's answer of a hundred or more, and with the default level ("Errors only") only
failed calls pay it. Redis-backed deferred inserts would also survive a rollback, but they reach
the table up to 15 minutes later and are lost when redis restarts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import frappe
from frappe.database import get_db
from frappe.utils import now_datetime

from woocommerce_fusion.constants import REQUEST_LOG_DOCTYPE
from woocommerce_fusion.engine.client import Exchange
from woocommerce_fusion.engine.redaction import REDACTED, Redactor

LEVEL_ERRORS_ONLY = "Errors only"
LEVEL_ALL = "All"
LEVEL_OFF = "Off"

# Bodies beyond this are cut: a page of 100 orders is about 300 KB, and the log is for reading.
MAX_BODY_BYTES = 64 * 1024

# WooCommerce's REST API keys have this shape; a key that reaches a body or an error message
# by a path the client does not know of is still caught.
_WOOCOMMERCE_KEY = re.compile(r"\b(?:ck|cs)_[0-9a-f]{40}\b")


def make_exchange_logger(
	server: str,
	level: str | None,
	reference: tuple[str, str] | None = None,
	sync_action: str | None = None,
	*,
	secrets: Iterable[str | None] = (),
) -> Callable[[Exchange], None]:
	"""The client's on_exchange callback for one server; `secrets` are stripped from every row."""
	redactor = Redactor(secrets)
	level = level or LEVEL_ERRORS_ONLY

	def log_exchange(exchange: Exchange) -> None:
		if level == LEVEL_OFF or (level != LEVEL_ALL and not exchange_failed(exchange)):
			return
		row = build_row(server, exchange, redactor, reference=reference, sync_action=sync_action)
		try:
			insert_committed(row)
		except Exception:
			# A log row that could not be written must never fail the sync that made the call.
			frappe.logger("woocommerce_fusion").exception("Could not write a %s row", REQUEST_LOG_DOCTYPE)

	return log_exchange


def exchange_failed(exchange: Exchange) -> bool:
	return exchange.error_kind is not None or exchange.status_code is None or exchange.status_code >= 400


def build_row(
	server: str,
	exchange: Exchange,
	redactor: Redactor,
	*,
	reference: tuple[str, str] | None = None,
	sync_action: str | None = None,
) -> dict[str, Any]:
	"""The log row for an exchange, with secrets stripped again and long bodies cut."""

	def clean(text: str | None) -> str | None:
		if text is None:
			return None
		return _WOOCOMMERCE_KEY.sub(REDACTED, redactor.text(text))

	response_body, response_truncated = truncate(clean(exchange.response_body))
	request_body, _request_truncated = truncate(clean(exchange.request_body))
	query = redactor.mapping(exchange.query) if exchange.query else None
	return {
		"server": server,
		"method": exchange.method,
		# The path, not the bare endpoint: it tells the WordPress index from the WooCommerce API.
		"endpoint": clean(urlsplit(exchange.url).path or exchange.endpoint),
		"attempt": exchange.attempt,
		"succeeded": 0 if exchange_failed(exchange) else 1,
		"status_code": exchange.status_code,
		"duration_ms": exchange.duration_ms,
		"error_kind": exchange.error_kind,
		"error_message": clean(exchange.error_message),
		"reference_doctype": reference[0] if reference else None,
		"reference_name": reference[1] if reference else None,
		"sync_action": sync_action,
		"query": clean(json.dumps(query, indent=1, sort_keys=True)) if query else None,
		"request_body": request_body,
		"response_body": response_body,
		"response_truncated": int(response_truncated),
	}


def truncate(text: str | None, limit: int = MAX_BODY_BYTES) -> tuple[str | None, bool]:
	"""Cut text to `limit` bytes of UTF-8 and say how much is missing."""
	if text is None:
		return None, False
	data = text.encode("utf-8")
	if len(data) <= limit:
		return text, False
	kept = data[:limit].decode("utf-8", errors="ignore")
	return f"{kept}\n[truncated {len(data) - len(kept.encode('utf-8'))} bytes]", True


def insert_committed(row: dict[str, Any]) -> str:
	"""Insert a log row and commit it on a connection of its own; return its name."""
	doc = frappe.get_doc({"doctype": REQUEST_LOG_DOCTYPE, **row})
	doc.set_new_name()
	doc.creation = doc.modified = now_datetime()
	doc.owner = doc.modified_by = frappe.session.user
	values = doc.get_valid_dict(convert_dates_to_str=True, ignore_nulls=True)
	columns = ", ".join(f"`{column}`" for column in values)
	placeholders = ", ".join(["%s"] * len(values))

	# Same server, database and credentials as the caller's connection.
	db = get_db(
		socket=frappe.db.socket,
		host=frappe.db.host,
		port=frappe.db.port,
		user=frappe.db.user,
		password=frappe.db.password,
		cur_db_name=frappe.db.cur_db_name,
	)
	try:
		db.sql(
			f"insert into `tab{REQUEST_LOG_DOCTYPE}` ({columns}) values ({placeholders})",
			list(values.values()),
		)
		db.commit()
	finally:
		db.close()
	return doc.name
