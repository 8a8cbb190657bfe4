# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""The Sync Action document and the list's "Synchronize now", and the webshops and base class
the tests of the runs (runs/test_*.py, tasks/test_order_sync_runs.py) share.

Runs commit (a claim must be visible to other workers at once), so each test removes the rows
of its webshops before it starts instead of relying on a rollback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from woocommerce_fusion.runs import DOCTYPE, State, SyncType
from woocommerce_fusion.runs.queue import (
	APP,
	RUN_TIMEOUT,
	RUNNERS_HOOK,
	STALE_AFTER,
	commit_claim,
	create_sync_action,
)
from woocommerce_fusion.runs.switches import order_sync_enabled
from woocommerce_fusion.tasks import order_sync
from woocommerce_fusion.testing.bench_fixtures import make_server
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	synchronize_now,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Sync"
OTHER_SERVER = "_Test WooCommerce Sync Other"
TEST_USER = "wcf-no-roles@example.com"


def clear_actions(*servers: str) -> None:
	frappe.db.delete(DOCTYPE, {"woocommerce_server": ("in", servers)})


def state_of(name: str) -> str:
	return frappe.db.get_value(DOCTYPE, name, "state")


def make_user(*roles: str) -> str:
	"""The test user with exactly these roles (none: a user the app must refuse everything)."""
	if not frappe.db.exists("User", TEST_USER):
		frappe.get_doc(
			{"doctype": "User", "email": TEST_USER, "first_name": "WooCommerce Test", "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", TEST_USER)
	user.set("roles", [{"role": role} for role in roles])
	user.save(ignore_permissions=True)
	return TEST_USER


class SyncActionTestCase(FrappeTestCase):
	"""Two webshops with order sync on and no runs; the runs' own test classes build on it."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		make_server(SERVER)
		make_server(OTHER_SERVER)
		frappe.db.commit()

	def setUp(self) -> None:
		clear_actions(SERVER, OTHER_SERVER)
		frappe.db.set_value(
			"WooCommerce Server",
			SERVER,
			{"enabled": 1, "last_synchronised_on": None, "shop_synchronised_on": None},
		)
		frappe.db.commit()

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		frappe.db.rollback()
		clear_actions(SERVER, OTHER_SERVER)
		frappe.db.commit()

	def start(self, sync_type: str = SyncType.ORDERS, server: str = SERVER, **kwargs) -> str:
		name = create_sync_action(server, sync_type, **kwargs)
		self.assertIsNotNone(commit_claim(name))
		return name

	def make_stale(self, name: str) -> None:
		frappe.db.set_value(
			DOCTYPE,
			name,
			"modified",
			now_datetime() - STALE_AFTER - timedelta(minutes=1),
			update_modified=False,
		)

	def cursor(self) -> datetime | None:
		return frappe.db.get_value("WooCommerce Server", SERVER, "last_synchronised_on")


class TestWooCommerceSyncAction(SyncActionTestCase):
	"""The document and the list's button; the runs themselves are tested in runs/ and tasks/."""

	def test_new_run_is_queued(self):
		name = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.NOT_PROCESSED)
		self.assertEqual(doc.synchronize_all, "Yes")
		self.assertFalse(doc.started_on)

	def test_one_order_needs_an_order_id(self):
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, SyncType.ONE_ORDER)
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, SyncType.ONE_ORDER, reference="abc")

	def test_only_types_that_run_are_offered(self):
		options = frappe.get_meta(DOCTYPE).get_field("sync_type").options.split("\n")
		self.assertEqual(sorted(options), sorted(frappe.get_hooks(RUNNERS_HOOK, app_name=APP)))
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, "Not a sync type")

	# -- the server's switches -----------------------------------------------------------------

	def test_order_sync_needs_the_server_enabled_and_its_order_sync_on(self):
		# The rollback of the test does not reach the document cache.
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", SERVER)
		server = frappe.get_doc("WooCommerce Server", SERVER)
		self.assertTrue(order_sync_enabled(SERVER))
		# Saved as the form saves it, which is what clears the cached value.
		for values in ({"enable_order_sync": 0}, {"enable_order_sync": 1, "enabled": 0}):
			server.update(values)
			server.save(ignore_permissions=True)
			self.assertFalse(order_sync_enabled(SERVER), values)

	# -- permissions ---------------------------------------------------------------------------

	def test_synchronize_now_starts_a_run(self):
		with patch("frappe.enqueue") as enqueue:
			name = synchronize_now(SERVER, SyncType.ORDERS, 1)
		self.assertEqual(frappe.db.get_value(DOCTYPE, name, "synchronize_all"), "Yes")
		self.assertEqual(enqueue.call_args.kwargs["action"], name)
		# Below STALE_AFTER, so a run found stale has no job of it still running.
		self.assertEqual(enqueue.call_args.kwargs["timeout"], RUN_TIMEOUT)
		self.assertLess(RUN_TIMEOUT, STALE_AFTER.total_seconds())
		self.assertLess(order_sync.PAGE_JOB_TIMEOUT, STALE_AFTER.total_seconds())

	def test_synchronize_now_refuses_a_user_without_the_roles(self):
		frappe.set_user(make_user())
		with self.assertRaises(frappe.PermissionError), patch("frappe.enqueue"):
			synchronize_now(SERVER, SyncType.ORDERS, 0)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists(DOCTYPE, {"woocommerce_server": SERVER}))

	def test_synchronize_now_refuses_a_server_whose_order_sync_is_off(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 0)
		frappe.clear_document_cache("WooCommerce Server", SERVER)
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", SERVER)
		with self.assertRaises(frappe.ValidationError), patch("frappe.enqueue") as enqueue:
			synchronize_now(SERVER, SyncType.ORDERS, 0)
		enqueue.assert_not_called()
		self.assertFalse(frappe.db.exists(DOCTYPE, {"woocommerce_server": SERVER}))

	def test_synchronize_now_refuses_single_requests(self):
		with self.assertRaises(frappe.ValidationError):
			synchronize_now(SERVER, SyncType.ONE_ORDER, 0)
