# Copyright (c) 2026, woocommerce_fusion developers
# For license information, please see license.txt

"""A daily order sync report: when, for which server, what it lists and who gets it.

The e-mail itself goes out from tasks/order_report.py, on the app's schedule.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.tasks.order_report import queue_report_email


class WooCommerceOrderSyncReport(Document):
	def validate(self) -> None:
		self.fill_recipient_emails()
		self.remove_duplicate_recipients()
		if not self.recipients and cint(self.enabled):
			# As the seed's screen does: removing every recipient is how a report is turned off.
			self.enabled = 0
			frappe.msgprint(
				_("The report has no recipients, so it is disabled."), indicator="orange", alert=True
			)

	def fill_recipient_emails(self) -> None:
		for row in self.recipients:
			if row.user and not row.email:
				row.email = frappe.db.get_value("User", row.user, "email")
			if not row.email:
				frappe.throw(_("Row {0}: give the recipient an e-mail address.").format(row.idx))

	def remove_duplicate_recipients(self) -> None:
		seen, kept = set(), []
		for row in self.recipients:
			key = row.email.strip().lower()
			if key not in seen:
				seen.add(key)
				kept.append(row)
		if len(kept) != len(self.recipients):
			self.recipients = kept
			for idx, row in enumerate(kept, start=1):
				row.idx = idx

	def recipient_emails(self) -> list[str]:
		return [row.email.strip() for row in self.recipients if row.email]


@frappe.whitelist()
def send_now(name: str) -> str:
	"""The form's Send Now: the report as it would go out, queued at once, whatever the time.
	Does not count as the day's report."""
	doc = frappe.get_doc("WooCommerce Order Sync Report", name)
	doc.check_permission("write")
	if not doc.recipient_emails():
		frappe.throw(_("The report has no recipients."))
	queue_report_email(doc)
	return _("The report is in the Email Queue.")
