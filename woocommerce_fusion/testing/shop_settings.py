"""The one setting of the products group the item sync reads, woocommerce_weight_unit, as
WooCommerce 8.4 answers it at /settings/products/woocommerce_weight_unit (GET, and PUT to
change it; a value not among its options is refused with rest_setting_value_invalid). Any other
setting of the group answers rest_setting_setting_invalid, as one WooCommerce does not have."""

from __future__ import annotations

import re
from typing import Any

from woocommerce_fusion.testing.shop_http import Request, Response, Route, require, writes
from woocommerce_fusion.testing.shop_util import SHOP_URL, RestError

WEIGHT_UNIT = "woocommerce_weight_unit"
WEIGHT_UNITS = ("kg", "g", "lbs", "oz")
_TEXT = "This controls what unit you will define weights in."


class SettingsRoutes:
	def __init__(self, weight_unit: str = "kg") -> None:
		self.weight_unit = weight_unit

	def routes(self) -> list[Route]:
		handlers = {"GET": (self._get, "view"), **writes(self._put, "edit")}
		pattern = re.compile(r"^/settings/products/(?P<setting>[\w-]+)/?$")
		return [Route(pattern, handlers, "GET, POST, PUT, PATCH")]

	def as_json(self) -> dict[str, Any]:
		collection = f"{SHOP_URL}/wp-json/wc/v3/settings/products"
		return {
			"id": WEIGHT_UNIT,
			"label": "Weight unit",
			"description": _TEXT,
			"type": "select",
			"default": "kg",
			"options": {unit: unit for unit in WEIGHT_UNITS},
			"tip": _TEXT,
			"value": self.weight_unit,
			"group_id": "products",
			"_links": {
				"self": [{"href": f"{collection}/{WEIGHT_UNIT}"}],
				"collection": [{"href": collection}],
			},
		}

	def _get(self, request: Request, kind: str) -> Response:
		require(request, kind)
		_known(request)
		return Response(200, self.as_json())

	def _put(self, request: Request, kind: str) -> Response:
		require(request, kind)
		_known(request)
		value = (request.body or {}).get("value") if isinstance(request.body, dict) else None
		if value not in WEIGHT_UNITS:
			raise RestError(400, "rest_setting_value_invalid", "An invalid setting value was passed.")
		self.weight_unit = value
		return Response(200, self.as_json())


def _known(request: Request) -> None:
	if request.match["setting"] != WEIGHT_UNIT:
		raise RestError(404, "rest_setting_setting_invalid", "Invalid setting.")
