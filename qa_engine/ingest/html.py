"""HTML to knowledge-base text with its structure kept (pure functions, no models).

Help-desk articles and store product descriptions arrive as HTML. The reader reads
plain text and the ingestion pipeline cuts Markdown into sections, so HTML is turned
into the same Markdown-shaped text a hand-written policy file has:

* headings (`<h1>`..`<h6>`) become ATX headings, so `parse_markdown` makes each one
  a section (or, with `headings=False`, a plain line of their own);
* paragraphs and other blocks become paragraphs (blank line between);
* list items stay list items, one per line (`- item`, `1. item`);
* table rows stay rows, one per line, each cell labelled with its column header
  (`Size: M; Chest: 96-101 cm`) so that any row can be quoted on its own; a table
  without a header row keeps its cells in order (`M | 96-101 cm`);
* scripts, styles, navigation, footers, forms and images are dropped; links keep
  their text.

Parsing is BeautifulSoup 4 over the standard library's `html.parser`: a well-kept,
pure-Python parser that is lenient with the broken markup real exports contain and
needs no compiled dependency. We walk the tree ourselves (about 100 lines) instead
of using html2text/markdownify because we need tables as labelled rows and no
Markdown link or emphasis syntax in the text that answers quote verbatim.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

_DROP = frozenset(
    "script style noscript template nav footer form button iframe svg canvas img picture "
    "video audio object embed input select textarea head meta link".split()
)
_BLOCK = frozenset(
    "p div section article main body html blockquote pre address figure figcaption hr "
    "header aside details summary dl dt dd center".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_TAG = re.compile(r"<\s*/?\s*(?:p|div|br|h[1-6]|ul|ol|li|table|tr|td|span|a|strong|em|b|i)\b",
                  re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """Whether `text` contains HTML markup (a common block or inline tag)."""
    return bool(_TAG.search(text))


def parse_html(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _collapse(text: str) -> str:
    return " ".join(text.split())


class _Writer:
    """Collects paragraphs (`out`) while walking the tree; `inline` is the open one."""

    def __init__(self, heading_offset: int, headings: bool) -> None:
        self.heading_offset = heading_offset
        self.headings = headings
        self.out: list[str] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        text = _collapse("".join(self.inline))
        self.inline.clear()
        if text:
            self.out.append(text)

    def text_of(self, node: Tag) -> str:
        """The node's text as one line (its blocks joined with spaces)."""
        inner = _Writer(self.heading_offset, headings=False)
        inner.walk(node)
        inner.flush()
        return " ".join(inner.out)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _SKIPPED_STRINGS):
                    self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            if name in _DROP:
                continue
            if name == "br":
                self.inline.append(" ")
            elif name in _HEADINGS:
                self.flush()
                text = self.text_of(child)
                if text and self.headings:
                    level = min(6, _HEADINGS[name] + self.heading_offset)
                    self.out.append(f"{'#' * level} {text}")
                elif text:
                    self.out.append(text)
            elif name in ("ul", "ol"):
                self.flush()
                self._list(child)
            elif name == "table":
                self.flush()
                self._table(child)
            elif name in _BLOCK or name == "li":
                self.flush()
                self.walk(child)
                self.flush()
            else:  # inline markup (a, strong, span, ...): its text joins the open paragraph
                self.walk(child)

    def _list(self, node: Tag) -> None:
        ordered = node.name == "ol"
        try:
            number = int(str(node.get("start") or 1))
        except ValueError:
            number = 1
        items = node.find_all("li", recursive=False)
        if not items:  # malformed list: keep its text
            self.walk(node)
            self.flush()
            return
        for item in items:
            inner = _Writer(self.heading_offset, headings=False)
            inner.walk(item)
            inner.flush()
            marker = f"{number}." if ordered else "-"
            number += 1
            if not inner.out:
                continue
            first, rest = inner.out[0], inner.out[1:]
            self.out.append(first if first.startswith("- ") else f"{marker} {first}")
            self.out.extend(rest)  # nested lists keep their own markers

    def _table(self, node: Tag) -> None:
        rows: list[tuple[bool, list[str]]] = []
        for tr in node.find_all("tr"):
            if tr.find_parent("table") is not node:
                continue  # a row of a nested table
            cells = tr.find_all(["th", "td"], recursive=False)
            texts = [self.text_of(c) for c in cells]
            if any(texts):
                in_head = tr.find_parent("thead") is not None
                rows.append((in_head or all(c.name == "th" for c in cells), texts))
        caption = node.find("caption")
        if caption is not None and self.text_of(caption):
            self.out.append(self.text_of(caption))
        header: list[str] | None = None
        for is_header, cells in rows:
            if is_header and header is None:
                header = cells
                continue
            if header and len(header) == len(cells):
                pairs = [f"{h}: {v}" if h else v for h, v in zip(header, cells, strict=True) if v]
                self.out.append("; ".join(pairs))
            else:
                self.out.append(" | ".join(cells))


def html_to_text(
    html: str | Tag, *, heading_offset: int = 0, headings: bool = True
) -> str:
    """Markdown-shaped text: paragraphs, headings, list items and table rows, each a
    paragraph of its own (separated by a blank line).

    `heading_offset` shifts heading levels (1 makes `<h1>` a `## ` section, for an
    article whose title is given separately); `headings=False` writes headings as
    plain lines (for a product description inside a catalog record).
    """
    root = parse_html(html) if isinstance(html, str) else html
    writer = _Writer(heading_offset, headings)
    writer.walk(root)
    writer.flush()
    return "\n\n".join(writer.out)


def page_title(soup: BeautifulSoup) -> str:
    """A saved page's title: its first `<h1>`, else `<title>`, else ""."""
    for tag in (soup.find("h1"), soup.find("title")):
        if isinstance(tag, Tag):
            text = _collapse(tag.get_text(" "))
            if text:
                return text
    return ""


def page_body(soup: BeautifulSoup) -> Tag:
    """The part of a saved page that holds the article: `<article>`, `<main>` or `<body>`."""
    for name in ("article", "main", "body"):
        tag = soup.find(name)
        if isinstance(tag, Tag):
            return tag
    return soup
