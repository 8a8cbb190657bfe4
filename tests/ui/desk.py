"""What the Desk browser checks of tests/ui share: Frappe's REST API as Administrator, a logged-in
Debian chromium driven by Playwright, screenshots, and a watch on the page's failed API calls.

Only imported by test modules that have already skipped themselves when WOOFUSION_BENCH_URL is
not set (the README's "In a browser" section names the variables).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

BENCH_URL = os.environ.get("WOOFUSION_BENCH_URL", "").rstrip("/")
ADMIN_USER = os.environ.get("WOOFUSION_BENCH_ADMIN_USER", "Administrator")
ADMIN_PASSWORD = os.environ.get("WOOFUSION_BENCH_ADMIN_PASSWORD", "admin")
CHROMIUM = os.environ.get("WOOFUSION_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("WOOFUSION_UI_SCREENSHOTS", Path(__file__).parent / "screenshots"))
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
# The test company of the bench fixtures (woocommerce_fusion/testing/bench_fixtures.py).
COMPANY, ABBR = "_Test Company 2", "_TC2"


class Bench:
	"""Frappe's REST API as Administrator."""

	def __init__(self) -> None:
		self.http = requests.Session()
		self.http.post(
			f"{BENCH_URL}/api/method/login", json={"usr": ADMIN_USER, "pwd": ADMIN_PASSWORD}, timeout=30
		).raise_for_status()

	def call(self, method: str, **args: Any) -> Any:
		answer = self.http.post(f"{BENCH_URL}/api/method/{method}", json=args, timeout=60)
		assert answer.ok, answer.text
		return answer.json().get("message")

	def insert(self, doc: dict) -> dict:
		return self.call("frappe.client.insert", doc=doc)

	def get_doc(self, doctype: str, name: str) -> dict:
		return self.call("frappe.client.get", doctype=doctype, name=name)

	def get_list(self, doctype: str, filters: dict, fields: list[str]) -> list[dict]:
		return self.call(
			"frappe.client.get_list", doctype=doctype, filters=filters, fields=fields, limit_page_length=0
		)

	def delete_all(self, doctype: str, filters: dict) -> None:
		for row in self.get_list(doctype, filters, ["name"]):
			self.call("frappe.client.delete", doctype=doctype, name=row["name"])

	def cancel_and_delete(self, doctype: str, filters: dict) -> None:
		for row in self.get_list(doctype, filters, ["name", "docstatus"]):
			if row["docstatus"] == 1:
				self.call("frappe.client.cancel", doctype=doctype, name=row["name"])
			self.call("frappe.client.delete", doctype=doctype, name=row["name"])

	def make_user(self, email: str, password: str, roles: list[str]) -> None:
		self.delete_all("User", {"name": email})
		self.insert(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": role} for role in roles],
			}
		)


@contextmanager
def chromium() -> Iterator[Any]:
	from playwright.sync_api import sync_playwright

	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
		try:
			yield browser
		finally:
			browser.close()


@contextmanager
def desk(browser: Any, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> Iterator[Any]:
	"""A fresh context logged in through the login page. `page.failed_calls` collects every API
	call the server refused (status 400 and up): a screen that shows "Not permitted" or an error
	toast made one."""
	context = browser.new_context(base_url=BENCH_URL, viewport={"width": 1440, "height": 900}, locale="en-US")
	page = context.new_page()
	page.set_default_timeout(20_000)
	page.failed_calls = []

	def watch(response: Any) -> None:
		if "/api/" in response.url and response.status >= 400:
			page.failed_calls.append(f"{response.status} {response.url}")

	page.on("response", watch)
	page.goto("/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**")
	try:
		yield page
	finally:
		context.close()


def shot(page: Any, name: str) -> None:
	path = SCREENSHOTS / f"{name}.png"
	page.screenshot(path=str(path), full_page=True)
	print(f"screenshot: {path}")


def settle(page: Any) -> None:
	"""Until Desk has no call in flight (and the drawing that follows the last one is done)."""
	page.wait_for_function("window.frappe && frappe.request && !frappe.request.ajax_count")
	page.wait_for_timeout(300)


def open_form(page: Any, doctype: str, name: str) -> None:
	route = doctype.lower().replace(" ", "-")
	page.goto(f"/app/{route}/{requests.utils.quote(name, safe='')}")
	page.wait_for_function(
		"([doctype, name]) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.doc.name === name",
		arg=[doctype, name],
	)
	settle(page)


def error_dialogs(page: Any) -> list[str]:
	"""The text of the message boxes Desk shows (errors, "Not permitted")."""
	return page.locator(".modal.show .msgprint, .modal.show .modal-body").all_inner_texts()


def field(page: Any, fieldname: str) -> Any:
	"""The form's field wrapper (visible or not) of the current tab."""
	return page.locator(f'.frappe-control[data-fieldname="{fieldname}"]').first


def show_tab(page: Any, label: str) -> None:
	page.locator(".form-tabs .nav-link", has_text=label).first.click()
	page.wait_for_timeout(200)


def wait_until(page: Any, condition: str, name: str, arg: Any = None) -> None:
	"""page.wait_for_function, leaving a screenshot (failed_<name>.png) of what it waited on."""
	try:
		page.wait_for_function(condition, arg=arg)
	except Exception as error:
		shot(page, f"failed_{name}")
		raise AssertionError(f"{name}: {error_dialogs(page)}") from error


def save(page: Any) -> None:
	"""The Save button of the form's toolbar, until the form is saved."""
	page.locator(".page-actions .primary-action:visible").first.click()
	wait_until(page, "window.cur_frm && !cur_frm.is_dirty() && !cur_frm.is_new()", "save")
	settle(page)
