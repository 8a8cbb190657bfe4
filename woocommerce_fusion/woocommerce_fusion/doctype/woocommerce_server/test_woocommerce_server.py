# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

import json
import re
from datetime import datetime, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_system_timezone, now_datetime, today

from woocommerce_fusion.erp.connection import get_client, get_settings
from woocommerce_fusion.testing.bench_fixtures import COMPANY, make_server
from woocommerce_fusion.testing.shop import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, TestShop
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server import (
	MAX_TITLE_LENGTH,
	describe_timezone,
	normalise_shop_url,
	test_connection,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Server"
SHOP_URL = "https://shop.example.com"
# An oauth_* value that was not replaced by [redacted].
OAUTH_VALUE = re.compile(r"oauth_(?:consumer_key|signature|nonce)[\"']?\s*[:=]\s*[\"']?(?!\[redacted\])\w")


class TestWooCommerceServer(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_a_shop_name_too_long_for_its_rows_names_is_refused(self):
		doc = frappe.get_doc({"doctype": "WooCommerce Server", "title": "S" * (MAX_TITLE_LENGTH + 1)})
		with self.assertRaisesRegex(frappe.ValidationError, "at most 80 characters"):
			doc.validate_title_length()
		doc.title = "S" * MAX_TITLE_LENGTH
		doc.validate_title_length()

	def test_shop_url_is_normalised(self):
		cases = {
			"https://shop.example.com": "https://shop.example.com",
			"  HTTPS://Shop.Example.com/  ": "https://shop.example.com",
			"https://shop.example.com/?utm=1#top": "https://shop.example.com",
			"https://shop.example.com/wp-admin/admin.php?page=wc-settings": "https://shop.example.com",
			"https://shop.example.com/wp-json/wc/v3/orders": "https://shop.example.com",
			"https://example.com/shop/": "https://example.com/shop",
			"https://example.com/shop/wp-login.php": "https://example.com/shop",
			"http://localhost:8085/": "http://localhost:8085",
			"https://[::1]:8443/wp-json/": "https://[::1]:8443",
		}
		for url, expected in cases.items():
			self.assertEqual(normalise_shop_url(url), expected, url)

	def test_unusable_shop_urls_are_refused(self):
		for url in (
			"shop.example.com",
			"ftp://shop.example.com",
			"https://",
			"https://user:pw@shop.example.com",
			"",
		):
			with self.assertRaises(frappe.ValidationError, msg=url):
				normalise_shop_url(url)

	def test_url_is_normalised_on_save(self):
		server = make_server(SERVER, "https://shop.example.com/wp-admin/")
		self.assertEqual(
			frappe.db.get_value("WooCommerce Server", server.name, "woocommerce_server_url"),
			"https://shop.example.com",
		)

	def test_keys_are_not_stored_in_plain_text(self):
		server = make_server(SERVER, webhook_secret="whsec-plain-text-check")
		row = frappe.db.sql("select * from `tabWooCommerce Server` where name=%s", server.name, as_dict=True)[
			0
		]
		auth = frappe.db.sql(
			"select password from `__Auth` where doctype=%s and name=%s", ("WooCommerce Server", server.name)
		)
		stored = repr(row) + repr(auth)
		for secret in (DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, "whsec-plain-text-check"):
			self.assertNotIn(secret, stored)
		self.assertEqual(len(auth), 3)
		server.reload()
		self.assertEqual(server.get_password("consumer_secret"), DEFAULT_CONSUMER_SECRET)

	def test_new_webhook_secret(self):
		server = make_server(SERVER)
		server.set_new_webhook_secret()
		first = server.get_password("webhook_secret")
		server.set_new_webhook_secret()
		self.assertGreaterEqual(len(first), 40)
		self.assertNotEqual(server.get_password("webhook_secret"), first)

	def test_tax_rate_mapped_twice_is_refused(self):
		account = frappe.db.get_value("Account", {"company": COMPANY, "is_group": 0}, "name")
		rows = [{"woocommerce_tax_rate_id": 1, "account": account}] * 2
		with self.assertRaises(frappe.ValidationError):
			make_server(SERVER, tax_accounts=rows)

	def test_account_of_another_company_is_refused(self):
		account = frappe.db.get_value("Account", {"company": ("!=", COMPANY), "is_group": 0}, "name")
		with self.assertRaises(frappe.ValidationError):
			make_server(SERVER, fee_account=account)

	def test_settings(self):
		account = frappe.db.get_value("Account", {"company": COMPANY, "is_group": 0}, "name")
		server = make_server(
			SERVER,
			SHOP_URL,
			tax_accounts=[{"woocommerce_tax_rate_id": 7, "account": account}],
			last_synchronised_on="2026-11-01 10:00:00",
			enable_order_sync=1,
			delivery_lead_time=3,
		)
		settings = get_settings(server.name)
		self.assertEqual(settings.url, SHOP_URL)
		self.assertEqual(settings.consumer_secret, DEFAULT_CONSUMER_SECRET)
		self.assertEqual(settings.tax_accounts, {7: account})
		self.assertEqual(
			settings.company_currency, frappe.db.get_value("Company", COMPANY, "default_currency")
		)
		# Stored in system time like every Datetime; the engine gets it in UTC.
		system = datetime(2026, 11, 1, 10, 0, tzinfo=ZoneInfo(get_system_timezone()))
		self.assertEqual(settings.last_synchronised_on.tzinfo, timezone.utc)
		self.assertEqual(settings.last_synchronised_on, system.astimezone(timezone.utc))
		self.assertTrue(settings.order_sync_enabled)
		self.assertEqual(settings.delivery_lead_days, 3)

	def test_order_sync_starts_on_a_day_that_the_settings_give_as_its_start_in_utc(self):
		server = make_server(
			SERVER,
			last_synchronised_on="2026-11-01 10:00:00",
			shop_synchronised_on="2026-11-01 09:40:00",
			enable_order_sync=1,
			synchronise_orders_from="2026-10-15",
		)
		settings = get_settings(server.name)
		# The start of that day where the site is, as the moment WooCommerce compares.
		midnight = datetime(2026, 10, 15, tzinfo=ZoneInfo(get_system_timezone()))
		self.assertEqual(settings.orders_from, midnight.astimezone(timezone.utc))
		system = datetime(2026, 11, 1, 9, 40, tzinfo=ZoneInfo(get_system_timezone()))
		self.assertEqual(settings.shop_synchronised_on, system.astimezone(timezone.utc))

	def test_order_sync_switched_on_without_a_start_day_starts_today(self):
		server = make_server(SERVER, enable_order_sync=0)
		self.assertFalse(server.synchronise_orders_from)
		server.enable_order_sync = 1
		server.save()
		self.assertEqual(str(server.synchronise_orders_from), today())
		new = make_server("_Test WooCommerce Server New", enable_order_sync=1)
		self.assertEqual(str(new.synchronise_orders_from), today())

	def test_start_day_cannot_be_cleared_while_order_sync_is_on(self):
		server = make_server(SERVER, enable_order_sync=1, synchronise_orders_from="2026-10-15")
		server.synchronise_orders_from = None
		with self.assertRaises(frappe.ValidationError):
			server.save()

	def test_client(self):
		server = make_server(SERVER, SHOP_URL, verify_ssl=0, request_timeout=12)
		client = get_client(server.name)
		self.assertEqual(client.url, SHOP_URL)
		self.assertEqual(
			(client.consumer_key, client.consumer_secret), (DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET)
		)
		self.assertFalse(client.verify_ssl)
		self.assertEqual(client.timeout, 12)
		self.assertIsNotNone(client.on_exchange)

	def test_connection_failure_explains_itself(self):
		# Nothing listens on the discard port: the call fails the way a down shop does.
		server = make_server("_Test WooCommerce Server Down", "http://127.0.0.1:9")
		try:
			result = test_connection(server.name)
			self.assertFalse(result["ok"])
			self.assertEqual(result["kind"], "unavailable")
			self.assertIn("Shop URL", result["suggested_fix"])
			# Failed calls are logged at the default level, on a connection of their own: a fresh
			# snapshot sees them although this test's transaction is rolled back.
			frappe.db.rollback()
			self.assertTrue(
				frappe.db.exists("WooCommerce Request Log", {"server": server.name, "succeeded": 0})
			)
		finally:
			frappe.db.rollback()
			frappe.db.delete("WooCommerce Request Log", {"server": server.name})
			frappe.db.commit()

	def test_connection_to_the_test_shop_shows_version_and_timezone(self):
		with TestShop(timezone="America/New_York").start() as shop:
			server = make_server(
				"_Test WooCommerce Server Up",
				shop.url,
				consumer_key=shop.consumer_key,
				consumer_secret=shop.consumer_secret,
				request_log_level="All",
			)
			try:
				result = test_connection(server.name)
				self.assertEqual(result, {"ok": True, "version": "8.4.0", "timezone": "America/New_York"})
				# The log rows are committed on their own connection; a fresh snapshot sees them.
				frappe.db.rollback()
				rows = frappe.get_all(
					"WooCommerce Request Log",
					filters={"server": server.name},
					fields=[
						"endpoint",
						"query",
						"request_body",
						"response_body",
						"error_message",
						"status_code",
					],
				)
				self.assertEqual(len(rows), 2)
				self.assertEqual({row.status_code for row in rows}, {200})
				for row in rows:
					for value in row.values():
						self.assertNotIn(shop.consumer_key, str(value))
						self.assertNotIn(shop.consumer_secret, str(value))
			finally:
				frappe.db.rollback()
				frappe.db.delete("WooCommerce Request Log", {"server": "_Test WooCommerce Server Up"})
				frappe.db.commit()

	def test_connection_errors_show_and_store_no_credentials(self):
		"""Over plain http the client signs with OAuth in the query string, and a failed call's
		text used to carry the whole signed URL. Whatever goes wrong, neither the answer in the
		browser nor the Error Log nor the WooCommerce Request Log may show the key, the secret or
		a signature."""
		wrong_secret = "cs_" + "3" * 40
		with TestShop().start() as shop:
			cases = (
				# (case, Shop URL, key, secret, fault to inject, expected kind)
				(
					"refused",
					"http://127.0.0.1:9",
					DEFAULT_CONSUMER_KEY,
					DEFAULT_CONSUMER_SECRET,
					None,
					"unavailable",
				),
				("redirect", shop.url, shop.consumer_key, shop.consumer_secret, ("301", {}), "redirect"),
				(
					"rate limited",
					shop.url,
					shop.consumer_key,
					shop.consumer_secret,
					("429", {"retry_after": 3600}),
					"rate_limited",
				),
				("wrong secret", shop.url, shop.consumer_key, wrong_secret, None, "forbidden"),
			)
			names = []
			try:
				for number, (case, url, key, secret, fault, kind) in enumerate(cases):
					with self.subTest(case):
						started = now_datetime()
						server = make_server(
							f"_Test WooCommerce Server Secrets {number}",
							url,
							consumer_key=key,
							consumer_secret=secret,
							request_log_level="All",
						)
						names.append(server.name)
						if fault:
							shop.inject_fault(fault[0], times=10, **fault[1])
						shop.reset_counts()

						result = test_connection(server.name)
						shop.clear_faults()

						self.assertFalse(result["ok"])
						self.assertEqual(result["kind"], kind)
						forbidden = [key, secret] + [
							r.query[name]
							for r in shop.requests
							for name in ("oauth_signature", "oauth_nonce")
							if name in r.query
						]
						forbidden += [quote(value, safe="") for value in forbidden]
						if kind == "redirect":
							self.assertIn(
								f"redirects to {shop.url}/wp-json/wc/v3/system_status", result["message"]
							)
						texts = [json.dumps(result)]
						# Field values as they are: JSON-escaping would hide a quoted key from OAUTH_VALUE.
						texts += [
							" ".join(str(value) for value in row.values())
							for row in frappe.get_all(
								"Error Log", filters={"creation": (">=", started)}, fields=["method", "error"]
							)
						]
						# The log rows are committed on their own connection; a fresh snapshot sees them.
						frappe.db.rollback()
						logged = frappe.get_all(
							"WooCommerce Request Log",
							filters={"server": server.name},
							fields=["endpoint", "query", "request_body", "response_body", "error_message"],
						)
						self.assertTrue(logged, "the failed call was logged")
						texts += [" ".join(str(value) for value in row.values()) for row in logged]
						for text in texts:
							for value in forbidden:
								self.assertNotIn(value, text)
							self.assertIsNone(OAUTH_VALUE.search(text), text)
			finally:
				frappe.db.rollback()
				for name in names:
					frappe.db.delete("WooCommerce Request Log", {"server": name})
				frappe.db.commit()

	def test_describe_timezone(self):
		self.assertEqual(
			describe_timezone({"timezone_string": "Europe/Oslo", "gmt_offset": 1}), "Europe/Oslo"
		)
		self.assertEqual(describe_timezone({"timezone_string": "", "gmt_offset": 5.5}), "UTC+05:30")
		self.assertEqual(describe_timezone({"timezone_string": "", "gmt_offset": -3}), "UTC-03:00")
		self.assertIsNone(describe_timezone({}))
