"""Item sync on a real bench: the engine with the Frappe adapter (FrappeCatalogue) against the
test shop. Prints Items per second and shop calls per Item for a first run (`count` Items become
products), a run after every Item Price changed, and a steady run. On a site with ERPNext's test
records (through the bench's lock on the shared bench):

    bench --site SITE execute woocommerce_fusion.testing.bench_catalogue.run --kwargs "{'count': 500}"

Like bench_fixtures.py it imports Frappe: it runs on a bench only.

It makes its own Item Group, Items, prices and WooCommerce Server, and removes them at the end.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import frappe

PREFIX = "_BWC-"
GROUP = "_Bench WooCommerce Items"


def run(count: int = 500) -> None:
	from woocommerce_fusion.engine.catalogue.sync import sync_items
	from woocommerce_fusion.engine.client import WooCommerceClient
	from woocommerce_fusion.erp.catalogue import FrappeCatalogue
	from woocommerce_fusion.testing.bench_fixtures import PRICE_LIST, make_fixtures, make_server
	from woocommerce_fusion.testing.shop import TestShop

	make_fixtures()
	server = f"_Bench WooCommerce Items {int(time.time())}"
	if not frappe.db.exists("Item Group", GROUP):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": GROUP, "parent_item_group": "All Item Groups"}
		).insert()
	started = time.perf_counter()
	for index in range(count):
		code = f"{PREFIX}{index:05d}"
		frappe.get_doc(
			{"doctype": "Item", "item_code": code, "item_name": code, "item_group": GROUP, "stock_uom": "Nos"}
		).insert()
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST, "price_list_rate": 9.9}
		).insert()
	print(f"{count} Items with prices made in {time.perf_counter() - started:.1f} s")
	with TestShop().start() as shop:
		make_server(
			server,
			shop.url,
			enable_order_sync=0,
			enable_item_sync=1,
			item_sync_item_groups=[{"item_group": GROUP}],
		)
		frappe.db.commit()
		try:
			port = FrappeCatalogue()
			client = WooCommerceClient(shop.url, shop.consumer_key, shop.consumer_secret)

			def timed(label: str, **window) -> object:
				shop.reset_counts()
				begin = time.perf_counter()
				counts = sync_items(
					port, client, port.catalogue_settings(server), after_batch=frappe.db.commit, **window
				)
				seconds = time.perf_counter() - begin
				writes = sum(shop.count(m) for m in ("POST", "PUT", "PATCH", "DELETE"))
				print(
					f"{label}: {count / seconds:,.0f} items/s, {shop.count()} calls ({shop.count() / count:.3f}/item), "
					f"{writes} writes; created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}"
				)
				return counts

			first = timed("first run", since=None, shop_since=None)
			since = datetime.now(timezone.utc)
			for name in frappe.get_all("Item Price", {"item_code": ("like", f"{PREFIX}%")}, pluck="name"):
				doc = frappe.get_doc("Item Price", name)
				doc.price_list_rate = 10.9
				doc.save()
			frappe.db.commit()
			changed = timed("all prices changed", since=since, shop_since=first.shop_clock)
			timed("steady run", since=datetime.now(timezone.utc), shop_since=changed.shop_clock)
		finally:
			for code in frappe.get_all("Item", {"name": ("like", f"{PREFIX}%")}, pluck="name"):
				frappe.db.delete("Item Price", {"item_code": code})
				frappe.delete_doc("Item", code, force=True)
			frappe.delete_doc("WooCommerce Server", server, force=True)
			frappe.db.commit()
