"""Items out to the test shop through the ERP fake: the preview's answers, variants as
variations, batches, and a second run that writes nothing."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from conftest import ManualClock

from woocommerce_fusion.engine.catalogue.plan import Action
from woocommerce_fusion.engine.catalogue.ports import Backorders, CatalogueItem, CatalogueSettings
from woocommerce_fusion.engine.catalogue.sync import preview_item, sync_items, sync_one_item
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import ConfigurationError
from woocommerce_fusion.testing.erp_fake import ErpFake
from woocommerce_fusion.testing.erp_fake_items import DEFAULT_PRICE_LIST
from woocommerce_fusion.testing.shop import TestShop

SERVER = "shop1"


@pytest.fixture
def catalogue(erp: ErpFake, shop: TestShop) -> ErpFake:
	erp.add_item_group("Web Products")
	erp.add_item_group("Mugs", parent="Web Products")
	erp.add_item_group("Office")
	mugs = shop.add_category("Mugs")
	erp.set_catalogue_settings(
		CatalogueSettings(
			server=SERVER,
			enabled=True,
			item_groups=("Web Products",),
			manage_stock=True,
			backorders=Backorders.NOTIFY,
			categories={"Mugs": mugs},
			site_url="https://erp.example.com",
		)
	)
	return erp


def settings_of(erp: ErpFake) -> CatalogueSettings:
	return erp.catalogue_settings(SERVER)


def mug(code: str = "MUG-1", **fields) -> CatalogueItem:
	values = dict(item_code=code, item_name=f"Mug {code}", item_group="Mugs", description="<p>Blue</p>")
	values.update(fields)
	return CatalogueItem(**values)


def add_shirt(erp: ErpFake) -> None:
	erp.add_catalogue_item(
		CatalogueItem(
			"SHIRT",
			"Shirt",
			item_group="Web Products",
			has_variants=True,
			attributes=[("Size", ""), ("Colour", "")],
		)
	)
	for size, colour, price in (("S", "Red", "20"), ("L", "Blue", "22.5")):
		erp.add_catalogue_item(
			CatalogueItem(
				f"SHIRT-{size}",
				f"Shirt {size}",
				item_group="Web Products",
				variant_of="SHIRT",
				attributes=[("Size", size), ("Colour", colour)],
			),
			price=price,
		)


def full_sync(erp: ErpFake, client: WooCommerceClient, clock: ManualClock):
	"""A "Synchronize all" run, committed as its runner commits (after each batch and at the end)."""
	counts = sync_items(erp, client, settings_of(erp), since=None, shop_since=None, after_batch=erp.commit)
	erp.commit()
	return counts


def test_preview_answers_add_update_remove_and_not_eligible(catalogue, shop, client, clock):
	erp = catalogue
	erp.add_catalogue_item(
		mug(image="/files/blue mug.jpg", weight=Decimal("0.35"), weight_uom="Kg"), price="12.50"
	)
	erp.add_catalogue_item(mug("PAPER", item_group="Office"), price="1")

	plan = preview_item(erp, client, settings_of(erp), "MUG-1")
	assert plan.action == Action.ADD
	assert plan.payload["regular_price"] == "12.50"
	assert plan.payload["images"] == [{"src": "https://erp.example.com/files/blue mug.jpg"}]
	assert "category" in plan.category and "Mugs" in plan.category

	sync_one_item(erp, client, settings_of(erp), "MUG-1")
	product = shop.products[erp.item_links("MUG-1")[0].product_id]
	assert (product["sku"], product["regular_price"], product["weight"]) == ("MUG-1", "12.50", "0.35")
	assert [c["name"] for c in product["categories"]] == ["Mugs"]
	assert product["images"][0]["name"] == "blue-mug"
	assert (product["manage_stock"], product["backorders"]) == (True, "notify")
	assert preview_item(erp, client, settings_of(erp), "MUG-1").action == Action.UNCHANGED

	erp.set_item_price(DEFAULT_PRICE_LIST, "MUG-1", "14")
	erp.change_item("MUG-1", item_name="Big mug")
	plan = preview_item(erp, client, settings_of(erp), "MUG-1")
	assert (plan.action, sorted(plan.differences)) == (Action.UPDATE, ["name", "regular_price"])

	erp.change_item("MUG-1", disabled=True)
	plan = preview_item(erp, client, settings_of(erp), "MUG-1")
	assert plan.action == Action.REMOVE and "status" in plan.differences

	plan = preview_item(erp, client, settings_of(erp), "PAPER")
	assert plan.action == Action.NOT_ELIGIBLE
	assert "Office" in plan.reason and "Web Products" in plan.reason
	with pytest.raises(ConfigurationError):
		sync_one_item(erp, client, settings_of(erp), "PAPER")


def test_a_disabled_item_turns_its_product_into_a_draft_and_never_deletes_it(catalogue, shop, client, clock):
	erp = catalogue
	erp.add_catalogue_item(mug(), price="5")
	full_sync(erp, client, clock)
	product_id = erp.item_links("MUG-1")[0].product_id
	erp.change_item("MUG-1", disabled=True)
	shop.reset_counts()
	counts = full_sync(erp, client, clock)
	assert counts.updated == 1
	assert shop.products[product_id]["status"] == "draft"
	assert shop.count("DELETE") == 0
	# Out of the shop's item groups and without a row: a product it had goes to draft too.
	erp.add_catalogue_item(mug("MUG-2"), price="5")
	full_sync(erp, client, clock)
	assert erp.item_links("MUG-2")[0].enabled
	erp.link_item(SERVER, "MUG-2", erp.item_links("MUG-2")[0].product_id, enabled=False)
	plan = preview_item(erp, client, settings_of(erp), "MUG-2")
	assert (plan.action, plan.differences) == (Action.REMOVE, ["status"])


def test_a_template_becomes_a_variable_product_with_one_variation_per_variant(catalogue, shop, client, clock):
	erp = catalogue
	add_shirt(erp)
	plan = preview_item(erp, client, settings_of(erp), "SHIRT-S")
	assert plan.item_code == "SHIRT" and plan.action == Action.ADD
	assert [v.action for v in plan.variations] == [Action.ADD, Action.ADD]

	counts = full_sync(erp, client, clock)
	assert counts.created == 1 and not counts.errors
	link = erp.item_links("SHIRT")[0]
	parent = shop.products[link.product_id]
	assert parent["type"] == "variable"
	assert {(a["name"], tuple(a["options"])) for a in parent["attributes"]} == {
		("Size", ("S", "L")),
		("Colour", ("Red", "Blue")),
	}
	variations = {}
	for code in ("SHIRT-S", "SHIRT-L"):
		variant_link = erp.item_links(code)[0]
		assert variant_link.product_id == link.product_id
		variations[code] = shop.products[variant_link.variation_id]
	assert {(a["name"], a["option"]) for a in variations["SHIRT-L"]["attributes"]} == {
		("Size", "L"),
		("Colour", "Blue"),
	}
	assert variations["SHIRT-L"]["regular_price"] == "22.50"

	erp.set_item_price(DEFAULT_PRICE_LIST, "SHIRT-S", "19")
	plan = preview_item(erp, client, settings_of(erp), "SHIRT")
	assert plan.action == Action.UNCHANGED
	assert [(v.item_code, v.action, v.differences) for v in plan.variations] == [
		("SHIRT-S", Action.UPDATE, ["regular_price"]),
		("SHIRT-L", Action.UNCHANGED, []),
	]
	shop.reset_counts()
	sync_one_item(erp, client, settings_of(erp), "SHIRT")
	assert shop.products[erp.item_links("SHIRT-S")[0].variation_id]["regular_price"] == "19.00"
	assert shop.count("POST", "/wp-json/wc/v3/products/batch") == 0
	assert shop.count("POST", f"/wp-json/wc/v3/products/{link.product_id}/variations/batch") == 1


def test_a_second_full_sync_right_after_the_first_makes_no_update_call(catalogue, shop, client, clock):
	erp = catalogue
	add_shirt(erp)
	for index in range(5):
		erp.add_catalogue_item(mug(f"MUG-{index}", image="https://cdn.example.com/m.png"), price="3")
	first = full_sync(erp, client, clock)
	assert (first.created, first.failed) == (6, 0)
	writes_before = erp.link_writes
	shop.reset_counts()
	second = full_sync(erp, client, clock)
	assert (second.created, second.updated, second.unchanged) == (0, 0, 6)
	assert shop.count("POST") == shop.count("PUT") == shop.count("DELETE") == 0
	assert erp.link_writes == writes_before


def test_a_run_of_changes_takes_ceil_n_over_100_plus_one_calls_and_then_none(catalogue, shop, client, clock):
	erp = catalogue
	n = 250
	for index in range(n):
		erp.add_catalogue_item(mug(f"BULK-{index:04d}"), price="2")
	clock.advance(minutes=1)
	shop.reset_counts()
	batches = []
	created = sync_items(
		erp,
		client,
		settings_of(erp),
		since=None,
		shop_since=None,
		after_batch=lambda: batches.append(erp.link_writes),
	)
	assert created.created == n
	# The link rows of each batch are there when the runner commits after it.
	assert batches == [100, 200, 250]
	assert shop.count() <= math.ceil(n / 100) + 2
	since, shop_since = clock(), created.shop_clock

	clock.advance(minutes=5)
	for index in range(n):
		erp.set_item_price(DEFAULT_PRICE_LIST, f"BULK-{index:04d}", "2.5")
	shop.reset_counts()
	changed = sync_items(erp, client, settings_of(erp), since=since, shop_since=shop_since)
	assert changed.updated == n
	assert shop.count("POST", "/wp-json/wc/v3/products/batch") == math.ceil(n / 100)
	assert shop.count() == math.ceil(n / 100) + 1
	assert {p["regular_price"] for p in shop.products.values() if p["sku"].startswith("BULK-")} == {"2.50"}

	since, shop_since = clock(), changed.shop_clock
	clock.advance(minutes=5)
	shop.reset_counts()
	steady = sync_items(erp, client, settings_of(erp), since=since, shop_since=shop_since)
	assert steady.fetched == 0 and shop.count("POST") == 0


def test_a_product_changed_in_the_shop_is_set_back_by_a_run_of_changes(catalogue, shop, client, clock):
	erp = catalogue
	erp.add_catalogue_item(mug(), price="5")
	first = full_sync(erp, client, clock)
	since = clock()
	clock.advance(minutes=2)
	product_id = erp.item_links("MUG-1")[0].product_id
	client.put(f"products/{product_id}", {"name": "Renamed in the shop"})
	counts = sync_items(erp, client, settings_of(erp), since=since, shop_since=first.shop_clock)
	assert counts.updated == 1
	assert shop.products[product_id]["name"] == "Mug MUG-1"


def test_a_private_image_is_left_out_with_a_note(catalogue, client):
	erp = catalogue
	erp.add_catalogue_item(mug(image="/private/files/secret.png"), price="5")
	plan = preview_item(erp, client, settings_of(erp), "MUG-1")
	assert "images" not in plan.payload
	assert any("private" in note for note in plan.notes)


def test_an_item_whose_sku_the_shop_has_takes_that_product_over(catalogue, shop, client, clock):
	erp = catalogue
	existing = client.post("products", {"name": "Mug MUG-1", "sku": "MUG-1", "regular_price": "9"})
	erp.add_catalogue_item(mug(), price="9")
	plan = preview_item(erp, client, settings_of(erp), "MUG-1")
	assert (plan.action, plan.product_id, plan.adopts) == (Action.UPDATE, existing["id"], True)
	full_sync(erp, client, clock)
	assert erp.item_links("MUG-1")[0].product_id == existing["id"]
	assert [p["id"] for p in shop.products.values() if p["sku"] == "MUG-1"] == [existing["id"]]


def test_shop_only_products_become_items_when_the_server_says_so(catalogue, shop, client, clock):
	erp = catalogue
	settings = settings_of(erp)
	settings.create_items_from_shop = True
	erp.set_catalogue_settings(settings)
	counts = full_sync(erp, client, clock)
	simple = sorted(
		p["sku"] or f"WOO-{p['id']}-0"
		for p in shop.products.values()
		if p.get("type") == "simple" and not p.get("parent_id")
	)
	assert sorted(counts.items_created) == simple
	code = simple[0]
	assert erp.item_links(code)[0].product_id
	again = full_sync(erp, client, clock)
	assert again.items_created == []


def test_item_sync_off_refuses_to_run(catalogue, client, clock):
	erp = catalogue
	settings = settings_of(erp)
	settings.enabled = False
	erp.set_catalogue_settings(settings)
	with pytest.raises(ConfigurationError, match="Enable Item Sync"):
		sync_items(erp, client, settings_of(erp), since=None, shop_since=None)


def test_categories_route_lists_and_creates(shop, client):
	before = client.get("products/categories")
	assert [c["name"] for c in before] == ["Coffee Gear", "Uncategorized"]
	created = client.post("products/categories", {"name": "Mugs"})
	assert (created["name"], created["slug"], created["count"]) == ("Mugs", "mugs", 0)
	assert [c["name"] for c in client.get("products/categories")] == ["Coffee Gear", "Mugs", "Uncategorized"]
	product = client.post("products", {"name": "X", "categories": [{"id": created["id"]}, {"id": 999999}]})
	assert product["categories"] == [{"id": created["id"], "name": "Mugs", "slug": "mugs"}]
	assert client.get(f"products/categories/{created['id']}")["count"] == 1


def test_a_variant_with_a_public_image_sends_it_with_its_variation(catalogue, shop, client, clock):
	erp = catalogue
	add_shirt(erp)
	erp.change_item("SHIRT-L", image="https://cdn.example.com/shirt-blue.png")
	full_sync(erp, client, clock)
	variation = shop.products[erp.item_links("SHIRT-L")[0].variation_id]
	assert variation["image"]["name"] == "shirt-blue"
	assert shop.products[erp.item_links("SHIRT-S")[0].variation_id]["image"] is None
	assert preview_item(erp, client, settings_of(erp), "SHIRT").variations[1].action == Action.UNCHANGED


def test_a_run_of_changes_takes_over_a_variable_product_the_shop_has_under_the_skus(
	catalogue, shop, client, clock
):
	erp = catalogue
	parent = client.post("products", {"name": "Shirt", "sku": "SHIRT", "type": "variable"})
	made = {
		size: client.post(
			f"products/{parent['id']}/variations",
			{"sku": f"SHIRT-{size}", "regular_price": "1", "attributes": [{"name": "Size", "option": size}]},
		)["id"]
		for size in ("S", "L")
	}
	since = clock()
	clock.advance(minutes=1)
	add_shirt(erp)
	counts = sync_items(erp, client, settings_of(erp), since=since, shop_since=shop.now())
	assert (counts.failed, counts.errors) == (0, [])
	assert erp.item_links("SHIRT")[0].product_id == parent["id"]
	for size, price in (("S", "20.00"), ("L", "22.50")):
		link = erp.item_links(f"SHIRT-{size}")[0]
		assert (link.product_id, link.variation_id) == (parent["id"], made[size])
		assert shop.products[made[size]]["regular_price"] == price
	assert [p["id"] for p in shop.products.values() if p["sku"] == "SHIRT"] == [parent["id"]]
