"""Plain-data plans of the ERPNext documents a WooCommerce order becomes.

The mapping builds these without touching ERPNext; the adapter (or the ERP fake in tests)
resolves them to real documents. Money is Decimal throughout, rounded to the currency's cents
by the mapping, so that what the plan adds up to is exactly what ERPNext will show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class AddressPlan:
	address_type: str  # "Billing" or "Shipping"
	address_title: str
	address_line1: str
	address_line2: str = ""
	city: str = ""
	state: str = ""
	pincode: str = ""
	country_code: str = ""  # ISO 3166 alpha-2 as WooCommerce sends it; the adapter maps it via Country.code
	email_id: str = ""
	phone: str = ""

	def identity(self) -> tuple:
		"""What makes two addresses the same one, so a resync reuses instead of duplicating."""
		return (
			self.address_type,
			self.address_line1.strip().lower(),
			self.address_line2.strip().lower(),
			self.city.strip().lower(),
			self.pincode.strip().lower(),
			self.country_code.upper(),
		)


@dataclass(frozen=True)
class ContactPlan:
	first_name: str
	last_name: str = ""
	email_id: str = ""
	phone: str = ""
	company_name: str = ""


@dataclass(frozen=True)
class CustomerPlan:
	email: str  # matched against Customer.woocommerce_email
	customer_name: str
	customer_type: str  # "Individual" or "Company"
	customer_group: str
	territory: str
	tax_id: str = ""
	woocommerce_customer_id: int = 0  # 0 for a guest
	# Set when the server books all web orders on one Customer; then nothing is created.
	fixed_customer: str = ""


@dataclass(frozen=True)
class ItemPlan:
	woocommerce_product_id: int
	woocommerce_variation_id: int
	sku: str
	item_name: str
	item_group: str
	stock_uom: str
	# For a variation: the template's product id and name, and this variant's attribute values.
	template_product_id: int = 0
	template_name: str = ""
	attributes: tuple[tuple[str, str], ...] = ()
	# Set for a line whose product was deleted in the shop: the server's placeholder Item, on
	# which the line is booked as it is; nothing is looked up or created for it.
	placeholder_item: str = ""
	# Why the line is on the placeholder Item: its product or only its variation was deleted.
	placeholder_reason: str = ""

	@property
	def is_variant(self) -> bool:
		return bool(self.woocommerce_variation_id)


@dataclass
class LinePlan:
	item: ItemPlan
	qty: int
	rate: Decimal
	amount: Decimal
	woocommerce_line_id: int
	description: str = ""
	# The row's item name when it is not the Item's own (a line booked on the placeholder Item).
	item_name: str = ""
	# WooCommerce tax rate id -> tax on this line (rounded to cents), for item-wise tax detail.
	taxes: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class ChargePlan:
	"""One "Actual" Sales Taxes and Charges row: a tax rate, the shipping or a fee."""

	kind: str  # "tax", "shipping" or "fee"
	account_head: str
	description: str
	tax_amount: Decimal
	rate_id: int = 0  # WooCommerce tax rate id for kind "tax"
	rate_percent: Decimal | None = None
	# woocommerce line id -> tax amount for that line (only kind "tax")
	item_wise: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class SalesOrderPlan:
	server: str
	woocommerce_id: int
	woocommerce_status: str
	customer: CustomerPlan
	billing: AddressPlan | None
	shipping: AddressPlan | None
	contact: ContactPlan | None
	lines: list[LinePlan]
	charges: list[ChargePlan]
	currency: str
	conversion_rate: Decimal | None  # None = same as company currency
	transaction_date: date
	delivery_date: date
	po_no: str
	company: str
	warehouse: str
	price_list: str
	naming_series: str
	payment_method: str = ""
	payment_method_title: str = ""
	transaction_id: str = ""
	customer_note: str = ""
	date_created_gmt: datetime | None = None
	date_modified_gmt: datetime | None = None
	date_paid_gmt: datetime | None = None
	woocommerce_total: Decimal = Decimal("0")

	@property
	def net_total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal("0"))

	@property
	def total_charges(self) -> Decimal:
		return sum((charge.tax_amount for charge in self.charges), Decimal("0"))

	@property
	def grand_total(self) -> Decimal:
		return self.net_total + self.total_charges

	@property
	def is_exact(self) -> bool:
		return self.grand_total == self.woocommerce_total
