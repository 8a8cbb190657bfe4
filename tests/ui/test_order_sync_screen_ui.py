"""The order status screen in a real browser: Debian's chromium, driven by Playwright, against a
bench with the app installed, as a user with only the WooCommerce Order Sync User role (and Sales
User, which Frappe needs to open a Sales Order).

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (see the README's "status screen"
section for the variables). The test makes its own webshop, user, Sales Order and Order Sync rows
through Frappe's REST API as Administrator and removes them afterwards. Every screen is kept as a
PNG in WOOFUSION_UI_SCREENSHOTS (default tests/ui/screenshots/).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

BENCH_URL = os.environ.get("WOOFUSION_BENCH_URL", "").rstrip("/")
if not BENCH_URL:
	pytest.skip("no bench configured (WOOFUSION_BENCH_URL)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

ADMIN_USER = os.environ.get("WOOFUSION_BENCH_ADMIN_USER", "Administrator")
ADMIN_PASSWORD = os.environ.get("WOOFUSION_BENCH_ADMIN_PASSWORD", "admin")
USER = os.environ.get("WOOFUSION_BENCH_USER", "ui-order-sync@example.com")
# Frappe's password policy refuses weak passwords for the user the test makes.
PASSWORD = os.environ.get("WOOFUSION_BENCH_PASSWORD", "Ui-Order-Sync-2026!wf")
CHROMIUM = os.environ.get("WOOFUSION_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("WOOFUSION_UI_SCREENSHOTS", Path(__file__).parent / "screenshots"))

SERVER = "_Test WooCommerce UI"
ORDER_SYNC = "WooCommerce Order Sync"
SYNC_ACTION = "WooCommerce Sync Action"
# The test company of the bench fixtures (woocommerce_fusion/testing/bench_fixtures.py).
COMPANY = "_Test Company 2"
ABBR = "_TC2"
ERROR = (
	"MappingError: WooCommerce item 'SKU-9' has no Item in ERPNext\n\nKind: bad_data\n\n"
	'Traceback (most recent call last):\n  File "pipeline.py", line 1\n'
)
# Four rows: the status filter keeps the first two.
FAILED, NOT_PROCESSED, PAID, NO_STOCK = 910001, 910002, 910003, 910004
ROWS = {
	FAILED: "Failed",
	NOT_PROCESSED: "Not processed",
	PAID: "Payment registered",
	NO_STOCK: "Failed at stock allocation",
}
BROWSER_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--no-first-run",
	"--disable-sync",
]


def row_name(woocommerce_id: int) -> str:
	return f"{SERVER}-{woocommerce_id}"


def payload(woocommerce_id: int) -> str:
	return json.dumps({"id": woocommerce_id, "status": "processing", "total": "10.00"}, indent=1)


class Bench:
	"""Frappe's REST API as Administrator."""

	def __init__(self) -> None:
		self.http = requests.Session()
		answer = self.http.post(
			f"{BENCH_URL}/api/method/login", json={"usr": ADMIN_USER, "pwd": ADMIN_PASSWORD}, timeout=30
		)
		answer.raise_for_status()

	def call(self, method: str, **args: Any) -> Any:
		answer = self.http.post(f"{BENCH_URL}/api/method/{method}", json=args, timeout=60)
		assert answer.ok, answer.text
		return answer.json().get("message")

	def insert(self, doc: dict) -> dict:
		return self.call("frappe.client.insert", doc=doc)

	def get_list(self, doctype: str, filters: dict, fields: list[str]) -> list[dict]:
		return self.call(
			"frappe.client.get_list", doctype=doctype, filters=filters, fields=fields, limit_page_length=0
		)

	def exists(self, doctype: str, name: str) -> bool:
		return bool(self.get_list(doctype, {"name": name}, ["name"]))

	def delete(self, doctype: str, name: str) -> None:
		if self.exists(doctype, name):
			self.call("frappe.client.delete", doctype=doctype, name=name)

	def queued_ids(self) -> list[int]:
		"""The orders of SERVER a "One order" run was queued for."""
		actions = self.get_list(
			SYNC_ACTION, {"woocommerce_server": SERVER, "sync_type": "One order"}, ["reference"]
		)
		return sorted(int(action["reference"]) for action in actions)

	def remove_test_data(self) -> None:
		"""What this test (or an earlier, interrupted run) made, Sales Order last: the rows link it."""
		for action in self.get_list(SYNC_ACTION, {"woocommerce_server": SERVER}, ["name"]):
			self.call("frappe.client.delete", doctype=SYNC_ACTION, name=action["name"])
		sales_orders = set()
		for row in self.get_list(ORDER_SYNC, {"woocommerce_server": SERVER}, ["name", "sales_order"]):
			sales_orders.add(row["sales_order"])
			self.call("frappe.client.delete", doctype=ORDER_SYNC, name=row["name"])
		for name in sales_orders - {None}:
			self.delete("Sales Order", name)
		self.delete("WooCommerce Server", SERVER)
		self.delete("User", USER)


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
	bench = Bench()
	bench.remove_test_data()
	yield bench
	bench.remove_test_data()


@pytest.fixture(scope="module")
def sales_order(bench: Bench) -> str:
	return make_test_data(bench)


def make_test_data(bench: Bench) -> str:
	"""The webshop, the user, the rows, and the Failed row's Sales Order (the order failed after
	it was made, at the invoice); returns the Sales Order's name."""
	bench.insert(
		{
			"doctype": "WooCommerce Server",
			"title": SERVER,
			# Nothing listens there: no run queued by the test could reach a shop.
			"woocommerce_server_url": "http://127.0.0.1:9",
			"consumer_key": "ck_ui_test",
			"consumer_secret": "cs_ui_test",
			"enabled": 1,
			"enable_order_sync": 1,
			"request_timeout": 30,
			"company": COMPANY,
			"default_warehouse": f"Stores - {ABBR}",
		}
	)
	bench.insert(
		{
			"doctype": "User",
			"email": USER,
			"first_name": "UI Order Sync",
			"send_welcome_email": 0,
			"new_password": PASSWORD,
			"roles": [{"role": "WooCommerce Order Sync User"}, {"role": "Sales User"}],
		}
	)
	today = date.today()
	name = bench.insert(
		{
			"doctype": "Sales Order",
			"company": COMPANY,
			"customer": "_Test Customer",
			"transaction_date": str(today),
			"delivery_date": str(today + timedelta(days=7)),
			"set_warehouse": f"Stores - {ABBR}",
			"items": [{"item_code": "_Test Non Stock Item", "qty": 1, "rate": 10}],
		}
	)["name"]
	for woocommerce_id, status in ROWS.items():
		failed = status.startswith("Failed")
		bench.insert(
			{
				"doctype": ORDER_SYNC,
				"woocommerce_server": SERVER,
				"woocommerce_id": woocommerce_id,
				"status": status,
				"sales_order": name if woocommerce_id in (FAILED, PAID) else None,
				"error": ERROR if failed else None,
				"error_summary": ERROR.splitlines()[0] if failed else None,
				"error_kind": "bad_data" if failed else None,
				"failed_step": "invoice" if failed else None,
				"payload": payload(woocommerce_id),
			}
		)
	return name


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	with sync_api.sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
		yield browser
		browser.close()


@pytest.fixture()
def page(browser: Any, sales_order: str) -> Iterator[Any]:
	"""A fresh browser context logged in through the login page as the Order Sync User."""
	context = browser.new_context(base_url=BENCH_URL, viewport={"width": 1440, "height": 900}, locale="en-US")
	context.grant_permissions(["clipboard-read", "clipboard-write"], origin=BENCH_URL)
	page = context.new_page()
	page.set_default_timeout(20_000)
	page.goto("/login")
	page.fill("#login_email", USER)
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_url("**/app/**")
	yield page
	context.close()


def shot(page: Any, name: str) -> None:
	path = SCREENSHOTS / f"{name}.png"
	page.screenshot(path=str(path), full_page=True)
	print(f"screenshot: {path}")


def open_list(page: Any) -> None:
	"""The list showing this test's rows only, whatever filters the user's settings kept.

	The rows are picked by their ID: the Webshop filter is refused to a user who may not read
	WooCommerce Servers (README, 'In a browser').
	"""
	page.goto("/app/woocommerce-order-sync")
	# Attached, not visible: filters kept from an earlier test may leave the list empty, and
	# Frappe then hides the result area until they are cleared.
	page.wait_for_selector(".frappe-list .result", state="attached")
	page.locator(".filter-x-button").click()
	page.fill('.standard-filter-section input[data-fieldname="name"]', f"{SERVER}-")
	wait_for_rows(page, ROWS)


def shown_ids(page: Any) -> list[int]:
	names = page.eval_on_selector_all(
		".frappe-list .list-row-checkbox[data-name]", "boxes => boxes.map(b => b.dataset.name)"
	)
	return sorted(int(name.rsplit("-", 1)[1]) for name in names)


def wait_for_rows(page: Any, ids: Any) -> None:
	"""Until the list shows exactly these orders (the list refreshes after a filter changes)."""
	expected = sorted(ids)
	try:
		page.wait_for_function(
			"""expected => {
			const names = [...document.querySelectorAll('.frappe-list .list-row-checkbox[data-name]')]
				.map(b => Number(b.dataset.name.split('-').pop())).sort((a, b) => a - b);
			return JSON.stringify(names) === JSON.stringify(expected);
		}""",
			arg=expected,
		)
	except sync_api.TimeoutError:
		shot(page, "failed_wait_for_rows")
	assert shown_ids(page) == expected


def choose_statuses(page: Any, statuses: list[str]) -> None:
	field = page.locator('.standard-filter-section [data-fieldname="status"]')
	field.locator('[data-toggle="dropdown"]').click()
	for status in statuses:
		field.locator(".selectable-item").get_by_text(status, exact=True).click()
	page.locator(".page-title").first.click()


def set_created_on(page: Any, start: date, end: date) -> None:
	"""Types the range as a user would, in the site's date format (mm-dd-yyyy on the bench)."""
	date_format = page.evaluate("frappe.boot.sysdefaults.date_format")
	to_text = {
		"mm-dd-yyyy": "%m-%d-%Y",
		"dd-mm-yyyy": "%d-%m-%Y",
		"yyyy-mm-dd": "%Y-%m-%d",
		"dd.mm.yyyy": "%d.%m.%Y",
		"dd/mm/yyyy": "%d/%m/%Y",
		"mm/dd/yyyy": "%m/%d/%Y",
	}[date_format]
	field = page.locator('.standard-filter-section input[data-fieldname="creation"]')
	field.fill(f"{start.strftime(to_text)} to {end.strftime(to_text)}")
	field.press("Escape")
	page.locator(".page-title").first.click()


def clipboard_becomes(page: Any, expected: str, seconds: float = 10) -> bool:
	"""Whether the clipboard holds `expected` within `seconds` (the copy is asynchronous)."""
	text = None
	for _ in range(int(seconds * 10)):
		text = page.evaluate("navigator.clipboard.readText()")
		if text == expected:
			return True
		page.wait_for_timeout(100)
	print(f"clipboard: {text!r}")
	return False


def server_today(page: Any) -> date:
	"""Today in the site's time zone, which the Created On filter compares in."""
	return date.fromisoformat(page.evaluate("frappe.datetime.get_today()"))


def test_filter_by_two_statuses_and_a_date_range(page: Any) -> None:
	open_list(page)
	shot(page, "01_list")
	assert page.locator(".page-actions button", has_text="Refresh").is_visible()

	choose_statuses(page, ["Failed", "Not processed"])
	wait_for_rows(page, [FAILED, NOT_PROCESSED])
	shot(page, "02_list_two_statuses")

	today = server_today(page)
	set_created_on(page, today - timedelta(days=1), today)
	wait_for_rows(page, [FAILED, NOT_PROCESSED])
	shot(page, "03_list_statuses_and_created_on")

	# A range before the rows were made shows none of them.
	set_created_on(page, today - timedelta(days=30), today - timedelta(days=20))
	wait_for_rows(page, [])
	shot(page, "04_list_created_on_earlier")


def test_rerun_checked_rows(page: Any, bench: Bench) -> None:
	open_list(page)
	for woocommerce_id in (FAILED, NOT_PROCESSED, PAID):
		page.check(f'.list-row-checkbox[data-name="{row_name(woocommerce_id)}"]')
	page.locator(".page-actions .actions-btn-group button", has_text="Actions").click()
	page.locator(".actions-btn-group .dropdown-item", has_text="Rerun").click()
	alert = page.locator("#alert-container", has_text="Rerun started")
	alert.wait_for()
	# The alert slides in.
	page.wait_for_timeout(500)
	shot(page, "05_list_rerun_confirmed")
	# The paid row is no rerun's business: the list leaves it out of the call.
	assert "Rerun started for 2 orders" in alert.inner_text()
	assert bench.queued_ids() == [FAILED, NOT_PROCESSED]


def test_failed_row_retry_copy_and_open_sales_order(page: Any, bench: Bench, sales_order: str) -> None:
	page.goto(f"/app/woocommerce-order-sync/{quote(row_name(FAILED))}")
	page.wait_for_selector(".page-actions button:has-text('Retry')")
	shot(page, "06_form_failed")
	buttons = page.locator(".page-actions .custom-actions button:visible").all_inner_texts()
	assert {"Retry", "Copy error", "Copy data", "Open in new tab", "Mark as synced"} <= {
		text.strip() for text in buttons
	}

	page.locator(".page-actions button", has_text="Retry").click()
	page.locator("#alert-container", has_text="Queued: WooCommerce Sync Action").wait_for()
	page.wait_for_timeout(500)
	shot(page, "07_form_retry_queued")
	assert FAILED in bench.queued_ids()

	page.locator(".page-actions button", has_text="Copy error").click()
	assert clipboard_becomes(page, ERROR)
	shot(page, "08_form_error_copied")

	page.locator(".page-actions button", has_text="Copy data").click()
	assert clipboard_becomes(page, payload(FAILED))
	shot(page, "09_form_data_copied")

	with page.context.expect_page() as opened:
		page.locator(".page-actions button", has_text="Open in new tab").click()
	sales_order_page = opened.value
	sales_order_page.wait_for_load_state()
	sales_order_page.wait_for_selector(f'.page-head .title-text:has-text("{sales_order}"), .page-title')
	assert sales_order_page.url == f"{BENCH_URL}/app/sales-order/{quote(sales_order)}"
	sales_order_page.wait_for_function(
		"name => window.cur_frm && cur_frm.doc && cur_frm.doc.name === name", arg=sales_order
	)
	shot(sales_order_page, "10_sales_order_new_tab")
