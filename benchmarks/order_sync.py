"""Order sync speed: the engine with the ERP fake against the test shop over real HTTP.

Prints, per order count: orders/second of a first full run (every order becomes a Sales Order),
shop requests per order, and the same for a second run in which every order's timestamp moved
but nothing differs (the steady state of an hourly job).

    python benchmarks/order_sync.py [--orders 1000 10000] [--latency]
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.listing import run_order_sync
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.shop import TestShop


def bench(count: int, realistic_latency: bool) -> dict[str, float]:
	latency = {"latency": 0.11, "per_order_latency": 0.005} if realistic_latency else {}
	with TestShop(**latency).start() as shop:
		shop.seed_orders(count, seed=42)
		settings = ServerSettings(
			name="bench",
			url=shop.url,
			consumer_key=shop.consumer_key,
			consumer_secret=shop.consumer_secret,
			company="Bench Co",
			company_currency="EUR",
			tax_accounts={rate_id: f"VAT {rate_id}" for rate_id in (1, 2)},
			shipping_account="Shipping",
			fee_account="Fees",
		)
		client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)
		erp = ErpFake()

		shop.reset_counts()
		tracemalloc.start()
		started = time.perf_counter()
		first = run_order_sync(erp, client, settings, since=None, now=datetime.now(timezone.utc))
		first_seconds = time.perf_counter() - started
		_, peak = tracemalloc.get_traced_memory()
		tracemalloc.stop()
		first_requests = shop.count()

		for order_id in list(shop.orders):
			shop.modify_order(order_id)
		shop.reset_counts()
		writes = erp.writes
		started = time.perf_counter()
		second = run_order_sync(
			erp,
			client,
			settings,
			since=datetime.now(timezone.utc) - timedelta(hours=1),
			now=datetime.now(timezone.utc),
		)
		second_seconds = time.perf_counter() - started
		return {
			"orders": count,
			"created": first.counts.created,
			"failed": first.counts.failed,
			"first_orders_per_s": count / first_seconds,
			"first_requests_per_order": first_requests / count,
			"peak_mb": peak / 1e6,
			"steady_orders_per_s": count / second_seconds,
			"steady_requests": shop.count(),
			"minimum_requests": math.ceil(count / 100) + 1,
			"steady_writes": erp.writes - writes,
			"steady_unchanged": second.counts.unchanged,
		}


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--orders", type=int, nargs="+", default=[1000, 10000])
	parser.add_argument(
		"--latency", action="store_true", help="add a real shop's latency (~110 ms + 5 ms/order)"
	)
	args = parser.parse_args()
	header = (
		f"{'orders':>7} {'created':>8} {'failed':>6} {'first o/s':>10} {'req/order':>9} {'peak MB':>8} "
		f"{'steady o/s':>11} {'steady req':>10} {'minimum':>8} {'writes':>7}"
	)
	print(header)
	for count in args.orders:
		r = bench(count, args.latency)
		print(
			f"{r['orders']:>7} {r['created']:>8} {r['failed']:>6} {r['first_orders_per_s']:>10.0f} "
			f"{r['first_requests_per_order']:>9.3f} {r['peak_mb']:>8.1f} {r['steady_orders_per_s']:>11.0f} "
			f"{r['steady_requests']:>10} {r['minimum_requests']:>8} {r['steady_writes']:>7}"
		)


if __name__ == "__main__":
	main()
