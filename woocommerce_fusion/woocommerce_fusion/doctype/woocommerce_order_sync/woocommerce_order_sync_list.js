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

// What Rerun restarts: failed rows and rows never processed.
const RERUNNABLE = ["Failed", "Failed at stock allocation", "Not processed"];

frappe.listview_settings["WooCommerce Order Sync"] = {
	add_fields: ["status", "sales_order", "stuck", "error_summary"],

	get_indicator(doc) {
		if (doc.stuck) {
			return [__("Stuck"), "red", "stuck,=,1"];
		}
		return [
			__(doc.status),
			ORDER_SYNC_COLOURS[doc.status] || "gray",
			`status,=,${doc.status}`,
		];
	},

	onload(listview) {
		// The status column (the third, after the subject and the hidden tags, in the header and
		// in every row) wide enough for "Failed at stock allocation" without an ellipsis.
		frappe.dom.set_style(
			`[data-page-route="${listview.page_name}"] .level-left > .list-row-col:nth-child(3) {
				flex: 0 0 210px;
				max-width: 210px;
			}`,
			"woocommerce-order-sync-list"
		);
		add_status_filter(listview);
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
		if (frappe.model.can_write("WooCommerce Order Sync")) {
			listview.page.add_actions_menu_item(__("Rerun"), () => rerun(listview), false);
		}
	},
};

function add_status_filter(listview) {
	// Several statuses at once: a Select standard filter takes one value, so the status filter
	// is a multi-select whose values become one "in" condition (see the README's screen section).
	const options = listview.meta.fields.find((df) => df.fieldname === "status").options.split("\n");
	const field = listview.page.add_field(
		{
			fieldtype: "MultiSelectList",
			fieldname: "status",
			label: __("Status"),
			placeholder: __("Status"),
			condition: "in",
			get_data: () => options.map((value) => ({ value, label: __(value), description: "" })),
			onchange: () => listview.filter_area.refresh_list_view(),
		},
		listview.filter_area.standard_filters_wrapper
	);
	// With nothing chosen there is no filter (an empty "in" would match no row).
	const get_value = field.get_value.bind(field);
	field.get_value = () => {
		const values = get_value();
		return values && values.length ? values : null;
	};
}

function rerun(listview) {
	const names = listview
		.get_checked_items()
		.filter((doc) => RERUNNABLE.includes(doc.status))
		.map((doc) => doc.name);
	if (!names.length) {
		frappe.msgprint(__("Select orders with the status Failed or Not processed to rerun them."));
		return;
	}
	frappe
		.call({
			method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync.rerun",
			args: { names },
			freeze: true,
		})
		.then(({ message }) => {
			listview.clear_checked_items();
			const skipped = message.skipped
				? " " + __("{0} skipped (another status, or order sync off).", [message.skipped])
				: "";
			frappe.show_alert({
				message:
					__("Rerun started for {0} orders; refresh the list to see their progress.", [
						message.queued,
					]) + skipped,
				indicator: "green",
			});
		});
}

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
