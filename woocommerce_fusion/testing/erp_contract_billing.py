"""The ErpPort contract of stock reservation, Sales Invoices and Payment Entries: a part of
testing/erp_contract.py's ErpContract, run against the ERP fake in CI and FrappeErp on a bench.

It uses ContractFixtures' fixtures (self.erp, self.insert, self.new_id, self.assertKind) through
ErpContract, and needs the hooks below from the concrete class. Nothing here commits: tearDown's
rollback removes the documents.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from woocommerce_fusion.engine.errors import ErrorKind
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.pipeline import resolve_parties
from woocommerce_fusion.testing.order_cases import load_order


class BillingContract:
	# -- hooks of the concrete class -------------------------------------------------------------

	def payment_mode(self) -> str:
		"""A Mode of Payment with an account in the settings' company."""
		raise NotImplementedError

	def mode_without_account(self) -> str:
		"""A Mode of Payment with no account in the settings' company."""
		raise NotImplementedError

	def receive_stock(self, sales_order: str) -> None:
		"""Stock for every line of the Sales Order arrives in its warehouse (in this transaction),
		and Stock Settings allow reservation."""
		raise NotImplementedError

	def placeholder_item(self) -> str:
		"""A non-stock Item, as the app's Deleted Product Item made at install."""
		raise NotImplementedError

	def allow_stock_reservation(self) -> None:
		"""Stock Settings allow reservation (in this transaction)."""
		raise NotImplementedError

	# -- the contract ----------------------------------------------------------------------------

	def test_lines_of_deleted_products_book_exactly_and_reserve_nothing(self):
		settings = replace(self.settings(), deleted_product_item=self.placeholder_item())
		order = {**load_order("mixed_tax_rates"), "id": self.new_id()}
		# As WooCommerce answers once the products are deleted.
		order["line_items"] = [
			{**line, "product_id": 0, "variation_id": 0, "sku": None} for line in order["line_items"]
		]
		plan = map_order(order, settings, exchange_rate=self.erp.exchange_rate)
		name = self.erp.insert_sales_order(plan, resolve_parties(self.erp, plan), submit=True)
		self.assertEqual(self.ref(plan.woocommerce_id).grand_total, plan.grand_total)
		self.allow_stock_reservation()
		# No stock was received: a placeholder line has none to reserve and none missing.
		self.assertEqual(self.erp.reserve_stock(name), Decimal(0))

	def test_reserve_stock_reserves_what_is_in_stock_once(self):
		name, _plan = self.insert(self.new_id(), submit=True)
		self.receive_stock(name)
		self.assertTrue(self.erp.stock_reservation_enabled())
		self.assertEqual(self.erp.reserve_stock(name), Decimal(0))
		# Everything is reserved already: nothing more is, and nothing is missing.
		self.assertEqual(self.erp.reserve_stock(name), Decimal(0))

	def test_reserve_stock_refuses_a_draft_sales_order(self):
		name, _plan = self.insert(self.new_id(), submit=False)
		self.assertKind(ErrorKind.BAD_DATA, lambda: self.erp.reserve_stock(name))

	def test_a_sales_invoice_from_the_sales_order_totals_its_grand_total_and_is_found(self):
		name, plan = self.insert(self.new_id(), submit=True, case="mixed_tax_rates")
		self.assertIsNone(self.erp.find_sales_invoice(name))
		invoice = self.erp.make_sales_invoice(name)
		found = self.erp.find_sales_invoice(name)
		self.assertEqual((found.name, found.docstatus, found.grand_total), (invoice, 0, plan.grand_total))

		self.erp.submit_sales_invoice(invoice)
		self.erp.submit_sales_invoice(invoice)
		found = self.erp.find_sales_invoice(name)
		self.assertEqual((found.name, found.docstatus, found.grand_total), (invoice, 1, plan.grand_total))

	def test_a_sales_invoice_needs_a_submitted_sales_order(self):
		name, _plan = self.insert(self.new_id(), submit=False)
		self.assertKind(ErrorKind.BAD_DATA, lambda: self.erp.make_sales_invoice(name))

	def test_a_payment_entry_pays_the_posted_invoice_and_is_found(self):
		name, _plan = self.insert(self.new_id(), submit=True)
		invoice = self.erp.make_sales_invoice(name)
		self.erp.submit_sales_invoice(invoice)
		self.assertIsNone(self.erp.find_payment_entry(invoice))
		self.assertKind(
			ErrorKind.CONFIGURATION,
			lambda: self.erp.make_payment_entry(invoice, self.mode_without_account(), "pi_1", None),
		)
		payment = self.erp.make_payment_entry(invoice, self.payment_mode(), f"pi_{self.token}", None)
		self.assertEqual(self.erp.find_payment_entry(invoice), payment)

	def test_a_payment_entry_needs_a_posted_invoice(self):
		name, _plan = self.insert(self.new_id(), submit=True)
		invoice = self.erp.make_sales_invoice(name)
		self.assertKind(
			ErrorKind.BAD_DATA, lambda: self.erp.make_payment_entry(invoice, self.payment_mode(), "x", None)
		)
