"""Realistic WooCommerce order payloads for the test shop and for benchmarks.

The catalogue starts with the products of the recorded sandbox (ESP-1KG at 7 %, MUG-CER, FRO-01
on sale, the variable Barista T-Shirt with sizes S and M) and adds a few more so that orders mix
the 19 % and 7 % rates. `generate_orders` returns REST create payloads (what a client would POST
to /orders) plus private `_created` / `_modified` datetimes the shop uses when seeding; the shop
computes every total the way WooCommerce does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

REDUCED = "reduced-rate"


@dataclass(frozen=True)
class VariationSpec:
	sku: str
	option: str
	price: str
	stock: int


@dataclass(frozen=True)
class ProductSpec:
	sku: str
	name: str
	price: str
	tax_class: str = ""
	stock: int | None = 100
	regular_price: str | None = None
	weight: str = ""
	description: str = ""
	short_description: str = ""
	attribute: str = ""
	variations: tuple[VariationSpec, ...] = field(default_factory=tuple)


# The first four mirror the recorded sandbox; their ids there were 13-18.
CATALOG: tuple[ProductSpec, ...] = (
	ProductSpec(
		"ESP-1KG",
		"Espresso Beans 1kg",
		"25.90",
		REDUCED,
		42,
		weight="1.0",
		description="<p>Espresso Beans 1kg - sandbox product.</p>\n",
		short_description="<p>Sandbox Espresso Beans 1kg</p>\n",
	),
	ProductSpec(
		"MUG-CER",
		"Ceramic Mug",
		"12.50",
		"",
		116,
		weight="0.4",
		description="<p>Ceramic Mug - sandbox product.</p>\n",
		short_description="<p>Sandbox Ceramic Mug</p>\n",
	),
	ProductSpec(
		"FRO-01",
		"Milk Frother",
		"34.00",
		"",
		13,
		regular_price="39.00",
		weight="0.6",
		description="<p>Milk Frother - sandbox product.</p>\n",
		short_description="<p>Sandbox Milk Frother</p>\n",
	),
	ProductSpec(
		"TSHIRT",
		"Barista T-Shirt",
		"19.99",
		"",
		None,
		attribute="Size",
		variations=(VariationSpec("TSHIRT-S", "S", "19.99", 29), VariationSpec("TSHIRT-M", "M", "21.99", 23)),
	),
	ProductSpec("FIL-500", "Filter Coffee 500g", "9.90", REDUCED, 240, weight="0.5"),
	ProductSpec("TEA-GRN", "Green Tea 250g", "7.50", REDUCED, 180, weight="0.25"),
	ProductSpec("CHO-70", "Dark Chocolate 70%", "3.49", REDUCED, 400, weight="0.1"),
	ProductSpec("GRD-01", "Burr Coffee Grinder", "89.90", "", 35, weight="2.1"),
	ProductSpec("MAC-HOME", "Espresso Machine Home", "349.00", "", 8, weight="9.5"),
	ProductSpec("DRIP-01", "Pour-Over Dripper", "18.00", "", 60, weight="0.3"),
	ProductSpec("CLN-TAB", "Cleaning Tablets", "6.99", "", 300, weight="0.1"),
	ProductSpec("MUG-TRV", "Travel Mug", "16.95", "", 75, weight="0.35"),
)


@dataclass(frozen=True)
class SaleableItem:
	"""Something an order line can point at: a simple product or one variation."""

	product_id: int
	variation_id: int
	sku: str
	price: Decimal


_FIRST_NAMES = (
	"Anna Lukas Sophie Jonas Mia Felix Lena Paul Emma Leon Hannah Finn Marie Elias Clara Noah Lea "
	"Ben Laura Tim Julia Max Sarah Jan Katharina David Nina Moritz Johanna Simon"
).split()
_LAST_NAMES = (
	"Schmidt Meyer Wagner Becker Fischer Weber Schulz Hoffmann Koch Richter Klein Wolf Neumann "
	"Schwarz Braun Zimmermann Krueger Hartmann Lange Werner Krause Lehmann Koehler Maier Huber"
).split()
_CITIES = (
	("Berlin", "BE", "10115", "Invalidenstrasse"),
	("Hamburg", "HH", "20354", "Alsterufer"),
	("Muenchen", "BY", "80331", "Marienplatz"),
	("Koeln", "NW", "50667", "Hohe Strasse"),
	("Frankfurt am Main", "HE", "60311", "Zeil"),
	("Stuttgart", "BW", "70173", "Koenigstrasse"),
	("Duesseldorf", "NW", "40212", "Koenigsallee"),
	("Leipzig", "SN", "04109", "Petersstrasse"),
	("Dresden", "SN", "01067", "Prager Strasse"),
	("Hannover", "NI", "30159", "Georgstrasse"),
	("Nuernberg", "BY", "90402", "Karolinenstrasse"),
	("Bremen", "HB", "28195", "Obernstrasse"),
)
_COMPANIES = (
	"Roesterei Nord GmbH",
	"Cafe Central KG",
	"Buero Hansen & Co.",
	"Meyer GmbH",
	"Kaffeehaus Ost UG",
)
_NOTES = (
	"Please ring twice.",
	"Gift - no invoice in parcel please.",
	"Leave at the neighbour's if nobody is home.",
	"Bitte nicht vor 10 Uhr liefern.",
	"Deliver to the back entrance.",
)
_PAYMENT = (
	("bacs", "Direct bank transfer", 30),
	("stripe", "Credit Card (Stripe)", 35),
	("paypal", "PayPal", 25),
	("cod", "Cash on delivery", 10),
)
_STATUSES = (
	("completed", 55),
	("processing", 20),
	("pending", 6),
	("on-hold", 6),
	("cancelled", 6),
	("refunded", 3),
	("failed", 4),
)


def _weighted(rng: random.Random, options: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
	return rng.choices(options, weights=[option[-1] for option in options])[0]


def _address(rng: random.Random, first: str, last: str, company: str) -> dict[str, str]:
	city, state, postcode, street = rng.choice(_CITIES)
	return {
		"first_name": first,
		"last_name": last,
		"company": company,
		"address_1": f"{street} {rng.randint(1, 120)}",
		"address_2": "",
		"city": city,
		"state": state,
		"postcode": postcode,
		"country": "DE",
	}


def _customer_pool(rng: random.Random, size: int) -> list[dict[str, Any]]:
	pool = []
	for index in range(size):
		first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
		company = rng.choice(_COMPANIES) if rng.random() < 0.1 else ""
		billing = _address(rng, first, last, company)
		billing["email"] = f"{first}.{last}.{index}@example.com".lower()
		billing["phone"] = f"+49 {rng.randint(30, 99)} {rng.randint(100000, 999999)}"
		pool.append({"customer_id": index + 2, "billing": billing})
	return pool


def generate_orders(
	count: int,
	items: Sequence[SaleableItem],
	now: datetime,
	seed: int = 1,
	days: int = 90,
) -> list[dict[str, Any]]:
	"""Order create payloads, oldest first, created within `days` before `now`.

	Mixed tax rates, flat/free shipping and pickup, guests and returning customers, the
	welcome10 and fixed5 coupons, positive and negative fees, business customers with a VAT id,
	variations, and a realistic spread of statuses and payment methods.
	"""
	rng = random.Random(seed)
	customers = _customer_pool(rng, max(5, count // 5))
	span = days * 86400
	offsets = sorted(rng.randrange(span) for _ in range(count))
	orders = []
	for offset in offsets:
		created = now - timedelta(seconds=span - offset)
		orders.append(_one_order(rng, items, customers, created, now))
	return orders


def _one_order(
	rng: random.Random,
	items: Sequence[SaleableItem],
	customers: list[dict[str, Any]],
	created: datetime,
	now: datetime,
) -> dict[str, Any]:
	if rng.random() < 0.4:
		first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
		billing = _address(rng, first, last, "")
		billing["email"] = f"{first}.{last}.{rng.randint(1000, 9999)}@example.org".lower()
		billing["phone"] = f"+49 {rng.randint(30, 99)} {rng.randint(100000, 999999)}"
		customer_id = 0
	else:
		customer = rng.choice(customers)
		billing = dict(customer["billing"])
		customer_id = customer["customer_id"]
	shipping = {k: v for k, v in billing.items() if k not in ("email", "phone")}
	shipping["phone"] = ""
	if rng.random() < 0.1:
		shipping.update(_address(rng, billing["first_name"], billing["last_name"], billing["company"]))

	chosen = rng.sample(list(items), k=min(len(items), rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]))
	line_items = []
	net = Decimal(0)
	for item in chosen:
		quantity = rng.choices((1, 2, 3, 4, 6), weights=(60, 22, 10, 5, 3))[0]
		line: dict[str, Any] = {"product_id": item.product_id, "quantity": quantity}
		if item.variation_id:
			line["variation_id"] = item.variation_id
		line_items.append(line)
		net += item.price * quantity

	method, title, _weight = _weighted(rng, _PAYMENT)
	status = _weighted(rng, _STATUSES)[0]
	if rng.random() < 0.05:
		shipping_line = {
			"method_id": "local_pickup",
			"method_title": "Local pickup",
			"instance_id": "3",
			"total": "0.00",
		}
	elif net >= 50:
		shipping_line = {
			"method_id": "free_shipping",
			"method_title": "Free shipping",
			"instance_id": "2",
			"total": "0.00",
		}
	else:
		shipping_line = {
			"method_id": "flat_rate",
			"method_title": "DHL Paket",
			"instance_id": "1",
			"total": "4.90",
		}

	payload: dict[str, Any] = {
		"status": status,
		"customer_id": customer_id,
		"payment_method": method,
		"payment_method_title": title,
		"billing": billing,
		"shipping": shipping,
		"line_items": line_items,
		"shipping_lines": [shipping_line],
		"customer_note": rng.choice(_NOTES) if rng.random() < 0.15 else "",
		"created_via": "checkout",
	}
	paid = status in ("processing", "completed", "refunded") and method != "cod"
	if paid:
		payload["set_paid"] = True
		if method in ("stripe", "paypal"):
			prefix = "pi_3Q" if method == "stripe" else "PAYID-"
			payload["transaction_id"] = f"{prefix}{rng.getrandbits(48):012X}"
	coupon_roll = rng.random()
	if coupon_roll < 0.1:
		payload["coupon_lines"] = [{"code": "welcome10"}]
	elif coupon_roll < 0.14 and net > 20:
		payload["coupon_lines"] = [{"code": "fixed5"}]
	fees = []
	if rng.random() < 0.05:
		fees.append({"name": "Gift wrapping", "total": "2.50", "tax_class": "", "tax_status": "taxable"})
	if rng.random() < 0.03 and net > 40:
		fees.append({"name": "Loyalty discount", "total": "-5.00", "tax_class": "", "tax_status": "taxable"})
	if method == "cod" and rng.random() < 0.5:
		fees.append(
			{"name": "Cash on delivery fee", "total": "2.00", "tax_class": "", "tax_status": "taxable"}
		)
	if fees:
		payload["fee_lines"] = fees
	if billing["company"]:
		payload["meta_data"] = [{"key": "_billing_vat_id", "value": f"DE{rng.randint(100000000, 999999999)}"}]

	latest = max(created, now - timedelta(seconds=1))
	if status in ("pending", "failed"):
		modified = created
	else:
		modified = min(created + timedelta(seconds=rng.randrange(60, 6 * 86400)), latest)
	payload["_created"] = created.replace(microsecond=0)
	payload["_modified"] = max(modified, created).replace(microsecond=0)
	return payload
