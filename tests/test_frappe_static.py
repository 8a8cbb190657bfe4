"""Checks of the app's Frappe metadata that need no bench: doctype JSON, custom fields, hooks,
form scripts and the workspace, against the standard doctypes of Frappe/ERPNext v15.

A broken doctype JSON or hook path otherwise shows up only when `bench migrate` or a scheduler
tick fails on a real site.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "woocommerce_fusion"
MODULE_DIR = APP / "woocommerce_fusion"
MODULE = "WooCommerce Fusion"
STANDARD_INDEX = ROOT / "tests" / "fixtures" / "frappe" / "doctypes-v15.json"
DOTTED_PATH = re.compile(r"^woocommerce_fusion(\.\w+)+$")

# Columns every document has besides its fields.
STANDARD_FIELDS = frozenset(
	{
		"name",
		"owner",
		"creation",
		"modified",
		"modified_by",
		"docstatus",
		"idx",
		"parent",
		"parentfield",
		"parenttype",
	}
)
# Members of frappe.model.document.Document in v15: a field of the same name would shadow them.
DOCUMENT_MEMBERS = frozenset(
	"""add_comment add_seen add_tag add_viewed append apply_fieldlevel_read_permissions as_dict
	as_json cancel cast check_docstatus_transition check_if_latest check_if_locked
	check_no_back_links_exist check_permission clear_cache copy_attachments_from_amended_from
	db_get db_insert db_set db_update db_update_all deferred_insert delete delete_key docstatus
	extend get get_all_children get_assigned_users get_db_value get_doc_before_save
	get_document_share_key get_field_name_by_key_name get_formatted get_invalid_links
	get_label_from_fieldname get_latest get_liked_by get_onload get_parentfield_of_doctype
	get_password get_permissions get_permlevel_access get_signature get_table_field_doctype
	get_tags get_title get_url get_valid_columns get_valid_dict get_value getone has_permission
	has_permlevel_access_to has_value_changed hook in_format_data init_child_tables
	init_valid_columns insert is_child_table_same is_dummy_password is_locked is_new
	is_print_hide is_whitelisted load_doc_before_save load_from_db lock log_error meta
	notify_update parent_doc permitted_fieldnames precision queue_action
	raise_no_permission_to reload remove remove_tag remove_unpicklable_values rename reset_seen
	reset_values_if_no_permlevel_access round_floats_in run_before_save_methods run_method
	run_notifications run_post_save_methods run_trigger save save_version set set_docstatus
	set_fetch_from_value set_name_in_children set_new_name set_onload set_parent_in_children
	set_title_field set_user_and_timestamp show_unique_validation_message submit
	throw_length_exceeded_error unlock update update_child_table update_children
	update_if_missing update_modified update_single validate_amended_from
	validate_from_to_dates validate_higher_perm_levels validate_set_only_once
	validate_table_has_rows validate_update_after_submit validate_value validate_workflow""".split()
)
NO_VALUE_FIELDTYPES = frozenset(
	{"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Image", "Fold", "Heading"}
)
TABLE_FIELDTYPES = frozenset({"Table", "Table MultiSelect"})


# -- what exists ---------------------------------------------------------------------------


@cache
def standard_index() -> dict[str, Any]:
	return json.loads(STANDARD_INDEX.read_text())


def standard_doctypes() -> dict[str, dict[str, Any]]:
	return standard_index()["doctypes"]


def fieldtypes() -> frozenset[str]:
	return frozenset(standard_index()["fieldtypes"])


@cache
def our_doctypes() -> dict[str, tuple[Path, dict[str, Any]]]:
	"""Every doctype JSON of the app by doctype name."""
	found = {}
	for path in sorted(APP.glob("**/doctype/*/*.json")):
		data = json.loads(path.read_text())
		if isinstance(data, dict) and data.get("doctype") == "DocType":
			found[data["name"]] = (path, data)
	return found


def fields_of(doctype: str) -> dict[str, str]:
	"""fieldname -> fieldtype of a standard or app doctype."""
	if doctype in our_doctypes():
		return {df["fieldname"]: df["fieldtype"] for df in our_doctypes()[doctype][1].get("fields", [])}
	return {name: fieldtype for name, fieldtype, _options, _label in standard_doctypes()[doctype]["fields"]}


def is_table(doctype: str) -> bool:
	if doctype in our_doctypes():
		return bool(our_doctypes()[doctype][1].get("istable"))
	return bool(standard_doctypes()[doctype].get("istable"))


def known_doctypes() -> set[str]:
	return set(standard_doctypes()) | set(our_doctypes())


def snake(doctype: str) -> str:
	return doctype.lower().replace(" ", "_").replace("-", "_")


def controller_class(doctype: str) -> str:
	return doctype.replace(" ", "").replace("-", "")


# -- checkers (each returns a list of problems, so a test can feed them broken input) -------


def check_doctype(data: dict[str, Any], folder: Path | None, known: set[str]) -> list[str]:
	name = data.get("name", "?")
	problems = []
	if folder is not None and folder.name != snake(name):
		problems.append(f"{name}: folder {folder.name} should be {snake(name)}")
	if data.get("module") != MODULE:
		problems.append(f"{name}: module is {data.get('module')!r}, not {MODULE!r}")

	fields = data.get("fields", [])
	fieldnames = [df.get("fieldname") for df in fields]
	by_name = {df.get("fieldname"): df for df in fields}
	for duplicate in sorted({f for f in fieldnames if fieldnames.count(f) > 1}):
		problems.append(f"{name}: fieldname {duplicate} appears twice")
	if data.get("field_order") is not None and sorted(data["field_order"]) != sorted(fieldnames):
		problems.append(f"{name}: field_order does not list exactly the fields")

	for df in fields:
		problems += check_field(name, df, by_name, known)

	autoname = data.get("autoname") or ""
	if autoname.startswith("field:") and autoname[len("field:") :] not in by_name:
		problems.append(f"{name}: autoname names a missing field {autoname}")
	for key in ("title_field", "sort_field", "image_field"):
		value = data.get(key)
		if value and value not in by_name and value not in STANDARD_FIELDS:
			problems.append(f"{name}: {key} {value} is not a field")
	if not data.get("istable") and not data.get("permissions"):
		problems.append(f"{name}: no permissions, so nobody but Administrator can open it")
	return problems


def check_field(doctype: str, df: dict[str, Any], by_name: dict[str, dict], known: set[str]) -> list[str]:
	fieldname, fieldtype, options = df.get("fieldname") or "", df.get("fieldtype"), df.get("options")
	where = f"{doctype}.{fieldname}"
	problems = []
	if not re.fullmatch(r"[a-z][a-z0-9_]*", fieldname) or len(fieldname) > 64:
		problems.append(f"{where}: invalid fieldname")
	if fieldname in STANDARD_FIELDS or (
		fieldname in DOCUMENT_MEMBERS and fieldtype not in NO_VALUE_FIELDTYPES
	):
		problems.append(f"{where}: fieldname clashes with a standard column or Document member")
	if fieldtype not in fieldtypes():
		problems.append(f"{where}: unknown fieldtype {fieldtype!r}")
	if fieldtype == "Link" or fieldtype in TABLE_FIELDTYPES:
		if options not in known:
			problems.append(f"{where}: {fieldtype} to unknown doctype {options!r}")
		elif fieldtype in TABLE_FIELDTYPES and not is_table(options):
			problems.append(f"{where}: {fieldtype} to {options}, which is not a child table")
	if fieldtype == "Dynamic Link" and (options not in by_name or options == fieldname):
		problems.append(f"{where}: Dynamic Link options {options!r} is not a field of {doctype}")
	if fieldtype == "Select" and not [o for o in (options or "").split("\n") if o.strip()]:
		problems.append(f"{where}: Select without options")
	if fieldtype == "Select" and df.get("default") and df["default"] not in (options or "").split("\n"):
		problems.append(f"{where}: default {df['default']!r} is not one of the options")
	return problems


def check_controller(doctype: str, folder: Path) -> list[str]:
	module = folder / f"{snake(doctype)}.py"
	if not module.exists():
		return [f"{doctype}: no controller {module.name}"]
	classes = {node.name for node in ast.parse(module.read_text()).body if isinstance(node, ast.ClassDef)}
	if controller_class(doctype) not in classes:
		return [f"{doctype}: {module.name} defines no class {controller_class(doctype)}"]
	return []


def check_custom_fields(custom_fields: dict[str, list[dict]], known: set[str]) -> list[str]:
	problems = []
	for doctype, fields in custom_fields.items():
		if doctype not in known:
			problems.append(f"custom fields for unknown doctype {doctype}")
			continue
		existing = set(fields_of(doctype))
		ours = {df.get("fieldname") for df in fields}
		for clash in sorted(ours & existing):
			problems.append(f"{doctype}.{clash}: custom field clashes with a standard field")
		by_name = {df.get("fieldname"): df for df in fields}
		for df in fields:
			problems += check_field(doctype, df, by_name | {f: {} for f in existing}, known)
			after = df.get("insert_after")
			if after not in existing and after not in ours:
				problems.append(f"{doctype}.{df.get('fieldname')}: insert_after {after!r} is not a field")
			elif after == df.get("fieldname"):
				problems.append(f"{doctype}.{after}: inserted after itself")
	return problems


def hook_strings(tree: ast.AST) -> list[str]:
	"""Every dotted path into the app that a hooks file names, wherever it is nested."""
	return [
		node.value
		for node in ast.walk(tree)
		if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_PATH.match(node.value)
	]


def resolve(dotted: str) -> str | None:
	"""None when `dotted` names a function or class defined in the app's source, else why not."""
	parts = dotted.split(".")
	for split in range(len(parts) - 1, 0, -1):
		base = ROOT.joinpath(*parts[:split])
		module = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
		if not module.exists():
			continue
		scope = ast.parse(module.read_text()).body
		for name in parts[split:]:
			found = [
				node
				for node in scope
				if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
				and node.name == name
			]
			if not found:
				return f"{dotted}: {name} is not defined in {module.relative_to(ROOT)}"
			scope = found[0].body if isinstance(found[0], ast.ClassDef) else []
		return None
	return f"{dotted}: no such module"


def is_whitelisted(node: ast.AST) -> bool:
	def name(decorator: ast.AST) -> str:
		target = decorator.func if isinstance(decorator, ast.Call) else decorator
		return ast.unparse(target)

	return any(name(d) in ("frappe.whitelist", "whitelist") for d in getattr(node, "decorator_list", []))


def find_definition(dotted: str) -> ast.AST | None:
	parts = dotted.split(".")
	module = ROOT.joinpath(*parts[:-1]).with_suffix(".py")
	if not module.exists():
		return None
	for node in ast.parse(module.read_text()).body:
		if isinstance(node, ast.FunctionDef) and node.name == parts[-1]:
			return node
	return None


def check_workspace(data: dict[str, Any], known: set[str]) -> list[str]:
	problems = []
	if data.get("module") != MODULE:
		problems.append(f"workspace {data.get('name')}: module is {data.get('module')!r}")
	targets = [link.get("link_to") for link in data.get("links", []) if link.get("type") == "Link"]
	targets += [s.get("link_to") for s in data.get("shortcuts", []) if s.get("type") == "DocType"]
	problems += [f"workspace links to unknown doctype {t!r}" for t in targets if t not in known]
	content = json.loads(data.get("content") or "[]")
	cards = {link["label"] for link in data.get("links", []) if link.get("type") == "Card Break"}
	shortcuts = {s.get("label") for s in data.get("shortcuts", [])}
	for block in content:
		if block["type"] == "card" and block["data"]["card_name"] not in cards:
			problems.append(f"workspace block shows a missing card {block['data']['card_name']!r}")
		if block["type"] == "shortcut" and block["data"]["shortcut_name"] not in shortcuts:
			problems.append(f"workspace block shows a missing shortcut {block['data']['shortcut_name']!r}")
	return problems


# -- the app as it is ------------------------------------------------------------------------


def hooks_tree() -> ast.Module:
	return ast.parse((APP / "hooks.py").read_text())


def hooks_value(name: str) -> Any:
	for node in hooks_tree().body:
		if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
			return ast.literal_eval(node.value)
	return None


def test_the_app_has_doctypes():
	assert {"WooCommerce Server", "WooCommerce Request Log"} <= set(our_doctypes())


@pytest.mark.parametrize("doctype", sorted(our_doctypes()))
def test_doctype_json(doctype):
	path, data = our_doctypes()[doctype]
	assert check_doctype(data, path.parent, known_doctypes()) == []
	assert check_controller(doctype, path.parent) == []
	assert (path.parent / "__init__.py").exists()


@pytest.mark.parametrize("doctype", sorted(our_doctypes()))
def test_doctype_js_calls_whitelisted_methods(doctype):
	"""frm.call("method") in a form script must hit a whitelisted method of the controller."""
	path, _data = our_doctypes()[doctype]
	script = path.with_suffix(".js")
	if not script.exists():
		return
	controller = ast.parse(path.with_suffix(".py").read_text())
	classes = [
		n for n in controller.body if isinstance(n, ast.ClassDef) and n.name == controller_class(doctype)
	]
	methods = {n.name: n for n in classes[0].body if isinstance(n, ast.FunctionDef)} if classes else {}
	for method in re.findall(r"frm\.call\(\s*[\"'](\w+)[\"']", script.read_text()):
		assert method in methods and is_whitelisted(methods[method]), f"{doctype}: {method}"


def test_app_scripts_call_whitelisted_functions():
	for script in APP.glob("**/*.js"):
		for dotted in re.findall(r"[\"'](woocommerce_fusion(?:\.\w+)+)[\"']", script.read_text()):
			node = find_definition(dotted)
			assert node is not None and is_whitelisted(node), f"{script.name}: {dotted}"


def test_custom_fields():
	custom_fields = json.loads((APP / "erp" / "custom_fields.json").read_text())
	assert check_custom_fields(custom_fields, known_doctypes()) == []


def test_custom_fields_keep_shop_ids_out_of_copies():
	"""Duplicated Sales Orders and Item variants must not inherit the shop's ids."""
	custom_fields = json.loads((APP / "erp" / "custom_fields.json").read_text())
	fields = {(dt, df["fieldname"]): df for dt, dfs in custom_fields.items() for df in dfs}
	for key in [
		("Sales Order", "woocommerce_id"),
		("Sales Order", "woocommerce_server"),
		("Item", "woocommerce_servers"),
	]:
		assert fields[key].get("no_copy") == 1, key
	assert fields[("Sales Order", "woocommerce_status")].get("allow_on_submit") == 1


def test_hook_paths_resolve():
	paths = hook_strings(hooks_tree())
	assert "woocommerce_fusion.install.after_install" in paths
	assert [problem for problem in map(resolve, paths) if problem] == []


def test_hooks_basics():
	assert hooks_value("app_name") == "woocommerce_fusion"
	assert hooks_value("required_apps") == ["erpnext"]
	assert hooks_value("app_license") == "GPLv3"
	assert set(hooks_value("default_log_clearing_doctypes") or {}) <= set(our_doctypes())


def test_doctype_js_paths_exist():
	for doctype, scripts in (hooks_value("doctype_js") or {}).items():
		assert doctype in known_doctypes(), doctype
		for script in [scripts] if isinstance(scripts, str) else scripts:
			assert (APP / script).exists(), script


@pytest.mark.parametrize("path", sorted(MODULE_DIR.glob("workspace/*/*.json")), ids=lambda p: p.parent.name)
def test_workspace(path):
	data = json.loads(path.read_text())
	assert path.parent.name == snake(data["name"])
	assert check_workspace(data, known_doctypes()) == []


@pytest.mark.parametrize("doctype", ["WooCommerce Request Log", "WooCommerce Webhook Delivery"])
def test_logs_are_cleared_by_log_settings(doctype):
	"""Log Settings calls the controller's static clear_old_logs(days)."""
	assert doctype in hooks_value("default_log_clearing_doctypes")
	assert doctype in hooks_value("ignore_links_on_delete")
	path, _data = our_doctypes()[doctype]
	tree = ast.parse(path.with_suffix(".py").read_text())
	(cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
	(method,) = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "clear_old_logs"]
	assert [ast.unparse(d) for d in method.decorator_list] == ["staticmethod"]
	assert [a.arg for a in method.args.args] == ["days"]


def permissions_of(doctype: str, role: str) -> list[dict[str, Any]]:
	return [perm for perm in our_doctypes()[doctype][1]["permissions"] if perm["role"] == role]


def test_order_sync_user_syncs_orders_but_never_sees_a_server():
	"""The role queues a sync of an order by its right to write the order's row; the shop's keys
	and settings stay with the WooCommerce Manager. It may pick a server in a filter (select)."""
	role = "WooCommerce Order Sync User"
	(order_sync,) = permissions_of("WooCommerce Order Sync", role)
	assert order_sync.get("read") and order_sync.get("write")
	assert not (order_sync.get("create") or order_sync.get("delete"))
	(server,) = permissions_of("WooCommerce Server", role)
	assert {key for key, value in server.items() if value and key != "role"} == {"select"}
	(sync_action,) = permissions_of("WooCommerce Sync Action", role)
	assert not (sync_action.get("create") or sync_action.get("write") or sync_action.get("delete"))


def test_webhook_deliveries_are_read_only_rows():
	"""Only the endpoint writes deliveries; the managers may clear them, the Order Sync User reads."""
	data = our_doctypes()["WooCommerce Webhook Delivery"][1]
	assert data["in_create"] == 1
	assert all(df.get("read_only") for df in data["fields"] if "Break" not in df["fieldtype"])
	for role in ("System Manager", "WooCommerce Manager"):
		(perm,) = permissions_of("WooCommerce Webhook Delivery", role)
		assert perm.get("read") and perm.get("delete")
		assert not (perm.get("create") or perm.get("write"))
	(reader,) = permissions_of("WooCommerce Webhook Delivery", "WooCommerce Order Sync User")
	assert reader.get("read") and not (reader.get("create") or reader.get("write") or reader.get("delete"))


def python_sources() -> str:
	"""The app's own Python outside its tests."""
	return "\n".join(path.read_text() for path in APP.glob("**/*.py") if not path.name.startswith("test_"))


def test_every_server_switch_is_read_by_the_app():
	"""An "Enable ..." setting that nothing reads would only pretend to do something."""
	switches = [name for name in fields_of("WooCommerce Server") if name.startswith("enable_")]
	assert switches
	sources = python_sources()
	assert [name for name in switches if f'"{name}"' not in sources and f".{name}" not in sources] == []


def test_the_webhook_secret_is_shown_but_never_typed():
	fields = {df["fieldname"]: df for df in our_doctypes()["WooCommerce Server"][1]["fields"]}
	assert fields["webhook_secret"]["fieldtype"] == "Password"
	assert fields["webhook_secret"].get("read_only") == 1
	for name in ("webhooks_section", "webhook_secret", "webhooks_html"):
		assert not fields[name].get("hidden"), name


def test_every_sync_type_offered_has_a_runner():
	"""The Type field, SyncType in runs/ and hooks.py's runners name the same types, and every
	runner resolves."""
	tree = ast.parse((APP / "runs" / "__init__.py").read_text())
	(sync_type,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SyncType"]
	values = {
		node.targets[0].id: node.value.value
		for node in sync_type.body
		if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
	}
	runners = hooks_value("woocommerce_sync_runners")
	fields = {df["fieldname"]: df for df in our_doctypes()["WooCommerce Sync Action"][1]["fields"]}
	offered = set(fields["sync_type"]["options"].split("\n"))
	assert offered == set(values.values()) == set(runners)
	assert [problem for problem in map(resolve, runners.values()) if problem] == []


def test_runs_never_name_a_task():
	"""tasks/ import runs/; a dotted path back into tasks/ would be an import cycle that only
	frappe.get_attr sees."""
	sources = {
		path: path.read_text() for path in (APP / "runs").glob("*.py") if not path.name.startswith("test_")
	}
	assert sources
	assert [path.name for path, text in sources.items() if "woocommerce_fusion.tasks" in text] == []


# -- the checkers find what they are meant to find -------------------------------------------


def broken_doctype() -> dict[str, Any]:
	return {
		"doctype": "DocType",
		"name": "Broken Thing",
		"module": "Selling",
		"autoname": "field:missing",
		"fields": [
			{"fieldname": "customer", "fieldtype": "Link", "options": "No Such Doctype"},
			{"fieldname": "customer", "fieldtype": "Data"},
			{"fieldname": "rows", "fieldtype": "Table", "options": "Customer"},
			{"fieldname": "kind", "fieldtype": "Select", "options": "\n"},
			{"fieldname": "ref", "fieldtype": "Dynamic Link", "options": "ref_type"},
			{"fieldname": "notes", "fieldtype": "Textarea"},
			{"fieldname": "save", "fieldtype": "Data"},
		],
		"permissions": [],
	}


def test_check_doctype_finds_every_fault():
	problems = "\n".join(check_doctype(broken_doctype(), Path("broken"), known_doctypes()))
	for expected in [
		"folder broken should be broken_thing",
		"module is 'Selling'",
		"customer appears twice",
		"unknown doctype 'No Such Doctype'",
		"not a child table",
		"Select without options",
		"Dynamic Link options 'ref_type'",
		"unknown fieldtype 'Textarea'",
		"Broken Thing.save: fieldname clashes",
		"autoname names a missing field",
		"no permissions",
	]:
		assert expected in problems


def test_check_doctype_accepts_a_sound_one():
	sound = {
		"doctype": "DocType",
		"name": "Sound Thing",
		"module": MODULE,
		"fields": [
			{"fieldname": "reference_doctype", "fieldtype": "Link", "options": "DocType"},
			{"fieldname": "reference_name", "fieldtype": "Dynamic Link", "options": "reference_doctype"},
			{"fieldname": "servers", "fieldtype": "Table", "options": "Sales Order Item"},
		],
		"permissions": [{"role": "System Manager", "read": 1}],
	}
	assert check_doctype(sound, Path("sound_thing"), known_doctypes()) == []


def test_check_custom_fields_finds_every_fault():
	broken = {
		"Sales Order": [
			{"fieldname": "woo_x", "fieldtype": "Data", "insert_after": "no_such_field"},
			{"fieldname": "customer", "fieldtype": "Data", "insert_after": "po_no"},
			{"fieldname": "woo_y", "fieldtype": "Link", "options": "Nope", "insert_after": "woo_x"},
		],
		"No Such Doctype": [{"fieldname": "x", "fieldtype": "Data", "insert_after": "y"}],
	}
	problems = "\n".join(check_custom_fields(broken, known_doctypes()))
	assert "insert_after 'no_such_field'" in problems
	assert "Sales Order.customer: custom field clashes" in problems
	assert "unknown doctype 'Nope'" in problems
	assert "unknown doctype No Such Doctype" in problems
	assert "woo_y: insert_after" not in problems  # after another custom field is fine


def test_resolve_finds_missing_functions():
	assert resolve("woocommerce_fusion.install.after_install") is None
	assert "not defined" in resolve("woocommerce_fusion.install.no_such_function")
	assert "no_such_module is not defined" in resolve("woocommerce_fusion.no_such_module.run")
	assert "no such module" in resolve("woocommerce_fusion_other.hooks.run")
	nested = ast.parse('doc_events = {"Sales Order": {"on_submit": ["woocommerce_fusion.a.b"]}}')
	assert hook_strings(nested) == ["woocommerce_fusion.a.b"]


def test_check_workspace_finds_unknown_links():
	workspace = {
		"module": MODULE,
		"links": [{"type": "Card Break", "label": "A"}, {"type": "Link", "link_to": "Nope"}],
		"shortcuts": [],
		"content": json.dumps([{"type": "card", "data": {"card_name": "B"}}]),
	}
	problems = "\n".join(check_workspace(workspace, known_doctypes()))
	assert "unknown doctype 'Nope'" in problems
	assert "missing card 'B'" in problems
