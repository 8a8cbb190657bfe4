"""An Item's weight in the shop's weight unit.

ERPNext keeps weight_per_unit in the Item's Weight UOM ("Kg", "Gram", "Pound", "Ounce", ...);
WooCommerce keeps one number per product in the unit of its woocommerce_weight_unit setting
(kg, g, lbs, oz). For ERPNext's standard names of those units (and mg, tonne) the factors are
the exact definitions kept here (the pound is 453.59237 g, the ounce a sixteenth of it):
ERPNext's UOM Conversion Factor rows hold them to six decimals (Kg -> Pound 2.204623, Kg ->
Ounce 35.273962), which would turn 16 oz into 1.00000003 lbs. Any other Weight UOM (Stone,
Carat, a site's own unit) is converted by the site's UOM Conversion Factor rows to Kg, through
the port, as ERPNext itself converts it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from woocommerce_fusion.engine.catalogue.uom_port import MassUomPort
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import WooCommerceError

SETTING = "settings/products/woocommerce_weight_unit"

# Grams per unit: WooCommerce's four units, and ERPNext's standard mass UOMs by name.
_GRAMS = {
	"kg": Decimal(1000),
	"g": Decimal(1),
	"lbs": Decimal("453.59237"),
	"oz": Decimal("28.349523125"),
}
_ERPNEXT_UOMS = {
	"kg": "kg",
	"kilogram": "kg",
	"gram": "g",
	"g": "g",
	"pound": "lbs",
	"lb": "lbs",
	"lbs": "lbs",
	"ounce": "oz",
	"oz": "oz",
}
_MORE_GRAMS = {"milligram": Decimal("0.001"), "mg": Decimal("0.001"), "tonne": Decimal(1000000)}
# A converted weight keeps four decimals: 0.35 kg is 0.7716 lbs, not 0.77161791764...
PLACES = Decimal("0.0001")


def grams_per(uom: str) -> Decimal | None:
	"""Grams in one of the UOM; None: not a unit of mass the sync knows."""
	name = (uom or "").strip().lower()
	if name in _ERPNEXT_UOMS:
		return _GRAMS[_ERPNEXT_UOMS[name]]
	return _MORE_GRAMS.get(name)


def convert(weight: Decimal, uom: str, shop_unit: str, grams_in_uom: Decimal | None = None) -> Decimal | None:
	"""The weight in the shop's unit; None when either unit is not one of mass known here (or
	given as `grams_in_uom`). The same unit passes unchanged, a conversion is rounded to PLACES."""
	source, target = grams_per(uom) or grams_in_uom, _GRAMS.get(shop_unit)
	if source is None or target is None:
		return None
	if _ERPNEXT_UOMS.get((uom or "").strip().lower()) == shop_unit:
		return weight
	return (weight * source / target).quantize(PLACES, rounding=ROUND_HALF_UP).normalize()


class ShopWeightUnit:
	"""The shop's weight unit, read once for a run and only when an Item has a weight to send."""

	def __init__(
		self,
		client: WooCommerceClient | None = None,
		unit: str | None = None,
		uoms: MassUomPort | None = None,
	) -> None:
		self._client = client
		self._unit = unit
		self._uoms = uoms
		self._grams: dict[str, Decimal | None] = {}
		# Why the unit is unknown, for the note on each weight left out.
		self.problem = ""

	def grams_in(self, uom: str) -> Decimal | None:
		"""Grams in one of a UOM the table here does not know, by the site's conversions; asked
		once a run for each such UOM."""
		if grams_per(uom) is not None or self._uoms is None:
			return None
		if uom not in self._grams:
			kg = self._uoms.kg_per_uom(uom)
			self._grams[uom] = kg * 1000 if kg else None
		return self._grams[uom]

	@property
	def unit(self) -> str:
		if self._unit is None:
			self._unit = self._read()
		return self._unit

	def _read(self) -> str:
		if self._client is None:
			return ""
		try:
			answer: Any = self._client.get(SETTING)
		except WooCommerceError as error:
			# A key without the right to read settings, or a shop without the setting: the
			# products still go out, without weights.
			if error.status_code in (401, 403, 404):
				self.problem = f"the shop's weight unit could not be read ({error.status_code})"
				return ""
			raise
		value = str((answer or {}).get("value") or "")
		if value not in _GRAMS:
			self.problem = f"the shop's weight unit {value!r} is not one of kg, g, lbs, oz"
			return ""
		return value


def shop_weight(weight: Decimal, uom: str, shop: ShopWeightUnit) -> tuple[Decimal | None, str]:
	"""(weight to send, note); weight None: left out, the note says why."""
	unit = shop.unit
	if not unit:
		return None, f"Weight not sent: {shop.problem or 'the shop has no weight unit'}."
	if not (uom or "").strip():
		return None, f"Weight not sent: the Item has no Weight UOM to convert to the shop's {unit}."
	converted = convert(weight, uom, unit, shop.grams_in(uom))
	if converted is None:
		return None, f"Weight not sent: unit {uom} cannot be converted to the shop's {unit}."
	return converted, ""
