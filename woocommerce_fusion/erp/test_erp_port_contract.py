"""FrappeErp keeps the ErpPort contract on MariaDB: the suite the ERP fake passes in CI
(woocommerce_fusion/testing/erp_contract.py, run there by tests/test_erp_port_contract.py).

The second worker is a thread with its own site connection, as a second background job has.
The contract commits (lock_order commits a new row at once), so every test removes what it
committed: the test server's Sales Orders and order rows, and the customers it created.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, SERVER_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.pipeline import resolve_parties
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.status_port import StatusRule
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.masters.deleted_product import make_deleted_product_item
from woocommerce_fusion.erp.order_records import to_record
from woocommerce_fusion.erp.refunds import ORDER_REFUND_DOCTYPE
from woocommerce_fusion.erp.status_records import RULE_DOCTYPE, RULES_TABLE, FrappeStatus
from woocommerce_fusion.testing.bench_fixtures import (
	COMPANY,
	MODE_OF_PAYMENT,
	MODE_WITHOUT_ACCOUNT,
	PRICE_LIST,
	SERVER,
	WAREHOUSE,
	make_fixtures,
	make_modes_of_payment,
	make_settings,
	receive_stock,
)
from woocommerce_fusion.testing.erp_contract import ErpContract
from woocommerce_fusion.testing.order_cases import load_order

# ERPNext's test records the fixtures use: "_Test Company 2", its customer group and territory.
test_dependencies = ["Company", "Customer", "Customer Group", "Territory"]

T = TypeVar("T")
# The contract's customers have e-mails like contract-<label>-<token>@example.org.
CONTRACT_EMAILS = "contract-%@example.org"


def without_sync(doc: Any) -> Any:
	"""The app's Sales Order hooks would queue a sync of the order, a job calling the test
	server's made-up shop; the status stamp (sales_order_status.py) still runs."""
	doc.flags.woocommerce_pipeline = True
	return doc


def remove_contract_records() -> None:
	for so in frappe.get_all("Sales Order", {"woocommerce_server": SERVER}, ["name", "docstatus"]):
		if so.docstatus == 1:
			without_sync(frappe.get_doc("Sales Order", so.name)).cancel()
		frappe.delete_doc("Sales Order", so.name, force=True, ignore_permissions=True)
	frappe.db.delete(ORDER_REFUND_DOCTYPE, {"parent": ("like", f"{SERVER}-%")})
	frappe.db.delete(ORDER_SYNC_DOCTYPE, {"woocommerce_server": SERVER})
	for name in frappe.get_all("Customer", {"woocommerce_email": ("like", CONTRACT_EMAILS)}, pluck="name"):
		frappe.delete_doc("Customer", name, ignore_permissions=True)
	frappe.db.commit()


class TestFrappeErpContract(ErpContract, FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		make_modes_of_payment()
		remove_contract_records()
		cls.site, cls.sites_path = frappe.local.site, frappe.local.sites_path
		# The customer and item of the Sales Orders "keyed in by hand".
		erp = FrappeErp()
		plan = map_order(load_order("guest"), make_settings(), exchange_rate=erp.exchange_rate)
		resolved = resolve_parties(erp, plan)
		cls.customer, cls.item = resolved.customer, resolved.items[plan.lines[0].woocommerce_line_id]
		frappe.db.commit()

	def tearDown(self) -> None:
		super().tearDown()
		remove_contract_records()

	def make_erp(self) -> FrappeErp:
		return FrappeErp()

	def settings(self) -> ServerSettings:
		return make_settings()

	def run_as_worker(self, fn: Callable[[ErpPort], T]) -> T:
		frappe.init(site=self.site, sites_path=self.sites_path)
		try:
			frappe.connect()
			frappe.flags.in_test = True
			try:
				return fn(FrappeErp())
			finally:
				frappe.db.rollback()
		finally:
			frappe.destroy()

	def insert_foreign_sales_order(self, woocommerce_id: int, woocommerce_status: str, docstatus: int) -> str:
		today = date.today()
		doc = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": COMPANY,
				"customer": self.customer,
				"order_type": "Sales",
				"transaction_date": today,
				"delivery_date": today,
				"currency": "EUR",
				"conversion_rate": 1,
				"selling_price_list": PRICE_LIST,
				"plc_conversion_rate": 1,
				"ignore_pricing_rule": 1,
				"taxes_and_charges": "",
				"set_warehouse": WAREHOUSE,
				"woocommerce_server": SERVER,
				"woocommerce_id": str(woocommerce_id),
				"woocommerce_status": woocommerce_status,
				"items": [
					{
						"item_code": self.item,
						"qty": 1,
						"rate": 10,
						"price_list_rate": 10,
						"warehouse": WAREHOUSE,
						"delivery_date": today,
					}
				],
			}
		)
		without_sync(doc).insert(ignore_permissions=True)
		if docstatus >= 1:
			doc.submit()
		if docstatus == 2:
			doc.cancel()
		frappe.db.commit()
		return doc.name

	def touch_sales_order(self, name: str, **changes: Any) -> None:
		doc = frappe.get_doc("Sales Order", name)
		doc.update(changes)
		without_sync(doc).save(ignore_permissions=True)
		frappe.db.commit()

	def read_committed_order(self, woocommerce_id: int) -> OrderRecord | None:
		rows = frappe.db.sql(
			f"select * from `tab{ORDER_SYNC_DOCTYPE}` where name = %s",
			(order_sync_name(SERVER, woocommerce_id),),
			as_dict=True,
		)
		return to_record(rows[0]) if rows else None

	def transaction_writes(self) -> int:
		return frappe.db.transaction_writes

	def payment_mode(self) -> str:
		return MODE_OF_PAYMENT

	def mode_without_account(self) -> str:
		return MODE_WITHOUT_ACCOUNT

	def receive_stock(self, sales_order: str) -> None:
		# Rolled back with the rest of the test's transaction in tearDown.
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", 1)
		receive_stock(sales_order)

	def placeholder_item(self) -> str:
		return make_deleted_product_item()

	def allow_stock_reservation(self) -> None:
		# Rolled back with the rest of the test's transaction in tearDown.
		frappe.db.set_single_value("Stock Settings", "enable_stock_reservation", 1)

	def make_status(self) -> FrappeStatus:
		return FrappeStatus()

	def use_status_rules(self, rules: list[StatusRule]) -> None:
		# Rows of the server's table, rolled back in tearDown like the rest of the test.
		frappe.db.delete(RULE_DOCTYPE, {"parent": SERVER, "parenttype": SERVER_DOCTYPE})
		for idx, rule in enumerate(rules, start=1):
			frappe.get_doc(
				{
					"doctype": RULE_DOCTYPE,
					"parent": SERVER,
					"parenttype": SERVER_DOCTYPE,
					"parentfield": RULES_TABLE,
					"idx": idx,
					"erpnext_event": rule.event,
					"woocommerce_status": rule.woocommerce_status,
					"enabled": int(rule.enabled),
					"add_order_note": int(rule.add_note),
				}
			).db_insert()

	def credit_note_facts(self, name: str) -> tuple[int, int, str, Decimal]:
		note = frappe.db.get_value(
			"Sales Invoice", name, ["docstatus", "is_return", "return_against", "grand_total"], as_dict=True
		)
		return (note.docstatus, note.is_return, note.return_against, Decimal(str(flt(note.grand_total, 2))))

	def forget_line_ids(self, sales_invoice: str) -> None:
		frappe.db.sql(
			"update `tabSales Invoice Item` set woocommerce_line_id = 0 where parent = %s", (sales_invoice,)
		)

	def payment_facts(self, name: str) -> tuple[int, str, Decimal, str, str]:
		entry = frappe.db.get_value(
			"Payment Entry",
			name,
			["docstatus", "payment_type", "paid_amount", "mode_of_payment", "paid_from", "paid_to"],
			as_dict=True,
		)
		account = entry.paid_from if entry.payment_type == "Pay" else entry.paid_to
		amount = Decimal(str(flt(entry.paid_amount, 2)))
		return (entry.docstatus, entry.payment_type, amount, entry.mode_of_payment, account)
