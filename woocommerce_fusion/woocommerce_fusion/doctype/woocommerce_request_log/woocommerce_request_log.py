# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now

from woocommerce_fusion.engine.errors import SUGGESTED_FIXES, ErrorKind

# Failed calls are what support asks about weeks later, so they outlive successful ones.
MIN_FAILED_RETENTION_DAYS = 90


class WooCommerceRequestLog(Document):
	def onload(self) -> None:
		if self.error_kind in {kind.value for kind in ErrorKind}:
			self.set_onload("suggested_fix", _(SUGGESTED_FIXES[ErrorKind(self.error_kind)]))

	@staticmethod
	def clear_old_logs(days: int = 30) -> None:
		"""Called by Log Settings: drop successful calls older than `days` and failed calls
		older than three times that, but never younger than 90 days."""
		table = frappe.qb.DocType("WooCommerce Request Log")
		frappe.db.delete(
			table,
			filters=(table.succeeded == 1) & (table.creation < (Now() - Interval(days=days))),
		)
		failed_days = max(days * 3, MIN_FAILED_RETENTION_DAYS)
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=failed_days))))
