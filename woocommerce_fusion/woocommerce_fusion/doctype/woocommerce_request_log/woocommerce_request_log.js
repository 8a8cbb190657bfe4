// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Request Log", {
	refresh(frm) {
		const fix = frm.doc.__onload && frm.doc.__onload.suggested_fix;
		if (!frm.doc.succeeded && fix) {
			frm.dashboard.set_headline_alert(
				`<b>${__("What to do")}:</b> ${frappe.utils.escape_html(fix)}`,
				"red"
			);
		}
	},
});
