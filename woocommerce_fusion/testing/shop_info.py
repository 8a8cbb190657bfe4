"""Documents describing the shop: the site index (/wp-json/), the wc/v3 namespace index and
WooCommerce's system status, with their routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from woocommerce_fusion.testing.shop_http import Request, Response, Route, require, route
from woocommerce_fusion.testing.shop_util import SHOP_URL

CURRENCY_ENTITIES = {"EUR": "&euro;", "USD": "&#36;", "GBP": "&pound;"}
# Table sizes in MB (data, index) as the recorded sandbox's system status listed them.
_WOOCOMMERCE_TABLES = (
	("woocommerce_sessions", "0.02", "0.02"),
	("woocommerce_api_keys", "0.02", "0.03"),
	("woocommerce_attribute_taxonomies", "0.02", "0.02"),
	("woocommerce_downloadable_product_permissions", "0.02", "0.06"),
	("woocommerce_order_items", "0.02", "0.02"),
	("woocommerce_order_itemmeta", "0.02", "0.03"),
	("woocommerce_tax_rates", "0.02", "0.06"),
	("woocommerce_tax_rate_locations", "0.02", "0.03"),
	("woocommerce_shipping_zones", "0.02", "0.00"),
	("woocommerce_shipping_zone_locations", "0.02", "0.03"),
	("woocommerce_shipping_zone_methods", "0.02", "0.00"),
	("woocommerce_payment_tokens", "0.02", "0.02"),
	("woocommerce_payment_tokenmeta", "0.02", "0.03"),
	("woocommerce_log", "0.02", "0.02"),
)
_OTHER_TABLES = (
	("actionscheduler_actions", "0.02", "0.11"),
	("actionscheduler_claims", "0.02", "0.02"),
	("actionscheduler_groups", "0.02", "0.02"),
	("actionscheduler_logs", "0.02", "0.03"),
	("commentmeta", "0.02", "0.03"),
	("comments", "0.02", "0.09"),
	("links", "0.02", "0.02"),
	("options", "0.20", "0.03"),
	("postmeta", "0.02", "0.03"),
	("posts", "0.06", "0.06"),
	("termmeta", "0.02", "0.03"),
	("terms", "0.02", "0.03"),
	("term_relationships", "0.02", "0.02"),
	("term_taxonomy", "0.02", "0.03"),
	("usermeta", "0.02", "0.03"),
	("users", "0.02", "0.05"),
	("wc_admin_notes", "0.02", "0.00"),
	("wc_admin_note_actions", "0.02", "0.02"),
	("wc_category_lookup", "0.02", "0.00"),
	("wc_customer_lookup", "0.02", "0.03"),
	("wc_download_log", "0.02", "0.03"),
	("wc_orders", "0.02", "0.11"),
	("wc_orders_meta", "0.02", "0.03"),
	("wc_order_addresses", "0.02", "0.06"),
	("wc_order_coupon_lookup", "0.02", "0.03"),
	("wc_order_operational_data", "0.02", "0.03"),
	("wc_order_product_lookup", "0.02", "0.06"),
	("wc_order_stats", "0.02", "0.05"),
	("wc_order_tax_lookup", "0.02", "0.03"),
	("wc_product_attributes_lookup", "0.02", "0.02"),
	("wc_product_download_directories", "0.02", "0.02"),
	("wc_product_meta_lookup", "0.02", "0.09"),
	("wc_rate_limits", "0.02", "0.02"),
	("wc_reserved_stock", "0.02", "0.00"),
	("wc_tax_rate_classes", "0.02", "0.02"),
	("wc_webhooks", "0.02", "0.02"),
)
_TEMPLATES = "/var/www/shop/wp-content/plugins/woocommerce/packages/woocommerce-blocks/templates/notices"
_PAGES = (
	# (name, id, shortcode, block, shortcode present, block present)
	("Shop base", "5", "", "", False, False),
	("Cart", "6", "[woocommerce_cart]", "woocommerce/cart", False, True),
	("Checkout", "7", "[woocommerce_checkout]", "woocommerce/checkout", False, True),
	("My account", "8", "[woocommerce_my_account]", "", True, False),
)
# WordPress' own posts in the sandbox, counted next to the shop's.
_OTHER_POST_COUNTS = {"attachment": 1, "page": 7, "post": 1, "wp_navigation": 1, "wp_template": 2}


def _tables(tables: tuple[tuple[str, str, str], ...]) -> dict[str, dict[str, str]]:
	return {f"wp_{name}": {"data": data, "index": index, "engine": "InnoDB"} for name, data, index in tables}


def _page(
	name: str, page_id: str, shortcode: str, block: str, has_code: bool, has_block: bool
) -> dict[str, Any]:
	return {
		"page_name": name,
		"page_id": page_id,
		"page_set": bool(page_id),
		"page_exists": bool(page_id),
		"page_visible": bool(page_id),
		"shortcode": shortcode,
		"block": block,
		"shortcode_required": bool(shortcode),
		"shortcode_present": has_code,
		"block_present": has_block,
		"block_required": bool(block),
	}


def site_index(url: str, timezone: str, gmt_offset: float, https: bool) -> dict[str, Any]:
	"""GET /wp-json/: what a client reads the store's time zone from.

	gmt_offset is an int when whole (1, not 1.0), as WordPress prints it. Application passwords
	are announced only where WordPress supports them: over https (or in a "local" environment,
	which the real sandbox is and a production shop is not).
	"""
	authentication: dict[str, Any] | list[Any] = []
	if https:
		authentication = {
			"application-passwords": {
				"endpoints": {"authorization": f"{url}/wp-admin/authorize-application.php"}
			}
		}
	return {
		"name": "WooCommerce Test Shop",
		"description": "woocommerce_fusion test shop",
		"url": url,
		"home": url,
		"gmt_offset": gmt_offset,
		"timezone_string": timezone,
		"namespaces": ["oembed/1.0", "wc/v1", "wc/v2", "wc/v3", "wc/store/v1", "wp/v2"],
		"authentication": authentication,
		"routes": {},
		"site_logo": 0,
		"site_icon": 0,
		"site_icon_url": "",
		"_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
	}


def system_status(
	currency: str, https: bool, products: int, variations: int, coupons: int, orders: int
) -> dict[str, Any]:
	"""GET /wc/v3/system_status as the recorded 8.4 sandbox showed it, counts from this shop."""
	symbol = CURRENCY_ENTITIES.get(currency, currency)
	return {
		"environment": {
			"home_url": SHOP_URL,
			"site_url": SHOP_URL,
			"store_id": "36e03b1a-6911-4d22-b451-bd7aba45699a",
			"version": "8.4.0",
			"log_directory": "/var/www/shop/wp-content/uploads/wc-logs/",
			"log_directory_writable": True,
			"wp_version": "6.4.2",
			"wp_multisite": False,
			"wp_memory_limit": 536870912,
			"wp_debug_mode": False,
			"wp_cron": True,
			"language": "en_US",
			"external_object_cache": None,
			"server_info": "PHP 8.2.36 Development Server",
			"php_version": "8.2.36",
			"php_post_max_size": 33554432,
			"php_max_execution_time": 120,
			"php_max_input_vars": 1000,
			"curl_version": "7.88.1, OpenSSL/3.0.19",
			"suhosin_installed": False,
			"max_upload_size": 33554432,
			"mysql_version": "10.11.19",
			"mysql_version_string": "10.11.19-MariaDB-0+deb12u1",
			"default_timezone": "UTC",
			"fsockopen_or_curl_enabled": True,
			"soapclient_enabled": False,
			"domdocument_enabled": True,
			"gzip_enabled": True,
			"mbstring_enabled": True,
			"remote_post_successful": False,
			"remote_post_response": "",
			"remote_get_successful": False,
			"remote_get_response": "",
		},
		"database": {
			"wc_database_version": "8.4.0",
			"database_prefix": "wp_",
			"maxmind_geoip_database": "",
			"database_tables": {
				"woocommerce": _tables(_WOOCOMMERCE_TABLES),
				"other": _tables(_OTHER_TABLES),
			},
			"database_size": {"data": 1.2200000000000006, "index": 1.6700000000000008},
		},
		"active_plugins": [
			{
				"plugin": "woocommerce/woocommerce.php",
				"name": "WooCommerce",
				"version": "8.4.0",
				"version_latest": "8.4.0",
				"url": "https://woo.com/",
				"author_name": "Automattic",
				"author_url": "https://woo.com",
				"network_activated": False,
			}
		],
		"inactive_plugins": [],
		"dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
		"theme": {
			"name": "Twenty Twenty-Four",
			"version": "1.0",
			"version_latest": 0,
			"author_url": "https://wordpress.org",
			"is_child_theme": False,
			"has_woocommerce_support": False,
			"has_woocommerce_file": False,
			"has_outdated_templates": False,
			"overrides": [
				{"file": f"{_TEMPLATES}/{name}.php", "version": "3.9.0", "core_version": "3.9.0"}
				for name in ("error", "notice", "success")
			],
			"parent_name": "",
			"parent_version": "",
			"parent_version_latest": "",
			"parent_author_url": "",
		},
		"settings": {
			"api_enabled": True,
			"force_ssl": False,
			"currency": currency,
			"currency_symbol": symbol,
			"currency_position": "left",
			"thousand_separator": ",",
			"decimal_separator": ".",
			"number_of_decimals": 2,
			"geolocation_enabled": False,
			"taxonomies": {
				"external": "external",
				"grouped": "grouped",
				"simple": "simple",
				"variable": "variable",
			},
			"product_visibility_terms": {
				term: term
				for term in (
					"exclude-from-catalog",
					"exclude-from-search",
					"featured",
					"outofstock",
					"rated-1",
					"rated-2",
					"rated-3",
					"rated-4",
					"rated-5",
				)
			},
			"woocommerce_com_connected": "no",
			"enforce_approved_download_dirs": True,
			"order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
			"HPOS_feature_screen_enabled": True,
			"HPOS_enabled": True,
			"HPOS_sync_enabled": False,
		},
		"security": {"secure_connection": https, "hide_errors": True},
		"pages": [
			*(_page(*page) for page in _PAGES),
			_page("Terms and conditions", "", "", "", False, False),
		],
		"post_type_counts": [
			{"type": name, "count": str(count)}
			for name, count in sorted(
				{
					**_OTHER_POST_COUNTS,
					"product": products,
					"product_variation": variations,
					"shop_coupon": coupons,
					"shop_order_placehold": orders,
				}.items()
			)
		],
	}


class InfoRoutes:
	"""/system_status and the namespace index; `counts` gives the products, variations, coupons
	and orders the shop holds."""

	def __init__(
		self, currency: str, https: Callable[[], bool], counts: Callable[[], tuple[int, int, int, int]]
	) -> None:
		self.currency = currency
		self._https = https
		self._counts = counts

	def routes(self) -> list[Route]:
		return [
			route("/system_status", "GET", GET=(self._system_status, "list")),
			route("", "GET", GET=(self._namespace_index, "public")),
		]

	def _namespace_index(self, request: Request, kind: str) -> Response:
		return Response(
			200, {"namespace": "wc/v3", "routes": {}, "_links": {"up": [{"href": f"{SHOP_URL}/wp-json/"}]}}
		)

	def _system_status(self, request: Request, kind: str) -> Response:
		require(request, kind)
		return Response(200, system_status(self.currency, self._https(), *self._counts()))
