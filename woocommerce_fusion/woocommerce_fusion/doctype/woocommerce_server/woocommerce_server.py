# Copyright (c) 2025, woocommerce_fusion developers
# For license information, please see license.txt

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, formatdate, get_url, today

from woocommerce_fusion.constants import SERVER_DOCTYPE
from woocommerce_fusion.engine.client import WooCommerceClient
from woocommerce_fusion.engine.errors import FusionError, WooCommerceError
from woocommerce_fusion.engine.intake import ORDER_TOPICS
from woocommerce_fusion.erp.connection import get_client
from woocommerce_fusion.erp.item_sync_settings import validate_item_sync_settings
from woocommerce_fusion.erp.order_records import retry_after_settings_change
from woocommerce_fusion.erp.status_records import default_rules, pushes_due_after_settings_change
from woocommerce_fusion.runs.switches import check_order_sync_enabled

RECEIVE_PATH = "/api/method/woocommerce_fusion.webhooks.receive"

# Path segments that belong to WordPress itself, never to the folder it is installed in: what
# follows them is cut when someone pastes the address of the admin screen or of the API.
WORDPRESS_PATHS = ("wp-admin", "wp-json", "wp-login.php", "wp-content", "wp-includes", "index.php")


# A webhook delivery's row name adds 50 characters (delivery id and body digest) to the server's.
MAX_TITLE_LENGTH = 80


class WooCommerceServer(Document):
	def before_insert(self) -> None:
		# Status back to WooCommerce starts with the defaults; existing servers got them by a patch.
		if not self.get("status_rules"):
			self.set("status_rules", default_rules())

	def validate(self) -> None:
		self.validate_title_length()
		self.woocommerce_server_url = normalise_shop_url(self.woocommerce_server_url)
		self.validate_request_timeout()
		self.validate_tax_accounts()
		self.validate_company_links()
		self.validate_order_sync_start()
		validate_item_sync_settings(self)

	def on_update(self) -> None:
		# A missing account or a wrong setting may be what the waiting orders failed on.
		retry_after_settings_change(self.name)
		pushes_due_after_settings_change(self.name)
		self.follow_order_sync_switch()

	def on_trash(self) -> None:
		"""The shop's webhooks would keep delivering to a server that no longer exists."""
		if self.get_password("webhook_secret", raise_exception=False):
			try_on_shop(self.name, lambda client: remove_webhooks(client, self.name), _("deleted"))

	def follow_order_sync_switch(self) -> None:
		"""Order sync turned off pauses the shop's webhooks; turned on again, they are made active."""
		if not (self.has_value_changed("enable_order_sync") or self.has_value_changed("enabled")):
			return
		if self.get_doc_before_save() is None or not self.get_password(
			"webhook_secret", raise_exception=False
		):
			return
		if self.enabled and self.enable_order_sync:
			try_on_shop(self.name, lambda client: register(client, self), _("made active"))
		else:
			try_on_shop(
				self.name, lambda client: set_webhook_status(client, self.name, "paused"), _("paused")
			)

	def validate_title_length(self) -> None:
		# The name starts the names of its rows ("{server}-{order id}", "{server}-{delivery}"),
		# which Frappe limits to 140 characters.
		if len(self.title or "") > MAX_TITLE_LENGTH:
			frappe.throw(
				_("Shop Name may have at most {0} characters; {1} has {2}.").format(
					MAX_TITLE_LENGTH, frappe.bold(self.title), len(self.title)
				)
			)

	def validate_request_timeout(self) -> None:
		if not 1 <= (self.request_timeout or 0) <= 600:
			frappe.throw(_("Request Timeout must be between 1 and 600 seconds."))

	def validate_tax_accounts(self) -> None:
		seen: set[int] = set()
		for row in self.tax_accounts:
			if row.woocommerce_tax_rate_id in seen:
				frappe.throw(
					_("Row {0}: WooCommerce Tax Rate ID {1} is mapped twice.").format(
						row.idx, row.woocommerce_tax_rate_id
					)
				)
			seen.add(row.woocommerce_tax_rate_id)

	def validate_company_links(self) -> None:
		"""Accounts and the warehouse of another company would only fail later, on every order."""
		links = [
			("Account", row.account, _("Tax Accounts row {0}").format(row.idx)) for row in self.tax_accounts
		]
		links += [
			("Account", self.shipping_charges_account, _("Shipping Charges Account")),
			("Account", self.fee_account, _("Fee Account")),
			("Warehouse", self.default_warehouse, _("Default Warehouse")),
		]
		for doctype, name, label in links:
			if name and frappe.db.get_value(doctype, name, "company") != self.company:
				frappe.throw(
					_("{0}: {1} {2} does not belong to company {3}.").format(
						label, _(doctype), frappe.bold(name), frappe.bold(self.company)
					)
				)

	def validate_order_sync_start(self) -> None:
		"""Order sync needs the day it starts from, or its first run imports the shop's history.

		Switched on without one, it starts today; cleared while it is on, it is refused.
		"""
		if not self.enable_order_sync or self.synchronise_orders_from:
			return
		if self.is_new() or self.has_value_changed("enable_order_sync"):
			self.synchronise_orders_from = today()
			frappe.msgprint(
				_("Orders created from {0} on will be synchronised; older ones are left alone.").format(
					frappe.bold(formatdate(self.synchronise_orders_from))
				),
				alert=True,
			)
			return
		frappe.throw(
			_("{0} is required while {1} is on.").format(
				frappe.bold(_("Synchronise orders created on or after")), frappe.bold(_("Enable Order Sync"))
			)
		)

	@frappe.whitelist()
	def set_new_webhook_secret(self) -> None:
		"""A new secret, saved at once; the shop's webhooks must then be registered again."""
		self.check_permission("write")
		self.webhook_secret = secrets.token_urlsafe(32)
		self.save()


def normalise_shop_url(url: str | None) -> str:
	"""The shop's base address: scheme, host, port and WordPress's folder, nothing else."""
	url = (url or "").strip()
	parts = urlsplit(url)
	if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
		frappe.throw(
			_("Shop URL must start with https:// or http://, e.g. https://shop.example.com."),
			title=_("Invalid Shop URL"),
		)
	try:
		hostname, port = parts.hostname, parts.port
	except ValueError:
		frappe.throw(
			_("Shop URL has an invalid port: {0}").format(escape_html(url)), title=_("Invalid Shop URL")
		)
	if not hostname:
		frappe.throw(
			_("Shop URL has no host name: {0}").format(escape_html(url)), title=_("Invalid Shop URL")
		)
	if parts.username or parts.password:
		# The address is shown and logged; credentials belong in the API key fields.
		frappe.throw(_("Shop URL must not contain a user name or password."), title=_("Invalid Shop URL"))

	segments = [segment for segment in parts.path.split("/") if segment]
	for position, segment in enumerate(segments):
		if segment.lower() in WORDPRESS_PATHS:
			segments = segments[:position]
			break

	host = f"[{hostname}]" if ":" in hostname else hostname  # an IPv6 address keeps its brackets
	netloc = host + (f":{port}" if port else "")
	path = "".join(f"/{segment}" for segment in segments)
	return f"{parts.scheme.lower()}://{netloc}{path}"


@frappe.whitelist()
def get_default_status_rules() -> list[dict]:
	"""The rules a new server starts with, for the new form to show before it is saved."""
	return default_rules()


@frappe.whitelist()
def test_connection(server: str) -> dict[str, Any]:
	"""Ask the shop for its WooCommerce version and time zone with the saved settings."""
	frappe.get_doc("WooCommerce Server", server).check_permission("write")
	try:
		client = get_client(server, reference=("WooCommerce Server", server))
		environment = client.system_status().get("environment") or {}
	except FusionError as error:
		return {
			"ok": False,
			"kind": error.kind.value,
			"message": str(error),
			"suggested_fix": _(error.suggested_fix),
		}

	try:
		timezone = describe_timezone(client.site_index())
	except WooCommerceError:
		# Some hosts hide the WordPress index; the version alone proves the connection.
		timezone = None
	return {"ok": True, "version": environment.get("version"), "timezone": timezone}


def describe_timezone(site_index: dict[str, Any]) -> str | None:
	"""WordPress's time zone setting: a named zone, or a bare UTC offset in hours."""
	if site_index.get("timezone_string"):
		return site_index["timezone_string"]
	offset = site_index.get("gmt_offset")
	if offset in (None, ""):
		return None
	hours = float(offset)
	sign = "+" if hours >= 0 else "-"
	whole, minutes = divmod(round(abs(hours) * 60), 60)
	return f"UTC{sign}{whole:02d}:{minutes:02d}"


# -- webhooks ------------------------------------------------------------------------------------


def delivery_url(server: str) -> str:
	"""Where the shop delivers: this site's endpoint, with the server in the query string."""
	return get_url(RECEIVE_PATH) + "?server=" + quote(server, safe="")


def webhook_name(server: str, topic: str) -> str:
	return f"ERPNext {server}: {topic}"


@frappe.whitelist(methods=["POST"])
def register_webhooks(server: str) -> list[dict[str, Any]]:
	"""Create or repair the shop's order webhooks, generating the secret first if there is none."""
	doc = frappe.get_doc(SERVER_DOCTYPE, server)
	doc.check_permission("write")
	check_order_sync_enabled(server)
	if not doc.get_password("webhook_secret", raise_exception=False):
		doc.webhook_secret = secrets.token_urlsafe(32)
		doc.save()
	try:
		register(get_client(server, reference=(SERVER_DOCTYPE, server)), doc)
	except FusionError as error:
		frappe.throw(f"{escape_html(str(error))}<br>{escape_html(_(error.suggested_fix))}")
	return get_webhooks(server)["webhooks"]


def register(client: WooCommerceClient, doc: Document) -> None:
	"""One active webhook per order topic, found by its delivery URL or name and set right
	(a PUT also re-activates one WooCommerce disabled after failed deliveries); extra copies go."""
	url = delivery_url(doc.name)
	secret = doc.get_password("webhook_secret")
	ours = our_webhooks(client, doc.name)
	for topic in ORDER_TOPICS:
		body = {
			"name": webhook_name(doc.name, topic),
			"topic": topic,
			"delivery_url": url,
			"secret": secret,
			"status": "active",
		}
		same = [hook for hook in ours if hook["topic"] == topic]
		if same:
			client.put(f"webhooks/{same[0]['id']}", body)
		else:
			client.post("webhooks", body)
		for extra in same[1:]:
			client.delete(f"webhooks/{extra['id']}", {"force": "true"})


def our_webhooks(client: WooCommerceClient, server: str) -> list[dict[str, Any]]:
	"""The shop's webhooks that deliver to this server: by URL, or by name after the site moved.
	WooCommerce's search looks at names only, so the whole list is read."""
	url = delivery_url(server)
	names = {webhook_name(server, topic) for topic in ORDER_TOPICS}
	return [
		hook
		for hook in client.iter_items("webhooks", {"per_page": 100})
		if hook.get("delivery_url") == url or hook.get("name") in names
	]


def set_webhook_status(client: WooCommerceClient, server: str, status: str) -> None:
	for hook in our_webhooks(client, server):
		if hook.get("status") != status:
			client.put(f"webhooks/{hook['id']}", {"status": status})


def remove_webhooks(client: WooCommerceClient, server: str) -> None:
	for hook in our_webhooks(client, server):
		client.delete(f"webhooks/{hook['id']}", {"force": "true"})


def try_on_shop(server: str, action: Any, done: str) -> None:
	"""Change the shop's webhooks along with the server; a shop that cannot be reached does not
	stop the change in ERPNext, but says what is left to do there."""
	try:
		action(get_client(server, reference=(SERVER_DOCTYPE, server)))
	except FusionError as error:
		frappe.msgprint(
			_(
				"The shop's webhooks could not be {0}: {1}. Change them in WooCommerce > Settings > Advanced > Webhooks."
			).format(done, escape_html(str(error))),
			title=_("Webhooks not changed"),
			indicator="orange",
		)
	else:
		frappe.msgprint(_("The shop's webhooks were {0}.").format(done), alert=True)


@frappe.whitelist()
def get_webhooks(server: str) -> dict[str, Any]:
	"""The shop's webhooks for this server as WooCommerce reports them, for the form."""
	frappe.get_doc(SERVER_DOCTYPE, server).check_permission("write")
	try:
		hooks = our_webhooks(get_client(server, reference=(SERVER_DOCTYPE, server)), server)
	except FusionError as error:
		return {"webhooks": [], "error": str(error), "delivery_url": delivery_url(server)}
	return {
		"webhooks": [
			{key: hook.get(key) for key in ("id", "topic", "status", "delivery_url")} for hook in hooks
		],
		"error": None,
		"delivery_url": delivery_url(server),
	}
