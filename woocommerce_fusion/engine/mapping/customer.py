"""The Customer, its addresses and its contact, from an order's billing and shipping blocks.

Guests (customer_id 0) have no customer record in WooCommerce: the billing e-mail is the only
identity, so registered customers and guests alike are matched on it.
"""

from __future__ import annotations

from woocommerce_fusion.engine.errors import MappingError
from woocommerce_fusion.engine.mapping.plans import AddressPlan, ContactPlan, CustomerPlan
from woocommerce_fusion.engine.mapping.readers import parse_int, records, section, text
from woocommerce_fusion.engine.settings import ServerSettings

# Order meta keys that VAT plugins store the customer's VAT id under, most common first:
# Germanized uses _billing_vat_id, WooCommerce EU VAT Number _billing_vat_number (_vat_number before 2.x).
VAT_ID_KEYS = ("_billing_vat_id", "_billing_vat_number", "_vat_number")


def _full_name(block: dict, what: str) -> str:
	first = text(block.get("first_name"), f"{what} first_name")
	last = text(block.get("last_name"), f"{what} last_name")
	return " ".join(part for part in (first, last) if part)


def vat_id(order: dict, what: str) -> str:
	meta = {
		entry["key"]: entry.get("value")
		for entry in records(order.get("meta_data"), f"{what} meta_data")
		if isinstance(entry.get("key"), str)
	}
	for key in VAT_ID_KEYS:
		value = text(meta.get(key), f"{what} meta_data {key}")
		if value:
			return value
	return ""


def customer_plan(order: dict, settings: ServerSettings, what: str) -> CustomerPlan:
	billing = section(order.get("billing"), f"{what} billing")
	email = text(billing.get("email"), f"{what} billing e-mail").lower()
	if not email and not settings.single_customer:
		raise MappingError(
			f"{what} has no billing e-mail, which is how its Customer is found or created. "
			"Add the e-mail to the order in WooCommerce, or book web orders on one Customer "
			"(Single Customer on the WooCommerce Server)."
		)
	company = text(billing.get("company"), f"{what} billing company")
	customer_id = order.get("customer_id")
	return CustomerPlan(
		email=email,
		customer_name=company or _full_name(billing, f"{what} billing") or email,
		customer_type="Company" if company else "Individual",
		customer_group=settings.customer_group,
		territory=settings.territory,
		tax_id=vat_id(order, what),
		woocommerce_customer_id=parse_int(customer_id, f"{what} customer_id") if customer_id else 0,
		fixed_customer=settings.single_customer,
	)


def _address(block: dict, address_type: str, title: str, email: str, what: str) -> AddressPlan | None:
	line1 = text(block.get("address_1"), f"{what} address_1")
	line2 = text(block.get("address_2"), f"{what} address_2")
	# ERPNext requires address_line1; a digital-goods checkout often asks for no address at all.
	if not line1:
		if not line2:
			return None
		line1, line2 = line2, ""
	return AddressPlan(
		address_type=address_type,
		address_title=title,
		address_line1=line1,
		address_line2=line2,
		city=text(block.get("city"), f"{what} city"),
		state=text(block.get("state"), f"{what} state"),
		pincode=text(block.get("postcode"), f"{what} postcode"),
		country_code=text(block.get("country"), f"{what} country").upper(),
		email_id=email,
		phone=text(block.get("phone"), f"{what} phone"),
	)


def billing_address(order: dict, what: str) -> AddressPlan | None:
	billing = section(order.get("billing"), f"{what} billing")
	where = f"{what} billing"
	email = text(billing.get("email"), f"{where} e-mail").lower()
	title = text(billing.get("company"), f"{where} company") or _full_name(billing, where) or email
	return _address(billing, "Billing", title, email, where)


def shipping_address(order: dict, what: str) -> AddressPlan | None:
	"""The shipping address, or None when the order ships nowhere (no address line)."""
	shipping = section(order.get("shipping"), f"{what} shipping")
	where = f"{what} shipping"
	# The parcel's recipient may be another person than the buyer (a gift, "c/o" a company).
	title = text(shipping.get("company"), f"{where} company") or _full_name(shipping, where)
	if not title:
		billing = section(order.get("billing"), f"{what} billing")
		title = _full_name(billing, f"{what} billing") or text(billing.get("email"), f"{what} billing e-mail")
	return _address(shipping, "Shipping", title, "", where)


def contact_plan(order: dict, what: str) -> ContactPlan | None:
	"""The buyer as a Contact; None when billing names nobody (no name, e-mail or phone)."""
	billing = section(order.get("billing"), f"{what} billing")
	where = f"{what} billing"
	first = text(billing.get("first_name"), f"{where} first_name")
	last = text(billing.get("last_name"), f"{where} last_name")
	email = text(billing.get("email"), f"{where} e-mail").lower()
	phone = text(billing.get("phone"), f"{where} phone")
	company = text(billing.get("company"), f"{where} company")
	if not (first or last or email or phone):
		return None
	# ERPNext requires a first name; a buyer who gave only a last name or an e-mail still gets one.
	if not first:
		first, last = (last, "") if last else (email or phone, "")
	return ContactPlan(first_name=first, last_name=last, email_id=email, phone=phone, company_name=company)
