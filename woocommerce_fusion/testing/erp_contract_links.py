"""What the item sync, the stock and price pushes and the order sync see of one another's Items:
in ERPNext they share one Item table, its WooCommerce Item Server rows and one Item Price table,
so a row or price written through one port is what the others read. One suite for the ERP fake
in CI (tests/test_item_links_contract.py) and for FrappeCatalogue, FrappeLevels and FrappeErp
on a bench (woocommerce_fusion/erp/test_item_links_contract.py).

The concrete class provides `self.catalogue`, `self.levels`, `self.erp` (the three ports, one
connection: nothing here commits), `self.server`, `self.price_list` (the server's selling price
list), `self.token` (unique per test) and the arranging hooks below.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from woocommerce_fusion.engine.catalogue.levels_port import LevelsSettings, ProductLink
from woocommerce_fusion.engine.catalogue.ports import ItemLink
from woocommerce_fusion.engine.mapping.plans import ItemPlan

# Product ids no other test's rows name.
_products = itertools.count(871_000_001)


class ItemLinksContract:
	# -- hooks of the concrete class -------------------------------------------------------------

	def make_item(self, code: str) -> str:
		"""A stock Item (group Products, no rows for any shop) as a user keys it in."""
		raise NotImplementedError

	def set_price(self, code: str, rate: str) -> None:
		"""The Item's Item Price in the server's selling price list saved with this rate."""
		raise NotImplementedError

	def sync_levels(self, *, stock: bool, price: bool) -> None:
		"""The server (enabled) syncs stock and prices or not, from its selling price list."""
		raise NotImplementedError

	def disable_link(self, code: str) -> None:
		"""The user clears Enabled on the Item's row for the server."""
		raise NotImplementedError

	# -- helpers ---------------------------------------------------------------------------------

	def product(self) -> int:
		return next(_products)

	def plan(self, product_id: int, sku: str = "") -> ItemPlan:
		"""An order line's Item, as the order sync looks it up."""
		return ItemPlan(
			product_id, 0, sku=sku, item_name="Linked mug", item_group="Products", stock_uom="Nos"
		)

	def linked_item(self, product_id: int) -> str:
		code = self.make_item(f"LNK-{self.token}-{product_id}")
		self.catalogue.save_item_link(code, ItemLink(self.server, product_id=product_id))
		return code

	def waiting(self, code: str):
		rows = self.levels.pending_updates(self.server, [code])
		return rows[0] if rows else None

	# -- the contract ----------------------------------------------------------------------------

	def test_a_row_the_item_sync_saves_is_the_pushes_and_the_order_syncs(self):
		self.sync_levels(stock=False, price=False)
		first, moved = self.product(), self.product()
		code = self.linked_item(first)
		self.assertIn(code, self.levels.linked_item_codes(self.server))
		self.assertEqual(self.erp.ensure_item(self.server, self.plan(first)), code)

		self.catalogue.save_item_link(code, ItemLink(self.server, product_id=moved))
		self.assertEqual(self.erp.ensure_item(self.server, self.plan(moved)), code)
		self.assertEqual(self.levels.linked_item_codes(self.server).count(code), 1)

		shop_only = self.product()
		made = self.catalogue.create_item_from_product(
			self.server, shop_only, f"LNK-NEW-{self.token}", "New mug", ""
		)
		self.assertIn(made, self.levels.linked_item_codes(self.server))
		self.assertEqual(self.erp.ensure_item(self.server, self.plan(shop_only)), made)

	def test_an_item_the_order_sync_makes_is_linked_for_the_item_sync_and_the_pushes(self):
		self.sync_levels(stock=False, price=False)
		product = self.product()
		code = self.erp.ensure_item(self.server, self.plan(product, sku=f"LNK-ORDER-{self.token}"))
		self.assertEqual(self.catalogue.item_code_for_product(self.server, product, ""), code)
		self.assertEqual(
			self.catalogue.catalogue_item(code, self.server).link(self.server).product_id, product
		)
		self.assertIn(code, self.levels.linked_item_codes(self.server))

	def test_a_new_row_queues_the_items_stock_when_the_server_syncs_stock(self):
		self.sync_levels(stock=True, price=False)
		product = self.product()
		code = self.linked_item(product)
		row = self.waiting(code)
		self.assertEqual((row.stock, row.price, row.link), (True, False, ProductLink(product)))

		# The same product saved again (a run that updated it) is no new link.
		self.catalogue.save_item_link(code, ItemLink(self.server, product_id=product, synced_hash="x"))
		self.assertEqual(self.waiting(code).sequence, row.sequence)

		other = self.product()
		self.catalogue.save_item_link(code, ItemLink(self.server, product_id=other))
		moved = self.waiting(code)
		self.assertGreater(moved.sequence, row.sequence)
		self.assertEqual(moved.link, ProductLink(other))

	def test_a_new_row_queues_nothing_when_the_server_syncs_neither_stock_nor_price(self):
		self.sync_levels(stock=False, price=False)
		code = self.linked_item(self.product())
		self.assertIsNone(self.waiting(code))

	def test_a_new_row_queues_the_price_alone_when_the_server_syncs_prices_only(self):
		self.sync_levels(stock=False, price=True)
		code = self.linked_item(self.product())
		row = self.waiting(code)
		self.assertEqual((row.stock, row.price), (False, True))

	def test_one_item_price_is_read_alike_by_the_item_sync_and_the_pushes(self):
		self.sync_levels(stock=False, price=True)
		code = self.linked_item(self.product())
		settings = LevelsSettings(server=self.server, price_enabled=True, price_list=self.price_list)
		for rate in ("12.34", "13.5"):
			self.set_price(code, rate)
			self.assertEqual(self.catalogue.catalogue_item(code, self.server).price, Decimal(rate))
			self.assertEqual(self.levels.selling_rates(settings, [code]), {code: Decimal(rate)})

	def test_the_item_sync_keeps_a_row_the_user_disabled_disabled(self):
		self.sync_levels(stock=True, price=False)
		product = self.product()
		code = self.linked_item(product)
		self.disable_link(code)
		self.catalogue.save_item_link(code, ItemLink(self.server, product_id=product, synced_hash="y"))
		link = self.catalogue.catalogue_item(code, self.server).link(self.server)
		self.assertEqual((link.product_id, link.enabled, link.synced_hash), (product, False, "y"))
		self.assertNotIn(code, self.levels.linked_item_codes(self.server))
