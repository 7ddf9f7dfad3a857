"""TrainConfig validation and the peft configs built from it."""

from __future__ import annotations

import pytest
from peft import AdaLoraConfig, LoraConfig, TaskType

from training.adapters import DEFAULT_TARGETS, TrainConfig, adalora_schedule, peft_config


def test_defaults_are_a_valid_adalora_run():
    cfg = TrainConfig()
    assert cfg.method == "adalora" and cfg.target_r <= cfg.init_r
    assert cfg.target_modules == DEFAULT_TARGETS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "qlora"}, r"method must be adalora, lora or full, not 'qlora'"),
        ({"target_r": 16, "init_r": 8}, r"0 < target_r <= init_r \(got target_r=16, init_r=8\)"),
        ({"target_r": 0}, r"0 < target_r <= init_r"),
        ({"tinit_ratio": 0.5, "tfinal_ratio": 0.45}, r"must leave room.*0\.5 \+ 0\.45"),
        ({"tinit_ratio": -0.1}, r"tinit_ratio and tfinal_ratio"),
        ({"tfinal_ratio": 1.0}, r"tinit_ratio and tfinal_ratio"),
        ({"epochs": 0}, r"epochs must be > 0 \(or give max_steps\)"),
        ({"batch_size": 0}, r"batch_size must be >= 1"),
        ({"max_seq_length": 64, "doc_stride": 32}, r"doc_stride must be under half"),
    ],
)
def test_invalid_configs_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_ranks_only_matter_for_adalora():
    # plain LoRA uses target_r as its rank; init_r is AdaLoRA's alone
    assert TrainConfig(method="lora", init_r=4, target_r=8).target_r == 8
    assert TrainConfig(epochs=0, max_steps=10).max_steps == 10


def test_learning_rate_defaults_per_method():
    assert TrainConfig().lr == 1e-3
    assert TrainConfig(method="lora").lr == 1e-3
    assert TrainConfig(method="full").lr == 5e-5
    assert TrainConfig(method="full", learning_rate=1e-4).lr == 1e-4
    assert TrainConfig(method="full").to_json()["learning_rate"] == 5e-5


def test_target_modules_become_a_tuple():
    cfg = TrainConfig(target_modules=["query", "value"])
    assert cfg.target_modules == ("query", "value")


def test_adalora_config_carries_the_schedule():
    cfg = TrainConfig(init_r=12, target_r=8, tinit_ratio=0.1, tfinal_ratio=0.2, delta_t=10,
                      orth_reg_weight=0.3, lora_alpha=32, lora_dropout=0.1)
    pc = peft_config(cfg, total_steps=500)
    assert isinstance(pc, AdaLoraConfig)
    assert pc.total_step == 500
    assert (pc.tinit, pc.tfinal) == (50, 100)  # the ratios of total_step
    assert (pc.init_r, pc.target_r, pc.deltaT) == (12, 8, 10)
    assert pc.orth_reg_weight == 0.3 and pc.lora_alpha == 32 and pc.lora_dropout == 0.1
    assert pc.task_type == TaskType.QUESTION_ANS
    assert set(pc.target_modules) == set(DEFAULT_TARGETS)
    assert "qa_outputs" in pc.modules_to_save  # the new QA head trains in full


def test_a_run_too_short_for_a_schedule_allocates_from_the_start():
    cfg = TrainConfig(tinit_ratio=0.4, tfinal_ratio=0.4)
    assert adalora_schedule(100, cfg) == (40, 40)
    assert adalora_schedule(4, cfg) == (1, 1)  # 2 budget steps left: enough
    assert adalora_schedule(3, cfg) == (0, 0)  # 3 - 1 - 1 would leave 1
    pc = peft_config(cfg, total_steps=3)
    assert (pc.tinit, pc.tfinal, pc.total_step) == (0, 0, 3)


def test_lora_config_uses_target_r():
    pc = peft_config(TrainConfig(method="lora", init_r=12, target_r=6), total_steps=100)
    assert isinstance(pc, LoraConfig) and not isinstance(pc, AdaLoraConfig)
    assert pc.r == 6
    assert pc.task_type == TaskType.QUESTION_ANS and "qa_outputs" in pc.modules_to_save


def test_full_fine_tuning_has_no_peft_config():
    assert peft_config(TrainConfig(method="full"), total_steps=100) is None
