"""The part of the ERP port that books WooCommerce refunds: the order row's refunds table, Credit
Notes and refund Payment Entries. FrappeErp implements it in erp/refunds.py, the ERP fake in
testing/erp_fake_refunds.py; testing/erp_contract_refunds.py pins the two together."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from woocommerce_fusion.engine.ports import ErpPort
from woocommerce_fusion.engine.refunds import CreditNotePlan, RefundEntry


class RefundPort(Protocol):
	def order_refunds(self, order_row: str) -> dict[int, RefundEntry]:
		"""The refunds on the order's row by refund id; read under the order's lock, so what a
		worker that held it committed is seen."""
		...

	def save_refunds(self, order_row: str, entries: list[RefundEntry], status: str) -> None:
		"""Insert or update these refunds (one row per refund id, never two) and set the order
		row's Refund Status, in the open transaction."""
		...

	def make_credit_note(self, sales_invoice: str, plan: CreditNotePlan, settle_invoice: bool) -> str:
		"""A submitted Credit Note (Sales Invoice return) against the submitted invoice, totalling
		exactly minus plan.amount: the refunded lines on the invoice's rows of the same WooCommerce
		line, the shipping, fee and tax rows, and the unitemised amount on a row of its own.
		settle_invoice: it reduces the invoice's outstanding amount (nothing was paid); otherwise it
		stands as its own outstanding amount, for a refund payment. Refuses to go on (nothing
		saved) when it would not total the plan."""
		...

	def make_refund_payment(
		self, credit_note: str, original_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		"""A submitted Payment Entry paying the Credit Note's amount back (payment type Pay), out of
		the account and with the Mode of Payment of the original Payment Entry; reference_date
		None: the Credit Note's posting date."""
		...


class RefundingErp(ErpPort, RefundPort, Protocol):
	"""An ERP port that books refunds too: FrappeErp, the ERP fake."""
