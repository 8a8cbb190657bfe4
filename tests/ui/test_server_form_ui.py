"""The WooCommerce Server form in a real browser (Debian's chromium driven by Playwright) as the
administrator: a new server made through the form starts with the default Status Rules and the
Deleted Product Item; the Stock and Prices tab and the Items tab show their settings only once
their sync is switched on, and what is entered there is saved.

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (README, "In a browser"). The
server points at a port nothing listens on; the test removes it, with whatever its saving queued,
at the start and at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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
	save,
	settle,
	shot,
	show_tab,
	wait_until,
)

SERVER = "_Test WooCommerce UI Server Form"
GROUP = "_Test WooCommerce UI Shop Goods"
WAREHOUSE = f"Stores - {ABBR}"
DELETED_PRODUCT_ITEM = "WooCommerce Deleted Product"


def remove_test_data(bench: Bench) -> None:
	for doctype in ("WooCommerce Sync Action", "WooCommerce Pending Update"):
		bench.delete_all(doctype, {"woocommerce_server": SERVER})
	bench.delete_all("WooCommerce Server", {"name": SERVER})
	bench.delete_all("Item Group", {"name": GROUP})


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
	bench = Bench()
	remove_test_data(bench)
	bench.insert({"doctype": "Item Group", "item_group_name": GROUP, "parent_item_group": "All Item Groups"})
	yield bench
	remove_test_data(bench)


@pytest.fixture(scope="module")
def page(bench: Bench) -> Iterator[Any]:
	with chromium() as browser, desk(browser) as page:
		yield page
		assert page.failed_calls == []


def pick(page: Any, fieldname: str, value: str, scope: Any = None) -> None:
	"""Types into a Link or Table MultiSelect field and picks the value from its suggestions."""
	box = (scope or field(page, fieldname)).locator("input").first
	box.click()
	box.fill(value)
	page.locator('.awesomplete [role="option"]:visible', has_text=value).first.click()
	page.wait_for_timeout(300)


def visible(page: Any, fieldname: str) -> bool:
	return field(page, fieldname).is_visible()


def test_a_new_server_starts_with_the_default_status_rules(page: Any, bench: Bench) -> None:
	page.goto("/app/woocommerce-server/new")
	page.wait_for_selector('.frappe-control[data-fieldname="title"] input')
	settle(page)
	page.fill('.frappe-control[data-fieldname="title"] input', SERVER)
	# Nothing listens there: no run queued by the saving can reach a shop.
	page.fill('.frappe-control[data-fieldname="woocommerce_server_url"] input', "http://127.0.0.1:9")
	page.fill('.frappe-control[data-fieldname="consumer_key"] input', "ck_ui_server_form")
	page.fill('.frappe-control[data-fieldname="consumer_secret"] input', "cs_ui_server_form")
	show_tab(page, "Orders")
	rules = field(page, "status_rules")
	# The defaults show on the new form, before the first save.
	wait_until(
		page,
		"() => (cur_frm.doc.status_rules || []).length === 4",
		"default_rules_on_new_form",
	)
	assert rules.locator(".grid-body .grid-row").count() == 4
	pick(page, "company", COMPANY)
	# A warehouse Desk filled in from the user's defaults, of another company, is cleared.
	wait_until(
		page,
		"""() => !cur_frm.doc.default_warehouse ||
			cur_frm.doc.default_warehouse.endsWith(' - _TC2')""",
		"warehouse_follows_company",
	)
	pick(page, "default_warehouse", WAREHOUSE)
	shot(page, "31_server_new_orders_tab")
	save(page)
	assert error_dialogs(page) == []

	show_tab(page, "Orders")
	rules.scroll_into_view_if_needed()
	shot(page, "32_server_saved_orders_tab")
	rows = rules.locator(".grid-body .grid-row")
	assert rows.count() == 4
	shown = [" ".join(rows.nth(i).inner_text().split()) for i in range(4)]
	print("status rules:", shown)
	assert any(t.startswith("1 Delivery Note submitted completed") for t in shown)
	assert bench.get_doc("WooCommerce Server", SERVER)["status_rules"]
	saved = [
		(row["erpnext_event"], row["woocommerce_status"], row["enabled"])
		for row in bench.get_doc("WooCommerce Server", SERVER)["status_rules"]
	]
	assert saved == [
		("Delivery Note submitted", "completed", 1),
		("Sales Order closed", "completed", 1),
		("Sales Invoice submitted", "completed", 0),
		("Sales Order cancelled", "cancelled", 0),
	]
	# The enabled column is drawn as a tick in the row's Enabled cell.
	enabled_cells = rules.locator(
		'.grid-body .grid-row [data-fieldname="enabled"] :is(input:checked, .disabled-selected)'
	)
	assert enabled_cells.count() == 2

	deleted_item = field(page, "deleted_product_item")
	assert deleted_item.is_visible()
	assert DELETED_PRODUCT_ITEM in deleted_item.inner_text() or (
		deleted_item.locator("input").input_value() == DELETED_PRODUCT_ITEM
	)


def test_stock_and_prices_tab(page: Any, bench: Bench) -> None:
	show_tab(page, "Stock and Prices")
	assert visible(page, "enable_stock_sync") and visible(page, "enable_price_sync")
	assert visible(page, "stock_poll_interval")
	# Warehouses and the quantity basis belong to the stock sync.
	assert not visible(page, "stock_warehouses") and not visible(page, "stock_quantity_basis")
	shot(page, "33_server_stock_prices_off")

	field(page, "enable_stock_sync").locator("input[data-fieldname]").check()
	page.wait_for_timeout(300)
	assert visible(page, "stock_warehouses") and visible(page, "stock_quantity_basis")
	pick(page, "stock_warehouses", WAREHOUSE)
	field(page, "stock_quantity_basis").locator("select").select_option("Projected")
	field(page, "enable_price_sync").locator("input[data-fieldname]").check()
	interval = field(page, "stock_poll_interval").locator("input")
	interval.fill("15")
	interval.press("Tab")
	shot(page, "34_server_stock_prices_on")
	save(page)
	assert error_dialogs(page) == []
	shot(page, "35_server_stock_prices_saved")

	doc = bench.get_doc("WooCommerce Server", SERVER)
	assert doc["enable_stock_sync"] == 1 and doc["enable_price_sync"] == 1
	assert [row["warehouse"] for row in doc["stock_warehouses"]] == [WAREHOUSE]
	assert doc["stock_quantity_basis"] == "Projected"
	assert doc["stock_poll_interval"] == 15
	# The saved form shows the warehouse as a pill of the multi-select.
	assert WAREHOUSE in field(page, "stock_warehouses").inner_text()


def test_items_tab(page: Any, bench: Bench) -> None:
	show_tab(page, "Items")
	assert visible(page, "enable_item_sync") and visible(page, "item_group")
	for fieldname in ("item_sync_item_groups", "item_categories", "item_manage_stock", "item_backorders"):
		assert not visible(page, fieldname), fieldname
	shot(page, "36_server_items_off")

	field(page, "enable_item_sync").locator("input[data-fieldname]").check()
	page.wait_for_timeout(300)
	for fieldname in (
		"item_sync_item_groups",
		"item_categories",
		"item_manage_stock",
		"item_backorders",
		"create_items_from_shop",
	):
		assert visible(page, fieldname), fieldname
	pick(page, "item_sync_item_groups", GROUP)

	categories = field(page, "item_categories")
	categories.locator(".grid-add-row").click()
	row = categories.locator(".grid-body .grid-row").last
	row.locator('[data-fieldname="item_group"]').first.click()
	pick(page, "item_group", GROUP, scope=row.locator('.frappe-control[data-fieldname="item_group"]'))
	row.locator('[data-fieldname="woocommerce_category_id"]').first.click()
	category = row.locator('.frappe-control[data-fieldname="woocommerce_category_id"] input')
	category.fill("17")
	# Not Tab: Tab in a table's last column adds a row.
	category.blur()

	field(page, "item_manage_stock").locator("input[data-fieldname]").check()
	field(page, "item_backorders").locator("select").select_option("Notify")
	shot(page, "37_server_items_on")
	save(page)
	assert error_dialogs(page) == []
	shot(page, "38_server_items_saved")

	doc = bench.get_doc("WooCommerce Server", SERVER)
	assert doc["enable_item_sync"] == 1
	assert [row["item_group"] for row in doc["item_sync_item_groups"]] == [GROUP]
	assert [(row["item_group"], row["woocommerce_category_id"]) for row in doc["item_categories"]] == [
		(GROUP, 17)
	]
	assert doc["item_manage_stock"] == 1 and doc["item_backorders"] == "Notify"


def test_a_category_mapped_twice_is_refused_with_a_message(page: Any, bench: Bench) -> None:
	show_tab(page, "Items")
	categories = field(page, "item_categories")
	categories.locator(".grid-add-row").click()
	row = categories.locator(".grid-body .grid-row").last
	row.locator('[data-fieldname="item_group"]').first.click()
	pick(page, "item_group", GROUP, scope=row.locator('.frappe-control[data-fieldname="item_group"]'))
	row.locator('[data-fieldname="woocommerce_category_id"]').first.click()
	category = row.locator('.frappe-control[data-fieldname="woocommerce_category_id"] input')
	category.fill("18")
	# Not Tab: Tab in a table's last column adds a row.
	category.blur()
	page.locator(".page-actions .primary-action:visible").first.click()
	message = page.locator(".modal.show .msgprint")
	message.wait_for()
	shot(page, "39_server_category_twice")
	assert "is mapped twice" in message.inner_text()
	# The refusal is the expected answer to this save, not a failure of the screen.
	page.failed_calls.clear()
	doc = bench.get_doc("WooCommerce Server", SERVER)
	assert len(doc["item_categories"]) == 1
