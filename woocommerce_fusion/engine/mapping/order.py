"""A WooCommerce order (REST v3 JSON) as the plan of an ERPNext Sales Order, exact to the cent.

WooCommerce's total is Σ line totals + Σ line taxes + shipping + shipping tax + Σ fees + Σ fee
taxes, where line totals are net and already discounted by coupons. The plan books exactly
those amounts: lines at their net totals, one "Actual" charge row per tax rate, shipping line
and fee. Coupons are never a document discount, they are inside the line totals already.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from woocommerce_fusion.engine.errors import ConfigurationError, MappingError
from woocommerce_fusion.engine.mapping.customer import (
	VAT_ID_KEYS,
	billing_address,
	contact_plan,
	customer_plan,
	shipping_address,
)
from woocommerce_fusion.engine.mapping.deleted_products import placeholder_description
from woocommerce_fusion.engine.mapping.item import TemplateLookup, item_plan, visible_meta
from woocommerce_fusion.engine.mapping.money import ZERO, parse_money, split_amount
from woocommerce_fusion.engine.mapping.plans import LinePlan, SalesOrderPlan
from woocommerce_fusion.engine.mapping.readers import parse_decimal, parse_int, records, text
from woocommerce_fusion.engine.mapping.taxes import fee_rows, line_taxes, shipping_rows, tax_rows
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.timeutil import parse_gmt

ExchangeRate = Callable[[str, str, date], Decimal | None]

CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def map_order(
	order: dict,
	settings: ServerSettings,
	*,
	exchange_rate: ExchangeRate | None = None,
	linked_to_template: TemplateLookup | None = None,
	verify_totals: bool = True,
) -> SalesOrderPlan:
	"""The Sales Order plan of `order`; its grand_total equals the order's total exactly.

	exchange_rate(from_currency, to_currency, day) looks up ERPNext's Currency Exchange for an
	order not in the company's currency; nothing here asks an outside service.
	linked_to_template(server, product_id) tells a line of a deleted variation (variation_id 0)
	from a simple product's (TemplatePort.linked_to_template).
	Raises MappingError for data that cannot be booked and ConfigurationError for a missing
	setting (tax account, shipping or fee account, exchange rate). verify_totals=False returns
	a plan that does not add up instead of refusing it, for the dry run to show the difference.
	"""
	if not isinstance(order, dict):
		raise MappingError(f"A WooCommerce order must be a JSON object, got {type(order).__name__}")
	raw_id = order.get("id")
	if raw_id in (None, "", 0):
		raise MappingError("The WooCommerce order has no id")
	order_id = parse_int(raw_id, "The WooCommerce order id")
	if order_id <= 0:
		raise MappingError(f"The WooCommerce order id must be positive, got {raw_id!r}")
	what = f"WooCommerce order {order_id}"

	currency = text(order.get("currency"), f"{what} currency")
	if not CURRENCY_CODE.fullmatch(currency):
		raise MappingError(
			f"{what} has currency {order.get('currency')!r}; expected a code of three capitals such as EUR"
		)
	created = _gmt(order, "date_created_gmt", what)
	if created is None:
		raise MappingError(f"{what} has no date_created_gmt")
	# ERPNext keeps every date in the site's time zone: an evening order of a shop west of UTC
	# belongs to that evening's day, not to the next UTC day (which may be the next month).
	transaction_date = created.astimezone(ZoneInfo(settings.time_zone)).date()

	lines: list[LinePlan] = []
	taxes_by_line: dict[int, dict[int, Decimal]] = {}
	for position, line in enumerate(records(order.get("line_items"), f"{what} line_items"), start=1):
		line_plans = _line_plans(line, settings, f"{what} line {position}", linked_to_template)
		if not line_plans:
			continue
		line_id = line_plans[0].woocommerce_line_id
		# Rows, items and item-wise tax are keyed by line id; a repeated id would merge two lines.
		if line_id in taxes_by_line:
			raise MappingError(f"{what} has two lines with the id {line_id}")
		taxes_by_line[line_id] = line_plans[0].taxes
		lines.extend(line_plans)
	charges = (
		shipping_rows(order, settings, what)
		+ fee_rows(order, settings, what)
		+ tax_rows(order, settings, what, taxes_by_line)
	)

	plan = SalesOrderPlan(
		server=settings.name,
		woocommerce_id=order_id,
		woocommerce_status=text(order.get("status"), f"{what} status"),
		customer=customer_plan(order, settings, what),
		billing=billing_address(order, what),
		shipping=shipping_address(order, what),
		contact=contact_plan(order, what),
		lines=lines,
		charges=charges,
		currency=currency,
		conversion_rate=_conversion_rate(
			currency, settings.company_currency, transaction_date, exchange_rate
		),
		transaction_date=transaction_date,
		delivery_date=transaction_date + timedelta(days=settings.delivery_lead_days),
		po_no=str(order_id),
		company=settings.company,
		warehouse=settings.warehouse,
		price_list=settings.price_list,
		naming_series=settings.naming_series,
		payment_method=text(order.get("payment_method"), f"{what} payment_method"),
		payment_method_title=text(order.get("payment_method_title"), f"{what} payment_method_title"),
		transaction_id=text(order.get("transaction_id"), f"{what} transaction_id"),
		customer_note=text(order.get("customer_note"), f"{what} customer_note"),
		date_created_gmt=created,
		date_modified_gmt=_gmt(order, "date_modified_gmt", what),
		date_paid_gmt=_gmt(order, "date_paid_gmt", what),
		woocommerce_total=parse_decimal(order.get("total"), f"{what} total"),
	)
	if verify_totals:
		_check_totals(order, plan, what)
	return plan


def _line_plans(
	line: dict, settings: ServerSettings, what: str, linked_to_template: TemplateLookup | None
) -> list[LinePlan]:
	"""The rows of one line item: one row, or two when its unit price is not whole cents.

	WooCommerce keeps only the line's net total (3 units for 10.00); ERPNext keeps rate and
	amount at 2 decimals, so such a line becomes (1 x 3.34) + (2 x 3.33), both rows with the
	line's id. The line's tax sits on the first row only, so the rows' taxes add up to the
	line's tax, and the tax rows' item_wise detail (keyed by line id) holds the whole line's tax.
	"""
	line_id = parse_int(line.get("id"), f"{what} id")
	name = text(line.get("name"), f"{what} name")
	what = f'{what} (id {line_id}, "{name}")'
	qty = parse_int(line.get("quantity"), f"{what} quantity")
	total = parse_money(line.get("total"), f"{what} total")
	if qty < 0:
		raise MappingError(
			f"{what} has quantity {qty}; an order line cannot be negative (refunds are separate)"
		)
	if qty == 0:
		if total:
			raise MappingError(f"{what} has quantity 0 but a total of {total}")
		# Nothing to deliver and nothing to bill: a Sales Order row needs a quantity.
		return []
	item = item_plan(line, settings, what, linked_to_template)
	taxes = line_taxes(line, what)
	meta = visible_meta(line, what)
	if item.placeholder_item:
		description = placeholder_description(name, item, meta)
	else:
		description = "\n".join([name, *(f"{label}: {value}" for label, value in meta)])
	return [
		LinePlan(
			item=item,
			qty=units,
			rate=rate,
			amount=rate * units,
			woocommerce_line_id=line_id,
			description=description,
			item_name=item.item_name if item.placeholder_item else "",
			taxes=taxes if index == 0 else {},
		)
		for index, (units, rate) in enumerate(split_amount(total, qty))
	]


def _gmt(order: dict, field: str, what: str) -> datetime | None:
	try:
		return parse_gmt(order.get(field))
	except ValueError as exc:
		raise MappingError(f"{what} {field}: {exc}") from None


def _conversion_rate(
	currency: str, company_currency: str, day: date, exchange_rate: ExchangeRate | None
) -> Decimal | None:
	if currency == company_currency:
		return None
	rate = exchange_rate(currency, company_currency, day) if exchange_rate else None
	if rate is None:
		raise ConfigurationError(
			f"No Currency Exchange from {currency} to {company_currency} on {day.isoformat()}: add one in ERPNext"
		)
	rate = Decimal(str(rate)) if not isinstance(rate, Decimal) else rate
	if not rate.is_finite() or rate <= 0:
		raise ConfigurationError(
			f"The Currency Exchange from {currency} to {company_currency} on {day.isoformat()} is {rate}: "
			"correct it in ERPNext"
		)
	return rate


def _check_totals(order: dict, plan: SalesOrderPlan, what: str) -> None:
	"""Refuse a plan that would not add up to what the customer was charged."""
	total_tax = order.get("total_tax")
	if total_tax not in (None, ""):
		expected = parse_money(total_tax, f"{what} total_tax")
		booked = sum((c.tax_amount for c in plan.charges if c.kind == "tax"), ZERO)
		if booked != expected:
			raise MappingError(
				f"{what}: its tax lines add up to {booked} but its total_tax is {expected} "
				f"(difference {booked - expected}); the order's data is inconsistent"
			)
	if not plan.is_exact:
		raise MappingError(
			f"{what}: lines, shipping, fees and taxes add up to {plan.grand_total} but the order's total "
			f"is {plan.woocommerce_total} (difference {plan.grand_total - plan.woocommerce_total}); the "
			"order's data is inconsistent"
		)


def _relevant_content(order: dict) -> dict[str, Any]:
	"""What of an order ends up in the Sales Order, without bookkeeping that moves by itself.

	Left out: date_modified (moves on every save), meta such as _reduced_stock (added when stock
	is reduced), coupon lines (their effect is inside the line totals), refunds (they leave
	the Sales Order alone) and the payment's date and transaction id: they arrive with the
	payment, which is a status change, not a change of what was ordered.
	"""

	def dicts(entries: Any) -> list[dict]:
		return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []

	def pick(entries: Any, fields: tuple[str, ...]) -> list[dict]:
		return [{key: entry.get(key) for key in fields} for entry in dicts(entries)]

	line_fields = (
		"id",
		"product_id",
		"variation_id",
		"sku",
		"name",
		"quantity",
		"total",
		"total_tax",
		"taxes",
	)
	line_items = [
		{
			**{key: line.get(key) for key in line_fields},
			# Only what the customer chose (attributes, add-on texts): _reduced_stock appears later.
			"meta": [
				(entry["key"], entry.get("value"))
				for entry in dicts(line.get("meta_data"))
				if isinstance(entry.get("key"), str) and not entry["key"].startswith("_")
			],
		}
		for line in dicts(order.get("line_items"))
	]
	vat_ids = [
		(entry["key"], entry.get("value"))
		for entry in dicts(order.get("meta_data"))
		if entry.get("key") in VAT_ID_KEYS
	]
	order_fields = (
		"id",
		"currency",
		"total",
		"total_tax",
		"customer_id",
		"billing",
		"shipping",
		"payment_method",
		"payment_method_title",
		"customer_note",
		"date_created_gmt",
	)
	return {
		**{key: order.get(key) for key in order_fields},
		"vat_ids": vat_ids,
		"line_items": line_items,
		"shipping_lines": pick(
			order.get("shipping_lines"), ("id", "method_id", "method_title", "total", "taxes")
		),
		"fee_lines": pick(order.get("fee_lines"), ("id", "name", "total", "taxes")),
		"tax_lines": pick(
			order.get("tax_lines"), ("rate_id", "label", "rate_percent", "tax_total", "shipping_tax_total")
		),
	}


def _digest(content: dict[str, Any]) -> str:
	canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
	return hashlib.sha256(canonical.encode()).hexdigest()


def content_digest(order: dict) -> str:
	"""A stable hash of what the Sales Order is made of, status left out.

	Equal digests mean the Sales Order needs no rewrite, even after a status change (such as the
	one the sync itself pushes to the shop). Never raises: garbage hashes like anything else.
	"""
	return _digest(_relevant_content(order if isinstance(order, dict) else {}))


def order_digest(order: dict) -> str:
	"""Like content_digest, with the order's status: tells whether anything at all changed."""
	order = order if isinstance(order, dict) else {}
	return _digest({**_relevant_content(order), "status": order.get("status")})
