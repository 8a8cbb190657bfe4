"""The daily order sync reports: every few minutes, each report whose time of day has passed and
that was not sent today goes to the Email Queue with its CSV.

A report is locked while it is sent and marked sent in the same transaction as its Email Queue
row, so two schedulers (or a slow tick and the next) never send it twice, and a failure sends
nothing and is tried again at the next tick.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, get_time, now_datetime

from woocommerce_fusion.constants import ORDER_SYNC_REPORT_DOCTYPE
from woocommerce_fusion.engine.report import COLUMNS, SUBJECT, build_csv, report_due
from woocommerce_fusion.erp.order_notices import mail_configured
from woocommerce_fusion.erp.order_report import report_orders


def send_due_reports() -> None:
	"""Scheduler (cron): send the reports that are due now (once the site can send e-mail)."""
	if not mail_configured():
		return
	now = now_datetime()
	for name in frappe.get_all(ORDER_SYNC_REPORT_DOCTYPE, filters={"enabled": 1}, pluck="name"):
		try:
			send_if_due(name, now)
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=_("WooCommerce Order Sync Report {0} was not sent").format(name))


def send_if_due(name: str, now: datetime) -> bool:
	"""Queue the report's e-mail and mark it sent, if it is due; True when it was queued."""
	# The lock is the transaction's first read, so what is read after it is what was committed.
	frappe.db.rollback()
	row = frappe.db.sql(
		f"select enabled, time_of_day, last_sent_on from `tab{ORDER_SYNC_REPORT_DOCTYPE}`"
		" where name = %s for update",
		(name,),
		as_dict=True,
	)
	last_sent_on = get_datetime(row[0].last_sent_on) if row and row[0].last_sent_on else None
	if not row or not row[0].enabled or not report_due(get_time(row[0].time_of_day), last_sent_on, now):
		frappe.db.rollback()
		return False
	queue_report_email(frappe.get_doc(ORDER_SYNC_REPORT_DOCTYPE, name), now)
	frappe.db.set_value(ORDER_SYNC_REPORT_DOCTYPE, name, "last_sent_on", now, update_modified=False)
	frappe.db.commit()
	return True


def queue_report_email(report: Document, now: datetime | None = None) -> None:
	"""The report's e-mail, with its CSV, into the Email Queue (in the caller's transaction)."""
	now = now or now_datetime()
	orders = report_orders(report.woocommerce_server, report.scope, now)
	server = report.woocommerce_server or _("all WooCommerce servers")
	frappe.sendmail(
		recipients=report.recipient_emails(),
		subject=_(SUBJECT),
		message=_("{0} orders of {1} ({2}) as of {3}: see the attached CSV.").format(
			len(orders), server, _(report.scope), frappe.utils.format_datetime(now)
		),
		attachments=[
			{
				"fname": f"order-sync-report-{now:%Y-%m-%d}.csv",
				"fcontent": build_csv(orders, [_(column) for column in COLUMNS]),
			}
		],
		reference_doctype=ORDER_SYNC_REPORT_DOCTYPE,
		reference_name=report.name,
	)
