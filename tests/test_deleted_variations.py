"""Lines of a variation deleted in the shop: booked on the server's placeholder Item, exact to the
cent, while the variable product's other variations and simple products keep their own Items.

WooCommerce 8.4 answers such a line with the parent product's id, variation_id 0 and the parent's
SKU; its name, amounts, taxes and attributes (meta) stay. The parent's Item is a template (Has
Variants), which ERPNext refuses on a Sales Order row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import sync_settings
from test_deleted_products import ADDRESS
from test_mapping_totals import case, settings

from woocommerce_fusion.constants import DELETED_PRODUCT_ITEM
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, ItemLink
from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.mapping import map_order
from woocommerce_fusion.engine.mapping.deleted_products import VARIATION_DELETED, placeholder_note
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.testing.erp_fake import ErpFake

PLACEHOLDER = DELETED_PRODUCT_ITEM
PARENT = 16  # the recorded shop's variable product (Barista T-Shirt)


def variation_gone(line: dict[str, Any], parent_sku: str = "TSHIRT") -> dict[str, Any]:
	"""The line as WooCommerce answers it once only its variation is deleted."""
	return {**line, "variation_id": 0, "sku": parent_sku, "parent_name": None}


def templates(*products: int):
	asked: list[tuple[str, int]] = []

	def linked_to_template(server: str, product_id: int) -> bool:
		asked.append((server, product_id))
		return product_id in products

	linked_to_template.asked = asked
	return linked_to_template


# -- the mapping ---------------------------------------------------------------------------------


def test_a_deleted_variations_line_goes_on_the_placeholder_when_its_product_is_a_template():
	order = case("order_case_variation_qty3")
	exact = map_order(order, settings())
	order["line_items"][0] = variation_gone(order["line_items"][0])
	lookup = templates(PARENT)
	plan = map_order(order, settings(deleted_product_item=PLACEHOLDER), linked_to_template=lookup)

	assert lookup.asked == [("shop1", PARENT)]
	assert plan.is_exact and plan.grand_total == Decimal(order["total"])
	assert [(line.qty, line.rate, line.amount, line.taxes) for line in plan.lines] == [
		(line.qty, line.rate, line.amount, line.taxes) for line in exact.lines
	]
	assert [(c.account_head, c.tax_amount, c.item_wise) for c in plan.charges] == [
		(c.account_head, c.tax_amount, c.item_wise) for c in exact.charges
	]
	(line,) = plan.lines
	assert (line.item.placeholder_item, line.item.placeholder_reason) == (PLACEHOLDER, VARIATION_DELETED)
	assert line.item_name == "Barista T-Shirt - M"
	assert line.description == (
		"Barista T-Shirt - M\nSKU: TSHIRT (variation deleted in WooCommerce)\nSize: M"
	)
	assert placeholder_note(plan) == (
		f"Line 377: Barista T-Shirt - M (SKU TSHIRT) on {PLACEHOLDER} (variation deleted)"
	)


def test_a_global_attribute_on_the_line_tells_a_deleted_variation_without_asking_erpnext():
	order = case("order_case_variation_qty3")
	line = variation_gone(order["line_items"][0])
	line["meta_data"] = [{**line["meta_data"][0], "key": "pa_size"}, *line["meta_data"][1:]]
	order["line_items"][0] = line
	lookup = templates()
	(plan_line,) = map_order(
		order, settings(deleted_product_item=PLACEHOLDER), linked_to_template=lookup
	).lines
	assert plan_line.item.placeholder_reason == VARIATION_DELETED and lookup.asked == []


def test_variations_and_simple_products_keep_their_own_items_next_to_a_template():
	order = case("order_case_mixed_tax_rates")
	variation = case("order_case_variation_qty3")["line_items"][0]
	lookup = templates(PARENT)
	plan = map_order(
		{**order, "line_items": order["line_items"]},
		settings(deleted_product_item=PLACEHOLDER),
		linked_to_template=lookup,
	)
	assert not any(line.item.placeholder_item for line in plan.lines)
	assert {product for _, product in lookup.asked} == {line["product_id"] for line in order["line_items"]}
	# A live variation is never in question: its variation id names its Item.
	lookup.asked.clear()
	kept = map_order(
		case("order_case_variation_qty3"),
		settings(deleted_product_item=PLACEHOLDER),
		linked_to_template=lookup,
	)
	assert kept.lines[0].item.woocommerce_variation_id == variation["variation_id"]
	assert not kept.lines[0].item.placeholder_item and lookup.asked == []


def test_a_simple_product_with_a_plugins_meta_stays_a_simple_product():
	order = case("order_case_variation_qty3")
	# Unknown to ERPNext and with only a custom key in its meta: nothing says it was a variation.
	order["line_items"][0] = variation_gone(order["line_items"][0])
	(line,) = map_order(
		order, settings(deleted_product_item=PLACEHOLDER), linked_to_template=templates()
	).lines
	assert (line.item.placeholder_item, line.item.woocommerce_product_id) == ("", PARENT)


def test_without_a_placeholder_item_a_deleted_variation_waits_for_the_setting():
	order = case("order_case_variation_qty3")
	order["line_items"][0] = variation_gone(order["line_items"][0])
	with pytest.raises(
		ConfigurationError,
		match=r"has no variation in the shop \(variation_id 0 of the variable product 16\): the "
		r"variation was deleted in WooCommerce\. Choose a Deleted Product Item",
	):
		map_order(order, settings(), linked_to_template=templates(PARENT))


# -- through the test shop -----------------------------------------------------------------------


def order_with_deleted_variation(shop, client) -> dict[str, Any]:
	"""A paid order of T-shirts in S and M and the shop's espresso; then variation S is deleted."""
	parent = shop.product_by_sku("TSHIRT")
	small, medium = shop.product_by_sku("TSHIRT-S"), shop.product_by_sku("TSHIRT-M")
	order = client.post(
		"orders",
		{
			"status": "processing",
			"payment_method": "bacs",
			"payment_method_title": "Direct bank transfer",
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"shipping": ADDRESS,
			"line_items": [
				{"product_id": parent["id"], "variation_id": small["id"], "quantity": 2},
				{"product_id": parent["id"], "variation_id": medium["id"], "quantity": 1},
				{"product_id": shop.product_by_sku("ESP-1KG")["id"], "quantity": 1},
			],
			"shipping_lines": [{"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}],
		},
	)
	client.delete(f"products/{parent['id']}/variations/{small['id']}", {"force": True})
	return client.get(f"orders/{order['id']}")


def link_template_as_the_item_sync_does(erp: ErpFake, shop, server: str) -> None:
	parent = shop.product_by_sku("TSHIRT")
	erp.add_catalogue_item(
		CatalogueItem(
			"TSHIRT",
			"Barista T-Shirt",
			item_group="Products",
			has_variants=True,
			attributes=[("Size", "")],
			links=[ItemLink(server, product_id=parent["id"])],
		)
	)


def link_template_as_an_earlier_order_did(erp: ErpFake, shop, client, server: str) -> None:
	"""An earlier order of size M made the template and its variant M through the order sync."""
	made = client.post(
		"orders",
		{
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"line_items": [
				{
					"product_id": shop.product_by_sku("TSHIRT")["id"],
					"variation_id": shop.product_by_sku("TSHIRT-M")["id"],
					"quantity": 1,
				}
			],
		},
	)
	settings = sync_settings(shop, deleted_product_item=PLACEHOLDER)
	assert sync_order(erp, client, settings, client.get(f"orders/{made['id']}")) == "created"


@pytest.mark.parametrize("linked_by", ["item sync", "order sync"])
def test_an_order_with_a_deleted_variations_line_becomes_an_exact_sales_order(shop, client, clock, linked_by):
	erp = ErpFake(now=clock)
	erp.non_stock_items.add(PLACEHOLDER)
	settings = sync_settings(shop, deleted_product_item=PLACEHOLDER, submit_sales_orders=True)
	if linked_by == "item sync":
		link_template_as_the_item_sync_does(erp, shop, settings.name)
	else:
		link_template_as_an_earlier_order_did(erp, shop, client, settings.name)
	order = order_with_deleted_variation(shop, client)
	gone, medium, espresso = order["line_items"]
	assert (gone["product_id"], gone["variation_id"], gone["sku"]) == (medium["product_id"], 0, "TSHIRT")
	items_before = erp.count("item")

	assert sync_order(erp, client, settings, order) == "created"

	record = erp.order_record(settings.name, order["id"])
	assert record.status == Status.SALES_ORDER_CREATED and not record.error
	so = erp.sales_order(record.sales_order)
	assert so.docstatus == 1
	assert so.grand_total == Decimal(order["total"])
	medium_item = erp.ensure_item(
		settings.name,
		map_order(order, settings, linked_to_template=erp.linked_to_template).lines[1].item,
	)
	assert [(line["item_code"], line["qty"], line["amount"]) for line in so.lines] == [
		(PLACEHOLDER, 2, Decimal(gone["total"])),
		(medium_item, 1, Decimal(medium["total"])),
		("ESP-1KG", 1, Decimal(espresso["total"])),
	]
	assert medium_item not in ("TSHIRT", PLACEHOLDER) and erp.linked_to_template(
		settings.name, gone["product_id"]
	)
	assert so.lines[0]["item_name"] == gone["name"] == "Barista T-Shirt - S"
	assert so.lines[0]["description"] == (
		"Barista T-Shirt - S\nSKU: TSHIRT (variation deleted in WooCommerce)\nSize: S"
	)
	taxes = {charge["account_head"]: charge["tax_amount"] for charge in so.charges if charge["kind"] == "tax"}
	assert taxes == {
		settings.tax_accounts[tax["rate_id"]]: Decimal(tax["tax_total"]) + Decimal(tax["shipping_tax_total"])
		for tax in order["tax_lines"]
	}
	assert record.placeholder_lines == (
		f"Line {gone['id']}: Barista T-Shirt - S (SKU TSHIRT) on {PLACEHOLDER} (variation deleted)"
	)
	# Nothing was made for the deleted variation, nor a plain Item for its variable product.
	made = erp.count("item") - items_before
	assert made == (2 if linked_by == "item sync" else 1)  # variant M (item sync only) and the espresso


def test_a_draft_rewritten_after_a_variation_was_deleted_books_its_line_on_the_placeholder(
	shop, client, clock
):
	erp = ErpFake(now=clock)
	settings = sync_settings(shop, deleted_product_item=PLACEHOLDER)
	link_template_as_the_item_sync_does(erp, shop, settings.name)
	parent, small = shop.product_by_sku("TSHIRT"), shop.product_by_sku("TSHIRT-S")
	made = client.post(
		"orders",
		{
			"billing": {**ADDRESS, "email": "erika.muster@example.com"},
			"line_items": [
				{"product_id": parent["id"], "variation_id": small["id"], "quantity": 1},
				{"product_id": shop.product_by_sku("ESP-1KG")["id"], "quantity": 1},
			],
		},
	)
	assert sync_order(erp, client, settings, client.get(f"orders/{made['id']}")) == "created"
	record = erp.order_record(settings.name, made["id"])
	assert erp.sales_order(record.sales_order).lines[0]["item_code"] != PLACEHOLDER

	client.delete(f"products/{parent['id']}/variations/{small['id']}", {"force": True})
	clock.advance(minutes=5)
	# A change of its own next to the deletion: the draft takes the shop's content again.
	shop.modify_order(made["id"], customer_note="Please gift-wrap")
	order = client.get(f"orders/{made['id']}")
	assert sync_order(erp, client, settings, order) == "updated"

	so = erp.sales_order(record.sales_order)
	assert so.docstatus == 0 and so.grand_total == Decimal(order["total"])
	assert [line["item_code"] for line in so.lines] == [PLACEHOLDER, "ESP-1KG"]
	assert erp.order_record(settings.name, made["id"]).placeholder_lines.endswith("(variation deleted)")
