"""A store platform's product export (Shopify's product CSV): one product per handle.

Recognised by its columns (`Handle` plus `Variant Price`, `Option1 Value` or
`Body (HTML)`), whatever the file is called. The export has one row per variant:
the first row of a product carries its title, description, vendor, type and tags;
the following rows with the same `Handle` carry only the variant's option values
(`Option1 Value`..`Option3 Value`, named by the first row's `OptionN Name`), price,
compare-at price and stock; rows with only an image are ignored.

Every product becomes one catalog document (kind "product", `doc_id` = the handle,
section = the product type) written as the `Label: value` lines the answering side
reads for any catalog row:

    Name: Alder Waxed Parka
    Category: Outerwear
    Brand: Northfold
    Description: Waxed cotton parka with a detachable hood.
    - Two-way zip
    Price: 189.00 to 209.00
    Sizes: S, M, L, XL
    Colors: Olive, Black
    Availability: In stock except L / Black, XL / Olive (sold out)
    Tags: outerwear, waterproof

Prices are written as exported (the reply adds the currency, STYLESPRINT_CURRENCY).
Products whose `Status` is draft or archived are left out, with a warning, so that
agents never quote a product the shop does not sell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa_engine.ingest.chunking import normalise_paragraphs
from qa_engine.ingest.html import html_to_text
from qa_engine.ingest.loaders import DocumentPart, LoadedFile, LoadError

_HIDDEN_STATUS = frozenset({"draft", "archived"})
_OPTION_LABELS = {"size": "Sizes", "color": "Colors", "colour": "Colours"}


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def is_product_export(header: list[str]) -> bool:
    """Shopify's product CSV columns: `Handle` and a variant or description column."""
    names = {_norm(h) for h in header}
    return "handle" in names and bool(
        names & {"variant price", "option1 value", "body (html)"}
    )


@dataclass
class _Product:
    handle: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)  # from the product's first row
    variants: list[dict[str, str]] = field(default_factory=list)


def _price_key(value: str) -> float:
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return float("inf")


def _price_line(prices: list[str]) -> str:
    distinct = sorted(set(prices), key=_price_key)
    if not distinct:
        return ""
    if len(distinct) == 1:
        return distinct[0]
    return f"{distinct[0]} to {distinct[-1]}"


def _stock(variant: dict[str, str]) -> str:
    """"in", "out" or "backorder" for one variant; "" when stock is not tracked."""
    qty = variant.get("variant inventory qty", "").strip()
    tracked = variant.get("variant inventory tracker", "shopify").strip()
    if not qty or not tracked:
        return ""
    try:
        count = int(float(qty))
    except ValueError:
        return ""
    if count > 0:
        return "in"
    policy = variant.get("variant inventory policy", "").strip().lower()
    return "backorder" if policy == "continue" else "out"


def _availability(product: _Product, names: list[str]) -> str:
    states = [(v, _stock(v)) for v in product.variants]
    tracked = [(v, s) for v, s in states if s]
    if not tracked:
        return ""

    def label(variant: dict[str, str]) -> str:
        values = [variant.get(f"option{i} value", "") for i in range(1, len(names) + 1)]
        return " / ".join(v for v in values if v) or "the only variant"

    out = [label(v) for v, s in tracked if s == "out"]
    back = [label(v) for v, s in tracked if s == "backorder"]
    if len(out) == len(tracked):
        return "Sold out"
    if len(back) == len(tracked):
        return "Available to back-order"
    if not names:  # a single variant
        return "In stock"
    parts = []
    if out:
        parts.append(f"{', '.join(out)} (sold out)")
    if back:
        parts.append(f"{', '.join(back)} (back-order)")
    return "In stock" + (f" except {'; '.join(parts)}" if parts else "")


def _option_names(first: dict[str, str]) -> list[str]:
    names = []
    for i in range(1, 4):
        name = first.get(f"option{i} name", "").strip()
        value = first.get(f"option{i} value", "").strip()
        if not name or (name.lower() == "title" and value.lower() == "default title"):
            break
        names.append(name)
    return names


def _option_label(name: str) -> str:
    known = _OPTION_LABELS.get(name.lower())
    if known:
        return known
    return name if name.lower().endswith("s") else f"{name}s"


def _category(first: dict[str, str]) -> str:
    kind = first.get("type", "").strip()
    if kind:
        return kind
    taxonomy = first.get("product category", "").strip()
    return taxonomy.split(">")[-1].strip() if taxonomy else ""


def product_text(product: _Product) -> str:
    first = product.fields
    names = _option_names(first)
    lines = [("Name", first.get("title", "").strip()),
             ("Category", _category(first)),
             ("Brand", first.get("vendor", "").strip())]
    description = html_to_text(first.get("body (html)", ""), headings=False)
    lines.append(("Description", normalise_paragraphs(description.split("\n"))))
    prices = [v.get("variant price", "").strip() for v in product.variants]
    lines.append(("Price", _price_line([p for p in prices if p])))
    compare = [v.get("variant compare at price", "").strip() for v in product.variants]
    on_sale = [c for c, p in zip(compare, prices, strict=True)
               if c and p and _price_key(c) > _price_key(p)]
    lines.append(("Was", _price_line(on_sale)))  # not "price": the price is the price line
    for i, name in enumerate(names, start=1):
        values = [v.get(f"option{i} value", "").strip() for v in product.variants]
        lines.append((_option_label(name), ", ".join(dict.fromkeys(x for x in values if x))))
    lines.append(("Availability", _availability(product, names)))
    tags = [t.strip() for t in first.get("tags", "").split(",") if t.strip()]
    lines.append(("Tags", ", ".join(tags)))
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


def load_product_export(
    header: list[str], rows: list[tuple[int, list[str]]], source: str
) -> LoadedFile:
    """One product document per handle, its variants folded into it."""
    keys = [_norm(h) for h in header]
    products: dict[str, _Product] = {}
    loaded = LoadedFile([])
    for line, row in rows:
        record = {k: cell for k, cell in zip(keys, row, strict=True)}
        handle = record.get("handle", "").strip()
        if not handle:
            loaded.warnings.append(f"line {line}: no Handle, skipped")
            continue
        product = products.setdefault(handle, _Product(handle, line))
        if record.get("title", "").strip() and not product.fields:
            product.fields = record
        is_variant = any(record.get(k, "").strip() for k in
                         ("option1 value", "variant sku", "variant price"))
        if is_variant:
            product.variants.append(record)
    for product in products.values():
        if not product.fields:
            loaded.warnings.append(
                f"line {product.line}: handle {product.handle!r} has no row with a Title, skipped"
            )
            continue
        status = product.fields.get("status", "").strip().lower()
        if status in _HIDDEN_STATUS:
            loaded.warnings.append(f"line {product.line}: {product.handle!r} is {status}, skipped")
            continue
        title = product.fields["title"].strip()
        loaded.parts.append(DocumentPart(
            doc_id=product.handle, title=title, section=_category(product.fields),
            text=product_text(product), kind="product",
        ))
    if not loaded.parts:
        raise LoadError("no text to ingest (no active product with a Title)")
    return loaded
