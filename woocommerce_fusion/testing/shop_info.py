"""Documents describing the shop: the site index (/wp-json/) and WooCommerce's system status."""

from __future__ import annotations

from typing import Any

from woocommerce_fusion.testing.shop_catalog import SHOP_URL

CURRENCY_ENTITIES = {"EUR": "&euro;", "USD": "&#36;", "GBP": "&pound;"}


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
	"""GET /wc/v3/system_status, trimmed to what the recorded 8.4 sandbox showed."""
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
		"theme": {"name": "Twenty Twenty-Four", "version": "1.0", "is_child_theme": False},
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
			"product_visibility_terms": {},
			"woocommerce_com_connected": "no",
			"enforce_approved_download_dirs": True,
			"order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
			"HPOS_feature_screen_enabled": True,
			"HPOS_enabled": True,
			"HPOS_sync_enabled": False,
		},
		"security": {"secure_connection": https, "hide_errors": True},
		"pages": [],
		"post_type_counts": [
			{"type": "product", "count": str(products)},
			{"type": "product_variation", "count": str(variations)},
			{"type": "shop_coupon", "count": str(coupons)},
			{"type": "shop_order_placehold", "count": str(orders)},
		],
	}
