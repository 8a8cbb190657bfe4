// Copyright (c) 2026, woocommerce_fusion developers
// For license information, please see license.txt

frappe.listview_settings["WooCommerce Pending Update"] = {
	add_fields: ["stock_pending", "price_pending", "attempts", "error", "retry_status", "next_attempt_on"],
	// The name is a random key; the Item is the row's title.
	hide_name_column: true,

	get_indicator(doc) {
		// A refused Item: given up or waiting for a fix (no next attempt) is what needs a person.
		if (doc.error && !doc.next_attempt_on) {
			const gave_up = (doc.retry_status || "").startsWith("Gave up");
			return gave_up
				? [__("Gave Up"), "red", "retry_status,like,Gave up%"]
				: [__("Needs Fix"), "red", "retry_status,like,Waits%"];
		}
		if (doc.error) {
			return [__("Failed"), "orange", "next_attempt_on,is,set"];
		}
		if (doc.stock_pending || doc.price_pending) {
			return [__("Waiting"), "orange", doc.stock_pending ? "stock_pending,=,1" : "price_pending,=,1"];
		}
		return [__("Sent"), "green", "stock_pending,=,0|price_pending,=,0"];
	},
};
