"""The Orders run as jobs: the dispatcher's fan-out of pages, the page jobs, the hourly run,
and a run that died while it listed and is resumed where it stopped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import frappe
from frappe.utils import now_datetime

from woocommerce_fusion.engine.sync.listing import ListingPosition, ListingWindow, RunResult
from woocommerce_fusion.engine.sync.orders import SyncCounts
from woocommerce_fusion.erp.times import system_to_utc
from woocommerce_fusion.runs import DOCTYPE, State, SyncType
from woocommerce_fusion.runs.fan_in import close_listing, commit_cursor_until, record_page
from woocommerce_fusion.runs.queue import commit_claim, create_sync_action, run_sync_action
from woocommerce_fusion.tasks import order_sync
from woocommerce_fusion.woocommerce_fusion.doctype.woocommerce_sync_action.test_woocommerce_sync_action import (
	OTHER_SERVER,
	SERVER,
	SyncActionTestCase,
	make_server,
	state_of,
)

# The records the Sync Action's own test file gets: its webshops' Company, Warehouse and so on.
test_dependencies = ["WooCommerce Sync Action"]

# The shop's clock, 20 minutes behind the site's, as its answers' Date header says.
SHOP_CLOCK = datetime(2026, 11, 25, 8, 40, tzinfo=timezone.utc)


class WorkerKilled(BaseException):
	"""A worker killed by the system: no except Exception runs, the run stays In progress."""


class TestOrderSyncRuns(SyncActionTestCase):
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
		doc = frappe.get_doc(DOCTYPE, name)
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
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual((doc.state, doc.fetched, doc.created), (State.COMPLETED, 2, 2))
		self.assertGreater(self.cursor(), since)

	def test_page_job_that_fails_counts_its_orders_and_keeps_the_cursor(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=1, counts=SyncCounts(fetched=2))
		# As the dispatcher does; the page job's rollback must not undo the listing's count.
		frappe.db.commit()
		with patch.object(order_sync, "sync_order_page", side_effect=RuntimeError("database gone")):
			order_sync.process_order_page(name, SERVER, [{"id": 5}, {"id": 6}])
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual((doc.state, doc.failed), (State.COMPLETED, 2))
		self.assertIn("5, 6", doc.error)
		self.assertIsNone(self.cursor())

	def test_unreachable_shop_fails_the_run(self):
		make_server(SERVER, url="http://127.0.0.1:9")
		frappe.db.commit()
		name = create_sync_action(SERVER, SyncType.ORDERS)
		run_sync_action(name)
		doc = frappe.get_doc(DOCTYPE, name)
		self.assertEqual(doc.state, State.FAILED)
		self.assertIn("Could not connect", doc.error)
		self.assertIsNone(self.cursor())

	def test_hourly_run_queues_enabled_shops_with_order_sync(self):
		frappe.db.set_value("WooCommerce Server", SERVER, "enable_order_sync", 1)
		frappe.db.set_value("WooCommerce Server", OTHER_SERVER, "enable_order_sync", 0)
		with patch("frappe.enqueue") as enqueue:
			order_sync.run_hourly_order_sync()
		queued = frappe.get_all(DOCTYPE, filters={"sync_type": SyncType.ORDERS}, pluck="woocommerce_server")
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

		doc = frappe.get_doc(DOCTYPE, name)
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
		self.assertIsNone(commit_claim(live))
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
		doc = frappe.get_doc(DOCTYPE, name)
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
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		frappe.db.set_value(DOCTYPE, name, "listing_position", ListingPosition("orders", 2).to_json())
		close_listing(name, pages_expected=2, counts=SyncCounts(fetched=200))
		self.make_stale(name)
		newer = create_sync_action(SERVER, SyncType.ORDERS)
		self.assertNotEqual(newer, name)
		self.assertEqual(state_of(name), State.ABORTED)

	def test_a_failed_order_does_not_hold_the_cursor(self):
		name = self.start()
		commit_cursor_until(name, datetime(2026, 11, 25, 10, 0, 0))
		close_listing(name, pages_expected=1, counts=SyncCounts(fetched=2))
		frappe.db.commit()
		failing = SyncCounts(created=1, failed=1, errors=["Order 6: The shop is unavailable (503)"])
		with patch.object(order_sync, "sync_order_page", return_value=failing):
			order_sync.process_order_page(name, SERVER, [{"id": 5}, {"id": 6}])
		self.assertEqual(state_of(name), State.COMPLETED)
		self.assertEqual(self.cursor(), datetime(2026, 11, 25, 10, 0, 0))
