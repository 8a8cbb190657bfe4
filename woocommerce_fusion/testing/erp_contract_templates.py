"""TemplatePort.linked_to_template, the same on the ERP fake (CI: tests/test_template_contract.py)
and on FrappeErp (bench: woocommerce_fusion/erp/test_template_contract.py): the order mapping
relies on it to book a deleted variation's line (parent product, variation_id 0) on the
placeholder Item instead of the parent's template.

The concrete class provides `self.erp` (nothing here commits), `self.server`, `self.token`
(unique per test) and the arranging hook below.
"""

from __future__ import annotations

import itertools

from woocommerce_fusion.engine.mapping.plans import ItemPlan

# Product ids no other test's rows name.
_products = itertools.count(872_000_001)


class TemplateContract:
	def make_linked_item(self, code: str, product_id: int, *, template: bool, server: str = "") -> str:
		"""An Item (a template with the attribute Size when `template`) whose WooCommerce row
		names the product (no variation) on `server` (default: self.server), as the item sync
		or a user links it."""
		raise NotImplementedError

	def product(self) -> int:
		return next(_products)

	def test_a_product_without_an_item_is_not_a_template(self):
		self.assertFalse(self.erp.linked_to_template(self.server, self.product()))

	def test_a_product_linked_to_a_plain_item_is_not_a_template(self):
		product = self.product()
		self.make_linked_item(f"TPL-PLAIN-{self.token}", product, template=False)
		self.assertFalse(self.erp.linked_to_template(self.server, product))

	def test_a_product_linked_to_a_template_item_is_one(self):
		product = self.product()
		self.make_linked_item(f"TPL-{self.token}", product, template=True)
		self.assertTrue(self.erp.linked_to_template(self.server, product))

	def test_only_the_rows_of_this_server_count(self):
		product = self.product()
		self.make_linked_item(f"TPL-OTHER-{self.token}", product, template=True, server=self.other_server)
		self.assertFalse(self.erp.linked_to_template(self.server, product))

	def test_a_variation_the_order_sync_made_links_its_parent_to_a_template(self):
		parent, variation = self.product(), self.product()
		plan = ItemPlan(
			parent,
			variation,
			sku=f"TPL-VAR-{self.token}-M",
			item_name="Contract Shirt - M",
			item_group="Products",
			stock_uom="Nos",
			template_product_id=parent,
			template_name="Contract Shirt",
			attributes=(("Size", "M"),),
		)
		variant = self.erp.ensure_item(self.server, plan)
		self.assertTrue(self.erp.linked_to_template(self.server, parent))
		# The variant itself is linked to the variation, not to the product.
		self.assertFalse(self.erp.linked_to_template(self.server, variation))
		self.assertEqual(self.erp.ensure_item(self.server, plan), variant)
