"""Help-desk article exports: JSON with HTML bodies, or saved `.html` pages.

Recognised by their fields, not by file name:

* Zendesk Guide (Help Center API): `{"articles": [{"id", "title", "body", "section_id",
  "draft", ...}], "sections": [{"id", "name"}]?}` (a page of the list endpoint, or
  several merged), `{"article": {...}}` (one article), or one article object per
  file / per JSONL line. `section_id` is named through a `sections` list in the same
  file when there is one; a `section` string field is used as it is.
* Help Scout Docs: `{"article": {"id", "name", "text", "status", ...}}` (the article
  endpoint), or a list of such objects (`name` = title, `text` = HTML body).
* A folder of `.html` files (one article per page, e.g. saved from the help centre):
  the title is the page's first `<h1>` (else `<title>`), the text is its `<article>`,
  `<main>` or `<body>`.

An object is an article when it has a title (`title`/`name`) and an HTML body
(`body`/`text` containing markup). HTML becomes text with its structure kept
(`qa_engine.ingest.html`): each heading of the article is a section of its own,
lists stay lists, tables stay tables. Text before the article's first heading is
filed under the help centre's section name, else the article title. Drafts
(`"draft": true`, Help Scout `"status": "notpublished"`) are left out with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qa_engine.ingest.chunking import parse_markdown
from qa_engine.ingest.html import html_to_text, looks_like_html, page_body, page_title, parse_html
from qa_engine.ingest.loaders import DocumentPart, LoadedFile, LoadError, prettify_stem

_TITLE = ("title", "name")
_BODY = ("body", "text")


def _first(obj: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    lower = {str(k).lower(): k for k in obj}
    for name in names:
        if name in lower and obj[lower[name]] not in (None, ""):
            return obj[lower[name]]
    return None


def is_article(obj: Any) -> bool:
    """A title and an HTML body."""
    if not isinstance(obj, Mapping):
        return False
    title, body = _first(obj, _TITLE), _first(obj, _BODY)
    return isinstance(title, str) and isinstance(body, str) and looks_like_html(body)


def find_articles(data: Any) -> tuple[list[Any], dict[str, str]] | None:
    """(article objects, section id -> name) when `data` is an article export, else None."""
    sections: dict[str, str] = {}
    items: Any = None
    if isinstance(data, Mapping):
        for key in ("sections", "categories"):
            for s in data.get(key) or []:
                if isinstance(s, Mapping) and s.get("id") is not None and s.get("name"):
                    sections.setdefault(str(s["id"]), str(s["name"]))
        if isinstance(data.get("articles"), list):
            items = data["articles"]
        elif isinstance(data.get("articles"), Mapping):  # Help Scout list pages
            items = data["articles"].get("items")
        elif isinstance(data.get("article"), Mapping):
            items = [data["article"]]
        elif is_article(data):
            items = [data]
    elif isinstance(data, list):
        items = data
    if not isinstance(items, list) or not items:
        return None
    if not any(is_article(a) for a in items):
        return None
    return items, sections


def article_parts(
    title: str, html: str, doc_id: str, section_name: str = "",
) -> list[DocumentPart]:
    """One part per heading of the article (see the module docstring)."""
    title = " ".join(title.split())
    markdown = f"# {title}\n\n{html_to_text(html, heading_offset=1)}"
    _, sections = parse_markdown(markdown)
    return [
        DocumentPart(
            doc_id=doc_id,
            title=title,
            section=(section_name or title) if s.heading in ("", title) else s.heading,
            text=s.body,
            kind="policy",
        )
        for s in sections
        if s.body
    ]


def _draft(obj: Mapping[str, Any]) -> bool:
    draft = _first(obj, ("draft",))
    status = str(_first(obj, ("status",)) or "").lower()
    return draft is True or status in ("notpublished", "draft", "archived")


def load_articles(
    items: list[tuple[str, str, Any]], sections: Mapping[str, str], source: str
) -> LoadedFile:
    """Articles from (where, default id, object) triples."""
    loaded = LoadedFile([])
    for where, default_id, obj in items:
        if not isinstance(obj, Mapping):
            raise LoadError(f"{where}: expected a JSON object, found {type(obj).__name__}")
        if not is_article(obj):
            loaded.warnings.append(f"{where}: no title or no HTML body, skipped")
            continue
        if _draft(obj):
            loaded.warnings.append(f"{where}: a draft, skipped")
            continue
        section = _first(obj, ("section",))
        if not isinstance(section, str):
            section_id = _first(obj, ("section_id",))
            section = sections.get(str(section_id), "") if section_id is not None else ""
        article_id = _first(obj, ("id",))
        parts = article_parts(
            str(_first(obj, _TITLE)), str(_first(obj, _BODY)),
            str(article_id) if article_id is not None else default_id, section,
        )
        if not parts:
            loaded.warnings.append(f"{where}: no text, skipped")
        loaded.parts.extend(parts)
    if not loaded.parts:
        raise LoadError("no text to ingest (no published article has any text)")
    return loaded


def load_html(text: str, source: str) -> LoadedFile:
    """A saved help-centre page: one article, its headings as sections."""
    soup = parse_html(text)
    title = page_title(soup) or prettify_stem(source)
    body = page_body(soup)
    _, sections = parse_markdown(html_to_text(body))
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    parts = [
        DocumentPart(doc_id=stem, title=title, section=s.heading or title, text=s.body,
                     kind="policy")
        for s in sections
        if s.body
    ]
    if not parts:
        raise LoadError("no text to ingest (the page has no text outside headings)")
    return LoadedFile(parts)
