"""The stock and price pushes' port on ERPNext: the queue (WooCommerce Pending Update), the
links (WooCommerce Item Server rows on the Item), Bins, and the server's push lock.

The queue is written with plain SQL because it is written from inside other people's
transactions (a Stock Entry's submit) and by a job that must clear a row only if no change came
in meanwhile; one INSERT ... ON DUPLICATE KEY UPDATE merges a change into the waiting row, one
UPDATE ... compares the change sequence and clears the flags.

The push lock is a MariaDB named lock: it holds across the push's commits (one per batch) and
goes with the worker's connection if the worker dies, so a killed push never blocks the shop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import frappe
from frappe.utils import cint, cstr, now_datetime

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE, PENDING_UPDATE_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.catalogue.levels_port import (
	ItemOutcome,
	LevelsSettings,
	PendingUpdate,
	ProductLink,
	QuantityBasis,
)
from woocommerce_fusion.engine.catalogue.push_retry import WAITS_FOR_LINK, is_due, schedule_failed
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.erp import item_prices

# Rows per INSERT when many Items are queued at once (a full push of a large shop).
INSERT_CHUNK = 500
# IN lists are cut to this many item codes per query.
READ_CHUNK = 1000

_LINKS = f"""`tab{ITEM_SERVER_DOCTYPE}` link on link.parent = {{item}} and link.parenttype = 'Item'
	and link.parentfield = 'woocommerce_servers' and link.woocommerce_server = {{server}}
	and link.enabled = 1"""


def _chunks(values: list[str], size: int = READ_CHUNK) -> Iterable[list[str]]:
	for start in range(0, len(values), size):
		yield values[start : start + size]


def _lock_name(server: str) -> str:
	# MariaDB's lock names are at most 64 characters; a site's server names are not.
	digest = hashlib.sha256(f"{frappe.local.site}:{server}".encode()).hexdigest()[:40]
	return f"woo_levels_{digest}"


def link_of(product_id: str | None, variation_id: str | None) -> ProductLink | None:
	"""The link row's ids as the shop's; None when the row names no product."""
	product, variation = cint(product_id), cint(variation_id)
	return ProductLink(product, variation) if product > 0 else None


class FrappeLevels:
	"""LevelsPort on the current site's connection (one worker thread, like the connection)."""

	def lock_push(self, server: str, wait_seconds: float) -> bool:
		got = frappe.db.sql("select get_lock(%s, %s)", (_lock_name(server), int(wait_seconds)))
		return bool(got and got[0][0] == 1)

	def unlock_push(self, server: str) -> None:
		frappe.db.sql("select release_lock(%s)", (_lock_name(server),))

	def pending_updates(self, server: str, item_codes: Iterable[str] | None = None) -> list[PendingUpdate]:
		if item_codes is None:
			return self._pending(server, None)
		updates = []
		for chunk in _chunks(sorted(set(item_codes))):
			updates.extend(self._pending(server, chunk))
		return updates

	def _pending(self, server: str, item_codes: list[str] | None) -> list[PendingUpdate]:
		only = "and pending.item_code in %(codes)s" if item_codes is not None else ""
		rows = frappe.db.sql(
			f"""select pending.item_code, pending.stock_pending, pending.price_pending,
				pending.change_sequence, pending.pushed_stock, pending.pushed_price, pending.full_push,
				pending.attempts, pending.next_attempt_on, pending.retry_status,
				pending.attempted_product, link.woocommerce_id, link.woocommerce_variation_id
			from `tab{PENDING_UPDATE_DOCTYPE}` pending
			left join {_LINKS.format(item="pending.item_code", server="pending.woocommerce_server")}
			where pending.woocommerce_server = %(server)s
				and (pending.stock_pending = 1 or pending.price_pending = 1) {only}
			order by pending.item_code, link.idx""",
			{"server": server, "codes": item_codes or [""]},
			as_dict=True,
		)
		now = now_datetime()
		updates: dict[str, PendingUpdate] = {}
		for row in rows:
			if row.item_code in updates:
				continue
			link = link_of(row.woocommerce_id, row.woocommerce_variation_id)
			attempts, attempted = cint(row.attempts), cstr(row.attempted_product)
			updates[row.item_code] = PendingUpdate(
				item_code=row.item_code,
				link=link,
				stock=bool(row.stock_pending),
				price=bool(row.price_pending),
				sequence=cint(row.change_sequence),
				pushed_stock=cint(row.pushed_stock) if row.pushed_stock not in (None, "") else None,
				pushed_price=Decimal(row.pushed_price) if row.pushed_price not in (None, "") else None,
				force=bool(row.full_push),
				attempts=attempts,
				next_attempt_on=row.next_attempt_on,
				retry_status=cstr(row.retry_status),
				attempted_product=attempted,
				due=is_due(attempts, row.next_attempt_on, attempted, link, now),
			)
		return list(updates.values())

	def stock_quantities(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		codes = sorted(set(item_codes))
		quantities = {code: Decimal(0) for code in codes}
		if not settings.warehouses:
			return quantities
		column = (
			"projected_qty"
			if settings.quantity_basis == QuantityBasis.PROJECTED
			else "actual_qty - reserved_qty"
		)
		for chunk in _chunks(codes):
			for item_code, quantity in frappe.db.sql(
				f"""select item_code, sum({column}) from `tabBin`
				where item_code in %(codes)s and warehouse in %(warehouses)s group by item_code""",
				{"codes": chunk, "warehouses": settings.warehouses},
			):
				quantities[item_code] = Decimal(str(quantity or 0))
		return quantities

	def selling_rates(self, settings: LevelsSettings, item_codes: Iterable[str]) -> dict[str, Decimal]:
		return item_prices.selling_rates(settings.price_list, sorted(set(item_codes)))

	def record_outcomes(self, server: str, outcomes: list[ItemOutcome]) -> None:
		now = now_datetime()
		for outcome in sorted(outcomes, key=lambda outcome: outcome.item_code):
			values = {
				"server": server,
				"item": outcome.item_code,
				"now": now,
				"error": outcome.error[:2000],
				"sequence": outcome.sequence,
				"stock": 1 if outcome.stock else 0,
				"price": 1 if outcome.price else 0,
				"pushed_stock": None if outcome.pushed_stock is None else str(outcome.pushed_stock),
				"pushed_price": None if outcome.pushed_price is None else format(outcome.pushed_price, "f"),
			}
			if outcome.failed:
				self._record_failure(server, outcome, values)
				continue
			# The flags go only while the sequence is the one the push read: a change committed
			# since then keeps its row waiting for the next push.
			frappe.db.sql(
				f"""update `tab{PENDING_UPDATE_DOCTYPE}` set
					pushed_stock = coalesce(%(pushed_stock)s, pushed_stock),
					pushed_price = coalesce(%(pushed_price)s, pushed_price),
					pushed_on = case when %(pushed_stock)s is null and %(pushed_price)s is null
						then pushed_on else %(now)s end,
					error = null, attempts = 0, last_attempt_on = null, next_attempt_on = null,
					retry_status = null, attempted_product = null,
					stock_pending = case when change_sequence = %(sequence)s and %(stock)s = 1
						then 0 else stock_pending end,
					price_pending = case when change_sequence = %(sequence)s and %(price)s = 1
						then 0 else price_pending end,
					full_push = case when change_sequence = %(sequence)s then 0 else full_push end,
					modified = %(now)s
				where woocommerce_server = %(server)s and item_code = %(item)s""",
				values,
			)

	def _record_failure(self, server: str, outcome: ItemOutcome, values: dict) -> None:
		found = frappe.db.sql(
			f"""select attempts, change_sequence from `tab{PENDING_UPDATE_DOCTYPE}`
			where woocommerce_server = %(server)s and item_code = %(item)s for update""",
			values,
		)
		if not found:
			return
		attempts, sequence = found[0]
		schedule = schedule_failed(
			cint(attempts),
			outcome.kind,
			values["now"],
			changed_meanwhile=cint(sequence) != outcome.sequence,
		)
		frappe.db.sql(
			f"""update `tab{PENDING_UPDATE_DOCTYPE}` set error = %(error)s, attempts = %(attempts)s,
				last_attempt_on = %(now)s, next_attempt_on = %(next)s, retry_status = %(status)s,
				attempted_product = %(product)s, modified = %(now)s
			where woocommerce_server = %(server)s and item_code = %(item)s""",
			{
				**values,
				"attempts": schedule.attempts,
				"next": schedule.next_attempt_on,
				"status": schedule.retry_status,
				"product": outcome.attempted_product,
			},
		)

	def mark_pending(
		self, server: str, item_codes: Iterable[str], *, stock: bool, price: bool, force: bool = False
	) -> None:
		mark_pending(server, item_codes, stock=stock, price=price, force=force)

	def retry_now(self, server: str) -> None:
		retry_now(server)

	def linked_item_codes(self, server: str) -> list[str]:
		return frappe.db.sql_list(
			f"""select distinct link.parent from `tab{ITEM_SERVER_DOCTYPE}` link
			join `tabItem` item on item.name = link.parent and item.has_variants = 0
			where link.parenttype = 'Item' and link.parentfield = 'woocommerce_servers'
				and link.woocommerce_server = %s and link.enabled = 1
				and ifnull(link.woocommerce_id, '') not in ('', '0')
			order by link.parent""",
			(server,),
		)

	def items_with_bins_changed(self, settings: LevelsSettings, since: datetime | None) -> list[str]:
		if not settings.warehouses:
			return []
		return frappe.db.sql_list(
			f"""select distinct bin.item_code from `tabBin` bin
			join {_LINKS.format(item="bin.item_code", server="%(server)s")}
			where bin.warehouse in %(warehouses)s and (%(since)s is null or bin.modified >= %(since)s)
			order by bin.item_code""",
			{"server": settings.server, "warehouses": settings.warehouses, "since": since},
		)

	def record_stock_poll(self, server: str, polled_on: datetime) -> None:
		# Straight to the column: the server's form may be open, and its `modified` must not move.
		frappe.db.sql(
			f"update `tab{SERVER_DOCTYPE}` set last_stock_poll = %s where name = %s", (polled_on, server)
		)
		frappe.clear_document_cache(SERVER_DOCTYPE, server)

	def commit(self) -> None:
		frappe.db.commit()

	def rollback(self) -> None:
		frappe.db.rollback()


def mark_pending(
	server: str, item_codes: Iterable[str], *, stock: bool, price: bool, force: bool = False
) -> None:
	"""Queue levels of these Items for the server in the current transaction: a waiting row takes
	the new kinds and moves its sequence on, so a push reading it now leaves it waiting; a failed
	row is due at once unless it waits for a new link (push_retry.made_due_by_change)."""
	codes = sorted(set(item_codes))
	now, user = now_datetime(), frappe.session.user
	for chunk in _chunks(codes, INSERT_CHUNK):
		rows = [
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				server,
				code,
				int(stock),
				int(price),
				int(force),
			)
			for code in chunk
		]
		placeholders = ", ".join(["(%s, %s, %s, %s, %s, 0, 0, %s, %s, %s, %s, %s, 1, 0)"] * len(rows))
		frappe.db.sql(
			f"""insert into `tab{PENDING_UPDATE_DOCTYPE}` (name, creation, modified, owner, modified_by,
				docstatus, idx, woocommerce_server, item_code, stock_pending, price_pending, full_push,
				change_sequence, attempts)
			values {placeholders}
			on duplicate key update
				stock_pending = greatest(stock_pending, values(stock_pending)),
				price_pending = greatest(price_pending, values(price_pending)),
				full_push = greatest(full_push, values(full_push)),
				next_attempt_on = case when attempts > 0
					and (values(full_push) = 1 or ifnull(retry_status, '') != %s)
					then values(modified) else next_attempt_on end,
				retry_status = case when attempts > 0
					and (values(full_push) = 1 or ifnull(retry_status, '') != %s)
					then %s else retry_status end,
				change_sequence = change_sequence + 1,
				modified = values(modified)""",
			[
				*(value for row in rows for value in row),
				WAITS_FOR_LINK,
				WAITS_FOR_LINK,
				RetryStatus.SCHEDULED,
			],
		)


def retry_now(server: str) -> None:
	"""The server was saved: its failed rows are due at once (LevelsPort.retry_now)."""
	now = now_datetime()
	frappe.db.sql(
		f"""update `tab{PENDING_UPDATE_DOCTYPE}` set next_attempt_on = %(now)s,
			retry_status = %(status)s, modified = %(now)s
		where woocommerce_server = %(server)s and attempts > 0
			and (stock_pending = 1 or price_pending = 1)""",
		{"server": server, "now": now, "status": RetryStatus.SCHEDULED},
	)
