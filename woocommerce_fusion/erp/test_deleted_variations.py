"""A line of a variation deleted in the shop on a real ERPNext, against the test shop: the
variable product is linked to a template Item with variants; WooCommerce then answers the line
with the parent product, variation_id 0 and the parent's SKU. The Sales Order books it on the
placeholder Item, exact to the cent, while the live variation keeps its variant and the simple
product its Item.

The sync commits, so the class removes what an earlier run left before it starts.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import frappe
from erpnext.controllers.item_variant import create_variant
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from woocommerce_fusion.constants import (
	DELETED_PRODUCT_ITEM,
	ITEM_SERVER_DOCTYPE,
	ORDER_SYNC_DOCTYPE,
	order_sync_name,
)
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.masters.deleted_product import make_deleted_product_item
from woocommerce_fusion.erp.masters.item import ensure_attribute_value
from woocommerce_fusion.testing.bench_fixtures import VAT_7, VAT_19, make_server, remove_orders, start_clean
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Deleted Variations"
ADDRESS = {
	"first_name": "Erika",
	"last_name": "Muster",
	"address_1": "Leopoldstrasse 5",
	"city": "Muenchen",
	"postcode": "80802",
	"country": "DE",
}


def server_row(product_id: int, variation_id: int = 0) -> dict[str, Any]:
	return {
		"woocommerce_server": SERVER,
		"woocommerce_id": str(product_id),
		"woocommerce_variation_id": str(variation_id) if variation_id else "",
		"enabled": 1,
	}


class TestDeletedVariations(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)
		# Rows an earlier run linked to the test shop's products (its ids repeat every run).
		frappe.db.delete(ITEM_SERVER_DOCTYPE, {"woocommerce_server": SERVER})
		make_deleted_product_item()
		cls.shop = TestShop().start()
		make_server(
			SERVER,
			cls.shop.url,
			synchronise_orders_from="2000-01-01",
			deleted_product_item=DELETED_PRODUCT_ITEM,
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_orders(SERVER)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		# Hooks queue order syncs and level pushes after a change; nothing here needs them.
		patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)
		self.client = get_client(SERVER)

	def link_template(self) -> tuple[str, str]:
		"""A template Item (Size) linked to the shop's variable product, as the item sync links it,
		with its variant M linked to the variation M; committed like a user's save."""
		parent = self.shop.product_by_sku("TSHIRT")
		medium = self.shop.product_by_sku("TSHIRT-M")
		size, _ = ensure_attribute_value("Size", "S")
		ensure_attribute_value(size, "M")
		template = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": f"_Test Woo Shirt {frappe.generate_hash(length=6)}",
				"item_name": "Barista T-Shirt",
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"has_variants": 1,
				"variant_based_on": "Item Attribute",
				"attributes": [{"attribute": size}],
				"woocommerce_servers": [server_row(parent["id"])],
			}
		).insert(ignore_permissions=True)
		variant = create_variant(template.name, {size: "M"})
		variant.item_code = f"{template.name}-M"
		variant.set("woocommerce_servers", [server_row(parent["id"], medium["id"])])
		variant.insert(ignore_permissions=True)
		frappe.db.commit()
		return template.name, variant.name

	def order_with_deleted_variation(self) -> dict[str, Any]:
		"""A paid order of T-shirts in S and M and the espresso; then variation S is deleted."""
		parent = self.shop.product_by_sku("TSHIRT")
		small, medium = self.shop.product_by_sku("TSHIRT-S"), self.shop.product_by_sku("TSHIRT-M")
		order = self.client.post(
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
					{"product_id": self.shop.product_by_sku("ESP-1KG")["id"], "quantity": 1},
				],
				"shipping_lines": [{"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}],
			},
		)
		self.client.delete(f"products/{parent['id']}/variations/{small['id']}", {"force": True})
		order = self.client.get(f"orders/{order['id']}")
		gone = order["line_items"][0]
		self.assertEqual((gone["product_id"], gone["variation_id"], gone["sku"]), (parent["id"], 0, "TSHIRT"))
		return order

	def test_a_deleted_variations_line_lands_exactly_on_the_placeholder_of_a_submitted_sales_order(self):
		template, variant = self.link_template()
		order = self.order_with_deleted_variation()
		settings = replace(get_settings(SERVER), submit_sales_orders=True)
		self.assertEqual(sync_order(FrappeErp(), self.client, settings, order), "created")

		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, order["id"]))
		self.assertEqual(row.status, Status.SALES_ORDER_CREATED)
		self.assertFalse(row.error)
		so = frappe.get_doc("Sales Order", row.sales_order)
		self.assertEqual(so.docstatus, 1)
		gone, medium, espresso = order["line_items"]
		self.assertEqual(Decimal(str(flt(so.grand_total, 2))), Decimal(order["total"]))
		self.assertEqual(
			[(r.item_code, int(r.qty), Decimal(str(flt(r.amount, 2)))) for r in so.items][:2],
			[(DELETED_PRODUCT_ITEM, 2, Decimal(gone["total"])), (variant, 1, Decimal(medium["total"]))],
		)
		self.assertNotIn(so.items[2].item_code, (template, variant, DELETED_PRODUCT_ITEM))
		self.assertEqual(Decimal(str(flt(so.items[2].amount, 2))), Decimal(espresso["total"]))
		self.assertEqual(so.items[0].item_name, "Barista T-Shirt - S")
		self.assertEqual(
			so.items[0].description,
			"Barista T-Shirt - S\nSKU: TSHIRT (variation deleted in WooCommerce)\nSize: S",
		)
		taxes = {
			r.account_head: Decimal(str(flt(r.tax_amount, 2)))
			for r in so.taxes
			if r.account_head in (VAT_19, VAT_7)
		}
		accounts = {1: VAT_19, 2: VAT_7}
		self.assertEqual(
			taxes,
			{
				accounts[tax["rate_id"]]: Decimal(tax["tax_total"]) + Decimal(tax["shipping_tax_total"])
				for tax in order["tax_lines"]
			},
		)
		self.assertEqual(
			row.placeholder_lines,
			f"Line {gone['id']}: Barista T-Shirt - S (SKU TSHIRT) on {DELETED_PRODUCT_ITEM} (variation deleted)",
		)
		# No plain Item was made for the variable product: it is still linked to its template only.
		self.assertEqual(
			frappe.get_all(
				ITEM_SERVER_DOCTYPE,
				{
					"woocommerce_server": SERVER,
					"woocommerce_id": str(gone["product_id"]),
					"woocommerce_variation_id": ("is", "not set"),
					"parenttype": "Item",
				},
				pluck="parent",
			),
			[template],
		)
