// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		// Set by the app's onload hook for web orders the user may sync, of shops that sync orders.
		if (frm.is_new() || !frm.doc.__onload?.woocommerce_can_sync) return;
		frm.add_custom_button(
			__("Sync this Order with WooCommerce"),
			() => {
				frappe
					.call({
						method: "woocommerce_fusion.erp.sales_order_hooks.sync_sales_order",
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
