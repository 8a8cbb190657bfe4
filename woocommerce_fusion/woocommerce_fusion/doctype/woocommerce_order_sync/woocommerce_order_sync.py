# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""One row per WooCommerce order and shop: the order's way into ERPNext.

The pipeline (engine/pipeline.py, through erp/order_records.py) writes these rows under the
row's lock; its name "{server}-{woocommerce id}" makes the pair unique by primary key.
"""

from __future__ import annotations

import frappe
from frappe.model.document import Document

from woocommerce_fusion.tasks.order_sync import sync_one_order
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	summary,
)


class WooCommerceOrderSync(Document):
	@frappe.whitelist()
	def sync_now(self) -> dict:
		"""The form's "Sync this Order": the order through the same path as the hourly run."""
		self.check_permission("write")
		return summary(sync_one_order(self.woocommerce_server, self.woocommerce_id))
