"""The ERP fake keeps the stock and price pushes' LevelsPort contract that FrappeLevels keeps on a
bench (the same suite runs there: woocommerce_fusion/erp/test_erp_stock_contract.py)."""

from __future__ import annotations

import itertools
import threading
import unittest
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from test_erp_port_contract import RisingClock

from woocommerce_fusion.engine.catalogue.levels_port import LevelsPort
from woocommerce_fusion.testing.erp_contract_stock import StockLevelsContract
from woocommerce_fusion.testing.erp_fake import ErpFake

T = TypeVar("T")
_codes = itertools.count(1)


class TestErpFakeStockContract(StockLevelsContract, unittest.TestCase):
	server = "contract-shop"
	warehouse = "Stores - TC"
	other_warehouse = "Finished Goods - TC"
	price_list = "Web EUR"

	def make_levels(self) -> ErpFake:
		self.fake = ErpFake(now=RisingClock())
		return self.fake

	def new_item(self, template: str | None = None) -> str:
		return f"{template or 'CONTRACT'}-{next(_codes)}"

	def new_template(self) -> str:
		return f"CONTRACT-T{next(_codes)}"

	def link(self, item_code: str, product_id: int, variation_id: int = 0) -> None:
		self.fake.link_item(self.server, item_code, product_id, variation_id)

	def set_bin(self, item_code: str, warehouse: str, actual: int, reserved: int, projected: int) -> None:
		self.fake.set_bin(
			item_code, warehouse, actual_qty=actual, reserved_qty=reserved, projected_qty=projected
		)

	def set_price(self, item_code: str, rate: str, **validity: Any) -> None:
		# The fake keeps one price per list and Item, valid from today: a price valid only from a
		# later day is not today's, so it is not stored.
		if not validity.get("valid_from"):
			self.fake.set_item_price(self.price_list, item_code, Decimal(rate))

	def run_as_worker(self, fn: Callable[[LevelsPort], T]) -> T:
		# The fake keeps one transaction per thread: the other worker gets a thread of its own.
		outcome: dict[str, Any] = {}

		def work() -> None:
			try:
				outcome["result"] = fn(self.fake)
			except BaseException as error:
				outcome["error"] = error
			finally:
				self.fake.rollback()

		thread = threading.Thread(target=work)
		thread.start()
		thread.join(30)
		if "error" in outcome:
			raise outcome["error"]
		return outcome["result"]
