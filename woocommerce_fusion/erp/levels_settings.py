"""A WooCommerce Server's stock and price settings as the engine's LevelsSettings."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, get_datetime

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.engine.catalogue.levels_port import LevelsSettings, QuantityBasis

DEFAULT_POLL_MINUTES = 5


def get_levels_settings(server_name: str) -> LevelsSettings:
	server = frappe.get_doc(SERVER_DOCTYPE, server_name)
	chosen = [row.warehouse for row in server.get("stock_warehouses") or [] if row.warehouse]
	if not chosen and server.default_warehouse:
		chosen = [server.default_warehouse]
	return LevelsSettings(
		server=server.name,
		stock_enabled=bool(server.enabled and server.get("enable_stock_sync")),
		price_enabled=bool(server.enabled and server.get("enable_price_sync")),
		warehouses=stock_warehouses(chosen),
		quantity_basis=server.get("stock_quantity_basis") or QuantityBasis.ACTUAL_MINUS_RESERVED,
		price_list=server.selling_price_list or "",
		poll_interval_minutes=cint(server.get("stock_poll_interval")) or DEFAULT_POLL_MINUTES,
		last_stock_poll=get_datetime(server.get("last_stock_poll"))
		if server.get("last_stock_poll")
		else None,
	)


def stock_warehouses(chosen: list[str]) -> tuple[str, ...]:
	"""The warehouses that hold stock (Bins) among those chosen and below the group ones."""
	if not chosen:
		return ()
	leaves = frappe.db.sql_list(
		"""select distinct leaf.name from `tabWarehouse` chosen
		join `tabWarehouse` leaf on leaf.lft >= chosen.lft and leaf.rgt <= chosen.rgt
		where chosen.name in %(chosen)s and leaf.is_group = 0
		order by leaf.name""",
		{"chosen": chosen},
	)
	return tuple(leaves)


def servers_syncing(kind: str) -> list[frappe._dict]:
	"""Enabled servers with stock ("stock") or price ("price") sync on, with their price list."""
	return frappe.get_all(
		SERVER_DOCTYPE,
		filters={"enabled": 1, f"enable_{kind}_sync": 1},
		fields=["name", "selling_price_list"],
	)


def check_levels_sync_enabled(server: str, sync_type: str) -> None:
	"""A "Stock" or "Prices" run needs its switch on the server (and the server enabled)."""
	settings = get_levels_settings(server)
	enabled = settings.stock_enabled if sync_type == "Stock" else settings.price_enabled
	if not enabled:
		switch = _("Enable Stock Sync") if sync_type == "Stock" else _("Enable Price Sync")
		frappe.throw(
			_("WooCommerce Server {0} is disabled or its {1} is not set.").format(server, switch),
			title=_("{0} sync is off").format(_(sync_type)),
		)
