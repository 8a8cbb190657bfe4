"""The port through which the engine reads and writes ERPNext.

The Frappe adapter (woocommerce_fusion.erp) implements it with frappe/erpnext calls; the ERP
fake (woocommerce_fusion.testing.erp_fake) implements it in memory for CI and benchmarks.
Transactions are explicit because the order lock lives in them: lock_order() holds the row lock
until commit() or rollback(), exactly like SELECT ... FOR UPDATE in MariaDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from woocommerce_fusion.engine.mapping.plans import (
	AddressPlan,
	ContactPlan,
	CustomerPlan,
	ItemPlan,
	SalesOrderPlan,
)
from woocommerce_fusion.engine.template_port import TemplatePort


@dataclass
class OrderRecord:
	"""A WooCommerce Order Sync row: one per (server, WooCommerce order id)."""

	name: str
	server: str
	woocommerce_id: int
	status: str = "Not processed"
	sales_order: str = ""
	# The Sales Invoice and Payment Entry the pipeline made (or found) for the Sales Order.
	sales_invoice: str = ""
	payment_entry: str = ""
	payload: dict[str, Any] | None = None
	date_modified_gmt: datetime | None = None
	# Digest of the order content last written into the Sales Order, so an unchanged order
	# writes nothing even when its timestamp moved (e.g. after our own status push).
	applied_digest: str = ""
	# The Sales Order's `modified` (UTC) when the sync last wrote or compared it: step 3 of a
	# run skips Sales Orders nobody has touched since, instead of fetching their orders again.
	sales_order_modified: datetime | None = None
	# The order status both sides last agreed on: the base of the three-way status merge.
	synced_status: str = ""
	# The lines of products deleted in the shop that the Sales Order books on the placeholder
	# Item, one per line (engine/mapping/deleted_products.py); empty when there are none.
	placeholder_lines: str = ""
	error: str = ""
	error_kind: str = ""
	failed_step: str = ""
	# Failed attempts since the last success, and when the retry job tries again (None: not
	# automatically; retry_status says why, for the person reading the row).
	attempts: int = 0
	last_attempt_on: datetime | None = None
	next_attempt_on: datetime | None = None
	retry_status: str = ""


@dataclass
class SalesOrderRef:
	"""What the sync needs to know of a Sales Order linked to a WooCommerce order."""

	name: str
	woocommerce_id: int
	docstatus: int
	status: str
	woocommerce_status: str
	modified_utc: datetime
	grand_total: Decimal = Decimal("0")
	customer: str = ""
	# When WooCommerce Status itself last changed in ERPNext (UTC); None when unknown.
	woocommerce_status_changed_on: datetime | None = None


@dataclass
class InvoiceRef:
	"""A Sales Invoice made from a Sales Order."""

	name: str
	docstatus: int
	grand_total: Decimal
	posting_date: date


class ErpPort(TemplatePort, Protocol):
	# transactions and the per-order lock
	def lock_order(self, server: str, woocommerce_id: int) -> OrderRecord:
		"""The order's row, created if need be, locked until commit() or rollback(); read as
		committed, whatever this transaction read before. Reads after it see at least what was
		committed before the lock was granted."""
		...

	def orders_due_for_retry(self, server: str, now: datetime, limit: int) -> list[int]:
		"""Ids of this server's failed orders whose next attempt is due, earliest first."""
		...

	def save_order(self, record: OrderRecord) -> None: ...
	def commit(self) -> None: ...
	def rollback(self) -> None: ...

	# sales orders
	def find_sales_orders(self, server: str, woocommerce_ids: list[int]) -> dict[int, SalesOrderRef]: ...
	def sales_orders_modified_since(self, server: str, since_utc: datetime) -> list[SalesOrderRef]:
		"""Modified since, leaving out those whose order row links them and has seen that very
		`modified`."""
		...

	def sales_order_modified(self, name: str) -> datetime: ...
	def insert_sales_order(self, plan: SalesOrderPlan, resolved: "ResolvedParties", submit: bool) -> str: ...
	def update_sales_order(self, name: str, changes: dict[str, Any]) -> None: ...
	def replace_sales_order_content(
		self, name: str, plan: SalesOrderPlan, resolved: "ResolvedParties"
	) -> None: ...
	def add_comment(self, doctype: str, name: str, text: str) -> None: ...

	# masters; each finds before it creates, so a resync never duplicates
	def ensure_customer(self, plan: CustomerPlan) -> str: ...
	def ensure_address(self, customer: str, plan: AddressPlan) -> str: ...
	def ensure_contact(self, customer: str, plan: ContactPlan) -> str: ...
	def ensure_item(self, server: str, plan: ItemPlan) -> str: ...
	def exchange_rate(self, from_currency: str, to_currency: str, on: date) -> Decimal | None: ...

	# stock, invoice and payment of a submitted Sales Order; each finds before it makes
	def stock_reservation_enabled(self) -> bool:
		"""ERPNext's Stock Settings allow stock reservation."""
		...

	def reserve_stock(self, sales_order: str) -> Decimal:
		"""Reserve what is not yet reserved of the Sales Order's stock items; returns the quantity
		(stock UOM) still unreserved afterwards. Reserving what is reserved already does nothing."""
		...

	def find_sales_invoice(self, sales_order: str) -> InvoiceRef | None:
		"""The live (not cancelled) Sales Invoice made from the Sales Order, a submitted one first."""
		...

	def make_sales_invoice(self, sales_order: str) -> str:
		"""A draft Sales Invoice made from the submitted Sales Order as ERPNext makes it, totalling
		exactly the Sales Order's grand total; refuses to go on otherwise."""
		...

	def submit_sales_invoice(self, name: str) -> None:
		"""Submit the draft; a submitted one stays as it is."""
		...

	def find_payment_entry(self, sales_invoice: str) -> str | None:
		"""The submitted Payment Entry against the Sales Invoice."""
		...

	def make_payment_entry(
		self, sales_invoice: str, mode_of_payment: str, reference_no: str, reference_date: date | None
	) -> str:
		"""A submitted Payment Entry for the invoice's outstanding amount, made as ERPNext makes it
		from an invoice, into the account of the Mode of Payment in the invoice's company
		(ConfigurationError when it has none); reference_date None: the invoice's posting date."""
		...

	# bookkeeping
	def log_error(self, title: str, message: str, reference_name: str | None = None) -> None: ...


@dataclass
class ResolvedParties:
	"""Names of the ERPNext records a plan resolved to."""

	customer: str
	billing_address: str = ""
	shipping_address: str = ""
	contact: str = ""
	items: dict[int, str] = field(default_factory=dict)  # woocommerce line id -> item_code
