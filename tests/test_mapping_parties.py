"""Customers, addresses, contacts and items from WooCommerce orders; refusals of bad data."""

from __future__ import annotations

import copy
import json
import random
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from woocommerce_fusion.engine.errors import ConfigurationError, ErrorKind, MappingError
from woocommerce_fusion.engine.mapping import content_digest, map_order, order_digest
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.testing.order_cases import CASES_DIR


def settings(**overrides) -> ServerSettings:
	values = dict(
		name="shop1",
		url="http://x",
		company="Test Co",
		company_currency="EUR",
		warehouse="Stores - TC",
		price_list="Standard Selling",
		naming_series="SO-WOO-.YYYY.-",
		customer_group="Web Customers",
		territory="Germany",
		item_group="Web Products",
		stock_uom="Unit",
		tax_accounts={1: "VAT 19% - TC", 2: "VAT 7% - TC"},
		shipping_account="Shipping - TC",
		fee_account="Fees - TC",
		delivery_lead_days=3,
	)
	values.update(overrides)
	return ServerSettings(**values)


def case(name: str) -> dict:
	return json.loads((CASES_DIR / f"{name}.json").read_text())["response"]["body"]


class TestCustomer:
	def test_guest(self):
		order = case("order_case_guest")
		plan = map_order(order, settings())
		assert order["customer_id"] == 0
		assert plan.customer.email == "mia.gast.7731@example.org"
		assert plan.customer.customer_type == "Individual"
		assert plan.customer.customer_name == "Mia Gast"
		assert plan.customer.woocommerce_customer_id == 0
		assert (plan.customer.customer_group, plan.customer.territory) == ("Web Customers", "Germany")
		assert plan.customer.fixed_customer == ""
		assert plan.customer.tax_id == ""

	def test_registered_customer_keeps_its_id(self):
		plan = map_order(case("order_case_mixed_tax_rates"), settings())
		assert plan.customer.woocommerce_customer_id == 2
		assert plan.customer.email == "anna.schmidt@example.com"

	def test_email_is_matched_lower_cased_and_stripped(self):
		order = case("order_case_guest")
		order["billing"]["email"] = "  Mia.Gast.7731@Example.ORG "
		plan = map_order(order, settings())
		assert plan.customer.email == "mia.gast.7731@example.org"
		assert plan.contact.email_id == "mia.gast.7731@example.org"

	def test_business_customer_with_vat_id(self):
		plan = map_order(case("order_case_business_customer_vat"), settings())
		assert plan.customer.customer_type == "Company"
		assert plan.customer.customer_name == "Roesterei Nord GmbH"
		assert plan.customer.tax_id == "DE123456789"
		assert plan.customer.email == "einkauf@roesterei-nord.example"
		assert plan.contact.first_name == "Katrin"
		assert plan.contact.last_name == "Vogel"
		assert plan.contact.company_name == "Roesterei Nord GmbH"
		assert plan.billing.address_title == "Roesterei Nord GmbH"
		assert plan.shipping.address_line1 == "Am Sandtorkai 50"

	def test_name_falls_back_to_the_email(self):
		order = case("order_case_guest")
		order["billing"].update(first_name="", last_name="")
		plan = map_order(order, settings())
		assert plan.customer.customer_name == "mia.gast.7731@example.org"
		assert plan.contact.first_name == "mia.gast.7731@example.org"

	def test_same_guest_email_two_shipping_addresses(self):
		plan_a = map_order(case("order_case_same_guest_email_addr_a"), settings())
		plan_b = map_order(case("order_case_same_guest_email_addr_b"), settings())
		assert plan_a.customer == plan_b.customer
		assert plan_a.billing.identity() == plan_b.billing.identity()
		assert plan_a.shipping.identity() != plan_b.shipping.identity()
		assert plan_b.shipping.address_title == "c/o Buero Nord"
		assert (plan_b.shipping.city, plan_b.shipping.pincode) == ("Leipzig", "04107")

	def test_single_customer_setting(self):
		plan = map_order(case("order_case_guest"), settings(single_customer="Web Shop Customer"))
		assert plan.customer.fixed_customer == "Web Shop Customer"
		assert plan.customer.email == "mia.gast.7731@example.org"

	def test_no_email_is_refused_unless_one_customer_takes_all(self):
		order = case("order_case_guest")
		order["billing"]["email"] = ""
		with pytest.raises(MappingError, match="no billing e-mail"):
			map_order(order, settings())
		plan = map_order(order, settings(single_customer="Web Shop Customer"))
		assert plan.customer.fixed_customer == "Web Shop Customer"


class TestAddresses:
	def test_billing_and_shipping(self):
		plan = map_order(case("order_case_guest"), settings())
		billing, shipping = plan.billing, plan.shipping
		assert billing.address_type == "Billing"
		assert shipping.address_type == "Shipping"
		assert billing.country_code == "DE"
		assert billing.email_id == "mia.gast.7731@example.org"
		assert shipping.email_id == ""

	def test_no_shipping_address_line_means_no_shipping_address(self):
		order = case("order_case_guest")
		order["shipping"] = {key: "" for key in order["shipping"]}
		assert map_order(order, settings()).shipping is None

	def test_country_code_stays_iso(self):
		order = case("order_case_guest")
		order["billing"]["country"] = "at"
		assert map_order(order, settings()).billing.country_code == "AT"


class TestItems:
	def test_simple_product(self):
		line = map_order(case("order_case_guest"), settings()).lines[0]
		assert line.item.woocommerce_product_id == 15
		assert line.item.woocommerce_variation_id == 0
		assert not line.item.is_variant
		assert line.item.sku == "FRO-01"
		assert (line.item.item_group, line.item.stock_uom) == ("Web Products", "Unit")
		assert line.item.attributes == ()

	def test_variation_attributes_and_template(self):
		plan = map_order(case("order_case_variation_qty3"), settings())
		item = plan.lines[0].item
		assert item.is_variant
		assert (item.woocommerce_product_id, item.woocommerce_variation_id) == (16, 18)
		assert item.template_product_id == 16
		assert item.template_name == "Barista T-Shirt"
		assert item.item_name == "Barista T-Shirt - M"
		assert item.sku == "TSHIRT-M"
		# _reduced_stock is bookkeeping, not an attribute.
		assert item.attributes == (("Size", "M"),)

	def test_template_name_from_the_variation_name_without_parent_name(self):
		order = case("order_case_variation_qty3")
		line = order["line_items"][0]
		line["parent_name"] = None
		line["meta_data"] = [
			{"id": 1, "key": "pa_size", "value": "m", "display_key": "Size", "display_value": "M"},
			{"id": 2, "key": "pa_colour", "value": "black"},
		]
		item = map_order(order, settings()).lines[0].item
		assert item.template_name == "Barista T-Shirt"
		assert item.attributes == (("Size", "M"), ("colour", "black"))

	def test_repeated_line_id_is_refused(self):
		order = case("order_case_mixed_tax_rates")
		order["line_items"][1]["id"] = order["line_items"][0]["id"]
		with pytest.raises(MappingError, match="two lines with the id 363"):
			map_order(order, settings())

	def test_zero_quantity_line_is_skipped(self):
		order = case("order_case_mixed_tax_rates")
		order["line_items"].append(
			{**order["line_items"][0], "id": 999, "quantity": 0, "total": "0.00", "taxes": []}
		)
		plan = map_order(order, settings())
		assert 999 not in {line.woocommerce_line_id for line in plan.lines}


class TestConfiguration:
	def test_missing_tax_account_names_the_rate(self):
		with pytest.raises(ConfigurationError, match=r"MwSt\. 7%.*rate id 2.*tax account table") as error:
			map_order(case("order_case_mixed_tax_rates"), settings(tax_accounts={1: "VAT 19% - TC"}))
		assert error.value.kind == ErrorKind.CONFIGURATION

	def test_missing_shipping_account(self):
		with pytest.raises(ConfigurationError, match="shipping account"):
			map_order(case("order_case_guest"), settings(shipping_account=""))

	def test_missing_fee_account(self):
		with pytest.raises(ConfigurationError, match="fee account"):
			map_order(case("order_case_fees_positive_negative"), settings(fee_account=""))


class TestDocumentFields:
	def test_dates_and_references(self):
		plan = map_order(case("order_case_cod_unpaid"), settings())
		assert plan.server == "shop1"
		assert plan.woocommerce_id == 139
		assert plan.po_no == "139"
		assert plan.woocommerce_status == "processing"
		assert plan.transaction_date == date(2026, 11, 25)
		assert plan.delivery_date == date(2026, 11, 28)
		assert plan.date_created_gmt == datetime(2026, 11, 25, 17, 10, 13, tzinfo=timezone.utc)
		assert plan.date_paid_gmt is None
		assert plan.payment_method == "cod"
		assert plan.payment_method_title
		assert (plan.company, plan.warehouse, plan.price_list, plan.naming_series) == (
			"Test Co",
			"Stores - TC",
			"Standard Selling",
			"SO-WOO-.YYYY.-",
		)

	@pytest.mark.parametrize(
		("time_zone", "created_gmt", "expected"),
		[
			# 23:30 in New York on 30 November is 04:30 UTC on 1 December: still November.
			("America/New_York", "2026-12-01T04:30:00", date(2026, 11, 30)),
			# 23:30 UTC is already the next day in Berlin.
			("Europe/Berlin", "2026-11-30T23:30:00", date(2026, 12, 1)),
			("UTC", "2026-11-30T23:30:00", date(2026, 11, 30)),
		],
	)
	def test_transaction_date_is_the_day_in_the_sites_time_zone(self, time_zone, created_gmt, expected):
		order = case("order_case_guest")
		order["date_created_gmt"] = created_gmt
		plan = map_order(order, settings(time_zone=time_zone, delivery_lead_days=0))
		assert plan.transaction_date == expected
		assert plan.delivery_date == expected

	def test_paid_order_carries_the_transaction(self):
		plan = map_order(case("order_case_coupon_paid_stripe"), settings())
		assert plan.transaction_id == "pi_3QsandboxERP0005"
		assert plan.date_paid_gmt == datetime(2026, 11, 25, 17, 10, 9, tzinfo=timezone.utc)

	def test_customer_note_is_stripped(self):
		order = case("order_case_guest")
		order["customer_note"] = "  Bitte beim Nachbarn abgeben \n"
		assert map_order(order, settings()).customer_note == "Bitte beim Nachbarn abgeben"

	def test_trashed_order_maps_with_its_status(self):
		plan = map_order(case("order_case_trashed"), settings())
		assert plan.woocommerce_status == "trash"
		assert plan.is_exact


class TestGarbage:
	@pytest.mark.parametrize(
		"change, message",
		[
			(lambda o: o.update(total="abc"), "total is not a number"),
			(lambda o: o.update(total=None), "total is not a number"),
			(lambda o: o.update(total="NaN"), "total is not a number"),
			(lambda o: o.update(total="99.99"), "difference"),
			(lambda o: o.update(total_tax="x"), "total_tax is not a number"),
			(lambda o: o["line_items"][0].update(total="12,50"), r"line 1 \(id 363.*total is not a number"),
			(lambda o: o["line_items"][0].update(quantity="2.5"), "quantity is not a whole number"),
			(lambda o: o["line_items"][0].update(quantity=-1), "quantity -1"),
			(lambda o: o["line_items"][0].update(taxes=[{"id": 2, "total": {}}]), "tax 2 is not a number"),
			(lambda o: o["tax_lines"][0].update(tax_total="1.81 EUR"), "tax_total is not a number"),
			(lambda o: o["shipping_lines"][0].update(total=[]), "shipping line DHL Paket total"),
			(lambda o: o.update(date_created_gmt="yesterday"), "date_created_gmt: not an ISO date-time"),
			(lambda o: o.update(date_created_gmt=None), "no date_created_gmt"),
			(lambda o: o.update(date_paid_gmt=12), "date_paid_gmt"),
			(lambda o: o.pop("id"), "has no id"),
			(lambda o: o.update(id="abc"), "order id is not a whole number"),
			(lambda o: o.update(currency="euro"), "currency"),
			(lambda o: o.update(line_items="none"), "line_items is not a list"),
			(lambda o: o.update(billing=["x"]), "billing is not a record"),
			(lambda o: o["billing"].update(email={"a": 1}), "e-mail is not text"),
		],
	)
	def test_readable_mapping_errors(self, change, message):
		order = case("order_case_mixed_tax_rates")
		change(order)
		with pytest.raises(MappingError, match=message):
			map_order(order, settings())

	def test_not_an_order(self):
		with pytest.raises(MappingError, match="must be a JSON object"):
			map_order([], settings())

	@pytest.mark.parametrize("seed", range(500))
	def test_random_garbage_gives_only_engine_errors(self, seed):
		"""Whatever a broken shop or plugin sends, the mapping answers with a MappingError."""
		rng = random.Random(seed)
		order = case(rng.choice(["order_case_fees_positive_negative", "order_case_variation_qty3"]))
		garbage = [
			None,
			"",
			"abc",
			-1,
			0,
			1.5,
			[],
			{},
			[1],
			{"x": 1},
			[{}],
			True,
			"1e400",
			"1e-400",
			"12.345",
			"-0",
			"inf",
		]
		for _ in range(rng.randint(1, 3)):
			container, key = _random_field(rng, order)
			container[key] = copy.deepcopy(rng.choice(garbage))
		try:
			plan = map_order(order, settings())
		except (MappingError, ConfigurationError) as exc:
			assert str(exc)
		else:
			assert plan.is_exact


def _random_field(rng: random.Random, order: dict) -> tuple[dict, str]:
	"""A random (container, key) anywhere in the order, descending into records and lists of records."""
	container = order
	while True:
		key = rng.choice(list(container))
		value = container[key]
		if isinstance(value, dict) and value and rng.random() < 0.6:
			container = value
		elif (
			isinstance(value, list)
			and value
			and all(isinstance(v, dict) and v for v in value)
			and rng.random() < 0.6
		):
			container = rng.choice(value)
		else:
			return container, key


class TestDigests:
	def test_status_changes_only_the_order_digest(self):
		pending = case("order_case_modified_1_pending")
		on_hold = case("order_case_modified_2_on_hold")
		assert content_digest(pending) == content_digest(on_hold)
		assert order_digest(pending) != order_digest(on_hold)

	def test_payment_arriving_is_not_a_content_change(self):
		pending = case("order_case_modified_1_pending")
		processing = case("order_case_modified_4_processing")
		assert processing["date_paid_gmt"] and not pending["date_paid_gmt"]
		assert content_digest(pending) == content_digest(processing)
		assert order_digest(pending) != order_digest(processing)

	def test_stock_bookkeeping_and_trash_meta_change_nothing(self):
		before = case("order_case_trashed_delete")
		after = case("order_case_trashed")
		assert content_digest(before) == content_digest(after)
		before["line_items"][0]["meta_data"].append({"id": 5, "key": "_reduced_stock", "value": "1"})
		assert content_digest(before) == content_digest(after)

	@pytest.mark.parametrize(
		"change",
		[
			lambda o: o["line_items"][0].update(quantity=2),
			lambda o: o.update(total="1.00"),
			lambda o: o["shipping"].update(address_1="Neue Strasse 1"),
			lambda o: o["billing"].update(email="other@example.com"),
			lambda o: o["meta_data"].append({"id": 1, "key": "_billing_vat_id", "value": "DE1"}),
			lambda o: o.update(currency="USD"),
			lambda o: o["tax_lines"][0].update(tax_total="0.00"),
		],
	)
	def test_content_changes_change_both(self, change):
		order = case("order_case_mixed_tax_rates")
		changed = copy.deepcopy(order)
		change(changed)
		assert content_digest(order) != content_digest(changed)
		assert order_digest(order) != order_digest(changed)

	def test_digest_is_stable_and_tolerates_garbage(self):
		order = case("order_case_mixed_tax_rates")
		assert content_digest(order) == content_digest(json.loads(json.dumps(order)))
		assert len(order_digest(order)) == 64
		assert content_digest({"line_items": "x", "meta_data": 5}) == content_digest(
			{"line_items": "x", "meta_data": 5}
		)
		assert order_digest(None) == order_digest({})


class TestParseGmt:
	def test_naive_is_utc(self):
		assert parse_gmt("2026-11-25T16:30:35") == datetime(2026, 11, 25, 16, 30, 35, tzinfo=timezone.utc)

	def test_offsets_are_converted(self):
		assert parse_gmt("2026-11-25T17:30:35+01:00") == datetime(
			2026, 11, 25, 16, 30, 35, tzinfo=timezone.utc
		)
		assert parse_gmt("2026-11-25T16:30:35Z") == datetime(2026, 11, 25, 16, 30, 35, tzinfo=timezone.utc)

	@pytest.mark.parametrize("value", [None, ""])
	def test_unset_is_none(self, value):
		assert parse_gmt(value) is None

	@pytest.mark.parametrize("value", ["yesterday", 12, "2026-13-01T00:00:00", [], "Z"])
	def test_garbage_is_a_value_error(self, value):
		with pytest.raises(ValueError):
			parse_gmt(value)


def test_amounts_are_decimal_cents():
	plan = map_order(case("order_case_fees_positive_negative"), settings())
	for value in [line.amount for line in plan.lines] + [charge.tax_amount for charge in plan.charges]:
		assert isinstance(value, Decimal)
		assert value == value.quantize(Decimal("0.01"))
