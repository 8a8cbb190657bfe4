"""Webhook intake speed: signed order.updated deliveries posted to a bench's web server.

Prints, per concurrency level, p50/p90/p99 latency, deliveries per second and the status codes
answered. Only the intake is measured (signature, the Webhook Delivery row, the commit, the job
queued in Redis): run no worker while it runs, so the queued order jobs just wait in the queue
(a worker would process them on the same CPUs, and make Sales Orders for the benchmark's server).

Payloads are the recorded WooCommerce 8.4 orders of woocommerce_fusion/testing/order_cases,
serialised the way WordPress does and spread over `--orders` order ids with a newer
date_modified on every delivery; each delivery carries the headers WooCommerce sends (see
../shared/woocommerce/recordings/webhook_delivery_order_updated.json) and a delivery id of its own.
Runs with any Python that has requests and this package (no Frappe needed).

Preparing the site (a WooCommerce Server with order sync on and a known webhook secret; its shop
URL is never called, because no worker runs):

    cd ~/frappe-bench
    bench --site SITE execute woocommerce_fusion.testing.bench_fixtures.make_server \\
        --args "['_Bench Webhooks']" --kwargs "{'webhook_secret': 'bench-secret'}"

Web server, e.g. 4 sync workers (from the bench's sites folder; the site comes from the Host header):

    ../env/bin/gunicorn -b 127.0.0.1:8002 -w 4 --threads 1 -t 120 --preload frappe.app:application

Run:

    python benchmarks/webhook_intake.py --url http://127.0.0.1:8002 --host SITE \\
        --server '_Bench Webhooks' --secret bench-secret --deliveries 2000 --concurrency 20,50

Clearing up afterwards, in `bench --site SITE console`: the server's rows, and its jobs only (other
sessions may have jobs of their own on the "default" queue, so no purge-jobs). If a worker did
run, its jobs made Sales Orders and more: remove_orders and the item links take those away.

    from frappe.utils.background_jobs import get_queue
    from woocommerce_fusion.testing.bench_fixtures import remove_orders
    server = "_Bench Webhooks"
    for job in get_queue("default").get_jobs():
        if (job.kwargs.get("kwargs") or {}).get("server") == server:
            job.delete()
    remove_orders(server)
    frappe.db.delete("WooCommerce Webhook Delivery", {"woocommerce_server": server})
    frappe.db.delete("WooCommerce Item Server", {"woocommerce_server": server})
    frappe.delete_doc("WooCommerce Server", server, force=True)
    frappe.db.commit()
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from woocommerce_fusion.engine.webhook import sign
from woocommerce_fusion.testing.order_cases import CASES_DIR
from woocommerce_fusion.testing.shop_util import php_json
from woocommerce_fusion.testing.shop_webhooks import TRANSPORT_HEADERS, USER_AGENT

ENDPOINT = "/api/method/woocommerce_fusion.webhooks.receive"
SHOP_URL = "http://shop.example.com/"
WEBHOOK_ID = "2"
# Far from the ids of the test shop and of the recorded orders, so no real order is touched.
FIRST_ORDER_ID = 900_000


@dataclass(frozen=True)
class Delivery:
	body: bytes
	headers: dict[str, str]


def recorded_orders() -> list[dict[str, Any]]:
	orders = []
	for path in sorted(CASES_DIR.glob("order_case_*.json")):
		body = json.loads(path.read_text())["response"]["body"]
		if isinstance(body, dict) and body.get("line_items"):
			orders.append(body)
	return orders


def make_deliveries(count: int, orders: int, host: str, secret: str) -> list[Delivery]:
	"""`count` deliveries over `orders` order ids, each a recorded order with its id, and dates
	newer than any delivery before it, as a shop whose orders keep changing sends them."""
	templates = recorded_orders()
	start = datetime.now(timezone.utc).replace(microsecond=0)
	deliveries = []
	for number in range(count):
		order = dict(templates[number % len(templates)])
		order["id"] = FIRST_ORDER_ID + number % orders
		order["number"] = str(order["id"])
		modified = start + timedelta(seconds=number)
		order["date_modified_gmt"] = modified.strftime("%Y-%m-%dT%H:%M:%S")
		order["date_modified"] = (modified + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
		body = php_json(order).encode()
		headers = {
			"Host": host,
			"User-Agent": USER_AGENT,
			**TRANSPORT_HEADERS,
			"Content-Type": "application/json",
			"X-WC-Webhook-Source": SHOP_URL,
			"X-WC-Webhook-Topic": "order.updated",
			"X-WC-Webhook-Resource": "order",
			"X-WC-Webhook-Event": "updated",
			"X-WC-Webhook-Signature": sign(body, secret),
			"X-WC-Webhook-ID": WEBHOOK_ID,
			"X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
			# WordPress opens a connection per delivery.
			"Connection": "close",
		}
		deliveries.append(Delivery(body, headers))
	return deliveries


class Poster:
	"""Posts deliveries from a thread pool, one requests.Session per thread."""

	def __init__(self, url: str, server: str) -> None:
		self.url = url.rstrip("/") + ENDPOINT
		self.params = {"server": server}
		self.local = threading.local()

	def post(self, delivery: Delivery) -> tuple[float, int | str]:
		session = getattr(self.local, "session", None)
		if session is None:
			session = self.local.session = requests.Session()
		started = time.perf_counter()
		try:
			response = session.post(
				self.url, params=self.params, data=delivery.body, headers=delivery.headers, timeout=120
			)
			status: int | str = response.status_code
		except requests.RequestException as exc:
			status = type(exc).__name__
		return time.perf_counter() - started, status


def percentile(values: list[float], fraction: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def run(poster: Poster, deliveries: list[Delivery], concurrency: int) -> dict[str, Any]:
	with ThreadPoolExecutor(max_workers=concurrency) as pool:
		started = time.perf_counter()
		results = list(pool.map(poster.post, deliveries))
		seconds = time.perf_counter() - started
	latencies = [latency * 1000 for latency, _ in results]
	return {
		"concurrency": concurrency,
		"deliveries": len(deliveries),
		"seconds": seconds,
		"per_second": len(deliveries) / seconds,
		"p50": percentile(latencies, 0.50),
		"p90": percentile(latencies, 0.90),
		"p99": percentile(latencies, 0.99),
		"mean": statistics.fmean(latencies),
		"max": max(latencies),
		"statuses": Counter(str(status) for _, status in results),
	}


def levels(text: str) -> Iterator[int]:
	for part in text.split(","):
		if part.strip():
			yield int(part)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--url", required=True, help="the bench's web server, e.g. http://127.0.0.1:8002")
	parser.add_argument("--host", required=True, help="Host header: the site's name")
	parser.add_argument("--server", required=True, help="WooCommerce Server name")
	parser.add_argument("--secret", required=True, help="the server's webhook secret")
	parser.add_argument("--deliveries", type=int, default=2000, help="per concurrency level")
	parser.add_argument("--orders", type=int, default=500, help="distinct order ids the deliveries cover")
	parser.add_argument("--concurrency", default="20,50", help="comma-separated levels")
	parser.add_argument(
		"--warmup", type=int, default=40, help="deliveries sent before each level, not counted"
	)
	args = parser.parse_args()

	poster = Poster(args.url, args.server)
	for concurrency in levels(args.concurrency):
		warmup = make_deliveries(args.warmup, args.orders, args.host, args.secret)
		run(poster, warmup, concurrency)
		deliveries = make_deliveries(args.deliveries, args.orders, args.host, args.secret)
		result = run(poster, deliveries, concurrency)
		statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result["statuses"].items()))
		print(
			f"concurrency {result['concurrency']}: {result['deliveries']} deliveries in "
			f"{result['seconds']:.1f} s, {result['per_second']:.1f} deliveries/s, latency ms "
			f"p50 {result['p50']:.0f}, p90 {result['p90']:.0f}, p99 {result['p99']:.0f}, "
			f"mean {result['mean']:.0f}, max {result['max']:.0f}; status {statuses}"
		)


if __name__ == "__main__":
	main()
