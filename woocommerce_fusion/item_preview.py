"""The single-product sync of the queue screen (WooCommerce Sync Action): what a sync of an Item
would do in each shop, and the Synchronize button that queues it as a "One item" run.

Both need the right to create Sync Actions (the WooCommerce Manager's), as "Synchronize now"
does, and to read the Item. The preview reads the shops and changes nothing.
"""

from __future__ import annotations

import frappe
from frappe import _

from woocommerce_fusion.engine.catalogue.plan import Action
from woocommerce_fusion.engine.catalogue.sync import preview_item
from woocommerce_fusion.engine.client import RetryPolicy
from woocommerce_fusion.erp.catalogue import FrappeCatalogue
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.runs import DOCTYPE, SERVER_DOCTYPE
from woocommerce_fusion.runs.switches import check_item_sync_enabled
from woocommerce_fusion.tasks.item_sync import enqueue_one_item


def _check_may_sync(item_code: str) -> None:
	frappe.has_permission(DOCTYPE, "create", throw=True)
	if not item_code or not frappe.db.exists("Item", item_code):
		frappe.throw(_("Item {0} does not exist.").format(item_code), frappe.DoesNotExistError)
	frappe.has_permission("Item", "read", item_code, throw=True)


def _item_servers() -> list[str]:
	"""The shops whose Items are synced that the user may see (User Permissions apply)."""
	return frappe.get_list(
		SERVER_DOCTYPE, filters={"enabled": 1, "enable_item_sync": 1}, pluck="name", order_by="name"
	)


# The preview is a person waiting: a shop that does not answer is reported after one more try
# instead of the background runs' two minutes of retries.
PREVIEW_RETRY = RetryPolicy(max_attempts=2, max_total=10.0)


@frappe.whitelist()
def preview(item_code: str) -> dict:
	"""Per shop: add / update (with the fields that differ) / remove (the product becomes a draft)
	/ unchanged / not eligible (with why), the category mapping and notes for the hover text."""
	_check_may_sync(item_code)
	port = FrappeCatalogue()
	shops = []
	for server in _item_servers():
		try:
			client = get_client(server, reference=("Item", item_code))
			client.retry = PREVIEW_RETRY
			plan = preview_item(
				port,
				client,
				port.catalogue_settings(server),
				item_code,
			)
			shops.append({**plan.describe(), "can_sync": plan.writes and plan.action != Action.NOT_ELIGIBLE})
		except Exception as exc:
			# One shop that does not answer must not hide what the others would do.
			shops.append({"server": server, "action": "error", "reason": str(exc), "can_sync": False})
	return {"item_code": item_code, "shops": shops}


@frappe.whitelist(methods=["POST"])
def synchronize(item_code: str, server: str) -> str:
	"""Queue a "One item" run of the Item in the shop; returns the Sync Action's name."""
	_check_may_sync(item_code)
	if server not in _item_servers():
		frappe.throw(_("WooCommerce Server {0} does not exist or does not sync Items.").format(server))
	check_item_sync_enabled(server)
	return enqueue_one_item(server, item_code)
