"""Fidelity of the test shop's products setting the item sync reads, woocommerce_weight_unit:
read, a value outside its options refused, and a write of the value it has (the real shop's
unit is not changed). Same set-up and switches as tests/test_real_shop_fidelity.py (skipped
without a real shop)."""

from __future__ import annotations

from test_real_shop_fidelity import both, both_call, compare_responses, diffs, fake, pytestmark, real  # noqa: F401

SETTING = "settings/products/woocommerce_weight_unit"


def test_the_weight_unit_setting_is_read_and_written_as_woocommerce_does(both, diffs):  # noqa: F811
	r, t, label = both_call(both, "GET", SETTING)
	compare_responses(diffs, label, r, t, values=True)
	unit = r.json()["value"]
	assert t.json()["value"] == unit == "kg"
	r, t, label = both_call(both, "PUT", SETTING, None, {"value": "stone"})
	compare_responses(diffs, label, r, t)
	r, t, label = both_call(both, "PUT", SETTING, None, {"value": unit})
	compare_responses(diffs, label, r, t, values=True)
	r, t, label = both_call(both, "GET", "settings/products/woocommerce_no_such_setting")
	compare_responses(diffs, label, r, t)
	diffs.check()
