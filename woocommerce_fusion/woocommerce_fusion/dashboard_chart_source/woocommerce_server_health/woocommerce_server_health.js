frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["WooCommerce Server Health"] = {
	method: "woocommerce_fusion.woocommerce_fusion.dashboard_chart_source.woocommerce_server_health.woocommerce_server_health.get",
	filters: [
		{
			fieldname: "measure",
			label: __("Measure"),
			fieldtype: "Select",
			options: ["Sync lag (minutes)", "API error rate (%)"],
			default: "Sync lag (minutes)",
			reqd: 1,
		},
	],
};
