"""Pure mapping of WooCommerce data to plans of ERPNext documents (no frappe, no I/O)."""

from woocommerce_fusion.engine.mapping.order import content_digest, map_order, order_digest

__all__ = ["content_digest", "map_order", "order_digest"]
