"""Test doubles for woocommerce_fusion; importing them never needs frappe."""

from typing import Any

__all__ = ["TestShop"]


def __getattr__(name: str) -> Any:
	# Imported on first use, so `python -m woocommerce_fusion.testing.shop` does not find the
	# module already imported by its own package (runpy warns about that).
	if name == "TestShop":
		from woocommerce_fusion.testing.shop import TestShop

		return TestShop
	raise AttributeError(name)
