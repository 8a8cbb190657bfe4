"""The Sales Taxes and Charges rows of an order: one per tax rate, per shipping line, per fee.

WooCommerce rounds tax per line and per rate, so 19 % of two 12.50 lines is 2.38 + 2.38 = 4.76
while 19 % of 25.00 is 4.75. The rows therefore take WooCommerce's amounts as they are and never
recompute tax from a rate; every row is an "Actual" amount.
"""

from __future__ import annotations

from decimal import Decimal

from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.engine.mapping.money import ZERO, parse_money, round_cents
from woocommerce_fusion.engine.mapping.plans import ChargePlan
from woocommerce_fusion.engine.mapping.readers import parse_decimal, parse_int, records, text
from woocommerce_fusion.engine.settings import ServerSettings


def line_taxes(line: dict, what: str) -> dict[int, Decimal]:
	"""Per WooCommerce tax rate id, the line's tax rounded to cents.

	taxes[].total keeps 4 to 6 decimals (12.5343); WooCommerce itself rounds it per line and
	rate before adding it into tax_lines[].tax_total, so rounding here gives the same cents.
	"""
	taxes: dict[int, Decimal] = {}
	for entry in records(line.get("taxes"), f"{what} taxes"):
		rate_id = parse_int(entry.get("id"), f"{what} tax rate id")
		amount = round_cents(parse_decimal(entry.get("total"), f"{what} tax {rate_id}"))
		taxes[rate_id] = taxes.get(rate_id, ZERO) + amount
	return taxes


def tax_rows(
	order: dict, settings: ServerSettings, what: str, taxes_by_line: dict[int, dict[int, Decimal]]
) -> list[ChargePlan]:
	"""One row per rate in tax_lines; shipping and fee tax are inside tax_lines already.

	taxes_by_line (line id -> rate id -> tax, from line_taxes) gives each row its item-wise detail.

	A rate with zero tax (a fully discounted order) still gets its row, so the Sales Order shows
	every rate WooCommerce applied, as the shop's own invoice does.
	"""
	rows: dict[int, ChargePlan] = {}
	for tax_line in records(order.get("tax_lines"), f"{what} tax_lines"):
		rate_id = parse_int(tax_line.get("rate_id"), f"{what} tax line rate_id")
		label = text(tax_line.get("label"), f"{what} tax line {rate_id} label") or text(
			tax_line.get("rate_code"), f"{what} tax line {rate_id} rate_code"
		)
		amount = parse_money(tax_line.get("tax_total"), f"{what} tax line {label} tax_total")
		shipping_tax = tax_line.get("shipping_tax_total")
		if shipping_tax not in (None, ""):
			amount += parse_money(shipping_tax, f"{what} tax line {label} shipping_tax_total")
		if rate_id in rows:
			# WooCommerce keeps one tax line per rate; should a plugin split one, book them as one row.
			rows[rate_id].tax_amount += amount
			continue
		account = settings.tax_accounts.get(rate_id)
		if not account:
			raise ConfigurationError(
				f"{what} charges the tax rate {label or 'without label'} (WooCommerce tax rate id "
				f"{rate_id}), which has no account: add rate id {rate_id} to the tax account table "
				f"of WooCommerce Server {settings.name}."
			)
		percent = tax_line.get("rate_percent")
		rows[rate_id] = ChargePlan(
			kind="tax",
			account_head=account,
			description=label or f"Tax rate {rate_id}",
			tax_amount=amount,
			rate_id=rate_id,
			rate_percent=None
			if percent in (None, "")
			else parse_decimal(percent, f"{what} tax line {label} rate_percent"),
			item_wise={
				line_id: taxes[rate_id] for line_id, taxes in taxes_by_line.items() if rate_id in taxes
			},
		)
	return list(rows.values())


def shipping_rows(order: dict, settings: ServerSettings, what: str) -> list[ChargePlan]:
	"""One row per shipping line at its net total; a free shipping line (0.00) books nothing."""
	return _charge_rows(
		order, "shipping_lines", "method_title", "shipping", settings.shipping_account, settings, what
	)


def fee_rows(order: dict, settings: ServerSettings, what: str) -> list[ChargePlan]:
	"""One row per fee line at its net total; a negative fee (a discount) stays negative."""
	return _charge_rows(order, "fee_lines", "name", "fee", settings.fee_account, settings, what)


def _charge_rows(
	order: dict, lines_key: str, title_key: str, kind: str, account: str, settings: ServerSettings, what: str
) -> list[ChargePlan]:
	rows = []
	for line in records(order.get(lines_key), f"{what} {lines_key}"):
		title = text(line.get(title_key), f"{what} {kind} line title") or kind.capitalize()
		amount = parse_money(line.get("total"), f"{what} {kind} line {title} total")
		if not amount:
			continue
		if not account:
			raise ConfigurationError(
				f"{what} charges {kind} ({title} {amount}) but WooCommerce Server {settings.name} "
				f"has no {kind} account: set one."
			)
		rows.append(ChargePlan(kind=kind, account_head=account, description=title, tax_amount=amount))
	return rows
