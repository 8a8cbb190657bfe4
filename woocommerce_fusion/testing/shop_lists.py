"""List parameters of the REST API, validated and read the way WordPress does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from woocommerce_fusion.testing.shop_util import StoreClock, invalid_params

# The single `status` of product and variation lists: "any" plus WordPress' post statuses.
PRODUCT_STATUSES = ("any", "future", "trash", "draft", "pending", "private", "publish")
WEBHOOK_LIST_STATUSES = ("all", "active", "paused", "disabled")


def enum_message(name: str, allowed: tuple[str, ...]) -> str:
	return f"{name} is not one of {', '.join(allowed[:-1])}, and {allowed[-1]}."


def truthy(value: Any) -> bool:
	return str(value).lower() in ("1", "true", "yes")


def as_list(value: Any) -> list[str]:
	"""wp_parse_list(): arrays as they are, strings split on commas and spaces."""
	if isinstance(value, dict):
		return [str(v) for v in value.values()]
	if isinstance(value, list):
		return [str(v) for v in value]
	return [part for part in str(value).replace(" ", ",").split(",") if part]


_PHP_INT_PREFIX = re.compile(r"^\s*[+-]?\d+")


def php_int(value: Any) -> int:
	"""PHP's (int) cast of a string: the leading integer ("3abc" is 3, "abc" is 0)."""
	match = _PHP_INT_PREFIX.match(str(value))
	return int(match.group()) if match else 0


def absint(value: Any) -> int:
	"""absint(): abs() of PHP's (int) cast."""
	return abs(php_int(value))


def parse_id_list(value: Any) -> dict[str, int]:
	"""wp_parse_id_list(): absint() of every item, later duplicates dropped; array_unique() keeps
	the surviving keys, which show up in the Link header as include[0], include[2]."""
	if isinstance(value, dict):
		items = [(str(key), item) for key, item in value.items()]
	else:
		parts = [part for part in re.split(r"[\s,]+", str(value)) if part]
		items = [(str(index), part) for index, part in enumerate(parts)]
	result: dict[str, int] = {}
	seen: set[int] = set()
	for key, item in items:
		number = absint(item)
		if number not in seen:
			seen.add(number)
			result[key] = number
	return result


def parse_slug_list(value: Any) -> dict[str, str]:
	"""wp_parse_slug_list() for the orders' status filter: split, duplicates dropped, keys kept."""
	if isinstance(value, dict):
		items = [(str(key), str(item)) for key, item in value.items()]
	else:
		parts = [part for part in re.split(r"[\s,]+", str(value)) if part]
		items = [(str(index), part) for index, part in enumerate(parts)]
	result: dict[str, str] = {}
	for key, item in items:
		if item not in result.values():
			result[key] = item
	return result


def pick_fields(value: Any, fields: Any) -> Any:
	"""rest_filter_response_fields(): keep `_fields`, dotted names reach into objects."""
	tree: dict[str, Any] = {}
	for name in as_list(fields):
		node = tree
		for part in name.split("."):
			node = node.setdefault(part, {})

	def pick(item: Any, node: dict[str, Any]) -> Any:
		if not node or not isinstance(item, dict):
			return item
		return {key: pick(val, node[key]) for key, val in item.items() if key in node}

	return pick(value, tree)


@dataclass
class ListQuery:
	"""List parameters after WordPress-style validation; dates as UTC timestamps."""

	page: int
	per_page: int
	offset: int | None
	order: str
	orderby: str
	statuses: set[str] | None
	include: list[int]
	exclude: set[int]
	search: str
	created_after: float | None
	created_before: float | None
	modified_after: float | None
	modified_before: float | None
	customer: int | None
	parents: set[int]
	product: int | None
	fields: str | None
	# The query parameters as WordPress holds them after sanitizing, for the Link header.
	sanitized: dict[str, Any] = field(default_factory=dict)


def parse_list_query(
	params: dict[str, Any],
	clock: StoreClock,
	orderby_allowed: tuple[str, ...],
	default_orderby: str,
	status_enum: tuple[str, ...] | None,
	status_list: bool = True,
) -> ListQuery:
	"""Validate list parameters the way WP_REST_Request::has_valid_params() does.

	`status_enum` is what the collection's `status` parameter allows (None: the collection has
	none and ignores it); orders take a list of statuses, products and webhooks a single one."""
	problems: dict[str, tuple[str, str]] = {}
	sanitized = dict(params)

	def integer(
		name: str, default: int | None, low: int | None = None, high: int | None = None
	) -> int | None:
		if name not in params or params[name] == "":
			return default
		try:
			value = int(str(params[name]))
		except ValueError:
			problems[name] = ("rest_invalid_type", f"{name} is not of type integer.")
			return default
		if name in ("page", "per_page", "offset"):
			sanitized[name] = str(abs(value))  # their sanitize_callback is absint
		if high is not None and low is not None and not low <= value <= high:
			problems[name] = (
				"rest_out_of_bounds",
				f"{name} must be between {low} (inclusive) and {high} (inclusive)",
			)
		elif low is not None and value < low:
			problems[name] = ("rest_out_of_bounds", f"{name} must be greater than or equal to {low}")
		return value

	def ids(name: str) -> list[int]:
		# No validate_callback on these: "abc" becomes id 0, which matches nothing.
		if name not in params:
			return []
		parsed = parse_id_list(params[name])
		sanitized[name] = {key: str(number) for key, number in parsed.items()}
		return list(parsed.values())

	def date(name: str) -> float | None:
		if not params.get(name):
			return None
		parsed = clock.parse_rest_date(str(params[name]), gmt)
		if parsed is None:
			problems[name] = ("rest_invalid_date", "Invalid date.")
			return None
		return parsed.timestamp()

	page = integer("page", 1, 1)
	per_page = integer("per_page", 10, 1, 100)
	offset = integer("offset", None)
	order = str(params.get("order", "desc"))
	if order not in ("asc", "desc"):
		problems["order"] = ("rest_not_in_enum", enum_message("order", ("asc", "desc")))
	orderby = str(params.get("orderby", default_orderby))
	if orderby not in orderby_allowed:
		problems["orderby"] = ("rest_not_in_enum", enum_message("orderby", orderby_allowed))
	gmt_value = params.get("dates_are_gmt", "false")
	if str(gmt_value).lower() not in ("", "0", "1", "true", "false"):
		problems["dates_are_gmt"] = ("rest_invalid_type", "dates_are_gmt is not of type boolean.")
	gmt = truthy(gmt_value)
	statuses = None
	if "status" in params and status_enum is not None and status_list:
		statuses = set()
		for index, status in enumerate(as_list(params["status"])):
			if status not in status_enum:
				problems["status"] = ("rest_not_in_enum", enum_message(f"status[{index}]", status_enum))
				break
			statuses.add(status)
	elif "status" in params and status_enum is not None:
		if params["status"] not in status_enum:
			problems["status"] = ("rest_not_in_enum", enum_message("status", status_enum))
		else:
			statuses = {str(params["status"])}
	query = ListQuery(
		page=page or 1,
		per_page=per_page or 10,
		offset=offset,
		order=order,
		orderby=orderby,
		statuses=statuses,
		include=ids("include"),
		exclude=set(ids("exclude")),
		search=str(params.get("search", "")).lower(),
		created_after=date("after"),
		created_before=date("before"),
		modified_after=date("modified_after"),
		modified_before=date("modified_before"),
		customer=integer("customer", None),
		parents=set(ids("parent")),
		product=integer("product", None),
		fields=str(params["_fields"]) if params.get("_fields") else None,
		sanitized=sanitized,
	)
	if problems:
		raise invalid_params(problems)
	return query
