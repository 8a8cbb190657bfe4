"""The ERP fake's UOM Conversion Factor records, converted to Kg as ERPNext's
get_uom_conv_factor() does (engine/catalogue/uom_port.py)."""

from __future__ import annotations

from decimal import Decimal


class _FakeMassUoms:
	def _init_uoms(self) -> None:
		# (from_uom, to_uom) -> value, as the rows are typed in.
		self._uom_factors: dict[tuple[str, str], Decimal] = {}

	def add_uom_conversion(self, from_uom: str, to_uom: str, value: str | Decimal) -> None:
		self._uom_factors[(from_uom, to_uom)] = Decimal(str(value))

	def kg_per_uom(self, uom: str) -> Decimal | None:
		if uom == "Kg":
			return Decimal(1)
		if (uom, "Kg") in self._uom_factors:
			return self._uom_factors[(uom, "Kg")]
		if ("Kg", uom) in self._uom_factors:
			return 1 / self._uom_factors[("Kg", uom)]
		for (common, to_uom), value in self._uom_factors.items():
			if to_uom == "Kg" and (common, uom) in self._uom_factors:
				return value / self._uom_factors[(common, uom)]
		return None
