// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

const WOOCOMMERCE_STATUS_COLOURS = {
	pending: "orange",
	processing: "blue",
	"on-hold": "yellow",
	completed: "green",
	cancelled: "gray",
	refunded: "purple",
	failed: "red",
	trash: "darkgrey",
	"checkout-draft": "gray",
};

frappe.listview_settings["WooCommerce Order"] = {
	add_fields: ["status"],
	// The subject is the customer; the name (webshop~id) is in the webshop and id columns.
	hide_name_column: true,

	get_indicator(doc) {
		return [
			__(doc.status),
			WOOCOMMERCE_STATUS_COLOURS[doc.status] || "gray",
			`status,=,${doc.status}`,
		];
	},

	onload(listview) {
		listview.page.add_field(
			{
				fieldtype: "DateRange",
				fieldname: "date_created",
				label: __("Created On"),
				condition: "Between",
				is_filter: 1,
				onchange: () => listview.filter_area.refresh_list_view(),
			},
			listview.filter_area.standard_filters_wrapper
		);
	},
};
