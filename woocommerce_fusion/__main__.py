"""Command line of the engine: `python -m woocommerce_fusion preview --demo`.

Runs without Frappe, so anyone can try the mapping against a shop (or the bundled test shop)
with nothing but pip.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import FusionError
from woocommerce_fusion.engine.preview import fetch_orders, preview_orders, preview_settings


def _since(value: str) -> datetime:
	parsed = datetime.fromisoformat(value)
	return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m woocommerce_fusion")
	commands = parser.add_subparsers(dest="command", required=True)
	preview = commands.add_parser(
		"preview", help="print the Sales Order the engine would make for each order of a shop (dry run)"
	)
	preview.add_argument("--demo", action="store_true", help="start the bundled test shop with sample orders")
	preview.add_argument("--orders", type=int, default=25, help="number of sample orders with --demo")
	preview.add_argument("--shop", help="the shop's URL, e.g. https://shop.example.com")
	preview.add_argument("--key", help="WooCommerce REST API consumer key")
	preview.add_argument("--secret", help="WooCommerce REST API consumer secret")
	preview.add_argument("--since", type=_since, help="only orders modified since (ISO date, UTC)")
	preview.add_argument("--currency", help="your company currency (default: the shop's)")
	args = parser.parse_args(argv)

	if args.demo:
		from woocommerce_fusion.testing.shop import TestShop

		with TestShop().start() as shop:
			shop.seed_orders(args.orders, seed=1)
			return _preview(shop.url, shop.consumer_key, shop.consumer_secret, args.since, args.currency)
	if not (args.shop and args.key and args.secret):
		parser.error("give --shop, --key and --secret, or --demo")
	return _preview(args.shop, args.key, args.secret, args.since, args.currency)


def _preview(url: str, key: str, secret: str, since: datetime | None, currency: str | None) -> int:
	client = WooCommerceClient(url, key, secret)
	try:
		if not currency:
			currency = client.system_status().get("settings", {}).get("currency") or "EUR"
		orders = list(fetch_orders(client, since))
	except FusionError as exc:
		print(f"Could not read the shop: {exc}\nFix: {exc.suggested_fix}", file=sys.stderr)
		return 2
	summary = preview_orders(orders, preview_settings(url, currency, orders), sys.stdout)
	return 0 if summary.ok else 1


if __name__ == "__main__":
	sys.exit(main())
