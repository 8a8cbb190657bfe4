"""Test doubles for woocommerce_fusion; importing them never needs frappe."""

from woocommerce_fusion.testing.shop import TestShop

__all__ = ["TestShop"]
