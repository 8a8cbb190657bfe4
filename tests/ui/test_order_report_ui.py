"""The daily WooCommerce Order Sync Report's form in a real browser (Debian's chromium driven by
Playwright) as the administrator: a report made with one recipient, Send Now putting its e-mail
into the Email Queue, and every recipient removed turning the report off with a message.

Skipped unless WOOFUSION_BENCH_URL names the bench's web server (README, "In a browser"). The
report and its Email Queue rows are removed at the start and at the end, and so is the outgoing
Email Account the test adds to a bench that has none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

if not os.environ.get("WOOFUSION_BENCH_URL"):
	pytest.skip("no bench configured (WOOFUSION_BENCH_URL)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from desk import Bench, chromium, desk, error_dialogs, field, save, settle, shot, wait_until  # noqa: E402

REPORT = "WooCommerce Order Sync Report"
RECIPIENT = "ui-order-report@example.com"
ACCOUNT = "_Test WooCommerce UI Outgoing"


def our_reports(bench: Bench) -> list[str]:
	rows = bench.call(
		"frappe.client.get_list",
		doctype="WooCommerce Order Sync Report Recipient",
		parent=REPORT,
		filters={"email": RECIPIENT},
		fields=["parent"],
		limit_page_length=0,
	)
	return sorted({row["parent"] for row in rows})


def remove_test_data(bench: Bench, names: list[str]) -> None:
	for name in names:
		bench.delete_all("Email Queue", {"reference_doctype": REPORT, "reference_name": name})
		bench.delete_all(REPORT, {"name": name})


@pytest.fixture(scope="module")
def outgoing_account() -> Iterator[None]:
	"""A default outgoing Email Account if the bench has none: frappe.sendmail refuses to queue
	without one. It waits for its password, so Frappe neither tries its SMTP server on saving
	nor (no worker runs the queue during the test) sends anything."""
	bench = Bench()
	if bench.get_list("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}, ["name"]):
		yield
		return
	bench.delete_all("Email Account", {"name": ACCOUNT})
	bench.insert(
		{
			"doctype": "Email Account",
			"email_account_name": ACCOUNT,
			"email_id": "ui-outgoing@example.com",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"awaiting_password": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": 9,
		}
	)
	yield
	bench.delete_all("Email Account", {"name": ACCOUNT})


@pytest.fixture(scope="module")
def made(outgoing_account: None) -> Iterator[list[str]]:
	"""The names of the reports the test makes (a report without recipients keeps none to find it by)."""
	bench = Bench()
	remove_test_data(bench, our_reports(bench))
	names: list[str] = []
	yield names
	remove_test_data(bench, names)


@pytest.fixture(scope="module")
def page(made: list[str]) -> Iterator[Any]:
	with chromium() as browser, desk(browser) as page:
		yield page
		assert page.failed_calls == []


def send_now(page: Any) -> Any:
	return page.locator(".page-actions .custom-actions button", has_text="Send Now")


def test_send_now_then_remove_every_recipient(page: Any, made: list[str]) -> None:
	bench = Bench()
	page.goto("/app/woocommerce-order-sync-report/new")
	page.wait_for_selector('.frappe-control[data-fieldname="recipients"]')
	settle(page)
	# Send Now needs a saved report with recipients.
	assert send_now(page).count() == 0
	assert field(page, "enabled").locator("input[data-fieldname]").is_checked()
	field(page, "scope").locator("select").select_option("All orders")
	recipients = field(page, "recipients")
	recipients.locator(".grid-add-row").click()
	row = recipients.locator(".grid-body .grid-row").last
	row.locator('[data-fieldname="email"]').first.click()
	email = row.locator('.frappe-control[data-fieldname="email"] input')
	email.fill(RECIPIENT)
	# Not Tab: Tab in a table's last column adds a row.
	email.blur()
	shot(page, "51_report_new")
	save(page)
	name = page.evaluate("cur_frm.doc.name")
	made.append(name)
	assert error_dialogs(page) == []
	send_now(page).wait_for()
	shot(page, "52_report_saved")

	send_now(page).click()
	page.locator("#alert-container", has_text="The report is in the Email Queue").wait_for()
	page.wait_for_timeout(500)
	shot(page, "53_report_sent_now")
	queued = bench.get_list(
		"Email Queue", {"reference_doctype": REPORT, "reference_name": name}, ["name", "message"]
	)
	assert len(queued) == 1
	assert "Daily Order Sync Status Report" in queued[0]["message"]
	recipients_of_mail = bench.get_doc("Email Queue", queued[0]["name"])["recipients"]
	assert [row["recipient"] for row in recipients_of_mail] == [RECIPIENT]
	# Send Now does not count as the day's report.
	assert bench.get_doc(REPORT, name)["last_sent_on"] is None

	recipients.locator(".grid-heading-row .grid-row-check").first.check()
	recipients.locator(".grid-remove-rows").click()
	page.wait_for_timeout(300)
	page.locator(".page-actions .primary-action:visible").first.click()
	alert = page.locator("#alert-container", has_text="The report has no recipients, so it is disabled.")
	alert.wait_for()
	wait_until(page, "window.cur_frm && !cur_frm.is_dirty()", "report_saved_without_recipients")
	settle(page)
	shot(page, "54_report_no_recipients")
	assert not field(page, "enabled").locator("input[data-fieldname]").is_checked()
	assert send_now(page).count() == 0
	doc = bench.get_doc(REPORT, name)
	assert doc["enabled"] == 0 and doc["recipients"] == []
