"""The WooCommerce workspace and the stock and price queue's list in a real browser (Debian's
chromium driven by Playwright): every number card shows a number and every chart draws, with no
refused call, for the administrator and for a user with only the WooCommerce Order Sync User role
(who sees neither the API error rate card nor its chart: they sum up the Request Log, which that
role may not read); the WooCommerce Pending Update list is linked from the workspace and lists
its rows.

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (README, "In a browser"). The
server, rows and user are made through Frappe's REST API as Administrator and removed at the
start and at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

if not os.environ.get("WOOFUSION_BENCH_URL"):
	pytest.skip("no bench configured (WOOFUSION_BENCH_URL)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from desk import ABBR, COMPANY, Bench, chromium, desk, error_dialogs, settle, shot, wait_until  # noqa: E402

SERVER = "_Test WooCommerce UI Workspace"
ORDER_SYNC = "WooCommerce Order Sync"
PENDING = "WooCommerce Pending Update"
USER = "ui-workspace@example.com"
# Frappe's password policy refuses weak passwords for the user the test makes.
PASSWORD = "Ui-Workspace-2026!wf"
ROWS = {930001: "Failed", 930002: "Payment registered", 930003: "Not processed"}
ITEMS = ("_Test Item", "_Test Item 2")
# The cards by their titles, the labels of the workspace's rows.
EVERY_CARD = {
	"WooCommerce Orders Today",
	"Failed WooCommerce Orders",
	"Stuck WooCommerce Orders",
	"WooCommerce Sync Lag (Minutes)",
	"WooCommerce API Error Rate (24 h)",
}
EVERY_CHART = {
	"WooCommerce Orders by Status Today",
	"WooCommerce Orders by Status Last 7 Days",
	"WooCommerce Sync Lag per Server",
	"WooCommerce API Error Rate per Server",
}
REQUEST_LOG_ONLY = ({"WooCommerce API Error Rate (24 h)"}, {"WooCommerce API Error Rate per Server"})


def remove_test_data(bench: Bench) -> None:
	for doctype in ("WooCommerce Sync Action", PENDING, ORDER_SYNC):
		bench.delete_all(doctype, {"woocommerce_server": SERVER})
	bench.delete_all("WooCommerce Server", {"name": SERVER})
	bench.delete_all("User", {"name": USER})


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
	bench = Bench()
	remove_test_data(bench)
	server = bench.insert(
		{
			"doctype": "WooCommerce Server",
			"title": SERVER,
			# Nothing listens there: no run queued by the test could reach a shop.
			"woocommerce_server_url": "http://127.0.0.1:9",
			"consumer_key": "ck_ui_workspace",
			"consumer_secret": "cs_ui_workspace",
			"enabled": 1,
			"enable_order_sync": 1,
			"company": COMPANY,
			"default_warehouse": f"Stores - {ABBR}",
		}
	)
	# Synchronised when it was made: the lag card and chart have a figure for it.
	bench.call(
		"frappe.client.set_value",
		doctype="WooCommerce Server",
		name=SERVER,
		fieldname="last_synchronised_on",
		value=server["creation"],
	)
	for woocommerce_id, status in ROWS.items():
		row = bench.insert(
			{
				"doctype": ORDER_SYNC,
				"woocommerce_server": SERVER,
				"woocommerce_id": woocommerce_id,
				"status": status,
			}
		)
		# Placed now, in the site's time zone (the "today" of the cards and charts).
		bench.call(
			"frappe.client.set_value",
			doctype=ORDER_SYNC,
			name=row["name"],
			fieldname="woocommerce_created",
			value=row["creation"],
		)
	for item_code, stock, price in ((ITEMS[0], 1, 0), (ITEMS[1], 0, 1)):
		bench.insert(
			{
				"doctype": PENDING,
				"woocommerce_server": SERVER,
				"item_code": item_code,
				"stock_pending": stock,
				"price_pending": price,
			}
		)
	# The second Item's price was refused five times: the push gave up on it.
	gave_up = bench.get_list(PENDING, {"woocommerce_server": SERVER, "item_code": ITEMS[1]}, ["name"])
	for fieldname, value in (
		("error", "[rest_invalid_param] Invalid parameter(s): regular_price"),
		("attempts", 5),
		("retry_status", "Gave up after 5 attempts"),
	):
		bench.call(
			"frappe.client.set_value",
			doctype=PENDING,
			name=gave_up[0]["name"],
			fieldname=fieldname,
			value=value,
		)
	bench.make_user(USER, PASSWORD, ["WooCommerce Order Sync User"])
	yield bench
	remove_test_data(bench)


@pytest.fixture(scope="module")
def browser(bench: Bench) -> Iterator[Any]:
	with chromium() as browser:
		yield browser


def open_workspace(page: Any) -> None:
	page.goto("/app/woocommerce")
	page.wait_for_selector(".number-widget-box")
	# The cards and charts fetch their figures after the workspace is drawn; a chart is done
	# when it drew or says "No Data".
	wait_until(
		page,
		"""() => [...document.querySelectorAll('.number-widget-box')]
			.every(card => card.querySelector('.widget-content .number'))""",
		"number_cards",
	)
	wait_until(
		page,
		"""() => [...document.querySelectorAll('.dashboard-widget-box')].every(chart =>
			chart.querySelector('.frappe-chart svg, .chart-container svg') ||
			[...chart.querySelectorAll('.chart-loading-state')]
				.some(state => state.offsetParent && state.textContent.includes('No Data')))""",
		"charts",
	)
	settle(page)
	# The bars grow in.
	page.wait_for_timeout(1500)


def cards(page: Any) -> dict[str, str]:
	return page.evaluate(
		"""() => Object.fromEntries([...document.querySelectorAll('.number-widget-box')].map(card => [
			card.querySelector('.widget-title').textContent.trim(),
			card.querySelector('.widget-content .number').textContent.trim()]))"""
	)


def charts(page: Any) -> dict[str, bool]:
	"""Each chart by its name, and whether it drew anything (False: "No Data")."""
	return page.evaluate(
		"""() => Object.fromEntries([...document.querySelectorAll('.dashboard-widget-box')].map(chart => [
			chart.querySelector('.widget-title').textContent.trim(), !!chart.querySelector('.frappe-chart svg, .chart-container svg')]))"""
	)


def check_workspace(page: Any, expected_cards: set[str], expected_charts: set[str], name: str) -> None:
	open_workspace(page)
	shot(page, name)
	assert error_dialogs(page) == []
	assert page.failed_calls == []
	shown_cards = cards(page)
	print("number cards:", shown_cards)
	assert set(shown_cards) == expected_cards
	for card, number in shown_cards.items():
		# The error rate is known only for servers logging every call (README, "Dashboard").
		assert any(ch.isdigit() for ch in number) or number == "No Data", (card, number)
	# Three orders of the test's server failed, were paid and wait, all today.
	assert int(shown_cards["WooCommerce Orders Today"]) >= len(ROWS)
	assert int(shown_cards["Failed WooCommerce Orders"]) >= 1
	drawn = charts(page)
	print("charts drawn:", drawn)
	assert set(drawn) == expected_charts
	assert drawn["WooCommerce Orders by Status Today"] and drawn["WooCommerce Orders by Status Last 7 Days"]
	assert drawn["WooCommerce Sync Lag per Server"]


def test_workspace_as_administrator(browser: Any) -> None:
	with desk(browser) as page:
		check_workspace(page, EVERY_CARD, EVERY_CHART, "61_workspace_administrator")


def test_workspace_as_order_sync_user(browser: Any) -> None:
	with desk(browser, USER, PASSWORD) as page:
		check_workspace(
			page,
			EVERY_CARD - REQUEST_LOG_ONLY[0],
			EVERY_CHART - REQUEST_LOG_ONLY[1],
			"62_workspace_order_sync_user",
		)
		# The queue of stock and price pushes is the managers' business.
		assert page.locator(".links-widget-box a", has_text="WooCommerce Pending Update").count() == 0


def test_pending_update_list_is_linked_from_the_workspace(browser: Any) -> None:
	with desk(browser) as page:
		open_workspace(page)
		link = page.locator(".links-widget-box a", has_text="WooCommerce Pending Update")
		link.scroll_into_view_if_needed()
		link.click()
		page.wait_for_url("**/app/woocommerce-pending-update**")
		page.wait_for_selector(".frappe-list .result", state="attached")
		page.locator(".filter-x-button").click()
		settle(page)
		page.wait_for_selector(".frappe-list .list-row-container")
		shot(page, "63_pending_update_list")
		headings = " ".join(page.locator(".list-row-head").first.inner_text().split())
		print("list columns:", headings)
		for column in ("Stock Waiting", "Price Waiting"):
			assert column in headings
		rows = page.locator(".frappe-list .list-row-container", has_text=SERVER)
		texts = [" ".join(t.split()) for t in rows.all_inner_texts()]
		print("rows:", texts)
		assert len(texts) == 2
		assert {item for item in ITEMS if any(item in t for t in texts)} == set(ITEMS)
		# One waits for the push, the other was given up on; the rows' random names are not shown.
		by_item = {item: next(t for t in texts if item in t and (item + " 2") not in t) for item in ITEMS}
		assert "Waiting" in by_item[ITEMS[0]] and "Gave Up" not in by_item[ITEMS[0]]
		assert "Gave Up" in by_item[ITEMS[1]]
		names = {row["name"] for row in Bench().get_list(PENDING, {"woocommerce_server": SERVER}, ["name"])}
		assert not any(name in t for name in names for t in texts)
		assert error_dialogs(page) == []
		assert page.failed_calls == []
