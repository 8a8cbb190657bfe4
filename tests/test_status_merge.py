"""The three-way merge of the order status: every combination of who changed what, and when.

The base is the status both sides last agreed on (the order row's synced status). A side whose
value differs from it changed; one changed side wins; two changed sides: the later change wins,
where ERPNext's change time is when WooCommerce Status changed, never the Sales Order's
`modified`. The end-to-end table runs the same cases through the test shop and the ERP fake.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import sync_settings

from woocommerce_fusion.engine.sync.decide import Action, decide, merge_status
from woocommerce_fusion.engine.sync.listing import run_order_sync

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
EARLY, LATE = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)

# (case, shop status, shop changed on, erp status, erp changed on, merged status)
MERGE_CASES = [
	("nothing changed", "processing", T0, "processing", T0, "processing"),
	("shop only", "on-hold", LATE, "processing", T0, "on-hold"),
	# ERPNext's `modified` may be later (someone edited the draft): it must not matter.
	("shop only, erp saved later", "on-hold", EARLY, "processing", T0, "on-hold"),
	("erp only", "processing", T0, "completed", LATE, "completed"),
	("erp only, shop touched later", "processing", LATE, "completed", EARLY, "completed"),
	("both, shop later", "on-hold", LATE, "completed", EARLY, "on-hold"),
	("both, erp later", "on-hold", EARLY, "completed", LATE, "completed"),
	("both, same moment", "on-hold", EARLY, "completed", EARLY, "on-hold"),
	("both, erp time unknown", "on-hold", EARLY, "completed", None, "on-hold"),
	("both to the same value", "completed", EARLY, "completed", LATE, "completed"),
]


@pytest.mark.parametrize(
	("shop", "shop_on", "erp", "erp_on", "merged"),
	[case[1:] for case in MERGE_CASES],
	ids=[case[0] for case in MERGE_CASES],
)
def test_merge_status(shop, shop_on, erp, erp_on, merged):
	assert (
		merge_status(synced="processing", shop=shop, shop_changed_on=shop_on, erp=erp, erp_changed_on=erp_on)
		== merged
	)


def test_without_an_agreed_status_the_later_change_wins():
	assert merge_status(synced="", shop="a", shop_changed_on=EARLY, erp="b", erp_changed_on=LATE) == "b"
	assert merge_status(synced="", shop="a", shop_changed_on=LATE, erp="b", erp_changed_on=EARLY) == "a"


def test_an_empty_erp_status_never_reaches_the_shop():
	assert merge_status(
		synced="processing", shop="processing", shop_changed_on=T0, erp="", erp_changed_on=LATE
	) == ("processing")


@pytest.mark.parametrize("content_changed", [False, True], ids=["status only", "with content"])
@pytest.mark.parametrize(
	("shop", "shop_on", "erp", "erp_on", "merged"),
	[case[1:] for case in MERGE_CASES],
	ids=[case[0] for case in MERGE_CASES],
)
def test_decide_sends_the_merged_status_to_the_side_that_lacks_it(
	shop, shop_on, erp, erp_on, merged, content_changed
):
	decision = decide(
		has_sales_order=True,
		shop_status=shop,
		shop_changed_on=shop_on,
		shop_digest="new" if content_changed else "old",
		erp_status=erp,
		erp_changed_on=erp_on,
		synced_status="processing",
		applied_digest="old",
		owns_content=True,
	)
	assert decision.status == merged
	assert decision.status_to_erp == (merged != erp)
	assert decision.status_to_shop == (merged != shop)
	assert decision.content_to_erp == content_changed
	if content_changed or merged != erp:
		assert decision.action == Action.UPDATE_ERP
	elif merged != shop:
		assert decision.action == Action.UPDATE_SHOP
	elif merged != "processing":
		assert decision.action == Action.RECORD
	else:
		assert decision.action == Action.NOTHING


def test_content_of_a_foreign_sales_order_is_left_alone():
	decision = decide(
		has_sales_order=True,
		shop_status="x",
		shop_changed_on=T0,
		shop_digest="new",
		erp_status="x",
		erp_changed_on=T0,
		synced_status="x",
		applied_digest="old",
		owns_content=False,
	)
	assert decision.action == Action.NOTHING


# -- end to end: test shop over HTTP + ERP fake ---------------------------------------------


# What happens between two runs, in order: (side, change).
#   shop/status: the shop owner sets on-hold;   shop/content: the shopper's note changes;
#   erp/status: WooCommerce Status set to completed in ERPNext;   erp/edit: the Sales Order is
#   saved without a status change (a delivery date, per_billed moved by an invoice).
SCENARIOS = [
	("nothing", [], "processing"),
	("erp edit only", [("erp", "edit")], "processing"),
	("shop status", [("shop", "status")], "on-hold"),
	("shop status, then erp edit", [("shop", "status"), ("erp", "edit")], "on-hold"),
	("erp status", [("erp", "status")], "completed"),
	("erp status, then shop content", [("erp", "status"), ("shop", "content")], "completed"),
	("shop status and content", [("shop", "status"), ("shop", "content")], "on-hold"),
	(
		"shop status+content, then erp edit",
		[("shop", "status"), ("shop", "content"), ("erp", "edit")],
		"on-hold",
	),
	("shop then erp status", [("shop", "status"), ("erp", "status")], "completed"),
	("erp then shop status", [("erp", "status"), ("shop", "status")], "on-hold"),
	(
		"erp status, then shop status+content",
		[("erp", "status"), ("shop", "status"), ("shop", "content")],
		"on-hold",
	),
	(
		"shop status+content, then erp status",
		[("shop", "status"), ("shop", "content"), ("erp", "status")],
		"completed",
	),
]


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
@pytest.mark.parametrize(("changes", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_both_sides_end_with_the_merged_status(shop, erp, client, clock, changes, expected, submit):
	settings = sync_settings(shop, submit_sales_orders=submit)
	shop.seed_orders(4, seed=31)
	order_id = next(o["id"] for o in shop.orders.values() if o["status"] == "processing")
	first = run_order_sync(erp, client, settings, since=None, now=clock())
	so_name = erp.order_record("shop1", order_id).sales_order
	note_before = shop.orders[order_id]["customer_note"]

	for side, change in changes:
		clock.advance(minutes=5)
		if (side, change) == ("shop", "status"):
			shop.modify_order(order_id, status="on-hold")
		elif (side, change) == ("shop", "content"):
			shop.modify_order(order_id, customer_note="Please ring twice")
		elif (side, change) == ("erp", "status"):
			erp.touch_sales_order(so_name, woocommerce_status="completed")
		else:
			erp.touch_sales_order(so_name)
	clock.advance(minutes=5)
	second = run_order_sync(erp, client, settings, since=first.next_cursor, now=clock())

	assert second.counts.failed == 0, second.counts.errors
	assert shop.orders[order_id]["status"] == expected
	assert erp.sales_order(so_name).woocommerce_status == expected
	record = erp.order_record("shop1", order_id)
	assert record.synced_status == expected
	content_changed = ("shop", "content") in changes
	if content_changed and not submit:
		assert record.applied_digest != "" and shop.orders[order_id]["customer_note"] != note_before
	if content_changed and submit:
		assert any("changed after this Sales Order was submitted" in text for _, _, text in erp.comments)

	# And then the pair rests: the next run writes nothing on either side.
	writes, puts = erp.writes, shop.count(method="PUT")
	clock.advance(minutes=5)
	run_order_sync(erp, client, settings, since=second.next_cursor, now=clock())
	assert erp.writes == writes
	assert shop.count(method="PUT") == puts
