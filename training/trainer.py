"""The fine-tuning loop for the span reader (AdaLoRA by default).

A hand-written loop rather than the Hugging Face Trainer because AdaLoRA needs
`update_and_allocate(step)` after `backward()` and before `zero_grad()` on every
step — that is where importance scores are accumulated and ranks are pruned —
and the Trainer does not call it. The loop is seeded, shows a progress bar,
checkpoints every `checkpoint_every` steps (model, optimizer, scheduler, AdaLoRA
importance state, RNG) and resumes from the last checkpoint in the output
directory. It saves only the adapter (`save_pretrained`), plus the metadata the
reader and the registry need and a model card.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.adapters import TrainConfig, peft_config, rank_pattern_summary
from training.datasets import QAExample
from training.features import build_features

CHECKPOINT_DIR = "checkpoint"


@dataclass
class TrainResult:
    out_dir: Path
    steps: int
    losses: list[float]
    initial_ranks: dict[str, int] = field(default_factory=dict)
    final_ranks: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    n_examples: int = 0
    n_features: int = 0


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(cfg: TrainConfig, base_model: str, total_steps: int,
                init_from: Path | None = None) -> Any:
    """Base QA model wrapped for the method; `init_from` warm-starts from a saved model."""
    from peft import get_peft_model
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(base_model)
    if cfg.method == "full":
        if init_from is not None:
            model = AutoModelForQuestionAnswering.from_pretrained(str(init_from))
        return model
    model = get_peft_model(model, peft_config(cfg, total_steps))
    if init_from is not None:
        warm_start(model, Path(init_from), keep_ranks=cfg.warm_ranks == "keep")
    return model


def keeps_parent_ranks(model: Any) -> bool:
    """True when a warm-started AdaLoRA model trains on its parent's fixed rank pattern."""
    return bool(getattr(model, "_stylesprint_keep_ranks", False))


def warm_start(model: Any, adapter_dir: Path, keep_ranks: bool = False) -> None:
    """Copy a saved adapter's weights into a fresh adapter of the same method.

    The new adapter starts as exactly the old model (same function), and its
    AdaLoRA budget schedule starts afresh. A pruned AdaLoRA adapter is stored with
    fewer ranks than `init_r`: its ranks fill the first slots and the others keep
    their initial A and B with E = 0, i.e. no effect until training revives them.
    The result saves as one complete adapter over the plain base model, so a
    warm-started version never depends on its parent's files.

    With `keep_ranks` (AdaLoRA; what a retrain does) the candidate carries the parent's
    ranks: its rank pattern is the parent's (the first r slots of each matrix kept, the
    rest masked), `train_reader` keeps that pattern fixed with AdaLoRA's own masking
    instead of reallocating a fresh budget, and the saved candidate has exactly the
    parent's ranks. Without it the budget schedule starts afresh from `init_r`.
    """
    import torch
    from peft.utils import load_peft_weights

    if not (adapter_dir / "adapter_config.json").exists():
        raise ValueError(f"--init-from {adapter_dir}: not an adapter directory")
    saved = load_peft_weights(str(adapter_dir))
    params = dict(model.named_parameters())
    unused = []
    with torch.no_grad():
        for key, value in saved.items():
            stem, _, leaf = key.rpartition(".")
            if leaf in ("lora_A", "lora_B", "lora_E"):
                target = params.get(f"{key}.default")
            else:  # the fully trained QA head
                target = params.get(f"{stem}.modules_to_save.default.{leaf}")
            if target is None:
                unused.append(key)
                continue
            if leaf == "lora_B":
                r = min(value.shape[1], target.shape[1])
                target[:, :r].copy_(value[:, :r])
            else:
                r = min(value.shape[0], target.shape[0])
                target[:r].copy_(value[:r])
                if leaf == "lora_E":
                    target[r:].zero_()
    if unused:
        raise ValueError(
            f"--init-from {adapter_dir}: {len(unused)} weights do not fit this model "
            f"(e.g. {unused[0]}); warm-start only from an adapter of the same base and modules"
        )
    if keep_ranks and hasattr(model.base_model, "rankallocator"):
        init_r = model.peft_config["default"].init_r
        pattern = {}
        for key, value in saved.items():
            if key.endswith(".lora_E"):
                kept = min(int(value.shape[0]), init_r)
                # keys as peft's saved configs have them: module path + ".lora_E"
                pattern[key.removeprefix("base_model.model.")] = (
                    [True] * kept + [False] * (init_r - kept))
        model.peft_config["default"].rank_pattern = pattern
        model.base_model.rankallocator.mask_using_rank_pattern(model.base_model.model, pattern)
        model._stylesprint_keep_ranks = True


def _save_checkpoint(path: Path, model: Any, optim: Any, sched: Any, step: int,
                     losses: list[float], initial_ranks: dict[str, int]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    state = {
        "model": {k: v for k, v in model.state_dict().items()},
        "optim": optim.state_dict(),
        "sched": sched.state_dict(),
        "step": step,
        "losses": losses,
        "initial_ranks": initial_ranks,
        "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                "python": random.getstate()},
    }
    allocator = getattr(getattr(model, "base_model", None), "rankallocator", None)
    if allocator is not None:
        state["allocator"] = {k: getattr(allocator, k) for k in
                              ("ipt", "exp_avg_ipt", "exp_avg_unc")}
    torch.save(state, tmp / "state.pt")
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def _load_checkpoint(path: Path, model: Any, optim: Any, sched: Any) -> dict[str, Any]:
    state = torch.load(path / "state.pt", weights_only=False)
    model.load_state_dict(state["model"])
    optim.load_state_dict(state["optim"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["rng"]["torch"])
    np.random.set_state(state["rng"]["numpy"])
    random.setstate(state["rng"]["python"])
    allocator = getattr(getattr(model, "base_model", None), "rankallocator", None)
    if allocator is not None and "allocator" in state:
        for k, v in state["allocator"].items():
            setattr(allocator, k, v)
    return state


#: length-grouped batches: sort this many batches' worth of shuffled windows by length
MEGABATCH = 50


def epoch_order(lengths: Sequence[int], batch_size: int, seed: int,
                group_by_length: bool) -> list[int]:
    """The windows of one epoch in training order: a seeded shuffle; with
    `group_by_length`, each run of `MEGABATCH` batches of it is then sorted by length (as
    transformers' `group_by_length`), so a batch pads to windows of about its own length,
    and the batches are shuffled. Every window appears exactly once either way."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(lengths), generator=gen).tolist()
    if not group_by_length:
        return order
    size = MEGABATCH * batch_size
    grouped = [sorted(order[i:i + size], key=lambda j: -lengths[j])
               for i in range(0, len(order), size)]
    batches = [mb[b:b + batch_size] for mb in grouped for b in range(0, len(mb), batch_size)]
    # full batches in a seeded order; a short last batch stays last (batch b is always
    # positions b * batch_size .. of the order, as the loop and a resume read it)
    full = [b for b in batches if len(b) == batch_size]
    short = [b for b in batches if len(b) < batch_size]
    shuffled = torch.randperm(len(full), generator=gen).tolist()
    return [j for b in shuffled for j in full[b]] + [j for b in short for j in b]


def train_reader(
    examples: Sequence[QAExample],
    out_dir: Path,
    base_model: str,
    cfg: TrainConfig | None = None,
    init_from: Path | None = None,
    progress: bool = True,
    on_step: Callable[[int, Any], None] | None = None,
    meta: dict[str, Any] | None = None,
    group_by_length: bool = False,
) -> TrainResult:
    """Train a reader on `examples` and save it to `out_dir` (resuming if interrupted).

    `on_step(step, model)` is called after each optimizer step, once AdaLoRA has
    reallocated; tests use it to watch the rank budget. `group_by_length` batches
    windows of about one length together (`epoch_order`): the same windows, each once per
    epoch, with far less padding (the retrain's mix of short catalog rows, feedback
    passages and long policy sections pads ~40 % fewer tokens).
    """
    from tqdm.auto import tqdm
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    cfg = cfg or TrainConfig()
    if not examples:
        raise ValueError("no training examples: give at least one --data file with examples")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    set_seed(cfg.seed)
    t0 = time.perf_counter()

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    feats = build_features(examples, tokenizer, cfg.max_seq_length, cfg.doc_stride)
    n = len(feats)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))

    model = build_model(cfg, base_model, total_steps, init_from)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = get_linear_schedule_with_warmup(
        optim, int(total_steps * cfg.warmup_ratio), total_steps
    )
    is_adalora = cfg.method == "adalora"
    keep_ranks = is_adalora and keeps_parent_ranks(model)
    initial_ranks = rank_pattern_summary(model) if is_adalora else {}

    ckpt = out_dir / CHECKPOINT_DIR
    step, losses = 0, []
    if ckpt.exists():
        state = _load_checkpoint(ckpt, model, optim, sched)
        step, losses = state["step"], state["losses"]
        initial_ranks = state.get("initial_ranks", initial_ranks)

    bar = tqdm(total=total_steps, initial=step, disable=not progress, desc=f"train {cfg.method}",
               unit="step")
    lengths = [len(row) for row in feats.columns["input_ids"]]
    while step < total_steps:
        epoch = step // steps_per_epoch
        order = epoch_order(lengths, cfg.batch_size, cfg.seed + epoch, group_by_length)
        for b in range(step % steps_per_epoch, steps_per_epoch):
            if step >= total_steps:
                break
            idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            batch = feats.batch(idx)
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            step += 1
            if is_adalora and keep_ranks:
                # the parent's pattern stays: re-mask what it pruned (AdaLoRA's own final-
                # phase masking), no budget reallocation
                model.base_model.rankallocator.mask_using_rank_pattern(
                    model.base_model.model, model.peft_config["default"].rank_pattern)
            elif is_adalora:
                # AdaLoRA's rule: after backward(), before zero_grad(), every step.
                model.base_model.update_and_allocate(step)
            optim.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
            if on_step is not None:
                on_step(step, model)
            if cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < total_steps:
                _save_checkpoint(ckpt, model, optim, sched, step, losses, initial_ranks)
    bar.close()

    model.eval()
    final_ranks = rank_pattern_summary(model) if is_adalora else {}
    model.save_pretrained(str(out_dir))
    if cfg.method == "full":
        tokenizer.save_pretrained(str(out_dir))
    result = TrainResult(
        out_dir=out_dir, steps=step, losses=losses, initial_ranks=initial_ranks,
        final_ranks=final_ranks, seconds=time.perf_counter() - t0,
        n_examples=len(examples), n_features=n,
    )
    write_model_meta(out_dir, cfg, base_model, result, meta or {})
    shutil.rmtree(ckpt, ignore_errors=True)
    return result


def write_model_meta(out_dir: Path, cfg: TrainConfig, base_model: str, result: TrainResult,
                     extra: dict[str, Any]) -> None:
    """`stylesprint.json`: what the reader and the registry need to know about this model."""
    from qa_engine.read.reader import BUNDLED_BASE_MODEL, MODEL_META_FILE
    from qa_engine.settings import bundled_minilm_path

    meta = {
        "method": cfg.method,
        # The bundled model's path differs per machine: record it symbolically.
        "base_model": BUNDLED_BASE_MODEL if base_model == bundled_minilm_path()
        else base_model,
        "train_config": cfg.to_json(),
        "steps": result.steps,
        "examples": result.n_examples,
        "features": result.n_features,
        "train_seconds": round(result.seconds, 1),
        "final_loss": round(float(np.mean(result.losses[-50:])), 4) if result.losses else None,
        "rank_pattern": result.final_ranks,
        "initial_ranks": result.initial_ranks,
        **extra,
    }
    path = out_dir / MODEL_META_FILE
    path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
