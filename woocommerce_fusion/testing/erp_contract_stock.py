"""What every LevelsPort must do: one suite for the ERP fake in CI (tests/test_erp_stock_contract.py)
and for FrappeLevels on a bench (woocommerce_fusion/erp/test_erp_stock_contract.py).

The concrete class provides the hooks below; the suite commits (the queue is written by
committed document events and read by a job), so the concrete class removes what it made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from woocommerce_fusion.engine.catalogue.levels_port import (
	ItemOutcome,
	LevelsPort,
	LevelsSettings,
	ProductLink,
	QuantityBasis,
)
from woocommerce_fusion.engine.catalogue.push_retry import WAITS_FOR_LINK, link_key
from woocommerce_fusion.engine.errors import ErrorKind
from woocommerce_fusion.engine.retry import RetryStatus

T = TypeVar("T")
_labels = itertools.count(1)


class StockLevelsContract:
	server: str
	warehouse: str
	other_warehouse: str
	price_list: str

	# -- hooks of the concrete class -------------------------------------------------------------

	def make_levels(self) -> LevelsPort:
		raise NotImplementedError

	def new_item(self, template: str | None = None) -> str:
		"""A stock Item (a variant of `template` when given), committed."""
		raise NotImplementedError

	def new_template(self) -> str:
		"""An Item with variants (no stock of its own), committed."""
		raise NotImplementedError

	def link(self, item_code: str, product_id: int, variation_id: int = 0) -> None:
		"""The Item linked to the product (or variation) in the contract's shop, committed."""
		raise NotImplementedError

	def set_bin(self, item_code: str, warehouse: str, actual: int, reserved: int, projected: int) -> None:
		"""The Item's Bin in the warehouse written with db_set, as ERPNext does, committed."""
		raise NotImplementedError

	def set_price(self, item_code: str, rate: str, **validity: Any) -> None:
		"""An Item Price in the contract's price list (valid_from / valid_upto), committed."""
		raise NotImplementedError

	def run_as_worker(self, fn: Callable[[LevelsPort], T]) -> T:
		"""fn with a port of its own on another connection (thread), as a second job."""
		raise NotImplementedError

	# -- helpers ---------------------------------------------------------------------------------

	def setUp(self) -> None:
		super().setUp()
		self.levels = self.make_levels()

	def settings(self, **overrides: Any) -> LevelsSettings:
		values: dict[str, Any] = dict(
			server=self.server,
			stock_enabled=True,
			price_enabled=True,
			warehouses=(self.warehouse,),
			price_list=self.price_list,
		)
		values.update(overrides)
		return LevelsSettings(**values)

	def linked_item(self, product_id: int | None = None) -> str:
		code = self.new_item()
		self.link(code, product_id or 500000 + next(_labels))
		return code

	def mark(self, *codes: str, stock: bool = True, price: bool = False, force: bool = False) -> None:
		self.levels.mark_pending(self.server, codes, stock=stock, price=price, force=force)
		self.levels.commit()

	def waiting(self, code: str):
		rows = self.levels.pending_updates(self.server, [code])
		self.levels.rollback()
		return rows[0] if rows else None

	# -- the contract ----------------------------------------------------------------------------

	def test_a_new_change_merges_into_the_waiting_row_and_moves_its_sequence(self):
		code = self.linked_item(product_id=700001)
		self.mark(code, stock=True)
		first = self.waiting(code)
		self.assertEqual((first.stock, first.price, first.link), (True, False, ProductLink(700001)))
		self.mark(code, stock=False, price=True)
		second = self.waiting(code)
		self.assertEqual((second.stock, second.price), (True, True))
		self.assertGreater(second.sequence, first.sequence)
		self.assertEqual([row.item_code for row in self.levels.pending_updates(self.server, [code])], [code])

	def test_an_outcome_clears_the_row_only_if_no_change_came_in_meanwhile(self):
		code = self.linked_item()
		self.mark(code)
		read = self.waiting(code)
		self.run_as_worker(
			lambda other: (other.mark_pending(self.server, [code], stock=True, price=False), other.commit())
		)

		self.levels.record_outcomes(
			self.server, [ItemOutcome(code, read.sequence, True, False, pushed_stock=5)]
		)
		self.levels.commit()
		still = self.waiting(code)
		self.assertTrue(still.stock)
		self.assertEqual(still.pushed_stock, 5)

		self.levels.record_outcomes(self.server, [ItemOutcome(code, still.sequence, True, False)])
		self.levels.commit()
		self.assertIsNone(self.waiting(code))
		self.mark(code)
		self.assertEqual(self.waiting(code).pushed_stock, 5)

	def test_a_failed_outcome_keeps_the_row_waiting_and_counts_the_attempt(self):
		code = self.linked_item()
		self.mark(code, price=True)
		read = self.waiting(code)
		failed = ItemOutcome(
			code, read.sequence, True, True, pushed_price=Decimal("2.50"), error="[x] refused"
		)
		self.levels.record_outcomes(self.server, [failed])
		self.levels.commit()
		row = self.waiting(code)
		self.assertEqual((row.stock, row.price, row.attempts, row.pushed_price), (True, True, 1, None))

		done = ItemOutcome(code, row.sequence, True, True, pushed_price=Decimal("2.50"))
		self.levels.record_outcomes(self.server, [done])
		self.levels.commit()
		self.assertIsNone(self.waiting(code))

	def refuse(self, code: str, kind: ErrorKind, times: int = 1, sequence: int | None = None):
		"""`times` failed attempts of the row, each to the product it is linked to."""
		for _ in range(times):
			read = self.waiting(code)
			failed = ItemOutcome(
				code,
				read.sequence if sequence is None else sequence,
				True,
				False,
				error="[x] refused",
				kind=kind,
				attempted_product=link_key(read.link),
			)
			self.levels.record_outcomes(self.server, [failed])
			self.levels.commit()
		return self.waiting(code)

	def test_a_failed_row_waits_for_its_next_attempt_then_gives_up(self):
		code = self.linked_item(product_id=700201)
		self.mark(code)
		self.assertTrue(self.waiting(code).due)
		row = self.refuse(code, ErrorKind.UNAVAILABLE)
		self.assertEqual((row.attempts, row.retry_status, row.due), (1, RetryStatus.SCHEDULED, False))
		self.assertEqual(row.attempted_product, "700201")
		self.assertIsNotNone(row.next_attempt_on)
		later = self.refuse(code, ErrorKind.UNAVAILABLE)
		self.assertGreater(later.next_attempt_on, row.next_attempt_on)

		gave_up = self.refuse(code, ErrorKind.UNAVAILABLE, times=3)
		self.assertEqual(
			(gave_up.attempts, gave_up.next_attempt_on, gave_up.retry_status, gave_up.due),
			(5, None, "Gave up after 5 attempts", False),
		)
		self.assertTrue(gave_up.stock)

		done = ItemOutcome(code, gave_up.sequence, True, False, pushed_stock=2)
		self.levels.record_outcomes(self.server, [done])
		self.mark(code)
		again = self.waiting(code)
		self.assertEqual(
			(again.attempts, again.next_attempt_on, again.retry_status, again.attempted_product),
			(0, None, "", ""),
		)

	def test_a_new_change_makes_a_refused_value_due_but_not_an_unknown_product(self):
		value, product = self.linked_item(), self.linked_item()
		self.mark(value, product)
		refused = self.refuse(value, ErrorKind.BAD_REQUEST)
		unknown = self.refuse(product, ErrorKind.NOT_FOUND)
		self.assertEqual(
			(refused.retry_status, refused.next_attempt_on, refused.due), (RetryStatus.NEEDS_FIX, None, False)
		)
		self.assertEqual((unknown.retry_status, unknown.due), (WAITS_FOR_LINK, False))

		self.mark(value, product)
		changed = self.waiting(value)
		self.assertEqual(
			(changed.due, changed.retry_status, changed.attempts), (True, RetryStatus.SCHEDULED, 1)
		)
		self.assertFalse(self.waiting(product).due)
		self.mark(product, force=True)
		self.assertTrue(self.waiting(product).due)

	def test_a_new_link_makes_a_row_for_an_unknown_product_due(self):
		code = self.linked_item(product_id=700301)
		self.mark(code)
		self.assertFalse(self.refuse(code, ErrorKind.NOT_FOUND).due)
		self.link(code, 700302)
		relinked = self.waiting(code)
		self.assertEqual((relinked.link, relinked.due), (ProductLink(700302), True))

	def test_saving_the_server_makes_its_failed_rows_due(self):
		gave_up, unknown, fine = self.linked_item(), self.linked_item(), self.linked_item()
		self.mark(gave_up, unknown, fine)
		self.refuse(gave_up, ErrorKind.UNAVAILABLE, times=5)
		self.refuse(unknown, ErrorKind.NOT_FOUND)

		self.levels.retry_now(self.server)
		self.levels.commit()
		rows = {
			row.item_code: row for row in self.levels.pending_updates(self.server, [gave_up, unknown, fine])
		}
		self.levels.rollback()
		self.assertTrue(all(row.due for row in rows.values()))
		self.assertEqual(rows[gave_up].retry_status, RetryStatus.SCHEDULED)
		self.assertEqual((rows[fine].attempts, rows[fine].retry_status), (0, ""))

	def test_a_failure_of_a_value_changed_meanwhile_leaves_the_row_due(self):
		code = self.linked_item()
		self.mark(code)
		read = self.waiting(code)
		self.run_as_worker(
			lambda other: (other.mark_pending(self.server, [code], stock=True, price=False), other.commit())
		)
		row = self.refuse(code, ErrorKind.UNAVAILABLE, sequence=read.sequence)
		self.assertEqual((row.attempts, row.due), (1, True))

	def test_a_full_push_mark_is_sent_again_until_pushed(self):
		code = self.linked_item()
		self.mark(code, force=True)
		row = self.waiting(code)
		self.assertTrue(row.force)
		self.levels.record_outcomes(
			self.server, [ItemOutcome(code, row.sequence, True, False, pushed_stock=1)]
		)
		self.levels.commit()
		self.mark(code)
		self.assertFalse(self.waiting(code).force)

	def test_an_item_without_a_link_to_the_shop_waits_without_one(self):
		code = self.new_item()
		self.mark(code)
		self.assertIsNone(self.waiting(code).link)
		self.assertNotIn(code, self.levels.linked_item_codes(self.server))

	def test_a_variant_is_linked_as_a_variation_of_its_product(self):
		template = self.new_template()
		variant = self.new_item(template=template)
		self.link(variant, 700100, 700101)
		self.mark(variant)
		link = self.waiting(variant).link
		self.assertEqual((link.endpoint, link.shop_id), ("products/700100/variations/batch", 700101))
		self.assertIn(variant, self.levels.linked_item_codes(self.server))

	def test_stock_is_summed_over_the_servers_warehouses_by_its_basis(self):
		a, b, none = self.linked_item(), self.linked_item(), self.linked_item()
		self.set_bin(a, self.warehouse, actual=10, reserved=3, projected=12)
		self.set_bin(a, self.other_warehouse, actual=5, reserved=1, projected=4)
		self.set_bin(b, self.warehouse, actual=1, reserved=4, projected=-2)
		one = self.settings()
		both = self.settings(warehouses=(self.warehouse, self.other_warehouse))
		projected = self.settings(warehouses=both.warehouses, quantity_basis=QuantityBasis.PROJECTED)

		self.assertEqual(self.levels.stock_quantities(one, [a, b, none]), {a: 7, b: -3, none: 0})
		self.assertEqual(self.levels.stock_quantities(both, [a, b]), {a: 11, b: -3})
		self.assertEqual(self.levels.stock_quantities(projected, [a, b]), {a: 16, b: -2})
		self.levels.rollback()

	def test_the_poll_finds_linked_items_whose_bins_moved_in_the_servers_warehouses(self):
		moved, elsewhere, unlinked = self.linked_item(), self.linked_item(), self.new_item()
		self.set_bin(moved, self.warehouse, actual=1, reserved=0, projected=1)
		self.set_bin(elsewhere, self.other_warehouse, actual=1, reserved=0, projected=1)
		self.set_bin(unlinked, self.warehouse, actual=1, reserved=0, projected=1)

		found = self.levels.items_with_bins_changed(self.settings(), None)
		self.levels.rollback()
		self.assertIn(moved, found)
		self.assertNotIn(elsewhere, found)
		self.assertNotIn(unlinked, found)

	def test_the_selling_rate_is_todays_item_price(self):
		template = self.new_template()
		plain, variant, unpriced = self.new_item(), self.new_item(template=template), self.new_item()
		self.set_price(plain, "12.50")
		self.set_price(plain, "99.00", valid_from="2999-01-01")
		self.set_price(variant, "21.75")

		rates = self.levels.selling_rates(self.settings(), [plain, variant, unpriced])
		self.levels.rollback()
		self.assertEqual(rates, {plain: Decimal("12.50"), variant: Decimal("21.75")})

	def test_one_push_of_a_shop_at_a_time(self):
		self.assertTrue(self.levels.lock_push(self.server, 0))
		try:
			self.assertFalse(self.run_as_worker(lambda other: other.lock_push(self.server, 0)))
		finally:
			self.levels.unlock_push(self.server)

		def lock_and_release(other: LevelsPort) -> bool:
			got = other.lock_push(self.server, 0)
			if got:
				other.unlock_push(self.server)
			return got

		self.assertTrue(self.run_as_worker(lock_and_release))
