// Copyright (c) 2026, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Order Sync Report", {
	refresh(frm) {
		if (frm.is_new() || !(frm.doc.recipients || []).length) return;
		frm.add_custom_button(__("Send Now"), () =>
			frappe
				.xcall(
					"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync_report.woocommerce_order_sync_report.send_now",
					{ name: frm.doc.name }
				)
				.then((message) => frappe.show_alert({ message, indicator: "green" }))
		);
	},
});
