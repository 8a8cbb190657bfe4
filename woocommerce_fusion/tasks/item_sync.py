"""The jobs of the item sync: a run over a shop's Items ("Items", changed since the last run or
"Synchronize all") and a run of one Item ("One item", from the preview's Synchronize button).

Each reads the server's settings, hands the work to the engine (engine/catalogue/sync.py) with the
Frappe adapter of the CataloguePort, and ends its Sync Action through runs.fan_in.
"""

from __future__ import annotations

from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.utils import escape_html

from woocommerce_fusion.engine.catalogue.sync import CatalogueCounts, sync_items, sync_one_item
from woocommerce_fusion.erp.catalogue import FrappeCatalogue
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.erp.times import system_to_utc, utc_to_system
from woocommerce_fusion.runs import DOCTYPE as SYNC_ACTION
from woocommerce_fusion.runs import SERVER_DOCTYPE, SyncType
from woocommerce_fusion.runs.fan_in import add_counts, close_listing, error_lines
from woocommerce_fusion.runs.queue import (
	create_sync_action,
	enqueue_sync_action,
	mark_failed,
	set_values,
	waiting_run,
)

# A single Item is one product and its variations: a few calls, each with bounded retries.
ONE_ITEM_TIMEOUT = 600


def run_hourly_item_sync() -> None:
	"""Scheduler (hourly_long): an Items run of the changes for every enabled shop with item sync on."""
	servers = frappe.get_all(
		SERVER_DOCTYPE, filters={"enabled": 1, "enable_item_sync": 1}, pluck="name", order_by="name"
	)
	for server in servers:
		start_item_sync(server)


def start_item_sync(server: str, synchronize_all: bool = False) -> str:
	"""Queue an Items run for the shop; returns the Sync Action's name."""
	name = create_sync_action(server, SyncType.ITEMS, synchronize_all=synchronize_all)
	enqueue_sync_action(name)
	return name


def enqueue_one_item(server: str, item_code: str) -> str:
	"""Queue a sync of one Item (of a variant: its template) once the transaction commits; a run of
	the Item that no worker has started yet is returned instead of queueing another."""
	waiting = waiting_run(server, SyncType.ONE_ITEM, item_code)
	if waiting:
		return waiting
	name = create_sync_action(server, SyncType.ONE_ITEM, reference=item_code)
	enqueue_sync_action(name, queue="default", timeout=ONE_ITEM_TIMEOUT)
	return name


def run_items(action: frappe._dict) -> None:
	"""The runner of an "Items" action. Its cursors move only when every Item went through: an
	Item that failed is looked at again by the next run."""
	server = action.woocommerce_server
	port = FrappeCatalogue()
	settings = port.catalogue_settings(server)
	client = get_client(server, sync_action=action.name)
	cursors = frappe.db.get_value(
		SERVER_DOCTYPE, server, ["items_synchronised_on", "items_shop_synchronised_on"], as_dict=True
	)
	full = action.synchronize_all == "Yes" or not cursors.items_synchronised_on
	started = datetime.now(timezone.utc)
	counts = sync_items(
		port,
		client,
		settings,
		since=None if full else system_to_utc(cursors.items_synchronised_on),
		shop_since=None if full else system_to_utc(cursors.items_shop_synchronised_on),
		after_batch=frappe.db.commit,
	)
	set_values(action.name, cursor_until=utc_to_system(started))
	close_listing(
		action.name,
		pages_expected=0,
		counts=counts,
		cursor_complete=not counts.failed and counts.shop_clock is not None,
		shop_cursor_until=utc_to_system(counts.shop_clock),
	)
	_note_created_items(action.name, counts)
	_note_what_was_left_out(action.name, counts)
	frappe.db.commit()


def run_one_item(action: frappe._dict) -> None:
	"""The runner of a "One item" action: the Item's product and variations as the preview showed."""
	port = FrappeCatalogue()
	settings = port.catalogue_settings(action.woocommerce_server)
	client = get_client(
		action.woocommerce_server, reference=("Item", action.reference), sync_action=action.name
	)
	_plan, counts = sync_one_item(port, client, settings, action.reference)
	if counts.failed:
		add_counts(action.name, counts)
		mark_failed(action.name, error_lines(counts.errors))
	else:
		close_listing(action.name, pages_expected=0, counts=counts)
	_note_what_was_left_out(action.name, counts)
	frappe.db.commit()


def _note_created_items(action: str, counts: CatalogueCounts) -> None:
	if counts.items_created:
		frappe.get_doc(SYNC_ACTION, action).add_comment(
			"Info",
			_("Items made for products only in the shop: {0}").format(", ".join(counts.items_created)),
		)


def _note_what_was_left_out(action: str, counts: CatalogueCounts) -> None:
	"""A weight (or image) the shop could not be given: on the Sync Action, where the run's
	outcome is read."""
	if counts.notes:
		frappe.get_doc(SYNC_ACTION, action).add_comment(
			"Info", "<br>".join(escape_html(note) for note in counts.notes)
		)
