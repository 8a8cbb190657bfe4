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
			() => {
				frappe
					.call({
						method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order.woocommerce_order.sync_woocommerce_order",
						args: { name: frm.doc.name },
						freeze: true,
					})
					.then(({ message: action }) => {
						const link = frappe.utils.get_form_link(
							"WooCommerce Sync Action",
							action.name,
							true
						);
						frappe.show_alert({
							message: __("Queued: WooCommerce Sync Action {0}", [link]),
							indicator: "blue",
						});
					});
			},
			__("Actions")
		);
	},
});
