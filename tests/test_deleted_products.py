"""Lines of products deleted in the shop: booked on the server's placeholder Item, exact to the cent.

WooCommerce 8.4 answers such a line with product_id 0, variation_id 0 and sku null, its name,
amounts, taxes and meta kept (the test shop does the same once a product is deleted for good).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import sync_settings
from test_mapping_totals import case, settings

from woocommerce_fusion.constants import DELETED_PRODUCT_ITEM
from woocommerce_fusion.engine.errors import ConfigurationError, ErrorKind
from woocommerce_fusion.engine.mapping import map_order
from woocommerce_fusion.engine.mapping.deleted_products import placeholder_note, restore_deleted_products
from woocommerce_fusion.engine.mapping.order import content_digest
from woocommerce_fusion.engine.pipeline import Status, process_order
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.testing.erp_fake import ErpFake

PLACEHOLDER = DELETED_PRODUCT_ITEM
DOCTYPES = Path(__file__).parent.parent / "woocommerce_fusion" / "woocommerce_fusion" / "doctype"
ADDRESS = {
	"first_name": "Erika",
	"last_name": "Muster",
	"address_1": "Leopoldstrasse 5",
	"city": "Muenchen",
	"postcode": "80802",
	"country": "DE",
}


def deleted(line: dict[str, Any], sku: str | None = None) -> dict[str, Any]:
	"""The line as WooCommerce answers it once its product is deleted (sku: what a plugin kept)."""
	return {**line, "product_id": 0, "variation_id": 0, "sku": sku, "parent_name": None}


def shop_lines(order: dict[str, Any]) -> dict[int, dict[str, Any]]:
	return {line["id"]: line for line in order["line_items"]}


# -- the mapping ---------------------------------------------------------------------------------


def test_without_a_placeholder_item_the_order_waits_for_the_setting():
	order = case("order_case_mixed_tax_rates")
	order["line_items"][1] = deleted(order["line_items"][1])
	with pytest.raises(
		ConfigurationError,
		match=r'WooCommerce order 129 line 2 \(id 364, "Ceramic Mug"\) has no product in the shop .*'
		r"Choose a Deleted Product Item on WooCommerce Server shop1",
	) as error:
		map_order(order, settings())
	assert error.value.kind == ErrorKind.CONFIGURATION


@pytest.mark.parametrize(
	"name", ["order_case_mixed_tax_rates", "order_case_coupon_paid_stripe", "order_case_variation_qty3"]
)
def test_deleted_lines_keep_the_shops_amounts_to_the_cent(name):
	order = case(name)
	exact = map_order(order, settings())
	order["line_items"] = [deleted(line) for line in order["line_items"]]
	plan = map_order(order, settings(deleted_product_item=PLACEHOLDER))

	assert plan.is_exact and plan.grand_total == Decimal(order["total"])
	assert [(line.qty, line.rate, line.amount, line.taxes) for line in plan.lines] == [
		(line.qty, line.rate, line.amount, line.taxes) for line in exact.lines
	]
	assert [(c.account_head, c.tax_amount, c.item_wise) for c in plan.charges] == [
		(c.account_head, c.tax_amount, c.item_wise) for c in exact.charges
	]
	lines = shop_lines(order)
	for line in plan.lines:
		shop_line = lines[line.woocommerce_line_id]
		assert line.item.placeholder_item == PLACEHOLDER
		assert line.item_name == shop_line["name"]
		assert line.description.splitlines()[:2] == [
			shop_line["name"],
			"SKU: unknown (product deleted in WooCommerce)",
		]


def test_the_description_carries_the_sku_and_the_chosen_attributes_when_the_shop_sends_them():
	order = case("order_case_variation_qty3")
	line = order["line_items"][0]
	order["line_items"][0] = deleted(line, sku="TSHIRT-M")
	(plan_line,) = map_order(order, settings(deleted_product_item=PLACEHOLDER)).lines
	assert plan_line.description == (
		"Barista T-Shirt - M\nSKU: TSHIRT-M (product deleted in WooCommerce)\nSize: M"
	)
	assert plan_line.item.sku == "TSHIRT-M"


def test_the_note_lists_each_deleted_line_once_even_when_it_is_split_into_two_rows():
	order = case("order_case_mixed_tax_rates")
	first, second = order["line_items"][:2]
	# 3 units for 10.00: two rows of the same line (1 x 3.34 + 2 x 3.33).
	order["line_items"][1] = {**deleted(second, sku="MUG-CER"), "quantity": 3}
	plan = map_order(order, settings(deleted_product_item=PLACEHOLDER), verify_totals=False)
	assert [line.woocommerce_line_id for line in plan.lines].count(second["id"]) == 2
	assert placeholder_note(plan) == f"Line {second['id']}: Ceramic Mug (SKU MUG-CER) on {PLACEHOLDER}"
	assert all(
		not line.item.placeholder_item for line in plan.lines if line.woocommerce_line_id == first["id"]
	)


# -- through the test shop -----------------------------------------------------------------------


def order_with_deleted_product(shop, client) -> dict[str, Any]:
	"""A paid order of a product and the shop's espresso; then the product is deleted for good."""
	product = client.post("products", {"name": "Probe Grinder", "regular_price": "12.34", "sku": "PRB-1"})
	order = client.post(
		"orders",
		{
			"status": "processing",
			"payment_method": "bacs",
			"payment_method_title": "Direct bank transfer",
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"shipping": ADDRESS,
			"line_items": [
				{"product_id": product["id"], "quantity": 3},
				{"product_id": shop.product_by_sku("ESP-1KG")["id"], "quantity": 1},
			],
			"shipping_lines": [{"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}],
		},
	)
	client.delete(f"products/{product['id']}", {"force": True})
	return client.get(f"orders/{order['id']}")


def test_the_test_shop_answers_a_deleted_products_line_as_woocommerce_does(shop, client):
	order = order_with_deleted_product(shop, client)
	gone, kept = order["line_items"]
	assert (gone["product_id"], gone["variation_id"], gone["sku"], gone["name"]) == (
		0,
		0,
		None,
		"Probe Grinder",
	)
	assert (gone["total"], gone["total_tax"]) == ("37.02", "7.03")
	assert kept["sku"] == "ESP-1KG" and kept["product_id"]


def test_the_test_shop_answers_a_deleted_variations_line_with_its_parent_as_woocommerce_does(shop, client):
	parent, variation = shop.product_by_sku("TSHIRT"), shop.product_by_sku("TSHIRT-M")
	order = client.post(
		"orders",
		{
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"line_items": [{"product_id": parent["id"], "variation_id": variation["id"], "quantity": 1}],
		},
	)
	client.delete(f"products/{parent['id']}/variations/{variation['id']}", {"force": True})
	(line,) = client.get(f"orders/{order['id']}")["line_items"]
	assert (line["product_id"], line["variation_id"], line["sku"], line["parent_name"]) == (
		parent["id"],
		0,
		"TSHIRT",
		None,
	)
	client.delete(f"products/{parent['id']}", {"force": True})
	(line,) = client.get(f"orders/{order['id']}")["line_items"]
	assert (line["product_id"], line["variation_id"], line["sku"]) == (0, 0, None)
	assert line["name"] == order["line_items"][0]["name"] and line["total"] == order["line_items"][0]["total"]


def test_an_order_with_a_deleted_products_line_becomes_an_exact_submitted_sales_order(shop, client, clock):
	order = order_with_deleted_product(shop, client)
	erp = ErpFake(now=clock)
	erp.non_stock_items.add(PLACEHOLDER)
	erp.stock_received("ESP-1KG", 1)
	settings = sync_settings(
		shop, deleted_product_item=PLACEHOLDER, submit_sales_orders=True, reserve_stock=True
	)

	assert sync_order(erp, client, settings, order) == "created"

	record = erp.order_record(settings.name, order["id"])
	# Stock was reserved for the espresso; the placeholder has none and needs none.
	assert record.status == Status.SALES_ORDER_CREATED and not record.error
	so = erp.sales_order(record.sales_order)
	assert so.docstatus == 1
	assert so.grand_total == Decimal(order["total"])
	gone, kept = order["line_items"]
	assert [(line["item_code"], line["amount"]) for line in so.lines] == [
		(PLACEHOLDER, Decimal(gone["total"])),
		("ESP-1KG", Decimal(kept["total"])),
	]
	assert so.lines[0]["item_name"] == "Probe Grinder"
	assert so.lines[0]["description"].startswith("Probe Grinder\nSKU: unknown")
	taxes = {charge["account_head"]: charge["tax_amount"] for charge in so.charges if charge["kind"] == "tax"}
	assert taxes == {
		settings.tax_accounts[tax["rate_id"]]: Decimal(tax["tax_total"]) + Decimal(tax["shipping_tax_total"])
		for tax in order["tax_lines"]
	}
	assert record.placeholder_lines == f"Line {gone['id']}: Probe Grinder (SKU unknown) on {PLACEHOLDER}"
	# Nothing was made for the deleted product: the only Item created is the espresso's.
	assert erp.count("item") == 1


def test_without_the_setting_the_order_fails_until_the_server_names_an_item(shop, client, clock):
	order = order_with_deleted_product(shop, client)
	erp = ErpFake(now=clock)
	settings = sync_settings(shop)

	failed = process_order(erp, settings, order["id"], payload=order)
	assert failed.status == Status.FAILED and failed.failed_step == "sales_order"
	assert failed.error_kind == ErrorKind.CONFIGURATION.value
	assert failed.retry_status == RetryStatus.NEEDS_FIX
	assert "Deleted Product Item" in failed.error and not failed.sales_order

	settings.deleted_product_item = PLACEHOLDER
	done = process_order(erp, settings, order["id"])
	assert done.status == Status.SALES_ORDER_CREATED
	assert erp.sales_order(done.sales_order).grand_total == Decimal(order["total"])
	assert done.placeholder_lines.startswith(f"Line {order['line_items'][0]['id']}: Probe Grinder")


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
def test_a_product_deleted_after_its_sales_order_was_made_leaves_the_sales_order_alone(
	shop, client, clock, submit
):
	product = client.post("products", {"name": "Probe Grinder", "regular_price": "12.34", "sku": "PRB-1"})
	made = client.post(
		"orders",
		{
			"status": "processing",
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"line_items": [
				{"product_id": product["id"], "quantity": 3},
				{"product_id": shop.product_by_sku("ESP-1KG")["id"], "quantity": 1},
			],
		},
	)
	erp = ErpFake(now=clock)
	settings = sync_settings(shop, deleted_product_item=PLACEHOLDER, submit_sales_orders=submit)
	assert sync_order(erp, client, settings, client.get(f"orders/{made['id']}")) == "created"
	record = erp.order_record(settings.name, made["id"])

	client.delete(f"products/{product['id']}", {"force": True})
	clock.advance(minutes=5)
	shop.modify_order(made["id"], status="completed")
	order = client.get(f"orders/{made['id']}")
	assert order["line_items"][0]["product_id"] == 0
	assert sync_order(erp, client, settings, order) == "updated"

	so = erp.sales_order(record.sales_order)
	assert [line["item_code"] for line in so.lines] == ["PRB-1", "ESP-1KG"]
	assert so.woocommerce_status == "completed"
	# Not taken for a change of the order's content: no comment on a submitted Sales Order either.
	assert erp.comments == []
	after = erp.order_record(settings.name, made["id"])
	assert (after.placeholder_lines, after.applied_digest) == ("", content_digest(order))
	assert sync_order(erp, client, settings, order) == "unchanged"


def test_a_real_change_next_to_a_deleted_product_is_still_a_change():
	before = case("order_case_mixed_tax_rates")
	after = copy.deepcopy(before)
	after["line_items"][1] = deleted(after["line_items"][1])
	assert content_digest(restore_deleted_products(before, after)) == content_digest(before)
	after["line_items"][0]["quantity"] += 1
	assert content_digest(restore_deleted_products(before, after)) != content_digest(before)
	# A line whose product was swapped for another is no deleted product.
	swapped = copy.deepcopy(before)
	swapped["line_items"][1]["product_id"] += 1
	assert content_digest(restore_deleted_products(before, swapped)) != content_digest(before)


# -- the fields ----------------------------------------------------------------------------------


def doctype_fields(name: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
	doctype = json.loads((DOCTYPES / name / f"{name}.json").read_text())
	return doctype["field_order"], {df["fieldname"]: df for df in doctype["fields"]}


def test_the_server_chooses_the_item_and_defaults_to_the_one_made_at_install():
	order, fields = doctype_fields("woocommerce_server")
	assert order[order.index("delivery_lead_time") + 1] == "deleted_product_item"
	field = fields["deleted_product_item"]
	assert (field["fieldtype"], field["options"], field["default"]) == ("Link", "Item", DELETED_PRODUCT_ITEM)
	# Desk offers only Items a line can be booked on without stock: no template, nothing disabled.
	assert json.loads(field["link_filters"]) == [
		["Item", "is_stock_item", "=", 0],
		["Item", "has_variants", "=", 0],
		["Item", "disabled", "=", 0],
	]


def test_the_order_row_shows_its_placeholder_lines_read_only_and_only_when_set():
	order, fields = doctype_fields("woocommerce_order_sync")
	assert order[order.index("transaction_id") + 1] == "placeholder_lines"
	field = fields["placeholder_lines"]
	assert (field["fieldtype"], field["read_only"], field["depends_on"]) == (
		"Small Text",
		1,
		"eval:doc.placeholder_lines",
	)
