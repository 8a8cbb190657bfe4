"""Webhooks on a real ERPNext: registered in the test shop from the server, and the shop's own
signed deliveries posted to the endpoint, whose order job runs at once.

The endpoint commits, so the class clears what an earlier run left before it starts.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, WEBHOOK_DELIVERY_DOCTYPE, order_sync_name
from woocommerce_fusion.engine.intake import delivery_key
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.settings import InvoicePolicy
from woocommerce_fusion.tasks.test_order_sync_e2e import run_now
from woocommerce_fusion.testing.bench_fixtures import (
	MODE_OF_PAYMENT,
	make_fixtures,
	make_modes_of_payment,
	make_server,
	remove_orders,
)
from woocommerce_fusion.testing.shop import TestShop
from woocommerce_fusion.webhooks import receive
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server import (
	delivery_url,
	get_webhooks,
	register_webhooks,
)

test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Webhooks"
ORDERS = 50


class Receiver:
	"""Stands in for the site's web server on the shop's side: keeps each signed POST, answers 200,
	so that the shop neither retries nor disables its webhooks while the test replays them."""

	def __init__(self) -> None:
		self.requests: list[tuple[dict[str, str], bytes]] = []
		receiver = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self) -> None:
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				receiver.requests.append((dict(self.headers.items()), body))
				self.send_response(200)
				self.send_header("Content-Length", "0")
				self.end_headers()

			def log_message(self, format: str, *args: Any) -> None:
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def take(self) -> list[tuple[dict[str, str], bytes]]:
		taken, self.requests = self.requests, []
		return taken

	def stop(self) -> None:
		self.server.shutdown()
		self.server.server_close()


def post(headers: dict[str, str], body: bytes) -> int:
	"""receive() as Frappe runs it for POST <delivery url>: the request faked, the status read back."""
	url = urlsplit(delivery_url(SERVER))
	set_request(method="POST", path=url.path, query_string=url.query, data=body, headers=headers)
	frappe.local.response = frappe._dict()
	with patch("frappe.enqueue", run_now):
		receive()
	return frappe.local.response.get("http_status_code") or 200


def redelivered(headers: dict[str, str]) -> dict[str, str]:
	"""The same delivery sent again by the shop: a new delivery id, the body and signature kept."""
	return {**headers, "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex}


def sales_orders(woocommerce_id: int) -> list[str]:
	return frappe.get_all(
		"Sales Order",
		{"woocommerce_server": SERVER, "woocommerce_id": woocommerce_id, "docstatus": ("<", 2)},
		pluck="name",
	)


@contextmanager
def order_sync(on: bool) -> Iterator[None]:
	frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", int(on))
	frappe.clear_document_cache("WooCommerce Server", SERVER)
	try:
		yield
	finally:
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", int(not on))
		frappe.clear_document_cache("WooCommerce Server", SERVER)


class TestWebhooks(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		remove_orders(SERVER)
		frappe.db.delete(WEBHOOK_DELIVERY_DOCTYPE, {"woocommerce_server": SERVER})
		frappe.db.commit()
		cls.shop = TestShop(webhook_mode="manual").start()
		cls.order_ids = cls.shop.seed_orders(ORDERS + 7, seed=8)
		make_server(SERVER, cls.shop.url, synchronise_orders_from="2000-01-01", webhook_secret="")
		frappe.db.commit()
		cls.registered = register_webhooks(SERVER)
		# The site's URL as it was while registering: a test that fakes a request changes the host.
		cls.delivery_url = delivery_url(SERVER)
		frappe.db.commit()
		cls.receiver = Receiver()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.receiver.stop()
		cls.shop.stop()
		super().tearDownClass()

	def deliveries_of(self, *order_ids: int) -> list[tuple[dict[str, str], bytes]]:
		"""The shop's order.updated deliveries for these orders, moved to processing."""
		for hook in self.shop.webhooks.values():
			hook.delivery_url = self.receiver.url
		for order_id in order_ids:
			self.shop.modify_order(order_id, status="processing")
		self.shop.flush_webhooks()
		taken = self.receiver.take()
		self.assertEqual(len(taken), len(order_ids))
		return taken

	def test_register_creates_the_order_webhooks_with_a_generated_secret(self):
		secret = frappe.get_doc("WooCommerce Server", SERVER).get_password("webhook_secret")
		self.assertGreaterEqual(len(secret), 40)
		self.assertEqual(
			sorted(hook["topic"] for hook in self.registered), ["order.created", "order.updated"]
		)
		self.assertEqual({hook["status"] for hook in self.registered}, {"active"})
		self.assertEqual({hook["delivery_url"] for hook in self.registered}, {self.delivery_url})
		self.assertIn(
			"/api/method/woocommerce_fusion.webhooks.receive?server=_Test%20WooCommerce", delivery_url(SERVER)
		)
		for hook in self.registered:
			self.assertEqual(self.shop.webhooks[hook["id"]].secret, secret)

	def test_register_again_repairs_instead_of_adding(self):
		hooks = list(self.shop.webhooks.values())
		hooks[0].status = "disabled"
		hooks[1].delivery_url = "http://old-site.example/api/method/woocommerce_fusion.webhooks.receive"
		register_webhooks(SERVER)
		self.assertEqual(len(self.shop.webhooks), 2)
		shown = get_webhooks(SERVER)
		self.assertIsNone(shown["error"])
		self.assertEqual({hook["status"] for hook in shown["webhooks"]}, {"active"})
		self.assertEqual({hook["delivery_url"] for hook in shown["webhooks"]}, {delivery_url(SERVER)})

	def test_ping_is_answered_and_stores_nothing(self):
		before = frappe.db.count(WEBHOOK_DELIVERY_DOCTYPE)
		status = post({"Content-Type": "application/x-www-form-urlencoded"}, b"webhook_id=1")
		self.assertEqual(status, 200)
		self.assertEqual(frappe.db.count(WEBHOOK_DELIVERY_DOCTYPE), before)

	def test_signed_delivery_lands_as_a_row_and_makes_the_sales_order(self):
		order_id = self.order_ids[0]
		((headers, body),) = self.deliveries_of(order_id)
		self.assertEqual(post(headers, body), 200)
		name = f"{SERVER}-{delivery_key(headers['X-WC-Webhook-Delivery-ID'], body)}"
		row = frappe.get_doc(WEBHOOK_DELIVERY_DOCTYPE, name)
		self.assertEqual(
			(row.outcome, row.topic, row.woocommerce_id), ("Processed", "order.updated", order_id)
		)
		self.assertEqual(row.raw_body.encode(), body)
		self.assertEqual(len(sales_orders(order_id)), 1)

		# The same delivery again: recorded as a duplicate, nothing else changes.
		self.assertEqual(post(headers, body), 200)
		replays = frappe.get_all(
			WEBHOOK_DELIVERY_DOCTYPE,
			{"delivery_id": delivery_key(headers["X-WC-Webhook-Delivery-ID"], body), "outcome": "Duplicate"},
			pluck="name",
		)
		self.assertEqual(len(replays), 1)
		self.assertEqual(len(sales_orders(order_id)), 1)

	def test_wrong_signature_gets_401_and_creates_nothing(self):
		order_id = self.order_ids[1]
		((headers, body),) = self.deliveries_of(order_id)
		errors = frappe.db.count("Error Log")
		for wrong in (
			{**headers, "X-WC-Webhook-Signature": "AAAA"},
			{k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"},
		):
			self.assertEqual(post(wrong, body), 401)
		self.assertEqual(post(headers, body.replace(b'"processing"', b'"completed"')), 401)
		self.assertFalse(
			frappe.db.exists(
				WEBHOOK_DELIVERY_DOCTYPE, {"woocommerce_id": order_id, "woocommerce_server": SERVER}
			)
		)
		self.assertFalse(
			frappe.db.exists(
				"WooCommerce Order Sync", {"woocommerce_id": order_id, "woocommerce_server": SERVER}
			)
		)
		self.assertEqual(sales_orders(order_id), [])
		self.assertEqual(frappe.db.count("Error Log"), errors + 3)
		self.assertEqual(frappe.local.response.get("message"), None)

	def test_a_server_with_order_sync_off_is_not_found(self):
		((headers, body),) = self.deliveries_of(self.order_ids[2])
		with order_sync(False):
			self.assertEqual(post(headers, body), 404)
		self.assertFalse(
			frappe.db.exists(
				WEBHOOK_DELIVERY_DOCTYPE,
				{"delivery_id": delivery_key(headers["X-WC-Webhook-Delivery-ID"], body)},
			)
		)
		self.assertEqual(post(headers, body), 200)

	def test_unprocessable_delivery_is_kept_with_its_error_and_answered_200(self):
		((headers, body),) = self.deliveries_of(self.order_ids[3])
		product = {
			**headers,
			"X-WC-Webhook-Topic": "product.updated",
			"X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
		}
		self.assertEqual(post(product, body), 200)
		row = frappe.get_doc(
			WEBHOOK_DELIVERY_DOCTYPE, f"{SERVER}-{delivery_key(product['X-WC-Webhook-Delivery-ID'], body)}"
		)
		self.assertEqual(row.outcome, "Unprocessable")
		self.assertIn("product.updated", row.error)

	def test_fifty_orders_delivered_a_thousand_times_make_one_sales_order_each(self):
		order_ids = self.order_ids[5 : 5 + ORDERS]
		deliveries = self.deliveries_of(*order_ids)
		for headers, body in deliveries:
			self.assertEqual(post(headers, body), 200)
		# Nineteen more of each: the shop re-sending it (a new delivery id) or a replay of the same.
		for round_ in range(19):
			for headers, body in deliveries:
				again = redelivered(headers) if round_ % 2 == 0 else headers
				self.assertEqual(post(again, body), 200)
		for order_id in order_ids:
			self.assertEqual(len(sales_orders(order_id)), 1, order_id)
		outcomes = frappe.get_all(
			WEBHOOK_DELIVERY_DOCTYPE,
			{"woocommerce_server": SERVER, "woocommerce_id": ("in", order_ids)},
			pluck="outcome",
		)
		self.assertEqual(len(outcomes), ORDERS * 20)
		self.assertEqual(outcomes.count("Duplicate"), ORDERS * 9)
		self.assertNotIn("Failed", outcomes)
		self.assertNotIn("Received", outcomes)

	def test_a_paid_order_reaches_payment_registered_and_cash_on_delivery_stops_at_invoice_posted(self):
		paid, cod = self.order_ids[5 + ORDERS], self.order_ids[6 + ORDERS]
		self.shop.modify_order(
			paid,
			payment_method="stripe",
			payment_method_title="Credit Card (Stripe)",
			transaction_id="pi_bench1",
		)
		self.shop.modify_order(cod, payment_method="cod", payment_method_title="Cash on delivery")
		make_modes_of_payment()
		server = frappe.get_doc("WooCommerce Server", SERVER)
		server.update({"submit_sales_orders": 1, "create_sales_invoice": InvoicePolicy.ALWAYS})
		server.set("payment_methods", [{"payment_method": "stripe", "mode_of_payment": MODE_OF_PAYMENT}])
		server.save(ignore_permissions=True)
		frappe.db.commit()
		self.addCleanup(self.restore_server)

		for headers, body in self.deliveries_of(paid, cod):
			self.assertEqual(post(headers, body), 200)

		total = float(self.shop.orders[paid]["total"])
		row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, paid))
		self.assertEqual((row.status, row.error), (Status.PAYMENT_REGISTERED, None))
		self.assertEqual(
			frappe.db.get_value("Sales Order", row.sales_order, ["docstatus", "grand_total"]), (1, total)
		)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", row.sales_invoice, ["docstatus", "grand_total"]), (1, total)
		)
		self.assertEqual(
			frappe.db.get_value(
				"Payment Entry", row.payment_entry, ["docstatus", "paid_amount", "reference_no"]
			),
			(1, total, "pi_bench1"),
		)
		cod_row = frappe.get_doc(ORDER_SYNC_DOCTYPE, order_sync_name(SERVER, cod))
		self.assertEqual(cod_row.status, Status.INVOICE_POSTED)
		self.assertEqual(frappe.db.get_value("Sales Invoice", cod_row.sales_invoice, "docstatus"), 1)
		self.assertFalse(cod_row.payment_entry)

	@staticmethod
	def restore_server() -> None:
		server = frappe.get_doc("WooCommerce Server", SERVER)
		server.update({"submit_sales_orders": 0, "create_sales_invoice": InvoicePolicy.NEVER})
		server.set("payment_methods", [])
		server.save(ignore_permissions=True)
		frappe.db.commit()

	def test_a_new_secret_counts_at_once(self):
		order_id = self.order_ids[4]
		((headers, body),) = self.deliveries_of(order_id)
		self.assertEqual(post(headers, body), 200)
		server = frappe.get_doc("WooCommerce Server", SERVER)
		server.flags.ignore_permissions = True
		server.set_new_webhook_secret()
		frappe.db.commit()
		# The shop still signs with the old secret until its webhooks are registered again.
		self.assertEqual(post(redelivered(headers), body), 401)
		register_webhooks(SERVER)
		frappe.db.commit()
		for hook in self.shop.webhooks.values():
			hook.delivery_url = self.receiver.url
		self.shop.modify_order(order_id, status="completed")
		self.shop.flush_webhooks()
		((headers, body),) = self.receiver.take()
		self.assertEqual(post(headers, body), 200)
