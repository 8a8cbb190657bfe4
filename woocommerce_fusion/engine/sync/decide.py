"""Last-modified-wins, per field owner.

WooCommerce owns what the shopper ordered (lines, addresses, totals); the order status is the
one field both sides edit, so for it the later of WooCommerce's date_modified_gmt and the Sales
Order's modified (both UTC) wins. Equal timestamps or equal data decide nothing, which is what
keeps two syncs from bouncing the same change back and forth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Action(str, Enum):
	CREATE = "create"
	UPDATE_ERP = "update_erp"
	UPDATE_SHOP = "update_shop"
	NOTHING = "nothing"


@dataclass(frozen=True)
class Decision:
	action: Action
	status_to_erp: bool = False
	content_to_erp: bool = False
	status_to_shop: bool = False


def decide(
	*,
	has_sales_order: bool,
	shop_modified: datetime | None,
	shop_status: str,
	shop_digest: str,
	erp_modified: datetime | None,
	erp_status: str,
	applied_digest: str,
	owns_content: bool,
) -> Decision:
	"""What one WooCommerce order / Sales Order pair needs.

	owns_content is False for a Sales Order the pipeline did not make (a duplicate keyed in by
	hand): its lines are someone else's, so only the status is kept in step.
	"""
	if not has_sales_order:
		return Decision(Action.CREATE)
	content_changed = owns_content and shop_digest != applied_digest
	status_differs = (shop_status or "") != (erp_status or "")
	if not content_changed and not status_differs:
		return Decision(Action.NOTHING)
	shop_newer = shop_modified is not None and (erp_modified is None or shop_modified > erp_modified)
	erp_newer = erp_modified is not None and (shop_modified is None or erp_modified > shop_modified)
	if status_differs and erp_newer and erp_status:
		# The shop's content still flows in: ERPNext never edits what the shopper ordered.
		if content_changed:
			return Decision(Action.UPDATE_ERP, content_to_erp=True, status_to_shop=True)
		return Decision(Action.UPDATE_SHOP, status_to_shop=True)
	if content_changed or (status_differs and shop_newer):
		return Decision(
			Action.UPDATE_ERP,
			status_to_erp=status_differs and shop_newer,
			content_to_erp=content_changed,
		)
	return Decision(Action.NOTHING)
