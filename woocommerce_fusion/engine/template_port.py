"""What the order mapping asks ERPNext about a line's product, beside engine/ports.py's ErpPort.

A line whose variation was deleted in WooCommerce keeps its parent (variable) product and answers
variation_id 0; the line itself does not say the product is variable (line items carry no product
type). The Item the product is linked to does: the item sync and the order sync link a variable
product to a template Item (Has Variants), which no Sales Order row can take.

The Frappe adapter is FrappeErp (erp/masters/item.py); the ERP fake's part is
testing/erp_fake_items.py; testing/erp_contract_templates.py pins the two together.
"""

from __future__ import annotations

from typing import Protocol


class TemplatePort(Protocol):
	def linked_to_template(self, server: str, product_id: int) -> bool:
		"""Whether the Item linked to the WooCommerce product itself (no variation) on this server
		is a template (Has Variants). False when no Item is linked to it."""
		...
