"""Item sync speed: the engine with the ERP fake against the test shop over real HTTP.

Prints, per Item count N: Items/second and shop calls per Item of a first run (every Item becomes
a product), of a run after every Item's price changed in ERPNext (the goal: at most
ceil(N/100) + 2 calls), and of a steady run with nothing changed (the goal: no write call).

    python benchmarks/catalogue_sync.py [--items 1000 10000]
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import datetime, timedelta, timezone

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings
from woocommerce_fusion.engine.catalogue.sync import CatalogueCounts, sync_items
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.erp_fake_items import DEFAULT_PRICE_LIST
from woocommerce_fusion.testing.shop import TestShop


class Clock:
	"""The ERP fake's clock, moved on between the runs so that "changed since" means something."""

	def __init__(self) -> None:
		self.current = datetime.now(timezone.utc)

	def __call__(self) -> datetime:
		return self.current


def writes(shop: TestShop) -> int:
	return sum(shop.count(method) for method in ("POST", "PUT", "PATCH", "DELETE"))


def timed_run(shop: TestShop, run) -> tuple[CatalogueCounts, float, int, int]:
	shop.reset_counts()
	started = time.perf_counter()
	counts = run()
	return counts, time.perf_counter() - started, shop.count(), writes(shop)


def bench(count: int) -> dict[str, float]:
	with TestShop().start() as shop:
		category = shop.add_category("Bench")
		clock = Clock()
		erp = ErpFake(now=clock)
		erp.add_item_group("Bench")
		erp.set_catalogue_settings(
			CatalogueSettings("bench", enabled=True, item_groups=("Bench",), categories={"Bench": category})
		)
		for index in range(count):
			erp.add_catalogue_item(
				CatalogueItem(
					f"BENCH-{index:05d}", f"Bench item {index}", item_group="Bench", description="<p>x</p>"
				),
				price="9.90",
			)
		settings = erp.catalogue_settings("bench")
		client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)

		first, first_s, first_calls, _ = timed_run(
			shop,
			lambda: sync_items(erp, client, settings, since=None, shop_since=None, after_batch=erp.commit),
		)
		since, shop_since = clock(), first.shop_clock
		clock.current += timedelta(minutes=5)
		for index in range(count):
			erp.set_item_price(DEFAULT_PRICE_LIST, f"BENCH-{index:05d}", "10.90")
		changed, changed_s, changed_calls, _ = timed_run(
			shop,
			lambda: sync_items(
				erp, client, settings, since=since, shop_since=shop_since, after_batch=erp.commit
			),
		)
		since, shop_since = clock(), changed.shop_clock
		clock.current += timedelta(minutes=5)
		steady, _steady_s, steady_calls, steady_writes = timed_run(
			shop,
			lambda: sync_items(
				erp, client, settings, since=since, shop_since=shop_since, after_batch=erp.commit
			),
		)
		full, full_s, full_calls, full_writes = timed_run(
			shop,
			lambda: sync_items(erp, client, settings, since=None, shop_since=None, after_batch=erp.commit),
		)
		assert first.created == count and changed.updated == count, (first, changed)
		assert steady.updated == full.updated == 0
	return {
		"items": count,
		"first_items_per_s": count / first_s,
		"first_calls_per_item": first_calls / count,
		"first_calls": first_calls,
		"changed_items_per_s": count / changed_s,
		"changed_calls": changed_calls,
		"changed_calls_per_item": changed_calls / count,
		"goal": math.ceil(count / 100) + 2,
		"steady_calls": steady_calls,
		"steady_writes": steady_writes,
		"full_compare_items_per_s": count / full_s,
		"full_compare_calls": full_calls,
		"full_compare_writes": full_writes,
	}


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000])
	args = parser.parse_args()
	for count in args.items:
		r = bench(count)
		print(
			f"{r['items']:>6} Items | first run: {r['first_items_per_s']:,.0f} items/s, {r['first_calls']} calls "
			f"({r['first_calls_per_item']:.3f}/item) | all prices changed: {r['changed_items_per_s']:,.0f} items/s, "
			f"{r['changed_calls']} calls ({r['changed_calls_per_item']:.3f}/item; goal <= {r['goal']}) | "
			f"steady run: {r['steady_calls']} calls, {r['steady_writes']} writes | "
			f"Synchronize all, nothing changed: {r['full_compare_items_per_s']:,.0f} items/s, "
			f"{r['full_compare_calls']} calls, {r['full_compare_writes']} writes"
		)


if __name__ == "__main__":
	main()
