"""An Item's weight reaches the shop in the shop's weight unit: read once a run, converted with
exact factors, left out with a note when the Item's Weight UOM is no unit of mass; a steady run
after it writes nothing."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from test_catalogue_sync import SERVER, catalogue, full_sync, mug, settings_of  # noqa: F401

from woocommerce_fusion.engine.catalogue.plan import Action
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem
from woocommerce_fusion.engine.catalogue.sync import preview_item, sync_items
from woocommerce_fusion.engine.catalogue.weight import ShopWeightUnit, convert, shop_weight
from woocommerce_fusion.engine.errors import WooCommerceError, kind_for_status
from woocommerce_fusion.testing.erp_fake_items import DEFAULT_PRICE_LIST

SETTING = "/wp-json/wc/v3/settings/products/woocommerce_weight_unit"


def weight_in_shop(shop, erp, code: str) -> str:
	return shop.products[erp.item_links(code)[0].product_id]["weight"]


@pytest.mark.parametrize(
	("weight", "uom", "unit", "expected"),
	[
		("0.35", "Kg", "g", "350"),
		("350", "Gram", "kg", "0.35"),
		("1", "Kg", "lbs", "2.2046"),
		("0.35", "Kg", "lbs", "0.7716"),
		("16", "Ounce", "lbs", "1"),
		("1", "Pound", "oz", "16"),
		("1", "Pound", "kg", "0.4536"),
		("250", "Milligram", "g", "0.25"),
		("0.123456", "Kg", "kg", "0.123456"),
	],
)
def test_conversion_is_exact_and_rounded_to_four_places(weight, uom, unit, expected):
	assert convert(Decimal(weight), uom, unit) == Decimal(expected)


def test_a_unit_that_is_no_mass_does_not_convert():
	assert convert(Decimal(1), "Nos", "g") is None
	assert convert(Decimal(1), "Kg", "stone") is None


def test_kg_to_a_shop_that_weighs_in_grams(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	shop.settings.weight_unit = "g"
	erp.add_catalogue_item(mug(weight=Decimal("0.35"), weight_uom="Kg"), price="5")
	full_sync(erp, client, clock)
	assert weight_in_shop(shop, erp, "MUG-1") == "350"
	assert preview_item(erp, client, settings_of(erp), "MUG-1").action == Action.UNCHANGED


def test_grams_to_a_shop_that_weighs_in_kg_and_pounds_to_one_in_lbs(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	erp.add_catalogue_item(mug("MUG-G", weight=Decimal("350"), weight_uom="Gram"), price="5")
	full_sync(erp, client, clock)
	assert weight_in_shop(shop, erp, "MUG-G") == "0.35"

	shop.settings.weight_unit = "lbs"
	erp.add_catalogue_item(mug("MUG-KG", weight=Decimal("1"), weight_uom="Kg"), price="5")
	erp.add_catalogue_item(mug("MUG-OZ", weight=Decimal("8"), weight_uom="Ounce"), price="5")
	counts = full_sync(erp, client, clock)
	# The shop's unit changed: the product already there is sent its weight again.
	assert (counts.created, counts.updated) == (2, 1)
	assert weight_in_shop(shop, erp, "MUG-G") == "0.7716"
	assert weight_in_shop(shop, erp, "MUG-KG") == "2.2046"
	assert weight_in_shop(shop, erp, "MUG-OZ") == "0.5"


def test_a_weight_in_a_unit_that_is_no_mass_is_left_out_with_a_note(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	shop.settings.weight_unit = "g"
	erp.add_catalogue_item(mug("MUG-NOS", weight=Decimal("2"), weight_uom="Nos"), price="5")
	erp.add_catalogue_item(mug("MUG-BARE", weight=Decimal("2")), price="5")
	plan = preview_item(erp, client, settings_of(erp), "MUG-NOS")
	assert "weight" not in plan.payload
	assert "Weight not sent: unit Nos cannot be converted to the shop's g." in plan.notes
	counts = full_sync(erp, client, clock)
	assert counts.created == 2
	assert shop.product_by_sku("MUG-NOS")["weight"] == ""
	assert "MUG-NOS: Weight not sent: unit Nos cannot be converted to the shop's g." in counts.notes
	assert any(
		note.startswith("MUG-BARE: Weight not sent: the Item has no Weight UOM") for note in counts.notes
	)
	assert preview_item(erp, client, settings_of(erp), "MUG-NOS").action == Action.UNCHANGED


def test_a_variant_weight_goes_to_its_variation_converted(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	shop.settings.weight_unit = "g"
	erp.add_catalogue_item(
		CatalogueItem("CUP", "Cup", item_group="Web Products", has_variants=True, attributes=[("Size", "")])
	)
	erp.add_catalogue_item(
		CatalogueItem(
			"CUP-L",
			"Cup L",
			item_group="Web Products",
			variant_of="CUP",
			attributes=[("Size", "L")],
			weight=Decimal("0.5"),
			weight_uom="Kg",
		),
		price="4",
	)
	erp.add_catalogue_item(
		CatalogueItem(
			"CUP-S",
			"Cup S",
			item_group="Web Products",
			variant_of="CUP",
			attributes=[("Size", "S")],
			weight=Decimal("1"),
			weight_uom="Box",
		),
		price="3",
	)
	full_sync(erp, client, clock)
	assert shop.products[erp.item_links("CUP-L")[0].variation_id]["weight"] == "500"
	plan = preview_item(erp, client, settings_of(erp), "CUP")
	assert "CUP-S: Weight not sent: unit Box cannot be converted to the shop's g." in plan.notes
	assert plan.action == Action.UNCHANGED
	assert {v.action for v in plan.variations} == {Action.UNCHANGED}


def test_the_unit_is_read_once_a_run_and_a_steady_run_makes_no_call(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	shop.settings.weight_unit = "g"
	n = 150
	for index in range(n):
		erp.add_catalogue_item(mug(f"W-{index:04d}", weight=Decimal("0.35"), weight_uom="Kg"), price="2")
	clock.advance(minutes=1)
	shop.reset_counts()
	created = sync_items(erp, client, settings_of(erp), since=None, shop_since=None)
	assert created.created == n
	assert shop.count("GET", SETTING) == 1
	assert shop.count() <= math.ceil(n / 100) + 2
	assert {p["weight"] for p in shop.products.values() if p["sku"].startswith("W-")} == {"350"}
	since, shop_since = clock(), created.shop_clock

	clock.advance(minutes=5)
	for index in range(n):
		erp.set_item_price(DEFAULT_PRICE_LIST, f"W-{index:04d}", "2.5")
	shop.reset_counts()
	changed = sync_items(erp, client, settings_of(erp), since=since, shop_since=shop_since)
	assert changed.updated == n
	# Only the price differs: the converted weight matches the stored hash's.
	assert shop.count() == math.ceil(n / 100) + 2
	assert shop.count("GET", SETTING) == 1
	since, shop_since = clock(), changed.shop_clock

	clock.advance(minutes=5)
	shop.reset_counts()
	steady = sync_items(erp, client, settings_of(erp), since=since, shop_since=shop_since)
	assert steady.fetched == 0 and shop.count("POST") == 0 and shop.count("GET", SETTING) == 0

	shop.reset_counts()
	second_full = full_sync(erp, client, clock)
	assert (second_full.updated, second_full.unchanged) == (0, n)
	assert shop.count("POST") == 0


def test_a_uom_the_site_converts_to_kg_goes_out_by_its_conversion_factor(catalogue, shop, client, clock):  # noqa: F811
	erp = catalogue
	shop.settings.weight_unit = "g"
	# As ERPNext's setup data records the stone.
	erp.add_uom_conversion("Kg", "Stone", "0.157473")
	erp.add_catalogue_item(mug("MUG-ST", weight=Decimal("1"), weight_uom="Stone"), price="5")
	full_sync(erp, client, clock)
	assert shop.product_by_sku("MUG-ST")["weight"] == "6350.295"
	assert preview_item(erp, client, settings_of(erp), "MUG-ST").action == Action.UNCHANGED


class RefusingClient:
	"""A shop that answers the settings read with `status`, counting the reads."""

	def __init__(self, status: int) -> None:
		self.status, self.reads = status, 0

	def get(self, endpoint, params=None):
		self.reads += 1
		raise WooCommerceError("refused", kind=kind_for_status(self.status), status_code=self.status)


def test_a_unit_the_key_may_not_read_leaves_weights_out_with_a_note_and_is_asked_once():
	client = RefusingClient(401)
	unit = ShopWeightUnit(client)
	for _ in range(3):
		weight, note = shop_weight(Decimal("0.35"), "Kg", unit)
		assert weight is None and note == "Weight not sent: the shop's weight unit could not be read (401)."
	assert client.reads == 1


def test_a_shop_failing_to_answer_the_unit_fails_the_run():
	with pytest.raises(WooCommerceError):
		shop_weight(Decimal("0.35"), "Kg", ShopWeightUnit(RefusingClient(500)))
