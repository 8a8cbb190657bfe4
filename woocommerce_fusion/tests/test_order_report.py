"""On a real site: the daily report lands in the Email Queue with its CSV, removing its
recipients turns it off, and failure notices go once per order per state to the opted-in users.

The functions under test commit (they lock and mark their rows), so the tests commit their rows
too and remove them, with the e-mails they queued, afterwards.
"""

from __future__ import annotations

import csv
import email
import io
import json
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from woocommerce_fusion.constants import (
	NOTIFICATION_ROLE,
	ORDER_SYNC_DOCTYPE,
	ORDER_SYNC_REPORT_DOCTYPE,
)
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.report import COLUMNS, FAILED_ONLY, SUBJECT
from woocommerce_fusion.erp.order_notices import notify_order, notify_pending_orders
from woocommerce_fusion.erp.order_records import lock_order, save_order
from woocommerce_fusion.tasks.order_report import send_due_reports, send_if_due
from woocommerce_fusion.testing.bench_fixtures import make_fixtures, make_server, remove_orders

SERVER = "_Test WooCommerce Report"
OPTED_IN = "woo-notice-opted-in@example.com"
NOT_OPTED_IN = "woo-notice-other@example.com"
RECIPIENT = "woo-report@example.com"

# "_Test Email Account 1" is the outgoing account frappe.sendmail needs (made default below).
test_dependencies = ["Company", "Customer Group", "Territory", "Email Account"]
TEST_EMAIL_ACCOUNT = "_Test Email Account 1"


def seed_row(woocommerce_id: int, status: str, *, age: timedelta, **values) -> str:
	"""An Order Sync row of the report's server, last changed `age` ago."""
	doc = frappe.get_doc(
		{
			"doctype": ORDER_SYNC_DOCTYPE,
			"woocommerce_server": SERVER,
			"woocommerce_id": woocommerce_id,
			"status": status,
			**values,
		}
	).insert(ignore_permissions=True)
	then = add_to_date(now_datetime(), seconds=-age.total_seconds())
	frappe.db.set_value(
		ORDER_SYNC_DOCTYPE, doc.name, {"modified": then, "woocommerce_created": then}, update_modified=False
	)
	return doc.name


def queued_mails(reference_doctype: str, reference_name: str) -> list:
	return frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": reference_doctype, "reference_name": reference_name},
		fields=["name", "message"],
	)


def recipients_of(queue_name: str) -> list[str]:
	return sorted(frappe.get_all("Email Queue Recipient", {"parent": queue_name}, pluck="recipient"))


def csv_attachment(message: str) -> list[list[str]]:
	for part in email.message_from_string(message).walk():
		if (part.get_filename() or "").endswith(".csv"):
			return list(csv.reader(io.StringIO(part.get_payload(decode=True).decode())))
	raise AssertionError("no CSV attachment in the queued e-mail")


def remove_mails() -> None:
	for doctype in (ORDER_SYNC_DOCTYPE, ORDER_SYNC_REPORT_DOCTYPE):
		for name in frappe.get_all("Email Queue", {"reference_doctype": doctype}, pluck="name"):
			frappe.db.delete("Email Queue Recipient", {"parent": name})
			frappe.db.delete("Email Queue", {"name": name})


class ReportTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_fixtures()
		# Order sync off: the site's own scheduler leaves this server's rows alone.
		make_server(SERVER, enable_order_sync=0)
		cls.default_outgoing = frappe.get_all("Email Account", {"default_outgoing": 1}, pluck="name")
		if not cls.default_outgoing:
			frappe.db.set_value("Email Account", TEST_EMAIL_ACCOUNT, "default_outgoing", 1)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		if not cls.default_outgoing:
			frappe.db.set_value("Email Account", TEST_EMAIL_ACCOUNT, "default_outgoing", 0)
			frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		self.clean()

	def tearDown(self) -> None:
		frappe.db.rollback()
		self.clean()

	def clean(self) -> None:
		remove_orders(SERVER)
		remove_mails()
		frappe.db.delete(ORDER_SYNC_REPORT_DOCTYPE, {"woocommerce_server": SERVER})
		frappe.db.commit()


class TestDailyReport(ReportTestCase):
	def make_report(self, **values):
		return frappe.get_doc(
			{
				"doctype": ORDER_SYNC_REPORT_DOCTYPE,
				"woocommerce_server": SERVER,
				"time_of_day": "00:00:00",
				"scope": FAILED_ONLY,
				"recipients": [{"email": RECIPIENT}],
				**values,
			}
		).insert(ignore_permissions=True)

	def test_failed_only_report_lands_in_the_email_queue_with_the_failed_orders(self):
		payload = {"billing": {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"}}
		seed_row(
			101,
			Status.FAILED,
			age=timedelta(days=3),
			error="Item SKU-X is unknown\nTraceback (most recent call last): ...",
			error_kind="bad_data",
			payload=json.dumps(payload),
		)
		seed_row(102, Status.FAILED_AT_STOCK_ALLOCATION, age=timedelta(hours=2), error_kind="stock")
		seed_row(103, Status.NOT_PROCESSED, age=timedelta(hours=3), stuck=1)
		seed_row(104, Status.NOT_PROCESSED, age=timedelta(hours=2))  # longer than Stuck After
		seed_row(105, Status.NOT_PROCESSED, age=timedelta(minutes=1))  # on its way
		seed_row(106, Status.PAYMENT_REGISTERED, age=timedelta(hours=1))
		report = self.make_report()
		frappe.db.commit()

		now = now_datetime()
		self.assertTrue(send_if_due(report.name, now))
		# Once a day: the next tick sends nothing.
		self.assertFalse(send_if_due(report.name, add_to_date(now, minutes=5)))

		mails = queued_mails(ORDER_SYNC_REPORT_DOCTYPE, report.name)
		self.assertEqual(len(mails), 1)
		queued = frappe.get_doc("Email Queue", mails[0].name)
		self.assertIn(f"Subject: {SUBJECT}", queued.message)
		self.assertEqual(recipients_of(queued.name), [RECIPIENT])
		rows = csv_attachment(queued.message)
		self.assertEqual(rows[0], list(COLUMNS))
		by_id = {row[0]: row for row in rows[1:]}
		self.assertEqual(sorted(by_id), ["101", "102", "103", "104"])
		self.assertEqual(by_id["101"][1:3], [SERVER, "Jane Doe"])
		self.assertEqual(by_id["101"][5:], ["Failed", "bad_data", "Item SKU-X is unknown"])
		self.assertEqual(by_id["102"][5:7], ["Failed at stock allocation", "stock"])
		self.assertEqual(by_id["103"][5], "Stuck")
		self.assertEqual(by_id["104"][5], "Not processed")
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_REPORT_DOCTYPE, report.name, "last_sent_on"), now)

	def test_a_report_waits_for_its_time_of_day(self):
		report = self.make_report(time_of_day="23:59:59")
		frappe.db.commit()
		self.assertFalse(send_if_due(report.name, now_datetime().replace(hour=12)))
		self.assertEqual(queued_mails(ORDER_SYNC_REPORT_DOCTYPE, report.name), [])

	def test_removing_all_recipients_disables_the_report(self):
		report = self.make_report()
		self.assertEqual(report.enabled, 1)
		report.recipients = []
		report.save(ignore_permissions=True)
		self.assertEqual(report.enabled, 0)
		frappe.db.commit()
		send_due_reports()
		self.assertEqual(queued_mails(ORDER_SYNC_REPORT_DOCTYPE, report.name), [])
		self.assertFalse(send_if_due(report.name, now_datetime()))


class TestFailureNotices(ReportTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		for address, roles in (
			(OPTED_IN, [NOTIFICATION_ROLE]),
			(NOT_OPTED_IN, ["WooCommerce Order Sync User"]),
		):
			if not frappe.db.exists("User", address):
				user = frappe.get_doc({"doctype": "User", "email": address, "first_name": "Woo"})
				user.insert(ignore_permissions=True)
			else:
				user = frappe.get_doc("User", address)
			user.enabled = 1
			user.set("roles", [{"role": role} for role in roles])
			user.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		# Left enabled, the user would get the notices of other tests' failures.
		frappe.db.set_value("User", OPTED_IN, "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def fail(self, woocommerce_id: int, error: str, status: str = Status.FAILED) -> str:
		"""Record a failure as the pipeline does: on the locked row, committed."""
		frappe.db.commit()
		record = lock_order(SERVER, woocommerce_id)
		record.status = status
		record.error = error
		record.error_kind = "bad_data"
		record.attempts += 1
		save_order(record)
		frappe.db.commit()
		return record.name

	def notices(self, name: str) -> list:
		return queued_mails(ORDER_SYNC_DOCTYPE, name)

	def test_a_failure_is_told_once_to_the_opted_in_user_only(self):
		name = self.fail(201, "Item SKU-Y is unknown\nTraceback ...")
		notify_order(name)
		self.fail(201, "Item SKU-Y is still unknown")
		notify_order(name)
		self.fail(201, "No stock", status=Status.FAILED_AT_STOCK_ALLOCATION)
		notify_pending_orders()

		mails = self.notices(name)
		self.assertEqual(len(mails), 1)
		self.assertEqual(recipients_of(mails[0].name), [OPTED_IN])
		self.assertIn("failed to sync", frappe.db.get_value("Email Queue", mails[0].name, "message"))
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, "notified_state"), "Failed")

	def test_stuck_is_told_once_and_a_new_failure_after_recovery_again(self):
		name = seed_row(202, Status.NOT_PROCESSED, age=timedelta(hours=3), stuck=1)
		frappe.db.commit()
		self.assertEqual(notify_pending_orders(), 1)
		self.assertEqual(notify_pending_orders(), 0)
		self.assertEqual(len(self.notices(name)), 1)

		self.fail(202, "Item SKU-Z is unknown")
		notify_order(name)
		self.assertEqual(len(self.notices(name)), 2)

		record = lock_order(SERVER, 202)
		record.status, record.error, record.error_kind = Status.SALES_ORDER_CREATED, "", ""
		save_order(record)
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value(ORDER_SYNC_DOCTYPE, name, "notified_state"), "")
		self.fail(202, "Item SKU-Z is unknown again")
		notify_order(name)
		self.assertEqual(len(self.notices(name)), 3)

	def test_a_row_in_a_good_state_is_not_told(self):
		name = seed_row(203, Status.PAYMENT_REGISTERED, age=timedelta(hours=1))
		frappe.db.commit()
		self.assertIsNone(notify_order(name))
		self.assertEqual(self.notices(name), [])
