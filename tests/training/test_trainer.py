"""The AdaLoRA training loop, on real MiniLM training runs of a few dozen steps.

Most tests read the session's one tiny run (`tiny_reader` in conftest.py); the resume,
LoRA and full fine-tuning tests train their own short runs.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from qa_engine.read.reader import MODEL_META_FILE, check_model_dir, load_qa_model
from training.adapters import TrainConfig
from training.features import build_features
from training.trainer import CHECKPOINT_DIR, train_reader

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def base_model(tiny_reader):
    return tiny_reader.base_model


def test_loss_goes_down_on_a_tiny_set(tiny_reader):
    losses = tiny_reader.result.losses
    assert len(losses) == tiny_reader.cfg.max_steps == tiny_reader.result.steps
    assert all(np.isfinite(losses))
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert last < 0.85 * first, f"loss did not fall: first steps {first:.3f}, last {last:.3f}"


def test_update_and_allocate_runs_every_step_after_backward_before_zero_grad(tiny_reader):
    calls = tiny_reader.allocate_calls
    # every optimizer step, in order, with the 1-based global step
    assert [step for step, *_ in calls] == list(range(1, tiny_reader.cfg.max_steps + 1))
    for step, lora_params, with_grad, grad_norm in calls:
        # after backward(): every trainable LoRA matrix holds this step's gradient ...
        assert lora_params > 0
        assert with_grad == lora_params, f"step {step}: gradients missing"
        assert grad_norm > 0, f"step {step}: gradients are all zero"
    # ... and zero_grad(set_to_none=True) only comes afterwards: by the time the
    # step is over (on_step), the gradients are gone, so the ones seen above were
    # this step's own, not left over from the previous one.
    assert tiny_reader.grads_after_step == [(s, 0) for s in range(1, len(calls) + 1)]


def test_rank_budget_is_really_reallocated(tiny_reader):
    cfg, result = tiny_reader.cfg, tiny_reader.result
    initial, final = result.initial_ranks, result.final_ranks
    # 6 layers x (query, key, value, attention.output.dense, intermediate.dense, output.dense)
    assert len(initial) == len(final) == 36
    assert set(initial.values()) == {cfg.init_r}
    assert set(final) == set(initial)
    assert sum(final.values()) < sum(initial.values())
    # the budget ends at target_r per matrix on average, spread unevenly
    assert sum(final.values()) == cfg.target_r * len(final)
    assert len(set(final.values())) > 1
    assert sum(1 for k in final if final[k] != initial[k]) >= len(final) // 2
    # what was saved says the same, and the masked directions are really zero
    meta = json.loads((tiny_reader.dir / MODEL_META_FILE).read_text())
    assert meta["rank_pattern"] == final and meta["initial_ranks"] == initial
    live = {
        name.split(".lora_E")[0].removeprefix("base_model.model."): int((p != 0).sum())
        for name, p in tiny_reader.model.named_parameters() if "lora_E" in name
    }
    assert live == final


def _inputs(tiny_reader, tokenizer):
    feats = build_features(tiny_reader.examples, tokenizer, 64, 16)
    return feats.batch(list(range(len(feats))))


def test_saved_adapter_gives_the_same_logits_unmerged_and_merged(tiny_reader, base_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    batch = _inputs(tiny_reader, tokenizer)
    batch.pop("start_positions"), batch.pop("end_positions")
    assert check_model_dir(tiny_reader.dir) == "adapter"
    unmerged = load_qa_model(tiny_reader.dir, base_model, merge=False)
    merged = load_qa_model(tiny_reader.dir, base_model, merge=True)
    assert not hasattr(merged, "peft_config")  # really a plain transformers model
    with torch.inference_mode():
        want = tiny_reader.model(**batch)
        for model in (unmerged, merged):
            got = model(**batch)
            torch.testing.assert_close(got.start_logits, want.start_logits, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(got.end_logits, want.end_logits, atol=1e-4, rtol=1e-4)
        # the trained head is not the base model's random one
        base = load_qa_model(None, base_model)
        assert not torch.allclose(base(**batch).start_logits, want.start_logits, atol=1e-2)


def test_metadata_and_files_of_a_finished_run(tiny_reader):
    d = tiny_reader.dir
    assert (d / "adapter_config.json").exists() and (d / "adapter_model.safetensors").exists()
    assert not (d / CHECKPOINT_DIR).exists()  # removed once training finished
    meta = json.loads((d / MODEL_META_FILE).read_text())
    assert meta["method"] == "adalora"
    assert meta["base_model"] == "bundled:all-MiniLM-L6-v2"  # not this machine's path
    assert meta["steps"] == 24 and meta["examples"] == len(tiny_reader.examples)
    assert meta["features"] > len(tiny_reader.examples)  # the care text needs several windows
    assert meta["train_config"]["init_r"] == 4 and meta["train_config"]["learning_rate"] == 3e-3
    adapter = json.loads((d / "adapter_config.json").read_text())
    assert adapter["peft_type"] == "ADALORA" and adapter["total_step"] == 24


def test_interrupted_run_resumes_from_its_last_checkpoint(tiny_reader, tmp_path, base_model):
    cfg = dataclasses.replace(tiny_reader.cfg, checkpoint_every=2)
    out = tmp_path / "run"

    class Interrupt(RuntimeError):
        pass

    def stop_at_3(step, model):
        if step == 3:
            raise Interrupt

    with pytest.raises(Interrupt):
        train_reader(tiny_reader.examples, out, base_model, cfg, progress=False, on_step=stop_at_3)
    assert (out / CHECKPOINT_DIR / "state.pt").exists()
    assert not (out / "adapter_config.json").exists()  # nothing half-saved as a model

    steps: list[int] = []
    result = train_reader(tiny_reader.examples, out, base_model, cfg, progress=False,
                          on_step=lambda step, model: steps.append(step))
    assert steps == list(range(3, cfg.max_steps + 1))  # resumed after step 2
    assert result.steps == cfg.max_steps == len(result.losses)
    assert not (out / CHECKPOINT_DIR).exists()
    # Model, optimizer, scheduler, AdaLoRA importance scores and RNG all came back:
    # the resumed run retraces the uninterrupted one.
    np.testing.assert_allclose(result.losses, tiny_reader.result.losses, rtol=1e-3, atol=1e-4)
    assert result.final_ranks == tiny_reader.result.final_ranks
    assert result.initial_ranks == tiny_reader.result.initial_ranks


def test_lora_method_trains_and_saves_a_plain_lora_adapter(tiny_reader, tmp_path, base_model):
    cfg = dataclasses.replace(tiny_reader.cfg, method="lora", max_steps=3)
    result = train_reader(tiny_reader.examples[:8], tmp_path, base_model, cfg, progress=False)
    assert result.steps == 3 and result.final_ranks == {} and all(np.isfinite(result.losses))
    adapter = json.loads((tmp_path / "adapter_config.json").read_text())
    assert adapter["peft_type"] == "LORA" and adapter["r"] == 2
    assert "qa_outputs" in adapter["modules_to_save"]  # the new QA head trains in full
    assert check_model_dir(tmp_path) == "adapter"
    model = load_qa_model(tmp_path, base_model)
    assert model.qa_outputs.out_features == 2


def test_full_method_trains_and_saves_a_whole_model(tiny_reader, tmp_path, base_model):
    cfg = dataclasses.replace(tiny_reader.cfg, method="full", max_steps=2, learning_rate=1e-4)
    result = train_reader(tiny_reader.examples[:8], tmp_path, base_model, cfg, progress=False)
    assert result.steps == 2 and all(np.isfinite(result.losses))
    assert (tmp_path / "config.json").exists() and not (tmp_path / "adapter_config.json").exists()
    assert (tmp_path / "tokenizer.json").exists() or (tmp_path / "vocab.txt").exists()
    assert check_model_dir(tmp_path) == "full"
    meta = json.loads((tmp_path / MODEL_META_FILE).read_text())
    assert meta["method"] == "full" and meta["train_config"]["learning_rate"] == 1e-4
    # the saved model loads on its own, without the base model
    model = load_qa_model(tmp_path, "/nonexistent/base")
    assert model.config.model_type == "bert"


def test_training_without_examples_is_refused(tmp_path, base_model):
    with pytest.raises(ValueError, match="no training examples"):
        train_reader([], tmp_path, base_model, TrainConfig(max_steps=1), progress=False)


def test_warm_start_begins_as_the_parent_and_saves_a_self_contained_adapter(
    tiny_reader, tmp_path, base_model
):
    """A retrained version must not depend on its parent: it starts as exactly the
    parent's function, and after training its adapter alone (on the plain base) is it."""
    from transformers import AutoTokenizer

    from training.trainer import build_model

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    batch = _inputs(tiny_reader, tokenizer)
    batch.pop("start_positions"), batch.pop("end_positions")
    cfg = dataclasses.replace(tiny_reader.cfg, checkpoint_every=0)
    warm = build_model(cfg, base_model, total_steps=10, init_from=tiny_reader.dir).eval()
    with torch.inference_mode():
        want = tiny_reader.model(**batch)
        got = warm(**batch)
    torch.testing.assert_close(got.start_logits, want.start_logits, atol=1e-4, rtol=1e-4)

    out = tmp_path / "child"
    train_reader(tiny_reader.examples, out, base_model, dataclasses.replace(cfg, max_steps=4),
                 init_from=tiny_reader.dir, progress=False)
    child = load_qa_model(out, base_model)
    with torch.inference_mode():
        moved = child(**batch).start_logits
    # trained further from the parent, yet still close to it (not restarted from scratch)
    assert not torch.allclose(moved, want.start_logits, atol=1e-5)
    base = load_qa_model(None, base_model)
    with torch.inference_mode():
        scratch = base(**batch).start_logits
    assert (moved - want.start_logits).abs().mean() < (scratch - want.start_logits).abs().mean()


def test_warm_start_from_a_mismatched_adapter_is_refused(tiny_reader, tmp_path, base_model):
    from training.trainer import build_model

    cfg = dataclasses.replace(tiny_reader.cfg, target_modules=("query",))
    with pytest.raises(ValueError, match="do not fit this model"):
        build_model(cfg, base_model, total_steps=10, init_from=tiny_reader.dir)


def test_a_retrain_warm_start_carries_the_parents_ranks(tiny_reader, tmp_path, base_model):
    """warm_ranks="keep" (what a retrain uses): the candidate starts with the parent's rank
    pattern, keeps it while training, and saves an adapter whose every matrix has exactly
    the parent's rank; loading it raises no rank_pattern warning."""
    import warnings

    from qa_engine.read.reader import adalora_ranks
    from training.adapters import rank_pattern_summary
    from training.trainer import build_model

    parent = load_qa_model(tiny_reader.dir, base_model, merge=False)
    parent_ranks = adalora_ranks(parent)
    assert parent_ranks and len(set(parent_ranks.values())) > 1  # AdaLoRA pruned unevenly

    cfg = dataclasses.replace(tiny_reader.cfg, checkpoint_every=0, warm_ranks="keep")
    warm = build_model(cfg, base_model, total_steps=6, init_from=tiny_reader.dir)
    assert rank_pattern_summary(warm) == parent_ranks

    out = tmp_path / "child"
    result = train_reader(tiny_reader.examples, out, base_model,
                          dataclasses.replace(cfg, max_steps=6), init_from=tiny_reader.dir,
                          progress=False)
    assert result.initial_ranks == parent_ranks == result.final_ranks
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        child = load_qa_model(out, base_model, merge=False)
    assert adalora_ranks(child) == parent_ranks
    assert not [w for w in caught if "rank_pattern" in str(w.message)]


def test_warm_ranks_is_validated():
    with pytest.raises(ValueError, match="warm_ranks must be keep or reallocate"):
        TrainConfig(warm_ranks="freeze")
