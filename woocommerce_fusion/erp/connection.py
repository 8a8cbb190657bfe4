"""A WooCommerce Server document turned into what the engine works with: a client and settings."""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import cint, flt, get_system_timezone

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.erp.request_log import make_exchange_logger
from woocommerce_fusion.erp.times import system_to_utc


def get_client(
	server_name: str,
	*,
	reference: tuple[str, str] | None = None,
	sync_action: str | None = None,
) -> WooCommerceClient:
	"""A client for the shop whose calls are logged against `reference` and `sync_action`."""
	server = frappe.get_doc(SERVER_DOCTYPE, server_name)
	consumer_key, consumer_secret = _get_api_keys(server)
	logger = make_exchange_logger(
		server.name,
		server.request_log_level,
		reference,
		sync_action,
		secrets=(consumer_key, consumer_secret, server.get_password("webhook_secret", raise_exception=False)),
	)
	return WooCommerceClient(
		server.woocommerce_server_url,
		consumer_key,
		consumer_secret,
		verify_ssl=bool(server.verify_ssl),
		timeout=flt(server.request_timeout) or 30.0,
		on_exchange=logger,
	)


def get_settings(server_name: str) -> ServerSettings:
	server = frappe.get_doc(SERVER_DOCTYPE, server_name)
	consumer_key, consumer_secret = _get_api_keys(server)
	defaults = ServerSettings(name=server.name, url=server.woocommerce_server_url)

	return ServerSettings(
		name=server.name,
		url=server.woocommerce_server_url,
		consumer_key=consumer_key,
		consumer_secret=consumer_secret,
		verify_ssl=bool(server.verify_ssl),
		timeout=flt(server.request_timeout) or defaults.timeout,
		company=server.company,
		company_currency=frappe.get_cached_value("Company", server.company, "default_currency"),
		warehouse=server.default_warehouse or "",
		price_list=server.selling_price_list or "",
		naming_series=server.sales_order_naming_series or "",
		# Empty settings fall back to what ERPNext itself would use for a new Customer or Item.
		customer_group=server.default_customer_group
		or frappe.db.get_single_value("Selling Settings", "customer_group")
		or defaults.customer_group,
		territory=server.default_territory
		or frappe.db.get_single_value("Selling Settings", "territory")
		or defaults.territory,
		item_group=server.item_group
		or frappe.db.get_single_value("Stock Settings", "item_group")
		or defaults.item_group,
		stock_uom=frappe.db.get_single_value("Stock Settings", "stock_uom") or defaults.stock_uom,
		deleted_product_item=server.get("deleted_product_item") or "",
		tax_accounts={cint(row.woocommerce_tax_rate_id): row.account for row in server.tax_accounts},
		shipping_account=server.shipping_charges_account or "",
		fee_account=server.fee_account or "",
		delivery_lead_days=cint(server.delivery_lead_time),
		single_customer=server.single_customer or "",
		submit_sales_orders=bool(server.submit_sales_orders),
		order_sync_enabled=bool(server.enabled and server.enable_order_sync),
		# The start of that day in the site's time zone, as the moment WooCommerce compares.
		orders_from=system_to_utc(server.synchronise_orders_from),
		last_synchronised_on=system_to_utc(server.last_synchronised_on),
		shop_synchronised_on=system_to_utc(server.shop_synchronised_on),
		time_zone=get_system_timezone(),
		reserve_stock=bool(server.get("reserve_stock")),
		create_sales_invoice=server.get("create_sales_invoice") or defaults.create_sales_invoice,
		pay_on_delivery_methods=_method_ids(server.get("pay_on_delivery_methods")),
		modes_of_payment={
			row.payment_method.strip(): row.mode_of_payment
			for row in server.get("payment_methods") or []
			if row.payment_method and row.mode_of_payment
		},
	)


def _method_ids(text: str | None) -> frozenset[str]:
	"""Payment method ids typed one per line or separated by commas."""
	return frozenset(part.strip() for part in re.split(r"[,\n]", text or "") if part.strip())


def _get_api_keys(server) -> tuple[str, str]:
	consumer_key = server.get_password("consumer_key", raise_exception=False)
	consumer_secret = server.get_password("consumer_secret", raise_exception=False)
	if not consumer_key or not consumer_secret:
		raise ConfigurationError(
			_("WooCommerce Server {0} has no Consumer Key or Consumer Secret.").format(server.name)
		)
	return consumer_key, consumer_secret
