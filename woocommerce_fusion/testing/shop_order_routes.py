"""The REST routes of orders, their notes and their refunds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from woocommerce_fusion.testing.shop_http import ONE, Request, Response, Route, require, route, writes
from woocommerce_fusion.testing.shop_lists import ListQuery, parse_list_query, pick_fields, truthy
from woocommerce_fusion.testing.shop_order_engine import ORDER_LIST_STATUSES, note_json
from woocommerce_fusion.testing.shop_orders import OrderStore, StoredOrder
from woocommerce_fusion.testing.shop_site import batch
from woocommerce_fusion.testing.shop_util import RestError

HIDDEN_FROM_ANY = ("trash", "auto-draft", "checkout-draft")
ORDER_ORDERBY = ("date", "id", "include", "title", "slug", "modified")


class OrderRoutes:
	"""The REST routes of orders, notes and refunds."""

	def __init__(self, store: OrderStore) -> None:
		self.store = store
		self.site = store.site

	def routes(self) -> list[Route]:
		return [
			route("/orders/batch", "POST, PUT, PATCH", **writes(self._orders_batch, "batch")),
			route("/orders", "GET, POST", GET=(self._orders_list, "list"), POST=(self._order_create, "create")),
			route("/orders/<id>/notes", "GET, POST", GET=(self._notes_list, "list"), POST=(self._note_create, "create")),
			route("/orders/<id>/notes/<note>", "GET, DELETE", GET=(self._note_get, "view"), DELETE=(self._note_delete, "delete")),
			route("/orders/<id>/refunds", "GET, POST", GET=(self._refunds_list, "list"), POST=(self._refund_create, "create")),
			route("/orders/<id>/refunds/<refund>", "GET, DELETE", GET=(self._refund_get, "view"), DELETE=(self._refund_delete, "delete")),
			route("/orders/<id>", ONE, GET=(self._order_get, "view"), **writes(self._order_update, "edit"), DELETE=(self._order_delete, "delete")),
		]  # fmt: skip

	# -- orders -----------------------------------------------------------------------------

	def _orders_list(self, request: Request, kind: str) -> Response:
		query = parse_list_query(
			request.params, self.site.store_clock, ORDER_ORDERBY, "date", ORDER_LIST_STATUSES
		)
		require(request, kind)
		with self.site.lock:
			records = [r for r in self.store.records.values() if _order_matches(r, query)]
			records.sort(key=_order_sort_key(query), reverse=query.order == "desc")
			chunk, headers = self.site.page(query, records, "orders", "orders")
			texts = [record.text for record in chunk]
		if query.fields:
			body = [pick_fields(json.loads(text), query.fields) for text in texts]
			return Response(200, body, headers=headers, orders_returned=len(texts))
		raw = self.site.expand("[" + ",".join(texts) + "]").encode()
		return Response(200, raw=raw, headers=headers, orders_returned=len(texts))

	def _order_get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			record = self.store.records.get(int(request.match["id"]))
			if record is None:
				raise RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
			text = record.text
		fields = request.params.get("_fields")
		if fields:
			return Response(200, pick_fields(json.loads(text), str(fields)), orders_returned=1)
		return Response(200, raw=self.site.expand(text).encode(), orders_returned=1)

	def _created(self, payload: Any) -> dict[str, Any]:
		order, changed = self.store.create(payload)
		self.store.announce(order["id"], True, changed)
		return order

	def _updated(self, order_id: int, payload: Any) -> dict[str, Any]:
		order, changed = self.store.update(order_id, payload)
		self.store.announce(order_id, False, changed)
		return order

	def _order_create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		order = self._created(request.body)
		location = f"{self.site.url}/wp-json/wc/v3/orders/{order['id']}"
		return Response(201, order, headers={"Location": location}, orders_returned=1)

	def _order_update(self, request: Request, kind: str) -> Response:
		require(request, kind)
		return Response(200, self._updated(int(request.match["id"]), request.body), orders_returned=1)

	def _order_delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		order = self.store.delete(int(request.match["id"]), truthy(request.params.get("force", "")))
		return Response(200, order, orders_returned=1)

	def _orders_batch(self, request: Request, kind: str) -> Response:
		return batch(
			request,
			kind,
			self._created,
			self._updated,
			lambda order_id: self.store.delete(order_id, True),
			RestError(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
		)

	# -- notes ------------------------------------------------------------------------------

	def _record(self, request: Request, code: str = "woocommerce_rest_order_invalid_id") -> StoredOrder:
		record = self.store.records.get(int(request.match["id"]))
		if record is None:
			raise RestError(404, code, "Invalid order ID.")
		return record

	def _notes_list(self, request: Request, kind: str) -> Response:
		require(request, kind)
		wanted = str(request.params.get("type", "any"))
		with self.site.lock:
			# The list (unlike the other note routes) names the post type in its error code.
			record = self._record(request, "woocommerce_rest_shop_order_invalid_id")
			notes = [
				note_json(record.id, note)
				for note in record.notes
				if wanted == "any" or (wanted == "customer") == note["customer_note"]
			]
		return Response(200, notes)

	def _note_create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		if not body.get("note"):
			raise RestError(400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"])
		with self.site.lock:
			record = self._record(request)
			# A note is a comment: the order itself, and so date_modified, stays untouched.
			customer_note = truthy(body.get("customer_note", False))
			note = self.store.add_note(record.id, str(body["note"]), customer_note)
		location = f"{self.site.url}/wp-json/wc/v3/orders/{record.id}/notes/{note['id']}"
		return Response(201, note_json(record.id, note), headers={"Location": location})

	def _find_note(self, request: Request) -> tuple[StoredOrder, dict[str, Any]]:
		record = self._record(request)
		missing = RestError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
		return record, _by_id(record.notes, int(request.match["note"]), missing)

	def _note_get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			record, note = self._find_note(request)
		return Response(200, note_json(record.id, note))

	def _note_delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		if not truthy(request.params.get("force", "")):
			# WooCommerce's own (copied) wording.
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
		with self.site.lock:
			record, note = self._find_note(request)
			record.notes.remove(note)
		return Response(200, note_json(record.id, note))

	# -- refunds ----------------------------------------------------------------------------

	def _refunds_list(self, request: Request, kind: str) -> Response:
		require(request, kind)
		order_id = int(request.match["id"])
		with self.site.lock:
			# A query for refunds whose parent is this id: none when there is no such order.
			record = self.store.records.get(order_id)
			refunds = list(record.refunds) if record is not None else []
		query = parse_list_query(
			request.params,
			self.site.store_clock,
			("date", "id", "include", "title", "slug", "modified"),
			"date",
			status_enum=None,
		)
		chunk, headers = self.site.page(query, refunds, f"orders/{order_id}/refunds", "refunds")
		return Response(200, chunk, headers=headers)

	def _refund_create(self, request: Request, kind: str) -> Response:
		require(request, kind)
		body = request.body if isinstance(request.body, dict) else {}
		refund = self.store.refund(int(request.match["id"]), body)
		# WooCommerce really sends this unexpanded route pattern as the Location.
		location = f"{self.site.url}/wp-json/wc/v3/orders/(?P<order_id>[\\d]+)/refunds/{refund['id']}"
		return Response(201, refund, headers={"Location": location})

	def _find_refund(self, request: Request) -> tuple[StoredOrder, dict[str, Any]]:
		record = self._record(request)
		missing = RestError(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")
		return record, _by_id(record.refunds, int(request.match["refund"]), missing)

	def _refund_get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		with self.site.lock:
			_record, refund = self._find_refund(request)
		return Response(200, refund)

	def _refund_delete(self, request: Request, kind: str) -> Response:
		require(request, kind)
		if not truthy(request.params.get("force", "")):
			raise RestError(501, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing.")
		with self.site.lock:
			record, refund = self._find_refund(request)
			self.store.delete_refund(record, refund)
		return Response(200, refund)


def _by_id(items: list[dict[str, Any]], wanted: int, missing: RestError) -> dict[str, Any]:
	for item in items:
		if item["id"] == wanted:
			return item
	raise missing


def _order_matches(record: StoredOrder, query: ListQuery) -> bool:
	if query.statuses is None or "any" in query.statuses:
		allowed = query.statuses - {"any"} if query.statuses else set()
		if record.status in HIDDEN_FROM_ANY and record.status not in allowed:
			return False
	elif record.status not in query.statuses:
		return False
	if query.include and record.id not in query.include:
		return False
	if record.id in query.exclude:
		return False
	if query.modified_after is not None and record.modified <= query.modified_after:
		return False
	if query.modified_before is not None and record.modified >= query.modified_before:
		return False
	if query.created_after is not None and record.created <= query.created_after:
		return False
	if query.created_before is not None and record.created >= query.created_before:
		return False
	if query.customer is not None and record.customer_id != query.customer:
		return False
	if query.parents and record.parent_id not in query.parents:
		return False
	if query.product is not None and query.product not in record.product_ids:
		return False
	return not query.search or query.search in record.search


def _order_sort_key(query: ListQuery) -> Callable[[StoredOrder], tuple[float, int]]:
	if query.orderby == "date":
		return lambda r: (r.created, r.id)
	if query.orderby == "modified":
		return lambda r: (r.modified, r.id)
	if query.orderby == "include" and query.include:
		position = {order_id: index for index, order_id in enumerate(query.include)}
		return lambda r: (position.get(r.id, len(position)), r.id)
	return lambda r: (r.id, r.id)
