"""A linked catalogue for the stock and price pushes: products (and variable products with
variations) made in the test shop through its batch endpoints, and Items linked to them in the
ERP fake. Shared by the CI tests and benchmarks/stock_price_push.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from woocommerce_fusion.engine.catalogue.levels_port import LevelsSettings, QuantityBasis
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.shop import TestShop

SERVER = "shop1"
WAREHOUSE = "Stores - TC"
PRICE_LIST = "Web EUR"
BATCH = 100


def levels_settings(**overrides: object) -> LevelsSettings:
	values: dict[str, object] = dict(
		server=SERVER,
		stock_enabled=True,
		price_enabled=True,
		warehouses=(WAREHOUSE,),
		quantity_basis=QuantityBasis.ACTUAL_MINUS_RESERVED,
		price_list=PRICE_LIST,
	)
	values.update(overrides)
	return LevelsSettings(**values)


@dataclass
class LinkedCatalogue:
	# item code -> shop id (the product's, or the variation's)
	simple: dict[str, int] = field(default_factory=dict)
	# item code -> (parent product id, variation id)
	variants: dict[str, tuple[int, int]] = field(default_factory=dict)


def _batch_create(shop: TestShop, endpoint: str, payloads: list[dict]) -> list[dict]:
	created = []
	for start in range(0, len(payloads), BATCH):
		answer = shop.request("POST", endpoint, json={"create": payloads[start : start + BATCH]}, timeout=60)
		answer.raise_for_status()
		created.extend(answer.json()["create"])
	return created


def make_linked_catalogue(
	shop: TestShop,
	erp: ErpFake,
	*,
	simple: int = 0,
	variable: int = 0,
	variations: int = 3,
	prefix: str = "IT",
) -> LinkedCatalogue:
	"""`simple` products and `variable` products of `variations` sizes each, stock 0 and price
	1.00 in the shop, linked to Items named <prefix>-0001, <prefix>-V001-S1 ...; the fake's server
	syncs stock and prices by levels_settings()."""
	erp.set_levels_settings(levels_settings())
	catalogue = LinkedCatalogue()
	codes = [f"{prefix}-{n:05d}" for n in range(1, simple + 1)]
	payloads = [
		{"name": code, "sku": code, "regular_price": "1.00", "manage_stock": True, "stock_quantity": 0}
		for code in codes
	]
	for code, product in zip(codes, _batch_create(shop, "products/batch", payloads), strict=True):
		erp.link_item(SERVER, code, product["id"])
		catalogue.simple[code] = product["id"]
	sizes = [f"S{n}" for n in range(1, variations + 1)]
	parents = [
		{
			"name": f"{prefix}-V{n:03d}",
			"type": "variable",
			"attributes": [{"name": "Size", "options": sizes, "variation": True, "visible": True}],
		}
		for n in range(1, variable + 1)
	]
	for parent in _batch_create(shop, "products/batch", parents) if parents else []:
		template = parent["name"]
		created = _batch_create(
			shop,
			f"products/{parent['id']}/variations/batch",
			[
				{
					"sku": f"{template}-{size}",
					"regular_price": "1.00",
					"manage_stock": True,
					"stock_quantity": 0,
					"attributes": [{"name": "Size", "option": size}],
				}
				for size in sizes
			],
		)
		for size, variation in zip(sizes, created, strict=True):
			code = f"{template}-{size}"
			erp.link_item(SERVER, code, parent["id"], variation["id"])
			catalogue.variants[code] = (parent["id"], variation["id"])
	return catalogue
