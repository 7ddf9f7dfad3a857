"""The demo knowledge base as the reader will see it: (doc_id, title, section, text) passages.

QA contexts must be byte-for-byte the passage texts that ingestion stores, or the
reader is trained on text it never reads. The conventions (shared with
`qa_engine.ingest`) are:

- a Markdown section's text is its BODY only (heading lines are metadata), with each
  paragraph whitespace-normalised and paragraphs joined by a single newline;
  `doc_id` is the file stem, `title` the `# ` heading, `section` the `## ` heading;
- a catalog row's text is `render_record(row, skip=("sku",))`, `doc_id` its sku and
  `title` its product name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from qa_engine.ingest.loaders import load_markdown
from qa_engine.ingest.rendering import render_record

DEMO_KB_DIR = Path(__file__).resolve().parents[2] / "qa_engine" / "demo_kb"
CATALOG_COLUMNS = (
    "sku", "name", "category", "description", "price",
    "sizes", "colors", "material", "care", "availability",
)


@dataclass(frozen=True)
class KBPassage:
    doc_id: str
    title: str
    section: str
    text: str
    kind: str  # "policy" | "product"


def markdown_passages(path: Path) -> list[KBPassage]:
    """One passage per non-empty section of a policy document, exactly as ingested.

    Sectioning is ingestion's own (`qa_engine.ingest.loaders.load_markdown`), so a
    training context is byte-for-byte the passage the reader later reads.
    """
    path = Path(path)
    loaded = load_markdown(path.read_text(encoding="utf-8"), path.name)
    return [KBPassage(p.doc_id, p.title, p.section or p.title, p.text, "policy")
            for p in loaded.parts]


def read_catalog(path: Path) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def product_passage(row: dict[str, str]) -> KBPassage:
    text = render_record(row, skip=("sku",))
    return KBPassage(row["sku"], row["name"], "", text, "product")


def demo_passages(kb_dir: Path | None = None) -> list[KBPassage]:
    """Every passage of the demo KB: policy sections (sorted by file) then products."""
    kb_dir = Path(kb_dir or DEMO_KB_DIR)
    out: list[KBPassage] = []
    for md in sorted((kb_dir / "policies").glob("*.md")):
        out.extend(markdown_passages(md))
    out.extend(product_passage(row) for row in read_catalog(kb_dir / "catalog.csv"))
    return out
