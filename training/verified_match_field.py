"""The field test's paraphrase groups as verified-answer pairs, half for fitting, half held.

The field test (`training/data/field_test/`) is the only set of questions typed the way
agents type them, on a knowledge base nobody here wrote; its groups are several phrasings
of one question. Fitting the matching rule on none of it left the rule blind to how
agents paraphrase ("cust has a bag of old clothes, does she get anything" / "how much is
the rewear voucher"); fitting on all of it would leave nothing to measure on. So the
groups are split in two halves by a stable hash of the group name (`field_half`): the rule
is fitted on the "fit" half, and `python -m bench.learning` teaches and asks only the
"held" half's groups. The split is fixed by the data, like the real-QA held-out slices.

Pairs, as serving meets them: each answerable group's first question is the verified one,
its answer located in the knowledge base exactly as an agent's correction is
(`qa_engine.corrections.locate_correction`); the group's other phrasings are paraphrases
(label 1); every question of another group of the same half is a near miss (label 0),
unless its own answer is the verified span (then serving it is right: label 1).
Questions are repaired toward the knowledge base's words first, as the engine does.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_engine.corrections import Located, locate_correction
from qa_engine.ingest.files import discover
from qa_engine.ingest.loaders import load_file
from qa_engine.ingest.passages import build_passages
from qa_engine.retrieve.normalize import QuestionNormalizer, words_of
from qa_engine.settings.engine import EngineSettings
from qa_engine.squad_metrics import f1_score
from qa_engine.types import Passage

FIELD = Path(__file__).parent / "data" / "field_test"


def field_half(group: str) -> str:
    """"fit" or "held": the half of the field test a paraphrase group belongs to."""
    return "fit" if hashlib.sha256(group.encode()).digest()[0] % 2 == 0 else "held"


class _Passages:
    """`PassageSource` over a list (`locate_correction` searches it as it does the KB)."""

    def __init__(self, passages: list[Passage]) -> None:
        self._all = passages
        self._by_id = {p.id: p for p in passages}

    def get(self, ids: Sequence[str]) -> list[Passage]:
        return [self._by_id[i] for i in ids if i in self._by_id]

    def all(self) -> list[Passage]:
        return self._all


def kb_passages(kb: Path) -> tuple[list[Passage], list[str]]:
    """The knowledge base's passages as ingest chunks them, and what retrieval embeds."""
    max_words = EngineSettings.field_default("passage_max_words")
    overlap = EngineSettings.field_default("passage_overlap_words")
    passages, keys = [], []
    for entry in discover([kb]).files:
        records, _ = build_passages(load_file(entry.path, entry.source).parts, entry.source,
                                    max_words, overlap)
        for r in records:
            passages.append(Passage(id=r.id, text=r.text, title=r.title, source=r.source,
                                    section=r.section))
            keys.append(r.embed_text)
    return passages, keys


def golds(row: dict[str, Any]) -> list[str]:
    answer = row.get("answer")
    return [a for a in (answer if isinstance(answer, list) else [answer]) if a]


def field_source(half: str, known_words: Sequence[str], field: Path = FIELD) -> Any:
    """A `training.verified_match.Source` of one half of the field test's groups."""
    from training.verified_match import Source

    rows = [json.loads(line) for line in (field / "questions.jsonl").read_text().splitlines()
            if line.strip()]
    passages, keys = kb_passages(field / "kb")
    normalizer = QuestionNormalizer(known_words, words_of(p.text for p in passages))
    kb = _Passages(passages)
    index = {p.id: i for i, p in enumerate(passages)}
    src = Source(f"field test ({half} half)", passages=[p.text for p in passages],
                 passage_keys=keys)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if field_half(str(row["group"])) == half:
            groups[str(row["group"])].append(row)
    verified: dict[str, int] = {}  # group -> its first question's index
    answers: list[list[str]] = []
    for group, members in groups.items():
        for k, row in enumerate(members):
            question = normalizer.run(str(row["question"]))
            gold = golds(row)
            located = (locate_correction(gold[0], used_id=None, used_text=None, kb=kb,
                                         question=question) if k == 0 and gold else None)
            if isinstance(located, Located) and located.passage_id in index:
                verified[group] = len(src.questions)
                src.passage_of.append(index[located.passage_id])
                src.span.append(located.text)
                src.span_start.append(located.start)
            else:
                src.passage_of.append(-1)
                src.span.append("")
                src.span_start.append(-1)
            src.questions.append(question)
            answers.append(gold)
    group_of = [g for g, members in groups.items() for _ in members]
    for group, v in verified.items():
        for n in range(len(src.questions)):
            if n == v:
                continue
            same = group_of[n] == group or any(
                f1_score(src.span[v], [a]) >= 0.5 for a in answers[n])
            src.pairs.append((v, n, int(same)))
    return src
