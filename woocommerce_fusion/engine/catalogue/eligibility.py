"""Which Items belong to a shop: "the webshop's synchronisation criteria".

An Item belongs to a shop when its WooCommerce Servers table has an enabled row for the shop
(the per-item choice, as an ERPNext user ticks it on the Item), or when it is a sales item of one
of the server's Item Groups (or their sub-groups, which the port has resolved). A row that is
not enabled keeps the Item out whatever its group. A variant follows its template.
"""

from __future__ import annotations

from dataclasses import dataclass

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings


@dataclass
class Eligibility:
	eligible: bool
	# Why, in words for the person looking at the preview.
	reason: str


def eligibility(item: CatalogueItem, settings: CatalogueSettings) -> Eligibility:
	if item.variant_of:
		return Eligibility(
			False, f"{item.item_code} is a variant: it is synchronised with its template {item.variant_of}."
		)
	link = item.link(settings.server)
	if link is not None and not link.enabled:
		return Eligibility(
			False, f"Its row for {settings.server} in the Item's WooCommerce Servers table is not enabled."
		)
	if link is not None:
		return Eligibility(True, f"Its WooCommerce Servers table has an enabled row for {settings.server}.")
	if not item.is_sales_item:
		return Eligibility(False, f"{item.item_code} is not a sales item.")
	if item.item_group in settings.group_members:
		return Eligibility(True, f"Its Item Group {item.item_group} is synchronised with {settings.server}.")
	if not settings.item_groups:
		return Eligibility(
			False,
			f"{settings.server} synchronises no Item Groups and the Item has no row for it in its "
			"WooCommerce Servers table.",
		)
	groups = ", ".join(settings.item_groups)
	return Eligibility(
		False,
		f"Its Item Group {item.item_group} is not one of those {settings.server} synchronises "
		f"({groups}) and the Item has no row for it in its WooCommerce Servers table.",
	)
