"""Reading knowledge-base files into document parts (pure functions, no models).

Each loader turns one file's text into `DocumentPart`s: a titled piece of text
that belongs to one document (a policy section, a catalog row, a JSON record).
Anything wrong with a file raises `LoadError` with a reason an operator can act
on ("row 7: expected 10 fields, found 12"); the ingestor reports it by file name
and carries on with the other files. A file is loaded completely or not at all,
so a half-read file can never replace good passages already in the store.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.ingest.chunking import normalise_paragraphs, parse_markdown
from qa_engine.ingest.rendering import field_label, render_record

KINDS = ("policy", "document", "product", "review")
#: Values a Chroma metadata field may hold.
MetaValue = str | int | float | bool

_TITLE_FIELDS = ("title", "name")
_SECTION_FIELDS = ("section", "category")
_ID_FIELDS = ("id", "sku", "doc_id")
_CSV_ID_COLUMNS = ("sku", "id")
_CSV_TITLE_COLUMNS = ("name", "title")


class LoadError(ValueError):
    """A file cannot be ingested; the message says why (without the file name)."""


@dataclass(frozen=True)
class DocumentPart:
    """One piece of one document, before it is cut into passages."""

    doc_id: str
    title: str
    section: str
    text: str
    kind: str  # "policy" | "document" | "product" | "review"
    #: extra Chroma metadata for this part's passages (a review's product, rating, ...)
    extra: tuple[tuple[str, MetaValue], ...] = ()
    #: never cut into several passages (one review = one passage, whatever its length)
    whole: bool = False


@dataclass
class LoadedFile:
    parts: list[DocumentPart]
    warnings: list[str] = field(default_factory=list)


def prettify_stem(path: Path | str) -> str:
    """`returns-and-exchanges.md` -> `Returns and exchanges` (used when a file has no title)."""
    return field_label(Path(path).stem) or Path(path).name


def read_text(path: Path) -> str:
    """The file's text, or a LoadError for unreadable, empty, binary or non-UTF-8 files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError("empty file")
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8"
        ) from exc
    if not text.strip():
        raise LoadError("empty file")
    return text


def load_markdown(text: str, source: str) -> LoadedFile:
    """Markdown or plain text: one part per heading section (the body only).

    `doc_id` is the file stem, as in the training-data generators.
    """
    title, sections = parse_markdown(text)
    title = title or prettify_stem(source)
    stem = Path(source).stem
    parts = [
        DocumentPart(doc_id=stem, title=title, section=s.heading, text=s.body, kind="policy")
        for s in sections
        if s.body
    ]
    if not parts:
        raise LoadError("no text to ingest (only headings or markup)")
    return LoadedFile(parts)


def _pick(columns: Mapping[str, str], candidates: tuple[str, ...]) -> str | None:
    """The first candidate column present, matched case-insensitively."""
    for name in candidates:
        if name in columns:
            return columns[name]
    return None


def read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line number, cells) rows of a CSV file; blank lines skipped.

    Raises LoadError for quoting errors, a missing, duplicate or empty column name,
    no rows, and rows with the wrong number of fields.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise LoadError(f"malformed CSV at line {reader.line_num}: {exc}") from exc
    if header is None:
        raise LoadError("empty file")
    if any(not name for name in header):
        raise LoadError("malformed CSV header: a column has no name")
    lowered = [name.lower() for name in header]
    duplicates = sorted({n for n in lowered if lowered.count(n) > 1})
    if duplicates:
        raise LoadError(f"malformed CSV header: duplicate column(s) {', '.join(duplicates)}")
    if not rows:
        raise LoadError("no rows under the CSV header")
    for line, row in rows:
        if len(row) != len(header):
            raise LoadError(
                f"malformed CSV at line {line}: expected {len(header)} fields, found {len(row)}"
            )
    return header, rows


def load_csv(text: str, source: str) -> LoadedFile:
    """A CSV file, recognised by its columns: a store platform's product export, a
    review export, else a catalog (one product document per row)."""
    from qa_engine.ingest.reviews import is_review_header, load_review_rows
    from qa_engine.ingest.store_export import is_product_export, load_product_export

    header, rows = read_csv(text)
    if is_product_export(header):
        return load_product_export(header, rows, source)
    if is_review_header(header):
        return load_review_rows(
            [(f"line {n}", f"{source}#line-{n}", dict(zip(header, row, strict=True)))
             for n, row in rows], source)
    return load_catalog(header, rows, source)


def load_catalog(header: list[str], rows: list[tuple[int, list[str]]], source: str) -> LoadedFile:
    """One product document per row: `Column: value` lines, id from `sku`/`id`."""
    file_title = prettify_stem(source)
    lowered = [name.lower() for name in header]
    by_lower = dict(zip(lowered, header, strict=True))
    id_col = _pick(by_lower, _CSV_ID_COLUMNS)
    title_col = _pick(by_lower, _CSV_TITLE_COLUMNS)
    section_col = _pick(by_lower, ("category",))
    skip = tuple({"sku", by_lower.get("sku", "sku")})

    loaded = LoadedFile([])
    seen_ids: dict[str, int] = {}
    for line, row in rows:
        record = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        body = render_record(record, skip=skip)
        if not body:
            loaded.warnings.append(f"line {line}: no values, skipped")
            continue
        doc_id = record.get(id_col, "") if id_col else ""
        if not doc_id:
            doc_id = f"{source}#line-{line}"
        elif doc_id in seen_ids:
            loaded.warnings.append(
                f"line {line}: {id_col} {doc_id!r} repeats line {seen_ids[doc_id]}"
            )
        seen_ids.setdefault(doc_id, line)
        title = (record.get(title_col, "") if title_col else "") or file_title
        section = record.get(section_col, "") if section_col else ""
        loaded.parts.append(DocumentPart(doc_id, title, section, body, "product"))
    if not loaded.parts:
        raise LoadError("no text to ingest (every row is empty)")
    return loaded


def _scalar_text(value: Any) -> str | None:
    """A field value as passage text: lists of scalars joined, objects as JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _record_part(obj: Any, where: str, source: str, default_id: str) -> DocumentPart | None:
    if not isinstance(obj, dict):
        raise LoadError(f"{where}: expected a JSON object, found {type(obj).__name__}")
    lower = {str(k).lower(): k for k in obj}

    def first(names: tuple[str, ...]) -> str:
        for name in names:
            if name in lower:
                value = _scalar_text(obj[lower[name]])
                if value and value.strip():
                    return value.strip()
        return ""

    raw_text = obj.get(lower["text"]) if "text" in lower else None
    if isinstance(raw_text, str) and raw_text.strip():
        text = normalise_paragraphs(raw_text.splitlines())
    else:
        text = render_record({k: _scalar_text(v) for k, v in obj.items()}, skip=("sku",))
    if not text:
        return None
    kind = first(("kind",)).lower()
    return DocumentPart(
        doc_id=first(_ID_FIELDS) or default_id,
        title=first(_TITLE_FIELDS) or prettify_stem(source),
        section=first(_SECTION_FIELDS),
        text=text,
        kind=kind if kind in KINDS else "document",
    )


def _records(items: list[tuple[str, str, Any]], source: str) -> LoadedFile:
    loaded = LoadedFile([])
    for where, default_id, obj in items:
        part = _record_part(obj, where, source, default_id)
        if part is None:
            loaded.warnings.append(f"{where}: no text, skipped")
        else:
            loaded.parts.append(part)
    if not loaded.parts:
        raise LoadError("no text to ingest (no record has any text)")
    return loaded


def load_json(text: str, source: str) -> LoadedFile:
    """A JSON document, recognised by its fields: a help-desk article export, a list of
    reviews, else an array of objects (or one object) with a `text` field or not."""
    from qa_engine.ingest.helpdesk import find_articles, load_articles
    from qa_engine.ingest.reviews import is_review_header, load_review_rows

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    articles = find_articles(data)
    if articles is not None:
        found, sections = articles
        return load_articles(
            [(f"article {n}", f"{source}#{n}", a) for n, a in enumerate(found, start=1)],
            sections, source)
    if isinstance(data, dict) and "articles" in data:
        raise LoadError("an article export without article bodies (a list page? fetch each "
                        "article: see docs/ingestion.md, Help-desk articles)")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise LoadError("no text to ingest (empty JSON array)")
    numbered = [(f"item {n}", f"{source}#{n}", obj) for n, obj in enumerate(items, start=1)]
    if isinstance(items[0], dict) and is_review_header(items[0]):
        return load_review_rows(numbered, source)
    return _records(numbered, source)


def load_jsonl(text: str, source: str) -> LoadedFile:
    """One JSON object per line (blank lines ignored): reviews, help-desk articles, or
    records, recognised by the first object's fields."""
    from qa_engine.ingest.helpdesk import is_article, load_articles
    from qa_engine.ingest.reviews import is_review_header, load_review_rows

    items: list[tuple[str, str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoadError(f"malformed JSON on line {n}: {exc.msg} (column {exc.colno})") from exc
        items.append((f"line {n}", f"{source}#line-{n}", obj))
    first = items[0][2] if items else None
    if isinstance(first, dict) and is_review_header(first):
        return load_review_rows(items, source)
    if is_article(first):
        return load_articles(items, {}, source)
    return _records(items, source)


def load_html(text: str, source: str) -> LoadedFile:
    """A saved HTML page (a help-centre article): see `qa_engine.ingest.helpdesk`."""
    from qa_engine.ingest.helpdesk import load_html as load_page

    return load_page(text, source)


LOADERS: dict[str, Callable[[str, str], LoadedFile]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_markdown,
    ".csv": load_csv,
    ".json": load_json,
    ".jsonl": load_jsonl,
    ".html": load_html,
    ".htm": load_html,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load_file(path: Path, source: str) -> LoadedFile:
    """Read and parse one file; LoadError says what is wrong with it."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            f"unsupported file type {path.suffix or '(none)'!r} "
            f"(supported: {', '.join(sorted(LOADERS))})"
        )
    return loader(read_text(path), source)
