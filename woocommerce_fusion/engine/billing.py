"""What happens to an order after its Sales Order: stock, invoice, payment. Pure decisions on the
WooCommerce order and the server's settings; the pipeline's steps act on them.

An order counts as paid when WooCommerce says the shop may ship it (processing or completed) and
its payment method is not one that collects the money on delivery. date_paid alone is no proof:
the recorded shops set it for orders whose money never arrived (a bank transfer on hold) and
leave it empty for paid ones whose gateway did not report back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from woocommerce_fusion.engine.settings import InvoicePolicy, ServerSettings
from woocommerce_fusion.engine.timeutil import parse_gmt

PAID_STATUSES = frozenset({"processing", "completed"})


def payment_method(order: dict[str, Any]) -> str:
	return str(order.get("payment_method") or "").strip()


def pays_on_delivery(order: dict[str, Any], settings: ServerSettings) -> bool:
	return payment_method(order) in settings.pay_on_delivery_methods


def is_paid(order: dict[str, Any], settings: ServerSettings) -> bool:
	status = str(order.get("status") or "").lower()
	return status in PAID_STATUSES and not pays_on_delivery(order, settings)


def order_total(order: dict[str, Any]) -> Decimal:
	try:
		return Decimal(str(order.get("total") or "0"))
	except InvalidOperation:
		return Decimal(0)


def works_on_sales_order(settings: ServerSettings) -> bool:
	"""Stock, invoice and payment need a submitted Sales Order: none when the server keeps drafts."""
	return settings.submit_sales_orders


def wants_stock_reserved(settings: ServerSettings) -> bool:
	return works_on_sales_order(settings) and settings.reserve_stock


def wants_invoice(order: dict[str, Any], settings: ServerSettings) -> bool:
	if not works_on_sales_order(settings):
		return False
	if settings.create_sales_invoice == InvoicePolicy.ALWAYS:
		return True
	return settings.create_sales_invoice == InvoicePolicy.WHEN_PAID and is_paid(order, settings)


def wants_payment(order: dict[str, Any], settings: ServerSettings) -> bool:
	"""A paid order with money to book; the invoice of a pay-on-delivery or free order stays open
	or needs none, so those stop once the invoice is posted."""
	return wants_invoice(order, settings) and is_paid(order, settings) and order_total(order) > 0


def payment_reference_no(order: dict[str, Any]) -> str:
	"""The gateway's transaction id; the order number when the gateway gave none (a bank transfer)."""
	return str(order.get("transaction_id") or "").strip() or str(order.get("id") or "")


def payment_reference_date(order: dict[str, Any], settings: ServerSettings) -> date | None:
	"""The day the shop says it was paid, in the site's time zone; None: the invoice's date."""
	paid = parse_gmt(order.get("date_paid_gmt"))
	if paid is None:
		return None
	return paid.astimezone(ZoneInfo(settings.time_zone or "UTC")).date()
