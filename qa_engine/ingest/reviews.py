"""Customer reviews (a review app's CSV export, or JSON/JSONL): one passage per review.

A file is a review file when its columns (or its records' fields) include a rating
and a review body (or a record says `"kind": "review"`); the file name plays no part.
Column names are matched case-insensitively, with spaces, dashes and underscores
alike, so the exports of the common review apps load as they are (see
docs/ingestion.md, "Reviews", for the schema and the names recognised):

| field | recognised names |
|---|---|
| product | product, product name/title, item (name); else product handle, handle; else product id |
| rating | rating, stars, star rating, review score, score, review rating |
| title | review title, title, headline, subject, summary |
| body | body, review, review body, review text, review content, content, comment, text |
| date | review date, date, created at, submitted at, published at, date created |
| verified buyer | verified buyer, verified, verified purchase, is verified buyer, buyer verified |
| id | review id, id |

Every review becomes exactly one passage (never cut, never joined with another
review), of kind "review", with the Chroma metadata the answering side reads:
`product` (str), `rating` (int 1-5, -1 when absent or unreadable), `review_date`
(ISO date or ""), `verified_buyer` (bool). Reviewer names and e-mail addresses are
never stored. The passage text is the reviewer's own words: the review title (when
there is one) on its own line, then the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from qa_engine.ingest.chunking import normalise_paragraphs
from qa_engine.ingest.html import html_to_text, looks_like_html
from qa_engine.ingest.loaders import DocumentPart, LoadedFile, LoadError
from qa_engine.ingest.rendering import field_label

REVIEW_SECTION = "Customer reviews"

_PRODUCT = ("product", "product_name", "product_title", "item", "item_name")
_HANDLE = ("product_handle", "handle", "product_url_handle")
_PRODUCT_ID = ("product_id", "sku", "product_sku")
_RATING = ("rating", "stars", "star_rating", "review_score", "score", "review_rating")
_TITLE = ("review_title", "title", "headline", "subject", "summary")
_BODY = ("body", "review", "review_body", "review_text", "review_content", "content",
         "comment", "comments", "text")
_DATE = ("review_date", "date", "created_at", "submitted_at", "published_at", "date_created",
         "reviewed_at")
_VERIFIED = ("verified_buyer", "verified", "verified_purchase", "is_verified_buyer",
             "is_verified", "buyer_verified")
_ID = ("review_id", "id")
_STATUS = ("curated", "status", "published")
#: Review statuses (in a status/curated column) that mean "not shown in the shop".
_HIDDEN = frozenset({"spam", "rejected", "hidden", "unpublished", "false", "no", "deleted"})
_TRUE = frozenset({"yes", "y", "true", "1", "verified", "verified buyer", "verified purchase"})
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S %z", "%Y/%m/%d", "%m/%d/%Y",
                 "%m/%d/%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")


def _key(name: str) -> str:
    return re.sub(r"[\s\-_]+", "_", str(name).strip().lower())


def _find(keys: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in keys:
            return keys[name]
    return None


def is_review_header(columns: list[str] | Mapping[str, Any]) -> bool:
    """Whether these columns (or a record's fields) are a review: a rating and a body,
    or `kind` = "review"."""
    keys = {_key(c): str(c) for c in columns}
    if isinstance(columns, Mapping) and "kind" in keys:
        if str(columns.get(keys["kind"], "")).strip().lower() == "review":
            return True
    return _find(keys, _RATING) is not None and _find(keys, _BODY) is not None


def parse_rating(value: Any) -> int:
    """1-5 from "4", "4.0", 4, "4/5", "★★★★☆"; -1 when absent or out of range."""
    if value is None or isinstance(value, bool):
        return -1
    text = str(value).strip()
    if not text:
        return -1
    if "★" in text:
        return text.count("★") if 1 <= text.count("★") <= 5 else -1
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?(?:\s*stars?)?", text, re.IGNORECASE)
    if not match:
        return -1
    number = float(match.group(1))
    if match.group(2) and int(match.group(2)) not in (0, 5):
        number = number * 5 / int(match.group(2))  # "8/10" -> 4
    rating = int(number + 0.5)
    return rating if 1 <= rating <= 5 else -1


def parse_date(value: Any) -> str:
    """An ISO date (YYYY-MM-DD) from the usual export formats, or "" when unreadable.

    Slashed dates are read month first, as US review apps write them (03/04/2025 is
    2025-03-04), unless the first number cannot be a month (25/12/2025 is 2025-12-25).
    """
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:  # day first when the first number cannot be a month (25/12/2025)
        return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return ""


def _truthy(value: Any) -> bool:
    """"Yes", "true", "1", "Verified", "verified-purchase"... are True."""
    text = str(value or "").strip().lower()
    return text in _TRUE or text.startswith("verified")


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if looks_like_html(text):
        text = html_to_text(text, headings=False)
    return normalise_paragraphs(text.splitlines())


def _product_name(record: Mapping[str, Any], keys: Mapping[str, str]) -> str:
    name = _find(keys, _PRODUCT)
    if name and _text(record.get(name)):
        return _text(record.get(name))
    handle = _find(keys, _HANDLE)
    if handle and _text(record.get(handle)):
        return field_label(_text(record.get(handle))).title()
    pid = _find(keys, _PRODUCT_ID)
    return _text(record.get(pid)) if pid else ""


def review_part(record: Mapping[str, Any], default_id: str) -> tuple[DocumentPart | None, str]:
    """One review's part, or (None, why it was skipped)."""
    keys = {_key(k): k for k in record}
    status = _find(keys, _STATUS)
    if status and str(record.get(status, "")).strip().lower() in _HIDDEN:
        return None, f"not published ({status} = {str(record.get(status)).strip()})"
    body_key = _find(keys, _BODY)
    body = _text(record.get(body_key)) if body_key else ""
    title_key = _find(keys, _TITLE)
    title = _text(record.get(title_key)) if title_key else ""
    if title and body.lower().startswith(title.lower()):
        title = ""  # apps that copy the first words of the review into its title
    text = "\n".join(t for t in (title, body) if t)
    if not text:
        return None, "no review text"
    product = _product_name(record, keys)
    rating_key = _find(keys, _RATING)
    date_key = _find(keys, _DATE)
    verified_key = _find(keys, _VERIFIED)
    id_key = _find(keys, _ID)
    verified = record.get(verified_key) if verified_key else False
    extra = (
        ("product", product),
        ("rating", parse_rating(record.get(rating_key)) if rating_key else -1),
        ("review_date", parse_date(record.get(date_key)) if date_key else ""),
        ("verified_buyer", verified if isinstance(verified, bool) else _truthy(verified)),
    )
    review_id = _text(record.get(id_key)) if id_key else ""
    return DocumentPart(
        doc_id=review_id or default_id,
        title=product or "Customer reviews",
        section=REVIEW_SECTION,
        text=text,
        kind="review",
        extra=extra,
        whole=True,
    ), ""


def load_review_rows(items: list[tuple[str, str, Any]], source: str) -> LoadedFile:
    """Reviews from (where, default id, record) triples: CSV rows or JSON objects."""
    loaded = LoadedFile([])
    no_product = unreadable_rating = 0
    for where, default_id, record in items:
        if not isinstance(record, Mapping):
            raise LoadError(f"{where}: expected a JSON object, found {type(record).__name__}")
        part, why = review_part(record, default_id)
        if part is None:
            loaded.warnings.append(f"{where}: {why}, skipped")
            continue
        meta = dict(part.extra)
        no_product += not meta["product"]
        unreadable_rating += meta["rating"] == -1
        loaded.parts.append(part)
    if not loaded.parts:
        raise LoadError("no text to ingest (no review has any text)")
    if no_product:
        loaded.warnings.append(f"{no_product} review(s) name no product (no product column?)")
    if unreadable_rating:
        loaded.warnings.append(f"{unreadable_rating} review(s) without a 1-5 rating")
    return loaded
