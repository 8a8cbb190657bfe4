// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

frappe.ui.form.on("WooCommerce Server", {
	setup(frm) {
		const company_filter = (extra) => () => ({
			filters: { company: frm.doc.company, is_group: 0, ...extra },
		});
		frm.set_query("default_warehouse", company_filter());
		frm.set_query("shipping_charges_account", company_filter());
		frm.set_query("fee_account", company_filter());
		frm.set_query("account", "tax_accounts", company_filter());
		frm.set_query("selling_price_list", () => ({ filters: { selling: 1, enabled: 1 } }));
		frm.set_query("item_group", () => ({ filters: { is_group: 0 } }));
		frm.set_query("default_customer_group", () => ({ filters: { is_group: 0 } }));
		frm.set_query("default_territory", () => ({ filters: { is_group: 0 } }));
	},

	onload(frm) {
		// The same choices as the Naming Series field of a new Sales Order.
		frappe.model.with_doctype("Sales Order", () => {
			const series = frappe.meta.get_docfield("Sales Order", "naming_series");
			const options = ((series && series.options) || "").split("\n").filter(Boolean);
			frm.set_df_property("sales_order_naming_series", "options", options);
			// An Autocomplete reads its options only when first drawn.
			const field = frm.get_field("sales_order_naming_series");
			if (field && field.set_data) field.set_data(options);
		});
	},

	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Test Connection"), () => test_connection(frm));
		}
	},

	generate_webhook_secret(frm) {
		if (frm.is_new() || frm.is_dirty()) {
			frappe.msgprint(__("Save the WooCommerce Server first."));
			return;
		}
		const generate = () =>
			frm.call("set_new_webhook_secret").then(() => {
				frappe.show_alert({ message: __("New webhook secret saved"), indicator: "green" });
			});
		if (frm.doc.webhook_secret) {
			frappe.confirm(
				__(
					"Replace the webhook secret? Webhooks already registered in the shop are refused until they are registered again."
				),
				generate
			);
		} else {
			generate();
		}
	},
});

function test_connection(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the WooCommerce Server first: the test uses the saved settings."));
		return;
	}
	frappe
		.call({
			method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server.test_connection",
			args: { server: frm.doc.name },
			freeze: true,
			freeze_message: __("Connecting to the shop..."),
		})
		.then(({ message: result }) => {
			const escape = frappe.utils.escape_html;
			if (result.ok) {
				frappe.msgprint({
					title: __("Connected"),
					indicator: "green",
					message: [
						__("WooCommerce version: {0}", [escape(result.version || __("unknown"))]),
						__("Store time zone: {0}", [escape(result.timezone || __("unknown"))]),
					].join("<br>"),
				});
			} else {
				frappe.msgprint({
					title: __("Connection failed"),
					indicator: "red",
					message: `<p>${escape(result.message)}</p><p><b>${__("What to do")}:</b> ${escape(
						result.suggested_fix
					)}</p>`,
				});
			}
		});
}
