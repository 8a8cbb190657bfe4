# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

from frappe.model.document import Document


class WooCommerceServerTaxAccount(Document):
	pass
