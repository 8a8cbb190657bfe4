"""The engine, the test shop, the ERP fake and the shared names run without Frappe: nothing there
imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "woocommerce_fusion"
PURE = ("engine", "testing")
# Shared with the engine: the doctype names and the Order Sync row's name.
PURE_MODULES = ("constants.py",)
# The bench tests' shared records: it makes them with Frappe, on a bench only.
BENCH_ONLY = ("testing/bench_fixtures.py", "testing/bench_catalogue.py")
FORBIDDEN = ("frappe", "erpnext")


def imported_modules(source: str) -> set[str]:
	modules = set()
	for node in ast.walk(ast.parse(source)):
		if isinstance(node, ast.Import):
			modules.update(alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			modules.add(node.module)
	return modules


def forbidden(modules: set[str]) -> set[str]:
	return {name for name in modules if name.split(".")[0] in FORBIDDEN}


PURE_FILES = sorted(
	[
		path
		for folder in PURE
		for path in (PACKAGE / folder).rglob("*.py")
		if str(path.relative_to(PACKAGE)) not in BENCH_ONLY
	]
	+ [PACKAGE / name for name in PURE_MODULES]
)


def test_there_are_pure_modules_to_check():
	assert len(PURE_FILES) > 20


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_imports_no_frappe(path: Path):
	assert not forbidden(imported_modules(path.read_text()))


def test_the_check_sees_every_form_of_import():
	source = "import frappe\nfrom erpnext.controllers import x\nimport os, frappe.utils\nfrom . import y\n"
	assert forbidden(imported_modules(source)) == {"frappe", "erpnext.controllers", "frappe.utils"}
