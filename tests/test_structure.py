"""The shape of the code: small modules, small classes, no product code leaning on tests, no
import cycle, including the dotted strings that Frappe resolves (hooks, enqueue, get_attr)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "woocommerce_fusion"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400
DOTTED = re.compile(r"^woocommerce_fusion(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def module_name(path: Path) -> str:
	parts = path.relative_to(ROOT).with_suffix("").parts
	return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_test_module(path: Path) -> bool:
	return path.name.startswith("test_")


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
PRODUCT = {name: path for name, path in MODULES.items() if not is_test_module(path)}


def resolve(target: str) -> str | None:
	"""The module a dotted import or dotted string names (a function path names its module)."""
	while target:
		if target in MODULES:
			return target
		target = target.rpartition(".")[0]
	return None


def edges(name: str, path: Path) -> set[str]:
	"""Modules that `name` imports or names in a dotted string, at any depth of its code."""
	tree = ast.parse(path.read_text())
	found: set[str] = set()
	package = name if path.name == "__init__.py" else name.rpartition(".")[0]
	for node in ast.walk(tree):
		targets: list[str] = []
		if isinstance(node, ast.Import):
			targets = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom):
			base = node.module or ""
			if node.level:
				parent = package.split(".")
				parent = parent[: len(parent) - node.level + 1]
				base = ".".join([*parent, base] if base else parent)
			targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
		elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.match(node.value):
			targets = [node.value]
		for target in targets:
			module = resolve(target)
			if module and module != name:
				found.add(module)
	return found


GRAPH = {name: edges(name, path) for name, path in PRODUCT.items()}


@pytest.mark.parametrize("name", sorted(PRODUCT))
def test_no_product_module_is_over_the_limit(name):
	lines = len(PRODUCT[name].read_text().splitlines())
	assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_class_is_over_the_limit(name):
	tree = ast.parse(MODULES[name].read_text())
	for node in ast.walk(tree):
		if isinstance(node, ast.ClassDef):
			lines = node.end_lineno - node.lineno + 1
			assert lines <= MAX_CLASS_LINES, f"{name}.{node.name} has {lines} lines"


def test_no_product_module_imports_a_test_module():
	offenders = {
		name: sorted(target for target in targets if is_test_module(MODULES[target]))
		for name, targets in GRAPH.items()
	}
	assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize("path", sorted((ROOT / "benchmarks").glob("*.py")), ids=lambda p: p.name)
def test_no_benchmark_imports_a_test_module(path):
	imported = edges(f"benchmarks.{path.stem}", path)
	assert sorted(target for target in imported if is_test_module(MODULES[target])) == []


def test_no_import_cycle_even_through_dotted_strings():
	"""hooks.py names every entry point and is imported by nothing: it is the one root."""
	graph = {name: {t for t in targets if t in GRAPH} for name, targets in GRAPH.items()}
	cycles: list[list[str]] = []
	state: dict[str, int] = {}
	stack: list[str] = []

	def visit(node: str) -> None:
		state[node] = 1
		stack.append(node)
		for target in sorted(graph[node]):
			if state.get(target) == 1:
				cycles.append(stack[stack.index(target) :] + [target])
			elif target not in state:
				visit(target)
		stack.pop()
		state[node] = 2

	for node in sorted(graph):
		if node not in state:
			visit(node)
	assert cycles == []


def test_the_checks_see_imports_and_dotted_strings():
	"""The graph must not be empty by mistake: known edges are there."""
	assert "woocommerce_fusion.engine.pipeline" in GRAPH["woocommerce_fusion.engine.sync.orders"]
	assert any(target.startswith("woocommerce_fusion.tasks") for target in GRAPH["woocommerce_fusion.hooks"])
