"""The queue of runs: creating, superseding and claiming them, and the job behind every run.

Runs commit (a claim must be visible to other workers at once), so each test removes the rows
of its webshops before it starts instead of relying on a rollback (see SyncActionTestCase).
"""

from __future__ import annotations

from unittest.mock import patch

import frappe

from woocommerce_fusion.runs import DOCTYPE, State, SyncType
from woocommerce_fusion.runs.queue import commit_claim, create_sync_action, run_sync_action, runner_of
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	OTHER_SERVER,
	SERVER,
	SyncActionTestCase,
	state_of,
)

# The records the Sync Action's own test file gets: its webshops' Company, Warehouse and so on.
test_dependencies = ["WooCommerce Sync Action"]


def failing_runner(action: frappe._dict) -> None:
	raise ConnectionError("The shop is down")


class TestRunQueue(SyncActionTestCase):
	def test_claim_starts_a_run_once(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		claimed = commit_claim(name)
		self.assertEqual(claimed.state, State.IN_PROGRESS)
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.IN_PROGRESS)
		self.assertTrue(doc.started_on)
		self.assertEqual(doc.pages_expected, -1)
		self.assertIsNone(commit_claim(name))

	def test_newer_full_run_aborts_queued_one(self):
		older = create_sync_action(SERVER, SyncType.ORDERS)
		other_shop = create_sync_action(OTHER_SERVER, SyncType.ORDERS)
		newer = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertEqual(state_of(older), State.ABORTED)
		self.assertIn(str(newer), frappe.db.get_value(DOCTYPE, older, "error"))
		self.assertEqual(state_of(newer), State.NOT_PROCESSED)
		self.assertEqual(state_of(other_shop), State.NOT_PROCESSED)
		# The aborted run's job still comes; it finds nothing to do.
		self.assertIsNone(commit_claim(older))

	def test_queued_synchronize_all_is_kept_by_an_incremental_run(self):
		everything = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		create_sync_action(SERVER, SyncType.ORDERS)
		self.assertEqual(state_of(everything), State.NOT_PROCESSED)
		create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		self.assertEqual(state_of(everything), State.ABORTED)

	def test_newer_full_run_aborts_stale_run_but_not_a_live_one(self):
		live = self.start()
		create_sync_action(SERVER, SyncType.ORDERS)
		self.assertEqual(state_of(live), State.IN_PROGRESS)
		self.make_stale(live)
		create_sync_action(SERVER, SyncType.ORDERS)
		self.assertEqual(state_of(live), State.ABORTED)

	def test_run_gives_way_to_a_live_run_of_the_same_shop(self):
		live = self.start()
		second = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertIsNone(commit_claim(second))
		self.assertEqual(state_of(second), State.ABORTED)
		self.assertEqual(state_of(live), State.IN_PROGRESS)
		# Another shop runs beside it.
		self.start(server=OTHER_SERVER)

	def test_stale_run_is_taken_over_at_claim(self):
		stale = self.start()
		self.make_stale(stale)
		second = frappe.get_doc(
			{"doctype": DOCTYPE, "woocommerce_server": SERVER, "sync_type": SyncType.ORDERS}
		).insert(ignore_permissions=True)
		self.assertIsNotNone(commit_claim(second.name))
		self.assertEqual(state_of(stale), State.ABORTED)

	def test_one_order_never_aborts_a_full_run(self):
		full = self.start()
		queued_full = create_sync_action(OTHER_SERVER, SyncType.ORDERS)
		one = create_sync_action(SERVER, SyncType.ONE_ORDER, reference=42)
		self.assertIsNotNone(commit_claim(one))
		create_sync_action(OTHER_SERVER, SyncType.ONE_ORDER, reference=43)
		self.assertEqual(state_of(full), State.IN_PROGRESS)
		self.assertEqual(state_of(queued_full), State.NOT_PROCESSED)

	def test_disabled_webshop_is_not_found(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		frappe.db.set_value("WooCommerce Server", SERVER, "enabled", 0)
		self.assertIsNone(commit_claim(name))
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.WEBSHOP_NOT_FOUND)
		self.assertTrue(doc.completed_on)

	def test_deleted_webshop_is_not_found(self):
		doc = frappe.get_doc(
			{"doctype": DOCTYPE, "woocommerce_server": "_Test No Such Shop", "sync_type": SyncType.ORDERS}
		)
		doc.flags.ignore_links = True
		doc.insert(ignore_permissions=True)
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.delete, DOCTYPE, {"name": doc.name})
		run_sync_action(doc.name)
		self.assertEqual(state_of(doc.name), State.WEBSHOP_NOT_FOUND)

	def test_failing_run_is_failed_and_keeps_the_cursor(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		runner = f"{__name__}.failing_runner"
		with patch("woocommerce_fusion.runs.queue.runner_of", return_value=runner):
			run_sync_action(name)
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.FAILED)
		self.assertIn("The shop is down", doc.error)
		self.assertTrue(doc.completed_on)
		self.assertIsNone(frappe.db.get_value("WooCommerce Server", SERVER, "last_synchronised_on"))
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": str(name)}))

	def test_type_without_runner_fails_clearly(self):
		# As a row of a type that an older version offered would.
		name = create_sync_action(SERVER, SyncType.ORDERS)
		with patch("woocommerce_fusion.runs.queue.runner_of", return_value=None):
			run_sync_action(name)
		self.assertEqual(state_of(name), State.FAILED)
		self.assertIn("Orders", frappe.db.get_value(DOCTYPE, name, "error"))

	def test_runners_come_from_the_apps_hooks(self):
		# The tasks name themselves there; runs/ never names a task.
		self.assertEqual(runner_of(SyncType.ORDERS), "woocommerce_fusion.tasks.order_sync.run_orders")
		self.assertEqual(runner_of(SyncType.ONE_ORDER), "woocommerce_fusion.tasks.order_sync.run_one_order")
		self.assertEqual(runner_of(SyncType.ITEMS), "woocommerce_fusion.tasks.item_sync.run_items")
		self.assertEqual(runner_of(SyncType.STOCK), "woocommerce_fusion.tasks.stock_push.run_stock")
		self.assertIsNone(runner_of("Customers"))
