"""A WooCommerce refund as the plan of an ERPNext Credit Note, exact to the cent.

WooCommerce 8.4 leaves the order itself alone when it refunds (total, quantities and status
stay; a full refund usually moves the status to refunded): only the order's `refunds` list
(`{id, reason, total: "-14.88"}`) names them. The refund object (GET orders/<id>/refunds) has
a positive `amount` and negative line items, shipping lines, fees and tax lines, each refunded
item pointing at the order's item through `_refunded_item_id` in its meta.

The plan keeps money positive (what goes back to the customer); the Credit Note books it
negated. What the refund's items do not explain (a refund of an amount only, without lines,
or an amount larger than its lines) is `unitemised`: WooCommerce records no tax for it, so the
Credit Note books it without tax, and its grand total is exactly minus the refund's amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from woocommerce_fusion.engine.errors import MappingError
from woocommerce_fusion.engine.mapping.money import ZERO, parse_money, split_amount
from woocommerce_fusion.engine.mapping.plans import ChargePlan
from woocommerce_fusion.engine.mapping.readers import parse_int, records, text
from woocommerce_fusion.engine.mapping.taxes import fee_rows, line_taxes, shipping_rows, tax_rows
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.timeutil import parse_gmt

REFUNDED_ITEM_KEY = "_refunded_item_id"


class RefundState:
	"""The states of one refund on the order's row (WooCommerce Order Refund)."""

	WAITING = "Waiting for invoice"
	BOOKED = "Booked"
	FAILED = "Failed"


class RefundsStatus:
	"""What the order's row says of its refunds as a whole (its Refund Status)."""

	BOOKED = "Refunds booked"
	WAITING = "Refund waiting for invoice"
	FAILED = "Refund failed"


@dataclass
class RefundEntry:
	"""A WooCommerce Order Refund row: one per (order row, refund id)."""

	refund_id: int
	amount: Decimal
	reason: str = ""
	state: str = RefundState.WAITING
	credit_note: str = ""
	payment_entry: str = ""
	refunded_on: datetime | None = None
	error: str = ""


@dataclass(frozen=True)
class RefundLine:
	"""The units and money of one order line going back."""

	woocommerce_line_id: int  # the order's line (_refunded_item_id), as its invoice rows keep it
	qty: int  # units returned; 0 for money back on a line without returning units
	amount: Decimal  # net
	# (units, rate) rows in whole cents, higher rate first, adding up to amount; qty 0: (0, amount).
	rows: tuple[tuple[int, Decimal], ...]
	description: str = ""
	# The product (and variation): finds the line's rows on an invoice whose rows carry no
	# WooCommerce Line ID (made before they did, or from a Sales Order keyed in by hand).
	product_id: int = 0
	variation_id: int = 0


@dataclass
class CreditNotePlan:
	server: str
	refund_id: int
	woocommerce_id: int
	amount: Decimal
	reason: str
	refunded_at: datetime | None
	refunded_on: date | None  # in the site's time zone; None: the Credit Note's own date
	lines: list[RefundLine] = field(default_factory=list)
	# Shipping, fee and tax rows, as on the Sales Order (positive: refunded).
	charges: list[ChargePlan] = field(default_factory=list)
	unitemised: Decimal = ZERO

	@property
	def itemised(self) -> Decimal:
		return sum((line.amount for line in self.lines), ZERO) + sum(
			(charge.tax_amount for charge in self.charges), ZERO
		)

	@property
	def reference_no(self) -> str:
		return f"{self.woocommerce_id}-R{self.refund_id}"


def listed_refunds(order: dict[str, Any]) -> dict[int, RefundEntry]:
	"""The refunds the order lists (`refunds: [{id, reason, total}]`), by id; entries with no
	usable id or amount are left out, the refund object tells the rest."""
	found: dict[int, RefundEntry] = {}
	entries = order.get("refunds") if isinstance(order, dict) else None
	for entry in entries if isinstance(entries, list) else []:
		try:
			refund_id = parse_int(entry.get("id"), "refund id")
			amount = -parse_money(entry.get("total"), f"refund {refund_id} total")
			reason = text(entry.get("reason"), f"refund {refund_id} reason")
		except (AttributeError, MappingError):
			continue
		if refund_id > 0:
			found[refund_id] = RefundEntry(refund_id=refund_id, amount=amount, reason=reason)
	return found


def refunds_status(entries: list[RefundEntry]) -> str:
	states = {entry.state for entry in entries}
	if RefundState.FAILED in states:
		return RefundsStatus.FAILED
	if RefundState.WAITING in states:
		return RefundsStatus.WAITING
	return RefundsStatus.BOOKED if states else ""


def credit_note_plan(
	refund: dict[str, Any], order: dict[str, Any], settings: ServerSettings
) -> CreditNotePlan:
	"""The Credit Note of `refund`, a refund object of `order`; MappingError for data that cannot
	be booked, ConfigurationError for a missing account (tax rate, shipping or fee)."""
	if not isinstance(refund, dict):
		raise MappingError(f"A WooCommerce refund must be a JSON object, got {type(refund).__name__}")
	order_id = parse_int(order.get("id"), "The WooCommerce order id")
	refund_id = parse_int(refund.get("id"), f"The id of a refund of WooCommerce order {order_id}")
	what = f"Refund {refund_id} of WooCommerce order {order_id}"
	amount = parse_money(refund.get("amount"), f"{what} amount")
	if amount < 0:
		raise MappingError(f"{what} has a negative amount {amount}")
	order_lines = {
		parse_int(line.get("id"), f"WooCommerce order {order_id} line id")
		for line in records(order.get("line_items"), f"WooCommerce order {order_id} line_items")
	}
	lines: list[RefundLine] = []
	taxes_by_line: dict[int, dict[int, Decimal]] = {}
	for position, line in enumerate(records(refund.get("line_items"), f"{what} line_items"), start=1):
		refund_line, taxes = _refund_line(line, order_lines, f"{what} line {position}")
		taxes_by_line[refund_line.woocommerce_line_id] = {
			rate: taxes_by_line.get(refund_line.woocommerce_line_id, {}).get(rate, ZERO) + tax
			for rate, tax in taxes.items()
		}
		if refund_line.rows:
			lines.append(refund_line)
	charges = [
		_negated(charge)
		for charge in shipping_rows(refund, settings, what)
		+ fee_rows(refund, settings, what)
		+ tax_rows(refund, settings, what, taxes_by_line)
	]
	refunded_at = _gmt(refund.get("date_created_gmt"), what)
	plan = CreditNotePlan(
		server=settings.name,
		refund_id=refund_id,
		woocommerce_id=order_id,
		amount=amount,
		reason=text(refund.get("reason"), f"{what} reason"),
		refunded_at=refunded_at,
		refunded_on=refunded_at.astimezone(ZoneInfo(settings.time_zone or "UTC")).date()
		if refunded_at
		else None,
		lines=lines,
		charges=[charge for charge in charges if charge.tax_amount],
	)
	plan.unitemised = amount - plan.itemised
	return plan


def _refund_line(line: dict, order_lines: set[int], what: str) -> tuple[RefundLine, dict[int, Decimal]]:
	refunded = _refunded_item_id(line, what)
	if refunded not in order_lines:
		raise MappingError(f"{what} refunds item {refunded}, which is not a line of the order")
	quantity = parse_int(line.get("quantity") or 0, f"{what} quantity")
	if quantity > 0:
		raise MappingError(f"{what} has quantity {quantity}; a refunded line's quantity is negative or 0")
	amount = -parse_money(line.get("total") or "0", f"{what} total")
	qty = -quantity
	if qty:
		rows = tuple(split_amount(amount, qty))
	else:
		# Money back on a line without units returned: ERPNext books a return row of quantity 0
		# as its rate (taxes_and_totals: amount = -rate).
		rows = ((0, amount),) if amount else ()
	name = text(line.get("name"), f"{what} name")
	product_id = parse_int(line.get("product_id") or 0, f"{what} product_id")
	variation_id = parse_int(line.get("variation_id") or 0, f"{what} variation_id")
	refund_line = RefundLine(refunded, qty, amount, rows, name, product_id, variation_id)
	# The taxes as the refund has them (negative): the tax rows built on them are negated whole.
	return refund_line, line_taxes(line, what)


def _refunded_item_id(line: dict, what: str) -> int:
	for entry in records(line.get("meta_data"), f"{what} meta_data"):
		if entry.get("key") == REFUNDED_ITEM_KEY:
			return parse_int(entry.get("value"), f"{what} {REFUNDED_ITEM_KEY}")
	raise MappingError(f"{what} does not say which order line it refunds ({REFUNDED_ITEM_KEY})")


def _negated(charge: ChargePlan) -> ChargePlan:
	return replace(
		charge,
		tax_amount=-charge.tax_amount,
		item_wise={line: -tax for line, tax in charge.item_wise.items()},
	)


def _gmt(value: Any, what: str) -> datetime | None:
	try:
		return parse_gmt(value)
	except ValueError as exc:
		raise MappingError(f"{what} date_created_gmt: {exc}") from None
