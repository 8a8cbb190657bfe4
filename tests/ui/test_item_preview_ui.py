"""The single-product sync of the queue screen in a real browser (Debian's chromium driven by
Playwright) against a bench with the app installed, logged in as the administrator
(WOOFUSION_BENCH_ADMIN_USER / _PASSWORD): the product search field, what a sync would do in each
of two webshops with the details on hover, Synchronize asking which webshop, and an Item that does
not meet the webshops' criteria.

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (see test_order_sync_screen_ui.py
and the README). Both webshops point at a test shop this test starts on 127.0.0.1; the test makes
its Item Group, Items, prices and webshops through Frappe's REST API and removes them afterwards.
The "One item" run it queues waits in the bench's queue until a worker takes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

BENCH_URL = os.environ.get("WOOFUSION_BENCH_URL", "").rstrip("/")
if not BENCH_URL:
	pytest.skip("no bench configured (WOOFUSION_BENCH_URL)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from woocommerce_fusion.testing.shop import TestShop  # noqa: E402

ADMIN_USER = os.environ.get("WOOFUSION_BENCH_ADMIN_USER", "Administrator")
ADMIN_PASSWORD = os.environ.get("WOOFUSION_BENCH_ADMIN_PASSWORD", "admin")
CHROMIUM = os.environ.get("WOOFUSION_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("WOOFUSION_UI_SCREENSHOTS", Path(__file__).parent / "screenshots"))
SERVERS = ("_Test WooCommerce UI Items A", "_Test WooCommerce UI Items B")
GROUP, OTHER_GROUP = "_Test WooCommerce UI Web", "_Test WooCommerce UI Office"
MUG, PAPER = "_TWCUI-MUG", "_TWCUI-PAPER"
PRICE_LIST = "Standard Selling"
SYNC_ACTION = "WooCommerce Sync Action"
COMPANY, ABBR = "_Test Company 2", "_TC2"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


class Bench:
	def __init__(self) -> None:
		self.http = requests.Session()
		self.http.post(
			f"{BENCH_URL}/api/method/login", json={"usr": ADMIN_USER, "pwd": ADMIN_PASSWORD}, timeout=30
		).raise_for_status()

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

	def delete_all(self, doctype: str, filters: dict) -> None:
		for row in self.get_list(doctype, filters, ["name"]):
			self.call("frappe.client.delete", doctype=doctype, name=row["name"])

	def remove_test_data(self) -> None:
		for server in SERVERS:
			self.delete_all(SYNC_ACTION, {"woocommerce_server": server})
		for item in (MUG, PAPER):
			self.delete_all("Item Price", {"item_code": item})
			self.delete_all("Item", {"name": item})
		for server in SERVERS:
			self.delete_all("WooCommerce Server", {"name": server})
		for group in (GROUP, OTHER_GROUP):
			self.delete_all("Item Group", {"name": group})


@pytest.fixture(scope="module")
def shop() -> Iterator[TestShop]:
	with TestShop().start() as running:
		yield running


@pytest.fixture(scope="module")
def bench(shop: TestShop) -> Iterator[Bench]:
	bench = Bench()
	bench.remove_test_data()
	category = shop.add_category("Web")
	for group in (GROUP, OTHER_GROUP):
		bench.insert(
			{"doctype": "Item Group", "item_group_name": group, "parent_item_group": "All Item Groups"}
		)
	for server in SERVERS:
		bench.insert(
			{
				"doctype": "WooCommerce Server",
				"title": server,
				"woocommerce_server_url": shop.url,
				"consumer_key": shop.consumer_key,
				"consumer_secret": shop.consumer_secret,
				"enabled": 1,
				"request_timeout": 30,
				"company": COMPANY,
				"default_warehouse": f"Stores - {ABBR}",
				"selling_price_list": PRICE_LIST,
				"enable_item_sync": 1,
				"item_sync_item_groups": [{"item_group": GROUP}],
				"item_categories": [{"item_group": GROUP, "woocommerce_category_id": category}],
			}
		)
	for code, group in ((MUG, GROUP), (PAPER, OTHER_GROUP)):
		bench.insert(
			{"doctype": "Item", "item_code": code, "item_name": code, "item_group": group, "stock_uom": "Nos"}
		)
		bench.insert(
			{"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST, "price_list_rate": 7.5}
		)
	yield bench
	bench.remove_test_data()


@pytest.fixture()
def page(bench: Bench) -> Iterator[Any]:
	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	with sync_api.sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
		context = browser.new_context(
			base_url=BENCH_URL, viewport={"width": 1440, "height": 900}, locale="en-US"
		)
		page = context.new_page()
		page.set_default_timeout(20_000)
		page.goto("/login")
		page.fill("#login_email", ADMIN_USER)
		page.fill("#login_password", ADMIN_PASSWORD)
		page.click(".btn-login")
		page.wait_for_url("**/app**")
		yield page
		browser.close()


def shot(page: Any, name: str) -> None:
	path = SCREENSHOTS / f"{name}.png"
	page.screenshot(path=str(path), full_page=True)
	print(f"screenshot: {path}")


def choose_product(page: Any, item_code: str) -> Any:
	"""Types the code into the toolbar's product field, picks it from the suggestions and waits
	for one line per webshop."""
	field = page.locator('input[data-fieldname="woocommerce_item_to_sync"]')
	# The list keeps the field's last value (user settings); the suggestions only open on typing.
	field.fill("")
	field.click()
	field.press_sequentially(item_code)
	page.locator(f'.awesomplete [role="option"] p[title="{item_code}"]').first.click()
	lines = page.locator(".woocommerce-item-preview-shop")
	page.wait_for_function(
		"servers => servers.every(s => document.querySelector(`.woocommerce-item-preview-shop[data-server='${s}']`))",
		arg=list(SERVERS),
	)
	return lines


def line(page: Any, server: str) -> Any:
	return page.locator(f".woocommerce-item-preview-shop[data-server='{server}']")


def sync_button(page: Any) -> Any:
	return page.locator(".page-actions button[data-woocommerce-item-sync]")


def test_preview_and_synchronize_a_product(page: Any, bench: Bench) -> None:
	page.goto("/app/woocommerce-sync-action")
	page.wait_for_selector('input[data-fieldname="woocommerce_item_to_sync"]')
	assert sync_button(page).is_disabled()
	choose_product(page, MUG)
	shot(page, "21_item_preview_add")
	for server in SERVERS:
		assert line(page, server).get_attribute("data-action") == "add"
		assert "Will be added" in line(page, server).inner_text()
		title = line(page, server).get_attribute("title")
		assert f"Item Group {GROUP} -> category" in title
	assert sync_button(page).is_enabled()

	sync_button(page).click()
	dialog = page.locator(".modal.show", has_text="Which webshop?")
	dialog.wait_for()
	dialog.locator("select").select_option(SERVERS[1])
	shot(page, "22_item_preview_which_webshop")
	dialog.locator(".btn-primary", has_text="Synchronize").click()
	page.locator("#alert-container", has_text="Synchronisation started").wait_for()
	page.wait_for_timeout(500)
	shot(page, "23_item_preview_queued")
	queued = bench.get_list(
		SYNC_ACTION, {"woocommerce_server": SERVERS[1]}, ["sync_type", "reference", "state"]
	)
	assert queued == [{"sync_type": "One item", "reference": MUG, "state": "Not processed"}]
	assert bench.get_list(SYNC_ACTION, {"woocommerce_server": SERVERS[0]}, ["name"]) == []


def test_a_product_outside_the_criteria_says_so_and_cannot_be_synchronized(page: Any) -> None:
	page.goto("/app/woocommerce-sync-action")
	page.wait_for_selector('input[data-fieldname="woocommerce_item_to_sync"]')
	choose_product(page, PAPER)
	shot(page, "24_item_preview_not_eligible")
	for server in SERVERS:
		assert line(page, server).get_attribute("data-action") == "not eligible"
		text = line(page, server).inner_text()
		assert "Does not meet the webshop's criteria" in text and OTHER_GROUP in text
	assert sync_button(page).is_disabled()
