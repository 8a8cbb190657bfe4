"""Order sync on a real bench: the engine with the Frappe adapter against the test shop.

Prints Sales Orders created per second and shop requests per order for a first run, and the
same for a second run in which every order's timestamp moved but nothing differs. Run it with
the bench's Python from the bench's sites folder, on a site with ERPNext's test records
(`bench run-tests` creates them):

    cd ~/frappe-bench/sites && ../env/bin/python /path/to/benchmarks/bench_order_sync.py --site test_site --orders 200

It makes its own WooCommerce Server and removes what it created when it is done.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone

import frappe


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--orders", type=int, default=200)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		run(args.orders)
	finally:
		frappe.destroy()


def run(count: int) -> None:
	from woocommerce_fusion.engine.client import WooCommerceClient
	from woocommerce_fusion.engine.sync.listing import run_order_sync
	from woocommerce_fusion.erp.adapter import FrappeErp
	from woocommerce_fusion.erp.connection import get_settings
	from woocommerce_fusion.testing.bench_fixtures import make_fixtures, make_server
	from woocommerce_fusion.testing.shop import TestShop

	make_fixtures()
	server = f"_Bench WooCommerce {int(time.time())}"
	with TestShop().start() as shop:
		shop.seed_orders(count, seed=7)
		doc = make_server(server, shop.url, enable_order_sync=0)
		frappe.db.commit()
		try:
			settings = get_settings(doc.name)
			client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)
			erp = FrappeErp()

			shop.reset_counts()
			started = time.perf_counter()
			first = run_order_sync(erp, client, settings, since=None, now=datetime.now(timezone.utc))
			seconds = time.perf_counter() - started
			print(
				f"first run: {count} orders, {first.counts.created} Sales Orders created, "
				f"{first.counts.failed} failed, {seconds:.1f} s, "
				f"{first.counts.created / seconds:.1f} Sales Orders/s, "
				f"{shop.count() / count:.3f} shop requests/order"
			)

			for order_id in list(shop.orders):
				shop.modify_order(order_id)
			shop.reset_counts()
			since = datetime.now(timezone.utc) - timedelta(minutes=1)
			started = time.perf_counter()
			second = run_order_sync(erp, client, settings, since=since, now=datetime.now(timezone.utc))
			seconds = time.perf_counter() - started
			print(
				f"steady run: {second.counts.fetched} orders fetched, {second.counts.unchanged} unchanged, "
				f"{second.counts.updated} updated, {seconds:.1f} s, {second.counts.fetched / seconds:.0f} orders/s, "
				f"{shop.count()} shop requests"
			)
		finally:
			remove(doc.name)


def remove(server: str) -> None:
	frappe.db.rollback()
	for name in frappe.get_all("Sales Order", {"woocommerce_server": server}, pluck="name"):
		frappe.delete_doc("Sales Order", name, force=True, ignore_permissions=True)
	for doctype in ("WooCommerce Order Sync", "WooCommerce Sync Action"):
		frappe.db.delete(doctype, {"woocommerce_server": server})
	frappe.db.delete("WooCommerce Request Log", {"server": server})
	frappe.db.delete("WooCommerce Item Server", {"woocommerce_server": server})
	frappe.delete_doc("WooCommerce Server", server, force=True, ignore_permissions=True)
	frappe.db.commit()


if __name__ == "__main__":
	main()
