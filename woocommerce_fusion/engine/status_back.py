"""Which WooCommerce status an ERPNext event gives a web order: the server's status rules.

An ERPNext event (a Delivery Note or Sales Invoice submitted, a Sales Order closed or cancelled)
sets the Sales Order's WooCommerce Status, stamped like a Desk change, and asks for a status
push; the push (sync/status_push.py) then takes the status to the shop through the same
three-way merge as the order sync, so status travels one path in both directions.

The defaults (DEFAULT_RULES) complete an order when it is fully delivered or closed. An invoice
alone does not: a paid order is invoiced at intake (engine/billing.py), long before anything
ships. A shop that invoices on shipping turns the invoice rule on instead; it still ignores the
invoices the pipeline made itself at intake. Cancellation reaches the shop only when turned on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from woocommerce_fusion.engine.status_port import StatusPort, StatusRule


class ErpEvent(str, Enum):
	SALES_INVOICE_SUBMITTED = "Sales Invoice submitted"
	DELIVERY_NOTE_SUBMITTED = "Delivery Note submitted"
	SALES_ORDER_CLOSED = "Sales Order closed"
	SALES_ORDER_CANCELLED = "Sales Order cancelled"


DEFAULT_RULES = (
	StatusRule(ErpEvent.DELIVERY_NOTE_SUBMITTED.value, "completed", True, add_note=True),
	# Closing is a person saying "this order is done" (shipped outside ERPNext, or short-closed).
	StatusRule(ErpEvent.SALES_ORDER_CLOSED.value, "completed", True),
	StatusRule(ErpEvent.SALES_INVOICE_SUBMITTED.value, "completed", False, add_note=True),
	StatusRule(ErpEvent.SALES_ORDER_CANCELLED.value, "cancelled", False),
)

# The documents whose rule may add a note on the WooCommerce order. Closing or cancelling the
# Sales Order itself never does: it is the order's own counterpart, which the shop's own note of
# the status change already stands for.
NOTE_EVENTS = {
	"Delivery Note": ErpEvent.DELIVERY_NOTE_SUBMITTED,
	"Sales Invoice": ErpEvent.SALES_INVOICE_SUBMITTED,
}


@dataclass(frozen=True)
class WebOrderEvent:
	"""An ERPNext event as it concerns one web order's Sales Order."""

	event: ErpEvent
	document_type: str
	document_name: str
	server: str
	woocommerce_id: int
	sales_order: str
	# The Sales Order's per_delivered / per_billed reached 100 with this document.
	fully_delivered: bool = False
	fully_billed: bool = False
	# The document is the Sales Invoice the pipeline made at intake.
	intake_invoice: bool = False


def rule_for(rules: Iterable[StatusRule], event: ErpEvent) -> StatusRule | None:
	"""The enabled rule of the event; None when it has none."""
	return next((rule for rule in rules if rule.enabled and rule.event == event.value), None)


def adds_note(rules: Iterable[StatusRule], document_type: str) -> bool:
	"""Whether the push of a status the document set writes a note on the WooCommerce order."""
	event = NOTE_EVENTS.get(document_type)
	rule = rule_for(rules, event) if event is not None else None
	return rule is not None and rule.add_note


def status_for(rules: Iterable[StatusRule], happened: WebOrderEvent) -> str | None:
	"""The WooCommerce status the event gives the order; None: the event changes nothing.

	Only the document that completes the delivery, or the billing, counts: a partial Delivery
	Note or invoice leaves the order as it is in the shop.
	"""
	rule = rule_for(rules, happened.event)
	if rule is None or not rule.woocommerce_status:
		return None
	if happened.event == ErpEvent.DELIVERY_NOTE_SUBMITTED and not happened.fully_delivered:
		return None
	if happened.event == ErpEvent.SALES_INVOICE_SUBMITTED and (
		happened.intake_invoice or not happened.fully_billed
	):
		return None
	return rule.woocommerce_status


def apply_event(port: StatusPort, happened: WebOrderEvent) -> str | None:
	"""Set the status the server's rules give the event on the Sales Order and ask for its push;
	returns the status, or None when nothing changes.

	Runs in the transaction of the ERPNext document, so a submit that is rolled back asks for
	nothing. An order whose Sales Order and shop both have the status already gets no push.
	"""
	status = status_for(port.status_rules(happened.server), happened)
	if status is None:
		return None
	current = port.status_back_state(happened.server, happened.woocommerce_id, happened.sales_order)
	if current is None:
		# No Order Sync row: the order was not imported by the sync, so the shop is not ours to write.
		return None
	if current.sales_order_status == status and current.synced_status == status:
		return None
	port.request_status_push(
		happened.server,
		happened.woocommerce_id,
		happened.sales_order,
		status,
		happened.document_type,
		happened.document_name,
	)
	return status
