"""Fidelity of the test shop's catalogue routes the item sync uses: product categories, a
product written with categories and backorders and read back in the edit context, and
modified_after on the product list. Same set-up and switches as tests/test_real_shop_fidelity.py
(skipped without a real shop). The product made on the real shop is deleted again.
"""

from __future__ import annotations

import secrets

from test_real_shop_fidelity import (  # noqa: F401
	VOLATILE_KEYS,
	both,
	both_call,
	compare_responses,
	diffs,
	fake,
	pytestmark,
	real,
)

# Carries the shop's own address, like permalink.
IGNORED = VOLATILE_KEYS | {"permalink_template"}
# The sandbox's categories, with the same ids in both shops.
COFFEE_GEAR, UNCATEGORIZED = 17, 15


def test_product_categories(both, diffs):  # noqa: F811
	params = {"include": f"{COFFEE_GEAR},{UNCATEGORIZED}", "hide_empty": "false"}
	r, t, label = both_call(both, "GET", "products/categories", params)
	compare_responses(diffs, label, r, t, values=False)
	assert [c["name"] for c in r.json()] == [c["name"] for c in t.json()]
	r, t, label = both_call(both, "GET", f"products/categories/{COFFEE_GEAR}")
	compare_responses(diffs, label, r, t, values=False)
	r, t, label = both_call(both, "GET", "products/categories/999999")
	compare_responses(diffs, label, r, t)
	diffs.check()


def test_a_product_with_categories_read_back_in_the_edit_context(both, diffs):  # noqa: F811
	sku = f"FID-CAT-{secrets.token_hex(3)}"
	body = {
		"name": "Fidelity category mug",
		"sku": sku,
		"regular_price": "4.50",
		"categories": [{"id": COFFEE_GEAR}, {"id": 999999}],
		"backorders": "notify",
		"manage_stock": True,
		"description": "<p>Blue</p>",
		"status": "draft",
	}
	r, t, label = both_call(both, "POST", "products", None, body)
	try:
		compare_responses(diffs, label, r, t, values=True, ignore=IGNORED)
		for side_answer in (r.json(), t.json()):
			assert [c["id"] for c in side_answer["categories"]] == [COFFEE_GEAR]
			assert (side_answer["backorders"], side_answer["backorders_allowed"]) == ("notify", True)
		r2, t2, label = both_call(
			both,
			"GET",
			lambda s: f"products/{(r if s.name == 'real' else t).json()['id']}",
			{"context": "edit"},
		)
		compare_responses(diffs, label, r2, t2, values=True, ignore=IGNORED)
		assert r2.json()["description"] == t2.json()["description"] == "<p>Blue</p>"
	finally:
		for side, answer in zip(both, (r, t), strict=True):
			if answer.status_code == 201:
				side.call("DELETE", f"products/{answer.json()['id']}", {"force": "true"})
	diffs.check()
