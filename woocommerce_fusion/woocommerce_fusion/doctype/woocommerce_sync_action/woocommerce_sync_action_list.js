// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

const SYNC_ACTION_COLOURS = {
	"Not processed": "gray",
	"In progress": "orange",
	Completed: "green",
	"Aborted by another synchronization": "yellow",
	"Webshop not found": "red",
	Failed: "red",
};

frappe.listview_settings["WooCommerce Sync Action"] = {
	add_fields: ["state", "error"],
	hide_name_column: true,

	get_indicator(doc) {
		return [__(doc.state), SYNC_ACTION_COLOURS[doc.state] || "gray", `state,=,${doc.state}`];
	},

	formatters: {
		// The first line in the column, the whole text when hovering over it.
		error(value) {
			if (!value) return "";
			const first_line = value.trim().split("\n")[0];
			return `<span title="${frappe.utils.escape_html(value)}">${frappe.utils.escape_html(
				first_line
			)}</span>`;
		},
	},

	onload(listview) {
		for (const [fieldname, label] of [
			["creation", __("Created On")],
			["started_on", __("Started On")],
			["completed_on", __("Completed On")],
		]) {
			listview.page.add_field(
				{
					fieldtype: "DateRange",
					fieldname,
					label,
					condition: "Between",
					is_filter: 1,
					onchange: () => listview.filter_area.refresh_list_view(),
				},
				listview.filter_area.standard_filters_wrapper
			);
		}
		listview.page.add_inner_button(__("Refresh"), () => listview.refresh());
		if (listview.can_create || frappe.boot.user.in_create?.includes(listview.doctype)) {
			listview.page.add_inner_button(__("Synchronize now"), () => synchronize_now(listview));
		}
	},
};

// The server switch each type needs: the shops without it would be refused.
const SWITCH_OF_TYPE = {
	Orders: "enable_order_sync",
	Items: "enable_item_sync",
	Stock: "enable_stock_sync",
	Prices: "enable_price_sync",
};

function synchronize_now(listview) {
	const dialog = new frappe.ui.Dialog({
		title: __("Synchronize now"),
		fields: [
			{
				fieldname: "server",
				fieldtype: "Link",
				label: __("Webshop"),
				options: "WooCommerce Server",
				reqd: 1,
				// Only shops that sync this type: the others would be refused.
				get_query: () => ({
					filters: { enabled: 1, [SWITCH_OF_TYPE[dialog.get_value("sync_type")]]: 1 },
				}),
			},
			{
				fieldname: "sync_type",
				fieldtype: "Select",
				label: __("Type"),
				// Stock and Prices send every linked Item's stock or regular price again.
				options: Object.keys(SWITCH_OF_TYPE),
				default: "Orders",
				reqd: 1,
			},
			{
				fieldname: "synchronize_all",
				fieldtype: "Check",
				label: __("Synchronize all"),
				depends_on: "eval:['Orders', 'Items'].includes(doc.sync_type)",
				description: __(
					"Orders: fetch every order created since the server's start day, not only the changed ones. Items: compare every Item with the shop's product. Takes longer."
				),
			},
		],
		primary_action_label: __("Synchronize"),
		primary_action(values) {
			frappe
				.call({
					method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action.synchronize_now",
					args: values,
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({
						message: __("Queued: WooCommerce Sync Action {0}", [
							frappe.utils.get_form_link("WooCommerce Sync Action", message, true),
						]),
						indicator: "blue",
					});
					listview.refresh();
				});
		},
	});
	dialog.show();
}
