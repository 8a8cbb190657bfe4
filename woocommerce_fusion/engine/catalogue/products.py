"""An Item as a WooCommerce product (or a variant as a variation), and what differs between that
payload and the product the shop has.

The payload holds only the fields ERPNext is the master of; the shop's own fields (stock
quantity, which the stock push owns, sale prices, tags) are never sent. What the Item does not
have (no price in the server's price list, no weight, no image, an Item Group without a
category) is left out too, so a product the shop made keeps its own values. A weight goes out
in the shop's weight unit, or not at all when the Item's Weight UOM cannot be converted to it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from woocommerce_fusion.engine.catalogue.ports import CatalogueItem, CatalogueSettings
from woocommerce_fusion.engine.catalogue.weight import ShopWeightUnit, shop_weight


@dataclass
class Mapped:
	"""A payload and what the person previewing it should know about it."""

	payload: dict[str, Any]
	# e.g. a private image that was left out.
	notes: list[str] = field(default_factory=list)
	# Item Group -> WooCommerce category, when mapped; for the preview's hover text.
	category: str = ""


def number(value: Decimal) -> str:
	"""A weight as typed: "0.35", "2"."""
	text = f"{value:f}"
	return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal) -> str:
	"""A price with two decimals, or more when it has them: "12.50", "0.125"."""
	cents = value.quantize(Decimal("0.01"))
	return f"{cents:f}" if cents == value else number(value)


def public_image_url(image: str, site_url: str) -> tuple[str, str]:
	"""(URL the shop can download, note): a private file or a relative path without a site
	address has no URL the shop could read."""
	image = (image or "").strip()
	if not image:
		return "", ""
	if image.startswith("/private/") or "/private/files/" in image:
		return "", f"The image {image} is a private file, which the shop cannot download; it was left out."
	if urlsplit(image).scheme in ("http", "https"):
		return image, ""
	if image.startswith("/files/") and site_url:
		return site_url.rstrip("/") + image, ""
	return "", f"The image {image} has no public address; it was left out."


def _common(
	item: CatalogueItem, settings: CatalogueSettings, mapped: Mapped, weight_unit: ShopWeightUnit
) -> tuple[dict[str, Any], str]:
	"""The fields products and variations share, and the image URL (empty: none to send)."""
	url, note = public_image_url(item.image, settings.site_url)
	if note:
		mapped.notes.append(note)
	payload: dict[str, Any] = {"sku": item.item_code, "description": item.description or ""}
	if item.weight:
		weight, note = shop_weight(item.weight, item.weight_uom, weight_unit)
		if weight is None:
			mapped.notes.append(note)
		else:
			payload["weight"] = number(weight)
	if item.price is not None and not item.has_variants:
		payload["regular_price"] = money(item.price)
	return payload, url


def product_payload(
	item: CatalogueItem,
	settings: CatalogueSettings,
	variants: list[CatalogueItem],
	weight_unit: ShopWeightUnit,
) -> Mapped:
	"""The product of a simple Item or of a template (then "variable", its attributes holding the
	options its variants use)."""
	mapped = Mapped(payload={})
	payload, image = _common(item, settings, mapped, weight_unit)
	payload.update(
		name=item.item_name or item.item_code,
		type="variable" if item.has_variants else "simple",
		status="draft" if item.disabled else "publish",
		# A variable product's stock is its variations'.
		manage_stock=settings.manage_stock and not item.has_variants,
		backorders=settings.backorders,
	)
	category = settings.categories.get(item.item_group)
	if category:
		payload["categories"] = [{"id": category}]
	mapped.category = (
		f"Item Group {item.item_group} -> category {category}"
		if category
		else f"Item Group {item.item_group} has no WooCommerce category mapped: the product's categories are kept"
	)
	if image:
		payload["images"] = [{"src": image}]
	if item.has_variants:
		payload["attributes"] = variation_attributes(item, variants)
	mapped.payload = payload
	return mapped


def variation_attributes(template: CatalogueItem, variants: list[CatalogueItem]) -> list[dict[str, Any]]:
	"""The template's attributes, each with the values its variants use, in the variants' order."""
	options: dict[str, list[str]] = {name: [] for name, _value in template.attributes}
	for variant in variants:
		for name, value in variant.attributes:
			if value and value not in options.setdefault(name, []):
				options[name].append(value)
	return [
		{"name": name, "position": position, "visible": True, "variation": True, "options": values}
		for position, (name, values) in enumerate(options.items())
		if values
	]


def variation_payload(
	variant: CatalogueItem, settings: CatalogueSettings, weight_unit: ShopWeightUnit
) -> Mapped:
	mapped = Mapped(payload={})
	payload, image = _common(variant, settings, mapped, weight_unit)
	payload.update(
		# WooCommerce's "Enabled" box of a variation is its status publish / private.
		status="private" if variant.disabled else "publish",
		manage_stock=settings.manage_stock,
		backorders=settings.backorders,
		attributes=[{"name": name, "option": value} for name, value in variant.attributes if value],
	)
	if image:
		payload["image"] = {"src": image}
	mapped.payload = payload
	return mapped


def payload_hash(payload: dict[str, Any], variations: list[dict[str, Any]] | None = None) -> str:
	text = json.dumps([payload, variations or []], sort_keys=True, default=str)
	return hashlib.sha1(text.encode()).hexdigest()


# -- comparing with the shop -------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
	try:
		return Decimal(str(value)) if str(value or "").strip() else None
	except InvalidOperation:
		return None


def _image_stem(url: str) -> str:
	"""WordPress names an uploaded image after its file: 'Blue Mug.JPG' becomes 'blue-mug' (a
	second upload of the same name 'blue-mug-1')."""
	name = urlsplit(url or "").path.rsplit("/", 1)[-1]
	stem = name.rsplit(".", 1)[0] if "." in name else name
	return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def _same_image(wanted: str, shop_images: list[dict[str, Any]]) -> bool:
	if not shop_images:
		return False
	first = shop_images[0] or {}
	stem = _image_stem(wanted)
	shop_stem = re.sub(r"[^a-z0-9]+", "-", str(first.get("name") or "").lower()).strip("-") or _image_stem(
		str(first.get("src") or "")
	)
	return shop_stem == stem or re.fullmatch(re.escape(stem) + r"-\d+", shop_stem) is not None


def _attribute_set(attributes: list[dict[str, Any]]) -> set[tuple[str, tuple[str, ...]]]:
	return {
		(str(a.get("name", "")).lower(), tuple(a.get("options") or ()))
		for a in attributes or []
		if a.get("variation", True)
	}


def _option_set(attributes: list[dict[str, Any]]) -> set[tuple[str, str]]:
	return {(str(a.get("name", "")).lower(), str(a.get("option", ""))) for a in attributes or []}


def differences(payload: dict[str, Any], shop: dict[str, Any], *, variation: bool = False) -> list[str]:
	"""The payload's fields whose value the shop's product (or variation) does not have."""
	changed = []
	for key, wanted in payload.items():
		have = shop.get(key)
		if key in ("regular_price", "weight"):
			same = _decimal(wanted) == _decimal(have)
		elif key == "categories":
			same = {c["id"] for c in wanted} == {int(c.get("id", 0)) for c in have or []}
		elif key == "images":
			same = _same_image(wanted[0]["src"], have or [])
		elif key == "image":
			same = _same_image(wanted["src"], [have] if have else [])
		elif key == "attributes" and variation:
			same = _option_set(wanted) == _option_set(have)
		elif key == "attributes":
			same = _attribute_set(wanted) == _attribute_set(have)
		elif key == "description":
			same = (wanted or "").strip() == str(have or "").strip()
		else:
			same = wanted == have
		if not same:
			changed.append(key)
	return changed
