"""Which parameters train: AdaLoRA (the shipped reader), plain LoRA (ablation) or everything.

AdaLoRA (Zhang et al., 2023) starts every adapted matrix at `init_r` ranks and,
between `tinit` and `total_step - tfinal`, prunes the least important singular
directions until the average rank is `target_r`; ranks move to the matrices that
matter for the task. Its schedule is in steps, so `total_step` must be known
before training starts: `TrainConfig.schedule(total_steps)` derives it from the
data. The QA head (`qa_outputs`) is new and trained in full (`modules_to_save`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from qa_engine.settings.engine import EngineSettings

Method = Literal["adalora", "lora", "full"]
# BERT-style names: attention projections and the feed-forward ("dense" matches
# attention.output.dense, intermediate.dense and output.dense).
DEFAULT_TARGETS = ("query", "key", "value", "dense")


@dataclass
class TrainConfig:
    """Hyperparameters of one training run; validated on creation."""

    method: Method = "adalora"
    epochs: float = 2.0
    batch_size: int = 16
    learning_rate: float | None = None  # None = 1e-3 for adapters, 5e-5 for full fine-tuning
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_seq_length: int = EngineSettings.field_default("max_seq_length")  # the reader's window
    doc_stride: int = EngineSettings.field_default("doc_stride")
    seed: int = 0
    max_steps: int | None = None
    # AdaLoRA / LoRA
    init_r: int = 12
    target_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    tinit_ratio: float = 0.1
    tfinal_ratio: float = 0.2
    delta_t: int = 10
    orth_reg_weight: float = 0.5
    target_modules: tuple[str, ...] = field(default=DEFAULT_TARGETS)
    checkpoint_every: int = 200
    #: AdaLoRA warm start: "keep" the parent's rank pattern for the whole run (retrains:
    #: short fine-tunes on feedback), or "reallocate" from a fresh budget (long runs)
    warm_ranks: str = "reallocate"

    def __post_init__(self) -> None:
        if self.method not in ("adalora", "lora", "full"):
            raise ValueError(f"method must be adalora, lora or full, not {self.method!r}")
        if self.epochs <= 0 and not self.max_steps:
            raise ValueError("epochs must be > 0 (or give max_steps)")
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if self.method == "adalora" and not 0 < self.target_r <= self.init_r:
            raise ValueError(
                f"AdaLoRA needs 0 < target_r <= init_r (got target_r={self.target_r}, "
                f"init_r={self.init_r}); target_r is the average rank left after pruning"
            )
        if not 0 <= self.tinit_ratio < 1 or not 0 <= self.tfinal_ratio < 1 or (
            self.tinit_ratio + self.tfinal_ratio >= 0.9
        ):
            raise ValueError(
                "tinit_ratio and tfinal_ratio are shares of training; together they must leave "
                f"room for the budget phase (got {self.tinit_ratio} + {self.tfinal_ratio})"
            )
        if self.warm_ranks not in ("keep", "reallocate"):
            raise ValueError(f"warm_ranks must be keep or reallocate, not {self.warm_ranks!r}")
        if self.doc_stride >= self.max_seq_length // 2:
            raise ValueError("doc_stride must be under half of max_seq_length")
        self.target_modules = tuple(self.target_modules)

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 5e-5 if self.method == "full" else 1e-3

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "learning_rate": self.lr}


def adalora_schedule(total_steps: int, cfg: TrainConfig) -> tuple[int, int]:
    """(tinit, tfinal) in steps, leaving at least a few steps of budget allocation."""
    tinit = int(total_steps * cfg.tinit_ratio)
    tfinal = int(total_steps * cfg.tfinal_ratio)
    if total_steps - tfinal - tinit < 2:
        tinit, tfinal = 0, 0
    return tinit, tfinal


def peft_config(cfg: TrainConfig, total_steps: int) -> Any:
    """The peft config for an adapter method (None for full fine-tuning)."""
    from peft import AdaLoraConfig, LoraConfig, TaskType

    common = dict(
        task_type=TaskType.QUESTION_ANS,
        target_modules=list(cfg.target_modules),
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        modules_to_save=["qa_outputs"],
    )
    if cfg.method == "lora":
        return LoraConfig(r=cfg.target_r, **common)
    if cfg.method == "adalora":
        tinit, tfinal = adalora_schedule(total_steps, cfg)
        return AdaLoraConfig(
            init_r=cfg.init_r,
            target_r=cfg.target_r,
            tinit=tinit,
            tfinal=tfinal,
            deltaT=cfg.delta_t,
            total_step=max(total_steps, 1),
            orth_reg_weight=cfg.orth_reg_weight,
            **common,
        )
    return None


def rank_pattern_summary(model: Any) -> dict[str, int]:
    """Rank currently budgeted to each AdaLoRA-adapted matrix.

    Before the first reallocation every matrix has `init_r` ranks; afterwards the
    config's `rank_pattern` (one keep/prune flag per singular direction) says how
    many survive. Keys are the adapted module names.
    """
    config = model.peft_config["default"]
    pattern = getattr(config, "rank_pattern", None) or {}
    ranks: dict[str, int] = {}
    for name, param in model.named_parameters():
        if "lora_E" not in name:
            continue
        module = name.split(".lora_E")[0]
        key = next((k for k in pattern if module.endswith(k.split(".lora_E")[0])), None)
        short = module.removeprefix("base_model.model.")
        ranks[short] = int(sum(pattern[key])) if key else int(param.shape[0])
    return ranks
