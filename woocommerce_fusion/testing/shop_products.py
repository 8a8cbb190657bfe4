"""Products, variations, coupons and tax rates of the test shop, shaped like WooCommerce 8.4 JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from woocommerce_fusion.testing.shop_util import API, SHOP_URL, RestError, StoreClock, php_float_text

CATEGORY = {"id": 17, "name": "Coffee Gear", "slug": "coffee-gear"}


@dataclass
class Coupon:
	id: int
	code: str
	discount_type: str
	amount: Decimal


@dataclass(frozen=True)
class TaxRate:
	id: int
	name: str
	percent: int
	tax_class: str
	shipping: bool
	order: int

	@property
	def rate_code(self) -> str:
		return f"DE-{self.name.upper()}-1"

	def as_json(self) -> dict[str, Any]:
		return {
			"id": self.id,
			"country": "DE",
			"state": "",
			"postcode": "",
			"city": "",
			"rate": f"{self.percent}.0000",
			"name": self.name,
			"priority": 1,
			"compound": False,
			"shipping": self.shipping,
			"order": self.order,
			"class": self.tax_class or "standard",
			"postcodes": [],
			"cities": [],
			"_links": {
				"self": [{"href": f"{API}/taxes/{self.id}"}],
				"collection": [{"href": f"{API}/taxes"}],
			},
		}


DEFAULT_TAX_RATES = {
	1: TaxRate(1, "MwSt. 19%", 19, "", True, 1),
	2: TaxRate(2, "MwSt. 7%", 7, "reduced-rate", False, 0),
}


# WooCommerce's default extra tax classes; the standard class is "".
TAX_CLASS_SLUGS = ("reduced-rate", "zero-rate")


def tax_class_value(given: Any, variation: bool) -> str:
	"""WC_Product::set_tax_class(): sanitized, "standard" means "", unknown classes become "";
	a variation may also say "parent"."""
	slug = re.sub(r"[^a-z0-9_-]+", "-", str(given or "").strip().lower()).strip("-")
	valid = (*TAX_CLASS_SLUGS, "parent") if variation else TAX_CLASS_SLUGS
	return slug if slug in valid else ""


def slugify(name: str) -> str:
	return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "product"


def wc_price(value: str) -> str:
	"""wc_price() of the store (EUR, symbol left, "," thousands, "." decimals, 2 decimals)."""
	amount = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
	return (
		'<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">'
		f"&euro;</span>{amount:,.2f}</bdi></span>"
	)


def is_on_sale(regular: str, sale: str) -> bool:
	"""WC_Product::is_on_sale() without schedules: a sale price below the regular one."""
	return sale != "" and regular != "" and Decimal(regular) > Decimal(sale)


def current_price(regular: str, sale: str) -> str:
	return sale if is_on_sale(regular, sale) else regular


def price_fields(regular: str, sale: str) -> dict[str, Any]:
	"""The price block a product and a variation share (sale schedules are not modelled)."""
	return {
		"price": current_price(regular, sale),
		"regular_price": regular,
		"sale_price": sale,
		"date_on_sale_from": None,
		"date_on_sale_from_gmt": None,
		"date_on_sale_to": None,
		"date_on_sale_to_gmt": None,
		"on_sale": is_on_sale(regular, sale),
	}


def price_html(regular: str, sale: str) -> str:
	"""WC_Product::get_price_html(): the regular price struck through while on sale."""
	price = sale or regular
	if price == "":
		return ""
	if is_on_sale(regular, sale):
		return f'<del aria-hidden="true">{wc_price(regular)}</del> <ins>{wc_price(sale)}</ins>'
	return wc_price(price)


def variable_price_html(variations: list[dict[str, Any]]) -> str:
	"""WC_Product_Variable::get_price_html(): a range, or one (possibly struck-through) price."""
	priced = [v for v in variations if v.get("price") not in (None, "")]
	if not priced:
		return ""
	prices = sorted(Decimal(v["price"]) for v in priced)
	regulars = sorted(Decimal(v.get("regular_price") or v["price"]) for v in priced)
	if prices[0] != prices[-1]:
		return f"{wc_price(str(prices[0]))} &ndash; {wc_price(str(prices[-1]))}"
	on_sale = any(is_on_sale(v.get("regular_price") or "", v.get("sale_price") or "") for v in priced)
	if on_sale and regulars[0] == regulars[-1]:
		return f'<del aria-hidden="true">{wc_price(str(regulars[-1]))}</del> <ins>{wc_price(str(prices[0]))}</ins>'
	return wc_price(str(prices[0]))


def formatted_name(product: dict[str, Any], parent: dict[str, Any] | None) -> str:
	"""WC_Product::get_formatted_name() as stock notes show it: "Ceramic Mug (MUG-CER)"; a
	variation is named after its parent and options, its (empty) attribute list follows in a span
	because the options are already in the name."""
	identifier = product.get("sku") or f"#{product['id']}"
	if parent is None:
		return f"{product['name']} ({identifier})"
	options = ", ".join(a.get("option", "") for a in product.get("attributes") or [])
	name = f"{parent['name']} - {options}" if options else parent["name"]
	return f'{name} ({identifier})<span class="description"></span>'


def edit_context(product: dict[str, Any]) -> dict[str, Any]:
	"""Create and update answer in the edit context, which adds two fields to a product and
	gives average_rating unformatted ("0", where views say "0.00")."""
	if product.get("parent_id"):
		return product
	answer = {k: v for k, v in product.items() if k != "_links"}
	answer["average_rating"] = php_float_text(Decimal(product["average_rating"] or "0"))
	answer["permalink_template"] = f"{SHOP_URL}/product/%pagename%/"
	answer["generated_slug"] = product["slug"] or slugify(product["name"])
	answer["_links"] = product["_links"]
	return answer


def _dates(clock: StoreClock, created: datetime, modified: datetime) -> dict[str, str]:
	return {
		"date_created": clock.local(created),
		"date_created_gmt": clock.gmt(created),
		"date_modified": clock.local(modified),
		"date_modified_gmt": clock.gmt(modified),
	}


def _stock_status(product: dict[str, Any]) -> str:
	if (
		product.get("manage_stock")
		and product.get("stock_quantity") is not None
		and product["stock_quantity"] <= 0
	):
		return "outofstock"
	return "instock"


def new_product(product_id: int, data: dict[str, Any], clock: StoreClock, now: datetime) -> dict[str, Any]:
	"""A product as POST /products answers it, from the request body."""
	name = str(data.get("name") or "Product")
	dates = _dates(clock, now, now)
	# WordPress names a post's slug when it is published; a draft has none yet.
	slug = data.get("slug") or ("" if data.get("status") in ("draft", "pending") else slugify(name))
	regular = str(data.get("regular_price") or "")
	sale = str(data.get("sale_price") or "")
	product: dict[str, Any] = {
		"id": product_id,
		"name": name,
		"slug": slug,
		"permalink": f"{SHOP_URL}/product/{slug or slugify(name)}/",
		"date_created": dates["date_created"],
		"date_created_gmt": dates["date_created_gmt"],
		"date_modified": dates["date_modified"],
		"date_modified_gmt": dates["date_modified_gmt"],
		"type": data.get("type") or "simple",
		"status": data.get("status") or "publish",
		"featured": bool(data.get("featured", False)),
		"catalog_visibility": data.get("catalog_visibility") or "visible",
		"description": data.get("description") or "",
		"short_description": data.get("short_description") or "",
		"sku": str(data.get("sku") or ""),
		**price_fields(regular, sale),
		"purchasable": bool(sale or regular) or data.get("type") == "variable",
		"total_sales": 0,
		"virtual": bool(data.get("virtual", False)),
		"downloadable": bool(data.get("downloadable", False)),
		"downloads": [],
		"download_limit": -1,
		"download_expiry": -1,
		"external_url": "",
		"button_text": "",
		"tax_status": data.get("tax_status") or "taxable",
		"tax_class": tax_class_value(data.get("tax_class"), False),
		"manage_stock": bool(data.get("manage_stock", False)),
		"stock_quantity": data.get("stock_quantity") if data.get("manage_stock") else None,
		"backorders": "no",
		"backorders_allowed": False,
		"backordered": False,
		"low_stock_amount": None,
		"sold_individually": False,
		"weight": str(data.get("weight") or ""),
		"dimensions": {"length": "", "width": "", "height": ""},
		"shipping_required": True,
		"shipping_taxable": True,
		"shipping_class": "",
		"shipping_class_id": 0,
		"reviews_allowed": True,
		"average_rating": "0.00",
		"rating_count": 0,
		"upsell_ids": [],
		"cross_sell_ids": [],
		"parent_id": 0,
		"purchase_note": "",
		"categories": [CATEGORY] if data.get("categories") is not None else [],
		"tags": [],
		"images": [],
		"attributes": data.get("attributes") or [],
		"default_attributes": data.get("default_attributes") or [],
		"variations": [],
		"grouped_products": [],
		"menu_order": 0,
		"price_html": price_html(regular, sale),
		"related_ids": [],
		"meta_data": [],
		"stock_status": "instock",
		"has_options": data.get("type") == "variable",
		"post_password": "",
		"_links": {
			"self": [{"href": f"{API}/products/{product_id}"}],
			"collection": [{"href": f"{API}/products"}],
		},
	}
	product["stock_status"] = _stock_status(product)
	return product


def new_variation(
	variation_id: int, parent: dict[str, Any], data: dict[str, Any], clock: StoreClock, now: datetime
) -> dict[str, Any]:
	dates = _dates(clock, now, now)
	attributes = data.get("attributes") or []
	option = attributes[0].get("option", "") if attributes else ""
	regular = str(data.get("regular_price") or "")
	sale = str(data.get("sale_price") or "")
	query = "&".join(f"attribute_{slugify(a.get('name', ''))}={a.get('option', '')}" for a in attributes)
	variation: dict[str, Any] = {
		"id": variation_id,
		**dates,
		"description": data.get("description") or "",
		"permalink": f"{SHOP_URL}/product/{parent['slug']}/" + (f"?{query}" if query else ""),
		"sku": str(data.get("sku") or ""),
		**price_fields(regular, sale),
		"status": data.get("status") or "publish",
		"purchasable": bool(sale or regular),
		"virtual": False,
		"downloadable": False,
		"downloads": [],
		"download_limit": -1,
		"download_expiry": -1,
		"tax_status": "taxable",
		# WC_Product_Variation defaults to "parent"; the shop shows the parent's class in views.
		"tax_class": tax_class_value(data.get("tax_class", "parent"), True),
		"manage_stock": bool(data.get("manage_stock", False)),
		"stock_quantity": data.get("stock_quantity") if data.get("manage_stock") else None,
		"stock_status": "instock",
		"backorders": "no",
		"backorders_allowed": False,
		"backordered": False,
		"low_stock_amount": None,
		"weight": str(data.get("weight") or ""),
		"dimensions": {"length": "", "width": "", "height": ""},
		"shipping_class": "",
		"shipping_class_id": 0,
		"image": None,
		"attributes": [
			{
				"id": 0,
				"name": a.get("name", ""),
				"slug": slugify(a.get("name", "")),
				"option": a.get("option", ""),
			}
			for a in attributes
		],
		"menu_order": 0,
		"meta_data": [],
		"name": option or parent["name"],
		"parent_id": parent["id"],
		"_links": {
			"self": [{"href": f"{API}/products/{parent['id']}/variations/{variation_id}"}],
			"collection": [{"href": f"{API}/products/{parent['id']}/variations"}],
			"up": [{"href": f"{API}/products/{parent['id']}"}],
		},
	}
	variation["stock_status"] = _stock_status(variation)
	return variation


# Fields a client may write on products and variations; everything else is read-only.
_WRITABLE = (
	"name",
	"slug",
	"type",
	"status",
	"featured",
	"catalog_visibility",
	"description",
	"short_description",
	"sku",
	"regular_price",
	"sale_price",
	"virtual",
	"downloadable",
	"tax_status",
	"tax_class",
	"manage_stock",
	"stock_quantity",
	"backorders",
	"weight",
	"dimensions",
	"menu_order",
	"attributes",
	"default_attributes",
	"purchase_note",
)


def apply_product_changes(
	product: dict[str, Any], data: dict[str, Any], clock: StoreClock, now: datetime
) -> None:
	for key in _WRITABLE:
		if key in data and key in product:
			product[key] = data[key]
	if product.get("status") == "publish" and not product.get("slug") and "slug" in product:
		product["slug"] = slugify(product["name"])
	if "tax_class" in data and "tax_class" in product:
		product["tax_class"] = tax_class_value(data["tax_class"], bool(product.get("parent_id")))
	if "stock_quantity" in data and data["stock_quantity"] is not None:
		product["stock_quantity"] = int(data["stock_quantity"])
	if "meta_data" in data:
		product["meta_data"] = merge_meta(product["meta_data"], data["meta_data"], lambda: 0)
	if "categories" in data and "categories" in product:
		product["categories"] = [CATEGORY] if data["categories"] else []
	sale = str(product.get("sale_price") or "")
	regular = str(product.get("regular_price") or "")
	if product.get("type") != "variable":
		product["price"] = current_price(regular, sale)
		product["on_sale"] = is_on_sale(regular, sale)
		product["purchasable"] = bool(sale or regular)
		if "price_html" in product:
			product["price_html"] = price_html(regular, sale)
	product["stock_status"] = _stock_status(product)
	product["date_modified"] = clock.local(now)
	product["date_modified_gmt"] = clock.gmt(now)


def merge_meta(existing: list[dict[str, Any]], changes: Any, next_meta_id: Any) -> list[dict[str, Any]]:
	"""meta_data updates: match by id, else by key; new keys get a fresh meta id."""
	merged = [dict(entry) for entry in existing]
	if not isinstance(changes, list):
		return merged
	for change in changes:
		if not isinstance(change, dict) or "key" not in change and "id" not in change:
			continue
		target = next(
			(
				m
				for m in merged
				if ("id" in change and m.get("id") == change["id"]) or m.get("key") == change.get("key")
			),
			None,
		)
		if target is not None:
			target["value"] = change.get("value", "")
		else:
			merged.append({"id": next_meta_id(), "key": str(change["key"]), "value": change.get("value", "")})
	return merged


def unique_sku(sku: str, taken: set[str]) -> str:
	"""wc_product_generate_unique_sku(): first free "-N" suffix."""
	index = 1
	while f"{sku}-{index}" in taken:
		index += 1
	return f"{sku}-{index}"


def duplicate_sku_error(sku: str, owner_id: int, taken: set[str]) -> RestError:
	return RestError(
		400,
		"product_invalid_sku",
		"Invalid or duplicated SKU.",
		resource_id=owner_id,
		unique_sku=unique_sku(sku, taken),
	)


def coupon_json(
	coupon_id: int, code: str, discount_type: str, amount: str, created: str, zone: str
) -> dict[str, Any]:
	"""The coupon_data meta WooCommerce stores on a coupon line (a snapshot of the coupon)."""
	stamp = {"date": f"{created.replace('T', ' ')}.000000", "timezone_type": 3, "timezone": zone}
	return {
		"id": coupon_id,
		"code": code,
		"amount": amount,
		"status": "publish",
		"date_created": stamp,
		"date_modified": stamp,
		"date_expires": None,
		"discount_type": discount_type,
		"description": "",
		"usage_count": 0,
		"individual_use": True,
		"product_ids": [],
		"excluded_product_ids": [],
		"usage_limit": 0,
		"usage_limit_per_user": 0,
		"limit_usage_to_x_items": None,
		"free_shipping": False,
		"product_categories": [],
		"excluded_product_categories": [],
		"exclude_sale_items": False,
		"minimum_amount": "",
		"maximum_amount": "",
		"email_restrictions": [],
		"virtual": False,
		"meta_data": [],
	}
