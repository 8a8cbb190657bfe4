# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

from __future__ import annotations

from frappe.model.document import Document


class WooCommerceOrderItem(Document):
	"""A line of a WooCommerce Order: built by its parent's load_from_db, never stored."""
