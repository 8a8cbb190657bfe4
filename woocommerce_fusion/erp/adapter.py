"""The engine's ErpPort on a real ERPNext: frappe's database connection and documents.

One FrappeErp works on the current site's connection (frappe.db), so it belongs to one worker
thread, like the connection. It holds no state of its own: the transaction is frappe's, and the
order's row lock lives in it until commit() or rollback().

Where it commits: commit() itself, when the engine decides; lock_order, for the row it creates
for an order met for the first time (erp/order_records.py's _insert_row_committed), so that a
parallel worker waits for its lock instead of inserting a second one; and log_error, when the
Error Log is the transaction's only write. Nothing else here commits. The Request Log rows are
committed on a connection of their own (erp/request_log.py's insert_committed) and never commit
this one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import frappe
from frappe.utils import escape_html

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE
from woocommerce_fusion.engine.mapping.plans import (
	AddressPlan,
	ContactPlan,
	CustomerPlan,
	ItemPlan,
	SalesOrderPlan,
)
from woocommerce_fusion.engine.ports import InvoiceRef, OrderRecord, ResolvedParties, SalesOrderRef
from woocommerce_fusion.erp import invoicing, masters, order_records, sales_order, stock
from woocommerce_fusion.erp.refunds import RefundsAdapter


class FrappeErp(RefundsAdapter):
	# -- transactions and the per-order lock ---------------------------------------------------

	def lock_order(self, server: str, woocommerce_id: int) -> OrderRecord:
		return order_records.lock_order(server, woocommerce_id)

	def save_order(self, record: OrderRecord) -> None:
		order_records.save_order(record)

	def orders_due_for_retry(self, server: str, now: datetime, limit: int) -> list[int]:
		return order_records.orders_due_for_retry(server, now, limit)

	def commit(self) -> None:
		frappe.db.commit()

	def rollback(self) -> None:
		frappe.db.rollback()

	# -- sales orders --------------------------------------------------------------------------

	def find_sales_orders(self, server: str, woocommerce_ids: list[int]) -> dict[int, SalesOrderRef]:
		return sales_order.find_sales_orders(server, woocommerce_ids)

	def sales_orders_modified_since(self, server: str, since_utc: datetime) -> list[SalesOrderRef]:
		return sales_order.sales_orders_modified_since(server, since_utc)

	def sales_order_modified(self, name: str) -> datetime:
		return sales_order.sales_order_modified(name)

	def insert_sales_order(self, plan: SalesOrderPlan, resolved: ResolvedParties, submit: bool) -> str:
		return sales_order.insert_sales_order(plan, resolved, submit, self.exchange_rate)

	def update_sales_order(self, name: str, changes: dict[str, Any]) -> None:
		sales_order.update_sales_order(name, changes)

	def replace_sales_order_content(self, name: str, plan: SalesOrderPlan, resolved: ResolvedParties) -> None:
		sales_order.replace_sales_order_content(name, plan, resolved, self.exchange_rate)

	def add_comment(self, doctype: str, name: str, text: str) -> None:
		frappe.get_doc(doctype, name).add_comment("Comment", escape_html(text))

	# -- masters -------------------------------------------------------------------------------

	def ensure_customer(self, plan: CustomerPlan) -> str:
		return masters.ensure_customer(plan)

	def ensure_address(self, customer: str, plan: AddressPlan) -> str:
		return masters.ensure_address(customer, plan)

	def ensure_contact(self, customer: str, plan: ContactPlan) -> str:
		return masters.ensure_contact(customer, plan)

	def ensure_item(self, server: str, plan: ItemPlan) -> str:
		return masters.ensure_item(server, plan)

	def linked_to_template(self, server: str, product_id: int) -> bool:
		return masters.linked_to_template(server, product_id)

	def exchange_rate(self, from_currency: str, to_currency: str, on: date) -> Decimal | None:
		return sales_order.exchange_rate(from_currency, to_currency, on)

	# -- stock, invoice and payment --------------------------------------------------------------

	def stock_reservation_enabled(self) -> bool:
		return stock.stock_reservation_enabled()

	def reserve_stock(self, sales_order: str) -> Decimal:
		return stock.reserve_stock(sales_order)

	def find_sales_invoice(self, sales_order: str) -> InvoiceRef | None:
		return invoicing.find_sales_invoice(sales_order)

	def make_sales_invoice(self, sales_order: str) -> str:
		return invoicing.make_sales_invoice(sales_order)

	def submit_sales_invoice(self, name: str) -> None:
		invoicing.submit_sales_invoice(name)

	def find_payment_entry(self, sales_invoice: str) -> str | None:
		return invoicing.find_payment_entry(sales_invoice)

	def make_payment_entry(
		self, sales_invoice: str, mode_of_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		return invoicing.make_payment_entry(sales_invoice, mode_of_payment, reference_no, reference_date)

	# -- bookkeeping ---------------------------------------------------------------------------

	def log_error(self, title: str, message: str, reference_name: str | None = None) -> None:
		"""An Error Log that outlives the failed work, as the engine expects.

		The engine logs right after a commit or rollback; the log is then the transaction's only
		write and is committed at once. Logged amid other writes, it shares their fate instead.
		"""
		alone = not frappe.db.transaction_writes
		frappe.log_error(
			title=title,
			message=message,
			reference_doctype=ORDER_SYNC_DOCTYPE if reference_name else None,
			reference_name=reference_name,
		)
		if alone:
			frappe.db.commit()
