// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Order Sync", {
	refresh(frm) {
		// Written by the sync only; the buttons are the way to act on it.
		frm.disable_save();
		const onload = frm.doc.__onload || {};
		if (!onload.order_sync_enabled) {
			frm.set_intro(
				__("Order sync is off for this webshop: nothing is synchronised until it is turned on."),
				"orange"
			);
		}
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Open Sales Order"), () => {
				window.open(frappe.utils.get_form_link("Sales Order", frm.doc.sales_order));
			});
		}
		if (onload.can_sync) {
			frm.add_custom_button(__("Sync this Order"), () => {
				frappe
					.call({
						method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync.sync_now",
						args: { name: frm.doc.name },
						freeze: true,
					})
					.then(({ message }) => show_queued(message));
			});
		}
	},
});

function show_queued(action) {
	if (!action) return;
	const link = frappe.utils.get_form_link("WooCommerce Sync Action", action.name, true);
	frappe.show_alert({ message: __("Queued: WooCommerce Sync Action {0}", [link]), indicator: "blue" });
}
