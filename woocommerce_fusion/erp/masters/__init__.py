"""Customers, addresses, contacts and items for web orders: found first, created only when missing
(one module each), under the named locks of locks.py."""

from woocommerce_fusion.erp.masters.address import ensure_address
from woocommerce_fusion.erp.masters.contact import ensure_contact
from woocommerce_fusion.erp.masters.customer import ensure_customer
from woocommerce_fusion.erp.masters.item import ensure_item, find_linked_item, linked_to_template
from woocommerce_fusion.erp.masters.locks import ParallelWorkerError

__all__ = [
	"ParallelWorkerError",
	"ensure_address",
	"ensure_contact",
	"ensure_customer",
	"ensure_item",
	"find_linked_item",
	"linked_to_template",
]
