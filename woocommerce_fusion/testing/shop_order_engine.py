"""Order, note and refund JSON, built and changed the way WooCommerce 8.4 (HPOS) does: new
orders, updates, status transitions and refunds; the lines and totals come from OrderTotals."""

from __future__ import annotations

import random
import string
from datetime import datetime
from decimal import Decimal
from typing import Any

from woocommerce_fusion.testing.shop_catalog import CatalogStore
from woocommerce_fusion.testing.shop_order_totals import ZERO, OrderTotals
from woocommerce_fusion.testing.shop_products import merge_meta
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import (
	API,
	SHOP_URL,
	BareRestError,
	RestError,
	StoreClock,
	invalid_params,
	money,
	php_number,
	round_cents,
	tax_string,
	to_decimal,
)

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

# What the orders list accepts: every order status, plus "any", "trash" and "auto-draft".
ORDER_LIST_STATUSES = ("any", "trash", "auto-draft", *ORDER_STATUSES)

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


class OrderEngine:
	"""Builds and changes order JSON; the caller stores it."""

	def __init__(self, catalog: CatalogStore, site: ShopSite, currency: str, currency_symbol: str) -> None:
		self.catalog = catalog
		self.site = site
		self.currency = currency
		self.currency_symbol = currency_symbol
		self.totals = OrderTotals(catalog, site)

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
		lines = [self.totals.resolve_line(item) for item in line_inputs if isinstance(item, dict)]
		shipping = [s for s in payload.get("shipping_lines") or [] if isinstance(s, dict)]
		fees = [f for f in payload.get("fee_lines") or [] if isinstance(f, dict)]
		codes = [
			str(c.get("code"))
			for c in payload.get("coupon_lines") or []
			if isinstance(c, dict) and c.get("code")
		]
		computed = self.totals.compute(lines, shipping, fees, codes)
		clock = self.site.store_clock
		paid = bool(payload.get("set_paid"))
		if paid and status in ("pending", "on-hold", "failed"):
			status = "processing"
		meta = merge_meta([], payload.get("meta_data"), self.site.meta_ids.take)
		order: dict[str, Any] = {
			"id": order_id,
			"parent_id": int(payload.get("parent_id") or 0),
			"status": status,
			"currency": str(payload.get("currency") or self.currency),
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
			"currency_symbol": self.currency_symbol,
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
						"id": self.site.meta_ids.take(),
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
			order["meta_data"] = merge_meta(order["meta_data"], payload["meta_data"], self.site.meta_ids.take)
		if any(key in payload for key in ("line_items", "shipping_lines", "fee_lines", "coupon_lines")):
			self._recalculate(order, payload)
		if payload.get("set_paid") and not order.get("date_paid"):
			clock = self.site.store_clock
			order["date_paid"], order["date_paid_gmt"] = clock.local(now), clock.gmt(now)
			if order["status"] in ("pending", "on-hold", "failed"):
				notes += self.set_status(order, "processing", now)
		if payload.get("status") is not None:
			status = str(payload["status"])
			if status not in (*ORDER_STATUSES, "trash"):
				raise _invalid_status(status)
			notes += self.set_status(order, status, now)
		touch(order, self.site.store_clock, now)
		refresh_derived(order)
		return notes

	def _recalculate(self, order: dict[str, Any], payload: dict[str, Any]) -> None:
		"""Item changes: lines matched by id are updated (quantity 0 removes), others are added."""
		current = {item["id"]: item for item in order["line_items"]}
		lines = [self.totals.line_from_json(item) for item in order["line_items"]]
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
				lines.append(self.totals.resolve_line(change))
		shipping = payload.get("shipping_lines", order["shipping_lines"])
		fees = payload.get("fee_lines", order["fee_lines"])
		if "coupon_lines" in payload:
			codes = [
				str(c["code"]) for c in payload["coupon_lines"] or [] if isinstance(c, dict) and c.get("code")
			]
		else:
			codes = [c["code"] for c in order["coupon_lines"]]
		computed = self.totals.compute(
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
		clock = self.site.store_clock
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
		clock = self.site.store_clock
		# wc_create_refund() refunds any item of the order, products, shipping and fees alike.
		by_id = {
			item["id"]: (kind, item)
			for kind in ("line_items", "shipping_lines", "fee_lines")
			for item in order.get(kind) or []
		}
		refunded: dict[str, list[dict[str, Any]]] = {"line_items": [], "shipping_lines": [], "fee_lines": []}
		# rate id -> [tax of products and fees, tax of shipping], as update_taxes() adds them up.
		tax_by_rate: dict[int, list[Decimal]] = {}
		itemised = ZERO
		for given in payload.get("line_items") or []:
			if not isinstance(given, dict) or given.get("id") not in by_id:
				continue
			kind, item = by_id[given["id"]]
			quantity = refund_quantity(given)
			total = round_cents(to_decimal(given.get("refund_total")))
			taxes = []
			tax_sum = ZERO
			for tax in given.get("refund_tax") or []:
				amount = round_cents(to_decimal(tax.get("refund_total")))
				rate_id = int(tax.get("id") or 0)
				tax_sum += amount
				sums = tax_by_rate.setdefault(rate_id, [ZERO, ZERO])
				sums[1 if kind == "shipping_lines" else 0] += amount
				subtotal = "" if kind == "shipping_lines" else tax_string(-amount)
				taxes.append({"id": rate_id, "total": tax_string(-amount), "subtotal": subtotal})
			itemised += total + tax_sum
			refunded[kind].append(self._refunded_item(kind, item, quantity, total, tax_sum, taxes))
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
		for rate_id, (tax, shipping_tax) in tax_by_rate.items():
			rate = self.catalog.tax_rates.get(rate_id)
			if rate is None:
				continue
			tax_lines.append(
				{
					"id": self.site.item_ids.take(),
					"rate_code": rate.rate_code,
					"rate_id": rate.id,
					"label": rate.name,
					"compound": False,
					"tax_total": money(-tax),
					"shipping_tax_total": money(-shipping_tax),
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
			"line_items": refunded["line_items"],
			"shipping_lines": refunded["shipping_lines"],
			"tax_lines": tax_lines,
			"fee_lines": refunded["fee_lines"],
			"_links": {
				"self": [{"href": f"{order_url}/refunds/{refund_id}"}],
				"collection": [{"href": f"{order_url}/refunds"}],
				"up": [{"href": order_url}],
			},
		}

	def _refunded_item(
		self,
		kind: str,
		item: dict[str, Any],
		quantity: int,
		total: Decimal,
		tax_sum: Decimal,
		taxes: list[dict[str, Any]],
	) -> dict[str, Any]:
		"""The refund's copy of an order item (new $class($item)): negative, with _refunded_item_id."""
		refund_item_id = self.site.item_ids.take()
		value = str(item["id"])
		meta = [
			{
				"id": self.site.meta_ids.take(),
				"key": "_refunded_item_id",
				"value": value,
				"display_key": "_refunded_item_id",
				"display_value": value,
			}
		]
		common = {"id": refund_item_id, "total": money(-total), "total_tax": money(-tax_sum), "taxes": taxes}
		if kind == "shipping_lines":
			keys = ("method_title", "method_id", "instance_id")
			return {**common, **{key: item.get(key) for key in keys}, "meta_data": meta}
		if kind == "fee_lines":
			keys = ("name", "tax_class", "tax_status")
			return {
				**common,
				**{key: item.get(key) for key in keys},
				"amount": money(-total),
				"meta_data": meta,
			}
		return {
			"id": common["id"],
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
			"meta_data": meta,
			"sku": item.get("sku", ""),
			"price": php_number(total / quantity) if quantity else 0,
			"image": dict(item.get("image") or {"id": "", "src": ""}),
			"parent_name": item.get("parent_name"),
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
