"""The shop's orders with their notes and refunds: how they are stored and changed, and what
each change sets off (stock, notes, webhooks). Their REST routes are in shop_order_routes."""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from woocommerce_fusion.testing.sample_orders import generate_orders
from woocommerce_fusion.testing.shop_catalog import CatalogStore
from woocommerce_fusion.testing.shop_lists import php_int
from woocommerce_fusion.testing.shop_order_engine import (
	OrderEngine,
	refresh_derived,
	refund_quantity,
	search_text,
	status_note,
	touch,
)
from woocommerce_fusion.testing.shop_site import ShopSite
from woocommerce_fusion.testing.shop_util import (
	BareRestError,
	IdSequence,
	RestError,
	parse_wp_date,
	php_json,
	to_decimal,
)
from woocommerce_fusion.testing.shop_webhooks import WebhookDispatcher


@dataclass
class StoredOrder:
	"""One order, stored as its JSON text plus what the list filters need; keeps 10k orders small."""

	id: int
	status: str
	created: float
	modified: float
	customer_id: int
	parent_id: int
	product_ids: frozenset[int]
	search: str
	text: str
	notes: list[dict[str, Any]]
	refunds: list[dict[str, Any]]


class OrdersView(Mapping[int, dict[str, Any]]):
	"""Read-only id -> order mapping; each lookup decodes a fresh copy."""

	def __init__(self, store: OrderStore) -> None:
		self._store = store

	def __getitem__(self, order_id: int) -> dict[str, Any]:
		with self._store.site.lock:
			text = self._store.records[order_id].text
		return self._store.site.decode(text)

	def __iter__(self) -> Iterator[int]:
		with self._store.site.lock:
			return iter(list(self._store.records))

	def __len__(self) -> int:
		return len(self._store.records)


class OrderStore:
	"""Orders by id. Changes run under the site's lock and announce themselves to the webhooks
	once it is released."""

	def __init__(
		self, site: ShopSite, catalog: CatalogStore, engine: OrderEngine, webhooks: WebhookDispatcher
	) -> None:
		self.site = site
		self.catalog = catalog
		self.engine = engine
		self.webhooks = webhooks
		self.records: dict[int, StoredOrder] = {}
		self.view = OrdersView(self)
		self._note_ids = IdSequence(1)
		catalog.on_deleted = self.forget_product

	# -- what tests and scripts call ----------------------------------------------------------

	def seed(self, count: int, seed: int = 1, days: int = 90) -> list[int]:
		"""`count` realistic orders spread over the last `days` days; returns their ids."""
		now = self.site.now()
		payloads = generate_orders(count, self.catalog.saleable_items(), now, seed=seed, days=days)
		clock = self.site.store_clock
		ids = []
		with self.site.lock:
			for payload in payloads:
				created = payload.pop("_created")
				modified = payload.pop("_modified")
				created_via = payload.pop("created_via", "checkout")
				order = self.engine.create(
					self.site.post_ids.take(), payload, created, created_via=created_via
				)
				if order["status"] == "completed":
					order["date_completed"], order["date_completed_gmt"] = (
						clock.local(modified),
						clock.gmt(modified),
					)
				refunds = []
				if order["status"] == "refunded":
					refund = self.engine.refund(
						order,
						self.site.post_ids.take(),
						{"amount": order["total"], "reason": "Order fully refunded.", "api_refund": False},
						modified,
					)
					refunds.append(refund)
					order["refunds"] = [
						{"id": refund["id"], "reason": refund["reason"], "total": f"-{refund['amount']}"}
					]
				touch(order, clock, modified)
				self.save(order, refunds=refunds)
				ids.append(order["id"])
		return ids

	def add(self, payload: dict[str, Any]) -> int:
		"""Store a complete order JSON as it is, keeping its totals; the id is kept when free."""
		order = copy.deepcopy(payload)
		site = self.site
		with site.lock:
			order_id = int(order.get("id") or 0) or site.post_ids.take()
			if order_id in self.records:
				raise ValueError(f"order {order_id} already exists")
			order["id"] = order_id
			site.post_ids.skip_past(order_id)
			for group in ("line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines"):
				for item in order.get(group) or []:
					site.item_ids.skip_past(int(item.get("id") or 0))
					for meta in item.get("meta_data") or []:
						site.meta_ids.skip_past(int(meta.get("id") or 0))
			for meta in order.get("meta_data") or []:
				site.meta_ids.skip_past(int(meta.get("id") or 0))
			order.setdefault("order_key", "wc_order_" + secrets.token_hex(6))
			refresh_derived(order)
			self.save(order)
		return order_id

	def modify(self, order_id: int, **changes: Any) -> dict[str, Any]:
		"""Change an order as the shop owner would; order.updated fires."""
		order, changed = self.update(order_id, changes)
		self.announce(order_id, False, changed)
		return self.view[order_id]

	def notes(self, order_id: int) -> list[dict[str, Any]]:
		with self.site.lock:
			return [dict(note) for note in self.records[order_id].notes]

	def payload(self, order_id: int) -> bytes | None:
		"""A webhook's body: the order as it is now."""
		with self.site.lock:
			record = self.records.get(order_id)
			return self.site.expand(record.text).encode() if record else None

	# -- storage ----------------------------------------------------------------------------

	def load(self, order_id: int, status: int = 404) -> dict[str, Any]:
		"""The stored order; a missing one is 404 to GET and DELETE but 400 to PUT, like WooCommerce."""
		record = self.records.get(order_id)
		if record is None:
			raise RestError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return json.loads(record.text)

	def save(self, order: dict[str, Any], refunds: list[dict[str, Any]] | None = None) -> None:
		previous = self.records.get(order["id"])
		self.records[order["id"]] = StoredOrder(
			id=order["id"],
			status=order["status"],
			created=_timestamp(order.get("date_created_gmt")),
			modified=_timestamp(order.get("date_modified_gmt")),
			customer_id=int(order.get("customer_id") or 0),
			parent_id=int(order.get("parent_id") or 0),
			product_ids=frozenset(item.get("product_id", 0) for item in order.get("line_items", [])),
			search=search_text(order),
			text=php_json(order),
			notes=previous.notes if previous else [],
			refunds=refunds if refunds is not None else (previous.refunds if previous else []),
		)

	def add_note(self, order_id: int, text: str, customer_note: bool) -> dict[str, Any]:
		now = self.site.now()
		note = {
			"id": self._note_ids.take(),
			"author": "WooCommerce",
			"date_created": self.site.store_clock.local(now),
			"date_created_gmt": self.site.store_clock.gmt(now),
			"note": text,
			"customer_note": customer_note,
		}
		self.records[order_id].notes.insert(0, note)
		return note

	# -- changes ----------------------------------------------------------------------------

	def create(self, payload: Any) -> tuple[dict[str, Any], list[int]]:
		"""A new order; returns it and the products whose stock it moved."""
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self.site.lock:
			order = self.engine.create(self.site.post_ids.take(), payload, self.site.now())
			self.save(order)
			changes = self.catalog.reduce_stock(order, _reduced_lines(order))
			# A new order starts as pending: any other status is a transition, whose hooks reduce
			# the stock before the transition's own note is written.
			if order["status"] != "pending":
				for note in [*self.catalog.stock_note(changes), status_note("pending", order["status"])]:
					self.add_note(order["id"], note, False)
		return order, [c.product["id"] for c in changes]

	def update(self, order_id: int, payload: Any) -> tuple[dict[str, Any], list[int]]:
		"""An order changed; returns it and the products whose stock it moved."""
		if not isinstance(payload, dict):
			raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.")
		with self.site.lock:
			order = self.load(order_id, 400)
			before = _reduced_lines(order)
			notes = self.engine.update(order, payload, self.site.now())
			self.save(order)
			changes = self.catalog.reduce_stock(order, _reduced_lines(order) - before)
			for note in [*self.catalog.stock_note(changes), *notes]:
				self.add_note(order_id, note, False)
		return order, [c.product["id"] for c in changes]

	def announce(self, order_id: int, created: bool, changed_products: list[int]) -> None:
		if created:
			self.webhooks.fire("order.created", order_id)
		self.webhooks.fire("order.updated", order_id)
		for product_id in changed_products:
			self.webhooks.fire("product.updated", product_id)

	def delete(self, order_id: int, force: bool) -> dict[str, Any]:
		"""The order as it was; without force it moves to the trash."""
		with self.site.lock:
			order = self.load(order_id)
			before = copy.deepcopy(order)
			if force:
				del self.records[order_id]
			else:
				if order["status"] == "trash":
					raise RestError(
						410, "woocommerce_rest_already_trashed", "The shop_order has already been deleted."
					)
				now = self.site.now()
				old = order["status"]
				order["status"] = "trash"
				order["meta_data"] += [
					{"id": self.site.meta_ids.take(), "key": "_wp_trash_meta_status", "value": f"wc-{old}"},
					{
						"id": self.site.meta_ids.take(),
						"key": "_wp_trash_meta_time",
						"value": str(int(now.timestamp())),
					},
				]
				touch(order, self.site.store_clock, now)
				refresh_derived(order)
				self.save(order)
		self.webhooks.fire("order.deleted", order_id, deleted_payload={"id": order_id})
		return before

	def forget_product(self, product_id: int, parent: dict[str, Any] | None) -> None:
		"""A product or variation deleted for good. WooCommerce keeps its order lines (name,
		amounts, taxes, meta) and answers them without it (observed on 8.4, dates unchanged): a
		deleted product's lines with product_id 0, variation_id 0 and sku null; a deleted
		variation's lines with variation_id 0 and the parent's sku. Runs under the site's lock."""
		owner = parent["id"] if parent else product_id
		for record in [r for r in self.records.values() if owner in r.product_ids]:
			order = json.loads(record.text)
			for line in order["line_items"]:
				if parent is None and line["product_id"] == product_id:
					line.update(
						product_id=0, variation_id=0, sku=None, parent_name=None, image={"id": 0, "src": ""}
					)
				elif parent is not None and line["variation_id"] == product_id:
					line.update(
						variation_id=0,
						sku=parent.get("sku", ""),
						parent_name=None,
						image={"id": "", "src": ""},
					)
			self.save(order)

	def refund(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
		"""A new refund of the order, restocking its lines unless told not to."""
		with self.site.lock:
			record = self.records.get(order_id)
			if record is None:
				raise BareRestError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
			order = json.loads(record.text)
			now = self.site.now()
			refund = self.engine.refund(order, self.site.post_ids.take(), body, now)
			order["refunds"].insert(
				0, {"id": refund["id"], "reason": refund["reason"], "total": f"-{refund['amount']}"}
			)
			notes, restocked = [], []
			if body.get("api_restock", True) not in (False, "false", "0", 0):
				notes, restocked = self._restock_refunded_items(order, body.get("line_items"))
			refunded = sum(to_decimal(r["total"]) for r in order["refunds"])
			if -refunded >= to_decimal(order["total"]):
				notes += self.engine.set_status(order, "refunded", now)
			# wc_create_refund() saves the order with a new date_modified, partial refund or not.
			touch(order, self.site.store_clock, now)
			self.save(order, refunds=[refund, *record.refunds])
			for note in notes:
				self.add_note(order["id"], note, False)
		for product_id in restocked:
			self.webhooks.fire("product.updated", product_id)
		self.webhooks.fire("order.updated", order["id"])
		return refund

	def delete_refund(self, record: StoredOrder, refund: dict[str, Any]) -> None:
		with self.site.lock:
			order = json.loads(record.text)
			order["refunds"] = [r for r in order["refunds"] if r["id"] != refund["id"]]
			self.save(order, refunds=[r for r in record.refunds if r is not refund])

	def _restock_refunded_items(self, order: dict[str, Any], given: Any) -> tuple[list[str], list[int]]:
		"""wc_restock_refunded_items(): refunded quantities go back into stock for lines whose stock
		was reduced; _reduced_stock goes down and _restock_refunded_items keeps the running tally.
		Returns the notes and the products changed."""
		quantities = {
			line["id"]: refund_quantity(line)
			for line in given or []
			if isinstance(line, dict) and isinstance(line.get("id"), int)
		}
		notes, changed = [], []
		now = self.site.now()
		for item in order["line_items"]:
			quantity = quantities.get(item["id"])
			meta = {m["key"]: m for m in item["meta_data"]}
			reduced = str(meta["_reduced_stock"]["value"]) if "_reduced_stock" in meta else ""
			product = self.catalog.products.get(item["variation_id"] or item["product_id"])
			# PHP: an empty or "0" _reduced_stock means the stock was never (or no longer) reduced.
			if not quantity or reduced in ("", "0") or product is None or not product.get("manage_stock"):
				continue
			before = product.get("stock_quantity") or 0
			self.catalog.set_stock(product, before + quantity, now)
			left = str(php_int(reduced) - quantity)
			meta["_reduced_stock"]["value"] = meta["_reduced_stock"]["display_value"] = left
			tally_meta = meta.get("_restock_refunded_items")
			tally = str(quantity + (php_int(tally_meta["value"]) if tally_meta else 0))
			if tally_meta:
				tally_meta["value"] = tally_meta["display_value"] = tally
			else:
				item["meta_data"].append(
					{
						"id": self.site.meta_ids.take(),
						"key": "_restock_refunded_items",
						"value": tally,
						"display_key": "_restock_refunded_items",
						"display_value": tally,
					}
				)
			notes.append(
				f"Item #{product['id']} stock increased from {before} to {product['stock_quantity']}."
			)
			changed.append(product["id"])
		return notes, changed


def _reduced_lines(order: dict[str, Any]) -> set[int]:
	return {
		item["id"]
		for item in order["line_items"]
		if any(m["key"] == "_reduced_stock" for m in item["meta_data"])
	}


def _timestamp(text: str | None) -> float:
	moment = parse_wp_date(text)
	return moment.timestamp() if moment else 0.0
