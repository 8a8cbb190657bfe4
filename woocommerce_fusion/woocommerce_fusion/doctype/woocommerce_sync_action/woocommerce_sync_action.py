# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""A synchronisation run as a document: what a valid one is, and the list's "Synchronize now".

The runs themselves (queue, claim, fan-in, cursors) live in woocommerce_fusion/runs/, which the
jobs in tasks/ call; a new sync type plugs in there and in hooks.py, not here.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from woocommerce_fusion.erp.levels_settings import check_levels_sync_enabled
from woocommerce_fusion.runs import DOCTYPE, SERVER_DOCTYPE, SyncType
from woocommerce_fusion.runs.queue import create_sync_action, enqueue_sync_action, runner_of
from woocommerce_fusion.runs.switches import check_item_sync_enabled, check_order_sync_enabled


class WooCommerceSyncAction(Document):
	def validate(self) -> None:
		if self.sync_type in SyncType.WITH_REFERENCE and not self.reference:
			frappe.throw(_("A {0} synchronisation needs a reference.").format(_(self.sync_type)))
		if self.sync_type == SyncType.ONE_ORDER and cint(self.reference) <= 0:
			frappe.throw(_("{0} is not a WooCommerce order id.").format(self.reference))
		if self.sync_type == SyncType.ONE_ITEM and not frappe.db.exists("Item", self.reference):
			frappe.throw(_("Item {0} does not exist.").format(self.reference))


@frappe.whitelist()
def synchronize_now(server: str, sync_type: str = SyncType.ORDERS, synchronize_all: int | str = 0) -> str:
	"""The list's "Synchronize now": queue a full run of the chosen webshop."""
	frappe.has_permission(DOCTYPE, "create", throw=True)
	if sync_type not in SyncType.EXCLUSIVE or not runner_of(sync_type):
		frappe.throw(_("Synchronisations of type {0} cannot be started here.").format(_(sync_type)))
	if not frappe.db.exists(SERVER_DOCTYPE, server):
		frappe.throw(_("WooCommerce Server {0} does not exist.").format(server), frappe.DoesNotExistError)
	if sync_type == SyncType.ORDERS:
		check_order_sync_enabled(server)
	elif sync_type == SyncType.ITEMS:
		check_item_sync_enabled(server)
	else:
		check_levels_sync_enabled(server, sync_type)
	name = create_sync_action(server, sync_type, synchronize_all=bool(cint(synchronize_all)))
	enqueue_sync_action(name)
	return name
