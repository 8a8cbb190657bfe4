// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

const ORDER_SYNC_COLOURS = {
	"Not processed": "orange",
	"Failed at stock allocation": "red",
	"Duplicate sales order": "yellow",
	Failed: "red",
	Cancelled: "gray",
	"Sales order created": "blue",
	"Invoice created": "light-blue",
	"Invoice posted": "purple",
	"Payment registered": "green",
};

frappe.listview_settings["WooCommerce Order Sync"] = {
	add_fields: ["status", "sales_order"],

	get_indicator(doc) {
		return [
			__(doc.status),
			ORDER_SYNC_COLOURS[doc.status] || "gray",
			`status,=,${doc.status}`,
		];
	},

	onload(listview) {
		listview.page.add_field(
			{
				fieldtype: "DateRange",
				fieldname: "creation",
				label: __("Created On"),
				condition: "Between",
				is_filter: 1,
				onchange: () => listview.filter_area.refresh_list_view(),
			},
			listview.filter_area.standard_filters_wrapper
		);
		listview.page.add_inner_button(__("Refresh"), () => listview.refresh());
		if (can_start_sync()) {
			listview.page.add_inner_button(__("Synchronize"), () => synchronize_orders(listview));
		}
	},
};

function can_start_sync() {
	// The queue is not created from the New button (in_create), so the right shows there.
	const user = frappe.boot.user;
	return [...(user.can_create || []), ...(user.in_create || [])].includes(
		"WooCommerce Sync Action"
	);
}

function synchronize_orders(listview) {
	const dialog = new frappe.ui.Dialog({
		title: __("Synchronize WooCommerce Orders"),
		fields: [
			{
				fieldname: "server",
				fieldtype: "Link",
				label: __("Webshop"),
				options: "WooCommerce Server",
				reqd: 1,
				// Only shops whose orders are synced: the others would be refused.
				get_query: () => ({ filters: { enabled: 1, enable_order_sync: 1 } }),
			},
		],
		primary_action_label: __("Synchronize"),
		primary_action({ server }) {
			frappe
				.call({
					method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action.synchronize_now",
					args: { server, sync_type: "Orders", synchronize_all: 0 },
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({
						message: __(
							"Queued: WooCommerce Sync Action {0}; refresh the list to see its orders.",
							[frappe.utils.get_form_link("WooCommerce Sync Action", message, true)]
						),
						indicator: "blue",
					});
					listview.refresh();
				});
		},
	});
	dialog.show();
}
