# Copyright (c) 2026, woocommerce_fusion developers
# For license information, please see license.txt

"""One row per signed delivery a shop's webhook sent, written by woocommerce_fusion/webhooks.py.

Its name "{server}-{delivery id}" makes a replayed delivery a duplicate key. The rows are a log:
nobody creates or edits them in Desk, and Log Settings clears the old ones.
"""

from __future__ import annotations

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now

from woocommerce_fusion.constants import WEBHOOK_DELIVERY_DOCTYPE, webhook_delivery_name

# What a delivery became: the endpoint writes the first four, the background job the last two.
RECEIVED = "Received"
DUPLICATE = "Duplicate"
OLDER_THAN_STORED = "Older than stored"
UNPROCESSABLE = "Unprocessable"
PROCESSED = "Processed"
FAILED = "Failed"
# Deliveries that show a problem are what someone asks about weeks later, so they outlive the rest.
KEPT_OUTCOMES = (UNPROCESSABLE, FAILED)
MIN_PROBLEM_RETENTION_DAYS = 90


class WooCommerceWebhookDelivery(Document):
	def autoname(self) -> None:
		self.name = webhook_delivery_name(self.woocommerce_server, self.delivery_id)
		if self.flags.replay:
			# A replay is kept too, beside the delivery it repeats.
			self.name += "-" + frappe.generate_hash(length=10)

	@staticmethod
	def clear_old_logs(days: int = 30) -> None:
		"""Called by Log Settings: drop deliveries older than `days`, and the unprocessable or failed
		ones older than three times that, but never younger than 90 days."""
		table = frappe.qb.DocType(WEBHOOK_DELIVERY_DOCTYPE)
		frappe.db.delete(
			table,
			filters=(table.outcome.notin(KEPT_OUTCOMES)) & (table.creation < (Now() - Interval(days=days))),
		)
		problem_days = max(days * 3, MIN_PROBLEM_RETENTION_DAYS)
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=problem_days))))
