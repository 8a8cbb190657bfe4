# Copyright (c) 2026, woocommerce_fusion developers
# For license information, please see license.txt

"""One row per (WooCommerce Server, Item): the stock and price pushes' queue and memory, written
by woocommerce_fusion/erp/stock_levels.py only (document events mark it, the push job clears it).

The unique key on (server, item) lets a change merge into the waiting row with one
INSERT ... ON DUPLICATE KEY UPDATE instead of a second row.
"""

from __future__ import annotations

import frappe
from frappe.model.document import Document

from woocommerce_fusion.constants import PENDING_UPDATE_DOCTYPE


class WooCommercePendingUpdate(Document):
	pass


def on_doctype_update() -> None:
	frappe.db.add_unique(
		PENDING_UPDATE_DOCTYPE, ["woocommerce_server", "item_code"], constraint_name="server_item"
	)
