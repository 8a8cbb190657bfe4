app_name = "woocommerce_fusion"
app_title = "WooCommerce Fusion"
app_publisher = "woocommerce_fusion developers"
app_description = "Keeps WooCommerce shops and ERPNext in sync"
app_license = "GPLv3"
required_apps = ["erpnext"]

# Installation
# ------------
# The custom fields on Customer, Sales Order and Item and the app's roles live outside the
# module, so Frappe would neither create them nor remove them on its own.

after_install = "woocommerce_fusion.install.after_install"
# Re-applied on every migrate so fields added to erp/custom_fields.json reach existing sites.
after_migrate = "woocommerce_fusion.install.after_migrate"
before_uninstall = "woocommerce_fusion.install.before_uninstall"

# Log Settings
# ------------
# Successful requests and webhook deliveries are cleared after 30 days; failed ones are kept
# longer (see WooCommerceRequestLog.clear_old_logs and WooCommerceWebhookDelivery.clear_old_logs).

default_log_clearing_doctypes = {"WooCommerce Request Log": 30, "WooCommerce Webhook Delivery": 30}
# A request log row names the run and the document it was made for, a delivery its server and
# order row; none of them should become undeletable because a log row points at it.
# The same for a queue row of the stock and price pushes, which goes with its Item or server.
ignore_links_on_delete = [
	"WooCommerce Request Log",
	"WooCommerce Webhook Delivery",
	"WooCommerce Pending Update",
]

STOCK_MOVED = "woocommerce_fusion.erp.levels_hooks.stock_moved"

# Order sync
# ----------
# Changes to a web order's Sales Order reach the shop through a background sync of that order;
# onload tells the form whether to offer the manual sync.

doc_events = {
	"Sales Order": {
		# WooCommerce Status remembers when it changed: ERPNext's side of the status merge.
		"validate": "woocommerce_fusion.erp.sales_order_status.stamp_status_change",
		"before_update_after_submit": "woocommerce_fusion.erp.sales_order_status.stamp_status_change",
		"onload": "woocommerce_fusion.erp.sales_order_hooks.onload",
		"on_submit": [
			"woocommerce_fusion.erp.sales_order_hooks.on_submit",
			# Its reservation moves the stock the shops get (erp/levels_hooks.py).
			STOCK_MOVED,
		],
		"on_update_after_submit": "woocommerce_fusion.erp.sales_order_hooks.on_update_after_submit",
		# Status back to WooCommerce (erp/status_back.py): the server's Status Rules decide.
		"on_cancel": ["woocommerce_fusion.erp.status_back.on_sales_order_cancel", STOCK_MOVED],
		"on_change": "woocommerce_fusion.erp.status_back.on_sales_order_change",
	},
	"Delivery Note": {
		"on_submit": ["woocommerce_fusion.erp.status_back.on_delivery_note_submit", STOCK_MOVED],
		"on_cancel": STOCK_MOVED,
	},
	"Sales Invoice": {
		"on_submit": ["woocommerce_fusion.erp.status_back.on_sales_invoice_submit", STOCK_MOVED],
		"on_cancel": STOCK_MOVED,
	},
	# Stock and prices: these only queue the linked Items' levels for a push (erp/levels_hooks.py).
	**{
		doctype: {"on_submit": STOCK_MOVED, "on_cancel": STOCK_MOVED}
		for doctype in ("Stock Entry", "Purchase Receipt", "Stock Reconciliation", "Purchase Invoice")
	},
	"WooCommerce Server": {
		"on_update": "woocommerce_fusion.erp.levels_hooks.server_saved",
		"on_trash": "woocommerce_fusion.erp.levels_hooks.forget_queue",
	},
	"Item": {"on_trash": "woocommerce_fusion.erp.levels_hooks.forget_queue"},
	"Item Price": {
		event: "woocommerce_fusion.erp.levels_hooks.item_price_changed"
		for event in ("after_insert", "on_update", "on_trash")
	},
}

# The job that does the work of each WooCommerce Sync Action type, called with the claimed
# action (read by woocommerce_fusion/runs/queue.py; its package docstring says how to add a type).
woocommerce_sync_runners = {
	"Orders": "woocommerce_fusion.tasks.order_sync.run_orders",
	"One order": "woocommerce_fusion.tasks.order_sync.run_one_order",
	"Status push": "woocommerce_fusion.tasks.status_push.run_status_push",
	"Items": "woocommerce_fusion.tasks.item_sync.run_items",
	"One item": "woocommerce_fusion.tasks.item_sync.run_one_item",
	"Stock": "woocommerce_fusion.tasks.stock_push.run_stock",
	"Prices": "woocommerce_fusion.tasks.stock_push.run_prices",
}

scheduler_events = {
	"hourly_long": [
		"woocommerce_fusion.tasks.order_sync.run_hourly_order_sync",
		# Items changed in ERPNext or in the shop since the last run (tasks/item_sync.py).
		"woocommerce_fusion.tasks.item_sync.run_hourly_item_sync",
	],
	# Failed orders whose next attempt is due (see engine/retry.py for the schedule).
	"cron": {
		"*/5 * * * *": [
			"woocommerce_fusion.tasks.order_retry.retry_failed_orders",
			# Status pushes that failed and are due again, or whose run was lost.
			"woocommerce_fusion.tasks.status_push.retry_status_pushes",
			# Daily Order Sync Reports whose time of day has passed (Frappe's Auto Email Report
			# has no time of day).
			"woocommerce_fusion.tasks.order_report.send_due_reports",
		],
		# Orders left in "Not processed": queued again, then flagged (tasks/stuck_orders.py).
		"*/10 * * * *": ["woocommerce_fusion.tasks.stuck_orders.requeue_stuck_orders"],
		# Stock and price pushes of each shop whose interval ("Push Every") has passed.
		"* * * * *": ["woocommerce_fusion.tasks.stock_push.schedule_pushes"],
	},
}

# order_sync_queue.js holds what the "Sync this Order" buttons of these forms share.
doctype_js = {
	"Sales Order": ["public/js/order_sync_queue.js", "public/js/sales_order.js"],
	"WooCommerce Order": "public/js/order_sync_queue.js",
	"WooCommerce Order Sync": "public/js/order_sync_queue.js",
}

# The single-product sync with its preview, on the queue screen (woocommerce_fusion/item_preview.py).
doctype_list_js = {"WooCommerce Sync Action": "public/js/item_sync_preview.js"}
