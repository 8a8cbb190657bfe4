"""The RefundPort contract (engine/refund_port.py): the order row's refunds, Credit Notes and refund
payments; a part of testing/erp_contract.py's ErpContract, run against the ERP fake in CI and
FrappeErp on a bench.

It uses ContractFixtures' fixtures and BillingContract's payment_mode hook, and needs the hooks
below from the concrete class. Only the refunds a test saves and commits on purpose outlive it
(the concrete class removes them with the order rows); the documents are rolled back.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.errors import ErrorKind
from woocommerce_fusion.engine.refunds import (
	CreditNotePlan,
	RefundEntry,
	RefundsStatus,
	RefundState,
	credit_note_plan,
)
from woocommerce_fusion.testing.order_cases import load_order


class RefundContract:
	# -- hooks of the concrete class -------------------------------------------------------------

	def credit_note_facts(self, name: str) -> tuple[int, int, str, Decimal]:
		"""(docstatus, is_return, return_against, grand_total) of a Sales Invoice."""
		raise NotImplementedError

	def payment_facts(self, name: str) -> tuple[int, str, Decimal, str, str]:
		"""(docstatus, payment_type, paid_amount, mode_of_payment, bank account) of a Payment Entry;
		the bank account is paid_to of a payment received, paid_from of one paid out."""
		raise NotImplementedError

	def forget_line_ids(self, sales_invoice: str) -> None:
		"""The invoice's rows lose their WooCommerce Line IDs (in this transaction), as on an
		invoice made before they carried them."""
		raise NotImplementedError

	# -- fixtures --------------------------------------------------------------------------------

	def paid_invoice(self, woocommerce_id: int, pay: bool = True) -> tuple[str, str | None]:
		"""A submitted Sales Invoice of the recorded partially refunded order, and its payment."""
		name, _plan = self.insert(woocommerce_id, submit=True, case="partial_refund")
		invoice = self.erp.make_sales_invoice(name)
		self.erp.submit_sales_invoice(invoice)
		payment = (
			self.erp.make_payment_entry(invoice, self.payment_mode(), f"pi_{self.token}", None)
			if pay
			else None
		)
		return invoice, payment

	def refund_plan(self, woocommerce_id: int, **changes: Any) -> CreditNotePlan:
		"""The recorded refund of one mug (12.50 + 2.38 tax) of the order, with `changes`."""
		order = {**load_order("partial_refund"), "id": woocommerce_id}
		refund = copy.deepcopy(load_order("partial_refund_refunds_list")[0])
		refund.update(changes)
		return credit_note_plan(refund, order, self.settings())

	# -- the contract ----------------------------------------------------------------------------

	def test_refunds_are_kept_once_per_refund_id_with_their_state(self):
		record = self.erp.lock_order(self.server, self.new_id())
		self.assertEqual(self.erp.order_refunds(record.name), {})
		waiting = RefundEntry(refund_id=141, amount=Decimal("14.88"), reason="One mug arrived broken")
		self.erp.save_refunds(record.name, [waiting], RefundsStatus.WAITING)
		booked = RefundEntry(
			refund_id=141,
			amount=Decimal("14.88"),
			reason="One mug arrived broken",
			state=RefundState.BOOKED,
		)
		other = RefundEntry(refund_id=150, amount=Decimal("1.00"), state=RefundState.FAILED, error="Boom")
		self.erp.save_refunds(record.name, [booked, other], RefundsStatus.FAILED)
		found = self.erp.order_refunds(record.name)
		self.assertEqual(sorted(found), [141, 150])
		self.assertEqual(
			(found[141].state, found[141].amount, found[141].reason),
			(RefundState.BOOKED, Decimal("14.88"), "One mug arrived broken"),
		)
		self.assertEqual((found[150].state, found[150].error), (RefundState.FAILED, "Boom"))

	def test_a_worker_that_gets_the_lock_sees_the_refunds_committed_before(self):
		woocommerce_id = self.new_id()
		record = self.erp.lock_order(self.server, woocommerce_id)
		entry = RefundEntry(refund_id=7, amount=Decimal("3.00"), state=RefundState.BOOKED)
		waiting = self.waiting_for_the_lock(woocommerce_id)
		self.erp.save_refunds(record.name, [entry], RefundsStatus.BOOKED)
		self.erp.commit()
		waiting.result()
		seen = self.in_other_worker(
			lambda erp: erp.order_refunds(erp.lock_order(self.server, woocommerce_id).name)
		)
		self.assertEqual(list(seen), [7])
		self.assertEqual(seen[7].state, RefundState.BOOKED)

	def test_a_refunded_line_becomes_a_credit_note_and_its_payment_pays_it_back(self):
		woocommerce_id = self.new_id()
		invoice, payment = self.paid_invoice(woocommerce_id)
		plan = self.refund_plan(woocommerce_id)
		note = self.erp.make_credit_note(invoice, plan, settle_invoice=False)
		self.assertEqual(self.credit_note_facts(note), (1, 1, invoice, Decimal("-14.88")))
		# The Credit Note names the Sales Order on its rows too, but is not the order's invoice.
		self.assertEqual(self.erp.find_sales_invoice(self.ref(woocommerce_id).name).name, invoice)
		refund = self.erp.make_refund_payment(note, payment, plan.reference_no, plan.refunded_on)
		docstatus, payment_type, paid, mode, account = self.payment_facts(refund)
		self.assertEqual(
			(docstatus, payment_type, paid, mode), (1, "Pay", Decimal("14.88"), self.payment_mode())
		)
		# Out of the account the customer's money went into.
		_docstatus, received, _paid, _mode, paid_to = self.payment_facts(payment)
		self.assertEqual((received, account), ("Receive", paid_to))

	def test_shipping_and_an_amount_only_refund_total_exactly(self):
		woocommerce_id = self.new_id()
		invoice, _payment = self.paid_invoice(woocommerce_id, pay=False)
		shipping = self.refund_plan(
			woocommerce_id,
			id=901,
			amount="5.83",
			line_items=[],
			shipping_lines=[
				{
					"id": 9,
					"method_title": "DHL Paket",
					"method_id": "flat_rate",
					"total": "-4.90",
					"total_tax": "-0.93",
					"taxes": [{"id": 1, "total": "-0.93", "subtotal": ""}],
					"meta_data": [{"key": "_refunded_item_id", "value": "408"}],
				}
			],
			tax_lines=[
				{"rate_id": 1, "label": "MwSt. 19%", "tax_total": "0.00", "shipping_tax_total": "-0.93"}
			],
		)
		note = self.erp.make_credit_note(invoice, shipping, settle_invoice=True)
		self.assertEqual(self.credit_note_facts(note), (1, 1, invoice, Decimal("-5.83")))
		amount_only = self.refund_plan(woocommerce_id, id=902, amount="10.00", line_items=[], tax_lines=[])
		self.assertEqual(amount_only.unitemised, Decimal("10.00"))
		note = self.erp.make_credit_note(invoice, amount_only, settle_invoice=True)
		self.assertEqual(self.credit_note_facts(note), (1, 1, invoice, Decimal("-10.00")))

	def test_an_invoice_without_line_ids_is_matched_by_item(self):
		woocommerce_id = self.new_id()
		invoice, _payment = self.paid_invoice(woocommerce_id, pay=False)
		self.forget_line_ids(invoice)
		note = self.erp.make_credit_note(invoice, self.refund_plan(woocommerce_id), settle_invoice=True)
		self.assertEqual(self.credit_note_facts(note), (1, 1, invoice, Decimal("-14.88")))

	def test_returning_more_units_than_invoiced_is_refused(self):
		woocommerce_id = self.new_id()
		invoice, _payment = self.paid_invoice(woocommerce_id, pay=False)
		self.erp.make_credit_note(invoice, self.refund_plan(woocommerce_id), settle_invoice=True)
		self.erp.make_credit_note(invoice, self.refund_plan(woocommerce_id, id=142), settle_invoice=True)
		# Two mugs were sold, both are back: a third cannot be.
		third = self.refund_plan(woocommerce_id, id=143)
		self.assertKind(
			ErrorKind.BAD_DATA, lambda: self.erp.make_credit_note(invoice, third, settle_invoice=True)
		)

	def test_a_credit_note_needs_a_submitted_invoice(self):
		woocommerce_id = self.new_id()
		name, _plan = self.insert(woocommerce_id, submit=True, case="partial_refund")
		draft = self.erp.make_sales_invoice(name)
		plan = self.refund_plan(woocommerce_id)
		self.assertKind(
			ErrorKind.BAD_DATA, lambda: self.erp.make_credit_note(draft, plan, settle_invoice=True)
		)
