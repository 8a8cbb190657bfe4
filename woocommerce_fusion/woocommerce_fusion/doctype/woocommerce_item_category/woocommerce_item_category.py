# Copyright (c) 2026, woocommerce_fusion developers
# For license information, please see license.txt

from frappe.model.document import Document


class WooCommerceItemCategory(Document):
	pass
