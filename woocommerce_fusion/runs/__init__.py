"""Synchronisation runs: the queue of WooCommerce Sync Actions and the bookkeeping every run shares.

A run is claimed once (Not processed -> In progress), may fan its work out over background
jobs, and ends exactly once. Fan-in is race-free because every side that may end the run (the
dispatcher after its listing, each page job after its page) takes the row lock of the action
with SELECT ... FOR UPDATE before it looks at pages_done and pages_expected.

- runs.queue: creating, superseding, resuming and enqueueing runs, the job behind every run
  (run_sync_action), claiming and failing a run;
- runs.fan_in: the listing's position, the page counts, completing a run and moving the shop's
  cursors;
- runs.switches: whether a shop's orders may be synced at all, and the flag set while the app's
  own sync writes, which the Sales Order hooks read.

Who does the work of a sync type. The jobs live in woocommerce_fusion/tasks/, and tasks import
this package; so this package never names a task, not even as a dotted string that
frappe.get_attr resolves (that would be an import cycle hidden from Python). The app's hooks.py
maps each type to its runner (`woocommerce_sync_runners`), read by runs.queue.runner_of when a
run starts: hooks.py names tasks, tasks import runs, runs reads the map through Frappe. The
WooCommerce Sync Action controller only validates the document and offers the list's button.
A new sync type (items, stock, prices, status push, webhooks) plugs in with:

1. its name in SyncType below and in the Type field's options of the doctype;
2. a runner in tasks/ that takes the claimed action (a frappe._dict of the row) and ends the run
   through runs.fan_in (close_listing / record_page) or lets run_sync_action record its failure;
3. the runner's dotted path in hooks.py's woocommerce_sync_runners;
4. if it runs over a whole shop, its name in SyncType.EXCLUSIVE, a timeout in
   runs.queue.JOB_TIMEOUTS and, if it moves a cursor of the shop, runs.fan_in.CURSOR_FIELDS.

Transactions. A run's jobs decide when to commit and do it in plain sight (frappe.db.commit()
at the end of each job). The few helpers here that must commit on their own, because other
workers have to see their write at once, say so in their name: commit_claim,
commit_cursor_until, commit_listing_position. Every other helper leaves the commit to its caller.
"""

from __future__ import annotations

from woocommerce_fusion import constants

DOCTYPE = constants.SYNC_ACTION_DOCTYPE
SERVER_DOCTYPE = constants.SERVER_DOCTYPE


class State:
	NOT_PROCESSED = "Not processed"
	IN_PROGRESS = "In progress"
	COMPLETED = "Completed"
	ABORTED = "Aborted by another synchronization"
	WEBSHOP_NOT_FOUND = "Webshop not found"
	FAILED = "Failed"

	FINISHED = (COMPLETED, ABORTED, WEBSHOP_NOT_FOUND, FAILED)


class SyncType:
	ORDERS = "Orders"
	ONE_ORDER = "One order"
	ITEMS = "Items"
	ONE_ITEM = "One item"
	# The statuses ERPNext events set, sent to the shop in batches (tasks/status_push.py).
	STATUS_PUSH = "Status push"
	# Full pushes of every linked Item's stock or prices (tasks/stock_push.py).
	STOCK = "Stock"
	PRICES = "Prices"

	# Runs over a whole shop: two of them for the same shop at once would only do the work twice,
	# so a newer one supersedes a queued one and never runs beside a live one. Single requests
	# never abort anything.
	EXCLUSIVE = (ORDERS, ITEMS, STOCK, PRICES)
	WITH_REFERENCE = (ONE_ORDER, ONE_ITEM)


# The counters of a run, added to by the dispatcher and every page job.
COUNT_FIELDS = ("fetched", "created", "updated", "unchanged", "failed")
