// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		// Only web orders have a counterpart in a shop.
		if (frm.is_new() || !frm.doc.woocommerce_server || !frm.doc.woocommerce_id) return;
		frm.add_custom_button(
			__("Sync this Order with WooCommerce"),
			() => {
				frappe.call({
					method: "woocommerce_fusion.erp.sales_order_hooks.sync_sales_order",
					args: { name: frm.doc.name },
					freeze: true,
					freeze_message: __("Synchronising with WooCommerce..."),
					callback: ({ message }) => {
						woocommerce_fusion_show_sync_result(message);
						frm.reload_doc();
					},
				});
			},
			__("Actions")
		);
	},
});

function woocommerce_fusion_show_sync_result(action) {
	if (!action) return;
	const link = frappe.utils.get_form_link("WooCommerce Sync Action", action.name, true);
	if (action.state === "Completed") {
		frappe.show_alert({ message: __("Synchronised ({0})", [link]), indicator: "green" });
	} else {
		frappe.msgprint({
			title: __("Synchronisation {0}", [__(action.state)]),
			message: [link, frappe.utils.escape_html(action.error || "")].join("<br>"),
			indicator: "red",
		});
	}
}
