"""Text that comes from Slack, made plain: Slack's escaping decoded once, invisible
formatting characters dropped.

Slack sends `&`, `<` and `>` typed by a person as `&amp;`, `&lt;` and `&gt;` (its
markup, `<@U…>` and `<https://…|…>`, stays raw); the engine should read what the
agent typed, so `from_slack` decodes those three entities exactly once ("&amp;lt;"
becomes "&lt;", never "<"), and `bot.blocks.escape` encodes them once again on the
way out (no `&amp;amp;`). Zero-width and bidirectional control characters (U+200B…,
U+202A-U+202E, U+2066-U+2069, ...) are removed from everything read and everything
echoed: they can reorder or hide what an agent sees next to the bot's answer. Other
control characters (NUL, ESC, DEL, C1) become spaces.
"""

from __future__ import annotations

import re

_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ENTITY = re.compile(r"&(amp|lt|gt);")
#: Zero-width characters, bidirectional embeddings/overrides/isolates, marks and joiners.
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


#: C0 and C1 control characters (NUL, ESC, DEL, ...) but tab and newline: Slack shows some
#: as nothing, a terminal or a log reader obeys others (issue 22: a NUL echoed to Slack).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_invisible(text: str) -> str:
    """`text` without zero-width and bidirectional control characters, and with each C0/C1
    control character (tab and newline kept) turned into a space, as the engine reads
    them (`qa_engine.pipeline.clean_question`)."""
    return CONTROL.sub(" ", INVISIBLE.sub("", text))


def unescape_slack(text: str) -> str:
    """Slack's three entities decoded, in one pass (each `&amp;` once)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def from_slack(text: str) -> str:
    """What the agent typed: Slack's escaping decoded once, invisible characters dropped."""
    return strip_invisible(unescape_slack(text))
