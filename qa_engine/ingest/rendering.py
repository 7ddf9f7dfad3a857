"""How a structured record (a catalog row, a JSON object) becomes passage text.

Shared by ingestion and by the training-data generators so that the reader is
trained on exactly the text it will later read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field_label(name: str) -> str:
    """`care_instructions` -> `Care instructions`."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def render_record(fields: Mapping[str, Any], skip: tuple[str, ...] = ()) -> str:
    """Readable `Column: value` lines, one per non-empty field, in the given order."""
    lines = []
    for key, value in fields.items():
        if key in skip or value is None:
            continue
        text = str(value).strip()
        if text:
            lines.append(f"{field_label(str(key))}: {text}")
    return "\n".join(lines)
