"""The selling rate of an Item in a price list, as ERPNext prices a sale to an anonymous buyer.

The Item Price counted is the one for no particular customer or batch, in the Item's stock UOM
(or none), valid today; of several, the one valid from the latest day. A variant without an Item
Price of its own is priced by its template's, as ERPNext's get_price_list_rate does.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import nowdate


def selling_rates(price_list: str, item_codes: list[str]) -> dict[str, Decimal]:
	if not price_list or not item_codes:
		return {}
	rates = _own_rates(price_list, item_codes)
	missing = [code for code in item_codes if code not in rates]
	if missing:
		templates = dict(
			frappe.db.sql(
				"""select name, variant_of from `tabItem`
				where name in %(codes)s and ifnull(variant_of, '') != ''""",
				{"codes": missing},
			)
		)
		template_rates = _own_rates(price_list, sorted(set(templates.values())))
		for variant, template in templates.items():
			if template in template_rates:
				rates[variant] = template_rates[template]
	return rates


def _own_rates(price_list: str, item_codes: list[str]) -> dict[str, Decimal]:
	if not item_codes:
		return {}
	rows = frappe.db.sql(
		"""select price.item_code, price.price_list_rate
		from `tabItem Price` price join `tabItem` item on item.name = price.item_code
		where price.price_list = %(price_list)s and price.item_code in %(codes)s
			and ifnull(price.customer, '') = '' and ifnull(price.supplier, '') = ''
			and ifnull(price.batch_no, '') = ''
			and (ifnull(price.uom, '') = '' or price.uom = item.stock_uom)
			and (price.valid_from is null or price.valid_from <= %(today)s)
			and (price.valid_upto is null or price.valid_upto >= %(today)s)
		order by price.item_code, price.valid_from desc, price.modified desc""",
		{"price_list": price_list, "codes": item_codes, "today": nowdate()},
	)
	rates: dict[str, Decimal] = {}
	for item_code, rate in rows:
		rates.setdefault(item_code, Decimal(str(rate)))
	return rates
