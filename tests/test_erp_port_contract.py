"""The ERP fake keeps the ErpPort contract that FrappeErp keeps on a bench (the same suite runs
there: woocommerce_fusion/erp/test_erp_port_contract.py)."""

from __future__ import annotations

import threading
import unittest
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from conftest import MAPPED_ACCOUNTS

from woocommerce_fusion.constants import DELETED_PRODUCT_ITEM
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.status_port import StatusRule
from woocommerce_fusion.testing.erp_contract import ErpContract
from woocommerce_fusion.testing.erp_fake import ErpFake

T = TypeVar("T")


class RisingClock:
	"""The real time, but never the same moment twice, as MariaDB's microseconds effectively are."""

	def __init__(self) -> None:
		self._last = datetime.min.replace(tzinfo=timezone.utc)
		self._mutex = threading.Lock()

	def __call__(self) -> datetime:
		with self._mutex:
			self._last = max(datetime.now(timezone.utc), self._last + timedelta(microseconds=1))
			return self._last


class TestErpFakeContract(ErpContract, unittest.TestCase):
	def make_erp(self) -> ErpFake:
		self.fake = ErpFake(now=RisingClock())
		return self.fake

	def settings(self) -> ServerSettings:
		return ServerSettings(name="contract-shop", url="http://shop.example.com", **MAPPED_ACCOUNTS)

	def run_as_worker(self, fn: Callable[[ErpPort], T]) -> T:
		# The fake keeps one transaction per thread, so this thread is the other worker.
		try:
			return fn(self.fake)
		finally:
			self.fake.rollback()

	def insert_foreign_sales_order(self, woocommerce_id: int, woocommerce_status: str, docstatus: int) -> str:
		return self.fake.insert_foreign_sales_order(
			self.server, woocommerce_id, woocommerce_status, docstatus=docstatus
		)

	def touch_sales_order(self, name: str, **changes: Any) -> None:
		self.fake.touch_sales_order(name, **changes)

	def read_committed_order(self, woocommerce_id: int) -> OrderRecord | None:
		return self.fake.order_record(self.server, woocommerce_id)

	def transaction_writes(self) -> int:
		return self.fake.transaction_writes()

	def payment_mode(self) -> str:
		self.fake.mode_of_payment_accounts["Contract Card"] = "Card Clearing - TC"
		return "Contract Card"

	def mode_without_account(self) -> str:
		return "Contract Cheque"

	def receive_stock(self, sales_order: str) -> None:
		self.fake.stock_reservation = True
		self.fake.stock_received_for(sales_order)

	def placeholder_item(self) -> str:
		self.fake.non_stock_items.add(DELETED_PRODUCT_ITEM)
		return DELETED_PRODUCT_ITEM

	def allow_stock_reservation(self) -> None:
		self.fake.stock_reservation = True

	def make_status(self) -> ErpFake:
		return self.fake

	def use_status_rules(self, rules: list[StatusRule]) -> None:
		self.fake.status_rules_by_server[self.server] = list(rules)

	def credit_note_facts(self, name: str) -> tuple[int, int, str, Decimal]:
		note = self.fake._get_latest("credit_note", name)
		return (note.docstatus, 1, note.return_against, note.grand_total)

	def forget_line_ids(self, sales_invoice: str) -> None:
		self.fake.forget_line_ids(sales_invoice)

	def payment_facts(self, name: str) -> tuple[int, str, Decimal, str, str]:
		refund = self.fake._get_latest("refund_payment", name)
		if refund is not None:
			return (
				refund.docstatus,
				refund.payment_type,
				refund.paid_amount,
				refund.mode_of_payment,
				refund.paid_from,
			)
		entry = self.fake._get_latest("payment_entry", name)
		return (entry.docstatus, "Receive", entry.paid_amount, entry.mode_of_payment, entry.paid_to)
