# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""The virtual WooCommerce Order: list filters and paging become REST parameters, the form reads
one order, nothing is written, and every entry point checks permissions itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe
from frappe.desk import reportview
from frappe.desk.form.load import run_onload
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_system_timezone

from woocommerce_fusion.constants import ORDER_DOCTYPE, ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.client import Page
from woocommerce_fusion.testing.bench_fixtures import make_server
from woocommerce_fusion.testing.shop import TestShop
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order.woocommerce_order import (
	WooCommerceOrder,
	build_query,
	fetch_window,
	order_name,
	order_params,
	split_name,
	sync_woocommerce_order,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	make_user,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Order List"
BERLIN = "Europe/Berlin"


class FakeClient:
	"""Answers get_page from a list, as a shop would, and remembers what was asked."""

	def __init__(self, orders: list[dict]):
		self.orders = orders
		self.calls: list[tuple[dict, int]] = []

	def get_page(self, endpoint: str, params: dict, page: int) -> Page:
		self.calls.append((dict(params), page))
		per_page = params["per_page"]
		pages = -(-len(self.orders) // per_page)
		if page > pages:
			# WordPress answers a page past the end without telling the list's length.
			return Page(items=[], page=page, total=0, total_pages=0)
		chunk = self.orders[(page - 1) * per_page : page * per_page]
		return Page(items=chunk, page=page, total=len(self.orders), total_pages=pages)


class TestFiltersToParameters(FrappeTestCase):
	def test_status_and_server(self):
		query = build_query(
			[
				["WooCommerce Order", "status", "in", ["processing", "on-hold"]],
				["WooCommerce Order", "woocommerce_server", "=", "shop1"],
			],
			BERLIN,
		)
		self.assertEqual(query.servers, ["shop1"])
		self.assertEqual(query.params, {"status": ["processing", "on-hold"]})

	def test_dict_filters(self):
		query = build_query({"status": "completed", "woocommerce_id": ["in", "12,13"]}, BERLIN)
		self.assertEqual(query.params, {"status": ["completed"], "include": [12, 13]})
		self.assertIsNone(query.servers)

	def test_order_id_by_name_picks_the_server(self):
		query = build_query([["name", "=", "shop~1~42"]], BERLIN)
		self.assertEqual(query.servers, ["shop~1"])
		self.assertEqual(query.params["include"], [42])

	def test_search(self):
		self.assertEqual(build_query([["name", "like", "%4711%"]], BERLIN).params, {"search": "4711"})
		self.assertEqual(
			build_query([["billing_email", "like", "%anna@%"]], BERLIN).params, {"search": "anna@"}
		)

	def test_date_range_is_a_whole_day_range_in_utc(self):
		query = build_query([["date_created", "Between", ["2026-11-01", "2026-11-02"]]], BERLIN)
		self.assertEqual(
			query.params,
			{
				# The API's bounds are exclusive: one second before midnight, Berlin time.
				"after": "2026-10-31T22:59:59",
				"before": "2026-11-02T23:00:00",
				"dates_are_gmt": "true",
			},
		)

	def test_single_bounds(self):
		self.assertEqual(
			build_query([["date_created", ">=", "2026-07-01 12:00:00"]], BERLIN).params["after"],
			"2026-07-01T09:59:59",
		)
		self.assertEqual(
			build_query([["date_created", "<", "2026-07-01"]], BERLIN).params["before"],
			"2026-06-30T22:00:00",
		)
		self.assertEqual(
			build_query([["date_modified", "<=", "2026-07-01"]], BERLIN).params,
			{"modified_before": "2026-07-01T22:00:00", "dates_are_gmt": "true"},
		)
		day = build_query([["date_created", "=", "2026-12-24"]], BERLIN).params
		self.assertEqual((day["after"], day["before"]), ("2026-12-23T22:59:59", "2026-12-24T23:00:00"))

	def test_unsupported_filter_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			build_query([["total", ">", 100]], BERLIN)
		with self.assertRaises(frappe.ValidationError):
			build_query([["status", "!=", "completed"]], BERLIN)

	def test_order_by(self):
		self.assertEqual(order_params(None), {"orderby": "date", "order": "desc"})
		self.assertEqual(
			order_params("`tabWooCommerce Order`.`modified` desc"), {"orderby": "modified", "order": "desc"}
		)
		self.assertEqual(order_params("woocommerce_id asc"), {"orderby": "id", "order": "asc"})

	def test_names(self):
		self.assertEqual(order_name("shop", 7), "shop~7")
		self.assertEqual(split_name("a~b~7"), ("a~b", 7))
		with self.assertRaises(frappe.DoesNotExistError):
			split_name("shop-7")

	def test_paging_becomes_page_and_per_page(self):
		client = FakeClient([{"id": n} for n in range(1, 51)])
		rows = fetch_window(["one"], {"status": ["processing"]}, 20, 20, lambda server: client)
		self.assertEqual([order["id"] for _server, order in rows], list(range(21, 41)))
		self.assertEqual(client.calls, [({"status": ["processing"], "per_page": 20}, 2)])

	def test_paging_across_a_page_boundary(self):
		client = FakeClient([{"id": n} for n in range(1, 51)])
		rows = fetch_window(["one"], {}, 30, 20, lambda server: client)
		self.assertEqual([order["id"] for _server, order in rows], list(range(31, 51)))
		self.assertEqual([page for _params, page in client.calls], [2, 3])

	def test_paging_over_several_shops(self):
		clients = {
			"one": FakeClient([{"id": n} for n in range(1, 26)]),
			"two": FakeClient([{"id": n} for n in range(101, 131)]),
		}
		rows = fetch_window(["one", "two"], {}, 20, 20, clients.__getitem__)
		self.assertEqual(
			[(server, order["id"]) for server, order in rows],
			[("one", n) for n in range(21, 26)] + [("two", n) for n in range(101, 116)],
		)
		rows = fetch_window(["one", "two"], {}, 40, 20, clients.__getitem__)
		self.assertEqual([order["id"] for _server, order in rows], list(range(116, 131)))


class TestWooCommerceOrderFromShop(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.shop = TestShop().start()
		cls.ids = cls.shop.seed_orders(30, seed=7)
		make_server(SERVER, url=cls.shop.url)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.shop.stop()
		super().tearDownClass()

	def setUp(self) -> None:
		self.shop.reset_counts()

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def list_args(self, *filters, **args) -> dict:
		return {"filters": [["WooCommerce Order", "woocommerce_server", "=", SERVER], *filters], **args}

	def list_requests(self) -> list[dict]:
		return [r.query for r in self.shop.requests if r.method == "GET" and r.path.endswith("/orders")]

	def test_list_sends_the_filters_and_paging_to_the_shop(self):
		status = self.shop.orders[self.ids[0]]["status"]
		rows = WooCommerceOrder.get_list(
			self.list_args(["WooCommerce Order", "status", "=", status], start=0, page_length=5)
		)
		expected = sorted(
			(o for o in self.shop.orders.values() if o["status"] == status),
			key=lambda o: (o["date_created_gmt"], o["id"]),
			reverse=True,
		)[:5]
		self.assertEqual([row.woocommerce_id for row in rows], [o["id"] for o in expected])
		self.assertTrue(all(row.status == status and row.woocommerce_server == SERVER for row in rows))
		(query,) = self.list_requests()
		self.assertEqual(
			(query["status"], query["per_page"], query["page"], query["orderby"], query["order"]),
			(status, "5", "1", "date", "desc"),
		)

	def test_second_page(self):
		first = WooCommerceOrder.get_list(self.list_args(start=0, page_length=10))
		second = WooCommerceOrder.get_list(self.list_args(start=10, page_length=10))
		self.assertEqual(len({row.name for row in first + second}), 20)
		self.assertEqual(self.list_requests()[-1]["page"], "2")

	def test_count_is_the_shops_total(self):
		self.assertEqual(WooCommerceOrder.get_count(self.list_args()), len(self.shop.orders))

	def test_date_filter_reaches_the_shop_in_utc(self):
		WooCommerceOrder.get_list(
			self.list_args(["WooCommerce Order", "date_created", "Between", ["2026-11-01", "2026-11-30"]])
		)
		query = self.list_requests()[-1]
		self.assertEqual(query["dates_are_gmt"], "true")
		midnight = datetime(2026, 11, 1, tzinfo=ZoneInfo(get_system_timezone()))
		after = midnight.astimezone(timezone.utc) - timedelta(seconds=1)
		self.assertEqual(query["after"], after.strftime("%Y-%m-%dT%H:%M:%S"))

	def test_list_through_reportview_as_desk_calls_it(self):
		frappe.local.form_dict = frappe._dict(
			doctype=ORDER_DOCTYPE,
			fields='["`tabWooCommerce Order`.`name`", "`tabWooCommerce Order`.`status`"]',
			filters=f'[["WooCommerce Order", "woocommerce_server", "=", "{SERVER}"]]',
			order_by="`tabWooCommerce Order`.`modified` desc",
			start=0,
			page_length=20,
		)
		data = reportview.get()
		self.assertEqual(len(data["values"]), 20)
		self.assertIn("name", data["keys"])
		self.assertEqual(reportview.get_count(), len(self.shop.orders))

	def test_form_loads_one_order_with_its_lines_and_sync_row(self):
		order = self.shop.orders[self.ids[3]]
		frappe.get_doc(
			{"doctype": ORDER_SYNC_DOCTYPE, "woocommerce_server": SERVER, "woocommerce_id": order["id"]}
		).insert(ignore_permissions=True)
		doc = frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, order["id"]))
		self.assertEqual((doc.woocommerce_id, doc.status), (order["id"], order["status"]))
		self.assertEqual(doc.total, float(order["total"]))
		self.assertEqual(len(doc.line_items), len(order["line_items"]))
		self.assertEqual(doc.line_items[0].sku, order["line_items"][0]["sku"])
		self.assertEqual(doc.order_sync, order_sync_name(SERVER, order["id"]))
		self.assertEqual(doc.sync_status, "Not processed")
		self.assertIsInstance(doc.date_created, datetime)

	def test_nothing_can_be_written(self):
		doc = frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, self.ids[0]))
		for method in (doc.db_update, doc.db_insert, doc.delete):
			with self.assertRaises(frappe.ValidationError):
				method()

	def test_unknown_order_is_a_clear_error(self):
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, 999_999))

	def test_sync_button_queues_the_one_order_sync(self):
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		with patch("frappe.enqueue") as enqueue:
			action = sync_woocommerce_order(order_name(SERVER, self.ids[0]))
		self.assertEqual(action["state"], "Not processed")
		self.assertEqual(
			frappe.db.get_value("WooCommerce Sync Action", action["name"], ["sync_type", "reference"]),
			("One order", str(self.ids[0])),
		)
		(call,) = enqueue.call_args_list
		self.assertEqual(call.kwargs["action"], action["name"])
		# The shop was not asked: the job does that.
		self.assertEqual(self.shop.requests, [])

	def test_everything_refuses_a_user_without_the_roles(self):
		frappe.set_user(make_user())
		args = self.list_args()
		for call in (
			lambda: WooCommerceOrder.get_list(args),
			lambda: WooCommerceOrder.get_count(args),
			lambda: WooCommerceOrder.get_stats(args),
			lambda: frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, self.ids[0])),
			lambda: sync_woocommerce_order(order_name(SERVER, self.ids[0])),
		):
			with self.assertRaises(frappe.PermissionError):
				call()
		self.assertEqual(self.list_requests(), [])

	def test_order_sync_user_may_read_and_sync(self):
		frappe.flags.pop("woocommerce_orders_scheduled", None)
		frappe.set_user(make_user("WooCommerce Order Sync User"))
		self.assertEqual(len(WooCommerceOrder.get_list(self.list_args(page_length=3))), 3)
		doc = frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, self.ids[1]))
		run_onload(doc)
		self.assertTrue(doc.get_onload().can_sync)
		with patch("frappe.enqueue") as enqueue:
			action = sync_woocommerce_order(order_name(SERVER, self.ids[1]))
		self.assertEqual(enqueue.call_args.kwargs["action"], action["name"])

	def test_no_sync_while_the_shops_order_sync_is_off(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 0)
		frappe.clear_document_cache("WooCommerce Server", SERVER)
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", SERVER)
		frappe.set_user(make_user("WooCommerce Order Sync User"))
		doc = frappe.get_doc(ORDER_DOCTYPE, order_name(SERVER, self.ids[2]))
		run_onload(doc)
		self.assertFalse(doc.get_onload().can_sync)
		with self.assertRaises(frappe.ValidationError), patch("frappe.enqueue") as enqueue:
			sync_woocommerce_order(order_name(SERVER, self.ids[2]))
		enqueue.assert_not_called()
