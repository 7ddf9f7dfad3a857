"""The extractive span reader: a QA head on the base encoder plus an AdaLoRA adapter.

A model directory (one version of the reader) holds either a PEFT adapter
(`adapter_config.json` + weights, trained with `stylesprint train`) or a fully
fine-tuned model (`config.json` + weights), plus `calibration.json` (how margins
become probabilities and where to decline) and `stylesprint.json` (base model and
window settings it was trained with). For serving, an adapter is merged into the
base weights once at load time: inference then costs exactly what the plain
encoder costs.

`SpanReader.from_model_dir()` is the one way to build a reader for a model directory:
serving, the model watcher, evaluation, retraining and calibration all use it. Any
Hugging Face extractive-QA model directory (`config.json`, weights, tokenizer files)
is a model directory too: point `STYLESPRINT_ADAPTER_DIR` at it (or promote it into
the registry) to serve it; without `calibration.json` it gets the uncalibrated default.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from qa_engine.read.calibration import Calibration
from qa_engine.read.decoding import best_span, decode_window, merge_candidates
from qa_engine.settings.engine import EngineSettings
from qa_engine.types import Passage, ReaderResult, SpanCandidate

MODEL_META_FILE = "stylesprint.json"
#: How `stylesprint.json` names the bundled backbone (its path differs between machines).
BUNDLED_BASE_MODEL = "bundled:all-MiniLM-L6-v2"
#: `ReaderConfig` fields a model directory's `train_config` supplies: the window it was
#: trained with is the window it reads best with.
TRAINED_WINDOW = ("max_seq_length", "doc_stride")


class ModelLoadError(RuntimeError):
    """A model directory is missing, incomplete or unreadable."""


@dataclass(frozen=True)
class ReaderConfig:
    """Windowing and decoding limits; the defaults are the settings' own (EngineSettings)."""

    max_seq_length: int = EngineSettings.field_default("max_seq_length")
    doc_stride: int = EngineSettings.field_default("doc_stride")
    max_answer_length: int = EngineSettings.field_default("max_answer_tokens")
    n_best: int = EngineSettings.field_default("n_best")
    batch_size: int = 16
    int8: bool = False  # dynamic int8 quantisation for serving (CPU)

    def __post_init__(self) -> None:
        if self.doc_stride >= self.max_seq_length // 2:
            raise ValueError(
                f"doc_stride ({self.doc_stride}) must be well below max_seq_length "
                f"({self.max_seq_length}); use at most a quarter of it"
            )


def read_model_meta(model_dir: Path) -> dict[str, Any]:
    path = Path(model_dir) / MODEL_META_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def resolve_base_model(name: str | None) -> str:
    """A base model name as `stylesprint.json` stores it, as `from_pretrained` takes it."""
    from qa_engine.settings import bundled_minilm_path

    if not name or name == BUNDLED_BASE_MODEL:
        return bundled_minilm_path()
    return name


def check_model_dir(model_dir: Path) -> str:
    """'adapter' or 'full' for a complete model directory; raises ModelLoadError otherwise."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist")
    if (model_dir / "adapter_config.json").exists():
        weights = ["adapter_model.safetensors", "adapter_model.bin"]
        kind = "adapter"
    elif (model_dir / "config.json").exists():
        weights = ["model.safetensors", "pytorch_model.bin"]
        kind = "full"
    else:
        raise ModelLoadError(
            f"{model_dir} holds neither an adapter (adapter_config.json) nor a model (config.json)"
        )
    if not any((model_dir / w).exists() and (model_dir / w).stat().st_size > 0 for w in weights):
        raise ModelLoadError(f"{model_dir} has no weights file ({' or '.join(weights)})")
    return kind


def feeds_segment_ids(model_dir: Path | None, model: Any, tokenizer: Any) -> bool:
    """Whether the reader passes the tokenizer's segment ids (`token_type_ids`) to the model.

    StyleSprint's own readers are trained without them (peft's QA wrapper drops them, and
    training/features.py leaves them out for every method), so they read without them:
    an adapter, a directory with `stylesprint.json`, or the bare base model. Any other
    Hugging Face extractive-QA directory (say a BERT fine-tuned on SQuAD, whose question
    and passage segments differ) gets them whenever its tokenizer makes them and its
    model takes them.
    """
    if model_dir is None or check_model_dir(model_dir) != "full":
        return False
    if (Path(model_dir) / MODEL_META_FILE).exists():
        return False
    import inspect

    takes = "token_type_ids" in inspect.signature(model.forward).parameters
    return takes and "token_type_ids" in getattr(tokenizer, "model_input_names", ())


def load_qa_model(model_dir: Path | None, base_model: str, merge: bool = True) -> Any:
    """The QA model for a model directory (adapter merged for serving), in eval mode."""
    from transformers import AutoModelForQuestionAnswering

    if model_dir is None:
        model = AutoModelForQuestionAnswering.from_pretrained(base_model)
    elif check_model_dir(model_dir) == "full":
        model = AutoModelForQuestionAnswering.from_pretrained(str(model_dir))
    else:
        from peft import PeftModel

        base = AutoModelForQuestionAnswering.from_pretrained(base_model)
        try:
            with warnings.catch_warnings():
                # peft (0.21) checks every rank_pattern key against module names, but
                # AdaLoRA keys its pattern by parameter ("<module>.lora_E"): the warning
                # fires for every saved AdaLoRA adapter although peft does resize each
                # module to its saved rank (AdaLoraModel._remap_adapter_state_dict_for_load).
                # `check_adalora_ranks` below proves the ranks instead.
                warnings.filterwarnings(
                    "ignore", message="The following rank_pattern keys did not match")
                model = PeftModel.from_pretrained(base, str(model_dir))
        except Exception as exc:
            raise ModelLoadError(f"adapter in {model_dir} cannot be loaded: {exc}") from exc
        check_adalora_ranks(model, model_dir)
        if merge:
            model = model.merge_and_unload()
    model.eval()
    return model


def adalora_ranks(model: Any) -> dict[str, int]:
    """Rank each AdaLoRA-adapted module of a loaded PeftModel has ({} for other adapters)."""
    return {name.split(".lora_E")[0].removeprefix("base_model.model."): int(param.shape[0])
            for name, param in model.named_parameters() if ".lora_E." in name}


def check_adalora_ranks(model: Any, model_dir: Path) -> None:
    """Every module of a loaded AdaLoRA adapter has the rank its saved rank_pattern gives."""
    config = model.peft_config.get("default")
    pattern = getattr(config, "rank_pattern", None) or {}
    if not pattern:
        return
    ranks = adalora_ranks(model)
    for key, mask in pattern.items():
        module = key.split(".lora_E")[0]
        if ranks.get(module) != int(sum(mask)):
            raise ModelLoadError(
                f"adapter in {model_dir}: {module} loaded with rank {ranks.get(module)}, "
                f"its rank_pattern says {int(sum(mask))}")


class SpanReader:
    """Finds the answer span for a question in a handful of passages.

    Cheap to construct; `warm_up()` loads tokenizer, model and calibration once.
    `run()` windows every passage with stride, scores all windows in batched
    forward passes, decodes each window with `decode_window`, and returns the
    best span across passages with a calibrated confidence.
    """

    def __init__(
        self,
        model_dir: Path | None,
        base_model: str,
        config: ReaderConfig | None = None,
        device: str = "cpu",
        threshold: float | None = None,
        model_version: str = "base",
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir else None
        self.base_model = base_model
        self.config = config or ReaderConfig()
        self.device = device
        self.threshold_override = threshold
        self.model_version = model_version
        self.calibration = Calibration()
        self._model: Any = None
        self._tokenizer: Any = None
        self._segment_ids = False  # feed the tokenizer's token_type_ids (feeds_segment_ids)
        self._lock = threading.Lock()

    @classmethod
    def from_model_dir(
        cls,
        model_dir: Path,
        base_model: str | None = None,
        device: str = "cpu",
        *,
        threshold: float | None = None,
        model_version: str | None = None,
        **overrides: Any,
    ) -> SpanReader:
        """The (cold) reader for one model directory, configured from its own metadata.

        The window (`max_seq_length`, `doc_stride`) is the one recorded in the
        directory's `stylesprint.json` at training time and the base model the one it
        was trained on (the bundled MiniLM when it names none); `base_model` and
        `overrides` (any `ReaderConfig` field; None means "not given") win over both.
        Calibration (`calibration.json`) loads with the weights in `warm_up()`.
        """
        model_dir = Path(model_dir)
        meta = read_model_meta(model_dir)
        trained = meta.get("train_config") or {}
        known = {f.name for f in fields(ReaderConfig)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"not a reader setting: {', '.join(sorted(unknown))}")
        values = {k: trained[k] for k in TRAINED_WINDOW if trained.get(k) is not None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(
            model_dir=model_dir,
            base_model=base_model or resolve_base_model(meta.get("base_model")),
            config=ReaderConfig(**values),
            device=device,
            threshold=threshold,
            model_version=model_version or model_dir.name,
        )

    # ------------------------------------------------------------------ loading
    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self._tokenizer_source())
            model = load_qa_model(self.model_dir, self.base_model)
            self.calibration = Calibration.load(self.model_dir) if self.model_dir else Calibration()
            model = model.to(self.device)
            self._segment_ids = feeds_segment_ids(self.model_dir, model, self._tokenizer)
            if self.config.int8:
                from qa_engine.read.speed import quantize_int8

                model = quantize_int8(model, self.device)
            self._model = model

    def _tokenizer_source(self) -> str:
        """A full model directory with its own tokenizer reads with it; adapters use the base's."""
        if self.model_dir is not None and (self.model_dir / "tokenizer_config.json").exists():
            return str(self.model_dir)
        return self.base_model

    @property
    def threshold(self) -> float:
        if self.threshold_override is not None:
            return self.threshold_override
        return self.calibration.threshold

    # ------------------------------------------------------------------ reading
    def run(self, question: str, passages: Sequence[Passage]) -> ReaderResult:
        """The best answer to `question` across `passages`, or a decline."""
        candidates = self.candidates(question, passages)
        best = best_span(candidates)  # = self.score(), keeping the candidates for the result
        if best is None:
            return ReaderResult(None, 0.0, False, self.threshold, ())
        confidence = self.calibration.probability(best.margin)
        return ReaderResult(
            best=best,
            confidence=confidence,
            answered=confidence >= self.threshold,
            threshold=self.threshold,
            candidates=tuple(candidates),
        )

    def score(self, question: str, passages: Sequence[Passage]) -> SpanCandidate | None:
        """The best span and its raw margin, before calibration and the decline threshold.

        What calibration fits on (`training/calibrate.py`); `run()` is this plus the
        calibrated confidence and the threshold.
        """
        return best_span(self.candidates(question, passages))

    def best_spans(self, pairs: Sequence[tuple[str, Passage]], batch_size: int = 32,
                   ) -> list[SpanCandidate | None]:
        """`score(question, [passage])` for many (question, passage) pairs at once.

        The windows of all pairs are sorted by length and read `batch_size` at a time,
        each batch padded to its own longest window: on CPU, several hundred one-passage
        reads (the retrain's evaluation of the dev split) cost a fraction of as many
        `score()` calls. The same windows and decoding as `score()`.
        """
        if not pairs:
            return []
        self.warm_up()
        import torch

        cfg = self.config
        enc = self._tokenizer(
            [q for q, _ in pairs], [p.text for _, p in pairs],
            truncation="only_second", max_length=cfg.max_seq_length, stride=cfg.doc_stride,
            return_overflowing_tokens=True, return_offsets_mapping=True, padding=False,
        )
        sample_map = enc["overflow_to_sample_mapping"]
        keys = ["input_ids", "attention_mask"] + (
            ["token_type_ids"] if self._segment_ids and "token_type_ids" in enc else [])
        order = sorted(range(len(sample_map)), key=lambda i: len(enc["input_ids"][i]))
        logits: dict[int, tuple[Any, Any]] = {}
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                rows = order[lo:lo + batch_size]
                width = max(len(enc["input_ids"][i]) for i in rows)
                pad = {"input_ids": self._tokenizer.pad_token_id or 0}
                batch = {k: torch.tensor([enc[k][i] + [pad.get(k, 0)] * (width - len(enc[k][i]))
                                          for i in rows]).to(self.device) for k in keys}
                out = self._model(**batch)
                starts = out.start_logits.float().cpu().numpy()
                ends = out.end_logits.float().cpu().numpy()
                for k, i in enumerate(rows):
                    n = len(enc["input_ids"][i])
                    logits[i] = (starts[k][:n], ends[k][:n])
        per_sample: list[list[list[SpanCandidate]]] = [[] for _ in pairs]
        for i, sample in enumerate(sample_map):
            passage = pairs[sample][1]
            seq_ids = enc.sequence_ids(i)
            offsets = [tuple(off) if seq_ids[j] == 1 else None
                       for j, off in enumerate(enc["offset_mapping"][i])]
            per_sample[sample].append(decode_window(
                logits[i][0], logits[i][1], offsets, passage.text, passage_id=passage.id,
                window=len(per_sample[sample]), n_best=cfg.n_best,
                max_answer_length=cfg.max_answer_length))
        return [best_span(merge_candidates(w, n_best=cfg.n_best)) for w in per_sample]

    def candidates(self, question: str, passages: Sequence[Passage]) -> list[SpanCandidate]:
        """Every passage's n-best spans, merged and ranked by margin."""
        if not passages:
            return []
        self.warm_up()
        import torch

        cfg = self.config
        enc = self._tokenizer(
            [question] * len(passages),
            [p.text for p in passages],
            truncation="only_second",
            max_length=cfg.max_seq_length,
            stride=cfg.doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        sample_map = enc.pop("overflow_to_sample_mapping").tolist()
        if not self._segment_ids:  # read as the model was trained (feeds_segment_ids)
            enc.pop("token_type_ids", None)
        offsets_all = enc.pop("offset_mapping").tolist()
        n_windows = len(sample_map)
        starts, ends = [], []
        with torch.inference_mode():
            for lo in range(0, n_windows, cfg.batch_size):
                batch = {k: v[lo : lo + cfg.batch_size].to(self.device) for k, v in enc.items()}
                out = self._model(**batch)
                starts.extend(out.start_logits.float().cpu().numpy())
                ends.extend(out.end_logits.float().cpu().numpy())
        per_window = []
        for i in range(n_windows):
            passage = passages[sample_map[i]]
            seq_ids = enc.sequence_ids(i)
            offsets = [
                tuple(off) if seq_ids[j] == 1 else None for j, off in enumerate(offsets_all[i])
            ]
            per_window.append(
                decode_window(
                    starts[i],
                    ends[i],
                    offsets,
                    passage.text,
                    passage_id=passage.id,
                    window=i,
                    n_best=cfg.n_best,
                    max_answer_length=cfg.max_answer_length,
                )
            )
        return merge_candidates(per_window, n_best=cfg.n_best)
