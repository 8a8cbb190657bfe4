// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Sync Action", {
	refresh(frm) {
		// Written by the sync only; the buttons are the way to act on it.
		frm.disable_save();
		if (frm.doc.error) {
			frm.add_custom_button(__("Copy error"), () => {
				frappe.utils.copy_to_clipboard(frm.doc.error);
			});
		}
		if (frm.doc.sync_type === "One order" && frm.doc.reference) {
			frm.add_custom_button(__("Open Order Sync"), () => {
				// The row's name is the server's to make; look the row up by its order.
				const order = {
					woocommerce_server: frm.doc.woocommerce_server,
					woocommerce_id: frm.doc.reference,
				};
				frappe.db.get_value("WooCommerce Order Sync", order, "name").then(({ message }) => {
					if (message && message.name) {
						frappe.set_route("Form", "WooCommerce Order Sync", message.name);
					} else {
						frappe.set_route("List", "WooCommerce Order Sync", order);
					}
				});
			});
		}
		if (frm.doc.sync_type === "One item" && frm.doc.reference) {
			frm.add_custom_button(__("Open Item"), () =>
				frappe.set_route("Form", "Item", frm.doc.reference)
			);
		}
	},
});
