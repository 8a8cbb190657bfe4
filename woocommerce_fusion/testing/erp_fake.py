"""An in-memory ERPNext behind the engine's port, for CI, benchmarks and the dry run.

It keeps the properties the engine relies on and a real bench gives: per-thread transactions
that commit or roll back as a whole, and a row lock per order held until commit or rollback.
Every committed write is counted, so tests can prove that a sync with nothing to do writes
nothing.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from woocommerce_fusion.engine.mapping.plans import (
	AddressPlan,
	ContactPlan,
	CustomerPlan,
	ItemPlan,
	SalesOrderPlan,
)
from woocommerce_fusion.engine.ports import OrderRecord, ResolvedParties, SalesOrderRef


@dataclass
class FakeSalesOrder:
	name: str
	server: str
	woocommerce_id: int
	customer: str
	docstatus: int
	woocommerce_status: str
	modified_utc: datetime
	grand_total: Decimal
	currency: str
	conversion_rate: Decimal | None
	billing_address: str = ""
	shipping_address: str = ""
	contact: str = ""
	lines: list[dict[str, Any]] = field(default_factory=list)
	charges: list[dict[str, Any]] = field(default_factory=list)
	status: str = "Draft"


@dataclass
class _Transaction:
	staged: dict[tuple[str, Any], Any] = field(default_factory=dict)
	locks: list[threading.Lock] = field(default_factory=list)
	writes: int = 0
	comments: list[tuple[str, str, str]] = field(default_factory=list)


class ErpFake:
	def __init__(self, *, now: Callable[[], datetime] | None = None, exchange_rates: dict | None = None):
		self.now = now or (lambda: datetime.now(timezone.utc))
		self.exchange_rates: dict[tuple[str, str], Decimal] = dict(exchange_rates or {})
		self.tables: dict[str, dict[Any, Any]] = {
			"order": {},
			"sales_order": {},
			"customer": {},
			"address": {},
			"contact": {},
			"item": {},
		}
		self.comments: list[tuple[str, str, str]] = []
		self.errors: list[tuple[str, str]] = []
		self.writes = 0
		self._counter = itertools.count(1)
		self._mutex = threading.RLock()
		# Secondary keys the masters are looked up by, kept at commit time.
		self._indexes: dict[tuple[str, str], dict[Any, Any]] = {
			("customer", "woocommerce_email"): {},
			("item", "sku"): {},
		}
		self._order_locks: dict[tuple[str, int], threading.Lock] = {}
		self._local = threading.local()
		# Test hook: called with the Sales Order name right after it is inserted (before commit).
		self.after_sales_order_insert: Callable[[str], None] | None = None

	# -- transactions ----------------------------------------------------------------------

	@property
	def _txn(self) -> _Transaction:
		txn = getattr(self._local, "txn", None)
		if txn is None:
			txn = self._local.txn = _Transaction()
		return txn

	def _get(self, table: str, key: Any) -> Any:
		staged = self._txn.staged
		if (table, key) in staged:
			return staged[(table, key)]
		with self._mutex:
			return self.tables[table].get(key)

	def _put(self, table: str, key: Any, value: Any) -> None:
		self._txn.staged[(table, key)] = value
		self._txn.writes += 1

	def _find(self, table: str, index: str, value: Any) -> Any:
		"""A row by a secondary key, staged rows first (as this transaction would see them)."""
		for (staged_table, _key), row in self._txn.staged.items():
			if staged_table == table and row[index] == value:
				return row
		with self._mutex:
			return self._indexes[(table, index)].get(value)

	def _rows(self, table: str) -> list[Any]:
		with self._mutex:
			rows = dict(self.tables[table])
		for (staged_table, key), value in self._txn.staged.items():
			if staged_table == table:
				rows[key] = value
		return list(rows.values())

	def commit(self) -> None:
		txn = self._txn
		with self._mutex:
			for (table, key), value in txn.staged.items():
				self.tables[table][key] = value
				for (indexed_table, index), entries in self._indexes.items():
					if indexed_table == table:
						entries[value[index]] = value
			self.writes += txn.writes
			self.comments.extend(txn.comments)
		self._end(txn)

	def rollback(self) -> None:
		self._end(self._txn)

	def _end(self, txn: _Transaction) -> None:
		for lock in reversed(txn.locks):
			lock.release()
		self._local.txn = _Transaction()

	# -- order records ---------------------------------------------------------------------

	def lock_order(self, server: str, woocommerce_id: int) -> OrderRecord:
		key = (server, int(woocommerce_id))
		with self._mutex:
			lock = self._order_locks.setdefault(key, threading.Lock())
		if lock not in self._txn.locks:
			lock.acquire()
			self._txn.locks.append(lock)
		record = self._get("order", key)
		if record is None:
			# Created and committed at once, like an insert that cannot race (add_unique).
			record = OrderRecord(
				name=f"{server}-{woocommerce_id}", server=server, woocommerce_id=int(woocommerce_id)
			)
			with self._mutex:
				self.tables["order"].setdefault(key, record)
				self.writes += 1
		return copy.deepcopy(record)

	def save_order(self, record: OrderRecord) -> None:
		key = (record.server, record.woocommerce_id)
		if self._get("order", key) != record:
			self._put("order", key, copy.deepcopy(record))

	def order_record(self, server: str, woocommerce_id: int) -> OrderRecord | None:
		with self._mutex:
			return copy.deepcopy(self.tables["order"].get((server, int(woocommerce_id))))

	# -- sales orders ----------------------------------------------------------------------

	def _ref(self, so: FakeSalesOrder) -> SalesOrderRef:
		return SalesOrderRef(
			name=so.name,
			woocommerce_id=so.woocommerce_id,
			docstatus=so.docstatus,
			status=so.status,
			woocommerce_status=so.woocommerce_status,
			modified_utc=so.modified_utc,
			grand_total=so.grand_total,
			customer=so.customer,
		)

	def find_sales_orders(self, server: str, woocommerce_ids: list[int]) -> dict[int, SalesOrderRef]:
		wanted = {int(i) for i in woocommerce_ids}
		return {
			so.woocommerce_id: self._ref(so)
			for so in self._rows("sales_order")
			if so.server == server and so.woocommerce_id in wanted and so.docstatus != 2
		}

	def sales_orders_modified_since(self, server: str, since_utc: datetime) -> list[SalesOrderRef]:
		refs = []
		for so in self._rows("sales_order"):
			if so.server != server or so.modified_utc < since_utc or so.docstatus == 2:
				continue
			record = self._get("order", (server, so.woocommerce_id))
			seen = record is not None and record.sales_order == so.name
			if not seen or record.sales_order_modified != so.modified_utc:
				refs.append(self._ref(so))
		return refs

	def sales_order_modified(self, name: str) -> datetime:
		return self._get("sales_order", name).modified_utc

	def _so_fields(self, plan: SalesOrderPlan, resolved: ResolvedParties) -> dict[str, Any]:
		return {
			"customer": resolved.customer,
			"billing_address": resolved.billing_address,
			"shipping_address": resolved.shipping_address,
			"contact": resolved.contact,
			"grand_total": plan.grand_total,
			"currency": plan.currency,
			"conversion_rate": plan.conversion_rate,
			"lines": [
				{
					"item_code": resolved.items[line.woocommerce_line_id],
					"qty": line.qty,
					"rate": line.rate,
					"amount": line.amount,
				}
				for line in plan.lines
			],
			"charges": [
				{"kind": c.kind, "account_head": c.account_head, "tax_amount": c.tax_amount}
				for c in plan.charges
			],
		}

	def insert_sales_order(self, plan: SalesOrderPlan, resolved: ResolvedParties, submit: bool) -> str:
		name = f"SO-{next(self._counter):05d}"
		so = FakeSalesOrder(
			name=name,
			server=plan.server,
			woocommerce_id=plan.woocommerce_id,
			docstatus=1 if submit else 0,
			status="To Deliver and Bill" if submit else "Draft",
			woocommerce_status=plan.woocommerce_status,
			modified_utc=self.now(),
			**self._so_fields(plan, resolved),
		)
		self._put("sales_order", name, so)
		if self.after_sales_order_insert:
			self.after_sales_order_insert(name)
		return name

	def insert_foreign_sales_order(
		self, server: str, woocommerce_id: int, woocommerce_status: str = "processing"
	) -> str:
		"""A Sales Order keyed in by hand (or by another connector), committed at once."""
		name = f"SO-{next(self._counter):05d}"
		so = FakeSalesOrder(
			name=name,
			server=server,
			woocommerce_id=woocommerce_id,
			customer="Walk-in",
			docstatus=1,
			woocommerce_status=woocommerce_status,
			modified_utc=self.now(),
			grand_total=Decimal("0"),
			currency="EUR",
			conversion_rate=None,
		)
		with self._mutex:
			self.tables["sales_order"][name] = so
			self.writes += 1
		return name

	def sales_order(self, name: str) -> FakeSalesOrder:
		with self._mutex:
			return copy.deepcopy(self.tables["sales_order"][name])

	def update_sales_order(self, name: str, changes: dict[str, Any]) -> None:
		so = replace(self._get("sales_order", name), **changes, modified_utc=self.now())
		self._put("sales_order", name, so)

	def replace_sales_order_content(self, name: str, plan: SalesOrderPlan, resolved: ResolvedParties) -> None:
		so = self._get("sales_order", name)
		if so.docstatus != 0:
			raise ValueError(f"Sales Order {name} is submitted; its lines cannot change")
		self._put(
			"sales_order", name, replace(so, **self._so_fields(plan, resolved), modified_utc=self.now())
		)

	def touch_sales_order(self, name: str, **changes: Any) -> None:
		"""A user edits the Sales Order in Desk (committed at once)."""
		with self._mutex:
			so = self.tables["sales_order"][name]
			self.tables["sales_order"][name] = replace(so, **changes, modified_utc=self.now())
			self.writes += 1

	def add_comment(self, doctype: str, name: str, text: str) -> None:
		self._txn.comments.append((doctype, name, text))
		self._txn.writes += 1

	# -- masters ---------------------------------------------------------------------------

	def ensure_customer(self, plan: CustomerPlan) -> str:
		if plan.fixed_customer:
			return plan.fixed_customer
		with self._mutex:
			existing = self._find("customer", "woocommerce_email", plan.email)
			if existing is not None:
				return existing["name"]
			name = plan.customer_name
			while self._get("customer", name) is not None:
				name = f"{plan.customer_name}-{next(self._counter)}"
			self._put("customer", name, {"name": name, "woocommerce_email": plan.email, "plan": plan})
			return name

	def ensure_address(self, customer: str, plan: AddressPlan) -> str:
		key = (customer, plan.identity())
		if self._get("address", key) is None:
			self._put(
				"address",
				key,
				{"name": f"{customer}-{plan.address_type}-{next(self._counter)}", "plan": plan},
			)
		return self._get("address", key)["name"]

	def ensure_contact(self, customer: str, plan: ContactPlan) -> str:
		key = (customer, plan.email_id.lower())
		if self._get("contact", key) is None:
			self._put("contact", key, {"name": f"{plan.first_name} {plan.last_name}".strip(), "plan": plan})
		return self._get("contact", key)["name"]

	def ensure_item(self, server: str, plan: ItemPlan) -> str:
		key = (server, plan.woocommerce_product_id, plan.woocommerce_variation_id)
		existing = self._get("item", key)
		if existing is None and plan.sku:
			existing = self._find("item", "sku", plan.sku)
		if existing is None:
			existing = {
				"item_code": plan.sku or f"WOO-{plan.woocommerce_product_id}-{plan.woocommerce_variation_id}",
				"sku": plan.sku,
				"plan": plan,
			}
			self._put("item", key, existing)
		return existing["item_code"]

	def exchange_rate(self, from_currency: str, to_currency: str, on: date) -> Decimal | None:
		return self.exchange_rates.get((from_currency, to_currency))

	def log_error(self, title: str, message: str, reference_name: str | None = None) -> None:
		with self._mutex:
			self.errors.append((title, message))

	# -- inspection for tests --------------------------------------------------------------

	def count(self, table: str) -> int:
		with self._mutex:
			return len(self.tables[table])
