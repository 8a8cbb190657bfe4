# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""One row per WooCommerce order and shop: the order's way into ERPNext.

The pipeline (engine/pipeline.py, through erp/order_records.py) writes these rows under the
row's lock; its name "{server}-{woocommerce id}" makes the pair unique by primary key.

Whoever may write an order's row may queue a sync of that order, from whichever form the button
is on: the row is what a sync changes, and the user permissions that limit it (to some shops, for
instance) limit the button too. That is the WooCommerce Order Sync User's right; the shop's
settings stay with the WooCommerce Manager.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.constants import ORDER_SYNC_DOCTYPE, order_sync_name
from woocommerce_fusion.runs.queue import summary
from woocommerce_fusion.runs.switches import check_order_sync_enabled, order_sync_enabled
from woocommerce_fusion.tasks.order_sync import enqueue_one_order


class WooCommerceOrderSync(Document):
	def autoname(self) -> None:
		self.name = order_sync_name(self.woocommerce_server, cint(self.woocommerce_id))

	def onload(self) -> None:
		self.set_onload("order_sync_enabled", order_sync_enabled(self.woocommerce_server))
		self.set_onload("can_sync", may_sync(self.woocommerce_server, self.woocommerce_id))


@frappe.whitelist()
def sync_now(name: str) -> dict:
	"""The form's "Sync this Order": queue the order through the same path as the hourly run.

	Takes the row's name rather than the form's copy of the row: the sync rewrites the row in the
	background, and a retry must not be refused because the form is older than the row.
	"""
	row = frappe.db.get_value(
		ORDER_SYNC_DOCTYPE, name, ["woocommerce_server", "woocommerce_id"], as_dict=True
	)
	if not row:
		frappe.throw(_("WooCommerce Order Sync {0} not found.").format(name), frappe.DoesNotExistError)
	return queue_order_sync(row.woocommerce_server, row.woocommerce_id)


def queue_order_sync(server: str, woocommerce_id: int) -> dict:
	"""What every "Sync this Order" button calls: check, queue, and say which run will do it."""
	check_may_sync(server, woocommerce_id)
	return summary(enqueue_one_order(server, woocommerce_id))


def may_sync(server: str, woocommerce_id: int) -> bool:
	"""Whether the user sees a "Sync this Order" button for the order."""
	return order_sync_enabled(server) and sync_row(server, woocommerce_id).has_permission("write")


def check_may_sync(server: str, woocommerce_id: int) -> None:
	check_order_sync_enabled(server)
	sync_row(server, woocommerce_id).check_permission("write")


def sync_row(server: str, woocommerce_id: int) -> Document:
	"""The order's row, or the row its first sync will make (which user permissions judge alike)."""
	name = order_sync_name(server, cint(woocommerce_id))
	if frappe.db.exists(ORDER_SYNC_DOCTYPE, name):
		return frappe.get_doc(ORDER_SYNC_DOCTYPE, name)
	return frappe.get_doc(
		{"doctype": ORDER_SYNC_DOCTYPE, "woocommerce_server": server, "woocommerce_id": cint(woocommerce_id)}
	)
