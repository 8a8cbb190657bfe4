# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

"""The queue: states, superseding, the fan-out of an Orders run and its race-free fan-in.

Runs commit (a claim must be visible to other workers at once), so each test removes the rows
of its servers before it starts instead of relying on a rollback.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from woocommerce_fusion.constants import SYNC_ACTION_DOCTYPE
from woocommerce_fusion.engine.sync.listing import ListingPosition, ListingWindow, RunResult
from woocommerce_fusion.engine.sync.orders import SyncCounts
from woocommerce_fusion.erp.times import system_to_utc
from woocommerce_fusion.tasks import order_sync
from woocommerce_fusion.testing.bench_fixtures import make_server
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action import (
	RUN_TIMEOUT,
	RUNNERS,
	STALE_AFTER,
	State,
	SyncType,
	claim,
	close_listing,
	create_sync_action,
	finalise,
	order_sync_enabled,
	record_page,
	run_sync_action,
	set_cursor_until,
	synchronize_now,
)

# ERPNext's test records the servers of make_server link: "_Test Company 2", its group and territory.
test_dependencies = ["Company", "Customer Group", "Territory"]

SERVER = "_Test WooCommerce Sync"
OTHER_SERVER = "_Test WooCommerce Sync Other"
TEST_USER = "wcf-no-roles@example.com"


def clear_actions(*servers: str) -> None:
	frappe.db.delete(SYNC_ACTION_DOCTYPE, {"woocommerce_server": ("in", servers)})


def state_of(name: str) -> str:
	return frappe.db.get_value(SYNC_ACTION_DOCTYPE, name, "state")


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


# The shop's clock, 20 minutes behind the site's, as its answers' Date header says.
SHOP_CLOCK = datetime(2026, 11, 25, 8, 40, tzinfo=timezone.utc)


class WorkerKilled(BaseException):
	"""A worker killed by the system: no except Exception runs, the run stays In progress."""


def failing_runner(action: frappe._dict) -> None:
	raise ConnectionError("The shop is down")


class TestWooCommerceSyncAction(FrappeTestCase):
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
		self.assertIsNotNone(claim(name))
		return name

	def make_stale(self, name: str) -> None:
		frappe.db.set_value(
			SYNC_ACTION_DOCTYPE,
			name,
			"modified",
			now_datetime() - STALE_AFTER - timedelta(minutes=1),
			update_modified=False,
		)

	# -- states --------------------------------------------------------------------------------

	def test_new_run_is_queued(self):
		name = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.NOT_PROCESSED)
		self.assertEqual(doc.synchronize_all, "Yes")
		self.assertFalse(doc.started_on)

	def test_claim_starts_a_run_once(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		claimed = claim(name)
		self.assertEqual(claimed.state, State.IN_PROGRESS)
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.IN_PROGRESS)
		self.assertTrue(doc.started_on)
		self.assertEqual(doc.pages_expected, -1)
		self.assertIsNone(claim(name))

	def test_newer_full_run_aborts_queued_one(self):
		older = create_sync_action(SERVER, SyncType.ORDERS)
		other_shop = create_sync_action(OTHER_SERVER, SyncType.ORDERS)
		newer = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertEqual(state_of(older), State.ABORTED)
		self.assertIn(str(newer), frappe.db.get_value(SYNC_ACTION_DOCTYPE, older, "error"))
		self.assertEqual(state_of(newer), State.NOT_PROCESSED)
		self.assertEqual(state_of(other_shop), State.NOT_PROCESSED)
		# The aborted run's job still comes; it finds nothing to do.
		self.assertIsNone(claim(older))

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
		self.assertIsNone(claim(second))
		self.assertEqual(state_of(second), State.ABORTED)
		self.assertEqual(state_of(live), State.IN_PROGRESS)
		# Another shop runs beside it.
		self.start(server=OTHER_SERVER)

	def test_stale_run_is_taken_over_at_claim(self):
		stale = self.start()
		self.make_stale(stale)
		second = frappe.get_doc(
			{"doctype": SYNC_ACTION_DOCTYPE, "woocommerce_server": SERVER, "sync_type": SyncType.ORDERS}
		).insert(ignore_permissions=True)
		self.assertIsNotNone(claim(second.name))
		self.assertEqual(state_of(stale), State.ABORTED)

	def test_one_order_never_aborts_a_full_run(self):
		full = self.start()
		queued_full = create_sync_action(OTHER_SERVER, SyncType.ORDERS)
		one = create_sync_action(SERVER, SyncType.ONE_ORDER, reference=42)
		self.assertIsNotNone(claim(one))
		create_sync_action(OTHER_SERVER, SyncType.ONE_ORDER, reference=43)
		self.assertEqual(state_of(full), State.IN_PROGRESS)
		self.assertEqual(state_of(queued_full), State.NOT_PROCESSED)

	def test_one_order_needs_an_order_id(self):
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, SyncType.ONE_ORDER)
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, SyncType.ONE_ORDER, reference="abc")

	def test_disabled_webshop_is_not_found(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		frappe.db.set_value("WooCommerce Server", SERVER, "enabled", 0)
		self.assertIsNone(claim(name))
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.WEBSHOP_NOT_FOUND)
		self.assertTrue(doc.completed_on)

	def test_deleted_webshop_is_not_found(self):
		doc = frappe.get_doc(
			{
				"doctype": SYNC_ACTION_DOCTYPE,
				"woocommerce_server": "_Test No Such Shop",
				"sync_type": SyncType.ORDERS,
			}
		)
		doc.flags.ignore_links = True
		doc.insert(ignore_permissions=True)
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.delete, SYNC_ACTION_DOCTYPE, {"name": doc.name})
		run_sync_action(doc.name)
		self.assertEqual(state_of(doc.name), State.WEBSHOP_NOT_FOUND)

	def test_failing_run_is_failed_and_keeps_the_cursor(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		runner = f"{__name__}.failing_runner"
		with patch.dict(
			"woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.woocommerce_sync_action.RUNNERS",
			{SyncType.ORDERS: runner},
		):
			run_sync_action(name)
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.FAILED)
		self.assertIn("The shop is down", doc.error)
		self.assertTrue(doc.completed_on)
		self.assertIsNone(frappe.db.get_value("WooCommerce Server", SERVER, "last_synchronised_on"))
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": str(name)}))

	def test_type_without_runner_fails_clearly(self):
		# As a row of a type that an older version offered would.
		name = create_sync_action(SERVER, SyncType.ORDERS)
		with patch.dict(RUNNERS, {}, clear=True):
			run_sync_action(name)
		self.assertEqual(state_of(name), State.FAILED)
		self.assertIn("Orders", frappe.db.get_value(SYNC_ACTION_DOCTYPE, name, "error"))

	def test_only_types_that_run_are_offered(self):
		options = frappe.get_meta(SYNC_ACTION_DOCTYPE).get_field("sync_type").options.split("\n")
		self.assertEqual(sorted(options), sorted(RUNNERS))
		with self.assertRaises(frappe.ValidationError):
			create_sync_action(SERVER, "Stock")

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

	# -- fan-in ------------------------------------------------------------------------------

	def cursor(self) -> datetime | None:
		return frappe.db.get_value("WooCommerce Server", SERVER, "last_synchronised_on")

	def test_cursor_moves_only_when_every_page_is_done(self):
		name = self.start()
		until = datetime(2026, 11, 25, 10, 0, 0)
		set_cursor_until(name, until)
		# Page jobs may finish before the listing does: the run waits for pages_expected.
		self.assertFalse(record_page(name, SyncCounts(created=2)))
		self.assertFalse(record_page(name, SyncCounts(updated=1, errors=["Order 7: broken"])))
		self.assertFalse(close_listing(name, pages_expected=3, counts=SyncCounts(fetched=250, failed=1)))
		self.assertEqual(state_of(name), State.IN_PROGRESS)
		self.assertIsNone(self.cursor())

		self.assertTrue(record_page(name, SyncCounts(unchanged=4, failed=2)))
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
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
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		record_page(name, SyncCounts(created=1))
		record_page(name, SyncCounts(created=1))
		self.assertTrue(close_listing(name, pages_expected=2, counts=SyncCounts(fetched=2)))
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 10, 0, 0))

	def test_run_without_pages_completes_at_once(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.assertTrue(close_listing(name, pages_expected=0, counts=SyncCounts()))
		self.assertEqual(state_of(name), State.COMPLETED)

	def test_failed_page_keeps_the_cursor(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=2, counts=SyncCounts(fetched=200))
		record_page(name, SyncCounts(failed=100), cursor_complete=False)
		self.assertTrue(record_page(name, SyncCounts(created=100)))
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertIsNone(self.cursor())

	def test_incomplete_listing_keeps_the_cursor(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.assertTrue(close_listing(name, pages_expected=0, counts=SyncCounts(), cursor_complete=False))
		self.assertIsNone(self.cursor())

	def test_cursor_never_moves_back(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "last_synchronised_on", datetime(2026, 11, 25, 12))
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=0, counts=SyncCounts())
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 12))

	def test_aborted_run_never_completes(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		self.make_stale(name)
		create_sync_action(SERVER, SyncType.ORDERS)
		self.assertFalse(close_listing(name, pages_expected=0, counts=SyncCounts()))
		self.assertEqual(state_of(name), State.ABORTED)
		self.assertIsNone(self.cursor())

	# -- the Orders run: fan-out -------------------------------------------------------------

	def test_orders_run_fans_pages_out_to_jobs(self):
		pages = [[{"id": n} for n in range(start, start + 3)] for start in (1, 4, 7)]

		def listing(erp, client, settings, *, now, page_sink, **kwargs):
			for page in pages:
				page_sink(page)
			return RunResult(counts=SyncCounts(fetched=9), next_cursor=now)

		name = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		with (
			patch.object(order_sync, "run_order_sync", side_effect=listing) as run,
			patch.object(order_sync, "sync_order_page") as inline,
			patch("frappe.enqueue") as enqueue,
		):
			run_sync_action(name)
		self.assertIsNone(run.call_args.kwargs["since"])
		inline.assert_not_called()
		jobs = [call.kwargs for call in enqueue.call_args_list]
		self.assertEqual([job["orders"] for job in jobs], pages)
		self.assertTrue(all(job["queue"] == "long" and job["action"] == name for job in jobs))
		self.assertTrue(all(job["timeout"] == order_sync.PAGE_JOB_TIMEOUT for job in jobs))
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual((doc.state, doc.pages_expected, doc.pages_done), (State.IN_PROGRESS, 3, 0))
		self.assertIsNone(self.cursor())

		cursor_until = doc.cursor_until
		self.assertLess(abs(cursor_until - now_datetime()), timedelta(minutes=5))
		for job in jobs:
			with patch.object(order_sync, "sync_order_page", return_value=SyncCounts(created=3)):
				order_sync.process_order_page(job["action"], job["server"], job["orders"])
		doc.reload()
		self.assertEqual((doc.state, doc.fetched, doc.created), (State.COMPLETED, 9, 9))
		self.assertEqual(self.cursor(), cursor_until)

	def test_orders_run_with_one_page_works_inline(self):
		since = datetime(2026, 11, 24, 9, 0, 0)
		frappe.db.set_value("WooCommerce Server", SERVER, "last_synchronised_on", since)

		def listing(erp, client, settings, *, now, page_sink, **kwargs):
			page_sink([{"id": 1}, {"id": 2}])
			return RunResult(counts=SyncCounts(fetched=2), next_cursor=now)

		name = create_sync_action(SERVER, SyncType.ORDERS)
		with (
			patch.object(order_sync, "run_order_sync", side_effect=listing) as run,
			patch.object(order_sync, "sync_order_page", return_value=SyncCounts(created=2)) as inline,
			patch("frappe.enqueue") as enqueue,
		):
			run_sync_action(name)
		# The server keeps it in system time; the engine gets the same moment in UTC.
		self.assertEqual(run.call_args.kwargs["since"], system_to_utc(since))
		enqueue.assert_not_called()
		self.assertEqual(inline.call_args.args[3], [{"id": 1}, {"id": 2}])
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual((doc.state, doc.fetched, doc.created), (State.COMPLETED, 2, 2))
		self.assertGreater(self.cursor(), since)

	def test_page_job_that_fails_counts_its_orders_and_keeps_the_cursor(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=1, counts=SyncCounts(fetched=2))
		# As the dispatcher does; the page job's rollback must not undo the listing's count.
		frappe.db.commit()
		with patch.object(order_sync, "sync_order_page", side_effect=RuntimeError("database gone")):
			order_sync.process_order_page(name, SERVER, [{"id": 5}, {"id": 6}])
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual((doc.state, doc.failed), (State.COMPLETED, 2))
		self.assertIn("5, 6", doc.error)
		self.assertIsNone(self.cursor())

	def test_unreachable_shop_fails_the_run(self):
		make_server(SERVER, url="http://127.0.0.1:9")
		frappe.db.commit()
		name = create_sync_action(SERVER, SyncType.ORDERS)
		run_sync_action(name)
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.FAILED)
		self.assertIn("Could not connect", doc.error)
		self.assertIsNone(self.cursor())

	def test_hourly_run_queues_enabled_shops_with_order_sync(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 1)
		frappe.db.set_value("WooCommerce Server", OTHER_SERVER, "enable_order_sync", 0)
		with patch("frappe.enqueue") as enqueue:
			order_sync.run_hourly_order_sync()
		queued = frappe.get_all(
			SYNC_ACTION_DOCTYPE, filters={"sync_type": SyncType.ORDERS}, pluck="woocommerce_server"
		)
		self.assertIn(SERVER, queued)
		self.assertNotIn(OTHER_SERVER, queued)
		self.assertTrue(all(call.kwargs["enqueue_after_commit"] for call in enqueue.call_args_list))
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 0)

	# -- a run that died while it listed ---------------------------------------------------

	def die_after_listing(self, name: str, pages: list[list[dict]]) -> ListingWindow:
		"""Run the action with a listing that hands out `pages`, reporting each, and is then
		killed as a worker is (no Python exception handler runs)."""
		seen = {}

		def listing(erp, client, settings, *, window, page_sink, on_page, **kwargs):
			window.shop_until = SHOP_CLOCK
			counts = SyncCounts()
			for number, page in enumerate(pages, start=1):
				counts.fetched += len(page)
				page_sink(page)
				on_page(window, ListingPosition("orders", number, counts.fetched, 500), counts)
			seen["window"] = window
			raise WorkerKilled

		with (
			patch.object(order_sync, "run_order_sync", side_effect=listing),
			patch("frappe.enqueue"),
			self.assertRaises(WorkerKilled),
		):
			run_sync_action(name)
		frappe.db.rollback()
		return seen["window"]

	def test_listing_progress_is_committed_after_each_page_handed_out(self):
		name = create_sync_action(SERVER, SyncType.ORDERS, synchronize_all=True)
		frappe.db.commit()
		window = self.die_after_listing(name, [[{"id": n}] for n in (1, 2, 3)])

		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		self.assertEqual(doc.state, State.IN_PROGRESS)
		self.assertEqual(
			ListingPosition.from_json(doc.listing_position), ListingPosition("orders", 3, 3, 500)
		)
		self.assertEqual(ListingWindow.from_json(doc.listing_window), window)
		self.assertEqual((doc.pages_enqueued, doc.pages_expected, doc.fetched), (3, -1, 3))
		self.assertEqual(system_to_utc(doc.shop_cursor_until), SHOP_CLOCK)

	def test_a_run_that_died_while_listing_is_resumed_where_it_stopped(self):
		name = create_sync_action(SERVER, SyncType.ORDERS)
		frappe.db.commit()
		window = self.die_after_listing(name, [[{"id": n}] for n in (1, 2, 3)])
		# Two of its three page jobs were done before it died.
		for _page in range(2):
			record_page(name, SyncCounts(created=1))
		frappe.db.commit()
		# Not dead yet: a newer run gives way as before.
		live = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertNotEqual(live, name)
		self.assertIsNone(claim(live))
		self.make_stale(name)

		with patch("frappe.enqueue") as enqueue:
			resumed = order_sync.start_order_sync(SERVER)
		self.assertEqual(resumed, name, "the dead run is resumed, not started again")
		self.assertEqual(enqueue.call_args.kwargs["action"], name)
		self.assertEqual(state_of(name), State.NOT_PROCESSED)
		frappe.db.commit()

		def rest_of_listing(erp, client, settings, *, window, start, page_sink, on_page, **kwargs):
			calls.update(window=window, start=start)
			for page in ([{"id": 4}], [{"id": 5}]):
				page_sink(page)
			return RunResult(
				counts=SyncCounts(fetched=2),
				next_cursor=window.site_until,
				next_shop_cursor=window.shop_until,
			)

		calls = {}
		with (
			patch.object(order_sync, "run_order_sync", side_effect=rest_of_listing),
			patch("frappe.enqueue") as enqueue,
		):
			run_sync_action(name)
		self.assertEqual(calls["start"], ListingPosition("orders", 3, 3, 500))
		self.assertEqual(calls["window"], window)
		self.assertEqual([job.kwargs["orders"] for job in enqueue.call_args_list], [[{"id": 4}], [{"id": 5}]])
		doc = frappe.get_doc(SYNC_ACTION_DOCTYPE, name)
		# The fan-in waits for the page job that was queued before the death, and the new ones.
		self.assertEqual((doc.state, doc.pages_expected, doc.pages_done), (State.IN_PROGRESS, 5, 2))
		for _page in range(3):
			record_page(name, SyncCounts(created=1))
		doc.reload()
		self.assertEqual((doc.state, doc.fetched, doc.created), (State.COMPLETED, 5, 5))
		# The cursors move to where the run began, on the site's clock and on the shop's.
		self.assertEqual(system_to_utc(self.cursor()), window.site_until)
		shop_cursor = frappe.db.get_value("WooCommerce Server", SERVER, "shop_synchronised_on")
		self.assertEqual(system_to_utc(shop_cursor), SHOP_CLOCK)

	def test_a_run_whose_listing_had_closed_is_not_resumed(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		frappe.db.set_value(
			SYNC_ACTION_DOCTYPE, name, "listing_position", ListingPosition("orders", 2).to_json()
		)
		close_listing(name, pages_expected=2, counts=SyncCounts(fetched=200))
		self.make_stale(name)
		newer = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertNotEqual(newer, name)
		self.assertEqual(state_of(name), State.ABORTED)

	def test_a_failed_order_does_not_hold_the_cursor(self):
		name = self.start()
		set_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=1, counts=SyncCounts(fetched=2))
		frappe.db.commit()
		failing = SyncCounts(created=1, failed=1, errors=["Order 6: The shop is unavailable (503)"])
		with patch.object(order_sync, "sync_order_page", return_value=failing):
			order_sync.process_order_page(name, SERVER, [{"id": 5}, {"id": 6}])
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 10, 0, 0))

	# -- permissions ---------------------------------------------------------------------------

	def test_synchronize_now_starts_a_run(self):
		with patch("frappe.enqueue") as enqueue:
			name = synchronize_now(SERVER, SyncType.ORDERS, 1)
		self.assertEqual(frappe.db.get_value(SYNC_ACTION_DOCTYPE, name, "synchronize_all"), "Yes")
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
		self.assertFalse(frappe.db.exists(SYNC_ACTION_DOCTYPE, {"woocommerce_server": SERVER}))

	def test_synchronize_now_refuses_a_server_whose_order_sync_is_off(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 0)
		frappe.clear_document_cache("WooCommerce Server", SERVER)
		self.addCleanup(frappe.clear_document_cache, "WooCommerce Server", SERVER)
		with self.assertRaises(frappe.ValidationError), patch("frappe.enqueue") as enqueue:
			synchronize_now(SERVER, SyncType.ORDERS, 0)
		enqueue.assert_not_called()
		self.assertFalse(frappe.db.exists(SYNC_ACTION_DOCTYPE, {"woocommerce_server": SERVER}))

	def test_synchronize_now_refuses_single_requests(self):
		with self.assertRaises(frappe.ValidationError):
			synchronize_now(SERVER, SyncType.ONE_ORDER, 0)
