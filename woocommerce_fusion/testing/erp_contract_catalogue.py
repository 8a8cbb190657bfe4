"""The CataloguePort contract: run against the ERP fake in CI (tests/test_catalogue_port_contract.py)
and against the Frappe adapter on a bench (woocommerce_fusion/erp/test_catalogue_port_contract.py),
so the fake the item sync is tested with cannot drift from what ERPNext does.

The concrete class provides `self.port`, `self.server` and the arranging hooks below, which do
what a user does in ERPNext (in the fake: its arranging methods).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from woocommerce_fusion.engine.catalogue.ports import Backorders, ItemLink


class CatalogueContract:
	# -- hooks of the concrete class -------------------------------------------------------------

	def make_group(self, name: str, parent: str | None = None) -> str:
		"""An Item Group (under `parent`, else the root); returns its name."""
		raise NotImplementedError

	def make_item(self, code: str, group: str, price: str | None = None, **fields) -> str:
		"""A stock Item (fields: item_name, description, disabled, weight in Kg, image), with an Item
		Price in the server's price list when `price` is given."""
		raise NotImplementedError

	def make_template(self, code: str, group: str, attributes: dict[str, list[str]]) -> str:
		raise NotImplementedError

	def make_variant(self, template: str, values: dict[str, str], price: str | None = None) -> str:
		raise NotImplementedError

	def configure(self, item_groups: list[str], categories: dict[str, int]) -> None:
		"""Item sync on for the server, with these groups and category mapping; manage stock on,
		backorders "notify", new Items from the shop into the first group."""
		raise NotImplementedError

	def change_item(self, code: str, **fields) -> None:
		raise NotImplementedError

	def set_price(self, code: str, price: str) -> None:
		raise NotImplementedError

	def now_utc(self) -> datetime:
		raise NotImplementedError

	# -- the contract ----------------------------------------------------------------------------

	def _arrange(self) -> dict[str, str]:
		web = self.make_group(f"Web {self.token}")
		mugs = self.make_group(f"Mugs {self.token}", web)
		other = self.make_group(f"Other {self.token}")
		self.configure([web], {mugs: 77})
		return {"web": web, "mugs": mugs, "other": other}

	def test_settings_name_the_groups_with_their_sub_groups_and_the_categories(self):
		groups = self._arrange()
		settings = self.port.catalogue_settings(self.server)
		self.assertTrue(settings.enabled)
		self.assertEqual(settings.item_groups, (groups["web"],))
		self.assertIn(groups["mugs"], settings.group_members)
		self.assertNotIn(groups["other"], settings.group_members)
		self.assertEqual(settings.categories, {groups["mugs"]: 77})
		self.assertEqual((settings.manage_stock, settings.backorders), (True, Backorders.NOTIFY))
		self.assertEqual(settings.item_group_for_new_items, groups["web"])

	def test_an_item_is_read_with_its_price_and_fields(self):
		groups = self._arrange()
		code = self.make_item(
			f"CT-MUG-{self.token}",
			groups["mugs"],
			price="12.5",
			item_name="Blue mug",
			weight="0.35",
			description="<p>Blue</p>",
		)
		item = self.port.catalogue_item(code, self.server)
		self.assertEqual(
			(item.item_code, item.item_name, item.item_group, item.price, item.weight, item.disabled),
			(code, "Blue mug", groups["mugs"], Decimal("12.5"), Decimal("0.35"), False),
		)
		self.assertEqual(item.weight_uom, "Kg")
		self.assertIn("Blue", item.description)
		self.assertIsNotNone(item.modified_utc)
		self.assertIsNone(self.port.catalogue_item(f"CT-NONE-{self.token}", self.server))
		without_price = self.make_item(f"CT-NOPRICE-{self.token}", groups["mugs"])
		self.assertIsNone(self.port.catalogue_item(without_price, self.server).price)

	def test_catalogue_items_are_those_of_the_groups_and_the_linked_ones_without_variants(self):
		groups = self._arrange()
		mug = self.make_item(f"CT-MUG-{self.token}", groups["mugs"])
		other = self.make_item(f"CT-OTHER-{self.token}", groups["other"])
		linked = self.make_item(f"CT-LINKED-{self.token}", groups["other"])
		self.port.save_item_link(linked, ItemLink(self.server, product_id=5))
		template = self.make_template(
			f"CT-SHIRT-{self.token}", groups["web"], {f"CT Size {self.token}": ["S", "L"]}
		)
		variant = self.make_variant(template, {f"CT Size {self.token}": "S"})
		codes = {item.item_code for item in self.port.catalogue_items(self.server)}
		self.assertTrue({mug, linked, template} <= codes)
		self.assertFalse({other, variant} & codes)
		self.assertEqual([i.item_code for i in self.port.catalogue_items(self.server, [mug, other])], [mug])

	def test_a_template_and_its_variants_carry_their_attributes(self):
		groups = self._arrange()
		size, colour = f"CT Size {self.token}", f"CT Colour {self.token}"
		template = self.make_template(
			f"CT-SHIRT-{self.token}", groups["web"], {size: ["S", "L"], colour: ["Red", "Blue"]}
		)
		small = self.make_variant(template, {size: "S", colour: "Red"}, price="20")
		large = self.make_variant(template, {size: "L", colour: "Blue"}, price="22")
		read = self.port.catalogue_item(template, self.server)
		self.assertTrue(read.has_variants)
		self.assertEqual([name for name, _value in read.attributes], [size, colour])
		variants = self.port.variants_of(template, self.server)
		self.assertEqual([v.item_code for v in variants], [small, large])
		self.assertEqual(variants[1].attributes, [(size, "L"), (colour, "Blue")])
		self.assertEqual((variants[1].variant_of, variants[1].price), (template, Decimal("22")))

	def test_a_link_is_saved_and_updated_without_changing_the_item(self):
		groups = self._arrange()
		code = self.make_item(f"CT-MUG-{self.token}", groups["mugs"])
		since = self.now_utc()
		self.port.save_item_link(code, ItemLink(self.server, product_id=41, synced_hash="abc"))
		self.port.save_item_link(
			code, ItemLink(self.server, product_id=42, variation_id=7, synced_hash="def")
		)
		links = self.port.catalogue_item(code, self.server).links
		self.assertEqual(len(links), 1)
		self.assertEqual(
			(
				links[0].server,
				links[0].product_id,
				links[0].variation_id,
				links[0].enabled,
				links[0].synced_hash,
			),
			(self.server, 42, 7, True, "def"),
		)
		self.assertIsNotNone(links[0].last_synced_on)
		self.assertNotIn(code, self.port.item_codes_changed_since(self.server, since))

	def test_changes_since_count_the_item_its_price_and_its_variants(self):
		groups = self._arrange()
		mug = self.make_item(f"CT-MUG-{self.token}", groups["mugs"], price="3")
		still = self.make_item(f"CT-STILL-{self.token}", groups["mugs"], price="3")
		size = f"CT Size {self.token}"
		template = self.make_template(f"CT-SHIRT-{self.token}", groups["web"], {size: ["S"]})
		variant = self.make_variant(template, {size: "S"}, price="20")
		since = self.now_utc()
		self.assertEqual(
			set(self.port.item_codes_changed_since(self.server, since)) & {mug, still, template}, set()
		)
		self.set_price(mug, "4")
		self.set_price(variant, "21")
		changed = set(self.port.item_codes_changed_since(self.server, since))
		self.assertEqual(changed & {mug, still, template}, {mug, template})
		since = self.now_utc()
		self.change_item(still, item_name="Renamed")
		self.assertEqual(
			set(self.port.item_codes_changed_since(self.server, since)) & {mug, still, template}, {still}
		)

	def test_a_product_is_found_by_its_link_or_its_sku(self):
		groups = self._arrange()
		linked = self.make_item(f"CT-LINKED-{self.token}", groups["mugs"])
		self.port.save_item_link(linked, ItemLink(self.server, product_id=9001))
		by_sku = self.make_item(f"CT-SKU-{self.token}", groups["mugs"])
		self.assertEqual(self.port.item_code_for_product(self.server, 9001, "whatever"), linked)
		self.assertEqual(self.port.item_code_for_product(self.server, 9002, by_sku), by_sku)
		self.assertIsNone(self.port.item_code_for_product(self.server, 9003, f"CT-NONE-{self.token}"))

	def test_a_shop_only_product_becomes_a_linked_item(self):
		groups = self._arrange()
		code = self.port.create_item_from_product(
			self.server, 9100, f"CT-NEW-{self.token}", "New mug", "<p>Nice</p>"
		)
		self.assertEqual(code, f"CT-NEW-{self.token}")
		item = self.port.catalogue_item(code, self.server)
		self.assertEqual((item.item_name, item.item_group), ("New mug", groups["web"]))
		self.assertEqual(item.link(self.server).product_id, 9100)
		self.assertEqual(self.port.item_code_for_product(self.server, 9100, ""), code)
