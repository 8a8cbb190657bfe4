"""ErpFake's stock reservation, Sales Invoices and Payment Entries, as the adapter makes them
(woocommerce_fusion/erp/stock.py and erp/invoicing.py); a part of ErpFake, on its store and in
its transactions. woocommerce_fusion/testing/erp_contract_billing.py pins it to the adapter.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.ports import InvoiceRef

BILLING_TABLES = ("sales_invoice", "payment_entry", "stock_reservation")


@dataclass
class FakeSalesInvoice:
	name: str
	sales_order: str
	customer: str
	docstatus: int
	grand_total: Decimal
	posting_date: date
	lines: list[dict[str, Any]] = field(default_factory=list)
	charges: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakePaymentEntry:
	name: str
	sales_invoice: str
	mode_of_payment: str
	paid_to: str
	paid_amount: Decimal
	reference_no: str
	reference_date: date
	docstatus: int = 1


class _FakeBilling:
	"""Stock is per item code, received at once (stock_received); a reservation holds part of it
	for one Sales Order line until the fake forgets it, as a Stock Reservation Entry does."""

	def _init_billing(self) -> None:
		self.stock_reservation = True
		# item code -> quantity in the warehouse (stock UOM); an item never received has none.
		self._stock: dict[str, Decimal] = {}
		# Mode of Payment -> its account in the company the fake books in.
		self.mode_of_payment_accounts: dict[str, str] = {}
		# Item codes that are not stock items (Is Stock Item off): never reserved, like the
		# placeholder Item of deleted products.
		self.non_stock_items: set[str] = set()

	def stock_received(self, item_code: str, qty: Decimal | int) -> None:
		"""A Stock Entry (Material Receipt) into the warehouse, committed at once."""
		with self._mutex:
			self._stock[item_code] = self._stock.get(item_code, Decimal(0)) + Decimal(qty)

	def stock_received_for(self, sales_order: str) -> None:
		"""Stock for every line of the Sales Order as this transaction sees it."""
		for line in self._get_latest("sales_order", sales_order).lines:
			self.stock_received(line["item_code"], line["qty"])

	def stock_reservation_enabled(self) -> bool:
		return self.stock_reservation

	def _reserved_elsewhere(self, item_code: str, sales_order: str) -> Decimal:
		total = Decimal(0)
		for reservation in self._rows("stock_reservation"):
			if reservation["sales_order"] != sales_order:
				total += sum(
					(qty for (code, qty) in reservation["lines"].values() if code == item_code), Decimal(0)
				)
		return total

	def reserve_stock(self, sales_order: str) -> Decimal:
		so = self._get_latest("sales_order", sales_order)
		if so is None or so.docstatus != 1:
			raise ValueError(f"Stock can be reserved for a submitted Sales Order only, not {sales_order}")
		if not self.stock_reservation:
			raise ValueError("Please enable Stock Reservation in the Stock Settings.")
		reservation = copy.deepcopy(self._get_latest("stock_reservation", sales_order)) or {
			"sales_order": sales_order,
			"lines": {},
		}
		unreserved = Decimal(0)
		for index, line in enumerate(so.lines):
			code, wanted = line["item_code"], Decimal(line["qty"])
			if code in self.non_stock_items:
				continue
			_, held = reservation["lines"].get(index, (code, Decimal(0)))
			with self._mutex:
				in_stock = self._stock.get(code, Decimal(0))
			mine = sum((q for (c, q) in reservation["lines"].values() if c == code), Decimal(0))
			available = in_stock - self._reserved_elsewhere(code, sales_order) - mine
			more = max(Decimal(0), min(wanted - held, available))
			reservation["lines"][index] = (code, held + more)
			unreserved += wanted - held - more
		self._put("stock_reservation", sales_order, reservation)
		return unreserved

	def reserved_qty(self, sales_order: str) -> Decimal:
		reservation = self._committed("stock_reservation", sales_order, None)
		if reservation is None:
			return Decimal(0)
		return sum((qty for (_code, qty) in reservation["lines"].values()), Decimal(0))

	def _invoice_ref(self, invoice: FakeSalesInvoice) -> InvoiceRef:
		return InvoiceRef(
			name=invoice.name,
			docstatus=invoice.docstatus,
			grand_total=invoice.grand_total,
			posting_date=invoice.posting_date,
		)

	def find_sales_invoice(self, sales_order: str) -> InvoiceRef | None:
		live = [
			invoice
			for invoice in self._rows("sales_invoice")
			if invoice.sales_order == sales_order and invoice.docstatus != 2
		]
		live.sort(key=lambda invoice: (-invoice.docstatus, invoice.name))
		return self._invoice_ref(live[0]) if live else None

	def make_sales_invoice(self, sales_order: str) -> str:
		so = self._get_latest("sales_order", sales_order)
		if so is None or so.docstatus != 1:
			raise ValueError(f"A Sales Invoice is made from a submitted Sales Order only, not {sales_order}")
		name = f"SINV-{next(self._counter):05d}"
		invoice = FakeSalesInvoice(
			name=name,
			sales_order=sales_order,
			customer=so.customer,
			docstatus=0,
			grand_total=so.grand_total,
			posting_date=self.now().date(),
			lines=copy.deepcopy(so.lines),
			charges=copy.deepcopy(so.charges),
		)
		self._put("sales_invoice", name, invoice)
		return name

	def submit_sales_invoice(self, name: str) -> None:
		invoice = self._get_latest("sales_invoice", name)
		if invoice.docstatus == 2:
			raise ValueError(f"Sales Invoice {name} is cancelled")
		if invoice.docstatus == 0:
			self._put("sales_invoice", name, replace(invoice, docstatus=1))

	def find_payment_entry(self, sales_invoice: str) -> str | None:
		found = sorted(
			entry.name
			for entry in self._rows("payment_entry")
			if entry.sales_invoice == sales_invoice and entry.docstatus == 1
		)
		return found[0] if found else None

	def make_payment_entry(
		self, sales_invoice: str, mode_of_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		invoice = self._get_latest("sales_invoice", sales_invoice)
		if invoice is None or invoice.docstatus != 1:
			raise ValueError(f"A payment is made against a submitted Sales Invoice only, not {sales_invoice}")
		account = self.mode_of_payment_accounts.get(mode_of_payment)
		if not account:
			raise ConfigurationError(
				f"Mode of Payment {mode_of_payment} has no account for the company. Set one in its "
				"Accounts table, then retry."
			)
		name = f"PE-{next(self._counter):05d}"
		entry = FakePaymentEntry(
			name=name,
			sales_invoice=sales_invoice,
			mode_of_payment=mode_of_payment,
			paid_to=account,
			paid_amount=invoice.grand_total,
			reference_no=reference_no,
			reference_date=reference_date or invoice.posting_date,
		)
		self._put("payment_entry", name, entry)
		return name

	def sales_invoice(self, name: str) -> FakeSalesInvoice:
		return copy.deepcopy(self._committed("sales_invoice", name, None))

	def payment_entry(self, name: str) -> FakePaymentEntry:
		return copy.deepcopy(self._committed("payment_entry", name, None))
