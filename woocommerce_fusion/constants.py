"""Names the app's modules share: its doctypes and the names of an order's WooCommerce Order Sync row
and of a webhook delivery.

Plain Python with no Frappe import, so the engine and the test shop's side may use it too.
"""

from __future__ import annotations

SERVER_DOCTYPE = "WooCommerce Server"
ORDER_DOCTYPE = "WooCommerce Order"
ORDER_ITEM_DOCTYPE = "WooCommerce Order Item"
ORDER_SYNC_DOCTYPE = "WooCommerce Order Sync"
SYNC_ACTION_DOCTYPE = "WooCommerce Sync Action"
REQUEST_LOG_DOCTYPE = "WooCommerce Request Log"
ITEM_SERVER_DOCTYPE = "WooCommerce Item Server"
WEBHOOK_DELIVERY_DOCTYPE = "WooCommerce Webhook Delivery"
PENDING_UPDATE_DOCTYPE = "WooCommerce Pending Update"
# The Item made at install for lines of products deleted in the shop, and the default of
# WooCommerce Server's Deleted Product Item.
DELETED_PRODUCT_ITEM = "WooCommerce Deleted Product"
ORDER_SYNC_REPORT_DOCTYPE = "WooCommerce Order Sync Report"
# Users with this role get an e-mail when an order fails or is flagged stuck (erp/order_notices.py).
NOTIFICATION_ROLE = "WooCommerce Order Sync Notification"


def order_sync_name(server: str, woocommerce_id: int) -> str:
	"""The name of the order's WooCommerce Order Sync row: the primary key makes (server, order id)
	unique, so two workers meeting a new order cannot both create its row."""
	return f"{server}-{int(woocommerce_id)}"


def order_sync_name_sql(server_column: str, id_column: str) -> str:
	"""order_sync_name as a SQL expression over two columns, for a key lookup inside a query."""
	return f"concat({server_column}, '-', {id_column})"


def webhook_delivery_name(server: str, delivery_id: str) -> str:
	"""The name of a WooCommerce Webhook Delivery row: a replayed delivery id is a duplicate key,
	so two workers receiving the same delivery cannot both store it."""
	return f"{server}-{delivery_id}"
