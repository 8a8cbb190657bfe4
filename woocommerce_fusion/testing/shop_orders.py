"""Orders, order notes and refunds, computed and shaped like WooCommerce 8.4 (HPOS) does.

Totals follow WC_Abstract_Order::calculate_totals() with woocommerce_tax_round_at_subtotal=no:
line totals are net and already discounted, tax is computed per line and rounded per line and
rate, shipping tax follows the items' classes ("inherit"), a negative fee carries negative tax
split over the classes in proportion to their costs, and

    total = Σ line total + Σ line tax + shipping + shipping tax + Σ fee + Σ fee tax

holds exactly. Coupons are spread over the lines in cents like WC_Discounts.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from woocommerce_fusion.testing.shop_catalog import API, SHOP_URL, TaxRate, coupon_json, merge_meta
from woocommerce_fusion.testing.shop_util import (
	BareRestError,
	RestError,
	StoreClock,
	invalid_params,
	money,
	php_float_text,
	php_number,
	round_cents,
	tax_string,
	to_decimal,
)

ZERO = Decimal(0)
ORDER_STATUSES = (
	"pending",
	"processing",
	"on-hold",
	"completed",
	"cancelled",
	"refunded",
	"failed",
	"checkout-draft",
)
STATUS_LABELS = {
	"pending": "Pending payment",
	"processing": "Processing",
	"on-hold": "On hold",
	"completed": "Completed",
	"cancelled": "Cancelled",
	"refunded": "Refunded",
	"failed": "Failed",
	"checkout-draft": "Draft",
	"trash": "Trash",
}
PAID_STATUSES = ("processing", "completed")
# The payment gateways WooCommerce itself ships; none of them refunds through an API.
OFFLINE_GATEWAYS = ("bacs", "cheque", "cod")
_ADDRESS_KEYS = (
	"first_name",
	"last_name",
	"company",
	"address_1",
	"address_2",
	"city",
	"state",
	"postcode",
	"country",
)
_SCALARS = (
	"payment_method",
	"payment_method_title",
	"transaction_id",
	"customer_note",
	"currency",
	"created_via",
)


@dataclass
class Coupon:
	id: int
	code: str
	discount_type: str
	amount: Decimal


@dataclass
class _Line:
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


class Catalog:
	"""What the engine needs from the shop: products, coupons, tax rates and id sequences."""

	def __init__(
		self,
		products: dict[int, dict[str, Any]],
		coupons: dict[str, Coupon],
		tax_rates: dict[int, TaxRate],
		next_item_id: Callable[[], int],
		next_meta_id: Callable[[], int],
		clock: StoreClock,
		currency: str,
		currency_symbol: str,
	) -> None:
		self.products = products
		self.coupons = coupons
		self.tax_rates = tax_rates
		self.next_item_id = next_item_id
		self.next_meta_id = next_meta_id
		self.clock = clock
		self.currency = currency
		self.currency_symbol = currency_symbol

	def rate_for_class(self, tax_class: str) -> TaxRate | None:
		for rate in self.tax_rates.values():
			if rate.tax_class == tax_class:
				return rate
		return None

	def shipping_rate(self, item_classes: list[str]) -> TaxRate | None:
		"""Shipping tax class "inherit": standard wins when present, else the first class found."""
		for tax_class in ["", *sorted({c for c in item_classes if c})]:
			if tax_class in item_classes:
				rate = self.rate_for_class(tax_class)
				return rate if rate is not None and rate.shipping else None
		return None


_KEY_ALPHABET = string.ascii_letters + string.digits
# Order keys only need to look like WooCommerce's; a plain PRNG keeps seeding 10k orders fast.
_KEY_RANDOM = random.Random()


def order_key() -> str:
	return "wc_order_" + "".join(_KEY_RANDOM.choices(_KEY_ALPHABET, k=13))


def _blank_address(with_contact: bool) -> dict[str, str]:
	address = dict.fromkeys(_ADDRESS_KEYS, "")
	if with_contact:
		address["email"] = ""
	address["phone"] = ""
	return address


def _address(given: Any, with_contact: bool, base: dict[str, str] | None = None) -> dict[str, str]:
	address = dict(base) if base else _blank_address(with_contact)
	if isinstance(given, dict):
		for key in address:
			if key in given and given[key] is not None:
				address[key] = str(given[key])
	return address


def _line_meta(entry: dict[str, Any]) -> dict[str, Any]:
	return {
		"id": entry["id"],
		"key": entry["key"],
		"value": entry["value"],
		"display_key": entry.get("display_key", entry["key"]),
		"display_value": entry.get("display_value", entry["value"]),
	}


class OrderEngine:
	def __init__(self, catalog: Catalog) -> None:
		self.catalog = catalog

	# -- line items -------------------------------------------------------------------------

	def _resolve_line(self, given: dict[str, Any]) -> _Line:
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
							"id": self.catalog.next_meta_id(),
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
						"id": self.catalog.next_meta_id(),
						"key": str(entry["key"]),
						"value": entry.get("value", ""),
					}
				)
		return _Line(
			item_id=self.catalog.next_item_id(),
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
	def _line_from_json(item: dict[str, Any]) -> _Line:
		return _Line(
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

	# -- coupons (WC_Discounts, in cents) ---------------------------------------------------

	def _apply_coupons(self, lines: list[_Line], codes: list[str]) -> list[Coupon]:
		coupons = []
		for code in codes:
			coupon = self.catalog.coupons.get(code.lower())
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
				self._percent(coupon, ordered)
			elif coupon.discount_type == "fixed_product":
				self._fixed_product(coupon, ordered, int(coupon.amount * 100))
			else:
				self._fixed_cart(coupon, ordered, int(coupon.amount * 100))
		for line in lines:
			line.total = line.subtotal - Decimal(sum(line.discounts.values())) / 100
		return coupons

	@staticmethod
	def _remaining(line: _Line) -> int:
		return int(line.subtotal * 100) - sum(line.discounts.values())

	def _give(self, line: _Line, coupon: Coupon, cents: int) -> int:
		cents = max(0, min(cents, self._remaining(line)))
		line.discounts[coupon.code] = line.discounts.get(coupon.code, 0) + cents
		return cents

	def _percent(self, coupon: Coupon, lines: list[_Line]) -> None:
		given = 0
		cart = 0
		for line in lines:
			price = int(line.subtotal * 100)
			cart += price
			given += self._give(
				line, coupon, int((Decimal(price) * coupon.amount / 100).to_integral_value(ROUND_FLOOR))
			)
		wanted = int((Decimal(cart) * coupon.amount / 100).quantize(Decimal(1), "ROUND_HALF_UP"))
		if given < wanted:
			self._remainder(coupon, lines, wanted - given)

	def _remainder(self, coupon: Coupon, lines: list[_Line], cents: int) -> int:
		given = 0
		for line in lines:
			for _ in range(line.quantity):
				if cents - given <= 0:
					return given
				given += self._give(line, coupon, 1)
		return given

	def _fixed_product(self, coupon: Coupon, lines: list[_Line], per_item: int) -> int:
		return sum(self._give(line, coupon, per_item * line.quantity) for line in lines)

	def _fixed_cart(self, coupon: Coupon, lines: list[_Line], amount: int) -> int:
		count = sum(line.quantity for line in lines if self._remaining(line) > 0)
		if not count or amount <= 0:
			return 0
		per_item = amount // count
		if per_item > 0:
			given = self._fixed_product(coupon, lines, per_item)
			if 0 < given < amount:
				given += self._fixed_cart(coupon, lines, amount - given)
			return given
		return self._remainder(coupon, lines, amount)

	# -- totals -----------------------------------------------------------------------------

	def compute(
		self,
		lines: list[_Line],
		shipping_given: list[dict[str, Any]],
		fees_given: list[dict[str, Any]],
		coupon_codes: list[str],
		existing_ids: dict[str, list[int]] | None = None,
	) -> dict[str, Any]:
		"""Everything in an order that depends on the items: lines, taxes, totals."""
		catalog = self.catalog
		ids = existing_ids or {}
		coupons = self._apply_coupons(lines, coupon_codes)
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
					"meta_data": [_line_meta(m) for m in line.meta],
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
					"id": reuse[index] if index < len(reuse) else catalog.next_item_id(),
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
					"id": reuse[index] if index < len(reuse) else catalog.next_item_id(),
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
					"id": tax_ids[index] if index < len(tax_ids) else catalog.next_item_id(),
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
				catalog.clock.local(datetime(2026, 1, 1, tzinfo=catalog.clock.zone)),
				catalog.clock.name,
			)
			meta_id = catalog.next_meta_id()
			coupon_json_lines.append(
				{
					"id": coupon_ids[index] if index < len(coupon_ids) else catalog.next_item_id(),
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
		lines: list[_Line], fees: list[dict[str, Any]], shipping: list[dict[str, Any]], classes: list[str]
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

	# -- whole orders -----------------------------------------------------------------------

	def create(
		self, order_id: int, payload: dict[str, Any], now: datetime, created_via: str = "rest-api"
	) -> dict[str, Any]:
		"""POST /orders: a complete order as WooCommerce would return it."""
		status = str(payload.get("status") or "pending")
		if status not in ORDER_STATUSES:
			raise _invalid_status(status)
		line_inputs = payload.get("line_items") or []
		if not isinstance(line_inputs, list):
			raise invalid_params({"line_items": ("rest_invalid_type", "line_items is not of type array.")})
		lines = [self._resolve_line(item) for item in line_inputs if isinstance(item, dict)]
		shipping = [s for s in payload.get("shipping_lines") or [] if isinstance(s, dict)]
		fees = [f for f in payload.get("fee_lines") or [] if isinstance(f, dict)]
		codes = [
			str(c.get("code"))
			for c in payload.get("coupon_lines") or []
			if isinstance(c, dict) and c.get("code")
		]
		computed = self.compute(lines, shipping, fees, codes)
		clock = self.catalog.clock
		paid = bool(payload.get("set_paid"))
		if paid and status in ("pending", "on-hold", "failed"):
			status = "processing"
		meta = merge_meta([], payload.get("meta_data"), self.catalog.next_meta_id)
		order: dict[str, Any] = {
			"id": order_id,
			"parent_id": int(payload.get("parent_id") or 0),
			"status": status,
			"currency": str(payload.get("currency") or self.catalog.currency),
			"version": "8.4.0",
			"prices_include_tax": False,
			"date_created": clock.local(now),
			"date_modified": clock.local(now),
			"discount_total": computed["discount_total"],
			"discount_tax": computed["discount_tax"],
			"shipping_total": computed["shipping_total"],
			"shipping_tax": computed["shipping_tax"],
			"cart_tax": computed["cart_tax"],
			"total": computed["total"],
			"total_tax": computed["total_tax"],
			"customer_id": int(payload.get("customer_id") or 0),
			"order_key": order_key(),
			"billing": _address(payload.get("billing"), True),
			"shipping": _address(payload.get("shipping"), False),
			"payment_method": str(payload.get("payment_method") or ""),
			"payment_method_title": str(payload.get("payment_method_title") or ""),
			"transaction_id": str(payload.get("transaction_id") or ""),
			"customer_ip_address": "",
			"customer_user_agent": "",
			"created_via": created_via,
			"customer_note": str(payload.get("customer_note") or ""),
			"date_completed": None,
			"date_paid": clock.local(now) if paid else None,
			"cart_hash": "",
			"number": str(order_id),
			"meta_data": meta,
			"line_items": computed["line_items"],
			"tax_lines": computed["tax_lines"],
			"shipping_lines": computed["shipping_lines"],
			"fee_lines": computed["fee_lines"],
			"coupon_lines": computed["coupon_lines"],
			"refunds": [],
			"payment_url": "",
			"is_editable": False,
			"needs_payment": False,
			"needs_processing": True,
			"date_created_gmt": clock.gmt(now),
			"date_modified_gmt": clock.gmt(now),
			"date_completed_gmt": None,
			"date_paid_gmt": clock.gmt(now) if paid else None,
			"currency_symbol": self.catalog.currency_symbol,
			"_links": {},
		}
		if status == "completed":
			order["date_completed"], order["date_completed_gmt"] = clock.local(now), clock.gmt(now)
		if status in ("processing", "completed", "on-hold"):
			self._mark_reduced_stock(order)
		refresh_derived(order)
		return order

	def _mark_reduced_stock(self, order: dict[str, Any]) -> None:
		"""wc_reduce_stock_levels() marks only lines whose product (or variation) manages stock."""
		for item in order["line_items"]:
			sold = self.catalog.products.get(item["variation_id"] or item["product_id"])
			if not sold or not sold.get("manage_stock"):
				continue
			if not any(m["key"] == "_reduced_stock" for m in item["meta_data"]):
				value = str(item["quantity"])
				item["meta_data"].append(
					{
						"id": self.catalog.next_meta_id(),
						"key": "_reduced_stock",
						"value": value,
						"display_key": "_reduced_stock",
						"display_value": value,
					}
				)

	def update(self, order: dict[str, Any], payload: dict[str, Any], now: datetime) -> list[str]:
		"""PUT /orders/{id}: apply the writable fields; returns the system notes to add."""
		notes: list[str] = []
		for key in _SCALARS:
			if key in payload and payload[key] is not None:
				order[key] = str(payload[key])
		if "customer_id" in payload:
			order["customer_id"] = int(payload["customer_id"] or 0)
		if "parent_id" in payload:
			order["parent_id"] = int(payload["parent_id"] or 0)
		if isinstance(payload.get("billing"), dict):
			order["billing"] = _address(payload["billing"], True, order["billing"])
		if isinstance(payload.get("shipping"), dict):
			order["shipping"] = _address(payload["shipping"], False, order["shipping"])
		if "meta_data" in payload:
			order["meta_data"] = merge_meta(
				order["meta_data"], payload["meta_data"], self.catalog.next_meta_id
			)
		if any(key in payload for key in ("line_items", "shipping_lines", "fee_lines", "coupon_lines")):
			self._recalculate(order, payload)
		if payload.get("set_paid") and not order.get("date_paid"):
			clock = self.catalog.clock
			order["date_paid"], order["date_paid_gmt"] = clock.local(now), clock.gmt(now)
			if order["status"] in ("pending", "on-hold", "failed"):
				notes += self.set_status(order, "processing", now)
		if payload.get("status") is not None:
			status = str(payload["status"])
			if status not in (*ORDER_STATUSES, "trash"):
				raise _invalid_status(status)
			notes += self.set_status(order, status, now)
		touch(order, self.catalog.clock, now)
		refresh_derived(order)
		return notes

	def _recalculate(self, order: dict[str, Any], payload: dict[str, Any]) -> None:
		"""Item changes: lines matched by id are updated (quantity 0 removes), others are added."""
		current = {item["id"]: item for item in order["line_items"]}
		lines = [self._line_from_json(item) for item in order["line_items"]]
		for change in payload.get("line_items") or []:
			if not isinstance(change, dict):
				continue
			if change.get("id") in current:
				line = next(line for line in lines if line.item_id == change["id"])
				if "quantity" in change and int(change["quantity"] or 0) <= 0:
					lines.remove(line)
					continue
				if "quantity" in change:
					unit = line.subtotal / line.quantity if line.quantity else ZERO
					line.quantity = int(change["quantity"])
					line.subtotal = line.total = round_cents(unit * line.quantity)
				if change.get("subtotal") not in (None, ""):
					line.subtotal = round_cents(to_decimal(change["subtotal"]))
				if change.get("total") not in (None, ""):
					line.total = round_cents(to_decimal(change["total"]))
			elif int(change.get("quantity", 1) or 0) > 0:
				lines.append(self._resolve_line(change))
		shipping = payload.get("shipping_lines", order["shipping_lines"])
		fees = payload.get("fee_lines", order["fee_lines"])
		if "coupon_lines" in payload:
			codes = [
				str(c["code"]) for c in payload["coupon_lines"] or [] if isinstance(c, dict) and c.get("code")
			]
		else:
			codes = [c["code"] for c in order["coupon_lines"]]
		computed = self.compute(
			lines,
			[s for s in shipping if isinstance(s, dict)],
			[f for f in fees if isinstance(f, dict)],
			codes,
			existing_ids={
				"tax": [t["id"] for t in order["tax_lines"]],
				"shipping": [s["id"] for s in order["shipping_lines"] if "shipping_lines" not in payload],
				"fee": [f["id"] for f in order["fee_lines"] if "fee_lines" not in payload],
				"coupon": [c["id"] for c in order["coupon_lines"]],
			},
		)
		order.update(computed)

	def set_status(self, order: dict[str, Any], status: str, now: datetime) -> list[str]:
		"""A status transition with WooCommerce's side effects on date_paid and date_completed."""
		old = order["status"]
		if status == old:
			return []
		clock = self.catalog.clock
		order["status"] = status
		if status in PAID_STATUSES and not order.get("date_paid"):
			order["date_paid"], order["date_paid_gmt"] = clock.local(now), clock.gmt(now)
		if status == "completed":
			order["date_completed"], order["date_completed_gmt"] = clock.local(now), clock.gmt(now)
		if status in ("processing", "completed", "on-hold"):
			self._mark_reduced_stock(order)
		refresh_derived(order)
		return [status_note(old, status)]

	# -- refunds ----------------------------------------------------------------------------

	def refund(
		self, order: dict[str, Any], refund_id: int, payload: dict[str, Any], now: datetime
	) -> dict[str, Any]:
		"""POST /orders/{id}/refunds: the refund object (positive amount, negative lines)."""
		clock = self.catalog.clock
		by_id = {item["id"]: item for item in order["line_items"]}
		refund_lines = []
		tax_by_rate: dict[int, Decimal] = {}
		itemised = ZERO
		for given in payload.get("line_items") or []:
			if not isinstance(given, dict) or given.get("id") not in by_id:
				continue
			item = by_id[given["id"]]
			quantity = refund_quantity(given)
			total = round_cents(to_decimal(given.get("refund_total")))
			taxes = []
			tax_sum = ZERO
			for tax in given.get("refund_tax") or []:
				amount = round_cents(to_decimal(tax.get("refund_total")))
				rate_id = int(tax.get("id") or 0)
				tax_sum += amount
				tax_by_rate[rate_id] = tax_by_rate.get(rate_id, ZERO) + amount
				taxes.append({"id": rate_id, "total": tax_string(-amount), "subtotal": tax_string(-amount)})
			itemised += total + tax_sum
			value = str(item["id"])
			refund_lines.append(
				{
					"id": self.catalog.next_item_id(),
					"name": item["name"],
					"product_id": item["product_id"],
					"variation_id": item["variation_id"],
					"quantity": -quantity,
					"tax_class": item["tax_class"],
					"subtotal": money(-total),
					"subtotal_tax": money(-tax_sum),
					"total": money(-total),
					"total_tax": money(-tax_sum),
					"taxes": taxes,
					"meta_data": [
						{
							"id": self.catalog.next_meta_id(),
							"key": "_refunded_item_id",
							"value": value,
							"display_key": "_refunded_item_id",
							"display_value": value,
						}
					],
					"sku": item.get("sku", ""),
					"price": php_number(total / quantity) if quantity else 0,
					"image": dict(item.get("image") or {"id": "", "src": ""}),
					"parent_name": item.get("parent_name"),
				}
			)
		# Without an amount WooCommerce adds up the lines; an empty one refunds 0.00.
		raw_amount = payload.get("amount")
		amount = itemised if raw_amount is None else _refund_amount(raw_amount)
		if amount is None:
			# PHP compares a non-numeric amount as a string, which exceeds any remaining amount.
			raise BareRestError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
		if amount < 0:
			raise BareRestError(
				"woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.", 400
			)
		already = sum((-to_decimal(r["total"]) for r in order["refunds"]), ZERO)
		if amount > to_decimal(order["total"]) - already:
			raise BareRestError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
		if payload.get("api_refund", True) not in (False, "false", "0", 0):
			# wc_refund_payment(): WooCommerce's offline gateways cannot refund; any other
			# (e.g. stripe without its plugin) is unknown to the shop.
			known = order.get("payment_method") in OFFLINE_GATEWAYS
			raise BareRestError(
				"woocommerce_rest_cannot_create_order_refund",
				"The payment gateway for this order does not support automatic refunds."
				if known
				else "The payment gateway for this order does not exist.",
				500,
			)
		tax_lines = []
		for rate_id, tax in tax_by_rate.items():
			rate = self.catalog.tax_rates.get(rate_id)
			if rate is None:
				continue
			tax_lines.append(
				{
					"id": self.catalog.next_item_id(),
					"rate_code": rate.rate_code,
					"rate_id": rate.id,
					"label": rate.name,
					"compound": False,
					"tax_total": money(-tax),
					"shipping_tax_total": "0.00",
					"rate_percent": rate.percent,
					"meta_data": [],
				}
			)
		order_url = f"{API}/orders/{order['id']}"
		return {
			"id": refund_id,
			"date_created": clock.local(now),
			"date_created_gmt": clock.gmt(now),
			"amount": money(amount),
			"reason": str(payload.get("reason") or ""),
			"refunded_by": 1,
			"refunded_payment": False,
			"meta_data": [],
			"line_items": refund_lines,
			"shipping_lines": [],
			"tax_lines": tax_lines,
			"fee_lines": [],
			"_links": {
				"self": [{"href": f"{order_url}/refunds/{refund_id}"}],
				"collection": [{"href": f"{order_url}/refunds"}],
				"up": [{"href": order_url}],
			},
		}


def _refund_amount(value: Any) -> Decimal | None:
	"""The amount a client sent: "" counts as 0, anything not numeric as None."""
	if value == "" or value is False:
		return ZERO
	try:
		amount = Decimal(str(value))
	except ArithmeticError:
		return None
	return amount if amount.is_finite() else None


def refund_quantity(given: dict[str, Any]) -> int:
	"""A refund line's quantity: `quantity`, or WooCommerce's internal `qty`."""
	return int(given.get("quantity") or given.get("qty") or 0)


def status_note(old: str, new: str) -> str:
	"""The system note of a status transition (a new order starts as pending)."""
	return f"Order status changed from {STATUS_LABELS.get(old, old)} to {STATUS_LABELS.get(new, new)}."


def _invalid_status(status: str) -> RestError:
	allowed = ", ".join(ORDER_STATUSES[:-1]) + f", and {ORDER_STATUSES[-1]}"
	return invalid_params({"status": ("rest_not_in_enum", f"status is not one of {allowed}.")})


def touch(order: dict[str, Any], clock: StoreClock, now: datetime) -> None:
	order["date_modified"] = clock.local(now)
	order["date_modified_gmt"] = clock.gmt(now)


def refresh_derived(order: dict[str, Any]) -> None:
	"""Fields WooCommerce derives from status, total, customer and the shop URL."""
	order_id = order["id"]
	status = order["status"]
	order["number"] = str(order_id)
	order["is_editable"] = status in ("pending", "on-hold", "auto-draft")
	order["needs_payment"] = status in ("pending", "failed") and to_decimal(order["total"]) > 0
	order["payment_url"] = (
		f"{SHOP_URL}/checkout/order-pay/{order_id}/?pay_for_order=true&key={order['order_key']}"
	)
	links: dict[str, Any] = {
		"self": [{"href": f"{API}/orders/{order_id}"}],
		"collection": [{"href": f"{API}/orders"}],
	}
	if order.get("customer_id"):
		links["customer"] = [{"href": f"{API}/customers/{order['customer_id']}"}]
	if order.get("parent_id"):
		links["up"] = [{"href": f"{API}/orders/{order['parent_id']}"}]
	order["_links"] = links


def search_text(order: dict[str, Any]) -> str:
	"""What the orders search matches: addresses, e-mail, names, line items."""
	parts = [str(order["id"])]
	for address in (order.get("billing") or {}, order.get("shipping") or {}):
		parts.extend(str(v) for v in address.values() if v)
	parts.extend(item.get("name", "") for item in order.get("line_items", []))
	return " ".join(parts).lower()


def note_json(order_id: int, note: dict[str, Any]) -> dict[str, Any]:
	base = f"{API}/orders/{order_id}"
	return {
		**note,
		"_links": {
			"self": [{"href": f"{base}/notes/{note['id']}"}],
			"collection": [{"href": f"{base}/notes"}],
			"up": [{"href": base}],
		},
	}
