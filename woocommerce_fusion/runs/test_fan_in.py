"""The fan-in: page counts from the dispatcher and the page jobs in any order, completing a run
exactly once, and the shop's cursor that moves only forward and only after a complete run."""

from __future__ import annotations

from datetime import datetime

import frappe

from woocommerce_fusion.engine.sync.orders import SyncCounts
from woocommerce_fusion.runs import DOCTYPE, State, SyncType
from woocommerce_fusion.runs.fan_in import close_listing, commit_cursor_until, finalise, record_page
from woocommerce_fusion.runs.queue import create_sync_action
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	SERVER,
	SyncActionTestCase,
	state_of,
)

# The records the Sync Action's own test file gets: its webshops' Company, Warehouse and so on.
test_dependencies = ["WooCommerce Sync Action"]


class TestFanIn(SyncActionTestCase):
	def test_cursor_moves_only_when_every_page_is_done(self):
		name = self.start()
		until = datetime(2026, 11, 25, 10, 0, 0)
		commit_cursor_until(name, until)
		# Page jobs may finish before the listing does: the run waits for pages_expected.
		self.assertFalse(record_page(name, SyncCounts(created=2)))
		self.assertFalse(record_page(name, SyncCounts(updated=1, errors=["Order 7: broken"])))
		self.assertFalse(close_listing(name, pages_expected=3, counts=SyncCounts(fetched=250, failed=1)))
		self.assertEqual(state_of(name), State.IN_PROGRESS)
		self.assertIsNone(self.cursor())

		self.assertTrue(record_page(name, SyncCounts(unchanged=4, failed=2)))
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.COMPLETED)
		self.assertTrue(doc.completed_on)
		self.assertEqual(
			(doc.fetched, doc.created, doc.updated, doc.unchanged, doc.failed), (250, 2, 1, 4, 3)
		)
		self.assertIn("Order 7: broken", doc.error)
		self.assertEqual(self.cursor(), until)

		# Exactly once: a late call changes nothing.
		self.assertFalse(finalise(name))
		self.assertFalse(record_page(name, SyncCounts(created=1)))
		self.assertEqual(state_of(name), State.COMPLETED)

	def test_listing_after_all_pages_completes_the_run(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		record_page(name, SyncCounts(created=1))
		record_page(name, SyncCounts(created=1))
		self.assertTrue(close_listing(name, pages_expected=2, counts=SyncCounts(fetched=2)))
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 10, 0, 0))

	def test_run_without_pages_completes_at_once(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.assertTrue(close_listing(name, pages_expected=0, counts=SyncCounts()))
		self.assertEqual(state_of(name), State.COMPLETED)

	def test_failed_page_keeps_the_cursor(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=2, counts=SyncCounts(fetched=200))
		record_page(name, SyncCounts(failed=100), cursor_complete=False)
		self.assertTrue(record_page(name, SyncCounts(created=100)))
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertIsNone(self.cursor())

	def test_incomplete_listing_keeps_the_cursor(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.assertTrue(close_listing(name, pages_expected=0, counts=SyncCounts(), cursor_complete=False))
		self.assertIsNone(self.cursor())

	def test_cursor_never_moves_back(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "last_synchronised_on", datetime(2026, 11, 25, 12))
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=0, counts=SyncCounts())
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 12))

	def test_aborted_run_never_completes(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.make_stale(name)
		create_sync_action(SERVER, SyncType.ORDERS)
		self.assertFalse(close_listing(name, pages_expected=0, counts=SyncCounts()))
		self.assertEqual(state_of(name), State.ABORTED)
		self.assertIsNone(self.cursor())
