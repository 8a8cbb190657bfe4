// Copyright (c) 2026, woocommerce_fusion developers
// For license information, please see license.txt

frappe.listview_settings["WooCommerce Pending Update"] = {
	add_fields: ["stock_pending", "price_pending", "attempts", "error"],
	// The name is a random key; the Item is the row's title.
	hide_name_column: true,

	get_indicator(doc) {
		if (doc.error) {
			return [__("Failed"), "red", "attempts,>,0"];
		}
		if (doc.stock_pending || doc.price_pending) {
			return [__("Waiting"), "orange", doc.stock_pending ? "stock_pending,=,1" : "price_pending,=,1"];
		}
		return [__("Sent"), "green", "stock_pending,=,0|price_pending,=,0"];
	},
};
