"""The model card (README.md) written next to every trained reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa_engine.read.reader import MODEL_META_FILE


def write_model_card(model_dir: Path, command: str | None = None) -> Path:
    """Render README.md from stylesprint.json and calibration.json in `model_dir`."""
    model_dir = Path(model_dir)
    meta: dict[str, Any] = json.loads((model_dir / MODEL_META_FILE).read_text())
    cal_path = model_dir / "calibration.json"
    cal = json.loads(cal_path.read_text()) if cal_path.exists() else None
    cfg = meta.get("train_config", {})
    lines = [
        f"# StyleSprint span reader ({meta.get('method', '?')})",
        "",
        "Extractive question answering over StyleSprint's knowledge base: a question-answering",
        f"head on `{meta.get('base_model')}` fine-tuned with "
        + {"adalora": "AdaLoRA (PEFT)", "lora": "LoRA (PEFT)", "full": "full fine-tuning"}.get(
            meta.get("method", ""), "?") + ".",
        "",
        "## Training data",
    ]
    papers: list[str] = []
    for item in meta.get("data", []):
        lines.append(f"- `{item['path']}`: {item['examples']} examples")
        sources = item.get("sources") or {}
        for name in sources.get("files", []):
            lines.append(f"  - drawn from `{name}`")
        papers += [p for p in sources.get("papers", []) if p not in papers]
    for paper in papers:
        lines.append(f"- {paper}")
    if any("subjqa" in str(d.get("path", "")).lower() for d in meta.get("data", [])):
        lines.append("- SubjQA: Bjerva et al., *SubjQA: A Dataset for Subjectivity and Review "
                     "Comprehension*, EMNLP 2020 (research data, no licence stated upstream).")
    if meta.get("init_from"):
        lines.append(f"- warm-started from `{meta['init_from']}`")
    lines += ["", "## Command", "", "```", command or meta.get("command", "?"), "```", "",
              "## Hyperparameters", "", "| setting | value |", "| --- | --- |"]
    for key in ("epochs", "batch_size", "learning_rate", "max_seq_length", "doc_stride",
                "init_r", "target_r", "tinit_ratio", "tfinal_ratio", "delta_t",
                "orth_reg_weight", "target_modules", "seed"):
        if key in cfg:
            lines.append(f"| {key} | {cfg[key]} |")
    lines += [f"| steps | {meta.get('steps')} |",
              f"| train seconds | {meta.get('train_seconds')} |",
              f"| final loss | {meta.get('final_loss')} |"]
    ranks = meta.get("rank_pattern") or {}
    if ranks:
        total = sum(ranks.values())
        lines += ["", "## AdaLoRA rank pattern", "",
                  f"{len(ranks)} adapted matrices, {total} ranks in all (initially "
                  f"{sum((meta.get('initial_ranks') or {}).values())}).", "",
                  "| matrix | rank |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in ranks.items()]
    dev = meta.get("dev_metrics")
    if dev:
        lines += ["", f"## Dev metrics (`{meta.get('dev_path')}`, reader-only, decline applied)",
                  "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in dev.items()]
    if cal:
        lines += ["", "## Calibration", "",
                  f"p(right) = sigmoid((margin - {cal['bias']:.3f}) / {cal['temperature']:.3f}); "
                  f"declines below {cal['threshold']:.3f}. Fitted on `{cal['fitted_on']}`."]
    path = model_dir / "README.md"
    path.write_text("\n".join(lines) + "\n")
    return path
