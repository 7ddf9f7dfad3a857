"""training/realqa.py: the real-QA mix and held-out slices, on small hand-written SQuAD files."""

from __future__ import annotations

import json
from pathlib import Path

from training.datasets import load_jsonl
from training.realqa import SOURCES, build_train_mix, heldout_slices, main, pick_answer

PARAS = [
    "The boots are waterproof and took about two weeks to break in. Sizing runs small.",
    "Shipping was fast and the box arrived in three days. Customer service was helpful.",
    "The leather scuffs easily, so use a protector spray before the first wear.",
]


def _write(folder: Path) -> None:
    for stem in SOURCES:
        data = []
        for a in range(6):
            paragraphs = []
            for p, ctx in enumerate(PARAS):
                answer = ctx.split(".")[0].split()[-2:]
                text = " ".join(answer)
                qas = [{"id": f"{stem}-{a}-{p}", "question": f"what about {text} {a}?",
                        "answers": [{"text": text, "answer_start": ctx.index(text)},
                                    {"text": ctx.split(".")[0],
                                     "answer_start": 0}],
                        "is_impossible": False}]
                paragraphs.append({"context": ctx, "qas": qas})
            data.append({"title": f"{stem} product {a}", "paragraphs": paragraphs})
        (folder / f"{stem}.json").write_text(json.dumps({"version": "v2.0", "data": data}))


def test_the_mix_has_real_answers_and_negatives_without_their_answer(tmp_path: Path) -> None:
    _write(tmp_path)
    rows = build_train_mix(tmp_path, {"amazon": 10, "policy": 5}, 0.5, seed=1)
    positives = [r for r in rows if r.answerable]
    negatives = [r for r in rows if r.kind.endswith(":negative")]
    assert positives and negatives
    for r in positives:
        assert r.context[r.answer_start: r.answer_start + len(r.answer_text)] == r.answer_text
    by_id = {p.id: p for p in positives}
    for neg in negatives:
        source = by_id[neg.id.removesuffix("-neg")]
        assert source.answer_text.lower() not in neg.context.lower()
    # no policy question comes from the held-out file
    assert not any("policyqa_dev" in r.id for r in rows)


def test_the_longest_annotated_span_is_the_training_answer(tmp_path: Path) -> None:
    _write(tmp_path)
    rows = build_train_mix(tmp_path, {"wiki": 50}, 0.0, seed=0)
    assert rows
    for r in rows:
        assert r.answer_text == r.context.split(".")[0]


def test_held_out_slices_never_meet_training(tmp_path: Path) -> None:
    _write(tmp_path)
    train = {r.id for r in build_train_mix(
        tmp_path, {s: 1000 for s, _, _ in SOURCES.values()}, 0.0, seed=0)}
    held = heldout_slices(tmp_path, per_slice=1000, seed=0)
    assert "policyqa_dev" in held and "rcrc_laptop_dev" in held
    held_ids = {r["id"] for rows in held.values() for r in rows}
    assert held_ids and not held_ids & train
    # a slice without unanswerable questions gets SQuAD-2-style negatives
    assert any(r["answer"] == "" for r in held["policyqa_dev"])


def test_the_cli_writes_the_mix_and_a_sources_sidecar(tmp_path: Path) -> None:
    _write(tmp_path)
    out = tmp_path / "mix.jsonl"
    assert main(["train", "--data-dir", str(tmp_path), "--out", str(out),
                 "--mix", "amazon=5,rcrc=5"]) == 0
    assert load_jsonl(out)
    sidecar = json.loads((tmp_path / "mix.sources.json").read_text())
    assert "../shared/data/realqa/squadshifts_amazon_train.json" in sidecar["files"]
    assert any("Miller" in p for p in sidecar["papers"])
    assert not any("dev" in f for f in sidecar["files"])


def test_pick_answer_skips_spans_not_in_the_context() -> None:
    from training.realqa import RealQuestion

    q = RealQuestion("amazon", "x", "x:t", "short text here", "q?", ("missing", "text"), "1")
    assert pick_answer(q) == ("text", 6)
