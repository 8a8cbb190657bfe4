"""Stock push speed: the engine with the ERP fake against the test shop over real HTTP.

Prints, per Item count: Items/second of a push that changes every Item's stock, shop calls per
Item (the goal is at most ceil(N/100)+2 calls for N changed Items), and the same for a steady
re-run in which every Item is queued again but nothing differs (it must make no call at all).

    python benchmarks/stock_price_push.py [--items 1000 10000] [--latency]
"""

from __future__ import annotations

import argparse
import math
import time

from woocommerce_fusion.engine.catalogue.push import push_pending
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.testing.catalogue_fixtures import (
	SERVER,
	WAREHOUSE,
	levels_settings,
	make_linked_catalogue,
)
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.shop import TestShop


def bench(count: int, realistic_latency: bool) -> dict[str, float]:
	with TestShop().start() as shop:
		erp = ErpFake()
		catalogue = make_linked_catalogue(shop, erp, simple=count, prefix="BENCH")
		codes = list(catalogue.simple)
		for n, code in enumerate(codes, start=1):
			erp.set_bin(code, WAREHOUSE, actual_qty=n % 50 + 1)
		erp.mark_pending(SERVER, codes, stock=True, price=False)
		erp.commit()
		if realistic_latency:
			shop.latency = TestShop.REALISTIC_LATENCY
		client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)
		settings = levels_settings()

		shop.reset_counts()
		started = time.perf_counter()
		first = push_pending(erp, client, settings)
		first_seconds = time.perf_counter() - started
		first_calls = shop.count()
		assert first.pushed == count and first.failed == 0, first.errors[:3]
		products = shop.products
		wrong = [
			code
			for n, code in enumerate(codes, start=1)
			if products[catalogue.simple[code]]["stock_quantity"] != n % 50 + 1
		]
		assert not wrong, f"{len(wrong)} Items have the wrong stock in the shop"

		erp.mark_pending(SERVER, codes, stock=True, price=False)
		erp.commit()
		shop.reset_counts()
		started = time.perf_counter()
		steady = push_pending(erp, client, settings)
		steady_seconds = time.perf_counter() - started
		steady_calls = shop.count()
		assert steady.unchanged == count
	return {
		"items": count,
		"items_per_s": count / first_seconds,
		"calls": first_calls,
		"calls_per_item": first_calls / count,
		"goal_calls": math.ceil(count / 100) + 2,
		"steady_items_per_s": count / steady_seconds,
		"steady_calls": steady_calls,
	}


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000])
	parser.add_argument(
		"--latency", action="store_true", help="add a real shop's ~110 ms to every call to the test shop"
	)
	args = parser.parse_args()
	print(
		f"{'items':>7} {'items/s':>9} {'calls':>6} {'calls/item':>11} {'goal':>5}"
		f" {'steady items/s':>15} {'steady calls':>13}"
	)
	for count in args.items:
		r = bench(count, args.latency)
		print(
			f"{r['items']:>7} {r['items_per_s']:>9.0f} {r['calls']:>6} {r['calls_per_item']:>11.3f}"
			f" {r['goal_calls']:>5} {r['steady_items_per_s']:>15.0f} {r['steady_calls']:>13}"
		)


if __name__ == "__main__":
	main()
