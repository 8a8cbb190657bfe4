"""An in-memory ERPNext behind the engine's port, for CI, benchmarks and the dry run.

It keeps the properties the engine relies on and a real bench gives, as MariaDB's InnoDB does
at REPEATABLE READ: per-thread transactions that commit or roll back as a whole; consistent
reads from a snapshot taken at the transaction's first read, so a row another worker commits
later is not seen; a row lock per order held until commit or rollback, whose locking read sees
the latest committed row, taken by lock_order at the start of a new transaction. Every committed
write is counted, so tests can prove that a sync with nothing to do writes nothing.
woocommerce_fusion/testing/erp_contract.py pins this behaviour; it runs against this fake in CI
(tests/test_erp_port_contract.py) and against the adapter on a bench
(woocommerce_fusion/erp/test_erp_port_contract.py).
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from typing import Any

from woocommerce_fusion.constants import order_sync_name
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem
from woocommerce_fusion.engine.errors import ErrorKind, FusionError, MappingError
from woocommerce_fusion.engine.mapping.plans import (
	AddressPlan,
	ContactPlan,
	CustomerPlan,
	ItemPlan,
	SalesOrderPlan,
)
from woocommerce_fusion.engine.ports import OrderRecord, ResolvedParties, SalesOrderRef
from woocommerce_fusion.testing.erp_fake_billing import BILLING_TABLES, _FakeBilling
from woocommerce_fusion.testing.erp_fake_catalogue import _FakeCatalogue
from woocommerce_fusion.testing.erp_fake_items import ITEM_INDEXES, ITEM_TABLES, _FakeItems
from woocommerce_fusion.testing.erp_fake_refunds import REFUND_TABLES, _FakeRefunds
from woocommerce_fusion.testing.erp_fake_status import STATUS_TABLES, _FakeStatus
from woocommerce_fusion.testing.erp_fake_stock import STOCK_TABLES, _FakeStock
from woocommerce_fusion.testing.erp_fake_uoms import _FakeMassUoms

_MISSING = object()
_RECORD_DATETIMES = ("date_modified_gmt", "sales_order_modified", "last_attempt_on", "next_attempt_on")
# What a submitted Sales Order lets the sync change (allow_on_submit in erp/custom_fields.json).
_ALLOWED_ON_SUBMIT = frozenset({"woocommerce_status", "woocommerce_status_changed_on"})
_SO_STATUS = {0: "Draft", 1: "To Deliver and Bill", 2: "Cancelled"}
# (table, index) -> the values of a row it is indexed by.
_INDEXED = {("customer", "woocommerce_email"): lambda row: [row["woocommerce_email"]], **ITEM_INDEXES}


def _utc(moment: datetime | None) -> datetime | None:
	"""Stored as the adapter stores it (erp/times.py: utc_to_system), and read back in UTC."""
	if moment is None:
		return None
	if moment.tzinfo is None:
		raise ValueError(f"A naive datetime is ambiguous here, pass it with its zone: {moment!r}")
	return moment.astimezone(timezone.utc)


class ParallelWorkerConflict(FusionError):
	"""What the adapter raises when a master was created by a parallel worker after this
	transaction's snapshot (erp/masters/locks.py: ParallelWorkerError)."""

	kind = ErrorKind.CONFLICT


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
	woocommerce_status_changed_on: datetime | None = None
	# Insertion order, which ERPNext's `creation` gives.
	created: int = 0


@dataclass
class _FakeTransaction:
	staged: dict[tuple[str, Any], Any] = field(default_factory=dict)
	locks: list[threading.Lock] = field(default_factory=list)
	writes: int = 0
	comments: list[tuple[str, str, str]] = field(default_factory=list)
	# The commit sequence number its consistent reads see; None until its first read.
	snapshot: int | None = None


class _FakeMasters:
	"""ErpFake's customers, addresses, contacts and items: found first, created only when missing,
	under a named lock like the adapter's (erp/masters/locks.py). A part of ErpFake, on its store."""

	def _hold_named_lock(self, key: Any) -> None:
		"""Like the adapter's MariaDB named lock: held until this transaction ends."""
		with self._mutex:
			lock = self._named_locks.setdefault(key, threading.Lock())
		if lock not in self._txn.locks:
			lock.acquire()
			self._txn.locks.append(lock)

	def _created_meanwhile(self, table: str, index: str, value: Any) -> bool:
		"""Committed after this transaction's snapshot: the adapter raises a conflict then, and the
		order is retried in a new transaction that sees the record."""
		with self._mutex:
			key = self._indexes[(table, index)].get(value, _MISSING)
		return key is not _MISSING and self._get(table, key) is None

	def ensure_customer(self, plan: CustomerPlan) -> str:
		if plan.fixed_customer:
			return plan.fixed_customer
		email = plan.email.strip().lower()
		existing = self._find("customer", "woocommerce_email", email)
		if existing is not None:
			return existing["name"]
		self._hold_named_lock(("customer", email))
		if self._created_meanwhile("customer", "woocommerce_email", email):
			raise ParallelWorkerConflict(f"Customer {email} was created by a parallel worker")
		name = plan.customer_name
		while self._get_latest("customer", name) is not None or ("customer", name) in self._txn.staged:
			name = f"{plan.customer_name}-{next(self._counter)}"
		self._put("customer", name, {"name": name, "woocommerce_email": email, "plan": plan})
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
		"""As the adapter's masters/item.py: the Item whose row names the product, else (under the
		product's lock) the Item keyed in under its SKU, linked now, else a new one with the row."""
		key = (server, plan.woocommerce_product_id, plan.woocommerce_variation_id)
		found = self._linked_code(*key)
		if found is not None:
			return found
		self._hold_named_lock(("item", key))
		if self._linked_code(*key, latest=True) is not None or (
			plan.sku and self._get("item", plan.sku) is None and self._get_latest("item", plan.sku)
		):
			raise ParallelWorkerConflict(f"Item for product {key} was created by a parallel worker")
		item = CatalogueItem(plan.sku, plan.item_name or plan.sku, item_group=plan.item_group)
		if plan.is_variant:
			item = replace(item, variant_of=self._ensure_template(server, plan))
		return self._link_or_create_item(*key, item)


class ErpFake(
	_FakeMasters,
	_FakeItems,
	_FakeStatus,
	_FakeBilling,
	_FakeCatalogue,
	_FakeMassUoms,
	_FakeStock,
	_FakeRefunds,
):
	def __init__(self, *, now: Callable[[], datetime] | None = None, exchange_rates: dict | None = None):
		self.now = now or (lambda: datetime.now(timezone.utc))
		self.exchange_rates: dict[tuple[str, str], Decimal] = dict(exchange_rates or {})
		# table -> key -> [(commit sequence, value)], oldest first
		self._versions: dict[str, dict[Any, list[tuple[int, Any]]]] = {
			table: {}
			for table in (
				"order",
				"sales_order",
				"customer",
				"address",
				"contact",
				*ITEM_TABLES,
				*BILLING_TABLES,
				*STATUS_TABLES,
				*STOCK_TABLES,
				*REFUND_TABLES,
			)
		}
		self._sequence = 0
		self.comments: list[tuple[str, str, str]] = []
		self.errors: list[tuple[str, str]] = []
		self.writes = 0
		self._counter = itertools.count(1)
		self._mutex = threading.RLock()
		# Secondary keys rows are looked up by: value -> primary key, kept at commit time.
		self._indexes: dict[tuple[str, str], dict[Any, Any]] = {index: {} for index in _INDEXED}
		self._order_locks: dict[tuple[str, int], threading.Lock] = {}
		# (server, woocommerce id) -> names of its Sales Orders, which never change their order.
		self._sales_orders_by_order: dict[tuple[str, int], set[str]] = {}
		self._named_locks: dict[Any, threading.Lock] = {}
		self._local = threading.local()
		# Test hook: called with the Sales Order name right after it is inserted (before commit).
		self.after_sales_order_insert: Callable[[str], None] | None = None
		self._init_billing()
		self._init_status()
		self._init_items()
		self._init_catalogue()
		self._init_uoms()
		self._init_stock()

	# -- transactions ----------------------------------------------------------------------

	@property
	def _txn(self) -> _FakeTransaction:
		txn = getattr(self._local, "txn", None)
		if txn is None:
			txn = self._local.txn = _FakeTransaction()
		return txn

	def _snapshot(self) -> int:
		txn = self._txn
		if txn.snapshot is None:
			with self._mutex:
				txn.snapshot = self._sequence
		return txn.snapshot

	def _committed(self, table: str, key: Any, at: int | None) -> Any:
		"""The committed value as of commit `at` (None: the latest)."""
		with self._mutex:
			for sequence, value in reversed(self._versions[table].get(key, ())):
				if at is None or sequence <= at:
					return value
		return None

	def _get(self, table: str, key: Any) -> Any:
		"""A consistent read: this transaction's own writes, else its snapshot."""
		staged = self._txn.staged.get((table, key), _MISSING)
		if staged is not _MISSING:
			return staged
		return self._committed(table, key, self._snapshot())

	def _get_latest(self, table: str, key: Any) -> Any:
		"""A locking read: this transaction's own writes, else the latest committed row."""
		staged = self._txn.staged.get((table, key), _MISSING)
		if staged is not _MISSING:
			return staged
		return self._committed(table, key, None)

	def _put(self, table: str, key: Any, value: Any) -> None:
		self._txn.staged[(table, key)] = value
		self._txn.writes += 1

	def _commit_now(self, table: str, key: Any, value: Any) -> None:
		"""A write committed on its own (a row the adapter inserts and commits at once)."""
		with self._mutex:
			self._sequence += 1
			self._store(table, key, value)
			self.writes += 1

	def _store(self, table: str, key: Any, value: Any) -> None:
		if table == "sales_order":
			self._sales_orders_by_order.setdefault((value.server, value.woocommerce_id), set()).add(key)
		self._versions[table].setdefault(key, []).append((self._sequence, value))
		for (indexed_table, index), entries in self._indexes.items():
			if indexed_table == table:
				entries.update(dict.fromkeys(_INDEXED[(table, index)](value), key))

	def _find(self, table: str, index: str, value: Any) -> Any:
		"""A row by a secondary key, staged rows first (as this transaction would see them)."""
		self._snapshot()
		for (staged_table, _key), row in self._txn.staged.items():
			if staged_table == table and value in _INDEXED[(table, index)](row):
				return row
		with self._mutex:
			key = self._indexes[(table, index)].get(value, _MISSING)
		return None if key is _MISSING else self._get(table, key)

	def _rows(self, table: str) -> list[Any]:
		at = self._snapshot()
		with self._mutex:
			keys = list(self._versions[table])
		rows = {key: self._committed(table, key, at) for key in keys}
		for (staged_table, key), value in self._txn.staged.items():
			if staged_table == table:
				rows[key] = value
		return [row for row in rows.values() if row is not None]

	def commit(self) -> None:
		txn = self._txn
		with self._mutex:
			if txn.staged:
				self._sequence += 1
				for (table, key), value in txn.staged.items():
					self._store(table, key, value)
			self.writes += txn.writes
			self.comments.extend(txn.comments)
		self._end(txn)

	def rollback(self) -> None:
		self._end(self._txn)

	def _end(self, txn: _FakeTransaction) -> None:
		for lock in reversed(txn.locks):
			lock.release()
		self._local.txn = _FakeTransaction()

	# -- order records ---------------------------------------------------------------------

	def lock_order(self, server: str, woocommerce_id: int) -> OrderRecord:
		"""Begins the order's transaction, as the adapter does: a snapshot taken before the lock
		was granted would hide what the worker that held it committed."""
		if self._txn.writes:
			raise RuntimeError("lock_order must begin the order's transaction; commit or roll back first")
		self.rollback()
		key = (server, int(woocommerce_id))
		with self._mutex:
			lock = self._order_locks.setdefault(key, threading.Lock())
		lock.acquire()
		self._txn.locks.append(lock)
		record = self._get_latest("order", key)
		if record is None:
			# Created and committed at once, like the adapter's insert that cannot race.
			record = OrderRecord(
				name=order_sync_name(server, woocommerce_id),
				server=server,
				woocommerce_id=int(woocommerce_id),
			)
			self._commit_now("order", key, record)
		return copy.deepcopy(record)

	def save_order(self, record: OrderRecord) -> None:
		key = (record.server, record.woocommerce_id)
		stored = replace(
			copy.deepcopy(record), **{name: _utc(getattr(record, name)) for name in _RECORD_DATETIMES}
		)
		if self._get_latest("order", key) != stored:
			self._put("order", key, stored)

	def orders_due_for_retry(self, server: str, now: datetime, limit: int) -> list[int]:
		due = [
			record
			for record in self._rows("order")
			if record.server == server and record.next_attempt_on and record.next_attempt_on <= now
		]
		due.sort(key=lambda record: (record.next_attempt_on, record.woocommerce_id))
		return [record.woocommerce_id for record in due[:limit]]

	def order_record(self, server: str, woocommerce_id: int) -> OrderRecord | None:
		return copy.deepcopy(self._committed("order", (server, int(woocommerce_id)), None))

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
			woocommerce_status_changed_on=so.woocommerce_status_changed_on,
		)

	def _live_sales_orders(self, server: str) -> list[FakeSalesOrder]:
		"""Not cancelled; a submitted one before a draft, then the oldest first, as the adapter."""
		rows = [so for so in self._rows("sales_order") if so.server == server and so.docstatus != 2]
		rows.sort(key=lambda so: (-so.docstatus, so.created))
		return rows

	def find_sales_orders(self, server: str, woocommerce_ids: list[int]) -> dict[int, SalesOrderRef]:
		"""By the index on (server, woocommerce_id), as the adapter's query uses one."""
		wanted = {(server, int(i)) for i in woocommerce_ids}
		# A consistent read takes the snapshot even when it finds nothing.
		self._snapshot()
		with self._mutex:
			names = {name for key in wanted for name in self._sales_orders_by_order.get(key, ())}
		names.update(
			key
			for (table, key), so in self._txn.staged.items()
			if table == "sales_order" and (so.server, so.woocommerce_id) in wanted
		)
		rows = [so for so in map(partial(self._get, "sales_order"), names) if so and so.docstatus != 2]
		rows.sort(key=lambda so: (-so.docstatus, so.created))
		refs: dict[int, SalesOrderRef] = {}
		for so in rows:
			refs.setdefault(so.woocommerce_id, self._ref(so))
		return refs

	def sales_orders_modified_since(self, server: str, since_utc: datetime) -> list[SalesOrderRef]:
		refs: dict[int, SalesOrderRef] = {}
		for so in self._live_sales_orders(server):
			if so.modified_utc < since_utc:
				continue
			record = self._get("order", (server, so.woocommerce_id))
			seen = record is not None and record.sales_order == so.name
			if not seen or record.sales_order_modified != so.modified_utc:
				refs.setdefault(so.woocommerce_id, self._ref(so))
		return list(refs.values())

	def sales_order_modified(self, name: str) -> datetime:
		return self._get("sales_order", name).modified_utc

	def _so_fields(self, plan: SalesOrderPlan, resolved: ResolvedParties) -> dict[str, Any]:
		for code in resolved.items.values():
			item = self._get("item", code)
			if item is not None and item.has_variants:
				# ERPNext's own refusal (a ValidationError): a template is never sold itself.
				raise MappingError(f"Item {code} is a template, please select one of its variants")
		return {
			"customer": resolved.customer,
			"billing_address": resolved.billing_address,
			"shipping_address": resolved.shipping_address,
			"contact": resolved.contact,
			"grand_total": plan.grand_total,
			"currency": plan.currency,
			"conversion_rate": plan.conversion_rate,
			"woocommerce_status": plan.woocommerce_status,
			"lines": [
				{
					"item_code": resolved.items[line.woocommerce_line_id],
					# ERPNext fills an empty item_name in from the Item.
					"item_name": line.item_name or line.item.item_name,
					"description": line.description,
					"woocommerce_line_id": line.woocommerce_line_id,
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

	def _changed(self, so: FakeSalesOrder, **changes: Any) -> FakeSalesOrder:
		"""The Sales Order saved with `changes`; WooCommerce Status remembers when it changed, as
		the app's Sales Order hook does on a real site."""
		now = self.now()
		if "woocommerce_status" in changes and changes["woocommerce_status"] != so.woocommerce_status:
			changes["woocommerce_status_changed_on"] = now
		return replace(so, **changes, modified_utc=now)

	def insert_sales_order(self, plan: SalesOrderPlan, resolved: ResolvedParties, submit: bool) -> str:
		number = next(self._counter)
		name = f"SO-{number:05d}"
		now = self.now()
		so = FakeSalesOrder(
			name=name,
			server=plan.server,
			woocommerce_id=plan.woocommerce_id,
			docstatus=1 if submit else 0,
			status=_SO_STATUS[1 if submit else 0],
			modified_utc=now,
			woocommerce_status_changed_on=now,
			created=number,
			**self._so_fields(plan, resolved),
		)
		self._put("sales_order", name, so)
		if self.after_sales_order_insert:
			self.after_sales_order_insert(name)
		return name

	def insert_foreign_sales_order(
		self,
		server: str,
		woocommerce_id: int,
		woocommerce_status: str = "processing",
		*,
		docstatus: int = 1,
	) -> str:
		"""A Sales Order keyed in by hand (or by another connector), committed at once."""
		number = next(self._counter)
		name = f"SO-{number:05d}"
		now = self.now()
		so = FakeSalesOrder(
			name=name,
			server=server,
			woocommerce_id=woocommerce_id,
			customer="Walk-in",
			docstatus=docstatus,
			status=_SO_STATUS[docstatus],
			woocommerce_status=woocommerce_status,
			modified_utc=now,
			woocommerce_status_changed_on=now,
			grand_total=Decimal("0"),
			currency="EUR",
			conversion_rate=None,
			created=number,
		)
		self._commit_now("sales_order", name, so)
		return name

	def sales_order(self, name: str) -> FakeSalesOrder:
		return copy.deepcopy(self._committed("sales_order", name, None))

	def update_sales_order(self, name: str, changes: dict[str, Any]) -> None:
		so = self._get_latest("sales_order", name)
		if so.docstatus == 2:
			raise ValueError(f"Sales Order {name} is cancelled and cannot change")
		if so.docstatus == 1:
			locked = sorted(set(changes) - _ALLOWED_ON_SUBMIT)
			if locked:
				raise ValueError(
					f"Sales Order {name} is submitted; these fields cannot change on it: {locked}"
				)
			# Written with db_set, only what differs: an unchanged status leaves `modified` alone.
			changes = {field: value for field, value in changes.items() if getattr(so, field) != value}
			if not changes:
				return
		self._put("sales_order", name, self._changed(so, **changes))

	def replace_sales_order_content(self, name: str, plan: SalesOrderPlan, resolved: ResolvedParties) -> None:
		so = self._get_latest("sales_order", name)
		if so.docstatus != 0:
			raise ValueError(f"Sales Order {name} is submitted; its lines cannot change")
		self._put("sales_order", name, self._changed(so, **self._so_fields(plan, resolved)))

	def touch_sales_order(self, name: str, **changes: Any) -> None:
		"""A user edits the Sales Order in Desk (committed at once)."""
		so = self._committed("sales_order", name, None)
		self._commit_now("sales_order", name, self._changed(so, **changes))

	def add_comment(self, doctype: str, name: str, text: str) -> None:
		self._txn.comments.append((doctype, name, text))
		self._txn.writes += 1

	def exchange_rate(self, from_currency: str, to_currency: str, on: date) -> Decimal | None:
		if from_currency == to_currency:
			return Decimal(1)
		return self.exchange_rates.get((from_currency, to_currency))

	def log_error(self, title: str, message: str, reference_name: str | None = None) -> None:
		with self._mutex:
			self.errors.append((title, message))

	# -- inspection for tests --------------------------------------------------------------

	def transaction_writes(self) -> int:
		"""Writes of this thread's open transaction (frappe.db.transaction_writes on a bench)."""
		return self._txn.writes

	def count(self, table: str) -> int:
		with self._mutex:
			return len(self._versions[table])
