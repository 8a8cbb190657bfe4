"""ERPNext's own conversions of units of mass, for a Weight UOM the engine has no factor for.

Implemented by the Frappe adapter (woocommerce_fusion/erp/mass_uoms.py) and by the ERP fake
(woocommerce_fusion/testing/erp_fake_uoms.py); testing/erp_contract_uoms.py holds both to the
same behaviour.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol


class MassUomPort(Protocol):
	def kg_per_uom(self, uom: str) -> Decimal | None:
		"""Kilograms in one of the UOM by the site's UOM Conversion Factor records (a row either
		way round, or two rows from a common UOM, as ERPNext converts); None: none leads to Kg."""
		...
