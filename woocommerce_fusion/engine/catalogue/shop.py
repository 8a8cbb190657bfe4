"""Reading the shop's products and writing product plans through the batch endpoints.

Reads ask for the edit context: in the view context WooCommerce runs a description through
wpautop(), so a stored "<p>x</p>" would come back different and never compare equal. Writes go
through products/batch and products/<id>/variations/batch, at most 100 objects a call;
batch calls answer 200 with failures inline, one per object.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from woocommerce_fusion.engine.catalogue.plan import Action, ProductPlan, ShopView, VariationPlan
from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.errors import WooCommerceError
from woocommerce_fusion.engine.sync.listing import utc_iso
from woocommerce_fusion.engine.timeutil import parse_gmt

BATCH_SIZE = 100
EDIT = {"context": "edit"}


def read_product(client: WooCommerceClient, product_id: int) -> dict[str, Any] | None:
	try:
		return client.get(f"products/{product_id}", EDIT)
	except WooCommerceError as error:
		if error.status_code == 404:
			return None
		raise


def find_product_by_sku(client: WooCommerceClient, sku: str) -> dict[str, Any] | None:
	found = client.get("products", {"sku": sku, "status": "any", **EDIT})
	return found[0] if found else None


def read_variations(client: WooCommerceClient, product_id: int) -> list[dict[str, Any]]:
	return list(client.iter_items(f"products/{product_id}/variations", {"per_page": MAX_PER_PAGE, **EDIT}))


def shop_view(client: WooCommerceClient, product: dict[str, Any] | None) -> ShopView:
	if product is not None and product.get("type") == "variable":
		return ShopView(product, read_variations(client, int(product["id"])))
	return ShopView(product)


def list_products(
	client: WooCommerceClient, modified_after: datetime | None = None
) -> tuple[list[dict[str, Any]], datetime | None]:
	"""The shop's products (drafts and private ones too, not the trash) changed after the
	moment, or all; and the shop's clock when the listing began."""
	params: dict[str, Any] = {
		"status": "any",
		"per_page": MAX_PER_PAGE,
		"orderby": "id",
		"order": "asc",
		**EDIT,
	}
	if modified_after is not None:
		params.update(modified_after=utc_iso(modified_after), dates_are_gmt="true")
	products: list[dict[str, Any]] = []
	started: datetime | None = None
	page = 1
	while True:
		result = client.get_page("products", params, page)
		started = started or result.date
		products.extend(result.items)
		if not result.items or page >= result.total_pages:
			return products, started
		page += 1


@dataclass
class WriteResult:
	"""What went out: per item code the product (and variation) id written, and the failures."""

	written: dict[str, tuple[int, int]] = field(default_factory=dict)
	failed: dict[str, str] = field(default_factory=dict)
	# The shop's latest date_modified_gmt among the objects written: its clock after the writes.
	shop_clock: datetime | None = None
	calls: int = 0

	def note_modified(self, answer: dict[str, Any]) -> None:
		moment = parse_gmt(answer.get("date_modified_gmt"))
		if moment and (self.shop_clock is None or moment > self.shop_clock):
			self.shop_clock = moment


def _chunks(items: list[Any], size: int = BATCH_SIZE) -> Iterator[list[Any]]:
	for start in range(0, len(items), size):
		yield items[start : start + size]


def _error_text(answer: dict[str, Any]) -> str:
	error = answer.get("error") or {}
	return f"[{error.get('code', '')}] {error.get('message', '')}".strip()


def write_plans(client: WooCommerceClient, plans: list[ProductPlan]) -> WriteResult:
	"""Products first (so a new variable product has its id), then each one's variations."""
	result = WriteResult()
	ops = [plan for plan in plans if plan.action in Action.WRITES]
	retry: list[ProductPlan] = []
	for chunk in _chunks(ops):
		retry += _write_products(client, chunk, result)
	# A product created meanwhile under the same SKU (or one ERPNext had not linked): WooCommerce
	# names it in the error; the Item takes it over and it is updated instead.
	for chunk in _chunks(retry):
		_write_products(client, chunk, result)
	for plan in plans:
		if plan.item_code in result.failed or not plan.product_id:
			continue
		if plan.action not in Action.WRITES and plan.item_code not in result.written:
			result.written.setdefault(plan.item_code, (plan.product_id, 0))
		_write_variations(client, plan, result)
	return result


def _write_products(
	client: WooCommerceClient, plans: list[ProductPlan], result: WriteResult
) -> list[ProductPlan]:
	creates = [plan for plan in plans if plan.action == Action.ADD]
	updates = [plan for plan in plans if plan.action != Action.ADD]
	body: dict[str, Any] = {}
	if creates:
		body["create"] = [plan.body() for plan in creates]
	if updates:
		body["update"] = [{"id": plan.product_id, **plan.body()} for plan in updates]
	answer = client.post("products/batch", body)
	result.calls += 1
	retry = []
	for plan, item in zip(creates, answer.get("create") or [], strict=False):
		taken = ((item.get("error") or {}).get("data") or {}).get("resource_id")
		if item.get("error") and taken:
			plan.product_id, plan.action, plan.adopts = int(taken), Action.UPDATE, True
			plan.differences = []
			retry.append(plan)
		else:
			_record(plan, item, result)
	for plan, item in zip(updates, answer.get("update") or [], strict=False):
		_record(plan, item, result)
	return retry


def _record(plan: ProductPlan, answer: dict[str, Any], result: WriteResult) -> None:
	if answer.get("error"):
		result.failed[plan.item_code] = f"{plan.item_code}: {_error_text(answer)}"
		return
	plan.product_id = int(answer["id"])
	result.written[plan.item_code] = (plan.product_id, 0)
	result.note_modified(answer)


def _write_variations(client: WooCommerceClient, plan: ProductPlan, result: WriteResult) -> None:
	ops = [v for v in plan.variations if v.action in Action.WRITES]
	retry: list[VariationPlan] = []
	for chunk in _chunks(ops):
		retry += _write_variation_batch(client, plan, chunk, result)
	# A variation the shop has under the variant's SKU already (its product was taken over):
	# updated instead, as products are.
	for chunk in _chunks(retry):
		_write_variation_batch(client, plan, chunk, result)
	for variation in plan.variations:
		if variation.variation_id and variation.item_code not in result.written:
			result.written[variation.item_code] = (plan.product_id, variation.variation_id)


def _write_variation_batch(
	client: WooCommerceClient, plan: ProductPlan, chunk: list[VariationPlan], result: WriteResult
) -> list[VariationPlan]:
	creates = [v for v in chunk if v.action == Action.ADD or not v.variation_id]
	updates = [v for v in chunk if v not in creates]
	body: dict[str, Any] = {}
	if creates:
		body["create"] = [v.body() for v in creates]
	if updates:
		body["update"] = [{"id": v.variation_id, **v.body()} for v in updates]
	answer = client.post(f"products/{plan.product_id}/variations/batch", body)
	result.calls += 1
	retry = []
	for variation, item in zip(creates, answer.get("create") or [], strict=False):
		taken = ((item.get("error") or {}).get("data") or {}).get("resource_id")
		if item.get("error") and taken:
			variation.variation_id, variation.action, variation.differences = int(taken), Action.UPDATE, []
			retry.append(variation)
		else:
			_record_variation(plan, variation, item, result)
	for variation, item in zip(updates, answer.get("update") or [], strict=False):
		_record_variation(plan, variation, item, result)
	return retry


def _record_variation(
	plan: ProductPlan, variation: VariationPlan, answer: dict[str, Any], result: WriteResult
) -> None:
	if answer.get("error"):
		result.failed[variation.item_code] = f"{variation.item_code}: {_error_text(answer)}"
		return
	variation.variation_id = int(answer["id"])
	result.written[variation.item_code] = (plan.product_id, variation.variation_id)
	result.note_modified(answer)
