"""Customers, addresses, contacts and items for web orders: found first, created only when missing.

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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from weakref import WeakKeyDictionary

import frappe
from erpnext.controllers.item_variant import create_variant, get_variant
from frappe import _
from frappe.database.database import Database
from frappe.model.naming import append_number_if_name_exists
from frappe.utils import cstr, validate_email_address, validate_phone_number

from woocommerce_fusion.constants import ITEM_SERVER_DOCTYPE
from woocommerce_fusion.engine.errors import ErrorKind, FusionError
from woocommerce_fusion.engine.mapping.plans import AddressPlan, ContactPlan, CustomerPlan, ItemPlan

# Long enough for a parallel worker to finish creating the same record, short of MariaDB's
# default lock wait timeout (50 s), so our own message is the one people see.
NAMED_LOCK_TIMEOUT = 30
# Far longer than any transaction that could have read before the announced commit.
ANNOUNCEMENT_SECONDS = 600


class ParallelWorkerError(FusionError):
	"""Another worker holds or just created a record this order needs; a retry picks it up."""

	kind = ErrorKind.CONFLICT


# -- named locks and announcements ----------------------------------------------------------


@dataclass
class _Transaction:
	locks: set[str] = field(default_factory=set)
	# announcement key -> name of the record this transaction created
	created: dict[str, str] = field(default_factory=dict)


# Per database connection rather than in frappe.local.flags, which a thread's second
# connection (FrappeTestCase.secondary_connection) would share.
_transactions: WeakKeyDictionary[Database, _Transaction] = WeakKeyDictionary()


def _current() -> _Transaction:
	db = frappe.local.db
	txn = _transactions.get(db)
	if txn is None:
		txn = _transactions[db] = _Transaction()
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


# -- customer --------------------------------------------------------------------------------


def ensure_customer(plan: CustomerPlan) -> str:
	if plan.fixed_customer:
		return plan.fixed_customer
	email = plan.email.strip().lower()
	if not email:
		frappe.throw(_("The order has no e-mail to find its Customer by"))

	def find() -> str | None:
		# The column's collation (utf8mb4_unicode_ci) compares case-insensitively.
		rows = frappe.db.sql(
			"select name from `tabCustomer` where woocommerce_email = %s "
			"order by disabled asc, creation asc limit 1",
			(email,),
		)
		return rows[0][0] if rows else None

	def create() -> str:
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": plan.customer_name,
				"customer_type": plan.customer_type,
				"customer_group": plan.customer_group,
				"territory": plan.territory,
				"tax_id": plan.tax_id or None,
				"woocommerce_email": email,
			}
		)
		customer.insert(ignore_permissions=True)
		return customer.name

	return find_or_create("Customer", f"customer:{email}", find, create)


# -- address ---------------------------------------------------------------------------------


def country_name(code: str) -> str:
	"""ERPNext's Country for an ISO 3166 alpha-2 code (stored lowercase in Country.code)."""
	code = cstr(code).strip()
	if not code:
		frappe.throw(_("The address has no country"))
	name = frappe.db.get_value("Country", {"code": code.lower()}, "name", cache=True)
	if not name:
		frappe.throw(
			_("No Country in ERPNext has the code {0}; set it as the Code of the right Country.").format(
				frappe.bold(code)
			)
		)
	return name


def address_identity(row: dict) -> tuple:
	code = frappe.db.get_value("Country", row.get("country"), "code", cache=True) or ""
	return (
		row.get("address_type"),
		cstr(row.get("address_line1")).strip().lower(),
		cstr(row.get("address_line2")).strip().lower(),
		cstr(row.get("city")).strip().lower(),
		cstr(row.get("pincode")).strip().lower(),
		code.upper(),
	)


def ensure_address(customer: str, plan: AddressPlan) -> str:
	country = country_name(plan.country_code)
	if not plan.city.strip():
		frappe.throw(
			_("The {0} address {1} has no city, which ERPNext requires.").format(
				_(plan.address_type), plan.address_line1
			)
		)
	identity = plan.identity()

	def find() -> str | None:
		rows = frappe.db.sql(
			"""select a.name, a.address_type, a.address_line1, a.address_line2, a.city, a.pincode, a.country
			from `tabAddress` a
			join `tabDynamic Link` dl on dl.parent = a.name and dl.parenttype = 'Address'
			where dl.link_doctype = 'Customer' and dl.link_name = %s
				and a.address_type = %s and a.disabled = 0
			order by a.creation asc""",
			(customer, plan.address_type),
			as_dict=True,
		)
		return next((row.name for row in rows if address_identity(row) == identity), None)

	def create() -> str:
		address = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": plan.address_title or customer,
				"address_type": plan.address_type,
				"address_line1": plan.address_line1,
				"address_line2": plan.address_line2 or None,
				"city": plan.city,
				"state": plan.state or None,
				"pincode": plan.pincode or None,
				"country": country,
				# A malformed e-mail or phone is left out rather than failing the whole order.
				"email_id": validate_email_address(plan.email_id) or None,
				"phone": plan.phone if validate_phone_number(plan.phone) else None,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		address.insert(ignore_permissions=True)
		return address.name

	return find_or_create("Address", f"address:{customer}:{identity}", find, create)


# -- contact ---------------------------------------------------------------------------------


def ensure_contact(customer: str, plan: ContactPlan) -> str:
	email = validate_email_address(plan.email_id.strip().lower())
	phone = plan.phone if validate_phone_number(plan.phone) else ""

	def find() -> str | None:
		# Without an e-mail the buyer is recognised by name among the customer's contacts.
		if email:
			join = "join `tabContact Email` ce on ce.parent = c.name and ce.parenttype = 'Contact'"
			condition, values = "ce.email_id = %s", (customer, email)
		else:
			join = ""
			condition = "c.first_name = %s and ifnull(c.last_name, '') = %s"
			values = (customer, plan.first_name, plan.last_name)
		rows = frappe.db.sql(
			f"""select c.name from `tabContact` c
			join `tabDynamic Link` dl on dl.parent = c.name and dl.parenttype = 'Contact'
			{join}
			where dl.link_doctype = 'Customer' and dl.link_name = %s and {condition}
			order by c.creation asc limit 1""",
			values,
		)
		return rows[0][0] if rows else None

	def create() -> str:
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": plan.first_name,
				"last_name": plan.last_name or None,
				"company_name": plan.company_name or None,
				"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
				"phone_nos": [{"phone": phone, "is_primary_phone": 1}] if phone else [],
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		contact.insert(ignore_permissions=True)
		return contact.name

	key = email or f"{plan.first_name}|{plan.last_name}"
	return find_or_create("Contact", f"contact:{customer}:{key}", find, create)


# -- item ------------------------------------------------------------------------------------


def _variation_key(variation_id: int) -> str:
	"""How the WooCommerce Item Server row stores the variation: empty for a product itself."""
	return str(variation_id) if variation_id else ""


def find_linked_item(server: str, product_id: int, variation_id: int) -> str | None:
	"""The Item whose WooCommerce Item Server row names this product (and variation)."""
	# Rows written by hand or by other tools may hold "0" for "no variation".
	variations = (_variation_key(variation_id),) if variation_id else ("", "0")
	rows = frappe.db.sql(
		f"""select parent from `tab{ITEM_SERVER_DOCTYPE}`
		where parenttype = 'Item' and parentfield = 'woocommerce_servers'
			and woocommerce_server = %s and woocommerce_id = %s
			and ifnull(woocommerce_variation_id, '') in %s
		order by creation asc limit 1""",
		(server, str(product_id), variations),
	)
	return rows[0][0] if rows else None


def _find_by_sku(sku: str) -> str | None:
	if not sku:
		return None
	rows = frappe.db.sql(
		"select name from `tabItem` where item_code = %s and has_variants = 0 limit 1",
		(sku,),
	)
	return rows[0][0] if rows else None


def _server_row(server: str, product_id: int, variation_id: int) -> dict:
	return {
		"woocommerce_server": server,
		"woocommerce_id": str(product_id),
		"woocommerce_variation_id": _variation_key(variation_id),
		"enabled": 1,
	}


def generated_item_code(*ids: int) -> str:
	"""An item code for a product without SKU; another shop's product of the same id gets "-1"."""
	return append_number_if_name_exists("Item", "-".join(["WOO", *map(str, ids)]))


def ensure_item(server: str, plan: ItemPlan) -> str:
	product, variation = plan.woocommerce_product_id, plan.woocommerce_variation_id

	def find() -> str | None:
		return find_linked_item(server, product, variation)

	def create() -> str:
		by_sku = _find_by_sku(plan.sku)
		if by_sku:
			# An Item keyed in by hand under the shop's SKU: link it so the next order finds it directly.
			item = frappe.get_doc("Item", by_sku)
			item.append("woocommerce_servers", _server_row(server, product, variation))
			item.save(ignore_permissions=True)
			return item.name
		if plan.is_variant:
			return _create_variant(server, plan)
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": plan.sku or generated_item_code(product, variation),
				"item_name": plan.item_name,
				"item_group": plan.item_group,
				"stock_uom": plan.stock_uom,
				"is_stock_item": 1,
				"woocommerce_servers": [_server_row(server, product, variation)],
			}
		)
		item.insert(ignore_permissions=True)
		return item.name

	return find_or_create("Item", f"item:{server}:{product}:{variation}", find, create)


def _create_variant(server: str, plan: ItemPlan) -> str:
	if not plan.attributes:
		frappe.throw(
			_(
				"Variation {0} of product {1} has no attributes in the order; it cannot become a variant."
			).format(plan.woocommerce_variation_id, plan.template_product_id)
		)
	values = dict(ensure_attribute_value(attribute, value) for attribute, value in plan.attributes)
	template = ensure_template(server, plan, list(values))
	existing = get_variant(template, values)
	if existing:
		item = frappe.get_doc("Item", existing)
		item.append(
			"woocommerce_servers",
			_server_row(server, plan.woocommerce_product_id, plan.woocommerce_variation_id),
		)
		item.save(ignore_permissions=True)
		return item.name
	variant = create_variant(template, values)
	variant.item_code = plan.sku or generated_item_code(
		plan.woocommerce_product_id, plan.woocommerce_variation_id
	)
	variant.item_name = plan.item_name
	variant.set("woocommerce_servers", [])
	variant.append(
		"woocommerce_servers", _server_row(server, plan.woocommerce_product_id, plan.woocommerce_variation_id)
	)
	variant.insert(ignore_permissions=True)
	return variant.name


def ensure_template(server: str, plan: ItemPlan, attributes: list[str]) -> str:
	"""The template Item of a variable product, holding at least `attributes`."""
	product = plan.template_product_id or plan.woocommerce_product_id

	def find() -> str | None:
		return find_linked_item(server, product, 0)

	def create() -> str:
		template = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": generated_item_code(product),
				"item_name": plan.template_name or plan.item_name,
				"item_group": plan.item_group,
				"stock_uom": plan.stock_uom,
				"is_stock_item": 1,
				"has_variants": 1,
				"variant_based_on": "Item Attribute",
				"attributes": [{"attribute": attribute} for attribute in attributes],
				"woocommerce_servers": [_server_row(server, product, 0)],
			}
		)
		template.insert(ignore_permissions=True)
		return template.name

	name = find_or_create("Item", f"item:{server}:{product}:0", find, create)
	template = frappe.get_doc("Item", name)
	if not template.has_variants:
		frappe.throw(
			_(
				"Item {0} is linked to WooCommerce product {1}, which now has variations, but it is not a "
				"template (Has Variants). Make it one or link the product to a template Item."
			).format(frappe.bold(name), product)
		)
	known = {row.attribute for row in template.attributes}
	missing = [attribute for attribute in attributes if attribute not in known]
	if missing:
		hold_lock(f"item:{server}:{product}:0")
		for attribute in missing:
			template.append("attributes", {"attribute": attribute})
		template.save(ignore_permissions=True)
	return name


def ensure_attribute_value(attribute: str, value: str) -> tuple[str, str]:
	"""The Item Attribute's spelling of (attribute, value); a new value is added to the attribute.

	Existing values are never changed, so the variants that use them keep them.
	"""
	attribute, value = cstr(attribute).strip(), cstr(value).strip()
	key = f"item-attribute:{attribute.lower()}"

	def create() -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Item Attribute",
				"attribute_name": attribute,
				"item_attribute_values": [{"attribute_value": value, "abbr": abbreviation(value, set())}],
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name

	name = find_or_create(
		"Item Attribute", key, lambda: frappe.db.get_value("Item Attribute", attribute, "name"), create
	)
	found = _known_value(name, value)
	if found:
		return found
	# A parallel job adding a value at the same time makes this save fail on the document's
	# timestamp (TimestampMismatchError); the order is then retried and finds the value.
	hold_lock(key)
	doc = frappe.get_doc("Item Attribute", name)
	taken = {cstr(row.abbr).lower() for row in doc.item_attribute_values}
	doc.append("item_attribute_values", {"attribute_value": value, "abbr": abbreviation(value, taken)})
	doc.save(ignore_permissions=True)
	return name, value


def _known_value(attribute: str, value: str) -> tuple[str, str] | None:
	"""(attribute, value) as the Item Attribute spells them, if it already allows the value."""
	if frappe.db.get_value("Item Attribute", attribute, "numeric_values"):
		# A numeric attribute takes any value in its range; ERPNext validates it on the variant.
		return attribute, value
	spelled = frappe.db.get_value(
		"Item Attribute Value",
		{"parent": attribute, "parenttype": "Item Attribute", "attribute_value": value},
		"attribute_value",
	)
	return (attribute, spelled) if spelled else None


def abbreviation(value: str, taken: set[str]) -> str:
	"""A short code for a variant's item code, unique within its attribute."""
	base = re.sub(r"[^A-Za-z0-9]", "", value).upper()[:8] or "V"
	candidate, number = base, 1
	while candidate.lower() in taken:
		number += 1
		candidate = f"{base}{number}"
	return candidate
