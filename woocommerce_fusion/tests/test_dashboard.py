"""On a real site: the workspace's standard cards and charts (imported from the module on
migrate) give the right numbers for seeded Order Sync and Request Log rows."""

from __future__ import annotations

import json

import frappe
from frappe.desk.desktop import get_desktop_page
from frappe.desk.doctype.dashboard_chart import dashboard_chart
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.installer import _get_module_linked_doctype_field_map
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, REQUEST_LOG_DOCTYPE
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.erp.dashboard import ERROR_RATE, LAG, api_error_rate, server_health, sync_lag
from woocommerce_fusion.install import MODULE
from woocommerce_fusion.testing.bench_fixtures import make_fixtures, make_server
from woocommerce_fusion.woocommerce_fusion.dashboard_chart_source.woocommerce_server_health import (
	woocommerce_server_health,
)

ALL_CALLS = "_Test WooCommerce Dashboard A"
ERRORS_ONLY = "_Test WooCommerce Dashboard B"

test_dependencies = ["Company", "Customer Group", "Territory"]


def seed_order(server: str, woocommerce_id: int, status: str, *, days_ago: int = 0, stuck: int = 0) -> None:
	doc = frappe.get_doc(
		{
			"doctype": ORDER_SYNC_DOCTYPE,
			"woocommerce_server": server,
			"woocommerce_id": woocommerce_id,
			"status": status,
			"stuck": stuck,
		}
	).insert(ignore_permissions=True)
	placed = add_to_date(now_datetime(), days=-days_ago)
	frappe.db.set_value(ORDER_SYNC_DOCTYPE, doc.name, "woocommerce_created", placed, update_modified=False)


def seed_calls(server: str, succeeded: int, failed: int, *, days_ago: int = 0) -> None:
	for ok in [1] * succeeded + [0] * failed:
		doc = frappe.get_doc(
			{
				"doctype": REQUEST_LOG_DOCTYPE,
				"server": server,
				"method": "GET",
				"endpoint": "orders",
				"succeeded": ok,
				"status_code": 200 if ok else 503,
			}
		).insert(ignore_permissions=True)
		if days_ago:
			frappe.db.set_value(
				REQUEST_LOG_DOCTYPE,
				doc.name,
				"creation",
				add_to_date(now_datetime(), days=-days_ago),
				update_modified=False,
			)


def only(server: str) -> list:
	return [[ORDER_SYNC_DOCTYPE, "woocommerce_server", "=", server, False]]


class TestDashboard(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()

	def setUp(self) -> None:
		now = now_datetime()
		make_server(ALL_CALLS, request_log_level="All", last_synchronised_on=add_to_date(now, minutes=-90))
		make_server(
			ERRORS_ONLY, request_log_level="Errors only", last_synchronised_on=add_to_date(now, minutes=-10)
		)
		for server in (ALL_CALLS, ERRORS_ONLY):
			frappe.db.delete(ORDER_SYNC_DOCTYPE, {"woocommerce_server": server})
			frappe.db.delete(REQUEST_LOG_DOCTYPE, {"server": server})
		seed_order(ALL_CALLS, 1, Status.PAYMENT_REGISTERED)
		seed_order(ALL_CALLS, 2, Status.PAYMENT_REGISTERED)
		seed_order(ALL_CALLS, 3, Status.FAILED)
		seed_order(ALL_CALLS, 4, Status.FAILED_AT_STOCK_ALLOCATION, days_ago=3)
		seed_order(ALL_CALLS, 5, Status.NOT_PROCESSED, stuck=1)
		seed_order(ALL_CALLS, 6, Status.SALES_ORDER_CREATED, days_ago=10)
		seed_calls(ALL_CALLS, succeeded=8, failed=2)
		seed_calls(ALL_CALLS, succeeded=0, failed=5, days_ago=2)  # before the 24 hours
		seed_calls(ERRORS_ONLY, succeeded=0, failed=3)

	def card(self, name: str, server: str) -> float:
		card = frappe.get_doc("Number Card", name)
		self.assertEqual(card.is_standard, 1)
		return get_result(card.as_dict(), json.loads(card.filters_json) + only(server))

	def test_count_cards(self):
		self.assertEqual(self.card("WooCommerce Orders Today", ALL_CALLS), 4)
		self.assertEqual(self.card("Failed WooCommerce Orders", ALL_CALLS), 2)
		self.assertEqual(self.card("Stuck WooCommerce Orders", ALL_CALLS), 1)

	def test_orders_by_status_charts(self):
		for chart, expected in (
			(
				"WooCommerce Orders by Status Today",
				{"Payment registered": 2, "Failed": 1, "Not processed": 1},
			),
			(
				"WooCommerce Orders by Status Last 7 Days",
				{"Payment registered": 2, "Failed": 1, "Not processed": 1, "Failed at stock allocation": 1},
			),
		):
			doc = frappe.get_doc("Dashboard Chart", chart)
			data = dashboard_chart.get(
				chart_name=chart, filters=json.loads(doc.filters_json) + only(ALL_CALLS), refresh=1
			)
			self.assertEqual(dict(zip(data["labels"], data["datasets"][0]["values"], strict=True)), expected)

	def test_sync_lag(self):
		self.assertEqual(sync_lag({"woocommerce_server": ALL_CALLS})["value"], 90)
		self.assertEqual(sync_lag(json.dumps({"woocommerce_server": ERRORS_ONLY}))["value"], 10)
		health = server_health(LAG, now_datetime())
		lags = dict(zip(health["labels"], health["datasets"][0]["values"], strict=True))
		self.assertEqual((lags[ALL_CALLS], lags[ERRORS_ONLY]), (90, 10))
		self.assertGreaterEqual(sync_lag()["value"], 90)
		# No server with a lag: the card's text, not a value Desk cannot format.
		self.assertEqual(sync_lag({"woocommerce_server": "_Test No Such WooCommerce Server"}), "No Data")

	def test_api_error_rate(self):
		self.assertEqual(
			api_error_rate({"woocommerce_server": ALL_CALLS}), {"value": 20.0, "fieldtype": "Percent"}
		)
		# Only its errors are logged: the rate is unknown, not 100 %.
		self.assertEqual(api_error_rate({"woocommerce_server": ERRORS_ONLY}), "No Data")
		health = server_health(ERROR_RATE, now_datetime())
		rates = dict(zip(health["labels"], health["datasets"][0]["values"], strict=True))
		self.assertEqual(rates[ALL_CALLS], 20.0)
		self.assertNotIn(ERRORS_ONLY, rates)

	def test_the_server_health_chart_answers_through_its_source(self):
		for chart, figure in (
			("WooCommerce API Error Rate per Server", 20.0),
			("WooCommerce Sync Lag per Server", 90),
		):
			data = woocommerce_server_health.get(chart_name=chart, refresh=1)
			figures = dict(zip(data["labels"], data["datasets"][0]["values"], strict=True))
			self.assertEqual(figures[ALL_CALLS], figure)

	def test_a_user_without_the_request_log_gets_no_error_rate(self):
		frappe.set_user("Guest")
		try:
			with self.assertRaises(frappe.PermissionError):
				api_error_rate()
			with self.assertRaises(frappe.PermissionError):
				sync_lag()
		finally:
			frappe.set_user("Administrator")

	def test_the_dashboard_belongs_to_the_module_so_uninstall_removes_it(self):
		# Frappe's uninstall deletes every record whose Module Def link names the app's module.
		linked = _get_module_linked_doctype_field_map()
		for doctype, count in (("Number Card", 5), ("Dashboard Chart", 4), ("Dashboard Chart Source", 1)):
			self.assertIn(doctype, linked)
			ours = frappe.get_all(doctype, {linked[doctype]: MODULE}, pluck="name")
			self.assertEqual(len([name for name in ours if "WooCommerce" in name]), count, doctype)
		workspace = frappe.get_doc("Workspace", "WooCommerce")
		self.assertEqual(len(workspace.number_cards), 5)
		self.assertEqual(len(workspace.charts), 4)

	def test_the_workspace_shows_each_user_what_they_may_read(self):
		shown = self.shown_on_workspace()
		self.assertEqual(len(shown["cards"]), 5)
		self.assertEqual(len(shown["charts"]), 4)

		user = "woo-dashboard-sync-user@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc({"doctype": "User", "email": user, "first_name": "Woo"}).insert(
				ignore_permissions=True
			)
		doc = frappe.get_doc("User", user)
		doc.set("roles", [{"role": "WooCommerce Order Sync User"}])
		doc.save(ignore_permissions=True)
		frappe.set_user(user)
		try:
			shown = self.shown_on_workspace()
		finally:
			frappe.set_user("Administrator")
		# The Order Sync User cannot read the Request Log: no error rate, everything else.
		self.assertNotIn("WooCommerce API Error Rate", shown["cards"])
		self.assertNotIn("WooCommerce API Error Rate per Server", shown["charts"])
		self.assertIn("Failed WooCommerce Orders", shown["cards"])
		self.assertIn("WooCommerce Sync Lag", shown["cards"])
		self.assertIn("WooCommerce Sync Lag per Server", shown["charts"])
		self.assertIn("WooCommerce Orders by Status Today", shown["charts"])

	def shown_on_workspace(self) -> dict[str, set[str]]:
		page = get_desktop_page(json.dumps({"name": "WooCommerce", "title": "WooCommerce", "public": 1}))
		return {
			"cards": {card.number_card_name for card in page["number_cards"]["items"]},
			"charts": {chart.chart_name for chart in page["charts"]["items"]},
		}
