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
		if (frm.is_new() && !(frm.doc.status_rules || []).length) {
			// The rules saving would add anyway, shown while the user can still change them.
			frappe
				.xcall(
					"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server.get_default_status_rules"
				)
				.then((rules) => {
					if ((frm.doc.status_rules || []).length) return;
					rules.forEach((rule) => frm.add_child("status_rules", rule));
					frm.refresh_field("status_rules");
				});
		}
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

	company(frm) {
		// Desk fills the warehouse from the user's defaults, often another company's; saving
		// refuses links to another company, so they are cleared when the company is chosen.
		const links = [
			["default_warehouse", "Warehouse"],
			["shipping_charges_account", "Account"],
			["fee_account", "Account"],
		];
		for (const [fieldname, doctype] of links) {
			const value = frm.doc[fieldname];
			if (!value || !frm.doc.company) continue;
			frappe.db.get_value(doctype, value, "company").then(({ message }) => {
				if (message && message.company !== frm.doc.company && frm.doc[fieldname] === value) {
					frm.set_value(fieldname, "");
				}
			});
		}
	},

	refresh(frm) {
		frm.get_field("webhooks_html").$wrapper.empty();
		if (!frm.is_new()) {
			frm.add_custom_button(__("Test Connection"), () => test_connection(frm));
		}
		// Only whoever may change the server (WooCommerce Manager, System Manager) sees the webhooks.
		if (!frm.is_new() && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Register Webhooks"), () => register_webhooks(frm));
			show_webhooks(frm);
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

function register_webhooks(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the WooCommerce Server first: the webhooks use the saved settings."));
		return;
	}
	frappe
		.call({
			method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server.register_webhooks",
			args: { server: frm.doc.name },
			freeze: true,
			freeze_message: __("Registering the webhooks in the shop..."),
		})
		.then(() => {
			frappe.show_alert({ message: __("Webhooks registered"), indicator: "green" });
			frm.reload_doc();
		});
}

function show_webhooks(frm) {
	const wrapper = frm.get_field("webhooks_html").$wrapper;
	wrapper.html(`<p class="text-muted">${__("Asking the shop for its webhooks...")}</p>`);
	frappe.call({ method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_server.woocommerce_server.get_webhooks", args: { server: frm.doc.name } }).then(({ message }) => {
		const escape = frappe.utils.escape_html;
		const colours = { active: "green", paused: "orange", disabled: "red" };
		let html = "";
		if (message.error) {
			html = `<p class="text-danger">${__("The shop could not be asked: {0}", [escape(message.error)])}</p>`;
		} else if (!message.webhooks.length) {
			html = `<p class="text-muted">${__("The shop has no webhooks for this server yet: click Register Webhooks.")}</p>`;
		} else {
			const rows = message.webhooks
				.map(
					(hook) => `<tr>
						<td>${escape(String(hook.id))}</td>
						<td>${escape(hook.topic || "")}</td>
						<td><span class="indicator-pill ${colours[hook.status] || "gray"}">${escape(hook.status || "")}</span></td>
						<td class="text-muted small">${escape(hook.delivery_url || "")}</td>
					</tr>`
				)
				.join("");
			html = `<table class="table table-bordered table-sm">
				<thead><tr><th>${__("ID")}</th><th>${__("Topic")}</th><th>${__("Status")}</th><th>${__("Delivery URL")}</th></tr></thead>
				<tbody>${rows}</tbody></table>`;
			const broken = message.webhooks.some(
				(hook) => hook.status !== "active" || hook.delivery_url !== message.delivery_url
			);
			if (broken && frm.doc.enable_order_sync) {
				html += `<p class="text-warning">${__(
					"A webhook is not active or delivers elsewhere: click Register Webhooks to repair it."
				)}</p>`;
			}
		}
		wrapper.html(html);
	});
}
