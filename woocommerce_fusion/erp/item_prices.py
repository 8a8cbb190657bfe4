"""The selling rate of an Item in a price list, as ERPNext prices a sale to an anonymous buyer.

The Item Price counted is the one for no particular customer or batch, in the Item's stock UOM
(or none), valid today; of several, the one valid from the latest day. ERPNext v15 refuses Item
Prices for templates, so a variant is priced by its own.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import nowdate


def selling_rates(price_list: str, item_codes: list[str]) -> dict[str, Decimal]:
	if not price_list or not item_codes:
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
