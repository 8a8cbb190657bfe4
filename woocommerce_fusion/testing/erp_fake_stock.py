"""ErpFake's Bins, Item Prices and the queue of stock and price pushes, as the adapter keeps them
(woocommerce_fusion/erp/stock_levels.py and erp/item_prices.py); a part of ErpFake, on its store
and in its transactions. woocommerce_fusion/testing/erp_contract_stock.py pins it to the adapter.

An Item is linked to a shop by its rows in erp_fake_items.py, read in the push's snapshot as the
adapter reads the Item's WooCommerce Item Server rows; the document events queue only for the
servers that sync that level (levels_settings). A queue row is locked by whoever
marks or clears it until its transaction ends, like the row lock InnoDB takes on the adapter's
INSERT ... ON DUPLICATE KEY UPDATE and UPDATE.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from woocommerce_fusion.engine.catalogue.levels_port import (
	ItemOutcome,
	LevelsSettings,
	PendingUpdate,
	ProductLink,
	QuantityBasis,
)
from woocommerce_fusion.engine.catalogue.push_retry import is_due, made_due_by_change, schedule_failed
from woocommerce_fusion.engine.retry import RetryStatus

STOCK_TABLES = ("bin", "pending_update", "stock_poll")


@dataclass(frozen=True)
class FakeBin:
	actual_qty: Decimal = Decimal(0)
	reserved_qty: Decimal = Decimal(0)
	projected_qty: Decimal = Decimal(0)
	modified: datetime | None = None


@dataclass(frozen=True)
class FakePendingRow:
	stock: bool = False
	price: bool = False
	sequence: int = 0
	force: bool = False
	pushed_stock: int | None = None
	pushed_price: Decimal | None = None
	error: str = ""
	attempts: int = 0
	next_attempt_on: datetime | None = None
	retry_status: str = ""
	attempted_product: str = ""


class _FakeStock:
	def _init_stock(self) -> None:
		# server -> its push lock, held across commits like the adapter's named lock.
		self._push_locks: dict[str, threading.Lock] = {}

	# -- what tests and benchmarks do to the fake --------------------------------------------

	def set_bin(self, item_code: str, warehouse: str, **quantities: Decimal | int) -> None:
		"""A Bin written the way ERPNext writes Bins (db_set: no document event), committed."""
		key = (item_code, warehouse)
		with self._mutex:
			current = self._committed("bin", key, None) or FakeBin()
			values = {name: Decimal(value) for name, value in quantities.items()}
			self._sequence += 1
			self._store("bin", key, replace(current, **values, modified=self.now()))

	def stock_transaction(self, item_code: str, warehouse: str, change: Decimal | int) -> None:
		"""A submitted stock transaction: the Bin moves, and its hook queues the Item's stock for
		every shop it is linked to that syncs stock, in the same transaction."""
		current = self._committed("bin", (item_code, warehouse), None) or FakeBin()
		self.set_bin(
			item_code,
			warehouse,
			actual_qty=current.actual_qty + Decimal(change),
			projected_qty=current.projected_qty + Decimal(change),
		)
		for server in self._servers_syncing(item_code, "stock"):
			self.mark_pending(server, [item_code], stock=True, price=False)
		self.commit()

	def pending_row(self, server: str, item_code: str) -> FakePendingRow | None:
		return self._committed("pending_update", (server, item_code), None)

	# -- the port ------------------------------------------------------------------------------

	def _links(self, server: str) -> dict[str, ProductLink]:
		"""Item code -> its first enabled row's product in the shop, in this snapshot."""
		links: dict[str, ProductLink] = {}
		for item_code, rows in self._keyed_rows("item_link"):
			for row in rows:
				if row.server == server and row.enabled and row.product_id:
					links[item_code] = ProductLink(row.product_id, row.variation_id)
					break
		return links

	def _keyed_rows(self, table: str) -> list[tuple[object, object]]:
		at = self._snapshot()
		with self._mutex:
			keys = list(self._versions[table])
		rows = {key: self._committed(table, key, at) for key in keys}
		rows.update({key: value for (t, key), value in self._txn.staged.items() if t == table})
		return [(key, row) for key, row in rows.items() if row is not None]

	def lock_push(self, server: str, wait_seconds: float) -> bool:
		with self._mutex:
			lock = self._push_locks.setdefault(server, threading.Lock())
		return lock.acquire(timeout=wait_seconds) if wait_seconds > 0 else lock.acquire(blocking=False)

	def unlock_push(self, server: str) -> None:
		self._push_locks[server].release()

	def pending_updates(self, server: str, item_codes: Iterable[str] | None = None) -> list[PendingUpdate]:
		wanted = None if item_codes is None else set(item_codes)
		links = self._links(server)
		now = self.now()
		updates = []
		for (row_server, item_code), row in self._keyed_rows("pending_update"):
			if row_server != server or not (row.stock or row.price):
				continue
			if wanted is not None and item_code not in wanted:
				continue
			updates.append(
				PendingUpdate(
					item_code=item_code,
					link=links.get(item_code),
					stock=row.stock,
					price=row.price,
					sequence=row.sequence,
					pushed_stock=row.pushed_stock,
					pushed_price=row.pushed_price,
					force=row.force,
					attempts=row.attempts,
					next_attempt_on=row.next_attempt_on,
					retry_status=row.retry_status,
					attempted_product=row.attempted_product,
					due=is_due(
						row.attempts,
						row.next_attempt_on,
						row.attempted_product,
						links.get(item_code),
						now,
					),
				)
			)
		return sorted(updates, key=lambda update: update.item_code)

	def stock_quantities(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		quantities = {}
		for item_code in item_codes:
			total = Decimal(0)
			for warehouse in settings.warehouses:
				found = self._get("bin", (item_code, warehouse))
				if found is None:
					continue
				if settings.quantity_basis == QuantityBasis.PROJECTED:
					total += found.projected_qty
				else:
					total += found.actual_qty - found.reserved_qty
			quantities[item_code] = total
		return quantities

	def selling_rates(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		rates = {}
		for item_code in item_codes:
			price = self._get("item_price", (settings.price_list, item_code))
			if price is not None:
				rates[item_code] = price.rate
		return rates

	def _lock_row(self, server: str, item_code: str) -> FakePendingRow | None:
		self._hold_named_lock(("pending_update", server, item_code))
		return self._get_latest("pending_update", (server, item_code))

	def record_outcomes(self, server: str, outcomes: list[ItemOutcome]) -> None:
		for outcome in sorted(outcomes, key=lambda outcome: outcome.item_code):
			row = self._lock_row(server, outcome.item_code)
			if row is None:
				continue
			if outcome.failed:
				schedule = schedule_failed(
					row.attempts,
					outcome.kind,
					self.now(),
					changed_meanwhile=row.sequence != outcome.sequence,
				)
				row = replace(
					row,
					error=outcome.error,
					attempts=schedule.attempts,
					next_attempt_on=schedule.next_attempt_on,
					retry_status=schedule.retry_status,
					attempted_product=outcome.attempted_product,
				)
			else:
				if outcome.pushed_stock is not None:
					row = replace(row, pushed_stock=outcome.pushed_stock)
				if outcome.pushed_price is not None:
					row = replace(row, pushed_price=outcome.pushed_price)
				row = replace(
					row, error="", attempts=0, next_attempt_on=None, retry_status="", attempted_product=""
				)
				if row.sequence == outcome.sequence:
					row = replace(
						row,
						stock=row.stock and not outcome.stock,
						price=row.price and not outcome.price,
						force=False,
					)
			self._put("pending_update", (server, outcome.item_code), row)

	def mark_pending(
		self, server: str, item_codes: Iterable[str], *, stock: bool, price: bool, force: bool = False
	) -> None:
		for item_code in sorted(set(item_codes)):
			row = self._lock_row(server, item_code) or FakePendingRow()
			if made_due_by_change(row.attempts, row.retry_status, force):
				row = replace(row, next_attempt_on=self.now(), retry_status=RetryStatus.SCHEDULED)
			self._put(
				"pending_update",
				(server, item_code),
				replace(
					row,
					stock=row.stock or stock,
					price=row.price or price,
					force=row.force or force,
					sequence=row.sequence + 1,
				),
			)

	def retry_now(self, server: str) -> None:
		for (row_server, item_code), row in self._keyed_rows("pending_update"):
			if row_server == server and row.attempts and (row.stock or row.price):
				row = self._lock_row(server, item_code)
				self._put(
					"pending_update",
					(server, item_code),
					replace(row, next_attempt_on=self.now(), retry_status=RetryStatus.SCHEDULED),
				)

	def linked_item_codes(self, server: str) -> list[str]:
		"""A template has no levels of its own: its variants are pushed."""
		return sorted(
			code
			for code in self._links(server)
			if not getattr(self._get("item", code), "has_variants", False)
		)

	def items_with_bins_changed(self, settings: LevelsSettings, since: datetime | None) -> list[str]:
		links = self._links(settings.server)
		changed = {
			item_code
			for (item_code, warehouse), found in self._keyed_rows("bin")
			if warehouse in settings.warehouses
			and item_code in links
			and (since is None or (found.modified is not None and found.modified >= since))
		}
		return sorted(changed)

	def record_stock_poll(self, server: str, polled_on: datetime) -> None:
		self._put("stock_poll", server, polled_on)

	def last_stock_poll(self, server: str) -> datetime | None:
		return self._committed("stock_poll", server, None)
