"""The shop's catalogue: products and their variations, coupons and tax rates, with their REST
routes (/products, /products/<id>/variations, /taxes) and the stock that orders move."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from woocommerce_fusion.testing.sample_orders import CATALOG, SaleableItem
from woocommerce_fusion.testing.shop_categories import CategoryStore
from woocommerce_fusion.testing.shop_http import ONE, Request, Response, Route, require, route, writes
from woocommerce_fusion.testing.shop_lists import (
	PRODUCT_STATUSES,
	ListQuery,
	as_list,
	parse_list_query,
	pick_fields,
	truthy,
)
from woocommerce_fusion.testing.shop_products import (
	DEFAULT_TAX_RATES,
	Coupon,
	TaxRate,
	apply_product_changes,
	duplicate_sku_error,
	edit_context,
	formatted_name,
	new_product,
	new_variation,
	variable_price_html,
)
from woocommerce_fusion.testing.shop_site import ShopSite, batch
from woocommerce_fusion.testing.shop_util import UTC, RestError, parse_wp_date, php_json, to_decimal
from woocommerce_fusion.testing.shop_webhooks import WebhookDispatcher

PRODUCT_ORDERBY = (
	"date",
	"id",
	"include",
	"title",
	"slug",
	"price",
	"popularity",
	"rating",
	"menu_order",
	"modified",
)


@dataclass
class StockChange:
	"""One product's stock moved by an order: the product dict and its quantity before and after."""

	product: dict[str, Any]
	before: int
	after: int


class CatalogStore:
	"""Products and variations (one id -> JSON dict, as WordPress keeps both as posts), coupons
	and tax rates; changes announce themselves to the webhooks."""

	def __init__(self, site: ShopSite, webhooks: WebhookDispatcher) -> None:
		self.site = site
		self.webhooks = webhooks
		self.products: dict[int, dict[str, Any]] = {}
		self.coupons: dict[str, Coupon] = {}
		self.tax_rates: dict[int, TaxRate] = dict(DEFAULT_TAX_RATES)
		self.categories = CategoryStore(site)
		# A variation's stored tax class ("parent" by default); its JSON shows the resolved one.
		self._variation_tax_classes: dict[int, str] = {}
		# Told (under the site's lock) of a product or variation deleted for good, and its parent.
		self.on_deleted: Callable[[int, dict[str, Any] | None], None] = lambda product_id, parent: None

	def seed(self) -> None:
		"""The sample catalogue, its coupons included."""
		# One post a second, oldest first, so "newest first" lists have a real order.
		posts = len(CATALOG) + sum(len(spec.variations) for spec in CATALOG)
		start = self.site.now().timestamp() - posts
		stamps = iter(datetime.fromtimestamp(start + index, UTC) for index in range(posts))
		clock = self.site.store_clock
		for spec in CATALOG:
			now = next(stamps)
			data: dict[str, Any] = {
				"name": spec.name,
				"type": "variable" if spec.variations else "simple",
				"sku": spec.sku,
				"regular_price": "" if spec.variations else (spec.regular_price or spec.price),
				"sale_price": spec.price if spec.regular_price else "",
				"tax_class": spec.tax_class,
				"manage_stock": spec.stock is not None,
				"stock_quantity": spec.stock,
				"weight": spec.weight,
				"description": spec.description,
				"short_description": spec.short_description,
				"categories": [{"id": 17}],
			}
			if spec.variations:
				options = [v.option for v in spec.variations]
				data["attributes"] = [
					{
						"id": 0,
						"name": spec.attribute,
						"slug": spec.attribute,
						"position": 0,
						"visible": True,
						"variation": True,
						"options": options,
					}
				]
				data["default_attributes"] = [{"id": 0, "name": spec.attribute, "option": options[-1]}]
			product = new_product(self.site.post_ids.take(), data, clock, now)
			self.products[product["id"]] = product
			for variation_spec in spec.variations:
				now = next(stamps)
				variation = new_variation(
					self.site.post_ids.take(),
					product,
					{
						"sku": variation_spec.sku,
						"regular_price": variation_spec.price,
						"manage_stock": True,
						"stock_quantity": variation_spec.stock,
						"weight": "0.2",
						"attributes": [{"name": spec.attribute, "option": variation_spec.option}],
					},
					clock,
					now,
				)
				self.products[variation["id"]] = variation
				self._resolve_tax_class(variation)
				product["variations"].append(variation["id"])
			if spec.variations:
				self._refresh_variable(product)
			if spec.sku == "TSHIRT":
				self.add_coupon("welcome10", "percent", "10")
		self.add_coupon("fixed5", "fixed_cart", "5.00")
		for product in self.products.values():
			if not product.get("parent_id"):
				product["related_ids"] = self._related(product["id"])

	def _related(self, product_id: int) -> list[int]:
		"""A few other products of the (single) category, as WooCommerce's related_ids."""
		others = (pid for pid, p in self.products.items() if pid != product_id and not p.get("parent_id"))
		return list(itertools.islice(others, 4))

	def add_coupon(self, code: str, discount_type: str = "percent", amount: str = "10") -> int:
		with self.site.lock:
			coupon = Coupon(self.site.post_ids.take(), code.lower(), discount_type, to_decimal(amount))
			self.coupons[coupon.code] = coupon
			return coupon.id

	def _refresh_variable(self, product: dict[str, Any]) -> None:
		"""A variable product's price, price_html and on_sale follow its variations."""
		variations = [self.products[v] for v in product["variations"] if v in self.products]
		prices = [v["price"] for v in variations if v["price"]]
		product["price"] = min(prices, key=to_decimal) if prices else ""
		product["price_html"] = variable_price_html(variations)
		product["on_sale"] = any(v["on_sale"] for v in variations)

	def _resolve_tax_class(self, variation: dict[str, Any], stored: bool = True) -> None:
		"""Keep the class a variation stores (its JSON's tax_class when `stored`) and show the
		parent's in its place when that is "parent", as get_tax_class('view') does."""
		if stored:
			self._variation_tax_classes[variation["id"]] = variation["tax_class"]
		raw = self._variation_tax_classes.get(variation["id"], variation["tax_class"])
		parent = self.products.get(variation["parent_id"]) or {}
		variation["tax_class"] = (parent.get("tax_class") or "") if raw == "parent" else raw

	def _edit_answer(self, product: dict[str, Any]) -> dict[str, Any]:
		"""Create and update answers are in the edit context: a variation's stored tax class."""
		answer = edit_context(product)
		if product.get("parent_id"):
			raw = self._variation_tax_classes.get(product["id"], product["tax_class"])
			answer = {**answer, "tax_class": raw}
		return answer

	# -- reading ----------------------------------------------------------------------------

	def saleable_items(self) -> list[SaleableItem]:
		with self.site.lock:
			items = []
			for product in self.products.values():
				if product.get("type") == "variable" or product.get("status") != "publish":
					continue
				if product.get("parent_id"):
					items.append(
						SaleableItem(
							product["parent_id"], product["id"], product["sku"], to_decimal(product["price"])
						)
					)
				else:
					items.append(SaleableItem(product["id"], 0, product["sku"], to_decimal(product["price"])))
			return items

	def copies(self) -> dict[int, dict[str, Any]]:
		"""id -> product or variation (copies, URLs filled in)."""
		with self.site.lock:
			return {pid: self.site.decode(php_json(p)) for pid, p in self.products.items()}

	def by_sku(self, sku: str) -> dict[str, Any] | None:
		with self.site.lock:
			for product in self.products.values():
				if product.get("sku") == sku:
					return self.site.decode(php_json(product))
		return None

	def payload(self, product_id: int) -> bytes | None:
		"""A webhook's body: the product as it is now."""
		with self.site.lock:
			product = self.products.get(product_id)
			return self.site.render(product) if product is not None else None

	def counts(self) -> tuple[int, int, int]:
		"""Products, variations and coupons, as the system status counts them."""
		with self.site.lock:
			products = sum(1 for p in self.products.values() if not p.get("parent_id"))
			return products, len(self.products) - products, len(self.coupons)

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

	# -- stock ------------------------------------------------------------------------------

	def reduce_stock(self, order: dict[str, Any], line_ids: set[int]) -> list[StockChange]:
		"""Stock goes down for the order's lines `line_ids`; returns the changes made."""
		changes = []
		now = self.site.now()
		for item in order["line_items"]:
			if item["id"] not in line_ids:
				continue
			target = self.products.get(item["variation_id"] or item["product_id"])
			if target is None:
				continue
			parent = self.products.get(item["product_id"])
			if parent is not None and "total_sales" in parent:
				parent["total_sales"] += item["quantity"]
			if target.get("manage_stock") and target.get("stock_quantity") is not None:
				before = target["stock_quantity"]
				self.set_stock(target, before - item["quantity"], now)
				changes.append(StockChange(target, before, target["stock_quantity"]))
		return changes

	def set_stock(self, product: dict[str, Any], quantity: int, now: datetime) -> None:
		apply_product_changes(product, {"stock_quantity": quantity}, self.site.store_clock, now)

	def stock_note(self, changes: list[StockChange]) -> list[str]:
		"""wc_trigger_stock_change_notifications(): one note listing every product changed."""
		if not changes:
			return []
		parts = [
			f"{formatted_name(c.product, self.products.get(c.product.get('parent_id') or 0))} "
			f"{c.before}&rarr;{c.after}"
			for c in changes
		]
		return ["Stock levels reduced: " + ", ".join(parts)]

	# -- changes ----------------------------------------------------------------------------

	def lookup(self, product_id: int, variation_of: int | None = None, status: int = 404) -> dict[str, Any]:
		"""A product or a variation of `variation_of`; missing is 404, or 400 for an update."""
		product = self.products.get(product_id)
		if variation_of is not None:
			if product is None or product.get("parent_id") != variation_of:
				raise RestError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		elif product is None:
			raise RestError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
		return product

	def _check_sku(self, sku: str, own_id: int | None) -> None:
		if not sku:
			return
		for product in self.products.values():
			if product.get("sku") == sku and product["id"] != own_id:
				taken = {p["sku"] for p in self.products.values() if p.get("sku")}
				raise duplicate_sku_error(sku, product["id"], taken)

	def create_product(self, payload: Any) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self.site.lock:
			self._check_sku(str(payload.get("sku") or ""), None)
			product = new_product(self.site.post_ids.take(), payload, self.site.store_clock, self.site.now())
			self.categories.apply(product, payload, self.site.now())
			product["related_ids"] = self._related(product["id"])
			self.products[product["id"]] = product
			snapshot = json.loads(php_json(edit_context(product)))
		self.webhooks.fire("product.created", product["id"])
		return snapshot

	def update_product(
		self, product_id: int, payload: Any, variation_of: int | None = None
	) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self.site.lock:
			product = self.lookup(product_id, variation_of, 400)
			if "sku" in payload:
				self._check_sku(str(payload.get("sku") or ""), product_id)
			apply_product_changes(product, payload, self.site.store_clock, self.site.now())
			self.categories.apply(product, payload, self.site.now())
			if product.get("parent_id"):
				if "tax_class" in payload:
					self._resolve_tax_class(product)
				self._refresh_variable(self.products[product["parent_id"]])
			elif "tax_class" in payload:
				for variation_id in product.get("variations") or []:
					if variation_id in self.products:
						self._resolve_tax_class(self.products[variation_id], stored=False)
			snapshot = json.loads(php_json(self._edit_answer(product)))
		self.webhooks.fire("product.updated", product_id)
		return snapshot

	def delete_product(self, product_id: int, force: bool, variation_of: int | None = None) -> dict[str, Any]:
		with self.site.lock:
			product = self.lookup(product_id, variation_of)
			snapshot = json.loads(php_json(product))
			if force or variation_of is not None:
				del self.products[product_id]
				for variation_id in product.get("variations") or []:
					self.products.pop(variation_id, None)
				parent = self.products.get(product.get("parent_id") or 0)
				if parent is not None:
					parent["variations"] = [v for v in parent["variations"] if v != product_id]
				self.on_deleted(product_id, parent)
			else:
				if product["status"] == "trash":
					raise RestError(
						410, "woocommerce_rest_already_trashed", "The product has already been deleted."
					)
				product["status"] = "trash"
		self.webhooks.fire("product.deleted", product_id, deleted_payload={"id": product_id})
		return snapshot

	def create_variation(self, parent_id: int, payload: Any) -> dict[str, Any]:
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self.site.lock:
			parent = self.lookup(parent_id)
			self._check_sku(str(payload.get("sku") or ""), None)
			variation = new_variation(
				self.site.post_ids.take(), parent, payload, self.site.store_clock, self.site.now()
			)
			self.categories.apply(variation, payload, self.site.now())
			self.products[variation["id"]] = variation
			self._resolve_tax_class(variation)
			parent["variations"].append(variation["id"])
			self._refresh_variable(parent)
			snapshot = json.loads(php_json(self._edit_answer(variation)))
		self.webhooks.fire("product.created", variation["id"])
		return snapshot


class CatalogRoutes:
	"""The REST routes of the catalogue."""

	def __init__(self, store: CatalogStore) -> None:
		self.store = store
		self.site = store.site

	def routes(self) -> list[Route]:
		return [
			route("/products/batch", "POST, PUT, PATCH", **writes(self._products_batch, "batch")),
			route("/products", "GET, POST", GET=(self._products_list, "list"), POST=(self._product_create, "create")),
			route("/products/<id>/variations/batch", "POST, PUT, PATCH", **writes(self._variations_batch, "batch")),
			route("/products/<id>/variations", "GET, POST", GET=(self._variations_list, "list"), POST=(self._variation_create, "create")),
			route("/products/<id>/variations/<variation>", ONE, GET=(self._variation_get, "view"), **writes(self._variation_update, "edit"), DELETE=(self._variation_delete, "delete")),
			route("/products/<id>", ONE, GET=(self._product_get, "view"), **writes(self._product_update, "edit"), DELETE=(self._product_delete, "delete")),
			route("/taxes", "GET, POST", GET=(self._taxes_list, "list")),
		]  # fmt: skip

	def _products_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self.site.store_clock, PRODUCT_ORDERBY, "date", PRODUCT_STATUSES, False
		)
		require(request, kind)
		params = request.params
		skus = set(as_list(params.get("sku", "")))
		with self.site.lock:
			products = [
				p
				for p in self.store.products.values()
				if not p.get("parent_id")
				and (not skus or p.get("sku") in skus)
				and (not query.include or p["id"] in query.include)
				and p["id"] not in query.exclude
				and (
					p["status"] != "trash"
					if "status" not in params
					else p["status"] == params["status"] or params["status"] == "any"
				)
				and (not params.get("type") or p["type"] == params["type"])
				and (not query.search or query.search in p["name"].lower())
				and (
					query.modified_after is None
					or parse_wp_date(p["date_modified_gmt"]).timestamp() > query.modified_after
				)
			]
			_sort_products(products, query)
			chunk, headers = self.site.page(query, products, "products")
			if params.get("context") == "edit":
				chunk = [edit_context(p) for p in chunk]
			body = [pick_fields(p, query.fields) if query.fields else p for p in chunk]
		return Response(200, body, headers=headers)

	def _product_get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			product = self.store.lookup(int(request.match["id"]))
			if request.params.get("context") == "edit":
				product = edit_context(product)
			body = (
				pick_fields(product, request.params["_fields"]) if request.params.get("_fields") else product
			)
			return Response(200, json.loads(php_json(body)))

	def _product_create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		product = self.store.create_product(request.body)
		return Response(
			201, product, headers={"Location": f"{self.site.url}/wp-json/wc/v3/products/{product['id']}"}
		)

	def _product_update(self, request: Request, kind: str) -> Response:
		require(request, kind)
		return Response(200, self.store.update_product(int(request.match["id"]), request.body))

	def _product_delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		force = truthy(request.params.get("force", ""))
		return Response(200, self.store.delete_product(int(request.match["id"]), force))

	def _products_batch(self, request: Request, kind: str) -> Response:
		return batch(
			request,
			kind,
			self.store.create_product,
			self.store.update_product,
			lambda product_id: self.store.delete_product(product_id, True),
			RestError(400, "woocommerce_rest_product_invalid_id", "Invalid ID."),
		)

	def _variations_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self.site.store_clock, PRODUCT_ORDERBY, "date", PRODUCT_STATUSES, False
		)
		require(request, kind)
		skus = set(as_list(request.params.get("sku", "")))
		parent_id = int(request.match["id"])
		products = self.store.products
		with self.site.lock:
			# A query for posts with this parent: none when there is no such product.
			parent = products.get(parent_id) or {}
			variations = [
				products[v]
				for v in parent.get("variations") or []
				if v in products
				and (not skus or products[v]["sku"] in skus)
				and (not query.include or v in query.include)
			]
			_sort_products(variations, query)
			chunk, headers = self.site.page(query, variations, f"products/{parent_id}/variations")
			body = json.loads(php_json(chunk))
		return Response(200, body, headers=headers)

	def _variation_get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			variation = self.store.lookup(int(request.match["variation"]), int(request.match["id"]))
			return Response(200, json.loads(php_json(variation)))

	def _variation_create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		variation = self.store.create_variation(int(request.match["id"]), request.body)
		location = (
			f"{self.site.url}/wp-json/wc/v3/products/{request.match['id']}/variations/{variation['id']}"
		)
		return Response(201, variation, headers={"Location": location})

	def _variation_update(self, request: Request, kind: str) -> Response:
		require(request, kind)
		variation_id, parent_id = int(request.match["variation"]), int(request.match["id"])
		with self.site.lock:
			found = self.store.products.get(variation_id)
		if found is not None and found.get("parent_id") and found["parent_id"] != parent_id:
			# update_item_permissions_check(); an authenticated user gets 403.
			raise RestError(
				403, "woocommerce_rest_cannot_edit", "Parent product does not match current variation."
			)
		return Response(200, self.store.update_product(variation_id, request.body, parent_id))

	def _variation_delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		variation_id, parent_id = int(request.match["variation"]), int(request.match["id"])
		return Response(200, self.store.delete_product(variation_id, True, parent_id))

	def _variations_batch(self, request: Request, kind: str) -> Response:
		parent_id = int(request.match["id"])
		return batch(
			request,
			kind,
			lambda payload: self.store.create_variation(parent_id, payload),
			lambda variation_id, payload: self.store.update_product(variation_id, payload, parent_id),
			lambda variation_id: self.store.delete_product(variation_id, True, parent_id),
			RestError(400, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."),
		)

	def _taxes_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self.site.store_clock, ("id", "order", "priority"), "order", status_enum=None
		)
		require(request, kind)
		rates = sorted(
			self.store.tax_rates.values(), key=lambda r: (r.order, r.id), reverse=query.order == "desc"
		)
		if "order" not in request.params:
			rates.sort(key=lambda r: (r.order, r.id))
		chunk, headers = self.site.page(query, rates, "taxes")
		return Response(200, [rate.as_json() for rate in chunk], headers=headers)


def _sort_products(products: list[dict[str, Any]], query: ListQuery) -> None:
	"""Posts with the same date come back in id order whatever the direction (MySQL's tie)."""
	products.sort(key=lambda p: p["id"])
	products.sort(key=_product_sort_key(query), reverse=query.order == "desc")


def _product_sort_key(query: ListQuery) -> Callable[[dict[str, Any]], Any]:
	if query.orderby in ("title", "slug"):
		return lambda p: p["name" if query.orderby == "title" else "slug"].lower()
	if query.orderby == "price":
		return lambda p: to_decimal(p.get("price"))
	if query.orderby == "modified":
		return lambda p: p["date_modified_gmt"]
	if query.orderby == "include" and query.include:
		position = {pid: index for index, pid in enumerate(query.include)}
		return lambda p: position.get(p["id"], len(position))
	if query.orderby == "date":
		return lambda p: p["date_created_gmt"]
	return lambda p: p["id"]
