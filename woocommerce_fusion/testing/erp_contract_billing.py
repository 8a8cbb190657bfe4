"""The ErpPort contract of stock reservation, Sales Invoices and Payment Entries: a part of
testing/erp_contract.py's ErpContract, run against the ERP fake in CI and FrappeErp on a bench.

It uses ContractFixtures' fixtures (self.erp, self.insert, self.new_id, self.assertKind) through
ErpContract, and needs the hooks below from the concrete class. Nothing here commits: tearDown's
rollback removes the documents.
"""

from __future__ import annotations

from decimal import Decimal

from woocommerce_fusion.engine.errors import ErrorKind


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

	# -- the contract ----------------------------------------------------------------------------

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
