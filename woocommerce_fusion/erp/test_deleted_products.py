"""Lines of products deleted in the shop on a real ERPNext, against the test shop: the placeholder
Item made at install, exact Sales Orders (draft and submitted) booking such lines on it, and the
order's row listing them.

The sync commits, so the class removes what an earlier run left before it starts.
"""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import cint, flt

from woocommerce_fusion.constants import (
	DELETED_PRODUCT_ITEM,
	ORDER_SYNC_DOCTYPE,
	SERVER_DOCTYPE,
	order_sync_name,
)
from woocommerce_fusion.engine.errors import ErrorKind
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.sync.orders import sync_order
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.erp.masters.deleted_product import make_deleted_product_item
from woocommerce_fusion.testing.bench_fixtures import VAT_7, VAT_19, make_server, remove_orders, start_clean
from woocommerce_fusion.testing.shop import TestShop

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Deleted Products"
ADDRESS = {
	"first_name": "Erika",
	"last_name": "Muster",
	"address_1": "Leopoldstrasse 5",
	"city": "Muenchen",
	"postcode": "80802",
	"country": "DE",
}


class TestDeletedProducts(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)
		cls.shop = TestShop().start()
		make_server(SERVER, cls.shop.url, synchronise_orders_from="2000-01-01")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		remove_orders(SERVER)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		# Hooks queue order syncs after a Sales Order changes; nothing here needs them.
		patch("frappe.enqueue").start()
		self.addCleanup(patch.stopall)
		self.client = get_client(SERVER)

	def order_with_deleted_product(self, *others: str) -> dict[str, Any]:
		"""A paid order of a new product (and of the shop's products `others`, by SKU); then the
		product is deleted for good, as a shop owner tidying the catalogue does."""
		product = self.client.post(
			"products",
			{
				"name": "Probe Grinder",
				"regular_price": "12.34",
				"sku": f"PRB-{frappe.generate_hash(length=6)}",
			},
		)
		lines = [{"product_id": product["id"], "quantity": 3}]
		lines += [{"product_id": self.shop.product_by_sku(sku)["id"], "quantity": 1} for sku in others]
		order = self.client.post(
			"orders",
			{
				"status": "processing",
				"payment_method": "bacs",
				"payment_method_title": "Direct bank transfer",
				"billing": {**ADDRESS, "email": "erika.muster@example.com"},
				"shipping": ADDRESS,
				"line_items": lines,
				"shipping_lines": [{"method_id": "flat_rate", "method_title": "DHL Paket", "total": "4.90"}],
			},
		)
		self.client.delete(f"products/{product['id']}", {"force": True})
		order = self.client.get(f"orders/{order['id']}")
		self.assertEqual((order["line_items"][0]["product_id"], order["line_items"][0]["sku"]), (0, None))
		return order

	def sync(self, order: dict[str, Any], **settings: Any) -> str:
		return sync_order(FrappeErp(), self.client, replace(get_settings(SERVER), **settings), order)

	def row(self, woocommerce_id: int):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, woocommerce_id))

	def sales_order(self, woocommerce_id: int):
		return frappe.get_doc("Sales Order", self.row(woocommerce_id).sales_order)

	def assert_exact(self, so, order: dict[str, Any]) -> None:
		self.assertEqual(Decimal(str(flt(so.grand_total, 2))), Decimal(order["total"]))
		lines = {line["id"]: line for line in order["line_items"]}
		self.assertEqual(
			[Decimal(str(flt(row.amount, 2))) for row in so.items],
			[Decimal(line["total"]) for line in order["line_items"]],
		)
		taxes: dict[str, Decimal] = {}
		for row in so.taxes:
			if row.account_head in (VAT_19, VAT_7):
				taxes[row.account_head] = Decimal(str(flt(row.tax_amount, 2)))
		accounts = {1: VAT_19, 2: VAT_7}
		self.assertEqual(
			taxes,
			{
				accounts[tax["rate_id"]]: Decimal(tax["tax_total"]) + Decimal(tax["shipping_tax_total"])
				for tax in order["tax_lines"]
			},
		)
		gone = lines[order["line_items"][0]["id"]]
		placeholder = so.items[0]
		self.assertEqual(placeholder.item_code, DELETED_PRODUCT_ITEM)
		self.assertEqual(placeholder.item_name, gone["name"])
		self.assertIn(gone["name"], placeholder.description)
		self.assertIn("SKU: unknown (product deleted in WooCommerce)", placeholder.description)

	# -- tests -----------------------------------------------------------------------------------

	def test_install_makes_a_non_stock_placeholder_item_that_new_servers_default_to(self):
		self.assertEqual(make_deleted_product_item(), DELETED_PRODUCT_ITEM)
		item = frappe.get_doc("Item", DELETED_PRODUCT_ITEM)
		self.assertEqual((cint(item.is_stock_item), cint(item.is_sales_item), cint(item.disabled)), (0, 1, 0))
		self.assertTrue(frappe.db.exists("Item Group", item.item_group))
		self.assertEqual(frappe.new_doc(SERVER_DOCTYPE).deleted_product_item, DELETED_PRODUCT_ITEM)
		self.assertEqual(get_settings(SERVER).deleted_product_item, DELETED_PRODUCT_ITEM)

	def test_a_deleted_products_line_lands_exactly_in_a_draft_sales_order(self):
		order = self.order_with_deleted_product("ESP-1KG")
		self.assertEqual(self.sync(order), "created")

		row = self.row(order["id"])
		self.assertEqual(row.status, Status.SALES_ORDER_CREATED)
		so = self.sales_order(order["id"])
		self.assertEqual(so.docstatus, 0)
		self.assert_exact(so, order)
		self.assertNotEqual(so.items[1].item_code, DELETED_PRODUCT_ITEM)
		gone = order["line_items"][0]
		self.assertEqual(
			row.placeholder_lines, f"Line {gone['id']}: Probe Grinder (SKU unknown) on {DELETED_PRODUCT_ITEM}"
		)

	def test_a_deleted_products_line_lands_exactly_in_a_submitted_sales_order_with_stock_reserved(self):
		before = frappe.db.get_single_value("Stock Settings", "enable_stock_reservation")
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", 1)
		frappe.db.commit()
		self.addCleanup(self.restore_stock_reservation, before)
		order = self.order_with_deleted_product()
		self.assertEqual(self.sync(order, submit_sales_orders=True, reserve_stock=True), "created")

		row = self.row(order["id"])
		# The stock step ran and found nothing to reserve: the placeholder is no stock item.
		self.assertEqual(row.status, Status.SALES_ORDER_CREATED)
		self.assertFalse(row.error)
		so = self.sales_order(order["id"])
		self.assertEqual(so.docstatus, 1)
		self.assert_exact(so, order)
		self.assertFalse(frappe.db.exists("Stock Reservation Entry", {"voucher_no": so.name}))
		self.assertIn("Probe Grinder", row.placeholder_lines)

	def test_without_a_placeholder_item_the_order_fails_as_a_configuration_error(self):
		frappe.db.set_value(SERVER_DOCTYPE, SERVER, "deleted_product_item", None)
		frappe.db.commit()
		self.addCleanup(self.restore_placeholder)
		order = self.order_with_deleted_product()
		self.assertEqual(self.sync(order), "failed")

		row = self.row(order["id"])
		self.assertEqual((row.status, row.failed_step), (Status.FAILED, "sales_order"))
		self.assertEqual(row.error_kind, ErrorKind.CONFIGURATION.value)
		self.assertIn(f"Choose a Deleted Product Item on WooCommerce Server {SERVER}", row.error)
		self.assertFalse(row.sales_order)
		self.assertFalse(row.placeholder_lines)

	def test_a_product_deleted_after_the_draft_was_made_leaves_the_draft_alone(self):
		product = self.client.post(
			"products",
			{
				"name": "Probe Kettle",
				"regular_price": "20.00",
				"sku": f"PRK-{frappe.generate_hash(length=6)}",
			},
		)
		made = self.client.post(
			"orders",
			{
				"status": "processing",
				"billing": {**ADDRESS, "email": "erika.muster@example.com"},
				"line_items": [{"product_id": product["id"], "quantity": 2}],
			},
		)
		self.assertEqual(self.sync(self.client.get(f"orders/{made['id']}")), "created")
		item_code = self.sales_order(made["id"]).items[0].item_code
		self.assertNotEqual(item_code, DELETED_PRODUCT_ITEM)

		self.client.delete(f"products/{product['id']}", {"force": True})
		# WooCommerce's timestamps have whole seconds.
		time.sleep(1.1)
		self.shop.modify_order(made["id"], status="completed")
		self.assertEqual(self.sync(self.client.get(f"orders/{made['id']}")), "updated")

		so = self.sales_order(made["id"])
		self.assertEqual(
			([row.item_code for row in so.items], so.woocommerce_status), ([item_code], "completed")
		)
		self.assertFalse(self.row(made["id"]).placeholder_lines)

	def restore_stock_reservation(self, value: Any) -> None:
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", value)
		frappe.db.commit()

	def restore_placeholder(self) -> None:
		frappe.db.set_value(SERVER_DOCTYPE, SERVER, "deleted_product_item", DELETED_PRODUCT_ITEM)
		frappe.db.commit()
