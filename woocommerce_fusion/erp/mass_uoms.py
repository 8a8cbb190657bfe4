"""ERPNext's UOM Conversion Factor records to Kg, for a Weight UOM the item sync has no exact
factor for (engine/catalogue/uom_port.py)."""

from __future__ import annotations

from decimal import Decimal

from erpnext.stock.doctype.item.item import get_uom_conv_factor


class FrappeMassUoms:
	def kg_per_uom(self, uom: str) -> Decimal | None:
		# ERPNext's own lookup: a row either way round or two rows from a common UOM.
		factor = get_uom_conv_factor(uom, "Kg") if uom else None
		return Decimal(str(factor)) if factor else None
