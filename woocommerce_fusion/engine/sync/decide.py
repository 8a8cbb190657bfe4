"""What one WooCommerce order / Sales Order pair needs: a three-way merge per field owner.

WooCommerce owns what the shopper ordered (lines, addresses, totals). The order status is the
one field both sides edit, so it is merged against the last value both sides agreed on (the
order row's synced status): a side whose value differs from it changed; when only one side
changed, it wins; when both changed to different values, the later change wins. ERPNext's
change time is when WooCommerce Status itself changed, never the Sales Order's `modified`,
which moves for many other reasons (a delivery date edited, per_billed updated by an invoice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Action(str, Enum):
	CREATE = "create"
	UPDATE_ERP = "update_erp"
	UPDATE_SHOP = "update_shop"
	# Nothing to write on either side, but the row learns the value both sides now agree on.
	RECORD = "record"
	NOTHING = "nothing"


@dataclass(frozen=True)
class Decision:
	action: Action
	status_to_erp: bool = False
	content_to_erp: bool = False
	status_to_shop: bool = False
	# The status both sides hold once this decision is carried out.
	status: str = ""


def merge_status(
	*,
	synced: str,
	shop: str,
	shop_changed_on: datetime | None,
	erp: str,
	erp_changed_on: datetime | None,
) -> str:
	"""The status both sides should hold: the three-way merge of one field.

	With no agreed value yet (a row from before the merge existed, or an adopted Sales Order),
	both sides count as changed and the later change wins. An unknown change time loses, and so
	does ERPNext on a tie: the shopper-facing side keeps what it shows unless ERPNext provably
	changed later.
	"""
	if shop == erp:
		return shop
	if not erp:
		return shop
	shop_changed = shop != synced
	erp_changed = erp != synced
	if shop_changed and not erp_changed:
		return shop
	if erp_changed and not shop_changed:
		return erp
	if erp_changed_on is not None and (shop_changed_on is None or erp_changed_on > shop_changed_on):
		return erp
	return shop


def decide(
	*,
	has_sales_order: bool,
	shop_status: str,
	shop_changed_on: datetime | None,
	shop_digest: str,
	erp_status: str,
	erp_changed_on: datetime | None,
	synced_status: str,
	applied_digest: str,
	owns_content: bool,
) -> Decision:
	"""owns_content is False for a Sales Order the pipeline did not make (a duplicate keyed in by
	hand): its lines are someone else's, so only the status is kept in step."""
	if not has_sales_order:
		return Decision(Action.CREATE)
	shop_status, erp_status, synced_status = shop_status or "", erp_status or "", synced_status or ""
	status = merge_status(
		synced=synced_status,
		shop=shop_status,
		shop_changed_on=shop_changed_on,
		erp=erp_status,
		erp_changed_on=erp_changed_on,
	)
	content_to_erp = owns_content and shop_digest != applied_digest
	status_to_erp = status != erp_status
	status_to_shop = status != shop_status
	if content_to_erp or status_to_erp:
		return Decision(
			Action.UPDATE_ERP,
			status_to_erp=status_to_erp,
			content_to_erp=content_to_erp,
			status_to_shop=status_to_shop,
			status=status,
		)
	if status_to_shop:
		return Decision(Action.UPDATE_SHOP, status_to_shop=True, status=status)
	if status != synced_status:
		return Decision(Action.RECORD, status=status)
	return Decision(Action.NOTHING, status=status)
