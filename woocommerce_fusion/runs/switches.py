"""Whether a sync may start: the shop's order sync switch, and the flag of the app's own sync.

The Sales Order hooks ask both on every save of a web order, so both are cheap: the switch is
read from the document cache, the flag from frappe.flags.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import cint

from woocommerce_fusion.runs import SERVER_DOCTYPE

# Set while the app's own sync runs, so the Sales Order hooks do not answer the Sales Orders the
# sync itself writes with yet another sync.
SYNC_FLAG = "woocommerce_sync_running"


# Who the app's own sync writes as. A job runs as whoever queued it: a shop's webhook is a
# Guest, a button an Order Sync User, and ERPNext checks permissions in places the sync cannot
# switch off (submitting a Payment Entry, say). The Sync Action's owner keeps who asked.
SYNC_USER = "Administrator"


@contextmanager
def own_sync() -> Iterator[None]:
	"""The app's own sync: flagged for the hooks, and writing as SYNC_USER, like a scheduled job."""
	previous, user = frappe.flags.get(SYNC_FLAG), frappe.session.user
	frappe.flags[SYNC_FLAG] = True
	if user != SYNC_USER:
		frappe.set_user(SYNC_USER)
	try:
		yield
	finally:
		frappe.flags[SYNC_FLAG] = previous
		if frappe.session.user != user:
			frappe.set_user(user)


def in_own_sync() -> bool:
	return bool(frappe.flags.get(SYNC_FLAG))


def switched_on(server: str, switch: str) -> bool:
	"""Whether the server is enabled and its `switch` (enable_order_sync, enable_item_sync) is on.

	Read from the document cache, because the Sales Order hooks ask on every save of a web order;
	saving the server clears it.
	"""
	values = frappe.get_cached_value(SERVER_DOCTYPE, server, ["enabled", switch], as_dict=True)
	return bool(values and cint(values.enabled) and cint(values[switch]))


def order_sync_enabled(server: str) -> bool:
	"""Whether the shop's orders may be synced at all."""
	return switched_on(server, "enable_order_sync")


def check_order_sync_enabled(server: str) -> None:
	if not order_sync_enabled(server):
		frappe.throw(
			_(
				"Order sync is off for WooCommerce Server {0}: it is disabled or its Enable Order Sync is not set."
			).format(server),
			title=_("Order sync is off"),
		)


def item_sync_enabled(server: str) -> bool:
	"""Whether the shop's Items may be synced."""
	return switched_on(server, "enable_item_sync")


def check_item_sync_enabled(server: str) -> None:
	if not item_sync_enabled(server):
		frappe.throw(
			_(
				"Item sync is off for WooCommerce Server {0}: it is disabled or its Enable Item Sync is not set."
			).format(server),
			title=_("Item sync is off"),
		)
