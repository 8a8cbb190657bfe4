// Copyright (c) 2026, woocommerce_fusion developers
// For license information, please see license.txt

// The single-product sync of the WooCommerce Sync Action list: a product search field in the
// toolbar, what a sync would do in each shop (add, update, remove) with the details on hover,
// and Synchronize, active only when a shop would get an addition or an update. Loaded after the
// list's own script through hooks.py (doctype_list_js).
frappe.provide("woocommerce_fusion");

const ITEM_ACTIONS = {
	add: { icon: "add", colour: "green", label: __("Will be added") },
	update: { icon: "edit", colour: "blue", label: __("Will be updated") },
	remove: { icon: "close", colour: "red", label: __("Will be removed (the product becomes a draft)") },
	unchanged: { icon: "tick", colour: "gray", label: __("Up to date") },
	"not eligible": { icon: "close", colour: "orange", label: __("Does not meet the webshop's criteria") },
	error: { icon: "close", colour: "red", label: __("The webshop could not be asked") },
};

woocommerce_fusion.item_preview = {
	setup(listview) {
		const page = listview.page;
		const state = { item_code: null, shops: [] };
		// Below the toolbar's fields, above the list: one line per webshop.
		const area = $(
			'<div class="woocommerce-item-preview small" style="padding: 0 var(--padding-md)"></div>'
		);
		const button = page.add_inner_button(__("Synchronize product"), () =>
			this.synchronize(listview, state)
		);
		button.prop("disabled", true).attr("data-woocommerce-item-sync", "1");
		const field = page.add_field({
			fieldtype: "Link",
			fieldname: "woocommerce_item_to_sync",
			options: "Item",
			label: __("Product"),
			placeholder: __("Product to synchronize"),
			change: () => {
				const item_code = field.get_value();
				if (item_code === state.item_code) return;
				state.item_code = item_code;
				state.shops = [];
				this.render(area, button, state);
				if (item_code) this.load(area, button, state, item_code);
			},
		});
		page.page_form.after(area);
	},

	load(area, button, state, item_code) {
		area.html(`<span class="text-muted">${__("Asking the webshops…")}</span>`);
		frappe
			.call({ method: "woocommerce_fusion.item_preview.preview", args: { item_code } })
			.then(({ message }) => {
				if (state.item_code !== item_code) return;
				state.shops = message.shops;
				this.render(area, button, state);
			});
	},

	render(area, button, state) {
		const syncable = state.shops.filter((shop) => shop.can_sync);
		button.prop("disabled", !syncable.length);
		if (!state.item_code) return area.empty();
		if (!state.shops.length) {
			return area.html(
				`<span class="text-muted">${__("No WooCommerce Server has Enable Item Sync on.")}</span>`
			);
		}
		area.html(state.shops.map((shop) => this.shop_line(shop)).join(""));
	},

	shop_line(shop) {
		const look = ITEM_ACTIONS[shop.action] || ITEM_ACTIONS.error;
		const details = [shop.reason, shop.category, ...(shop.notes || [])];
		if (shop.product_id) details.unshift(__("WooCommerce product {0}", [shop.product_id]));
		for (const v of shop.variations || []) {
			const fields = v.differences.length ? `: ${v.differences.join(", ")}` : "";
			details.push(`${v.item_code} → ${__(v.action)}${fields}`);
		}
		const title = frappe.utils.escape_html(details.filter(Boolean).join("\n"));
		const differences = shop.differences?.length
			? ` — ${frappe.utils.escape_html(shop.differences.join(", "))}`
			: "";
		// An error's first line only; the whole text is in the hover.
		const reason = (shop.reason || "").split("\n")[0].slice(0, 200);
		const message =
			shop.action === "not eligible" || shop.action === "error"
				? ` — ${frappe.utils.escape_html(reason)}`
				: differences;
		return `<div class="woocommerce-item-preview-shop" style="margin: var(--margin-xs) 0"
				data-server="${frappe.utils.escape_html(shop.server)}" data-action="${shop.action}"
				title="${title}">
			<span class="indicator-pill ${look.colour}">
				${frappe.utils.icon(look.icon, "xs")} ${look.label}
			</span>
			<b>${frappe.utils.escape_html(shop.server)}</b>${message}
		</div>`;
	},

	synchronize(listview, state) {
		const servers = state.shops.filter((shop) => shop.can_sync).map((shop) => shop.server);
		const queue = (server) =>
			frappe
				.call({
					method: "woocommerce_fusion.item_preview.synchronize",
					args: { item_code: state.item_code, server },
					freeze: true,
				})
				.then(({ message }) => {
					frappe.show_alert({
						message: __("Synchronisation started: WooCommerce Sync Action {0}", [
							frappe.utils.get_form_link("WooCommerce Sync Action", message, true),
						]),
						indicator: "blue",
					});
					listview.refresh();
				});
		if (servers.length === 1) return queue(servers[0]);
		frappe.prompt(
			{
				fieldname: "server",
				fieldtype: "Select",
				label: __("Webshop"),
				options: servers,
				default: servers[0],
				reqd: 1,
			},
			({ server }) => queue(server),
			__("Which webshop?"),
			__("Synchronize")
		);
	},
};

(() => {
	const settings = frappe.listview_settings["WooCommerce Sync Action"];
	const onload = settings.onload;
	settings.onload = function (listview) {
		if (onload) onload.call(this, listview);
		if (listview.can_create || frappe.boot.user.in_create?.includes(listview.doctype)) {
			woocommerce_fusion.item_preview.setup(listview);
		}
	};
})();
