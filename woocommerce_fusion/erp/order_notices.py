"""E-mails to the users who opted in (role "WooCommerce Order Sync Notification") when an order
fails or is flagged stuck: one per order per state (engine/notices.py), through the Email Queue.

Never part of a sync: a failure recorded by save_order queues notify_order after its commit, and
the stuck order job, after flagging, sends what is still due (which also catches a queued job
that was lost). The row is locked while its notice is queued and marked in the same
transaction, so two jobs never send the same notice; a mail that cannot be queued leaves the row
unmarked for the next pass and the sync untouched.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import get_url_to_form

from woocommerce_fusion.constants import NOTIFICATION_ROLE, ORDER_SYNC_DOCTYPE
from woocommerce_fusion.engine.errors import SUGGESTED_FIXES, ErrorKind
from woocommerce_fusion.engine.notices import FAILED, STUCK, notice_due
from woocommerce_fusion.engine.pipeline import Status
from woocommerce_fusion.engine.report import first_line

# Rows one pass of the stuck order job notifies; the next pass takes the rest.
PASS_LIMIT = 200


def queue_notice(name: str) -> None:
	"""After the caller's commit, a job that tells the users about the order's row (the row is
	read again there: a rolled-back failure queues nothing)."""
	frappe.enqueue(
		"woocommerce_fusion.erp.order_notices.notify_order",
		queue="short",
		enqueue_after_commit=True,
		job_id=f"woocommerce_order_notice::{name}",
		deduplicate=True,
		name=name,
	)


def notify_pending_orders(limit: int = PASS_LIMIT) -> int:
	"""Send every notice still due; how many were queued."""
	if not mail_configured():
		return 0
	names = frappe.db.sql(
		f"""select name from `tab{ORDER_SYNC_DOCTYPE}`
		where (status in %(failed)s and ifnull(notified_state, '') != %(failed_state)s)
			or (stuck = 1 and status = %(not_processed)s and ifnull(notified_state, '') != %(stuck_state)s)
		order by modified limit %(limit)s""",
		{
			"failed": Status.FAILED_STATES,
			"failed_state": FAILED,
			"not_processed": Status.NOT_PROCESSED,
			"stuck_state": STUCK,
			"limit": limit,
		},
		pluck=True,
	)
	sent = 0
	for name in names:
		try:
			sent += bool(notify_order(name))
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=_("WooCommerce order notice for {0} was not sent").format(name))
	return sent


def notify_order(name: str) -> str | None:
	"""Tell the users about the row's state if they were not told yet; the state told, or None.
	Begins and ends its own transaction."""
	if not mail_configured():
		return None
	frappe.db.rollback()
	rows = frappe.db.sql(
		f"""select name, woocommerce_server, woocommerce_id, status, stuck, notified_state,
			error_kind, error
		from `tab{ORDER_SYNC_DOCTYPE}` where name = %s for update""",
		(name,),
		as_dict=True,
	)
	state = notice_due(rows[0].status, bool(rows[0].stuck), rows[0].notified_state) if rows else None
	if not state:
		frappe.db.rollback()
		return None
	recipients = notice_recipients()
	if recipients:
		send_notice(rows[0], state, recipients)
	# Marked even with nobody to tell: a user who opts in later hears of later failures.
	frappe.db.set_value(ORDER_SYNC_DOCTYPE, name, "notified_state", state, update_modified=False)
	frappe.db.commit()
	return state


def mail_configured() -> bool:
	"""frappe.sendmail refuses without an outgoing Email Account; until there is one, the notices
	wait (unmarked) instead of filling the Error Log every pass."""
	return bool(EmailAccount.find_outgoing())


def notice_recipients() -> list[str]:
	"""The e-mail addresses of the enabled users with the notification role."""
	return frappe.get_all(
		"User",
		filters=[
			["enabled", "=", 1],
			["Has Role", "role", "=", NOTIFICATION_ROLE],
			["email", "is", "set"],
		],
		pluck="email",
		distinct=True,
		order_by="email",
	)


def send_notice(row: dict, state: str, recipients: list[str]) -> None:
	if state == STUCK:
		subject = _("WooCommerce order {0} of {1} is stuck").format(
			row.woocommerce_id, row.woocommerce_server
		)
		what = _("It is still Not processed although it was queued again.")
	else:
		subject = _("WooCommerce order {0} of {1} failed to sync").format(
			row.woocommerce_id, row.woocommerce_server
		)
		what = _("{0}: {1}").format(_(row.status), first_line(row.error) or _("no error text"))
	fix = suggested_fix(row.error_kind) if state == FAILED else ""
	link = get_url_to_form(ORDER_SYNC_DOCTYPE, row.name)
	message = "".join(
		[
			f"<p>{frappe.utils.escape_html(what)}</p>",
			f"<p>{frappe.utils.escape_html(fix)}</p>" if fix else "",
			f'<p><a href="{link}">{frappe.utils.escape_html(_("Open the order sync row"))}</a></p>',
		]
	)
	frappe.sendmail(
		recipients=recipients,
		subject=subject,
		message=message,
		reference_doctype=ORDER_SYNC_DOCTYPE,
		reference_name=row.name,
	)


def suggested_fix(error_kind: str) -> str:
	try:
		return _(SUGGESTED_FIXES[ErrorKind(error_kind)])
	except ValueError:
		return ""
