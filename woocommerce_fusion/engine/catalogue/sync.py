"""The item sync: which Items to look at, reading the shop where it is needed, planning each
product and writing the plans in batches; then the Items' link rows.

ERPNext is the master of the fields it sends (see products.py). A run of changes only looks at
Items changed in ERPNext since the last run (their payload is compared with the hash of the last
one sent, so the shop is not read for them) and at products changed in the shop since then
(read in the listing, compared field by field). "Synchronize all" reads every product of the
shop and compares every eligible Item with it: a run right after another writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from woocommerce_fusion.engine.catalogue.plan import Action, ProductPlan, ShopView, plan_product
from woocommerce_fusion.engine.catalogue.ports import (
	CatalogueItem,
	CataloguePort,
	CatalogueSettings,
	ItemLink,
)
from woocommerce_fusion.engine.catalogue.shop import (
	BATCH_SIZE,
	find_product_by_sku,
	list_products,
	read_product,
	read_variations,
	shop_view,
	write_plans,
)
from woocommerce_fusion.engine.catalogue.weight import ShopWeightUnit
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import ConfigurationError


@dataclass
class CatalogueCounts:
	"""The Sync Action's counters (runs.COUNT_FIELDS) for a run over Items."""

	fetched: int = 0
	created: int = 0
	updated: int = 0
	unchanged: int = 0
	failed: int = 0
	errors: list[str] = field(default_factory=list)
	# The shop's clock after the run's reads and writes: where its next listing starts.
	shop_clock: datetime | None = None
	items_created: list[str] = field(default_factory=list)
	# What the person should know about Items that went out incomplete (a weight left out).
	notes: list[str] = field(default_factory=list)


def check_enabled(settings: CatalogueSettings) -> None:
	if not settings.enabled:
		raise ConfigurationError(
			f"Item sync is off for WooCommerce Server {settings.server}: turn on Enable Item Sync "
			"in its Items tab."
		)


def preview_item(
	port: CataloguePort,
	client: WooCommerceClient,
	settings: CatalogueSettings,
	item_code: str,
	weight_unit: ShopWeightUnit | None = None,
) -> ProductPlan:
	"""What a sync of the Item (of a variant: of its template) would do in this shop; reads only."""
	item = port.catalogue_item(item_code, settings.server)
	if item is None:
		raise ValueError(f"Item {item_code} does not exist.")
	if item.variant_of:
		item = port.catalogue_item(item.variant_of, settings.server)
	variants = port.variants_of(item.item_code, settings.server) if item.has_variants else []
	link = item.link(settings.server)
	product = read_product(client, link.product_id) if link and link.product_id else None
	if product is None and (link is None or link.enabled):
		product = find_product_by_sku(client, item.item_code)
	return plan_product(
		item, variants, settings, shop_view(client, product), weight_unit or ShopWeightUnit(client, uoms=port)
	)


def sync_one_item(
	port: CataloguePort, client: WooCommerceClient, settings: CatalogueSettings, item_code: str
) -> tuple[ProductPlan, CatalogueCounts]:
	check_enabled(settings)
	plan = preview_item(port, client, settings, item_code)
	counts = CatalogueCounts(fetched=1)
	if plan.action == Action.NOT_ELIGIBLE:
		raise ConfigurationError(
			f"{plan.item_code} is not synchronised with {settings.server}: {plan.reason}"
		)
	item = port.catalogue_item(plan.item_code, settings.server)
	_write(port, client, settings, [(item, plan)], counts)
	return plan, counts


def sync_items(
	port: CataloguePort,
	client: WooCommerceClient,
	settings: CatalogueSettings,
	*,
	since: datetime | None,
	shop_since: datetime | None,
	after_batch: Callable[[], None] | None = None,
) -> CatalogueCounts:
	"""since / shop_since None: "Synchronize all"; else Items changed in ERPNext after `since`
	and products changed in the shop after `shop_since` (the shop's clock).

	Written a batch of products at a time; `after_batch` runs after each batch's link rows are
	saved (the runner commits there, so a run that dies keeps what the shop already has)."""
	check_enabled(settings)
	full = since is None or shop_since is None
	products, counts = _read_shop(client, None if full else shop_since)
	by_id = {int(p["id"]): p for p in products}
	if full:
		items = port.catalogue_items(settings.server)
	else:
		codes = set(port.item_codes_changed_since(settings.server, since))
		for product in products:
			code = port.item_code_for_product(
				settings.server, int(product["id"]), str(product.get("sku") or "")
			)
			if code:
				codes.add(code)
		items = port.catalogue_items(settings.server, sorted(codes)) if codes else []
	by_sku = {str(p.get("sku")): p for p in products if p.get("sku")}
	planned: list[tuple[CatalogueItem, ProductPlan]] = []
	claimed: set[int] = set()
	weight_unit = ShopWeightUnit(client, uoms=port)
	for item in items:
		counts.fetched += 1
		variants = port.variants_of(item.item_code, settings.server) if item.has_variants else []
		view = _view_of(client, item, settings.server, by_id, by_sku, known=full)
		if view and view.product:
			claimed.add(int(view.product["id"]))
		planned.append((item, plan_product(item, variants, settings, view, weight_unit)))
	for start in range(0, len(planned), BATCH_SIZE):
		_write(port, client, settings, planned[start : start + BATCH_SIZE], counts)
		if after_batch is not None:
			after_batch()
	if full and settings.create_items_from_shop:
		_create_items(port, settings, [p for pid, p in by_id.items() if pid not in claimed], counts)
	return counts


def _read_shop(
	client: WooCommerceClient, modified_after: datetime | None
) -> tuple[list[dict[str, Any]], CatalogueCounts]:
	products, started = list_products(client, modified_after)
	return products, CatalogueCounts(shop_clock=started)


def _view_of(
	client: WooCommerceClient,
	item: CatalogueItem,
	server: str,
	by_id: dict[int, dict[str, Any]],
	by_sku: dict[str, dict[str, Any]],
	*,
	known: bool,
) -> ShopView | None:
	"""The shop's product of the Item from the listing; None: not listed and not read (a run of
	changes decides by the hash then)."""
	link = item.link(server)
	product = by_id.get(link.product_id) if link and link.product_id else None
	if product is None and not (link and link.product_id):
		product = by_sku.get(item.item_code)
	if product is None and not known:
		return None
	if product is not None and product.get("type") == "variable":
		return ShopView(product, read_variations(client, int(product["id"])))
	return ShopView(product)


def _write(
	port: CataloguePort,
	client: WooCommerceClient,
	settings: CatalogueSettings,
	planned: list[tuple[CatalogueItem, ProductPlan]],
	counts: CatalogueCounts,
) -> None:
	plans = [plan for _item, plan in planned]
	adds = {plan.item_code for plan in plans if plan.action == Action.ADD}
	result = write_plans(client, plans)
	if result.shop_clock and (counts.shop_clock is None or result.shop_clock > counts.shop_clock):
		counts.shop_clock = result.shop_clock
	for item, plan in planned:
		failures = [
			result.failed[code]
			for code in [plan.item_code, *(v.item_code for v in plan.variations)]
			if code in result.failed
		]
		if failures:
			counts.failed += 1
			counts.errors.extend(failures)
		elif plan.action == Action.NOT_ELIGIBLE or not plan.writes:
			counts.unchanged += 1
		elif plan.item_code in adds:
			counts.created += 1
		else:
			counts.updated += 1
		_save_links(port, item, plan, result.written, result.failed)
		counts.notes += [f"{plan.item_code}: {note}" for note in plan.notes]


def _save_links(
	port: CataloguePort,
	item: CatalogueItem,
	plan: ProductPlan,
	written: dict[str, tuple[int, int]],
	failed: dict[str, str],
) -> None:
	"""The Item's row (and its variants' rows) name what the shop now has; the product's hash
	only when everything of it went through, so a failed variation is sent again next time."""
	if (
		plan.item_code in written
		and plan.item_code not in failed
		and (plan.writes or plan.link_stale or _link_differs(item, plan))
	):
		complete = not any(v.item_code in failed for v in plan.variations)
		product_id, _ = written[plan.item_code]
		link = item.link(plan.server) or ItemLink(plan.server)
		port.save_item_link(
			item.item_code,
			ItemLink(
				plan.server,
				product_id=product_id,
				variation_id=0,
				enabled=link.enabled,
				synced_hash=plan.payload_hash if complete else "",
			),
		)
	for variation in plan.variations:
		if variation.item_code in written and variation.item_code not in failed:
			if variation.action in Action.WRITES or plan.link_stale:
				product_id, variation_id = written[variation.item_code]
				port.save_item_link(variation.item_code, ItemLink(plan.server, product_id, variation_id))


def _link_differs(item: CatalogueItem, plan: ProductPlan) -> bool:
	link = item.link(plan.server)
	return link is None or link.product_id != plan.product_id


def _create_items(
	port: CataloguePort, settings: CatalogueSettings, products: list[dict[str, Any]], counts: CatalogueCounts
) -> None:
	"""Shop-only simple products become Items (by the server's setting); one whose SKU names an
	Item already is linked to it by the order sync's rule instead, so nothing is made twice."""
	for product in products:
		if product.get("type") != "simple" or product.get("status") == "trash":
			continue
		sku = str(product.get("sku") or "")
		if port.item_code_for_product(settings.server, int(product["id"]), sku):
			continue
		code = port.create_item_from_product(
			settings.server,
			int(product["id"]),
			sku,
			str(product.get("name") or ""),
			str(product.get("description") or ""),
		)
		counts.items_created.append(code)
