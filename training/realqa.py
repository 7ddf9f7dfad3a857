"""Real human-written QA (`../shared/data/realqa/`) as training mixes and held-out slices.

`python -m training.realqa train --out runs/realqa_train.jsonl` writes a seeded training
mix in the project's JSONL; `python -m training.realqa heldout --out-dir runs/realqa_heldout`
writes one evaluation JSONL per held-out slice (`stylesprint eval --mode reader` reads them).
The data is read from the shared folder and never copied into the repository; each output
gets a `<name>.sources.json` sidecar naming the source files and papers, which the model
card lists.

The split is fixed by the data, not by a seed, so a slice held out today is held out in
every later run:
- whole files held out: `rcrc_laptop_dev`, `rcrc_restaurant_dev`, `policyqa_dev`;
- within a file, by a stable hash of the unit: Amazon products (15%), Wikipedia articles
  (15%), Reddit posts (15%, the file is one article), SQuAD 2.0 paragraphs (10%).

Negatives: only 4% of the real questions are unanswerable, so SQuAD-2-style ones are made
(Rajpurkar et al., 2018): an answerable question is asked of another passage of the same
article, product, policy or review set that contains none of its answers; the passage that
shares most words with the question is taken, so the negative is a hard one (the question's
topic is there, its answer is not).

Answers: SQuADShifts and PolicyQA list several annotators' spans. Training takes the
longest of them (at most `MAX_ANSWER_WORDS` words): the agent pastes the quote, and the
fuller span is the one that settles the question (issue 21's "quote unit").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.datasets import QAExample, read_squad, write_jsonl

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "realqa"
MAX_ANSWER_WORDS = 30

#: file stem -> (short source name, how it is split: "file" (train only), "heldout" (all
#: held out), or (unit, percent held out) with unit "title" or "paragraph"), paper
SOURCES: dict[str, tuple[str, object, str]] = {
    "squadshifts_amazon_train": ("amazon", ("title", 15), "SQuADShifts: Miller et al., ICML 2020"),
    "squadshifts_new_wiki": ("wiki", ("title", 15), "SQuADShifts: Miller et al., ICML 2020"),
    "squadshifts_reddit": ("reddit", ("paragraph", 15), "SQuADShifts: Miller et al., ICML 2020"),
    "policyqa_test": ("policy", "file", "PolicyQA: Ahmad et al., Findings of EMNLP 2020"),
    "policyqa_dev": ("policy", "heldout", "PolicyQA: Ahmad et al., Findings of EMNLP 2020"),
    "rcrc_laptop_train": ("rcrc", "file", "RCRC: Xu et al., arXiv:1902.00821, 2019"),
    "rcrc_restaurant_train": ("rcrc", "file", "RCRC: Xu et al., arXiv:1902.00821, 2019"),
    "rcrc_restaurant_test": ("rcrc", "file", "RCRC: Xu et al., arXiv:1902.00821, 2019"),
    "rcrc_laptop_dev": ("rcrc", "heldout", "RCRC: Xu et al., arXiv:1902.00821, 2019"),
    "rcrc_restaurant_dev": ("rcrc", "heldout", "RCRC: Xu et al., arXiv:1902.00821, 2019"),
    "squad2_train_first10": ("squad2", ("paragraph", 10), "SQuAD 2.0: Rajpurkar et al., ACL 2018"),
}

#: the default training mix: answerable questions drawn per source (all unanswerable
#: questions of the sampled sources' train part are kept on top, up to the same share)
DEFAULT_MIX = {"amazon": 2400, "wiki": 1500, "reddit": 1500, "policy": 1400, "rcrc": 1500,
               "squad2": 900}

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the is are was were be to of in on for and or do does did can i it "
                  "you what how which who when where why this that with at by as from".split())


@dataclass(frozen=True)
class RealQuestion:
    source: str  # short source name
    file: str  # file stem
    unit: str  # article title (or paragraph key) that groups passages
    context: str
    question: str
    answers: tuple[str, ...]  # () = unanswerable
    id: str


def _held_out(key: str, percent: int) -> bool:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < percent


def read_realqa(data_dir: Path, split: str) -> Iterator[RealQuestion]:
    """Every question of `split` ("train" or "heldout") across the realqa files."""
    for stem, (name, rule, _paper) in SOURCES.items():
        path = Path(data_dir) / f"{stem}.json"
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing (see ../shared/data/realqa/README.md)")
        for item in read_squad(path):
            if rule == "file":
                held = False
            elif rule == "heldout":
                held = True
            else:
                unit_kind, percent = rule  # type: ignore[misc]
                key = item.title if unit_kind == "title" else item.context[:200]
                held = _held_out(f"{stem}:{key}", percent)
            if held != (split == "heldout"):
                continue
            answers = () if item.impossible else tuple(
                a["text"] for a in item.qa.get("answers") or [] if a.get("text"))
            yield RealQuestion(name, stem, f"{stem}:{item.title}", item.context,
                               item.qa["question"], answers, item.id)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def pick_answer(q: RealQuestion) -> tuple[str, int]:
    """(text, start) of the longest annotated span of at most MAX_ANSWER_WORDS words."""
    spans = sorted({a for a in q.answers if q.context.find(a) >= 0},
                   key=lambda a: (len(a.split()) <= MAX_ANSWER_WORDS, len(a)), reverse=True)
    if not spans:
        return "", -1
    return spans[0], q.context.find(spans[0])


def hard_negative(q: RealQuestion, passages: list[str], rng: random.Random) -> str | None:
    """The passage of `passages` most like the question that contains none of its answers."""
    lowered = [a.lower() for a in q.answers]
    qw = _words(q.question)
    best, best_score = None, -1.0
    for ctx in passages:
        if ctx == q.context or any(a in ctx.lower() for a in lowered):
            continue
        score = len(qw & _words(ctx)) + rng.random() * 0.5  # ties broken at random
        if score > best_score:
            best, best_score = ctx, score
    return best


def build_train_mix(data_dir: Path, mix: dict[str, int], negative_share: float,
                    seed: int, exclude: frozenset[str] = frozenset()) -> list[QAExample]:
    """A seeded training mix: `mix[source]` answerable questions per source, the source's
    own unanswerable questions (at most the same share), and SQuAD-2-style negatives for
    `negative_share` of the answerable ones."""
    rng = random.Random(seed)
    by_source: dict[str, list[RealQuestion]] = defaultdict(list)
    passages: dict[str, list[str]] = defaultdict(list)
    file_passages: dict[str, list[str]] = defaultdict(list)
    for q in read_realqa(data_dir, "train"):
        if q.id not in exclude:
            by_source[q.source].append(q)
        if not passages[q.unit] or passages[q.unit][-1] != q.context:
            passages[q.unit].append(q.context)
            file_passages[q.file].append(q.context)
    out: list[QAExample] = []
    for source, want in mix.items():
        pool = by_source.get(source, [])
        answerable = [q for q in pool if q.answers]
        impossible = [q for q in pool if not q.answers]
        rng.shuffle(answerable)
        rng.shuffle(impossible)
        chosen = answerable[:want]
        for q in chosen:
            text, start = pick_answer(q)
            if text:
                out.append(QAExample(q.question, q.context, text, start, id=q.id,
                                     doc=q.unit, kind=f"realqa:{source}"))
        own_neg = impossible[: int(len(chosen) * negative_share)]
        for q in own_neg:
            out.append(QAExample(q.question, q.context, "", -1, id=q.id, doc=q.unit,
                                 kind=f"realqa:{source}:unanswerable"))
        for q in chosen[: int(len(chosen) * negative_share)]:
            same_unit = passages[q.unit]
            pool_ctx = same_unit if len(same_unit) > 1 else rng.sample(
                file_passages[q.file], min(40, len(file_passages[q.file])))
            ctx = hard_negative(q, pool_ctx, rng)
            if ctx is not None:
                out.append(QAExample(q.question, ctx, "", -1, id=f"{q.id}-neg", doc=q.unit,
                                     kind=f"realqa:{source}:negative"))
    rng.shuffle(out)
    return out


def heldout_slices(data_dir: Path, per_slice: int, seed: int,
                   negative_share: float = 0.25) -> dict[str, list[dict]]:
    """Evaluation rows per held-out slice (`answer` lists every annotator's span).

    A slice without unanswerable questions of its own gets SQuAD-2-style negatives
    (`negative_share` of its rows asked again of a same-unit passage without the answer),
    so declining is measured on real text too."""
    rng = random.Random(seed)
    slices: dict[str, list[dict]] = defaultdict(list)
    questions = list(read_realqa(data_dir, "heldout"))
    passages: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        if not passages[q.unit] or passages[q.unit][-1] != q.context:
            passages[q.unit].append(q.context)
    for q in questions:
        name = q.file if q.source in ("rcrc", "policy") else q.source
        slices[name].append({"id": q.id, "question": q.question, "context": q.context,
                             "answer": list(dict.fromkeys(q.answers)) or "",
                             "category": q.source, "group": q.id})
    by_id = {q.id: q for q in questions}
    for rows in slices.values():
        rng.shuffle(rows)
        del rows[per_slice:]
        if any(not r["answer"] for r in rows):
            continue  # the slice has real unanswerable questions of its own
        for row in rows[: int(len(rows) * negative_share)]:
            q = by_id[row["id"]]
            ctx = hard_negative(q, passages[q.unit], rng)
            if ctx is not None:
                rows.append({**row, "id": f"{q.id}-neg", "group": f"{q.id}-neg",
                             "context": ctx, "answer": ""})
    return dict(slices)


def sources_path(data: Path) -> Path:
    """Where the sources of a derived training file are written: `<name>.sources.json`."""
    return Path(data).with_name(Path(data).stem + ".sources.json")


def read_sources(data: Path) -> dict:
    """The sources written beside a derived training file, or {} for any other file."""
    try:
        return json.loads(sources_path(data).read_text())
    except (OSError, ValueError):
        return {}


def write_sources(out: Path, files: list[str], extra: dict) -> None:
    papers = sorted({SOURCES[f][2] for f in files})
    sidecar = sources_path(out)
    sidecar.write_text(json.dumps({"files": [f"../shared/data/realqa/{f}.json" for f in files],
                                   "papers": papers, **extra}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.realqa", description=__doc__.split(
        "\n")[0])
    ap.add_argument("what", choices=("train", "heldout"))
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--out", type=Path, help="train: output .jsonl")
    ap.add_argument("--out-dir", type=Path, help="heldout: output folder")
    ap.add_argument("--mix", default=",".join(f"{k}={v}" for k, v in DEFAULT_MIX.items()),
                    help="answerable questions per source, e.g. amazon=2400,wiki=1500")
    ap.add_argument("--negatives", type=float, default=0.25,
                    help="share of answerable questions also asked of a passage without "
                         "their answer")
    ap.add_argument("--exclude", type=Path, action="append", default=[],
                    help="train: skip the questions of this mix (JSONL); repeatable")
    ap.add_argument("--per-slice", type=int, default=400, help="heldout: rows per slice")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"error: {args.data_dir}: no realqa folder", file=sys.stderr)
        return 2
    if args.what == "train":
        if args.out is None:
            ap.error("train needs --out")
        try:
            mix = {k: int(v) for k, v in (p.split("=") for p in args.mix.split(",") if p)}
        except ValueError:
            ap.error(f"--mix {args.mix!r}: expected source=count,...")
        unknown = set(mix) - {s[0] for s in SOURCES.values()}
        if unknown:
            ap.error(f"--mix: unknown source(s) {', '.join(sorted(unknown))}")
        exclude = frozenset(
            str(json.loads(line)["id"]).removesuffix("-neg")
            for path in args.exclude for line in path.open(encoding="utf-8") if line.strip())
        rows = build_train_mix(args.data_dir, mix, args.negatives, args.seed, exclude)
        n = write_jsonl(rows, args.out)
        files = [f for f, (s, rule, _) in SOURCES.items() if s in mix and rule != "heldout"]
        write_sources(args.out, files, {"mix": mix, "negatives": args.negatives,
                                        "seed": args.seed})
        kinds: dict[str, int] = defaultdict(int)
        for r in rows:
            kinds[r.kind] += 1
        print(f"{n} examples -> {args.out}: " + ", ".join(f"{k} {v}" for k, v in
                                                          sorted(kinds.items())))
        return 0
    if args.out_dir is None:
        ap.error("heldout needs --out-dir")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in sorted(heldout_slices(args.data_dir, args.per_slice, args.seed,
                                                     args.negatives).items()):
        n = write_jsonl(rows, args.out_dir / f"{name}.jsonl")
        print(f"{name}: {n} questions ({sum(1 for r in rows if not r['answer'])} unanswerable)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
