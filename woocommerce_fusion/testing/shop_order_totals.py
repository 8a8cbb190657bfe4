"""Order line items and totals, computed like WooCommerce 8.4 (HPOS) does.

Totals follow WC_Abstract_Order::calculate_totals() with woocommerce_tax_round_at_subtotal=no:
line totals are net and already discounted, tax is computed per line and rounded per line and
rate, shipping tax follows the items' classes ("inherit"), a negative fee carries negative tax
split over the classes in proportion to their costs, and

    total = Σ line total + Σ line tax + shipping + shipping tax + Σ fee + Σ fee tax

holds exactly. Coupons are spread over the lines in cents like WC_Discounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from woocommerce_fusion.testing.shop_catalog import CatalogStore
from woocommerce_fusion.testing.shop_products import Coupon, TaxRate, coupon_json
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import (
	RestError,
	money,
	php_float_text,
	php_number,
	round_cents,
	tax_string,
	to_decimal,
)

ZERO = Decimal(0)


@dataclass
class Line:
	"""One product line while totals are computed; amounts in Decimal, discounts in cents."""

	item_id: int
	name: str
	product_id: int
	variation_id: int
	quantity: int
	tax_class: str
	subtotal: Decimal
	total: Decimal
	sku: str
	parent_name: str | None
	meta: list[dict[str, Any]]
	discounts: dict[str, int] = field(default_factory=dict)


def line_meta(entry: dict[str, Any]) -> dict[str, Any]:
	return {
		"id": entry["id"],
		"key": entry["key"],
		"value": entry["value"],
		"display_key": entry.get("display_key", entry["key"]),
		"display_value": entry.get("display_value", entry["value"]),
	}


def apply_coupons(lines: list[Line], codes: list[str], known: dict[str, Coupon]) -> list[Coupon]:
	"""WC_Discounts, in cents: each coupon spreads its discount over the lines."""
	coupons = []
	for code in codes:
		coupon = known.get(code.lower())
		if coupon is None:
			raise RestError(400, "woocommerce_rest_invalid_coupon", f'Coupon "{code}" does not exist!')
		coupons.append(coupon)
	if not coupons:
		return []
	ordered = sorted(lines, key=lambda line: line.subtotal, reverse=True)
	for line in lines:
		line.total = line.subtotal
	for coupon in coupons:
		if coupon.discount_type == "percent":
			_percent(coupon, ordered)
		elif coupon.discount_type == "fixed_product":
			_fixed_product(coupon, ordered, int(coupon.amount * 100))
		else:
			_fixed_cart(coupon, ordered, int(coupon.amount * 100))
	for line in lines:
		line.total = line.subtotal - Decimal(sum(line.discounts.values())) / 100
	return coupons


def _remaining(line: Line) -> int:
	return int(line.subtotal * 100) - sum(line.discounts.values())


def _give(line: Line, coupon: Coupon, cents: int) -> int:
	cents = max(0, min(cents, _remaining(line)))
	line.discounts[coupon.code] = line.discounts.get(coupon.code, 0) + cents
	return cents


def _percent(coupon: Coupon, lines: list[Line]) -> None:
	given = 0
	cart = 0
	for line in lines:
		price = int(line.subtotal * 100)
		cart += price
		given += _give(
			line, coupon, int((Decimal(price) * coupon.amount / 100).to_integral_value(ROUND_FLOOR))
		)
	wanted = int((Decimal(cart) * coupon.amount / 100).quantize(Decimal(1), "ROUND_HALF_UP"))
	if given < wanted:
		_remainder(coupon, lines, wanted - given)


def _remainder(coupon: Coupon, lines: list[Line], cents: int) -> int:
	given = 0
	for line in lines:
		for _ in range(line.quantity):
			if cents - given <= 0:
				return given
			given += _give(line, coupon, 1)
	return given


def _fixed_product(coupon: Coupon, lines: list[Line], per_item: int) -> int:
	return sum(_give(line, coupon, per_item * line.quantity) for line in lines)


def _fixed_cart(coupon: Coupon, lines: list[Line], amount: int) -> int:
	count = sum(line.quantity for line in lines if _remaining(line) > 0)
	if not count or amount <= 0:
		return 0
	per_item = amount // count
	if per_item > 0:
		given = _fixed_product(coupon, lines, per_item)
		if 0 < given < amount:
			given += _fixed_cart(coupon, lines, amount - given)
		return given
	return _remainder(coupon, lines, amount)


class OrderTotals:
	"""An order's lines, taxes and totals from what a client sent, priced from the catalogue."""

	def __init__(self, catalog: CatalogStore, site: ShopSite) -> None:
		self.catalog = catalog
		self.site = site

	# -- line items -------------------------------------------------------------------------

	def resolve_line(self, given: dict[str, Any]) -> Line:
		products = self.catalog.products
		product_id = int(given.get("product_id") or 0)
		variation_id = int(given.get("variation_id") or 0)
		quantity = int(given.get("quantity") or 1)
		product = products.get(product_id) if product_id else None
		if product_id and product is None:
			raise RestError(400, "woocommerce_rest_invalid_product_id", "Product ID provided is invalid.")
		if product is not None and product.get("parent_id"):
			# A variation id posted as product_id is stored as parent + variation.
			variation_id, product_id, product = (
				product_id,
				product["parent_id"],
				products[product["parent_id"]],
			)
		variation = products.get(variation_id) if variation_id else None
		if variation_id and (variation is None or variation.get("parent_id") != product_id):
			raise RestError(400, "woocommerce_rest_invalid_variation_id", "Variation ID provided is invalid.")
		sold = variation or product
		meta: list[dict[str, Any]] = []
		if sold is None:
			name, sku, tax_class, parent_name = (
				str(given.get("name") or ""),
				str(given.get("sku") or ""),
				"",
				None,
			)
			price = to_decimal(given.get("price"))
		else:
			price = to_decimal(sold.get("price"))
			sku = sold.get("sku", "")
			tax_class = sold.get("tax_class") or ""
			parent_name = None
			name = product["name"]
			if variation is not None:
				if tax_class == "parent":
					tax_class = product.get("tax_class") or ""
				parent_name = product["name"]
				options = [a["option"] for a in variation.get("attributes", [])]
				name = f"{product['name']} - {', '.join(options)}" if options else product["name"]
				for attribute in variation.get("attributes", []):
					meta.append(
						{
							"id": self.site.meta_ids.take(),
							"key": attribute["slug"],
							"value": attribute["option"],
							"display_key": attribute["name"],
							"display_value": attribute["option"],
						}
					)
			if given.get("name"):
				name = str(given["name"])
		subtotal = (
			to_decimal(given["subtotal"]) if given.get("subtotal") not in (None, "") else price * quantity
		)
		total = to_decimal(given["total"]) if given.get("total") not in (None, "") else subtotal
		for entry in given.get("meta_data") or []:
			if isinstance(entry, dict) and "key" in entry:
				meta.append(
					{
						"id": self.site.meta_ids.take(),
						"key": str(entry["key"]),
						"value": entry.get("value", ""),
					}
				)
		return Line(
			item_id=self.site.item_ids.take(),
			name=name,
			product_id=product_id,
			variation_id=variation_id,
			quantity=quantity,
			tax_class=tax_class,
			subtotal=round_cents(subtotal),
			total=round_cents(total),
			sku=sku,
			parent_name=parent_name,
			meta=meta,
		)

	@staticmethod
	def line_from_json(item: dict[str, Any]) -> Line:
		return Line(
			item_id=item["id"],
			name=item["name"],
			product_id=item["product_id"],
			variation_id=item["variation_id"],
			quantity=item["quantity"],
			tax_class=item["tax_class"],
			subtotal=to_decimal(item["subtotal"]),
			total=to_decimal(item["total"]),
			sku=item.get("sku", ""),
			parent_name=item.get("parent_name"),
			meta=item.get("meta_data", []),
		)

	# -- totals -----------------------------------------------------------------------------

	def compute(
		self,
		lines: list[Line],
		shipping_given: list[dict[str, Any]],
		fees_given: list[dict[str, Any]],
		coupon_codes: list[str],
		existing_ids: dict[str, list[int]] | None = None,
	) -> dict[str, Any]:
		"""Everything in an order that depends on the items: lines, taxes, totals."""
		catalog = self.catalog
		ids = existing_ids or {}
		coupons = apply_coupons(lines, coupon_codes, catalog.coupons)
		rates_seen: list[int] = []
		cart_tax: dict[int, Decimal] = {}
		shipping_tax: dict[int, Decimal] = {}

		def note_rate(rate_id: int) -> None:
			if rate_id not in rates_seen:
				rates_seen.append(rate_id)

		line_json = []
		subtotal_tax_sum = ZERO
		total_tax_sum = ZERO
		for line in lines:
			rate = catalog.rate_for_class(line.tax_class)
			taxes = []
			line_total_tax = line_subtotal_tax = ZERO
			if rate is not None:
				total_tax = line.total * rate.percent / 100
				subtotal_tax = line.subtotal * rate.percent / 100
				taxes.append(
					{"id": rate.id, "total": tax_string(total_tax), "subtotal": tax_string(subtotal_tax)}
				)
				note_rate(rate.id)
				cart_tax[rate.id] = cart_tax.get(rate.id, ZERO) + round_cents(total_tax)
				line_total_tax, line_subtotal_tax = total_tax, subtotal_tax
			subtotal_tax_sum += line_subtotal_tax
			total_tax_sum += line_total_tax
			line_json.append(
				{
					"id": line.item_id,
					"name": line.name,
					"product_id": line.product_id,
					"variation_id": line.variation_id,
					"quantity": line.quantity,
					"tax_class": line.tax_class,
					"subtotal": money(line.subtotal),
					"subtotal_tax": money(line_subtotal_tax),
					"total": money(line.total),
					"total_tax": money(line_total_tax),
					"taxes": taxes,
					"meta_data": [line_meta(m) for m in line.meta],
					"sku": line.sku,
					"price": php_number(line.total / line.quantity) if line.quantity else 0,
					"image": {"id": 0 if line.variation_id else "", "src": ""},
					"parent_name": line.parent_name,
				}
			)

		classes = [line.tax_class for line in lines]
		shipping_json = []
		shipping_total = ZERO
		ship_rate = catalog.shipping_rate(classes)
		for index, given in enumerate(shipping_given):
			total = round_cents(to_decimal(given.get("total")))
			shipping_total += total
			taxes = []
			tax_rounded = ZERO
			if ship_rate is not None:
				tax = total * ship_rate.percent / 100
				tax_rounded = round_cents(tax)
				taxes.append({"id": ship_rate.id, "total": tax_string(tax), "subtotal": ""})
				shipping_tax[ship_rate.id] = shipping_tax.get(ship_rate.id, ZERO) + tax_rounded
			reuse = ids.get("shipping", [])
			shipping_json.append(
				{
					"id": reuse[index] if index < len(reuse) else self.site.item_ids.take(),
					"method_title": str(given.get("method_title") or ""),
					"method_id": str(given.get("method_id") or ""),
					"instance_id": str(given.get("instance_id") or ""),
					"total": money(total),
					"total_tax": money(tax_rounded),
					"taxes": taxes,
					"meta_data": given.get("meta_data") if isinstance(given.get("meta_data"), list) else [],
				}
			)

		fee_json = []
		fee_total = ZERO
		class_costs = self._class_costs(lines, fees_given, shipping_given, classes)
		for index, given in enumerate(fees_given):
			total = round_cents(to_decimal(given.get("total")))
			fee_total += total
			tax_class = str(given.get("tax_class") or "")
			tax_status = str(given.get("tax_status") or "taxable")
			per_rate: list[tuple[TaxRate, Decimal]] = []
			if tax_status == "taxable":
				if total < 0:
					costs_sum = sum(class_costs.values(), ZERO)
					for cost_class, cost in class_costs.items():
						rate = catalog.rate_for_class(cost_class)
						if rate is not None and costs_sum:
							per_rate.append((rate, total * (cost / costs_sum) * rate.percent / 100))
				else:
					rate = catalog.rate_for_class(tax_class)
					if rate is not None:
						per_rate.append((rate, total * rate.percent / 100))
			taxes = []
			fee_tax = ZERO
			for rate, tax in per_rate:
				note_rate(rate.id)
				rounded = round_cents(tax)
				cart_tax[rate.id] = cart_tax.get(rate.id, ZERO) + rounded
				fee_tax += rounded
				taxes.append({"id": rate.id, "total": tax_string(tax), "subtotal": ""})
			reuse = ids.get("fee", [])
			fee_json.append(
				{
					"id": reuse[index] if index < len(reuse) else self.site.item_ids.take(),
					"name": str(given.get("name") or ""),
					"tax_class": tax_class,
					"tax_status": tax_status,
					"amount": str(given.get("amount") or ""),
					"total": money(total),
					"total_tax": money(fee_tax),
					"taxes": taxes,
					"meta_data": [],
				}
			)
		if ship_rate is not None and shipping_given:
			note_rate(ship_rate.id)

		tax_ids = ids.get("tax", [])
		tax_lines = []
		for index, rate_id in enumerate(rates_seen):
			rate = catalog.tax_rates[rate_id]
			tax_lines.append(
				{
					"id": tax_ids[index] if index < len(tax_ids) else self.site.item_ids.take(),
					"rate_code": rate.rate_code,
					"rate_id": rate.id,
					"label": rate.name,
					"compound": False,
					"tax_total": money(cart_tax.get(rate_id, ZERO)),
					"shipping_tax_total": money(shipping_tax.get(rate_id, ZERO)),
					"rate_percent": rate.percent,
					"meta_data": [],
				}
			)

		coupon_ids = ids.get("coupon", [])
		coupon_json_lines = []
		for index, coupon in enumerate(coupons):
			discount = ZERO
			discount_tax = ZERO
			for line in lines:
				cents = line.discounts.get(coupon.code, 0)
				if not cents:
					continue
				amount = Decimal(cents) / 100
				discount += amount
				rate = catalog.rate_for_class(line.tax_class)
				if rate is not None:
					discount_tax += round_cents(amount * rate.percent / 100)
			data = coupon_json(
				coupon.id,
				coupon.code,
				coupon.discount_type,
				money(coupon.amount) if coupon.discount_type != "percent" else php_float_text(coupon.amount),
				self.site.store_clock.local(datetime(2026, 1, 1, tzinfo=self.site.store_clock.zone)),
				self.site.store_clock.name,
			)
			meta_id = self.site.meta_ids.take()
			coupon_json_lines.append(
				{
					"id": coupon_ids[index] if index < len(coupon_ids) else self.site.item_ids.take(),
					"code": coupon.code,
					"discount": php_float_text(discount),
					"discount_tax": money(discount_tax),
					"meta_data": [
						{
							"id": meta_id,
							"key": "coupon_data",
							"value": data,
							"display_key": "coupon_data",
							"display_value": data,
						}
					],
				}
			)

		lines_net = sum((line.total for line in lines), ZERO)
		lines_subtotal = sum((line.subtotal for line in lines), ZERO)
		cart_tax_total = sum(cart_tax.values(), ZERO)
		shipping_tax_total = sum(shipping_tax.values(), ZERO)
		return {
			"discount_total": money(lines_subtotal - lines_net),
			"discount_tax": money(subtotal_tax_sum - total_tax_sum),
			"shipping_total": money(shipping_total),
			"shipping_tax": money(shipping_tax_total),
			"cart_tax": money(cart_tax_total),
			"total": money(lines_net + fee_total + shipping_total + cart_tax_total + shipping_tax_total),
			"total_tax": money(cart_tax_total + shipping_tax_total),
			"line_items": line_json,
			"tax_lines": tax_lines,
			"shipping_lines": shipping_json,
			"fee_lines": fee_json,
			"coupon_lines": coupon_json_lines,
		}

	@staticmethod
	def _class_costs(
		lines: list[Line], fees: list[dict[str, Any]], shipping: list[dict[str, Any]], classes: list[str]
	) -> dict[str, Decimal]:
		"""WC_Order_Item_Fee::get_tax_class_costs(): positive costs per tax class; "inherit" items
		(shipping) count towards the first line's class."""
		costs: dict[str, Decimal] = {}
		for line in lines:
			if line.total >= 0:
				costs[line.tax_class] = costs.get(line.tax_class, ZERO) + line.total
		for fee in fees:
			total = to_decimal(fee.get("total"))
			if total >= 0 and (fee.get("tax_status") or "taxable") == "taxable":
				tax_class = str(fee.get("tax_class") or "")
				costs[tax_class] = costs.get(tax_class, ZERO) + total
		if classes:
			for item in shipping:
				total = to_decimal(item.get("total"))
				if total >= 0:
					costs[classes[0]] = costs.get(classes[0], ZERO) + total
		return {k: v for k, v in costs.items() if v}
