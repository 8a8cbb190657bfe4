"""Find or create a master record once among parallel workers: named locks and announcements.

Two workers may meet the same new customer or product at the same moment (two orders of one
buyer, a page fanned out over jobs). Creation therefore runs under a MariaDB named lock, held
until the transaction ends. Under REPEATABLE READ that alone is not enough: a worker whose
snapshot is older than the other's commit would not see the record and create it again. So a
worker that created a record announces it in the cache once it has committed; the next one to
take the lock sees the announcement, and if its snapshot cannot see the record it stops (its
link validation could not see it either) and the order is retried. Locking reads would do the
same without the cache, but their gap locks make two workers that create different records
deadlock each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from weakref import WeakKeyDictionary

import frappe
from frappe import _
from frappe.database.database import Database

from woocommerce_fusion.engine.errors import ErrorKind, FusionError

# Long enough for a parallel worker to finish creating the same record, short of MariaDB's
# default lock wait timeout (50 s), so our own message is the one people see.
NAMED_LOCK_TIMEOUT = 30
# Far longer than any transaction that could have read before the announced commit.
ANNOUNCEMENT_SECONDS = 600


class ParallelWorkerError(FusionError):
	"""Another worker holds or just created a record this order needs; a retry picks it up."""

	kind = ErrorKind.CONFLICT


@dataclass
class _TransactionLocks:
	locks: set[str] = field(default_factory=set)
	# announcement key -> name of the record this transaction created
	created: dict[str, str] = field(default_factory=dict)


# Per database connection rather than in frappe.local.flags, which a thread's second
# connection (FrappeTestCase.secondary_connection) would share.
_transactions: WeakKeyDictionary[Database, _TransactionLocks] = WeakKeyDictionary()


def _current() -> _TransactionLocks:
	db = frappe.local.db
	txn = _transactions.get(db)
	if txn is None:
		txn = _transactions[db] = _TransactionLocks()
		db.after_commit.add(partial(_end, db, True))
		db.after_rollback.add(partial(_end, db, False))
	return txn


def _end(db: Database, committed: bool) -> None:
	txn = _transactions.pop(db, None)
	if txn is None:
		return
	if committed:
		# Announced before the locks go, so whoever takes one next finds the announcement.
		for key, name in txn.created.items():
			frappe.cache.set_value(key, name, expires_in_sec=ANNOUNCEMENT_SECONDS)
	for lock in txn.locks:
		db.sql("select release_lock(%s)", (lock,))


def _digest(key: str) -> str:
	return hashlib.sha256(f"{frappe.local.site}:{key}".encode()).hexdigest()


def hold_lock(key: str) -> None:
	"""Take the named lock `key` until the current transaction commits or rolls back."""
	txn = _current()
	# MariaDB lock names are limited to 64 characters and shared by every site on the server.
	lock = "wcf-" + _digest(key)[:56]
	if lock in txn.locks:
		return
	got = frappe.db.sql("select get_lock(%s, %s)", (lock, NAMED_LOCK_TIMEOUT))[0][0]
	if got != 1:
		raise ParallelWorkerError(
			_("Another job has been creating {0} for {1} seconds; the order is retried later.").format(
				key, NAMED_LOCK_TIMEOUT
			)
		)
	txn.locks.add(lock)


def find_or_create(doctype: str, key: str, find: Callable[[], str | None], create: Callable[[], str]) -> str:
	"""find() returns the record's name or None; create() makes it and returns its name."""
	name = find()
	if name:
		return name
	hold_lock(key)
	announcement = f"woocommerce_fusion:created:{_digest(key)}"
	announced = frappe.cache.get_value(announcement, expires=True)
	if announced and not frappe.db.exists(doctype, announced) and _committed(doctype, announced):
		raise ParallelWorkerError(
			_(
				"{0} {1} was created by a parallel job while this order was processed; the order is "
				"retried and then uses it."
			).format(_(doctype), announced)
		)
	name = create()
	_current().created[announcement] = name
	return name


def _committed(doctype: str, name: str) -> bool:
	"""Whether the record exists now, beyond this transaction's snapshot (a locking read)."""
	return bool(frappe.db.sql(f"select name from `tab{doctype}` where name = %s for update", (name,)))
