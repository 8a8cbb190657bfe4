// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Order", {
	refresh(frm) {
		frm.disable_save();
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Open Sales Order"), () => {
				frappe.set_route("Form", "Sales Order", frm.doc.sales_order);
			});
		}
		if (frm.doc.order_sync) {
			frm.add_custom_button(__("Open Sync Record"), () => {
				frappe.set_route("Form", "WooCommerce Order Sync", frm.doc.order_sync);
			});
		}
		if (!frm.doc.__onload?.can_sync) return;
		frm.add_custom_button(
			__("Sync this Order with ERPNext"),
			() =>
				woocommerce_fusion.queue_order_sync(
					"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order.woocommerce_order.sync_woocommerce_order",
					frm.doc.name
				),
			__("Actions")
		);
	},
});
