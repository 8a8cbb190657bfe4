"""What every ErpPort must do: one suite for the ERP fake in CI and for FrappeErp on a bench.

The fake and the adapter drifted apart exactly where the bugs were (snapshots, a draft's status,
which Sales Order wins, e-mail case), so both run these same tests: tests/test_erp_port_contract.py
against ErpFake, woocommerce_fusion/erp/test_erp_port_contract.py against FrappeErp and MariaDB.
The behaviour of the adapter is the reference; the fake follows it.

Concurrency is tested with a second worker on its own thread, with its own transaction (and on
a bench its own database connection), as two background jobs would run.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from woocommerce_fusion.constants import order_sync_name
from woocommerce_fusion.engine.errors import ErrorKind, classify
from woocommerce_fusion.engine.mapping.order import map_order
from woocommerce_fusion.engine.mapping.plans import CustomerPlan, SalesOrderPlan
from woocommerce_fusion.engine.pipeline import Status, resolve_parties
from woocommerce_fusion.engine.ports import ErpPort, OrderRecord, SalesOrderRef
from woocommerce_fusion.engine.retry import RetryStatus
from woocommerce_fusion.engine.settings import ServerSettings
from woocommerce_fusion.testing.erp_contract_billing import BillingContract
from woocommerce_fusion.testing.erp_contract_refunds import RefundContract
from woocommerce_fusion.testing.erp_contract_status import StatusContract
from woocommerce_fusion.testing.order_cases import load_order

T = TypeVar("T")

# How long a worker that must wait is watched, and how long any worker may take at most.
WAITS_FOR = 1.0
WORKER_TIMEOUT = 60.0
KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
SUBMITTED_STATUS = "To Deliver and Bill"
# Set by save_order and read back by lock_order; the rest are the row's identity.
WRITABLE_FIELDS = tuple(
	f.name for f in dataclasses.fields(OrderRecord) if f.name not in ("name", "server", "woocommerce_id")
)
DATETIME_FIELDS = ("date_modified_gmt", "sales_order_modified", "last_attempt_on", "next_attempt_on")


class OtherWorker:
	"""A function running on its own thread; its result or exception is handed back by result()."""

	def __init__(self, target: Callable[[], Any]):
		self._done = threading.Event()
		self._result: Any = None
		self._error: BaseException | None = None
		# A daemon, so a worker stuck on a lock cannot keep the test run alive.
		self._thread = threading.Thread(target=self._run, args=(target,), daemon=True)
		self._thread.start()

	def _run(self, target: Callable[[], Any]) -> None:
		try:
			self._result = target()
		except BaseException as exc:
			self._error = exc
		finally:
			self._done.set()

	def finished(self, within: float) -> bool:
		return self._done.wait(within)

	def result(self, timeout: float = WORKER_TIMEOUT) -> Any:
		if not self._done.wait(timeout):
			raise AssertionError(f"The other worker did not finish within {timeout} s")
		if self._error is not None:
			raise self._error
		return self._result


class ContractFixtures:
	"""What the parts of the contract share, mixed into a unittest.TestCase.

	The concrete class provides the hooks below. self.erp is this (the main) thread's port; a
	test that writes and does not commit leaves its writes to tearDown's rollback.
	"""

	# -- hooks of the concrete class -------------------------------------------------------------

	def make_erp(self) -> ErpPort:
		"""The port for the calling thread."""
		raise NotImplementedError

	def settings(self) -> ServerSettings:
		"""Settings whose plans the port can book; settings().name is the server."""
		raise NotImplementedError

	def run_as_worker(self, fn: Callable[[ErpPort], T]) -> T:
		"""Called on a new thread: fn(erp) as another worker, with its own transaction (and
		connection), rolling back whatever fn left uncommitted."""
		raise NotImplementedError

	def insert_foreign_sales_order(self, woocommerce_id: int, woocommerce_status: str, docstatus: int) -> str:
		"""Called in another worker: a Sales Order of this server's order made by someone else
		(a person, another connector), committed at once; docstatus 2 is submitted, then cancelled."""
		raise NotImplementedError

	def touch_sales_order(self, name: str, **changes: Any) -> None:
		"""Called in another worker: a person saves the Sales Order with `changes`, committed at once."""
		raise NotImplementedError

	def read_committed_order(self, woocommerce_id: int) -> OrderRecord | None:
		"""Called in another worker: the order's row as committed, read without a lock."""
		raise NotImplementedError

	def transaction_writes(self) -> int:
		"""How many writes the main thread's open transaction has made."""
		raise NotImplementedError

	# -- fixtures --------------------------------------------------------------------------------

	def setUp(self) -> None:
		super().setUp()
		self.erp = self.make_erp()
		self.erp.rollback()
		self.server = self.settings().name
		self._workers: list[OtherWorker] = []
		# Ids no earlier run used, in increasing order, for tests on a database that keeps rows.
		self._ids = itertools.count(random.randrange(100_000, 2_000_000) * 1000)
		self.token = f"{random.randrange(16**10):010x}"

	def tearDown(self) -> None:
		# Releases the locks a worker may still be waiting for.
		self.erp.rollback()
		for worker in self._workers:
			worker.finished(WORKER_TIMEOUT)
		super().tearDown()

	def new_id(self) -> int:
		return next(self._ids)

	def start_other_worker(self, fn: Callable[[ErpPort], Any]) -> OtherWorker:
		worker = OtherWorker(lambda: self.run_as_worker(fn))
		self._workers.append(worker)
		return worker

	def in_other_worker(self, fn: Callable[[ErpPort], T]) -> T:
		return self.start_other_worker(fn).result()

	def foreign_sales_orders(self, *orders: tuple[int, int]) -> list[str]:
		"""(woocommerce id, docstatus) each, inserted and committed in this order by another worker."""
		return self.in_other_worker(
			lambda _: [
				self.insert_foreign_sales_order(id_, "processing", docstatus) for id_, docstatus in orders
			]
		)

	def waiting_for_the_lock(self, woocommerce_id: int) -> OtherWorker:
		"""Another worker asking for the order's lock, which this one holds: it must wait."""
		asking = threading.Event()

		def lock(erp: ErpPort) -> OrderRecord:
			asking.set()
			return erp.lock_order(self.server, woocommerce_id)

		worker = self.start_other_worker(lock)
		self.assertTrue(asking.wait(WORKER_TIMEOUT))
		self.assertFalse(worker.finished(within=WAITS_FOR), "the other worker did not wait for the lock")
		return worker

	def committed(self, woocommerce_id: int) -> OrderRecord | None:
		return self.in_other_worker(lambda _: self.read_committed_order(woocommerce_id))

	def plan(self, case: str, woocommerce_id: int, **order_changes: Any) -> SalesOrderPlan:
		order = {**load_order(case), "id": woocommerce_id, **order_changes}
		return map_order(order, self.settings(), exchange_rate=self.erp.exchange_rate)

	def insert(self, woocommerce_id: int, submit: bool, case: str = "guest") -> tuple[str, SalesOrderPlan]:
		plan = self.plan(case, woocommerce_id)
		return self.erp.insert_sales_order(plan, resolve_parties(self.erp, plan), submit=submit), plan

	def ref(self, woocommerce_id: int) -> SalesOrderRef:
		return self.erp.find_sales_orders(self.server, [woocommerce_id])[woocommerce_id]

	def customer_plan(self, label: str) -> CustomerPlan:
		"""A customer no other test or run has."""
		customer = self.plan("guest", self.new_id()).customer
		return replace(
			customer,
			email=f"contract-{label}-{self.token}@example.org",
			customer_name=f"Contract {label} {self.token}",
		)

	def save_and_commit(self, woocommerce_id: int, **fields: Any) -> None:
		self.erp.save_order(replace(self.erp.lock_order(self.server, woocommerce_id), **fields))
		self.erp.commit()

	def assertUtc(self, moment: datetime | None) -> None:
		self.assertIsNotNone(moment)
		self.assertEqual(moment.utcoffset(), timedelta(0), f"{moment!r} is not an aware UTC datetime")

	def assertKind(self, kind: ErrorKind, fn: Callable[[], Any]) -> None:
		with self.assertRaises(Exception) as caught:
			fn()
		self.assertEqual(classify(caught.exception), kind, repr(caught.exception))


class OrderRecordContract(ContractFixtures):
	"""The order's row and its lock: created once, held until the transaction ends, read fresh."""

	def test_lock_order_creates_the_row_once_and_commits_it_at_once(self):
		woocommerce_id = self.new_id()
		record = self.erp.lock_order(self.server, woocommerce_id)
		self.assertEqual(record.name, order_sync_name(self.server, woocommerce_id))
		self.assertEqual((record.server, record.woocommerce_id), (self.server, woocommerce_id))
		self.assertEqual(record.status, Status.NOT_PROCESSED)
		self.assertEqual((record.sales_order, record.payload, record.attempts), ("", None, 0))
		# Committed while this transaction still holds the lock, so a parallel worker waits for
		# the lock instead of inserting a second row.
		self.assertEqual(self.committed(woocommerce_id), record)
		self.assertEqual(self.erp.lock_order(self.server, woocommerce_id), record)
		self.save_and_commit(woocommerce_id, error="kept")
		again = self.erp.lock_order(self.server, woocommerce_id)
		self.assertEqual((again.name, again.error), (record.name, "kept"))

	def test_lock_order_makes_a_second_worker_wait_for_the_commit(self):
		woocommerce_id = self.new_id()
		record = self.erp.lock_order(self.server, woocommerce_id)
		waiting = self.waiting_for_the_lock(woocommerce_id)
		record.status, record.error = Status.FAILED, "written by the first worker"
		self.erp.save_order(record)
		self.erp.commit()
		seen = waiting.result()
		self.assertEqual((seen.status, seen.error), (Status.FAILED, "written by the first worker"))

	def test_rollback_undoes_the_writes_and_releases_the_lock(self):
		woocommerce_id = self.new_id()
		record = self.erp.lock_order(self.server, woocommerce_id)
		record.status, record.error = Status.FAILED, "rolled back"
		self.erp.save_order(record)
		waiting = self.waiting_for_the_lock(woocommerce_id)
		self.erp.rollback()
		seen = waiting.result()
		self.assertEqual((seen.status, seen.error), (Status.NOT_PROCESSED, ""))
		self.assertEqual(self.committed(woocommerce_id).error, "")

	def test_lock_order_reads_the_latest_commit_whatever_the_transaction_read_before(self):
		woocommerce_id = self.new_id()
		now = datetime.now(timezone.utc)
		self.save_and_commit(woocommerce_id, next_attempt_on=now - timedelta(hours=1))
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now, 10), [woocommerce_id])

		def other(erp: ErpPort) -> None:
			record = erp.lock_order(self.server, woocommerce_id)
			record.next_attempt_on, record.error = None, "committed by the other worker"
			erp.save_order(record)
			erp.commit()

		self.in_other_worker(other)
		# A plain read still comes from this transaction's snapshot...
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now, 10), [woocommerce_id])
		# ...but the locked row is the committed one, and so is everything read after it.
		record = self.erp.lock_order(self.server, woocommerce_id)
		self.assertEqual((record.error, record.next_attempt_on), ("committed by the other worker", None))
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now, 10), [])

	def test_reads_after_lock_order_see_what_the_lock_holder_committed(self):
		woocommerce_id = self.new_id()
		plan = self.plan("guest", woocommerce_id)
		self.assertEqual(self.erp.find_sales_orders(self.server, [woocommerce_id]), {})
		locked = threading.Event()

		def holder(erp: ErpPort) -> str:
			record = erp.lock_order(self.server, woocommerce_id)
			locked.set()
			record.sales_order = erp.insert_sales_order(plan, resolve_parties(erp, plan), submit=False)
			erp.save_order(record)
			# Long enough for the main worker to be waiting for the lock.
			time.sleep(WAITS_FOR)
			erp.commit()
			return record.sales_order

		worker = self.start_other_worker(holder)
		self.assertTrue(locked.wait(WORKER_TIMEOUT))
		record = self.erp.lock_order(self.server, woocommerce_id)
		name = worker.result()
		self.assertEqual(record.sales_order, name)
		self.assertEqual(self.ref(woocommerce_id).name, name)

	def test_plain_reads_keep_the_snapshot_of_the_transaction(self):
		woocommerce_id = self.new_id()
		since = datetime.now(timezone.utc) - timedelta(minutes=5)
		self.assertEqual(self.erp.find_sales_orders(self.server, [woocommerce_id]), {})
		(name,) = self.foreign_sales_orders((woocommerce_id, 1))
		# REPEATABLE READ: committed after this transaction's first read, so not seen in it.
		self.assertEqual(self.erp.find_sales_orders(self.server, [woocommerce_id]), {})
		self.assertNotIn(name, [ref.name for ref in self.erp.sales_orders_modified_since(self.server, since)])
		self.erp.lock_order(self.server, woocommerce_id)
		self.assertEqual(self.ref(woocommerce_id).name, name)
		self.assertIn(name, [ref.name for ref in self.erp.sales_orders_modified_since(self.server, since)])

	def test_lock_order_refuses_a_transaction_with_uncommitted_writes(self):
		first, second = self.new_id(), self.new_id()
		record = self.erp.lock_order(self.server, first)
		record.error = "not committed yet"
		self.erp.save_order(record)
		with self.assertRaises(Exception):
			self.erp.lock_order(self.server, second)
		# Refused before anything happened: the transaction and its write are still there.
		self.erp.commit()
		self.assertEqual(self.committed(first).error, "not committed yet")
		self.assertIsNone(self.committed(second))

	def test_save_order_writes_only_what_changed(self):
		woocommerce_id = self.new_id()
		moment = datetime(2026, 11, 25, 16, 30, 35, 120, tzinfo=timezone.utc)
		record = self.erp.lock_order(self.server, woocommerce_id)
		self.erp.save_order(record)
		self.assertEqual(self.transaction_writes(), 0)
		record.next_attempt_on = moment
		self.erp.save_order(record)
		self.assertGreater(self.transaction_writes(), 0)
		self.erp.commit()

		record = self.erp.lock_order(self.server, woocommerce_id)
		self.erp.save_order(record)
		# The same moment in another zone is no change either.
		record.next_attempt_on = moment.astimezone(KOLKATA)
		self.erp.save_order(record)
		self.assertEqual(self.transaction_writes(), 0)

	def test_save_order_round_trips_every_field(self):
		woocommerce_id = self.new_id()
		(sales_order,) = self.foreign_sales_orders((woocommerce_id, 0))
		moment = datetime(2026, 11, 25, 16, 30, 35, 120, tzinfo=timezone.utc)
		record = self.erp.lock_order(self.server, woocommerce_id)
		wanted = replace(
			record,
			status=Status.FAILED,
			sales_order=sales_order,
			# Link fields the port writes as given; no documents of these names are needed.
			sales_invoice=f"ACC-SINV-CONTRACT-{woocommerce_id}",
			payment_entry=f"ACC-PAY-CONTRACT-{woocommerce_id}",
			payload=load_order("guest"),
			date_modified_gmt=moment.astimezone(NEW_YORK),
			applied_digest="d" * 64,
			sales_order_modified=(moment + timedelta(seconds=1)).astimezone(KOLKATA),
			synced_status="on-hold",
			placeholder_lines="Line 7: Grüße <b> (SKU unknown) on WooCommerce Deleted Product",
			error="Traceback (most recent call last):\n  Grüße <b>",
			error_kind=ErrorKind.CONFLICT.value,
			failed_step="sales_order",
			attempts=3,
			last_attempt_on=(moment + timedelta(seconds=2)).astimezone(KOLKATA),
			next_attempt_on=moment + timedelta(minutes=30),
			retry_status=RetryStatus.SCHEDULED,
		)
		# A field added to OrderRecord must be added here too.
		unset = [name for name in WRITABLE_FIELDS if getattr(wanted, name) == getattr(record, name)]
		self.assertEqual(unset, [])
		self.erp.save_order(wanted)
		self.erp.commit()

		stored = self.erp.lock_order(self.server, woocommerce_id)
		self.assertEqual(stored, wanted)
		for name in DATETIME_FIELDS:
			self.assertUtc(getattr(stored, name))
		self.assertEqual(self.committed(woocommerce_id), wanted)

	def test_save_order_refuses_a_naive_datetime(self):
		record = self.erp.lock_order(self.server, self.new_id())
		record.next_attempt_on = datetime(2026, 11, 25, 16, 30)
		with self.assertRaises(ValueError):
			self.erp.save_order(record)

	def test_orders_due_for_retry_earliest_first_within_the_limit(self):
		now = datetime.now(timezone.utc).replace(microsecond=0)
		ids = [self.new_id() for _ in range(7)]
		schedule = dict(
			zip(
				ids,
				(
					now - timedelta(hours=1),
					now - timedelta(hours=2),
					now + timedelta(hours=1),
					None,
					now - timedelta(hours=3),
					now - timedelta(hours=3),
					now,
				),
				strict=True,
			)
		)
		for woocommerce_id, next_attempt_on in schedule.items():
			self.save_and_commit(woocommerce_id, next_attempt_on=next_attempt_on)
		due = [ids[4], ids[5], ids[1], ids[0], ids[6]]
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now, 10), due)
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now, 2), due[:2])
		self.assertEqual(self.erp.orders_due_for_retry(self.server, now.astimezone(KOLKATA), 10), due)


class SalesOrderContract(ContractFixtures):
	"""Sales Orders, the masters (customers, addresses, contacts, items) and exchange rates."""

	def test_find_sales_orders_prefers_submitted_then_oldest_and_ignores_cancelled(self):
		submitted_wins, oldest_wins, only_cancelled, after_cancelled = (self.new_id() for _ in range(4))
		names = self.foreign_sales_orders(
			(submitted_wins, 0),
			(submitted_wins, 1),
			(oldest_wins, 0),
			(oldest_wins, 0),
			(only_cancelled, 2),
			(after_cancelled, 2),
			(after_cancelled, 0),
		)
		self.erp.rollback()
		before = datetime.now(timezone.utc)
		refs = self.erp.find_sales_orders(
			self.server, [submitted_wins, oldest_wins, only_cancelled, after_cancelled, self.new_id()]
		)
		self.assertEqual(
			{woocommerce_id: ref.name for woocommerce_id, ref in refs.items()},
			{submitted_wins: names[1], oldest_wins: names[2], after_cancelled: names[6]},
		)
		submitted, draft = refs[submitted_wins], refs[oldest_wins]
		self.assertEqual(
			(submitted.woocommerce_id, submitted.docstatus, submitted.status, submitted.woocommerce_status),
			(submitted_wins, 1, SUBMITTED_STATUS, "processing"),
		)
		self.assertEqual((draft.docstatus, draft.status), (0, "Draft"))
		for ref in refs.values():
			self.assertUtc(ref.modified_utc)
			self.assertUtc(ref.woocommerce_status_changed_on)
			self.assertLess(abs(ref.modified_utc - before), timedelta(minutes=5))
			self.assertEqual(self.erp.sales_order_modified(ref.name), ref.modified_utc)

	def test_insert_sales_order_books_the_plans_status_and_total(self):
		for submit, status in ((False, "Draft"), (True, SUBMITTED_STATUS)):
			with self.subTest(submit=submit):
				woocommerce_id = self.new_id()
				plan = self.plan("mixed_tax_rates", woocommerce_id, status="on-hold")
				resolved = resolve_parties(self.erp, plan)
				name = self.erp.insert_sales_order(plan, resolved, submit=submit)
				ref = self.ref(woocommerce_id)
				self.assertEqual(
					(ref.name, ref.woocommerce_id, ref.docstatus, ref.status, ref.customer),
					(name, woocommerce_id, int(submit), status, resolved.customer),
				)
				self.assertEqual(ref.woocommerce_status, "on-hold")
				self.assertEqual(ref.grand_total, plan.grand_total)
				self.assertEqual(ref.grand_total, Decimal("63.29"))
				self.assertUtc(ref.woocommerce_status_changed_on)
				self.assertEqual(self.erp.sales_order_modified(name), ref.modified_utc)

	def test_update_sales_order_stamps_a_status_change(self):
		for submit in (False, True):
			with self.subTest(submit=submit):
				woocommerce_id = self.new_id()
				name, _ = self.insert(woocommerce_id, submit=submit)
				before = self.ref(woocommerce_id)
				self.erp.update_sales_order(name, {"woocommerce_status": "completed"})
				after = self.ref(woocommerce_id)
				self.assertEqual(after.woocommerce_status, "completed")
				self.assertGreater(after.woocommerce_status_changed_on, before.woocommerce_status_changed_on)
				self.assertGreater(after.modified_utc, before.modified_utc)

	def test_a_submitted_sales_order_takes_only_status_changes(self):
		woocommerce_id = self.new_id()
		name, _ = self.insert(woocommerce_id, submit=True)
		before = self.ref(woocommerce_id)
		self.erp.update_sales_order(name, {"woocommerce_status": before.woocommerce_status})
		self.assertEqual(self.ref(woocommerce_id), before)
		self.assertKind(
			ErrorKind.BAD_DATA, lambda: self.erp.update_sales_order(name, {"customer": before.customer + "x"})
		)
		self.assertEqual(self.ref(woocommerce_id), before)

	def test_replace_sales_order_content_rewrites_a_draft_and_refuses_a_submitted_one(self):
		draft_id, submitted_id = self.new_id(), self.new_id()
		draft, plan = self.insert(draft_id, submit=False, case="mixed_tax_rates")
		changed = self.plan("fees_positive_negative", draft_id, status="completed")
		self.assertNotEqual(changed.grand_total, plan.grand_total)
		self.erp.replace_sales_order_content(draft, changed, resolve_parties(self.erp, changed))
		ref = self.ref(draft_id)
		self.assertEqual((ref.name, ref.docstatus), (draft, 0))
		self.assertEqual((ref.woocommerce_status, ref.grand_total), ("completed", changed.grand_total))

		submitted, _ = self.insert(submitted_id, submit=True, case="mixed_tax_rates")
		before = self.ref(submitted_id)
		changed = self.plan("fees_positive_negative", submitted_id, status="completed")
		resolved = resolve_parties(self.erp, changed)
		self.assertKind(
			ErrorKind.BAD_DATA, lambda: self.erp.replace_sales_order_content(submitted, changed, resolved)
		)
		self.assertEqual(self.ref(submitted_id), before)

	def test_sales_orders_modified_since_leaves_out_what_the_order_row_has_seen(self):
		since = datetime.now(timezone.utc) - timedelta(minutes=1)
		seen_id, unseen_id = self.new_id(), self.new_id()
		seen, unseen = self.foreign_sales_orders((seen_id, 1), (unseen_id, 0))
		self.erp.rollback()
		self.save_and_commit(
			seen_id, sales_order=seen, sales_order_modified=self.erp.sales_order_modified(seen)
		)
		modified = self.erp.sales_orders_modified_since(self.server, since)
		self.assertEqual([ref.name for ref in modified], [unseen])

		self.in_other_worker(lambda _: self.touch_sales_order(seen, woocommerce_status="completed"))
		self.erp.rollback()
		modified = self.erp.sales_orders_modified_since(self.server, since)
		self.assertEqual(sorted(ref.name for ref in modified), sorted([seen, unseen]))
		touched = next(ref for ref in modified if ref.name == seen)
		self.assertEqual(touched.woocommerce_status, "completed")
		self.assertEqual(self.erp.sales_orders_modified_since(self.server, since + timedelta(minutes=30)), [])

	# -- masters ---------------------------------------------------------------------------------

	def test_ensure_customer_matches_emails_case_insensitively_and_creates_once(self):
		plan = self.customer_plan("case")
		shouted = replace(plan, email=f"  {plan.email.upper()} ")
		first = self.erp.ensure_customer(shouted)
		self.assertEqual(self.erp.ensure_customer(plan), first)
		self.erp.commit()
		self.assertEqual(self.erp.ensure_customer(replace(plan, email=plan.email.title())), first)
		self.assertNotEqual(self.erp.ensure_customer(self.customer_plan("other")), first)
		self.assertEqual(self.erp.ensure_customer(replace(plan, fixed_customer="Walk-in")), "Walk-in")

	def test_a_customer_another_worker_created_after_the_snapshot_is_a_conflict(self):
		plan = self.customer_plan("race")
		# This transaction's snapshot is taken before the other worker creates the customer.
		self.erp.find_sales_orders(self.server, [self.new_id()])

		def create(erp: ErpPort) -> str:
			name = erp.ensure_customer(plan)
			erp.commit()
			return name

		created = self.in_other_worker(create)
		# Its snapshot cannot see that customer; creating a second one would be a duplicate.
		self.assertKind(ErrorKind.CONFLICT, lambda: self.erp.ensure_customer(plan))
		self.erp.rollback()
		self.assertEqual(self.erp.ensure_customer(plan), created)

	def test_addresses_and_contacts_are_found_before_they_are_created(self):
		plan = self.plan("mixed_tax_rates", self.new_id())
		plan = replace(plan, customer=self.customer_plan("parties"))
		first = resolve_parties(self.erp, plan)
		self.assertTrue(first.billing_address and first.shipping_address and first.contact)
		self.assertNotEqual(first.billing_address, first.shipping_address)
		self.assertEqual(resolve_parties(self.erp, plan), first)

	def test_ensure_item_creates_once_per_product_and_finds_by_sku(self):
		item = self.plan("guest", self.new_id()).lines[0].item
		sku = f"CONTRACT-{self.token}"
		with_sku = replace(item, woocommerce_product_id=self.new_id(), sku=sku)
		self.assertEqual(self.erp.ensure_item(self.server, with_sku), sku)
		self.assertEqual(self.erp.ensure_item(self.server, with_sku), sku)
		# Another product under the same SKU is that Item, not a second one.
		self.assertEqual(
			self.erp.ensure_item(self.server, replace(with_sku, woocommerce_product_id=self.new_id())), sku
		)
		without_sku = replace(item, woocommerce_product_id=self.new_id(), sku="")
		code = self.erp.ensure_item(self.server, without_sku)
		self.assertEqual(code, f"WOO-{without_sku.woocommerce_product_id}-0")
		self.assertEqual(self.erp.ensure_item(self.server, without_sku), code)

	def test_exchange_rate_is_one_for_the_same_currency_and_unknown_without_a_rate(self):
		day = date(2026, 11, 25)
		self.assertEqual(self.erp.exchange_rate("EUR", "EUR", day), Decimal(1))
		self.assertIsNone(self.erp.exchange_rate("XTS", "EUR", day))


class ErpContract(OrderRecordContract, SalesOrderContract, BillingContract, StatusContract, RefundContract):
	"""The contract of engine/ports.py's ErpPort, in its three parts, of engine/status_port.py's
	StatusPort and of engine/refund_port.py's RefundPort, mixed into a unittest.TestCase that
	provides ContractFixtures', BillingContract's, StatusContract's and RefundContract's hooks."""
