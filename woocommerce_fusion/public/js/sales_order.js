// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		// Set by the app's onload hook for web orders the user may sync, of shops that sync orders.
		if (frm.is_new() || !frm.doc.__onload?.woocommerce_can_sync) return;
		frm.add_custom_button(
			__("Sync this Order with WooCommerce"),
			() =>
				woocommerce_fusion.queue_order_sync(
					"woocommerce_fusion.erp.sales_order_hooks.sync_sales_order",
					frm.doc.name
				),
			__("Actions")
		);
	},
});
