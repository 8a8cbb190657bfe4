"""The Sales Order plan adds up to WooCommerce's total to the cent, for every recorded order case."""

from __future__ import annotations

import copy
import json
import random
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from woocommerce_fusion.engine.errors import ConfigurationError, MappingError
from woocommerce_fusion.engine.mapping import map_order
from woocommerce_fusion.engine.mapping.money import split_amount
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.testing.order_cases import CASES_DIR

CENT = Decimal("0.01")


def settings(**overrides) -> ServerSettings:
	values = dict(
		name="shop1",
		url="http://x",
		company="Test Co",
		company_currency="EUR",
		tax_accounts={1: "VAT 19% - TC", 2: "VAT 7% - TC"},
		shipping_account="Shipping - TC",
		fee_account="Fees - TC",
	)
	values.update(overrides)
	return ServerSettings(**values)


def order_cases() -> list[Path]:
	"""The files whose body is an order; the others hold lists, refunds, notes or settings."""
	cases = []
	for path in sorted(CASES_DIR.glob("order_case_*.json")):
		body = json.loads(path.read_text())["response"]["body"]
		if isinstance(body, dict) and "line_items" in body and "billing" in body:
			cases.append(path)
	return cases


ORDER_CASES = order_cases()


def load(path: Path) -> tuple[dict, dict]:
	case = json.loads(path.read_text())
	return case["response"]["body"], case["erp_facts"]


def case(name: str) -> dict:
	return load(CASES_DIR / f"{name}.json")[0]


def test_all_recorded_orders_are_covered():
	assert len(ORDER_CASES) == 19


@pytest.mark.parametrize("path", ORDER_CASES, ids=lambda p: p.stem.removeprefix("order_case_"))
class TestOrderCases:
	def test_grand_total_is_the_order_total(self, path):
		order, facts = load(path)
		plan = map_order(order, settings())
		assert plan.grand_total == Decimal(order["total"]) == Decimal(facts["total"])
		assert plan.is_exact
		assert plan.woocommerce_total == Decimal(order["total"])

	def test_tax_rows_add_up_to_total_tax(self, path):
		order, facts = load(path)
		plan = map_order(order, settings())
		taxes = [charge for charge in plan.charges if charge.kind == "tax"]
		assert sum(charge.tax_amount for charge in taxes) == Decimal(facts["total_tax"])

	def test_one_tax_row_per_rate_as_woocommerce_has_it(self, path):
		order, facts = load(path)
		plan = map_order(order, settings())
		rows = {charge.rate_id: charge for charge in plan.charges if charge.kind == "tax"}
		expected = {
			line["rate_id"]: Decimal(line["tax_total"]) + Decimal(line["shipping_tax_total"])
			for line in facts["tax_lines"]
		}
		assert {rate_id: row.tax_amount for rate_id, row in rows.items()} == expected
		for line in facts["tax_lines"]:
			row = rows[line["rate_id"]]
			assert row.description == line["label"]
			assert row.rate_percent == Decimal(line["rate_percent"])
			assert row.account_head == settings().tax_accounts[line["rate_id"]]

	def test_item_wise_tax_is_each_lines_rounded_tax(self, path):
		order, _ = load(path)
		plan = map_order(order, settings())
		for row in (charge for charge in plan.charges if charge.kind == "tax"):
			expected = {
				line["id"]: round_half_up(tax["total"])
				for line in order["line_items"]
				for tax in line["taxes"]
				if tax["id"] == row.rate_id
			}
			assert row.item_wise == expected
			# What is not on an item is the shipping's and the fees' tax of that rate.
			others = sum(
				(
					round_half_up(tax["total"])
					for line in order["shipping_lines"] + order["fee_lines"]
					for tax in line["taxes"]
					if tax["id"] == row.rate_id
				),
				Decimal("0"),
			)
			assert sum(row.item_wise.values(), Decimal("0")) + others == row.tax_amount

	def test_lines_keep_quantities_and_net_totals(self, path):
		order, _ = load(path)
		plan = map_order(order, settings())
		qty = defaultdict(int)
		amount = defaultdict(Decimal)
		for line in plan.lines:
			qty[line.woocommerce_line_id] += line.qty
			amount[line.woocommerce_line_id] += line.amount
			assert line.rate == line.rate.quantize(CENT)
			assert line.amount == line.rate * line.qty
		assert dict(qty) == {line["id"]: line["quantity"] for line in order["line_items"]}
		assert dict(amount) == {line["id"]: Decimal(line["total"]) for line in order["line_items"]}

	def test_coupons_are_not_booked_twice(self, path):
		order, facts = load(path)
		plan = map_order(order, settings())
		# Line totals are after the discount; the discount is the gap to the subtotals.
		subtotal = sum(Decimal(line["subtotal"]) for line in order["line_items"])
		assert plan.net_total == subtotal - Decimal(facts["discount_total"])
		assert {charge.kind for charge in plan.charges} <= {"tax", "shipping", "fee"}
		fees = sum(Decimal(line["total"]) for line in order["fee_lines"])
		assert sum(c.tax_amount for c in plan.charges if c.kind == "fee") == fees

	def test_shipping_rows_are_the_net_shipping(self, path):
		order, facts = load(path)
		plan = map_order(order, settings())
		shipping = [charge for charge in plan.charges if charge.kind == "shipping"]
		assert sum(charge.tax_amount for charge in shipping) == Decimal(facts["shipping_total"])
		assert all(charge.account_head == "Shipping - TC" for charge in shipping)


def round_half_up(value: str) -> Decimal:
	return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def test_coupon_order_books_discounted_lines():
	plan = map_order(case("order_case_coupon_paid_stripe"), settings())
	assert [line.amount for line in plan.lines] == [Decimal("23.31"), Decimal("30.60")]
	assert plan.grand_total == Decimal("67.18")


def test_negative_fee_stays_negative_and_its_tax_is_inside_the_rate_rows():
	plan = map_order(case("order_case_fees_positive_negative"), settings())
	fees = [(c.description, c.tax_amount, c.account_head) for c in plan.charges if c.kind == "fee"]
	assert fees == [
		("Gift wrapping", Decimal("2.50"), "Fees - TC"),
		("Loyalty discount", Decimal("-5.00"), "Fees - TC"),
	]
	rows = {c.rate_id: c.tax_amount for c in plan.charges if c.kind == "tax"}
	assert rows == {2: Decimal("1.57"), 1: Decimal("3.48")}


def test_free_shipping_line_books_no_row():
	plan = map_order(case("order_case_zero_total_coupon"), settings(shipping_account=""))
	assert [c.kind for c in plan.charges] == ["tax", "tax"]
	assert plan.grand_total == Decimal("0.00")


def test_free_line_keeps_its_quantity_at_rate_zero():
	plan = map_order(case("order_case_zero_total_free_line"), settings())
	assert [(line.qty, line.rate, line.amount) for line in plan.lines] == [
		(1, Decimal("0.00"), Decimal("0.00"))
	]


class TestLineSplitting:
	@pytest.mark.parametrize(
		"total, qty, rows",
		[
			("10.00", 3, [(1, "3.34"), (2, "3.33")]),
			("21.01", 2, [(1, "10.51"), (1, "10.50")]),
			("65.97", 3, [(3, "21.99")]),
			("0.00", 4, [(4, "0.00")]),
			("0.01", 3, [(1, "0.01"), (2, "0.00")]),
			("-10.00", 3, [(2, "-3.33"), (1, "-3.34")]),
			("100.00", 7, [(4, "14.29"), (3, "14.28")]),
		],
	)
	def test_split_amount(self, total, qty, rows):
		split = split_amount(Decimal(total), qty)
		assert split == [(units, Decimal(rate)) for units, rate in rows]
		assert sum(units * rate for units, rate in split) == Decimal(total)
		assert sum(units for units, _ in split) == qty

	def test_qty_3_for_10_00_adds_up(self):
		order = case("order_case_guest")
		line = order["line_items"][0]
		line.update(quantity=3, subtotal="10.00", total="10.00", total_tax="1.90")
		line["taxes"] = [{"id": 1, "total": "1.9", "subtotal": "1.9"}]
		order["tax_lines"][0]["tax_total"] = "1.90"
		order.update(
			total_tax="2.83",
			total=str(Decimal("10.00") + Decimal("1.90") + Decimal("4.90") + Decimal("0.93")),
		)
		plan = map_order(order, settings())
		assert [(line.qty, line.rate, line.amount) for line in plan.lines] == [
			(1, Decimal("3.34"), Decimal("3.34")),
			(2, Decimal("3.33"), Decimal("6.66")),
		]
		assert plan.net_total == Decimal("10.00")
		assert plan.grand_total == Decimal(order["total"])
		# Both rows are the same WooCommerce line; the line's tax sits on the first row only.
		assert {line.woocommerce_line_id for line in plan.lines} == {line["id"]}
		assert [line.taxes for line in plan.lines] == [{1: Decimal("1.90")}, {}]
		tax_row = next(c for c in plan.charges if c.kind == "tax")
		assert tax_row.item_wise == {line["id"]: Decimal("1.90")}

	def test_prices_incl_tax_line_is_split(self):
		plan = map_order(case("order_case_prices_incl_tax"), settings())
		mugs = [line for line in plan.lines if line.item.sku == "MUG-CER"]
		assert [(line.qty, line.rate) for line in mugs] == [(1, Decimal("10.51")), (1, Decimal("10.50"))]
		assert sum(line.amount for line in mugs) == Decimal("21.01")


class TestCurrency:
	def usd_order(self) -> dict:
		order = case("order_case_mixed_tax_rates")
		order["currency"] = "USD"
		return order

	def test_same_currency_has_no_conversion_rate(self):
		def never(*args):
			raise AssertionError("no exchange rate needed")

		plan = map_order(case("order_case_mixed_tax_rates"), settings(), exchange_rate=never)
		assert plan.conversion_rate is None
		assert plan.currency == "EUR"

	def test_foreign_currency_asks_for_the_rate_on_the_order_date(self):
		asked = []

		def rate(from_currency, to_currency, day):
			asked.append((from_currency, to_currency, day))
			return Decimal("0.9215")

		plan = map_order(self.usd_order(), settings(), exchange_rate=rate)
		assert asked == [("USD", "EUR", date(2026, 11, 25))]
		assert plan.conversion_rate == Decimal("0.9215")
		assert plan.currency == "USD"
		# Amounts stay in the order's currency; ERPNext converts with the rate.
		assert plan.grand_total == Decimal("63.29")

	def test_missing_rate_is_a_configuration_error(self):
		with pytest.raises(
			ConfigurationError,
			match=r"No Currency Exchange from USD to EUR on 2026-11-25: add one in ERPNext",
		):
			map_order(self.usd_order(), settings(), exchange_rate=lambda *args: None)

	def test_no_rate_callback_is_a_configuration_error(self):
		with pytest.raises(ConfigurationError, match="No Currency Exchange from USD to EUR"):
			map_order(self.usd_order(), settings())

	def test_non_positive_rate_is_a_configuration_error(self):
		with pytest.raises(ConfigurationError, match="correct it in ERPNext"):
			map_order(self.usd_order(), settings(), exchange_rate=lambda *args: Decimal("0"))

	@pytest.mark.parametrize("currency", ["eur", "EURO", "", None, 978, "€"])
	def test_currency_must_be_three_capitals(self, currency):
		order = case("order_case_guest")
		order["currency"] = currency
		with pytest.raises(MappingError, match="currency"):
			map_order(order, settings())


def random_order(seed: int) -> dict:
	"""A random order that adds up the way WooCommerce adds up: tax rounded per line and rate."""
	rng = random.Random(seed)
	rates = {1: Decimal("19"), 2: Decimal("7")}
	order = copy.deepcopy(case("order_case_mixed_tax_rates"))
	tax_totals = defaultdict(Decimal)
	shipping_tax_totals = defaultdict(Decimal)

	def taxed(amount: Decimal, rate_ids: list[int], bucket: dict) -> tuple[list[dict], Decimal]:
		entries = []
		for rate_id in rate_ids:
			unrounded = (amount * rates[rate_id] / 100).quantize(Decimal("0.000001"))
			bucket[rate_id] += round_half_up(str(unrounded))
			entries.append({"id": rate_id, "total": str(unrounded), "subtotal": str(unrounded)})
		return entries, sum((round_half_up(e["total"]) for e in entries), Decimal("0"))

	lines = []
	for index in range(rng.randint(1, 5)):
		qty = rng.randint(1, 9)
		subtotal = Decimal(rng.randint(1, 20000)) * CENT * qty
		# A percentage coupon leaves line totals that are rarely whole cents per unit.
		total = (subtotal * Decimal(rng.choice([100, 90, 85, 67, 0])) / 100).quantize(
			CENT, rounding=ROUND_HALF_UP
		)
		entries, line_tax = taxed(total, [rng.choice([1, 2])], tax_totals)
		lines.append(
			{
				"id": 1000 + index,
				"name": f"Product {index}",
				"product_id": 10 + index,
				"variation_id": 0,
				"quantity": qty,
				"subtotal": str(subtotal),
				"total": str(total),
				"total_tax": str(line_tax),
				"taxes": entries,
				"meta_data": [],
				"sku": f"SKU-{index}",
				"price": float(total / qty),
				"parent_name": None,
			}
		)
	shipping = []
	if rng.random() < 0.7:
		amount = Decimal(rng.randint(0, 1500)) * CENT
		entries, tax = taxed(amount, [1], shipping_tax_totals)
		shipping.append(
			{"id": 2000, "method_title": "DHL", "total": str(amount), "total_tax": str(tax), "taxes": entries}
		)
	fees = []
	for index in range(rng.randint(0, 2)):
		amount = Decimal(rng.randint(-1000, 1000)) * CENT
		entries, tax = taxed(amount, rng.sample([1, 2], rng.randint(0, 2)), tax_totals)
		fees.append(
			{
				"id": 3000 + index,
				"name": f"Fee {index}",
				"total": str(amount),
				"total_tax": str(tax),
				"taxes": entries,
			}
		)
	rate_ids = sorted(set(tax_totals) | set(shipping_tax_totals))
	order["tax_lines"] = [
		{
			"rate_id": rate_id,
			"label": f"VAT {rates[rate_id]}%",
			"tax_total": str(tax_totals[rate_id]),
			"shipping_tax_total": str(shipping_tax_totals[rate_id]),
			"rate_percent": int(rates[rate_id]),
		}
		for rate_id in rate_ids
	]
	total_tax = sum(tax_totals.values(), Decimal("0")) + sum(shipping_tax_totals.values(), Decimal("0"))
	total = (
		sum(Decimal(line["total"]) for line in lines)
		+ sum(Decimal(line["total"]) for line in shipping + fees)
		+ total_tax
	)
	order.update(
		line_items=lines,
		shipping_lines=shipping,
		fee_lines=fees,
		coupon_lines=[],
		total=str(total),
		total_tax=str(total_tax),
	)
	return order


@pytest.mark.parametrize("seed", range(300))
def test_random_consistent_orders_add_up(seed):
	order = random_order(seed)
	plan = map_order(order, settings())
	assert plan.grand_total == Decimal(order["total"])
	assert sum(c.tax_amount for c in plan.charges if c.kind == "tax") == Decimal(order["total_tax"])
	for line in plan.lines:
		assert line.rate == line.rate.quantize(CENT)
		assert line.amount == line.rate * line.qty
	rows_per_line = defaultdict(list)
	for line in plan.lines:
		rows_per_line[line.woocommerce_line_id].append(line)
	for source in order["line_items"]:
		rows = rows_per_line[source["id"]]
		assert 1 <= len(rows) <= 2
		assert sum(row.qty for row in rows) == source["quantity"]
		assert sum(row.amount for row in rows) == Decimal(source["total"])


def test_an_order_that_does_not_add_up_is_refused_with_the_difference():
	order = case("order_case_mixed_tax_rates")
	order["total"] = "63.30"
	with pytest.raises(
		MappingError, match=r"add up to 63\.29 but the order's total is 63\.30 \(difference -0\.01\)"
	):
		map_order(order, settings())


def test_tax_lines_that_miss_total_tax_are_refused():
	order = case("order_case_mixed_tax_rates")
	order["tax_lines"][0]["tax_total"] = "1.82"
	with pytest.raises(MappingError, match=r"tax lines add up to 7\.50 but its total_tax is 7\.49"):
		map_order(order, settings())
