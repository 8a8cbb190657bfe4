"""The dry run a newcomer types first: `python -m woocommerce_fusion preview --demo`."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal

from woocommerce_fusion.__main__ import main
from woocommerce_fusion.engine.preview import preview_orders, preview_settings


def test_demo_previews_every_order_exactly():
	result = subprocess.run(
		[sys.executable, "-m", "woocommerce_fusion", "preview", "--demo", "--orders", "30"],
		capture_output=True,
		text=True,
		timeout=120,
	)
	assert result.returncode == 0, result.stderr
	lines = result.stdout.splitlines()
	assert lines[-1] == "Summary: 30 orders, 30 exact, 0 off, 0 errors"
	assert sum(line.startswith("Order #") for line in lines) == 30
	assert sum(line.endswith(": exact") for line in lines) == 30


def test_preview_reports_an_order_that_cannot_be_mapped(woo_shop):
	order = {"id": 7, "currency": "EUR", "total": "banana", "line_items": [], "tax_lines": []}
	out = io.StringIO()
	summary = preview_orders([order], preview_settings("http://shop", "EUR", [order]), out)
	assert (summary.orders, summary.exact, summary.errors) == (1, 0, 1)
	assert "Order #7: cannot be mapped" in out.getvalue()
	assert "Fix:" in out.getvalue()


def test_preview_shows_an_order_that_does_not_add_up_as_off(woo_shop):
	woo_shop.seed_orders(2, seed=3)
	orders = [dict(order) for order in woo_shop.orders.values()]
	orders[0]["total"] = str(Decimal(orders[0]["total"]) + Decimal("0.01"))
	out = io.StringIO()
	summary = preview_orders(orders, preview_settings("http://shop", "EUR", orders), out)
	assert (summary.orders, summary.exact, summary.off, summary.errors) == (2, 1, 1, 0)
	assert f"Order #{orders[0]['id']}" in summary.messages[0]
	assert "OFF by -0.01" in out.getvalue()


def test_preview_against_a_shop_url_with_wrong_keys_explains_itself(woo_shop, capsys):
	code = main(
		["preview", "--shop", woo_shop.url, "--key", "ck_nope", "--secret", "cs_nope", "--currency", "EUR"]
	)
	assert code == 2
	err = capsys.readouterr().err
	assert "Could not read the shop" in err and "Consumer Key" in err


def test_preview_against_a_shop_url(woo_shop, capsys):
	woo_shop.seed_orders(12, seed=5)
	code = main(
		[
			"preview",
			"--shop",
			woo_shop.url,
			"--key",
			woo_shop.consumer_key,
			"--secret",
			woo_shop.consumer_secret,
		]
	)
	assert code == 0
	assert capsys.readouterr().out.splitlines()[-1] == "Summary: 12 orders, 12 exact, 0 off, 0 errors"
