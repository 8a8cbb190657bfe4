# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime
from frappe.utils.background_jobs import execute_job

from woocommerce_fusion.constants import REQUEST_LOG_DOCTYPE
from woocommerce_fusion.engine.client import Exchange
from woocommerce_fusion.erp.request_log import (
	MAX_BODY_BYTES,
	make_exchange_logger,
)
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_request_log.woocommerce_request_log import (
	WooCommerceRequestLog,
)

SERVER = "_Test WooCommerce Server"
CONSUMER_KEY = "ck_" + "a" * 40
CONSUMER_SECRET = "cs_" + "b" * 40
WEBHOOK_SECRET = "whsec-0123456789"


def make_exchange(marker: str, status_code: int | None = 200, **values) -> Exchange:
	failed = status_code is None or status_code >= 400
	return Exchange(
		**{
			"method": "GET",
			"url": f"https://shop.example.com/wp-json/wc/v3/orders/{marker}",
			"endpoint": f"orders/{marker}",
			"query": {"status": "processing"},
			"request_body": None,
			"status_code": status_code,
			"response_body": '{"id": 1}',
			"duration_ms": 12.5,
			"error_kind": ("unavailable" if status_code is None else "bad_request") if failed else None,
			"error_message": "refused" if failed else None,
			"attempt": 1,
			**values,
		}
	)


def leaky_exchange(marker: str) -> Exchange:
	"""A failed exchange whose every part carries a secret, as if the client had not redacted."""
	return make_exchange(
		marker,
		status_code=401,
		url=f"https://shop.example.com/wp-json/wc/v3/orders/{marker}?consumer_key={CONSUMER_KEY}",
		query={
			"consumer_key": CONSUMER_KEY,
			"oauth_signature": "c2lnbmF0dXJl",
			"oauth_consumer_key": CONSUMER_KEY,
			"after": CONSUMER_SECRET,
		},
		request_body=json.dumps({"consumer_secret": CONSUMER_SECRET, "note": WEBHOOK_SECRET}),
		response_body=f'{{"code": "woocommerce_rest_cannot_view", "echo": "{CONSUMER_KEY}"}}',
		error_message=f"Authorization: Basic {CONSUMER_SECRET} refused",
	)


def call_then_fail(marker: str) -> None:
	"""A job that writes, calls the shop, and then fails; Frappe rolls its transaction back."""
	frappe.get_doc({"doctype": "ToDo", "description": marker}).insert(ignore_permissions=True)
	log = make_exchange_logger(
		SERVER,
		"Errors only",
		("ToDo", marker),
		"SYNC-ACTION-1",
		secrets=(CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET),
	)
	log(leaky_exchange(marker))
	raise RuntimeError("the job fails after the call")


def rows_for(marker: str) -> list[dict]:
	return frappe.get_all(REQUEST_LOG_DOCTYPE, filters={"endpoint": ("like", f"%{marker}%")}, fields=["*"])


class TestWooCommerceRequestLog(FrappeTestCase):
	def setUp(self):
		self.marker = frappe.generate_hash(length=12)

	def tearDown(self):
		# Rows are committed on their own connection; nothing of the test may stay behind.
		frappe.db.rollback()
		frappe.db.delete(REQUEST_LOG_DOCTYPE, {"server": SERVER})
		frappe.db.delete("Error Log", {"method": f"{__name__}.call_then_fail"})
		frappe.db.commit()

	def test_row_survives_the_jobs_rollback_and_holds_no_secret(self):
		with self.assertRaises(RuntimeError):
			execute_job(
				frappe.local.site,
				call_then_fail,
				event=None,
				job_name="test",
				kwargs={"marker": self.marker},
				is_async=False,
			)

		self.assertFalse(frappe.db.exists("ToDo", {"description": self.marker}), "the job was rolled back")
		(row,) = rows_for(self.marker)
		self.assertEqual(row.status_code, 401)
		self.assertEqual(row.succeeded, 0)
		self.assertEqual((row.reference_doctype, row.reference_name), ("ToDo", self.marker))
		self.assertEqual(row.sync_action, "SYNC-ACTION-1")
		stored = json.dumps(row, default=str)
		for secret in (CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, "c2lnbmF0dXJl"):
			self.assertNotIn(secret, stored)

	def test_errors_only_logs_failed_calls(self):
		log = make_exchange_logger(SERVER, "Errors only")
		log(make_exchange(self.marker + "-ok"))
		log(make_exchange(self.marker + "-refused", status_code=500))
		log(make_exchange(self.marker + "-down", status_code=None))
		frappe.db.rollback()
		self.assertEqual(rows_for(self.marker + "-ok"), [])
		self.assertEqual(len(rows_for(self.marker + "-refused")), 1)
		self.assertEqual(len(rows_for(self.marker + "-down")), 1)

	def test_all_and_off(self):
		make_exchange_logger(SERVER, "All")(make_exchange(self.marker + "-all"))
		make_exchange_logger(SERVER, "Off")(make_exchange(self.marker + "-off", status_code=500))
		frappe.db.rollback()
		(row,) = rows_for(self.marker + "-all")
		self.assertEqual(row.succeeded, 1)
		self.assertEqual(json.loads(row.query), {"status": "processing"})
		self.assertEqual(rows_for(self.marker + "-off"), [])

	def test_long_response_is_truncated_visibly(self):
		body = json.dumps([{"id": i, "name": "Ærlig vare"} for i in range(5000)])
		make_exchange_logger(SERVER, "All")(make_exchange(self.marker, response_body=body))
		frappe.db.rollback()
		(row,) = rows_for(self.marker)
		self.assertEqual(row.response_truncated, 1)
		self.assertLess(len(row.response_body.encode()), MAX_BODY_BYTES + 100)
		self.assertRegex(row.response_body, r"\[truncated \d+ bytes\]$")

	def test_clear_old_logs_keeps_failed_rows_longer(self):
		ages = {"ok-10": (1, 10), "ok-40": (1, 40), "failed-40": (0, 40), "failed-100": (0, 100)}
		names = {}
		for label, (succeeded, days) in ages.items():
			doc = frappe.get_doc(
				{
					"doctype": REQUEST_LOG_DOCTYPE,
					"server": SERVER,
					"method": "GET",
					"endpoint": f"/{self.marker}/{label}",
					"succeeded": succeeded,
				}
			).insert(ignore_permissions=True, ignore_links=True)
			frappe.db.set_value(
				REQUEST_LOG_DOCTYPE,
				doc.name,
				"creation",
				add_days(now_datetime(), -days),
				update_modified=False,
			)
			names[label] = doc.name

		WooCommerceRequestLog.clear_old_logs(days=30)

		kept = {label for label, name in names.items() if frappe.db.exists(REQUEST_LOG_DOCTYPE, name)}
		self.assertEqual(kept, {"ok-10", "failed-40"})
