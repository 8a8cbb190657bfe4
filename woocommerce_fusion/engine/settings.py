"""A WooCommerce Server's settings as plain data, so the engine never reads a doctype."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class InvoicePolicy:
	"""When an order gets a Sales Invoice (the server's "Create Sales Invoice")."""

	NEVER = "Never"
	WHEN_PAID = "When paid"
	ALWAYS = "Always"

	ALL = (NEVER, WHEN_PAID, ALWAYS)


@dataclass
class ServerSettings:
	name: str
	url: str
	consumer_key: str = ""
	consumer_secret: str = ""
	verify_ssl: bool = True
	timeout: float = 30.0
	company: str = ""
	company_currency: str = "EUR"
	warehouse: str = ""
	price_list: str = ""
	naming_series: str = ""
	customer_group: str = "All Customer Groups"
	territory: str = "All Territories"
	item_group: str = "Products"
	stock_uom: str = "Nos"
	# The Item that lines of products deleted in the shop are booked on ("Deleted Product Item");
	# empty: such an order fails and waits for the setting.
	deleted_product_item: str = ""
	# WooCommerce tax rate id -> ERPNext account; one account per rate keeps mixed-rate orders exact.
	tax_accounts: dict[int, str] = field(default_factory=dict)
	shipping_account: str = ""
	fee_account: str = ""
	delivery_lead_days: int = 0
	# Book every web order on this one Customer instead of one Customer per e-mail.
	single_customer: str = ""
	submit_sales_orders: bool = False
	order_sync_enabled: bool = False
	# Orders created before this moment (the start of "Synchronise orders created on or after" in
	# the site's time zone) are never listed: the first run must not import the shop's history.
	orders_from: datetime | None = None
	# The cursor twice, once per clock: ERPNext-side changes (step 3) are read on the site's
	# clock, the shop's listing on the shop's own clock, so a skew between them loses nothing.
	last_synchronised_on: datetime | None = None
	shop_synchronised_on: datetime | None = None
	# The site's system time zone: the dates of ERPNext documents are days in it.
	time_zone: str = "UTC"
	# Reserve the Sales Order's stock (when ERPNext's Stock Settings allow reservation at all).
	reserve_stock: bool = False
	# Off by default: a server that existed before must not start posting invoices by itself.
	create_sales_invoice: str = InvoicePolicy.NEVER
	# WooCommerce payment method ids whose money arrives only on delivery: never "paid" at order time.
	pay_on_delivery_methods: frozenset[str] = frozenset({"cod"})
	# WooCommerce payment method id -> ERPNext Mode of Payment, whose account receives the payment.
	modes_of_payment: dict[str, str] = field(default_factory=dict)
