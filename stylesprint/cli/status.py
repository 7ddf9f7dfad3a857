"""The one status line every answering command prints to stderr once it is ready.

    stylesprint: data /home/ana/bot/.stylesprint (new), .env /home/ana/bot/.env;
    knowledge base 'stylesprint_kb': 155 passages, the demo KB (`stylesprint ingest
    PATH` replaces it); model shipped-0.7

(one line in the terminal). The data directory and `.env` are read relative to the
folder the command starts in; the absolute paths here make a bot started from another
folder (and so with a new, empty data directory) obvious at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa_engine.settings import Settings


def status_line(settings: Settings, collection: Any, model_version: str,
                *, data_dir_existed: bool = True) -> str:
    from qa_engine.ingest.demo import kb_status

    data = str(settings.data_dir.resolve()) + ("" if data_dir_existed else " (new)")
    env = Path(".env")
    env_part = f".env {env.resolve()}" if env.is_file() else "no .env in this folder"
    kb = kb_status(settings, collection)
    where = f" on {kb.location}" if settings.services.chroma_host else ""
    demo = (", the demo KB (`stylesprint ingest PATH` replaces it)" if kb.demo else "")
    return (f"stylesprint: data {data}, {env_part}; knowledge base {kb.collection!r}{where}: "
            f"{kb.passages} passage{'' if kb.passages == 1 else 's'}{demo}; "
            f"model {model_version}")
