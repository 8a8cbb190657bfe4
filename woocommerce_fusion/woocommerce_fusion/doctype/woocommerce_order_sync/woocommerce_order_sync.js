// Copyright (c) 2025, woocommerce_fusion developers
// For license information, please see license.txt

const FAILED_STATUSES = ["Failed", "Failed at stock allocation"];

frappe.ui.form.on("WooCommerce Order Sync", {
	refresh(frm) {
		// Written by the sync only; the buttons are the way to act on it.
		frm.disable_save();
		const onload = frm.doc.__onload || {};
		const failed = FAILED_STATUSES.includes(frm.doc.status);
		// One headline for both notes: a second one would replace the first.
		const notes = [];
		if (!onload.order_sync_enabled) {
			notes.push(
				__("Order sync is off for this webshop: nothing is synchronised until it is turned on.")
			);
		}
		if (frm.doc.stuck) {
			notes.push(
				__(
					"Stuck: this order stayed Not processed although it was queued again. Use Sync this Order, or Mark as synced if it was entered by hand."
				)
			);
		}
		if (notes.length) {
			frm.set_intro(notes.join("<br>"), frm.doc.stuck ? "red" : "orange");
		}
		show_suggested_fix(frm, onload.suggested_fix);

		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Open in new tab"), () => {
				window.open(frappe.utils.get_form_link("Sales Order", frm.doc.sales_order), "_blank");
			});
		}
		if (onload.can_sync) {
			// On a failed row the same queued run resumes the pipeline from the failed step.
			frm.add_custom_button(failed ? __("Retry") : __("Sync this Order"), () =>
				woocommerce_fusion.queue_order_sync(
					"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync.sync_now",
					frm.doc.name
				)
			);
		}
		if (onload.can_mark_synced) {
			frm.add_custom_button(__("Mark as synced"), () => mark_as_synced(frm));
		}
		if (failed && frm.doc.error) {
			frm.add_custom_button(__("Copy error"), () => {
				frappe.utils.copy_to_clipboard(frm.doc.error);
			});
		}
		if (frm.doc.payload) {
			frm.add_custom_button(__("Copy data"), () => {
				frappe.utils.copy_to_clipboard(frm.doc.payload);
			});
		}
	},
});

function show_suggested_fix(frm, fix) {
	const field = frm.get_field("suggested_fix");
	frm.toggle_display("suggested_fix", !!fix);
	if (!field || !fix) return;
	field.$wrapper.html(
		`<div class="alert alert-warning" role="alert">
			<b>${__("Suggested fix")}:</b> ${frappe.utils.escape_html(fix)}
		</div>`
	);
}

function mark_as_synced(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Mark as synced"),
		fields: [
			{
				fieldtype: "HTML",
				fieldname: "explanation",
				options: `<p class="text-muted">${__(
					"For an order entered into ERPNext by hand: link its Sales Order here, and the order counts as synced."
				)}</p>`,
			},
			{
				fieldname: "sales_order",
				fieldtype: "Link",
				label: __("Sales Order"),
				options: "Sales Order",
				reqd: 1,
				get_query: () => ({ filters: { docstatus: ["!=", 2] } }),
			},
		],
		primary_action_label: __("Mark as synced"),
		primary_action({ sales_order }) {
			frappe
				.call({
					method: "woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_order_sync.woocommerce_order_sync.mark_as_synced",
					args: { name: frm.doc.name, sales_order },
					freeze: true,
				})
				.then(() => {
					dialog.hide();
					frappe.show_alert({
						message: __("Marked as synced with Sales Order {0}", [sales_order]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
