"""What a sync would do to one Item in one shop: add, update (which fields), remove (the product
becomes a draft; never deleted), nothing, or nothing because the Item does not belong there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from woocommerce_fusion.engine.catalogue.eligibility import eligibility
from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings, ItemLink
from woocommerce_fusion.engine.catalogue.products import (
	differences,
	payload_hash,
	product_payload,
	variation_payload,
)
from woocommerce_fusion.engine.catalogue.weight import ShopWeightUnit


class Action:
	ADD = "add"
	UPDATE = "update"
	REMOVE = "remove"
	UNCHANGED = "unchanged"
	NOT_ELIGIBLE = "not eligible"

	WRITES = (ADD, UPDATE, REMOVE)


@dataclass
class ShopView:
	"""The shop's product as read (edit context) and its variations; product None: not there."""

	product: dict[str, Any] | None
	variations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class VariationPlan:
	item_code: str
	action: str
	variation_id: int = 0
	payload: dict[str, Any] = field(default_factory=dict)
	differences: list[str] = field(default_factory=list)
	notes: list[str] = field(default_factory=list)

	def body(self) -> dict[str, Any]:
		"""What the call sends: everything for a new variation, else what differs."""
		if self.action == Action.ADD or not self.differences:
			return dict(self.payload)
		return {key: self.payload[key] for key in self.differences if key in self.payload}


@dataclass
class ProductPlan:
	item_code: str
	server: str
	action: str
	product_id: int = 0
	payload: dict[str, Any] = field(default_factory=dict)
	differences: list[str] = field(default_factory=list)
	reason: str = ""
	notes: list[str] = field(default_factory=list)
	category: str = ""
	variations: list[VariationPlan] = field(default_factory=list)
	payload_hash: str = ""
	# The Item has no row for the shop yet, but the shop has a product with its SKU: linked to it.
	adopts: bool = False
	# The Item's row needs writing even when the shop does not (a new hash, an adopted product).
	link_stale: bool = False

	@property
	def writes(self) -> bool:
		return self.action in Action.WRITES or any(v.action in Action.WRITES for v in self.variations)

	def body(self) -> dict[str, Any]:
		if self.action == Action.ADD or (self.action != Action.UNCHANGED and not self.differences):
			return dict(self.payload)
		return {key: self.payload[key] for key in self.differences if key in self.payload}

	def describe(self) -> dict[str, Any]:
		"""For the preview: plain data a form can show."""
		return {
			"item_code": self.item_code,
			"server": self.server,
			"action": self.action,
			"product_id": self.product_id,
			"differences": self.differences,
			"reason": self.reason,
			"notes": self.notes,
			"category": self.category,
			"variations": [
				{
					"item_code": v.item_code,
					"action": v.action,
					"variation_id": v.variation_id,
					"differences": v.differences,
				}
				for v in self.variations
			],
		}


def plan_product(
	item: CatalogueItem,
	variants: list[CatalogueItem],
	settings: CatalogueSettings,
	shop: ShopView | None,
	weight_unit: ShopWeightUnit,
) -> ProductPlan:
	"""`shop` None: the shop was not read (an Item changed in ERPNext, in a run of changes only);
	the stored hash of the last payload then decides whether anything is sent. `weight_unit` is
	the run's, so the shop's unit is read at most once however many Items are planned."""
	link = item.link(settings.server)
	product_id = link.product_id if link else 0
	plan = ProductPlan(item.item_code, settings.server, Action.UNCHANGED, product_id=product_id)
	allowed = eligibility(item, settings)
	in_shop = bool(product_id) or bool(shop and shop.product)
	if not allowed.eligible or (item.disabled and not in_shop):
		return _left_out(plan, allowed.reason if not allowed.eligible else "", item, shop)

	mapped = product_payload(item, settings, variants, weight_unit)
	plan.payload, plan.notes, plan.category = mapped.payload, list(mapped.notes), mapped.category
	variation_payloads = {v.item_code: variation_payload(v, settings, weight_unit) for v in variants}
	plan.payload_hash = payload_hash(
		plan.payload, [[code, m.payload] for code, m in sorted(variation_payloads.items())]
	)
	if shop is not None and shop.product is not None:
		plan.product_id = int(shop.product["id"])
		plan.adopts = not product_id
		plan.differences = differences(plan.payload, shop.product)
		plan.action = _action_for(plan.differences, item.disabled)
	elif shop is not None or not product_id:
		plan.action = Action.ADD
		if product_id:
			plan.notes.append(f"Product {product_id} is no longer in the shop; it is added again.")
			plan.product_id = 0
	elif link and link.synced_hash == plan.payload_hash:
		plan.action = Action.UNCHANGED
	else:
		plan.action = Action.REMOVE if item.disabled else Action.UPDATE
	plan.link_stale = plan.adopts or (link is not None and link.synced_hash != plan.payload_hash)
	plan.variations = [
		_plan_variation(variant, variation_payloads[variant.item_code], settings.server, shop, plan)
		for variant in variants
	]
	plan.notes += [f"{v.item_code}: {note}" for v in plan.variations for note in v.notes]
	return plan


def _action_for(changed: list[str], disabled: bool) -> str:
	"""A disabled Item's product going to draft is a removal, whatever else changes with it."""
	if not changed:
		return Action.UNCHANGED
	return Action.REMOVE if disabled and "status" in changed else Action.UPDATE


def _left_out(plan: ProductPlan, reason: str, item: CatalogueItem, shop: ShopView | None) -> ProductPlan:
	"""An Item that no longer belongs to the shop (or is disabled) takes its product off sale."""
	plan.reason = reason or f"{item.item_code} is disabled and not in the shop."
	product = shop.product if shop else None
	if product is not None and product.get("status") != "draft":
		plan.product_id = int(product["id"])
		plan.action = Action.REMOVE
		plan.payload = {"status": "draft"}
		plan.differences = ["status"]
	elif product is not None or (shop is None and plan.product_id):
		# Already a draft (or not read): nothing to do, and nothing to add either.
		plan.action = Action.UNCHANGED
	else:
		plan.action = Action.NOT_ELIGIBLE
	return plan


def _plan_variation(
	variant: CatalogueItem, mapped: Any, server: str, shop: ShopView | None, parent: ProductPlan
) -> VariationPlan:
	link: ItemLink | None = variant.link(server)
	variation_id = link.variation_id if link and link.product_id == parent.product_id else 0
	plan = VariationPlan(
		variant.item_code, Action.UNCHANGED, variation_id, mapped.payload, notes=mapped.notes
	)
	if parent.action == Action.ADD or not parent.product_id:
		plan.action, plan.variation_id = Action.ADD, 0
		return plan
	if shop is None:
		if not variation_id:
			plan.action = Action.ADD
		elif parent.action in Action.WRITES:
			plan.action = Action.UPDATE
		return plan
	found = _find_variation(shop.variations, variation_id, variant.item_code)
	if found is None:
		plan.action, plan.variation_id = Action.ADD, 0
		return plan
	plan.variation_id = int(found["id"])
	plan.differences = differences(plan.payload, found, variation=True)
	plan.action = Action.UPDATE if plan.differences else Action.UNCHANGED
	if plan.variation_id != variation_id:
		parent.link_stale = True
	return plan


def _find_variation(variations: list[dict[str, Any]], variation_id: int, sku: str) -> dict[str, Any] | None:
	for variation in variations:
		if variation_id and int(variation.get("id", 0)) == variation_id:
			return variation
	for variation in variations:
		if variation.get("sku") == sku:
			return variation
	return None
