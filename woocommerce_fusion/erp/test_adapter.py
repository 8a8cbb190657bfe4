"""The Frappe adapter on a real ERPNext: the recorded shop orders become exact Sales Orders.

Runs against ERPNext's test records: "_Test Company 2" keeps its books in EUR like the recorded
shop, and has a default Sales Taxes and Charges Template that must never reach a web order.
The pipeline commits, so the class removes what earlier runs left before it starts; every other
test rolls its work back.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_system_timezone

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.pipeline import Status, process_order, resolve_parties
from woocommerce_fusion.engine.ports import ResolvedParties
from woocommerce_fusion.erp.adapter import FrappeErp
from woocommerce_fusion.erp.masters import ParallelWorkerError, find_linked_item
from woocommerce_fusion.erp.sales_order import TotalMismatchError
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system
from woocommerce_fusion.testing.bench_fixtures import (
	ABBR,
	COMPANY,
	PRICE_LIST,
	SERVER,
	VAT_19,
	WAREHOUSE,
	make_settings,
	start_clean,
)
from woocommerce_fusion.testing.order_cases import load_order

# ERPNext's test records this file uses: "_Test Company 2", "_Test Customer", its group and territory.
test_dependencies = ["Company", "Customer", "Customer Group", "Territory"]

# Ids no recorded order has, for the tests that commit.
PIPELINE_ID = 990_129
FAILING_ID = 990_135
NEW_PRODUCT = 880_000

EXACT_CASES = (
	"mixed_tax_rates",
	"prices_incl_tax",
	"fees_positive_negative",
	"coupon_paid_stripe",
	"guest",
	"business_customer_vat",
	"variation_qty3",
	"zero_total_coupon",
	"zero_total_free_line",
)


def as_new_variable_product(order: dict) -> dict:
	"""The order with its T-shirt as a product no other test or demo data has linked yet."""
	order = copy.deepcopy(order)
	for line in order["line_items"]:
		if line["variation_id"]:
			line["product_id"] = NEW_PRODUCT
			line["variation_id"] += NEW_PRODUCT
			line["sku"] = f"_TEST-WOO-{line['sku']}"
			for meta in line["meta_data"]:
				if meta["key"] == "size":
					meta["value"] = meta["display_value"] = f"Woo {meta['value']}"
	return order


class FrappeErpCase(FrappeTestCase):
	"""The fixtures of the adapter's tests; the tests are in the two classes below."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		start_clean(SERVER)

	def setUp(self) -> None:
		self.erp = FrappeErp()
		self.settings = make_settings()

	def tearDown(self) -> None:
		frappe.db.rollback()

	def plan(self, order: dict, **overrides):
		return map_order(order, make_settings(**overrides), exchange_rate=self.erp.exchange_rate)

	def insert(self, order: dict, submit: bool = False) -> tuple[str, ResolvedParties]:
		plan = self.plan(order)
		resolved = resolve_parties(self.erp, plan)
		return self.erp.insert_sales_order(plan, resolved, submit=submit), resolved


class TestFrappeErpSalesOrders(FrappeErpCase):
	"""The order's row and the Sales Orders the adapter books."""

	# -- order records -----------------------------------------------------------------------

	def test_lock_order_twice_gives_the_same_row(self):
		first = self.erp.lock_order(SERVER, 424_242)
		self.erp.commit()
		second = self.erp.lock_order(SERVER, 424_242)
		self.assertEqual(first.name, second.name)
		self.assertEqual(first.name, f"{SERVER}-424242")
		self.assertEqual(frappe.db.count(ORDER_SYNC_DOCTYPE, {"woocommerce_id": 424_242}), 1)
		self.assertEqual(second.status, Status.NOT_PROCESSED)

	def test_lock_order_holds_the_row_until_the_transaction_ends(self):
		primary = frappe.local.db
		record = self.erp.lock_order(SERVER, 424_243)
		query = f"select name from `tab{ORDER_SYNC_DOCTYPE}` where name = %s for update nowait"
		try:
			with self.secondary_connection():
				with self.assertRaises(frappe.QueryTimeoutError):
					frappe.db.sql(query, (record.name,))
				frappe.db.rollback()
		finally:
			# FrappeTestCase.secondary_connection() leaves the second connection in place the
			# first time it opens it.
			frappe.local.db = primary
		self.erp.rollback()
		with self.secondary_connection():
			self.assertEqual(frappe.db.sql(query, (record.name,))[0][0], record.name)
			frappe.db.rollback()

	def test_save_order_writes_only_what_changed(self):
		record = self.erp.lock_order(SERVER, 424_244)
		modified = frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified")
		self.erp.save_order(record)
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified"), modified)

		order = load_order("guest")
		moment = datetime(2026, 11, 25, 16, 30, 35, 120, tzinfo=timezone.utc)
		record.payload = order
		record.date_modified_gmt = moment
		record.last_attempt_on = moment.astimezone(ZoneInfo("Asia/Kolkata"))
		record.attempts = 2
		record.status = Status.FAILED
		self.erp.save_order(record)
		stored = frappe.db.get_value(
			ORDER_SYNC_DOCTYPE,
			record.name,
			["status", "attempts", "woocommerce_modified", "last_attempt_on", "transaction_id"],
			as_dict=True,
		)
		self.assertEqual(stored.status, Status.FAILED)
		self.assertEqual(stored.attempts, 2)
		# In system time like every Datetime of Frappe, whatever the zone the engine handed over.
		system = moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
		self.assertEqual(stored.woocommerce_modified, system)
		self.assertEqual(stored.last_attempt_on, system)
		self.assertEqual(stored.transaction_id or "", order["transaction_id"])
		self.erp.commit()

		again = self.erp.lock_order(SERVER, 424_244)
		self.assertEqual(again.payload, order)
		self.assertEqual(again.date_modified_gmt, moment)
		self.assertEqual(again.last_attempt_on, moment)
		written = frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified")
		self.erp.save_order(again)
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified"), written)

	# -- sales orders ------------------------------------------------------------------------

	def test_sales_orders_total_what_the_shop_charged(self):
		for case in EXACT_CASES:
			with self.subTest(case=case):
				order = load_order(case)
				plan = self.plan(order)
				name, _ = self.insert(order)
				so = frappe.get_doc("Sales Order", name)
				self.assertEqual(
					Decimal(str(so.grand_total)).quantize(Decimal("0.01")), Decimal(order["total"])
				)
				self.assertEqual(so.rounded_total, 0)
				self.assertFalse(so.taxes_and_charges)
				self.assertEqual(
					[(row.charge_type, row.account_head, row.tax_amount) for row in so.taxes],
					[("Actual", c.account_head, float(c.tax_amount)) for c in plan.charges],
				)
				self.assertEqual([row.rate for row in so.items], [float(line.rate) for line in plan.lines])
				self.assertEqual(so.woocommerce_id, str(order["id"]))
				self.assertEqual(so.woocommerce_server, SERVER)
				self.assertEqual(so.woocommerce_status, order["status"])
				self.assertEqual(so.currency, "EUR")
				self.assertEqual(so.selling_price_list, PRICE_LIST)

	def test_sales_order_carries_the_orders_parties_and_shop_fields(self):
		order = load_order("coupon_paid_stripe")
		name, resolved = self.insert(order)
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual(so.customer, resolved.customer)
		self.assertEqual(so.customer_address, resolved.billing_address)
		self.assertEqual(so.shipping_address_name, resolved.shipping_address)
		self.assertEqual(so.contact_person, resolved.contact)
		self.assertEqual(so.po_no, str(order["id"]))
		self.assertEqual(so.woocommerce_payment_method, order["payment_method"])
		self.assertEqual(so.woocommerce_transaction_id, order["transaction_id"])
		self.assertEqual(so.transaction_date, date.fromisoformat(order["date_created_gmt"][:10]))
		self.assertEqual({row.warehouse for row in so.items}, {WAREHOUSE})
		self.assertEqual({row.delivery_date for row in so.items}, {so.delivery_date})

	def test_a_free_line_stays_free_despite_the_price_list(self):
		order = load_order("zero_total_free_line")
		plan = self.plan(order)
		item_code = self.erp.ensure_item(SERVER, plan.lines[0].item)
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": PRICE_LIST,
				"price_list_rate": 12.5,
			}
		).insert(ignore_permissions=True)
		name, _ = self.insert(order)
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual(so.items[0].rate, 0)
		self.assertEqual(so.grand_total, 0)

	def test_an_order_in_another_currency_uses_currency_exchange(self):
		order = load_order("mixed_tax_rates")
		order["currency"] = "CHF"
		frappe.get_doc(
			{
				"doctype": "Currency Exchange",
				"date": order["date_created_gmt"][:10],
				"from_currency": "CHF",
				"to_currency": "EUR",
				"exchange_rate": 1.0625,
				"for_selling": 1,
			}
		).insert(ignore_permissions=True)
		name, resolved = self.insert(order)
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual(so.currency, "CHF")
		self.assertEqual(so.conversion_rate, 1.0625)
		self.assertEqual(so.plc_conversion_rate, 1)
		self.assertEqual(so.grand_total, float(order["total"]))
		self.assertAlmostEqual(so.base_grand_total, float(order["total"]) * 1.0625, places=1)
		# ERPNext keeps the item-wise tax in the company's currency.
		detail = json.loads(so.taxes[-1].item_wise_tax_detail)
		line = next(line for line in order["line_items"] if line["taxes"][0]["id"] == 1)
		self.assertAlmostEqual(
			detail[resolved.items[line["id"]]][1], float(line["total_tax"]) * 1.0625, places=2
		)

	def test_item_wise_tax_detail_is_the_shops_per_line_tax(self):
		order = load_order("mixed_tax_rates")
		plan = self.plan(order)
		name, resolved = self.insert(order)
		so = frappe.get_doc("Sales Order", name)
		for row, charge in zip(so.taxes, plan.charges, strict=True):
			detail = json.loads(row.item_wise_tax_detail)
			expected = {}
			for line_id, amount in charge.item_wise.items():
				expected.setdefault(resolved.items[line_id], [float(charge.rate_percent or 0), 0.0])
				expected[resolved.items[line_id]][1] += float(amount)
			self.assertEqual(detail, expected)
			self.assertEqual(row.dont_recompute_tax, 1)

	def test_the_companys_default_tax_template_stays_out(self):
		template = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"company": COMPANY, "is_default": 1}
		)
		self.assertTrue(template)
		# A Tax Rule is how ERPNext's customer defaults would bring the template into a new order.
		frappe.get_doc(
			{"doctype": "Tax Rule", "tax_type": "Sales", "sales_tax_template": template, "company": COMPANY}
		).insert(ignore_permissions=True)
		order = load_order("guest")
		for row in order["line_items"] + order["shipping_lines"]:
			row["total_tax"] = "0.00"
			row["taxes"] = []
		order["tax_lines"] = []
		order["shipping_lines"] = []
		order["total_tax"] = order["shipping_tax"] = order["cart_tax"] = "0.00"
		order["shipping_total"] = "0.00"
		order["total"] = order["line_items"][0]["total"]
		name, _ = self.insert(order)
		so = frappe.get_doc("Sales Order", name)
		self.assertFalse(so.taxes_and_charges)
		self.assertEqual(so.taxes, [])
		self.assertEqual(so.grand_total, float(order["total"]))

	def test_customer_note_goes_to_the_timeline(self):
		order = load_order("guest")
		order["customer_note"] = "Please ring <twice>"
		name, _ = self.insert(order)
		comments = frappe.get_all(
			"Comment",
			{"reference_doctype": "Sales Order", "reference_name": name, "comment_type": "Comment"},
			pluck="content",
		)
		self.assertEqual(len(comments), 1)
		self.assertIn("Please ring &lt;twice&gt;", comments[0])

	def test_submitted_sales_order_takes_only_status_changes(self):
		name, _ = self.insert(load_order("guest"), submit=True)
		self.assertEqual(frappe.db.get_value("Sales Order", name, "docstatus"), 1)
		self.erp.update_sales_order(name, {"woocommerce_status": "completed"})
		self.assertEqual(frappe.db.get_value("Sales Order", name, "woocommerce_status"), "completed")
		self.erp.add_comment("Sales Order", name, "Shop total 46.29 < 50")
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{"reference_name": name, "comment_type": "Comment", "content": "Shop total 46.29 &lt; 50"},
			)
		)
		with self.assertRaises(frappe.ValidationError):
			self.erp.update_sales_order(name, {"customer": "_Test Customer"})

	def test_draft_content_is_replaced(self):
		order = load_order("mixed_tax_rates")
		name, _ = self.insert(order)
		changed = load_order("fees_positive_negative")
		changed["id"] = order["id"]
		plan = self.plan(changed)
		self.erp.replace_sales_order_content(name, plan, resolve_parties(self.erp, plan))
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual(so.grand_total, float(changed["total"]))
		self.assertEqual(len(so.taxes), len(plan.charges))
		self.assertEqual(len(so.items), len(plan.lines))

	def test_a_total_that_does_not_match_is_refused(self):
		plan = self.plan(load_order("guest"))
		resolved = resolve_parties(self.erp, plan)
		# ERPNext books rate x qty; a plan whose amount disagrees with its own rate must not pass.
		plan.lines[0].amount += Decimal("1.00")
		with self.assertRaisesRegex(
			TotalMismatchError, r"totals 46\.29 EUR but the shop's order totals 47\.29"
		):
			self.erp.insert_sales_order(plan, resolved, submit=False)

	def test_find_sales_orders_in_one_query_with_utc_times(self):
		first, _ = self.insert(load_order("guest"))
		second, _ = self.insert(load_order("mixed_tax_rates"))
		with patch.object(frappe.db, "sql", wraps=frappe.db.sql) as sql:
			refs = self.erp.find_sales_orders(SERVER, [130, 129, 1])
		self.assertEqual(sql.call_count, 1)
		self.assertEqual({ref.name for ref in refs.values()}, {first, second})
		self.assertEqual(refs[130].name, first)

		stored = frappe.db.get_value("Sales Order", first, "modified")
		zone = ZoneInfo(get_system_timezone())
		self.assertEqual(refs[130].modified_utc, stored.replace(tzinfo=zone).astimezone(timezone.utc))
		# The site runs in another zone than UTC (America/New_York), so this checks the conversion.
		self.assertLess(abs(refs[130].modified_utc - datetime.now(timezone.utc)), timedelta(minutes=5))
		self.assertEqual(refs[130].woocommerce_status, "processing")
		self.assertEqual(refs[130].grand_total, Decimal("46.29"))
		self.assertEqual(refs[130].docstatus, 0)

		now = datetime.now(timezone.utc)
		recent = {
			ref.name for ref in self.erp.sales_orders_modified_since(SERVER, now - timedelta(minutes=5))
		}
		self.assertTrue({first, second} <= recent)
		self.assertFalse(self.erp.sales_orders_modified_since(SERVER, now + timedelta(minutes=5)))

	def test_system_time_conversions(self):
		moment = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
		for zone, local in (
			("Asia/Kolkata", datetime(2026, 7, 1, 17, 30)),
			("America/New_York", datetime(2026, 7, 1, 8, 0)),
			("UTC", datetime(2026, 7, 1, 12, 0)),
		):
			with patch("woocommerce_fusion.erp.times.get_system_timezone", return_value=zone):
				self.assertEqual(utc_to_system(moment), local)
				self.assertEqual(system_to_utc(local), moment)

	def test_cancelled_sales_orders_are_not_found(self):
		name, _ = self.insert(load_order("guest"), submit=True)
		frappe.get_doc("Sales Order", name).cancel()
		self.assertEqual(self.erp.find_sales_orders(SERVER, [130]), {})


class TestFrappeErpMasters(FrappeErpCase):
	"""Customers, addresses, contacts and items, once each, and the pipeline end to end."""

	# -- masters -----------------------------------------------------------------------------

	def test_masters_are_created_once(self):
		plan = self.plan(load_order("mixed_tax_rates"))
		first = resolve_parties(self.erp, plan)
		second = resolve_parties(self.erp, plan)
		self.assertEqual(first, second)
		self.assertEqual(frappe.db.count("Customer", {"woocommerce_email": plan.customer.email}), 1)
		self.assertEqual(frappe.db.get_value("Address", first.billing_address, "country"), "Germany")
		self.assertEqual(frappe.db.get_value("Address", first.shipping_address, "address_type"), "Shipping")
		for line in plan.lines:
			linked = find_linked_item(SERVER, line.item.woocommerce_product_id, 0)
			self.assertEqual(linked, first.items[line.woocommerce_line_id])
			self.assertEqual(
				frappe.db.count(
					"WooCommerce Item Server",
					{"woocommerce_server": SERVER, "woocommerce_id": str(line.item.woocommerce_product_id)},
				),
				1,
			)

	def test_a_second_order_of_the_same_email_reuses_customer_and_contact(self):
		plan_a = self.plan(load_order("same_guest_email_addr_a"))
		plan_b = self.plan(load_order("same_guest_email_addr_b"))
		a = resolve_parties(self.erp, plan_a)
		b = resolve_parties(
			self.erp, replace(plan_b, customer=replace(plan_b.customer, email=plan_b.customer.email.upper()))
		)
		self.assertEqual(a.customer, b.customer)
		self.assertEqual(a.contact, b.contact)
		self.assertNotEqual(a.shipping_address, b.shipping_address)
		self.assertEqual(frappe.db.count("Customer", {"woocommerce_email": plan_a.customer.email}), 1)
		contact = frappe.get_doc("Contact", a.contact)
		self.assertEqual([row.email_id for row in contact.email_ids], [plan_a.customer.email])
		self.assertEqual([link.link_name for link in contact.links], [a.customer])

	def test_business_customer_gets_its_vat_id(self):
		plan = self.plan(load_order("business_customer_vat"))
		customer = self.erp.ensure_customer(plan.customer)
		values = frappe.db.get_value(
			"Customer", customer, ["customer_type", "tax_id", "customer_group"], as_dict=True
		)
		self.assertEqual(values.customer_type, "Company")
		self.assertEqual(values.tax_id, plan.customer.tax_id)
		self.assertTrue(plan.customer.tax_id)

	def test_fixed_customer_is_used_as_it_is(self):
		plan = self.plan(load_order("guest"), single_customer="_Test Customer")
		self.assertEqual(self.erp.ensure_customer(plan.customer), "_Test Customer")

	def test_unknown_country_code_is_refused(self):
		plan = self.plan(load_order("guest"))
		customer = self.erp.ensure_customer(plan.customer)
		with self.assertRaisesRegex(frappe.ValidationError, "XX"):
			self.erp.ensure_address(customer, replace(plan.billing, country_code="XX"))

	def test_two_variants_of_one_template_in_two_orders(self):
		sizes_before = set(
			frappe.get_all("Item Attribute Value", {"parent": "Size"}, pluck="attribute_value")
		)
		small, _ = self.insert(as_new_variable_product(load_order("cod_unpaid")))
		medium, _ = self.insert(as_new_variable_product(load_order("variation_qty3")))
		codes = [
			frappe.db.get_value(
				"Sales Order Item", {"parent": name, "item_code": ("like", "_TEST-WOO-%")}, "item_code"
			)
			for name in (small, medium)
		]
		self.assertEqual(codes, ["_TEST-WOO-TSHIRT-S", "_TEST-WOO-TSHIRT-M"])
		template = find_linked_item(SERVER, NEW_PRODUCT, 0)
		self.assertEqual(
			frappe.db.get_value("Item", template, ["has_variants", "item_name"]), (1, "Barista T-Shirt")
		)
		self.assertEqual([frappe.db.get_value("Item", code, "variant_of") for code in codes], [template] * 2)
		self.assertEqual(find_linked_item(SERVER, NEW_PRODUCT, NEW_PRODUCT + 17), codes[0])
		self.assertEqual(find_linked_item(SERVER, NEW_PRODUCT, NEW_PRODUCT + 18), codes[1])
		# The attribute kept every value it had and gained the shop's new ones.
		sizes_after = set(frappe.get_all("Item Attribute Value", {"parent": "Size"}, pluck="attribute_value"))
		self.assertEqual(sizes_after - sizes_before, {"Woo S", "Woo M"})
		self.assertEqual(
			frappe.db.get_value(
				"Item Variant Attribute", {"parent": codes[1]}, ["attribute", "attribute_value"]
			),
			("Size", "Woo M"),
		)

	def test_a_customer_created_by_a_parallel_worker_is_never_duplicated(self):
		primary = frappe.local.db
		plan = self.plan(load_order("guest")).customer
		email = f"parallel-{frappe.generate_hash(length=10)}@example.org"
		plan = replace(plan, email=email)
		try:
			with self.secondary_connection():
				# The other worker's transaction has read before this one creates the customer.
				frappe.db.sql("select count(*) from `tabCustomer`")
		finally:
			frappe.local.db = primary
		created = self.erp.ensure_customer(plan)
		with self.secondary_connection(), patch("woocommerce_fusion.erp.masters.locks.NAMED_LOCK_TIMEOUT", 1):
			# While this transaction holds the creation lock the other worker cannot get it...
			with self.assertRaises(ParallelWorkerError):
				self.erp.ensure_customer(plan)
		self.erp.commit()
		with self.secondary_connection():
			# ...and once the customer is committed, its older snapshot cannot see it: it stops
			# instead of creating a second one, and its retry finds the customer.
			with self.assertRaises(ParallelWorkerError):
				self.erp.ensure_customer(plan)
			frappe.db.rollback()
			self.assertEqual(self.erp.ensure_customer(plan), created)
			frappe.db.rollback()
		self.assertEqual(frappe.db.count("Customer", {"woocommerce_email": email}), 1)
		frappe.delete_doc("Customer", created, ignore_permissions=True)
		self.erp.commit()

	def test_two_workers_creating_different_customers_do_not_wait_for_each_other(self):
		primary = frappe.local.db
		plans = []
		for case in ("guest", "business_customer_vat"):
			order = load_order(case)
			# Neighbours in the e-mail index, where locking reads would take the same gap lock.
			order["billing"]["email"] = f"zzz-woo-{case}-{frappe.generate_hash(length=10)}@example.org"
			plans.append(self.plan(order))

		def resolve(plan) -> str:
			customer = self.erp.ensure_customer(plan.customer)
			self.erp.ensure_address(customer, plan.billing)
			self.erp.ensure_address(customer, plan.shipping)
			self.erp.ensure_contact(customer, plan.contact)
			return customer

		try:
			with self.secondary_connection():
				frappe.db.sql("set session innodb_lock_wait_timeout = 3")
		finally:
			frappe.local.db = primary
		first = resolve(plans[0])
		with self.secondary_connection():
			# Runs while the first worker's creations are uncommitted: no lock of it may block this.
			second = resolve(plans[1])
			frappe.db.rollback()
		self.assertNotEqual(first, second)

	def test_an_item_keyed_in_by_hand_is_found_by_sku(self):
		sku = "_TEST-WOO-BY-SKU"
		if not frappe.db.exists("Item", sku):
			frappe.get_doc(
				{"doctype": "Item", "item_code": sku, "item_group": "Products", "stock_uom": "Nos"}
			).insert(ignore_permissions=True)
		plan = self.plan(load_order("guest")).lines[0].item
		found = self.erp.ensure_item(SERVER, replace(plan, sku=sku, woocommerce_product_id=777_001))
		self.assertEqual(found, sku)
		self.assertEqual(find_linked_item(SERVER, 777_001, 0), sku)

	def test_a_product_without_sku_never_takes_over_an_existing_item_code(self):
		frappe.get_doc(
			{"doctype": "Item", "item_code": "WOO-880100-0", "item_group": "Products", "stock_uom": "Nos"}
		).insert(ignore_permissions=True)
		plan = self.plan(load_order("guest")).lines[0].item
		created = self.erp.ensure_item(SERVER, replace(plan, sku="", woocommerce_product_id=880_100))
		self.assertEqual(created, "WOO-880100-0-1")
		self.assertEqual(find_linked_item(SERVER, 880_100, 0), created)

	def test_exchange_rate_only_from_currency_exchange(self):
		self.assertIsNone(self.erp.exchange_rate("CHF", "EUR", date(2026, 11, 25)))
		frappe.get_doc(
			{
				"doctype": "Currency Exchange",
				"date": "2026-11-20",
				"from_currency": "CHF",
				"to_currency": "EUR",
				"exchange_rate": 1.0625,
				"for_selling": 1,
			}
		).insert(ignore_permissions=True)
		self.assertEqual(self.erp.exchange_rate("CHF", "EUR", date(2026, 11, 25)), Decimal("1.0625"))
		self.assertIsNone(self.erp.exchange_rate("CHF", "EUR", date(2026, 11, 19)))

	# -- the pipeline end to end -------------------------------------------------------------

	def test_pipeline_creates_the_sales_order(self):
		order = copy.deepcopy(load_order("mixed_tax_rates"))
		order["id"] = PIPELINE_ID
		record = process_order(FrappeErp(), self.settings, PIPELINE_ID, payload=order)
		self.assertEqual(record.status, Status.SALES_ORDER_CREATED)
		stored = frappe.db.get_value(
			ORDER_SYNC_DOCTYPE,
			record.name,
			["status", "sales_order", "attempts", "applied_digest"],
			as_dict=True,
		)
		self.assertEqual(stored.status, Status.SALES_ORDER_CREATED)
		self.assertEqual(stored.sales_order, record.sales_order)
		# Attempts count failures since the last success.
		self.assertEqual(stored.attempts, 0)
		self.assertTrue(stored.applied_digest)
		self.assertEqual(frappe.db.get_value("Sales Order", record.sales_order, "grand_total"), 63.29)

		modified = frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified")
		again = process_order(FrappeErp(), self.settings, PIPELINE_ID, payload=order)
		self.assertEqual(again.sales_order, record.sales_order)
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, record.name, "modified"), modified)
		self.assertEqual(frappe.db.count("Sales Order", {"woocommerce_id": str(PIPELINE_ID)}), 1)

	def test_a_status_added_by_a_plugin_is_kept(self):
		# Shipment-tracking plugins add statuses such as "shipped"; a closed list would fail them.
		order = copy.deepcopy(load_order("guest"))
		order["status"] = "shipped"
		name, _ = self.insert(order)
		self.assertEqual(frappe.db.get_value("Sales Order", name, "woocommerce_status"), "shipped")
		self.erp.update_sales_order(name, {"woocommerce_status": "delivered"})
		self.assertEqual(frappe.db.get_value("Sales Order", name, "woocommerce_status"), "delivered")

	def test_pipeline_records_a_failure_with_its_traceback(self):
		order = copy.deepcopy(load_order("fees_positive_negative"))
		order["id"] = FAILING_ID
		settings = make_settings(tax_accounts={1: VAT_19, 2: f"_Test WooCommerce Missing VAT - {ABBR}"})
		record = process_order(FrappeErp(), settings, FAILING_ID, payload=order)
		self.assertEqual(record.status, Status.FAILED)
		stored = frappe.db.get_value(
			ORDER_SYNC_DOCTYPE,
			record.name,
			["status", "failed_step", "error", "error_kind", "attempts", "sales_order", "payload"],
			as_dict=True,
		)
		self.assertEqual(stored.status, Status.FAILED)
		self.assertEqual(stored.failed_step, "sales_order")
		self.assertEqual(stored.error_kind, "bad_data")
		self.assertIn("Traceback", stored.error)
		self.assertIn("Missing VAT", stored.error)
		self.assertFalse(stored.sales_order)
		self.assertEqual(json.loads(stored.payload), order)
		self.assertFalse(frappe.db.exists("Sales Order", {"woocommerce_id": str(FAILING_ID)}))
		self.assertTrue(
			frappe.db.exists(
				"Error Log", {"reference_doctype": ORDER_SYNC_DOCTYPE, "reference_name": record.name}
			)
		)
