// Copyright (c) 2026, woocommerce_fusion developers
// For license information, please see license.txt

// The "Sync this Order" buttons of the Sales Order, the WooCommerce Order and the Order Sync row:
// loaded with each of those forms' scripts through hooks.py (doctype_js).
frappe.provide("woocommerce_fusion");

woocommerce_fusion.queue_order_sync = (method, name) =>
	frappe.call({ method, args: { name }, freeze: true }).then(({ message: action }) => {
		if (!action) return;
		const link = frappe.utils.get_form_link("WooCommerce Sync Action", action.name, true);
		frappe.show_alert({
			message: __("Queued: WooCommerce Sync Action {0}", [link]),
			indicator: "blue",
		});
	});
