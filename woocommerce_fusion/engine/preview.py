"""The dry run: what the engine would make of a shop's orders, without ERPNext.

It runs the same mapping as the real sync, so a shop owner can see before installing anything
whether every order would become a Sales Order whose grand total equals the shop's total.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import FusionError
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.mapping.plans import SalesOrderPlan
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.engine.sync.listing import utc_iso


@dataclass
class PreviewSummary:
	orders: int = 0
	exact: int = 0
	off: int = 0
	errors: int = 0
	messages: list[str] = field(default_factory=list)

	@property
	def ok(self) -> bool:
		return self.off == 0 and self.errors == 0


def preview_settings(url: str, currency: str, orders: Iterable[dict[str, Any]]) -> ServerSettings:
	"""Placeholder accounts named after the shop's own tax rates, so the preview shows which
	ERPNext account each rate will need."""
	tax_accounts: dict[int, str] = {}
	for order in orders:
		for line in order.get("tax_lines") or []:
			rate_id = line.get("rate_id")
			if isinstance(rate_id, int):
				tax_accounts.setdefault(
					rate_id, f"<account for {line.get('label') or 'tax'} (rate {rate_id})>"
				)
	return ServerSettings(
		name="preview",
		url=url,
		company="<your company>",
		company_currency=currency,
		tax_accounts=tax_accounts,
		shipping_account="<shipping account>",
		fee_account="<fee account>",
	)


def fetch_orders(client: WooCommerceClient, since: datetime | None) -> Iterator[dict[str, Any]]:
	params: dict[str, Any] = {"orderby": "id", "order": "asc"}
	if since is not None:
		params.update(modified_after=utc_iso(since), dates_are_gmt="true")
	yield from client.iter_items("orders", params)


def preview_orders(orders: list[dict[str, Any]], settings: ServerSettings, out: TextIO) -> PreviewSummary:
	summary = PreviewSummary()
	for order in orders:
		summary.orders += 1
		try:
			plan = map_order(order, settings, verify_totals=False)
		except FusionError as exc:
			summary.errors += 1
			message = f"Order #{order.get('id')}: cannot be mapped: {exc} ({exc.kind.value})"
			summary.messages.append(message)
			out.write(f"{message}\n  Fix: {exc.suggested_fix}\n\n")
			continue
		write_plan(plan, out)
		if plan.is_exact:
			summary.exact += 1
		else:
			summary.off += 1
			summary.messages.append(
				f"Order #{plan.woocommerce_id}: {plan.grand_total} != {plan.woocommerce_total}"
			)
	out.write(
		f"Summary: {summary.orders} orders, {summary.exact} exact, {summary.off} off, {summary.errors} errors\n"
	)
	return summary


def write_plan(plan: SalesOrderPlan, out: TextIO) -> None:
	customer = plan.customer
	who = customer.fixed_customer or f"{customer.customer_name} <{customer.email}> ({customer.customer_type})"
	out.write(f"Order #{plan.woocommerce_id}  {plan.woocommerce_status}  {plan.transaction_date}  {who}\n")
	for line in plan.lines:
		label = f"{line.item.sku or '(no SKU)'} {line.item.item_name}"
		out.write(f"  {line.qty:>4} x {label[:44]:<44} @ {line.rate:>9} = {line.amount:>10}\n")
	for charge in plan.charges:
		label = f"{charge.kind.capitalize()}: {charge.description}"
		out.write(f"  {label[:58]:<58}   {charge.tax_amount:>10}\n")
	verdict = "exact" if plan.is_exact else f"OFF by {plan.grand_total - plan.woocommerce_total}"
	out.write(
		f"  Grand total {plan.grand_total} {plan.currency}, shop total {plan.woocommerce_total}: {verdict}\n\n"
	)
