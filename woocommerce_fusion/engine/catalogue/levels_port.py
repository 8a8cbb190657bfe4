"""The port through which the stock and price pushes read ERPNext and keep their queue.

The queue holds one row per (server, Item): which of its levels (stock, price) wait to go out,
a change sequence that every new change moves on, and what was last pushed. A push reads the
rows and the Item's current levels in one consistent snapshot, sends what differs from what was
last pushed, and clears a row only if its sequence is still the one it read: a change committed
meanwhile keeps its row pending for the next push instead of being lost.

The Frappe adapter (woocommerce_fusion.erp.stock_levels) implements it on the "WooCommerce
Pending Update" doctype, Bin and Item Price; the ERP fake (testing/erp_fake_stock.py) in memory.
testing/erp_contract_stock.py pins the two together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from woocommerce_fusion.engine.errors import ErrorKind


class QuantityBasis:
	"""What the shop's stock quantity of an Item is, over the server's warehouses."""

	# Bin.actual_qty - Bin.reserved_qty: on hand, less what submitted Sales Orders still hold.
	ACTUAL_MINUS_RESERVED = "Actual minus reserved"
	# Bin.projected_qty: also counts what is ordered from suppliers or planned for production.
	PROJECTED = "Projected"

	ALL = (ACTUAL_MINUS_RESERVED, PROJECTED)


@dataclass(frozen=True)
class LevelsSettings:
	"""A WooCommerce Server's stock and price settings, as plain data."""

	server: str
	stock_enabled: bool = False
	price_enabled: bool = False
	warehouses: tuple[str, ...] = ()
	quantity_basis: str = QuantityBasis.ACTUAL_MINUS_RESERVED
	price_list: str = ""
	poll_interval_minutes: int = 5
	# Bins modified at or after this moment are looked at by the next poll (None: never polled).
	last_stock_poll: datetime | None = None


@dataclass(frozen=True)
class ProductLink:
	"""Where an Item lives in one shop: a product, or a variation of a variable product."""

	product_id: int
	variation_id: int = 0

	@property
	def endpoint(self) -> str:
		"""The batch endpoint that updates it."""
		if self.variation_id:
			return f"products/{self.product_id}/variations/batch"
		return "products/batch"

	@property
	def shop_id(self) -> int:
		return self.variation_id or self.product_id


@dataclass
class PendingUpdate:
	"""One queue row as a push reads it."""

	item_code: str
	# None: the Item has no enabled link to this shop (any more); its row is cleared unsent.
	link: ProductLink | None
	stock: bool
	price: bool
	sequence: int
	# What the shop was last sent; None when nothing has been sent yet.
	pushed_stock: int | None = None
	pushed_price: Decimal | None = None
	# Send even what equals the last push (a full push, for a shop changed by hand).
	force: bool = False
	attempts: int = 0
	# The retry schedule of a row the shop refused (engine/catalogue/push_retry.py).
	next_attempt_on: datetime | None = None
	retry_status: str = ""
	# The product the failed attempt went to: a new link makes the row due at once.
	attempted_product: str = ""
	# Whether a push sends it now (the port reads it by its own clock); a row that is not waits.
	due: bool = True


@dataclass
class ItemOutcome:
	"""What one push did with one queue row."""

	item_code: str
	# The sequence the push read: the row's flags are cleared only while it is still this.
	sequence: int
	stock: bool
	price: bool
	# The values the shop now has (None: that level was not sent, the last push's stands).
	pushed_stock: int | None = None
	pushed_price: Decimal | None = None
	# Empty: done. Otherwise the shop's or the transport's error; the row stays pending.
	error: str = ""
	# What the error was, for the retry schedule.
	kind: ErrorKind = ErrorKind.UNEXPECTED
	# The product it went to (push_retry.link_key), kept on a failed row.
	attempted_product: str = ""

	@property
	def failed(self) -> bool:
		return bool(self.error)


class LevelsPort(Protocol):
	"""ERPNext's side of the stock and price pushes."""

	def lock_push(self, server: str, wait_seconds: float) -> bool:
		"""Take the server's push lock, held across commits until unlock_push() or the worker's
		end; False when another push still holds it after `wait_seconds`."""
		...

	def unlock_push(self, server: str) -> None: ...

	def pending_updates(self, server: str, item_codes: Iterable[str] | None = None) -> list[PendingUpdate]:
		"""The rows that wait (of these Items; None: all of the server's), with each Item's enabled
		link to the shop."""
		...

	def stock_quantities(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		"""The quantity per the server's quantity basis, summed over its warehouses (an Item
		without a Bin has 0)."""
		...

	def selling_rates(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		"""The Item Price in the server's price list valid today; Items without one are left out."""
		...

	def record_outcomes(self, server: str, outcomes: list[ItemOutcome]) -> None:
		"""Store what was pushed; clear the flags of a done row whose sequence did not move, and
		its retry schedule; keep a failed row pending with its error, count the attempt and set
		its next one (push_retry.schedule_failed)."""
		...

	def mark_pending(
		self, server: str, item_codes: Iterable[str], *, stock: bool, price: bool, force: bool = False
	) -> None:
		"""Queue levels of these Items (a new change merges into a waiting row, and makes a failed
		one due at once unless it waits for a new link: push_retry.made_due_by_change)."""
		...

	def retry_now(self, server: str) -> None:
		"""The server was saved (a setting may have been what the shop refused): every failed row
		of it is due at once, given up or waiting for a fix alike."""
		...

	def linked_item_codes(self, server: str) -> list[str]:
		"""Every Item with an enabled link to the shop."""
		...

	def items_with_bins_changed(self, settings: LevelsSettings, since: datetime | None) -> list[str]:
		"""Linked Items whose Bin in one of the server's warehouses was modified at or after
		`since` (None: every linked Item with a Bin there)."""
		...

	def record_stock_poll(self, server: str, polled_on: datetime) -> None:
		"""Where the next poll of the server's Bins starts (LevelsSettings.last_stock_poll)."""
		...

	def commit(self) -> None: ...
	def rollback(self) -> None: ...
