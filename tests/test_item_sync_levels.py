"""The item sync and the stock and price pushes meet on one Item: a product the item sync makes
gets the Item's stock by the next push (the item sync never sends stock; the push owns it)."""

from __future__ import annotations

from decimal import Decimal

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings
from woocommerce_fusion.engine.catalogue.push import push_pending
from woocommerce_fusion.engine.catalogue.sync import sync_items
from woocommerce_fusion.testing.catalogue_fixtures import PRICE_LIST, SERVER, WAREHOUSE, levels_settings


def test_an_item_the_item_sync_links_gets_its_stock_and_price_by_the_next_push(erp, shop, client):
	erp.add_item_group("Web Products")
	erp.set_catalogue_settings(
		CatalogueSettings(SERVER, enabled=True, item_groups=("Web Products",), manage_stock=True)
	)
	erp.set_levels_settings(levels_settings())
	erp.add_catalogue_item(
		CatalogueItem("MUG-1", "Blue mug", item_group="Web Products"), price="7.50", price_list=PRICE_LIST
	)
	# Received before the Item was in the shop: no row then, so nothing was queued.
	erp.stock_transaction("MUG-1", WAREHOUSE, 12)
	assert erp.pending_row(SERVER, "MUG-1") is None

	# As the Items runner does: committed after each batch and at the end.
	sync_items(
		erp, client, erp.catalogue_settings(SERVER), since=None, shop_since=None, after_batch=erp.commit
	)
	erp.commit()
	product_id = erp.item_links("MUG-1")[0].product_id
	assert shop.products[product_id]["stock_quantity"] in (None, 0)

	counts = push_pending(erp, client, levels_settings())

	assert counts.pushed == 1
	product = shop.products[product_id]
	assert (product["stock_quantity"], product["regular_price"]) == (12, "7.50")
	assert erp.pending_row(SERVER, "MUG-1").pushed_stock == 12
	assert push_pending(erp, client, levels_settings()).considered == 0
	assert erp.pending_row(SERVER, "MUG-1").pushed_price == Decimal("7.50")
