"""The shop's product categories (/products/categories) and what a product write does with its
`categories` and `images`, as WooCommerce 8.4 does it.

Categories are terms: a product's `categories` is written as ids and read back as {id, name,
slug}; an id that names no category is dropped. An image given by `src` is downloaded into the
media library: the product shows the uploaded copy (its own id and URL, named after the file).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from woocommerce_fusion.testing.shop_http import ONE, Request, Response, Route, require, route
from woocommerce_fusion.testing.shop_lists import parse_list_query
from woocommerce_fusion.testing.shop_products import CATEGORY, slugify
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import RestError, php_json

UNCATEGORIZED = {"id": 15, "name": "Uncategorized", "slug": "uncategorized"}


@dataclass
class Category:
	id: int
	name: str
	slug: str
	parent: int = 0
	description: str = ""

	def ref(self) -> dict[str, Any]:
		return {"id": self.id, "name": self.name, "slug": self.slug}

	def as_json(self, api: str, count: int) -> dict[str, Any]:
		return {
			"id": self.id,
			"name": self.name,
			"slug": self.slug,
			"parent": self.parent,
			"description": self.description,
			"display": "default",
			"image": None,
			"menu_order": 0,
			"count": count,
			"_links": {
				"self": [{"href": f"{api}/products/categories/{self.id}"}],
				"collection": [{"href": f"{api}/products/categories"}],
			},
		}


class CategoryStore:
	def __init__(self, site: ShopSite) -> None:
		self.site = site
		self.categories: dict[int, Category] = {
			ref["id"]: Category(ref["id"], ref["name"], ref["slug"]) for ref in (CATEGORY, UNCATEGORIZED)
		}

	def add(self, name: str, parent: int = 0) -> Category:
		with self.site.lock:
			slug = slugify(name)
			if any(c.slug == slug and c.parent == parent for c in self.categories.values()):
				raise RestError(
					400, "term_exists", "A term with the name provided already exists with this parent."
				)
			category = Category(self.site.post_ids.take(), name, slug, parent)
			self.categories[category.id] = category
			return category

	def refs(self, given: Any) -> list[dict[str, Any]]:
		"""A product's categories from the ids written; unknown ids are dropped."""
		ids = [c.get("id") for c in given or [] if isinstance(c, dict)]
		return [self.categories[int(i)].ref() for i in ids if str(i).isdigit() and int(i) in self.categories]

	def apply(self, product: dict[str, Any], data: dict[str, Any], now: datetime) -> None:
		"""What a create or update does with categories and images (after the other fields)."""
		if "categories" in data and "categories" in product:
			product["categories"] = self.refs(data["categories"])
		if "images" in data and "images" in product:
			product["images"] = [self._image(image, product, now) for image in data["images"] or []]
		if "image" in data and "image" in product:
			product["image"] = self._image(data["image"], product, now) if data["image"] else None
		if data.get("backorders") in ("no", "notify", "yes"):
			# new_product() starts every product at "no"; an update sets it already.
			product["backorders"] = data["backorders"]
			product["backorders_allowed"] = product.get("backorders") in ("notify", "yes")
		if "backordered" in product:
			# WC_Product::is_on_backorder(): managing stock, none left, backorders allowed.
			out = product.get("manage_stock") and (product.get("stock_quantity") or 0) <= 0
			product["backordered"] = bool(out and product.get("backorders_allowed"))
			if out and product["backordered"]:
				product["stock_status"] = "onbackorder"

	def _image(self, given: Any, product: dict[str, Any], now: datetime) -> dict[str, Any]:
		if not isinstance(given, dict):
			raise RestError(400, "rest_invalid_param", "Invalid parameter(s): images")
		kept = [
			i for i in product.get("images") or [product.get("image")] if i and i.get("id") == given.get("id")
		]
		if given.get("id") and kept:
			return kept[0]
		src = str(given.get("src") or "")
		if urlsplit(src).scheme not in ("http", "https"):
			raise RestError(
				400,
				"woocommerce_product_image_upload_error",
				f"Error getting remote image {src}.",
				resource_id=product["id"],
			)
		file_name = re.sub(r"\s+", "-", urlsplit(src).path.rsplit("/", 1)[-1])
		clock = self.site.store_clock
		return {
			"id": self.site.post_ids.take(),
			"date_created": clock.local(now),
			"date_created_gmt": clock.gmt(now),
			"date_modified": clock.local(now),
			"date_modified_gmt": clock.gmt(now),
			"src": f"{self.site.url}/wp-content/uploads/{now:%Y/%m}/{file_name}",
			"name": file_name.rsplit(".", 1)[0],
			"alt": str(given.get("alt") or ""),
		}


class CategoryRoutes:
	def __init__(self, store: CategoryStore, products: dict[int, dict[str, Any]]) -> None:
		self.store = store
		self.products = products
		self.site = store.site

	def routes(self) -> list[Route]:
		return [
			route(
				"/products/categories", "GET, POST", GET=(self._list, "list"), POST=(self._create, "create")
			),
			route("/products/categories/<id>", ONE, GET=(self._get, "view")),
		]

	def _count(self, category_id: int) -> int:
		return sum(
			1
			for p in self.products.values()
			if not p.get("parent_id")
			and p.get("status") == "publish"
			and any(c["id"] == category_id for c in p.get("categories") or [])
		)

	def _json(self, category: Category) -> dict[str, Any]:
		return json.loads(
			php_json(category.as_json(f"{self.site.url}/wp-json/wc/v3", self._count(category.id)))
		)

	def _list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self.site.store_clock, ("id", "name", "slug"), "name", status_enum=None
		)
		require(request, kind)
		with self.site.lock:
			categories = sorted(self.store.categories.values(), key=lambda c: c.name.lower())
			chunk, headers = self.site.page(query, categories, "products/categories")
			return Response(200, [self._json(c) for c in chunk], headers=headers)

	def _get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			category = self.store.categories.get(int(request.match["id"]))
			if category is None:
				raise RestError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")
			return Response(200, self._json(category))

	def _create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		if not str(body.get("name") or "").strip():
			raise RestError(400, "rest_missing_callback_param", "Missing parameter(s): name", params=["name"])
		category = self.store.add(str(body["name"]).strip(), int(body.get("parent") or 0))
		with self.site.lock:
			return Response(201, self._json(category))
