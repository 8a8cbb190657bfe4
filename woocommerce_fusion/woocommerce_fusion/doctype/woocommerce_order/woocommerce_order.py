# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""WooCommerce orders as the shop has them now, read through its REST API (a virtual doctype).

Nothing is stored and nothing can be written. Frappe's list endpoints do not check permissions
for virtual doctypes, so every entry point here does. List filters and paging become the REST
API's own parameters, so the shop does the filtering and only one page travels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, get_system_timezone
from frappe.utils.data import get_timespan_date_range

from woocommerce_fusion.constants import (
	ORDER_DOCTYPE,
	ORDER_ITEM_DOCTYPE,
	ORDER_SYNC_DOCTYPE,
	SERVER_DOCTYPE,
	order_sync_name,
)
from woocommerce_fusion.engine.client import MAX_PER_PAGE, WooCommerceClient
from woocommerce_fusion.engine.errors import FusionError
from woocommerce_fusion.engine.timeutil import parse_gmt
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync import (
	may_sync,
	queue_order_sync,
)

NAME_SEPARATOR = "~"

# List fields -> the API's orderby values.
ORDER_BY = {
	"date_created": "date",
	"creation": "date",
	"woocommerce_id": "id",
	"name": "id",
	"date_modified": "modified",
	"modified": "modified",
}
# Date fields -> the API's (after, before) parameters.
DATE_PARAMS = {
	"date_created": ("after", "before"),
	"creation": ("after", "before"),
	"date_modified": ("modified_after", "modified_before"),
	"modified": ("modified_after", "modified_before"),
}
# Fields whose "like" filter becomes the API's full-text search.
SEARCH_FIELDS = ("customer_name", "billing_email", "transaction_id")


class WooCommerceOrder(Document):
	def load_from_db(self) -> None:
		frappe.has_permission(ORDER_DOCTYPE, "read", throw=True)
		server, woocommerce_id = split_name(self.name)
		client = _from_shop(lambda: get_client(server, reference=(ORDER_DOCTYPE, self.name)))
		order = _from_shop(lambda: client.get(f"orders/{woocommerce_id}"))
		row = to_row(server, order, get_system_timezone())
		row.update(linked_records([row]).get(row["name"], {}))
		row["line_items"] = [line_row(line) for line in order.get("line_items") or []]
		super(Document, self).__init__(row)

	def onload(self) -> None:
		self.set_onload("can_sync", may_sync(self.woocommerce_server, self.woocommerce_id))

	def db_insert(self, *args, **kwargs) -> None:
		raise_read_only()

	def db_update(self, *args, **kwargs) -> None:
		raise_read_only()

	def delete(self, *args, **kwargs) -> None:
		raise_read_only()

	@staticmethod
	def get_list(args: dict[str, Any]) -> list[dict[str, Any]]:
		frappe.has_permission(ORDER_DOCTYPE, "read", throw=True)
		# The sidebar's group-by counts ask for aggregates the shop cannot give.
		if args.get("group_by"):
			return []
		query = build_query(args.get("filters"), get_system_timezone())
		query.params.update(order_params(args.get("order_by")))
		start = cint(args.get("start") or args.get("limit_start"))
		length = cint(args.get("page_length") or args.get("limit_page_length") or args.get("limit")) or 20
		servers = query.servers if query.servers is not None else enabled_servers()
		rows = [
			to_row(server, order, get_system_timezone())
			for server, order in fetch_window(servers, query.params, start, length, _client)
		]
		linked = linked_records(rows)
		for row in rows:
			row.update(linked.get(row["name"], {}))
		if args.get("pluck"):
			return [row.get(args["pluck"]) for row in rows]
		return [frappe._dict(row) for row in rows]

	@staticmethod
	def get_count(args: dict[str, Any]) -> int:
		frappe.has_permission(ORDER_DOCTYPE, "read", throw=True)
		query = build_query(args.get("filters"), get_system_timezone())
		servers = query.servers if query.servers is not None else enabled_servers()
		return sum(count_orders(_client(server), query.params) for server in servers)

	@staticmethod
	def get_stats(args: dict[str, Any]) -> dict[str, list]:
		"""The sidebar's tag counts: orders in the shop carry no ERPNext tags."""
		frappe.has_permission(ORDER_DOCTYPE, "read", throw=True)
		return {}


# -- names and rows ----------------------------------------------------------------------------


def order_name(server: str, woocommerce_id: int) -> str:
	return f"{server}{NAME_SEPARATOR}{int(woocommerce_id)}"


def split_name(name: str) -> tuple[str, int]:
	server, _sep, woocommerce_id = str(name).rpartition(NAME_SEPARATOR)
	if not server or not woocommerce_id.isdigit():
		frappe.throw(
			_("{0} is not a WooCommerce Order name (webshop~order id).").format(name),
			frappe.DoesNotExistError,
		)
	return server, int(woocommerce_id)


def to_row(server: str, order: dict[str, Any], time_zone: str) -> dict[str, Any]:
	"""A shop order as the doctype's fields; dates in the system's time zone, as Desk shows them."""
	billing = order.get("billing") or {}
	customer = " ".join(part for part in (billing.get("first_name"), billing.get("last_name")) if part)
	created = system_time(order.get("date_created_gmt"), time_zone)
	modified = system_time(order.get("date_modified_gmt"), time_zone) or created
	return {
		"doctype": ORDER_DOCTYPE,
		"name": order_name(server, order["id"]),
		"docstatus": 0,
		"creation": created,
		"modified": modified,
		"woocommerce_server": server,
		"woocommerce_id": int(order["id"]),
		"status": order.get("status") or "",
		"date_created": created,
		"date_modified": modified,
		"customer_name": customer or billing.get("company") or "",
		"billing_email": billing.get("email") or "",
		"payment_method_title": order.get("payment_method_title") or "",
		"transaction_id": order.get("transaction_id") or "",
		"currency": order.get("currency") or "",
		"total": flt(order.get("total")),
		"total_tax": flt(order.get("total_tax")),
		"shipping_total": flt(order.get("shipping_total")),
		"discount_total": flt(order.get("discount_total")),
		"customer_note": order.get("customer_note") or "",
	}


def line_row(line: dict[str, Any]) -> dict[str, Any]:
	return {
		"doctype": ORDER_ITEM_DOCTYPE,
		"line_id": cint(line.get("id")),
		"product_id": cint(line.get("product_id")),
		"variation_id": cint(line.get("variation_id")),
		"sku": line.get("sku") or "",
		"item_name": line.get("name") or "",
		"quantity": flt(line.get("quantity")),
		"price": flt(line.get("price")),
		"total": flt(line.get("total")),
		"total_tax": flt(line.get("total_tax")),
	}


def linked_records(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
	"""The sync row and Sales Order of each listed order, in one query."""
	by_sync_name = {
		order_sync_name(row["woocommerce_server"], row["woocommerce_id"]): row["name"] for row in rows
	}
	if not by_sync_name:
		return {}
	found = frappe.get_all(
		ORDER_SYNC_DOCTYPE,
		filters={"name": ("in", list(by_sync_name))},
		fields=["name", "status", "sales_order"],
	)
	return {
		by_sync_name[sync.name]: {
			"order_sync": sync.name,
			"sync_status": sync.status,
			"sales_order": sync.sales_order,
		}
		for sync in found
	}


def system_time(value: Any, time_zone: str) -> datetime | None:
	moment = parse_gmt(value)
	if moment is None:
		return None
	return moment.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def raise_read_only() -> None:
	frappe.throw(
		_("WooCommerce Orders are read from the shop; change the order in WooCommerce."),
		title=_("Read only"),
	)


# -- filters and paging -> REST parameters -----------------------------------------------------


@dataclass
class OrderQuery:
	# None: every enabled server.
	servers: list[str] | None = None
	params: dict[str, Any] = field(default_factory=dict)


def normalise_filters(filters: Any) -> list[tuple[str, str, Any]]:
	"""Frappe's filter shapes (dict, [field, op, value], [doctype, field, op, value]) as triples."""
	if not filters:
		return []
	if isinstance(filters, str):
		filters = json.loads(filters)
	if isinstance(filters, dict):
		triples = []
		for fieldname, value in filters.items():
			if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], str):
				triples.append((fieldname, value[0], value[1]))
			else:
				triples.append((fieldname, "=", value))
		filters = triples
	normalised = []
	for entry in filters:
		entry = list(entry)
		if len(entry) >= 4:
			entry = entry[1:4]
		if len(entry) == 2:
			entry = [entry[0], "=", entry[1]]
		fieldname, operator, value = entry
		normalised.append((fieldname, str(operator).strip().lower(), value))
	return normalised


def build_query(filters: Any, time_zone: str) -> OrderQuery:
	"""The REST parameters for the list's filters; a filter the API cannot apply is refused
	rather than ignored, so the list never shows orders the user filtered out."""
	query = OrderQuery()
	for fieldname, operator, value in normalise_filters(filters):
		if fieldname == "woocommerce_server" and operator in ("=", "in"):
			query.servers = _values(value)
		elif fieldname == "status" and operator in ("=", "in"):
			query.params["status"] = _values(value)
		elif fieldname in ("woocommerce_id", "name") and operator in ("=", "in"):
			_filter_ids(query, fieldname, _values(value))
		elif fieldname == "name" and operator == "like":
			query.params["search"] = str(value).strip("%")
		elif fieldname in SEARCH_FIELDS and operator == "like":
			query.params["search"] = str(value).strip("%")
		elif fieldname in DATE_PARAMS:
			_filter_dates(query, fieldname, operator, value, time_zone)
		else:
			frappe.throw(
				_("WooCommerce Orders cannot be filtered by {0} {1}.").format(
					_(frappe.get_meta(ORDER_DOCTYPE).get_label(fieldname)), operator
				),
				title=_("Filter not supported"),
			)
	return query


def _values(value: Any) -> list[str]:
	if isinstance(value, str):
		return [part.strip() for part in value.split(",") if part.strip()]
	return [str(part) for part in value or []]


def _filter_ids(query: OrderQuery, fieldname: str, values: list[str]) -> None:
	ids = []
	for value in values:
		if fieldname == "name":
			server, woocommerce_id = split_name(value)
			query.servers = sorted({*(query.servers or []), server})
			ids.append(woocommerce_id)
		elif str(value).isdigit():
			ids.append(int(value))
	# An id that cannot exist matches nothing, rather than everything.
	query.params["include"] = ids or [0]


def _filter_dates(query: OrderQuery, fieldname: str, operator: str, value: Any, time_zone: str) -> None:
	"""Frappe's date conditions as the API's bounds, which are both exclusive."""
	after_param, before_param = DATE_PARAMS[fieldname]
	if operator == "timespan":
		value, operator = get_timespan_date_range(str(value)), "between"
	if operator == "between":
		start, end = value
		lower, upper = first_moment(start), after_last_moment(end)
	elif operator in (">", ">="):
		lower, upper = (after_last_moment(value) if operator == ">" else first_moment(value)), None
	elif operator in ("<", "<="):
		lower, upper = None, (first_moment(value) if operator == "<" else after_last_moment(value))
	elif operator == "=":
		lower, upper = first_moment(value), after_last_moment(value)
	else:
		frappe.throw(_("WooCommerce Orders cannot be filtered by date with {0}.").format(operator))
	if lower is not None:
		query.params[after_param] = to_gmt(lower - ONE_SECOND, time_zone)
	if upper is not None:
		query.params[before_param] = to_gmt(upper, time_zone)
	# The bounds are converted to UTC; say so, or the shop reads them in its own time zone.
	query.params["dates_are_gmt"] = "true"


ONE_SECOND = timedelta(seconds=1)


def parse_moment(value: Any) -> datetime | date:
	"""A filter value: a date (a whole day) or a date-time (to the second), in system time."""
	if isinstance(value, datetime | date):
		return value
	text = str(value).strip()
	if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
		return date.fromisoformat(text)
	return datetime.fromisoformat(text)


def first_moment(value: Any) -> datetime:
	moment = parse_moment(value)
	if isinstance(moment, datetime):
		return moment
	return datetime.combine(moment, time.min)


def after_last_moment(value: Any) -> datetime:
	"""The first moment after the value: the next day for a date, the next second otherwise."""
	moment = parse_moment(value)
	if isinstance(moment, datetime):
		return moment.replace(microsecond=0) + ONE_SECOND
	return datetime.combine(moment + timedelta(days=1), time.min)


def to_gmt(moment: datetime, time_zone: str) -> str:
	"""A system-time moment as the API's ISO date-time in UTC."""
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=ZoneInfo(time_zone))
	return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat()


def order_params(order_by: str | None) -> dict[str, str]:
	"""Frappe's "`tabX`.`field` desc" as orderby/order; newest first by default."""
	fieldname, direction = "date_created", "desc"
	first = str(order_by or "").split(",")[0].strip()
	# The table name has a space in it, so the field is whatever follows its last dot.
	match = re.fullmatch(r"(?:.*\.)?`?(\w+)`?(?:\s+(asc|desc))?", first, re.IGNORECASE)
	if match:
		fieldname, direction = match.group(1), (match.group(2) or direction).lower()
	return {"orderby": ORDER_BY.get(fieldname, "date"), "order": direction}


def fetch_window(
	servers: list[str],
	params: dict[str, Any],
	start: int,
	length: int,
	client_for: Callable[[str], WooCommerceClient],
) -> list[tuple[str, dict[str, Any]]]:
	"""Rows start .. start+length of the webshops' lists one after the other, in the API's
	page/per_page. A page past the end of a list tells nothing about its length (WordPress then
	answers X-WP-Total 0), so a shop that may lie wholly before the window is counted first."""
	rows: list[tuple[str, dict[str, Any]]] = []
	skip = start
	for server in servers:
		wanted = length - len(rows)
		if wanted <= 0:
			break
		client = client_for(server)
		if skip and len(servers) > 1:
			total = count_orders(client, params)
			if skip >= total:
				skip -= total
				continue
		orders = fetch_range(client, params, skip, wanted)
		rows.extend((server, order) for order in orders)
		skip = 0
	return rows


def fetch_range(
	client: WooCommerceClient, params: dict[str, Any], skip: int, wanted: int
) -> list[dict[str, Any]]:
	"""Orders skip .. skip+wanted of one shop's list."""
	per_page = max(1, min(wanted, MAX_PER_PAGE))
	page = skip // per_page + 1
	offset = skip % per_page
	collected: list[dict[str, Any]] = []
	query = {**params, "per_page": per_page}
	while True:
		result = _from_shop(lambda page=page: client.get_page("orders", query, page))
		collected.extend(result.items)
		if len(collected) - offset >= wanted or not result.items or page >= result.total_pages:
			break
		page += 1
	return collected[offset : offset + wanted]


def count_orders(client: WooCommerceClient, params: dict[str, Any]) -> int:
	return _from_shop(lambda: client.get_page("orders", {**params, "per_page": 1}, 1)).total


def enabled_servers() -> list[str]:
	return frappe.get_all(SERVER_DOCTYPE, filters={"enabled": 1}, pluck="name", order_by="name")


def _client(server: str) -> WooCommerceClient:
	return _from_shop(lambda: get_client(server, reference=(SERVER_DOCTYPE, server)))


def _from_shop(call: Callable[[], Any]) -> Any:
	"""A failed call to the shop (or a shop without keys) as a message in Desk, not a traceback."""
	try:
		return call()
	except FusionError as exc:
		frappe.throw(str(exc), title=_("WooCommerce"), exc=frappe.ValidationError)


# -- the form's action -----------------------------------------------------------------------


@frappe.whitelist()
def sync_woocommerce_order(name: str) -> dict:
	"""Actions > "Sync this Order with ERPNext": queue the order's sync (see WooCommerce Order Sync)."""
	frappe.has_permission(ORDER_DOCTYPE, "read", throw=True)
	server, woocommerce_id = split_name(name)
	return queue_order_sync(server, woocommerce_id)
