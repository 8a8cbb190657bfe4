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
		frm.add_custom_button(
			__("Sync this Order with ERPNext"),
			() => {
				frappe
					.call({
						method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order.woocommerce_order.sync_woocommerce_order",
						args: { name: frm.doc.name },
						freeze: true,
						freeze_message: __("Synchronising with ERPNext..."),
					})
					.then(({ message }) => {
						const link = frappe.utils.get_form_link(
							"WooCommerce Sync Action",
							message.name,
							true
						);
						if (message.state === "Completed") {
							frappe.show_alert({
								message: __("Synchronised ({0})", [link]),
								indicator: "green",
							});
						} else {
							frappe.msgprint({
								title: __("Synchronisation {0}", [__(message.state)]),
								message: [
									link,
									frappe.utils.escape_html(message.error || ""),
								].join("<br>"),
								indicator: "red",
							});
						}
						frm.reload_doc();
					});
			},
			__("Actions")
		);
	},
});
