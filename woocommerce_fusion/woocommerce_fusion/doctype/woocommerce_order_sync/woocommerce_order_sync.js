// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Order Sync", {
	refresh(frm) {
		// Written by the sync only; the buttons are the way to act on it.
		frm.disable_save();
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Open Sales Order"), () => {
				window.open(frappe.utils.get_form_link("Sales Order", frm.doc.sales_order));
			});
		}
		if (frm.perm[0]?.write) {
			frm.add_custom_button(__("Sync this Order"), () => {
				frm.call({
					method: "sync_now",
					doc: frm.doc,
					freeze: true,
					freeze_message: __("Synchronising with WooCommerce..."),
				}).then(({ message }) => {
					show_sync_result(message);
					frm.reload_doc();
				});
			});
		}
	},
});

function show_sync_result(action) {
	if (!action) return;
	const link = frappe.utils.get_form_link("WooCommerce Sync Action", action.name, true);
	if (action.state === "Completed") {
		frappe.show_alert({ message: __("Synchronised ({0})", [link]), indicator: "green" });
		return;
	}
	frappe.msgprint({
		title: __("Synchronisation {0}", [__(action.state)]),
		message: [link, frappe.utils.escape_html(action.error || "")].join("<br>"),
		indicator: "red",
	});
}
