"""Checks of the workspace's standard Number Cards, Dashboard Charts and chart sources: the
records Frappe imports from the module folder on install and migrate (frappe.utils.dashboard
.sync_dashboards, frappe.model.sync) and removes with the module on uninstall."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_frappe_static import (
	MODULE,
	MODULE_DIR,
	fields_of,
	find_definition,
	is_whitelisted,
	known_doctypes,
	resolve,
	snake,
	standard_doctypes,
)

NUMBER_CARDS = sorted(MODULE_DIR.glob("number_card/*/*.json"))
CHARTS = sorted(MODULE_DIR.glob("dashboard_chart/*/*.json"))
CHART_SOURCES = sorted(MODULE_DIR.glob("dashboard_chart_source/*/*.json"))
WORKSPACES = sorted(MODULE_DIR.glob("workspace/*/*.json"))
JS_METHOD = re.compile(r"method:\s*\"([\w.]+)\"")


def load(path: Path) -> dict[str, Any]:
	return json.loads(path.read_text())


def check_standard_record(path: Path, doctype: str) -> list[str]:
	data = load(path)
	name = data.get("name", "?")
	problems = []
	if data.get("doctype") != doctype:
		problems.append(f"{path.name}: doctype {data.get('doctype')!r}, not {doctype!r}")
	if path.parent.name != snake(name) or path.stem != snake(name):
		problems.append(f"{name}: stored as {path.parent.name}/{path.name}, Frappe looks for {snake(name)}")
	if data.get("module") != MODULE or not data.get("is_standard", 1 if doctype.endswith("Source") else 0):
		problems.append(f"{name}: not a standard record of {MODULE}")
	for key in set(data) - {"doctype", "roles", "y_axis"}:
		if key not in fields_of(doctype) and key not in (
			"name",
			"owner",
			"creation",
			"modified",
			"modified_by",
			"docstatus",
			"idx",
		):
			problems.append(f"{name}: {key} is not a field of {doctype}")
	return problems


def check_filters(name: str, doctype: str, filters_json: str) -> list[str]:
	filters = json.loads(filters_json or "[]")
	if isinstance(filters, dict):
		return []
	fields = fields_of(doctype)
	return [
		f"{name}: filter on {f[1]!r}, not a field of {doctype}"
		for f in filters
		if f[0] != doctype or (f[1] not in fields and f[1] not in ("name", "creation", "modified"))
	]


def check_method(name: str, method: str | None) -> list[str]:
	if not method:
		return [f"{name}: no method"]
	problem = resolve(method)
	if problem:
		return [problem]
	if not is_whitelisted(find_definition(method)):
		return [f"{name}: {method} is not whitelisted"]
	return []


def check_number_card(path: Path) -> list[str]:
	data = load(path)
	name = data.get("name")
	problems = check_standard_record(path, "Number Card")
	if data.get("document_type") not in known_doctypes():
		# Custom cards too: Frappe shows a card to whoever may read its document type.
		problems.append(f"{name}: unknown document type {data.get('document_type')!r}")
		return problems
	if data["type"] == "Document Type":
		if data.get("function") not in ("Count", "Sum", "Average", "Minimum", "Maximum"):
			problems.append(f"{name}: function {data.get('function')!r}")
		problems += check_filters(name, data["document_type"], data.get("filters_json"))
	elif data["type"] == "Custom":
		problems += check_method(name, data.get("method"))
	else:
		problems.append(f"{name}: type {data['type']!r} is not checked here")
	return problems


def chart_sources() -> dict[str, Path]:
	return {load(path)["name"]: path for path in CHART_SOURCES}


def check_chart(path: Path) -> list[str]:
	data = load(path)
	name = data.get("name")
	problems = check_standard_record(path, "Dashboard Chart")
	if data.get("chart_name") != name:
		problems.append(f"{name}: chart_name {data.get('chart_name')!r}")
	if data["chart_type"] == "Group By":
		doctype = data.get("document_type")
		if doctype not in known_doctypes():
			return [*problems, f"{name}: unknown document type {doctype!r}"]
		if data.get("group_by_based_on") not in fields_of(doctype):
			problems.append(f"{name}: groups by {data.get('group_by_based_on')!r}, not a field")
		problems += check_filters(name, doctype, data.get("filters_json"))
	elif data["chart_type"] == "Custom":
		if data.get("source") not in chart_sources():
			problems.append(f"{name}: unknown chart source {data.get('source')!r}")
		if not data.get("roles") and data.get("document_type") not in known_doctypes():
			problems.append(f"{name}: neither roles nor a document type say who may see it")
		roles = {r["role"] for r in data.get("roles", [])}
		if roles - {"System Manager", "WooCommerce Manager", "WooCommerce Order Sync User"}:
			problems.append(f"{name}: unknown roles {roles}")
	else:
		problems.append(f"{name}: chart type {data['chart_type']!r} is not checked here")
	return problems


def check_chart_source(path: Path) -> list[str]:
	data = load(path)
	name = data["name"]
	problems = check_standard_record(path, "Dashboard Chart Source")
	script = path.with_suffix(".js")
	if not script.exists() or f'chart_sources["{name}"]' not in script.read_text():
		return [*problems, f"{name}: {script.name} does not register the source"]
	methods = JS_METHOD.findall(script.read_text())
	expected = ".".join(path.with_suffix("").relative_to(MODULE_DIR.parent.parent).parts) + ".get"
	if methods != [expected]:
		problems.append(f"{name}: the script calls {methods}, Frappe's convention is {expected}")
	return problems + check_method(name, expected)


@pytest.mark.parametrize("path", NUMBER_CARDS, ids=lambda p: p.parent.name)
def test_number_card(path):
	assert check_number_card(path) == []


@pytest.mark.parametrize("path", CHARTS, ids=lambda p: p.parent.name)
def test_dashboard_chart(path):
	assert check_chart(path) == []


@pytest.mark.parametrize("path", CHART_SOURCES, ids=lambda p: p.parent.name)
def test_dashboard_chart_source(path):
	assert check_chart_source(path) == []


@pytest.mark.parametrize("path", WORKSPACES, ids=lambda p: p.parent.name)
def test_workspace_shows_existing_cards_and_charts(path):
	data = load(path)
	cards = {load(p)["name"] for p in NUMBER_CARDS}
	charts = {load(p)["name"] for p in CHARTS}
	listed_cards = {row["number_card_name"] for row in data.get("number_cards", [])}
	listed_charts = {row["chart_name"] for row in data.get("charts", [])}
	assert listed_cards == cards and listed_charts == charts
	content = json.loads(data["content"])
	shown_cards = {b["data"]["number_card_name"] for b in content if b["type"] == "number_card"}
	shown_charts = {b["data"]["chart_name"] for b in content if b["type"] == "chart"}
	# Desk finds a block's row by the row's label, not by the record's name (blocks/block.js,
	# make()): a block naming the record of a row labelled otherwise stays empty.
	card_labels = {row.get("label") or row["number_card_name"] for row in data.get("number_cards", [])}
	chart_labels = {row.get("label") or row["chart_name"] for row in data.get("charts", [])}
	assert shown_cards == card_labels
	assert shown_charts == chart_labels


def test_the_standard_index_knows_the_dashboard_doctypes():
	assert {"Number Card", "Dashboard Chart", "Dashboard Chart Source"} <= set(standard_doctypes())


def test_the_checks_find_faults(tmp_path):
	folder = tmp_path / "number_card" / "wrong_folder"
	folder.mkdir(parents=True)
	card = folder / "wrong_folder.json"
	card.write_text(
		json.dumps(
			{
				"doctype": "Number Card",
				"name": "A Card",
				"module": "Other",
				"is_standard": 0,
				"type": "Custom",
				"document_type": "WooCommerce Order Sync",
				"method": "woocommerce_fusion.erp.dashboard.server_health",
				"no_such_key": 1,
			}
		)
	)
	problems = "\n".join(check_number_card(card))
	assert "Frappe looks for a_card" in problems
	assert "not a standard record" in problems
	assert "no_such_key is not a field" in problems
	assert "server_health is not whitelisted" in problems
	assert check_filters(
		"X", "WooCommerce Order Sync", json.dumps([["WooCommerce Order Sync", "nope", "=", 1, False]])
	)
