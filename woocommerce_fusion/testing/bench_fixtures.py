"""What the bench tests and the bench benchmark share: ERPNext's "_Test Company 2" with the
accounts and price list the recorded shop orders need, the engine's settings on it, and WooCommerce
Servers on it.

"_Test Company 2" keeps its books in EUR like the recorded shop. Unlike the rest of testing/ this
module imports Frappe: it runs on a bench only (tests/test_engine_purity.py leaves it out).
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.model.document import Document

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.erp.refunds import ORDER_REFUND_DOCTYPE
from woocommerce_fusion.testing.shop import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET

COMPANY = "_Test Company 2"
ABBR = "_TC2"
VAT_19 = f"_Test WooCommerce VAT 19% - {ABBR}"
VAT_7 = f"_Test WooCommerce VAT 7% - {ABBR}"
PRICE_LIST = "_Test WooCommerce EUR"
WAREHOUSE = f"Stores - {ABBR}"
CUSTOMER_GROUP = "_Test Customer Group"
TERRITORY = "_Test Territory"
SHIPPING_ACCOUNT = f"Freight and Forwarding Charges - {ABBR}"
FEE_ACCOUNT = f"Miscellaneous Expenses - {ABBR}"
# Payments of the tests are booked through this Mode of Payment into the company's cash account.
MODE_OF_PAYMENT = "_Test WooCommerce Card"
# A Mode of Payment with no account in the company: a payment through it cannot be booked.
MODE_WITHOUT_ACCOUNT = "_Test WooCommerce Voucher"
# The server the adapter's tests name in their settings; they never call its shop.
SERVER = "_Test WooCommerce Adapter"
# Nothing listens on the discard port: a sync against it fails at once, as with a shop that is down.
NO_SHOP_URL = "http://127.0.0.1:9"


def make_settings(**overrides: Any) -> ServerSettings:
	"""The engine's settings of SERVER, every account mapped."""
	values = dict(
		name=SERVER,
		url="http://shop.example.com",
		company=COMPANY,
		company_currency="EUR",
		warehouse=WAREHOUSE,
		price_list=PRICE_LIST,
		customer_group=CUSTOMER_GROUP,
		territory=TERRITORY,
		item_group="Products",
		stock_uom="Nos",
		tax_accounts={1: VAT_19, 2: VAT_7},
		shipping_account=SHIPPING_ACCOUNT,
		fee_account=FEE_ACCOUNT,
	)
	values.update(overrides)
	return ServerSettings(**values)


def make_fixtures() -> None:
	"""The tax accounts and the price list the servers map, and SERVER."""
	make_accounts()
	if not frappe.db.exists(SERVER_DOCTYPE, SERVER):
		make_server(SERVER, url="http://shop.example.com", enable_order_sync=0)


def make_accounts() -> None:
	for account, rate in ((VAT_19, 19), (VAT_7, 7)):
		if not frappe.db.exists("Account", account):
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": account.removesuffix(f" - {ABBR}"),
					"parent_account": f"Duties and Taxes - {ABBR}",
					"company": COMPANY,
					"account_type": "Tax",
					"tax_rate": rate,
				}
			).insert(ignore_permissions=True)
	if not frappe.db.exists("Price List", PRICE_LIST):
		frappe.get_doc(
			{"doctype": "Price List", "price_list_name": PRICE_LIST, "currency": "EUR", "selling": 1}
		).insert(ignore_permissions=True)


def make_modes_of_payment() -> str:
	"""MODE_OF_PAYMENT with the company's cash account (one made when the chart has none), and
	MODE_WITHOUT_ACCOUNT; returns the cash account."""
	account = frappe.db.get_value(
		"Account", {"company": COMPANY, "account_type": "Cash", "is_group": 0}, "name", order_by="name"
	)
	if not account:
		account = (
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": "_Test WooCommerce Cash",
					"parent_account": f"Cash In Hand - {ABBR}",
					"company": COMPANY,
					"account_type": "Cash",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	for mode, accounts in (
		(MODE_OF_PAYMENT, [{"company": COMPANY, "default_account": account}]),
		(MODE_WITHOUT_ACCOUNT, []),
	):
		doc = (
			frappe.get_doc("Mode of Payment", mode)
			if frappe.db.exists("Mode of Payment", mode)
			else frappe.get_doc({"doctype": "Mode of Payment", "mode_of_payment": mode, "type": "Cash"})
		)
		doc.set("accounts", accounts)
		doc.save(ignore_permissions=True)
	return account


def receive_stock(sales_order: str) -> str:
	"""A submitted Material Receipt of every stock line of the Sales Order into the line's warehouse."""
	so = frappe.get_doc("Sales Order", sales_order)
	entry = frappe.get_doc(
		{"doctype": "Stock Entry", "stock_entry_type": "Material Receipt", "company": so.company}
	)
	for item in so.items:
		if not frappe.get_cached_value("Item", item.item_code, "is_stock_item"):
			continue
		entry.append(
			"items",
			{
				"item_code": item.item_code,
				"qty": item.stock_qty,
				"t_warehouse": item.warehouse,
				"basic_rate": 10,
				"uom": item.stock_uom,
				"conversion_factor": 1,
			},
		)
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry.name


def make_server(title: str, url: str = NO_SHOP_URL, **values: Any) -> Document:
	"""A WooCommerce Server on the test company with every account mapped and order sync on,
	created or brought back to these values (an earlier run may have left it changed), its
	cursors cleared. The keys are the test shop's unless given; `values` override any field."""
	make_accounts()
	if frappe.db.exists(SERVER_DOCTYPE, title):
		server = frappe.get_doc(SERVER_DOCTYPE, title)
	else:
		server = frappe.new_doc(SERVER_DOCTYPE)
		server.title = title
	server.update(
		{
			"woocommerce_server_url": url,
			"consumer_key": DEFAULT_CONSUMER_KEY,
			"consumer_secret": DEFAULT_CONSUMER_SECRET,
			"enabled": 1,
			"enable_order_sync": 1,
			"request_timeout": 30,
			"company": COMPANY,
			# Set, or Frappe fills in the user's default warehouse, which is another company's.
			"default_warehouse": WAREHOUSE,
			"selling_price_list": PRICE_LIST,
			"default_customer_group": CUSTOMER_GROUP,
			"default_territory": TERRITORY,
			"shipping_charges_account": SHIPPING_ACCOUNT,
			"fee_account": FEE_ACCOUNT,
			"tax_accounts": [
				{"woocommerce_tax_rate_id": 1, "account": VAT_19},
				{"woocommerce_tax_rate_id": 2, "account": VAT_7},
			],
			"last_synchronised_on": None,
			"shop_synchronised_on": None,
			**values,
		}
	)
	server.save(ignore_permissions=True)
	return server


def remove_orders(server: str) -> None:
	"""What an earlier run of a test that commits left of the server's orders: its Sales Orders
	(their Payment Entries, Sales Invoices and Delivery Notes and they cancelled first) and its
	Order Sync rows."""
	for so in frappe.get_all("Sales Order", {"woocommerce_server": server}, ["name", "docstatus"]):
		remove_invoices(so.name)
		for dn in frappe.get_all(
			"Delivery Note Item",
			{"against_sales_order": so.name, "docstatus": 1},
			pluck="parent",
			distinct=True,
		):
			frappe.get_doc("Delivery Note", dn).cancel()
		if so.docstatus == 1:
			frappe.get_doc("Sales Order", so.name).cancel()
		frappe.delete_doc("Sales Order", so.name, force=True, ignore_permissions=True)
	frappe.db.delete(ORDER_REFUND_DOCTYPE, {"parent": ("like", f"{server}-%")})
	frappe.db.delete(ORDER_SYNC_DOCTYPE, {"woocommerce_server": server})


def remove_invoices(sales_order: str) -> None:
	"""The Sales Invoices made from the Sales Order (their Credit Notes first: an invoice cannot
	be cancelled while one stands) and the Payment Entries against them."""
	made = frappe.get_all("Sales Invoice Item", {"sales_order": sales_order}, pluck="parent", distinct=True)
	# Never ("in", [""]): Frappe reads it as ifnull(return_against, '') in (''), every invoice.
	returns = frappe.get_all("Sales Invoice", {"return_against": ("in", made)}, pluck="name") if made else []
	for invoice in dict.fromkeys([*returns, *made]):
		for payment in frappe.get_all(
			"Payment Entry Reference",
			{"reference_doctype": "Sales Invoice", "reference_name": invoice},
			pluck="parent",
			distinct=True,
		):
			if frappe.db.get_value("Payment Entry", payment, "docstatus") == 1:
				frappe.get_doc("Payment Entry", payment).cancel()
			frappe.delete_doc("Payment Entry", payment, force=True, ignore_permissions=True)
		if frappe.db.get_value("Sales Invoice", invoice, "docstatus") == 1:
			frappe.get_doc("Sales Invoice", invoice).cancel()
		frappe.delete_doc("Sales Invoice", invoice, force=True, ignore_permissions=True)


def start_clean(server: str) -> None:
	"""For a test class that commits: the fixtures made, and what earlier runs left of the server's
	orders removed, for good."""
	make_fixtures()
	remove_orders(server)
	frappe.db.commit()
