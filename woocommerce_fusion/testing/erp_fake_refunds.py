"""ErpFake's refunds: the order row's refunds table, Credit Notes and refund Payment Entries, as
the adapter makes them (woocommerce_fusion/erp/refunds.py); a part of ErpFake, on its store and
in its transactions. woocommerce_fusion/testing/erp_contract_refunds.py pins it to the adapter.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.mapping.money import ZERO
from woocommerce_fusion.engine.refunds import CreditNotePlan, RefundEntry, RefundLine

REFUND_TABLES = ("order_refund", "order_refund_status", "credit_note", "refund_payment")


@dataclass
class FakeCreditNote:
	name: str
	return_against: str
	grand_total: Decimal  # negative
	posting_date: date
	# It reduces the invoice's outstanding amount; otherwise it has its own, for a refund payment.
	settles_invoice: bool
	# (invoice line index, qty (negative or 0), rate); rows without an item (shipping, fees, the
	# unitemised amount) have index None.
	rows: list[tuple[int | None, int, Decimal]] = field(default_factory=list)
	charges: list[dict[str, Any]] = field(default_factory=list)
	docstatus: int = 1


@dataclass
class FakeRefundPayment:
	name: str
	credit_note: str
	payment_type: str
	mode_of_payment: str
	paid_from: str
	paid_amount: Decimal
	reference_no: str
	reference_date: date
	docstatus: int = 1


class _FakeRefunds:
	def order_refunds(self, order_row: str) -> dict[int, RefundEntry]:
		return {
			refund_id: copy.deepcopy(entry)
			for (row, refund_id), entry in self._keyed_rows("order_refund")
			if row == order_row
		}

	def _keyed_rows(self, table: str) -> list[tuple[Any, Any]]:
		# The fake's rows do not carry their keys: read them as the locking reads do.
		with self._mutex:
			keys = list(self._versions[table])
		keys += [key for (staged, key) in self._txn.staged if staged == table and key not in keys]
		rows = [(key, self._get_latest(table, key)) for key in keys]
		return [(key, row) for key, row in rows if row is not None]

	def save_refunds(self, order_row: str, entries: list[RefundEntry], status: str) -> None:
		for entry in entries:
			self._put("order_refund", (order_row, entry.refund_id), copy.deepcopy(entry))
		if self._get_latest("order_refund_status", order_row) != status:
			self._put("order_refund_status", order_row, status)

	def make_credit_note(self, sales_invoice: str, plan: CreditNotePlan, settle_invoice: bool) -> str:
		invoice = self._get_latest("sales_invoice", sales_invoice)
		if invoice is None or invoice.docstatus != 1:
			raise ValueError(
				f"A Credit Note is made against a submitted Sales Invoice only, not {sales_invoice}"
			)
		returned = self._returned_qty(sales_invoice)
		rows: list[tuple[int | None, int, Decimal]] = []
		for line in plan.lines:
			indexes = self._rows_of_line(invoice, line, plan.server)
			if not indexes:
				raise ValueError(
					f"Sales Invoice {sales_invoice} has no row of WooCommerce line {line.woocommerce_line_id}"
				)
			for units, rate in line.rows:
				rows.extend(self._return_rows(sales_invoice, invoice, indexes, returned, units, rate))
		# Shipping, fees and an unitemised amount are rows without an item, as the adapter books them.
		rows += [(None, -1, c.tax_amount) for c in plan.charges if c.kind != "tax"]
		if plan.unitemised:
			rows.append((None, -1, plan.unitemised))
		charges = [
			{"kind": c.kind, "account_head": c.account_head, "tax_amount": -c.tax_amount}
			for c in plan.charges
			if c.kind == "tax"
		]
		total = sum((Decimal(-1 if qty == 0 else qty) * rate for _i, qty, rate in rows), ZERO) + sum(
			(c["tax_amount"] for c in charges), ZERO
		)
		if total != -plan.amount:
			raise ValueError(f"The Credit Note of refund {plan.refund_id} totals {total}, not {-plan.amount}")
		name = f"SINV-RET-{next(self._counter):05d}"
		note = FakeCreditNote(
			name=name,
			return_against=sales_invoice,
			grand_total=total,
			posting_date=self.now().date(),
			settles_invoice=settle_invoice,
			rows=rows,
			charges=charges,
		)
		self._put("credit_note", name, note)
		return name

	def _rows_of_line(self, invoice: Any, line: RefundLine, server: str) -> list[int]:
		"""By WooCommerce Line ID; on an invoice without them, the rows of the line's Item."""
		rows = [
			i
			for i, row in enumerate(invoice.lines)
			if row.get("woocommerce_line_id") == line.woocommerce_line_id
		]
		if rows or not line.product_id:
			return rows
		item_code = self._linked_code(server, line.product_id, line.variation_id, latest=True)
		return [
			i
			for i, row in enumerate(invoice.lines)
			if item_code and row["item_code"] == item_code and not row.get("woocommerce_line_id")
		]

	def _returned_qty(self, sales_invoice: str) -> dict[int, int]:
		returned: dict[int, int] = {}
		for _key, note in self._keyed_rows("credit_note"):
			if note.return_against == sales_invoice and note.docstatus == 1:
				for index, qty, _rate in note.rows:
					if index is not None:
						returned[index] = returned.get(index, 0) - qty
		return returned

	def _return_rows(
		self,
		sales_invoice: str,
		invoice: Any,
		indexes: list[int],
		returned: dict[int, int],
		units: int,
		rate: Decimal,
	) -> list[tuple[int, int, Decimal]]:
		"""The units on the line's invoice rows, first rows first, each at most what is left of it;
		ERPNext refuses a return's rate above the original row's."""
		rows = []
		left = units
		for index in indexes:
			original = invoice.lines[index]
			room = int(original["qty"]) - returned.get(index, 0)
			take = min(room, left) if units else 0
			if (units and take <= 0) or rate > Decimal(original["rate"]):
				continue
			rows.append((index, -take, rate))
			returned[index] = returned.get(index, 0) + take
			left -= take
			if left == 0:
				return rows
		raise ValueError(
			f"Sales Invoice {sales_invoice} has no row left to return {units} x {rate} of "
			f"item {invoice.lines[indexes[0]]['item_code']} against"
		)

	def make_refund_payment(
		self, credit_note: str, original_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		note = self._get_latest("credit_note", credit_note)
		if note is None or note.docstatus != 1:
			raise ValueError(f"A refund is paid against a submitted Credit Note only, not {credit_note}")
		original = self._get_latest("payment_entry", original_payment)
		if original is None or original.docstatus != 1:
			raise ValueError(f"Payment Entry {original_payment} is not submitted")
		name = f"PE-{next(self._counter):05d}"
		payment = FakeRefundPayment(
			name=name,
			credit_note=credit_note,
			payment_type="Pay",
			mode_of_payment=original.mode_of_payment,
			paid_from=original.paid_to,
			paid_amount=-note.grand_total,
			reference_no=reference_no,
			reference_date=reference_date or note.posting_date,
		)
		self._put("refund_payment", name, payment)
		return name

	# -- what tests read, as committed ---------------------------------------------------------

	def forget_line_ids(self, sales_invoice: str) -> None:
		"""The invoice as one made before its rows carried WooCommerce Line IDs."""
		invoice = copy.deepcopy(self._get_latest("sales_invoice", sales_invoice))
		for row in invoice.lines:
			row["woocommerce_line_id"] = None
		self._put("sales_invoice", sales_invoice, invoice)

	def committed_refunds(self, order_row: str) -> dict[int, RefundEntry]:
		with self._mutex:
			keys = [key for key in self._versions["order_refund"] if key[0] == order_row]
		return {key[1]: copy.deepcopy(self._committed("order_refund", key, None)) for key in keys}

	def refund_status(self, order_row: str) -> str:
		return self._committed("order_refund_status", order_row, None) or ""

	def credit_note(self, name: str) -> FakeCreditNote:
		return copy.deepcopy(self._committed("credit_note", name, None))

	def refund_payment(self, name: str) -> FakeRefundPayment:
		return copy.deepcopy(self._committed("refund_payment", name, None))
