"""The parts of the WooCommerce Order Sync form the status push and the refunds added, in a real
browser (Debian's chromium driven by Playwright) as the administrator: the "Status back to
WooCommerce" section of an order whose push failed, the Refunds table with each refund's id,
amount and Credit Note link, and Placeholder Lines shown only on an order that has them.

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (README, "In a browser"). The
rows, their Sales Order and a draft Credit Note are made through Frappe's REST API as
Administrator and removed at the start and at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

if not os.environ.get("WOOFUSION_BENCH_URL"):
	pytest.skip("no bench configured (WOOFUSION_BENCH_URL)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from desk import (  # noqa: E402
	ABBR,
	COMPANY,
	Bench,
	chromium,
	desk,
	error_dialogs,
	field,
	open_form,
	shot,
)

SERVER = "_Test WooCommerce UI Order Details"
ORDER_SYNC = "WooCommerce Order Sync"
REFUNDED, PLAIN = 920001, 920002
PLACEHOLDER = "Line 2: Gift wrap (SKU GIFT-1) on WooCommerce Deleted Product"
PUSH_ERROR = "WooCommerceError: 503 Service Unavailable\n\nKind: transient"
REFUND_ID, REFUND_AMOUNT = 7401, 4.5
MARKER = "_Test WooCommerce UI refund"


def row_name(woocommerce_id: int) -> str:
	return f"{SERVER}-{woocommerce_id}"


def any_credit_note(bench: Bench) -> str:
	"""A Credit Note of the bench for the refund row to link (one made and removed by the test
	could not be deleted once its name had been used by a cancelled invoice with GL Entries)."""
	notes = bench.call(
		"frappe.client.get_list",
		doctype="Sales Invoice",
		filters={"is_return": 1},
		fields=["name"],
		limit_page_length=1,
	)
	if not notes:
		pytest.skip("the bench has no Credit Note to link")
	return notes[0]["name"]


def remove_test_data(bench: Bench) -> None:
	bench.delete_all("WooCommerce Sync Action", {"woocommerce_server": SERVER})
	bench.delete_all(ORDER_SYNC, {"woocommerce_server": SERVER})
	bench.cancel_and_delete("Sales Order", {"po_no": MARKER})
	bench.delete_all("WooCommerce Server", {"name": SERVER})


@pytest.fixture(scope="module")
def seeded(bench: Bench) -> dict[str, str]:
	"""The rows; returns the Sales Order's and the Credit Note's names."""
	bench.insert(
		{
			"doctype": "WooCommerce Server",
			"title": SERVER,
			# Nothing listens there: no run queued by the test could reach a shop.
			"woocommerce_server_url": "http://127.0.0.1:9",
			"consumer_key": "ck_ui_details",
			"consumer_secret": "cs_ui_details",
			"enabled": 1,
			"company": COMPANY,
			"default_warehouse": f"Stores - {ABBR}",
		}
	)
	today = date.today()
	sales_order = bench.insert(
		{
			"doctype": "Sales Order",
			"company": COMPANY,
			"customer": "_Test Customer",
			"po_no": MARKER,
			"transaction_date": str(today),
			"delivery_date": str(today + timedelta(days=7)),
			"set_warehouse": f"Stores - {ABBR}",
			"items": [{"item_code": "_Test Non Stock Item", "qty": 1, "rate": 10}],
		}
	)["name"]
	credit_note = any_credit_note(bench)
	bench.insert(
		{
			"doctype": ORDER_SYNC,
			"woocommerce_server": SERVER,
			"woocommerce_id": REFUNDED,
			"status": "Sales order created",
			"sales_order": sales_order,
			"placeholder_lines": PLACEHOLDER,
			"status_push": "Failed",
			"status_push_document_type": "Sales Order",
			"status_push_document": sales_order,
			"status_push_error_kind": "transient",
			"status_push_attempts": 2,
			"status_push_retry": "Next try in 30 minutes",
			"status_push_error": PUSH_ERROR,
			"refund_status": "Refunds booked",
			"refunds": [
				{
					"refund_id": REFUND_ID,
					"amount": REFUND_AMOUNT,
					"state": "Booked",
					"credit_note": credit_note,
					"reason": "Damaged in transit",
				}
			],
		}
	)
	bench.insert(
		{
			"doctype": ORDER_SYNC,
			"woocommerce_server": SERVER,
			"woocommerce_id": PLAIN,
			"status": "Not processed",
		}
	)
	return {"sales_order": sales_order, "credit_note": credit_note}


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
	bench = Bench()
	remove_test_data(bench)
	yield bench
	remove_test_data(bench)


@pytest.fixture(scope="module")
def page(seeded: dict[str, str]) -> Iterator[Any]:
	with chromium() as browser, desk(browser) as page:
		yield page
		assert page.failed_calls == []


def section(page: Any, fieldname: str) -> Any:
	"""The form section a section break starts (Frappe hides the whole section by its depends_on)."""
	return page.locator(f'.form-section[data-fieldname="{fieldname}"]').first


def test_status_push_refunds_and_placeholder_lines(page: Any, seeded: dict[str, str]) -> None:
	open_form(page, ORDER_SYNC, row_name(REFUNDED))
	shot(page, "41_order_sync_refunded")
	assert error_dialogs(page) == []

	assert field(page, "placeholder_lines").is_visible()
	assert PLACEHOLDER in field(page, "placeholder_lines").inner_text()

	push = section(page, "status_push_section")
	push.scroll_into_view_if_needed()
	assert push.is_visible()
	text = push.inner_text()
	print("status push section:", " | ".join(text.split("\n")))
	for shown in ("Status back to WooCommerce", "Failed", "transient", "Next try in 30 minutes"):
		assert shown in text, shown
	assert seeded["sales_order"] in field(page, "status_push_document").inner_text()
	assert "503 Service Unavailable" in field(page, "status_push_error").inner_text()
	shot(page, "42_order_sync_status_push")

	refunds = field(page, "refunds")
	refunds.scroll_into_view_if_needed()
	assert section(page, "refunds_section").is_visible()
	assert "Refunds booked" in field(page, "refund_status").inner_text()
	rows = refunds.locator(".grid-body .grid-row")
	assert rows.count() == 1
	cells = " ".join(rows.first.inner_text().split())
	print("refund row:", cells)
	assert str(REFUND_ID) in cells and "4.5" in cells and seeded["credit_note"] in cells
	link = rows.first.locator('[data-fieldname="credit_note"] a')
	assert link.count() == 1 and seeded["credit_note"] in link.first.get_attribute("href")
	shot(page, "43_order_sync_refunds")


def test_an_order_without_placeholder_lines_push_or_refunds_hides_them(page: Any) -> None:
	open_form(page, ORDER_SYNC, row_name(PLAIN))
	shot(page, "44_order_sync_plain")
	assert error_dialogs(page) == []
	assert not field(page, "placeholder_lines").is_visible()
	assert not section(page, "status_push_section").is_visible()
	# Desk hides a section whose read-only fields are all empty.
	assert not section(page, "refunds_section").is_visible()
