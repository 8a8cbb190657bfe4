"""TemplatePort.linked_to_template, the same on the ERP fake (CI: tests/test_template_contract.py)
and on FrappeErp (bench: woocommerce_fusion/erp/test_template_contract.py): the order mapping
relies on it to book a deleted variation's line (parent product, variation_id 0) on the
placeholder Item instead of the parent's template.

The concrete class provides `self.erp` (nothing here commits), `self.server`, `self.token`
(unique per test) and the hooks below.
"""

from __future__ import annotations

import itertools

from woocommerce_fusion.engine.errors import ErrorKind, classify
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.mapping.plans import ItemPlan
from woocommerce_fusion.engine.pipeline import resolve_parties
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.testing.order_cases import load_order

# Product ids no other test's rows name.
_products = itertools.count(872_000_001)


class TemplateContract:
	def make_linked_item(self, code: str, product_id: int, *, template: bool, server: str = "") -> str:
		"""An Item (a template with the attribute Size when `template`) whose WooCommerce row
		names the product (no variation) on `server` (default: self.server), as the item sync
		or a user links it."""
		raise NotImplementedError

	def settings(self) -> ServerSettings:
		"""self.server's settings, every account mapped."""
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

	def test_a_sales_order_row_on_a_template_item_is_refused(self):
		# What a deleted variation's line did before it went on the placeholder Item.
		template = self.make_linked_item(f"TPL-SO-{self.token}", self.product(), template=True)
		order = {**load_order("guest"), "id": self.product()}
		plan = map_order(order, self.settings(), exchange_rate=self.erp.exchange_rate)
		resolved = resolve_parties(self.erp, plan)
		resolved.items = dict.fromkeys(resolved.items, template)
		with self.assertRaises(Exception) as refused:
			self.erp.insert_sales_order(plan, resolved, submit=False)
		self.assertEqual(classify(refused.exception), ErrorKind.BAD_DATA)
		self.assertIn("is a template", str(refused.exception))
		self.assertEqual(self.erp.find_sales_orders(self.server, [plan.woocommerce_id]), {})
