"""Recorded WooCommerce 8.4 orders and the exchanges around them (order_case_<case>.json: the
request, the shop's response and what ERPNext must make of it), for the CI tests, the ERP port
contract and the bench tests alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).resolve().parent


def load_order(case: str) -> dict[str, Any]:
	"""The order WooCommerce answered in order_case_<case>.json."""
	return json.loads((CASES_DIR / f"order_case_{case}.json").read_text())["response"]["body"]
