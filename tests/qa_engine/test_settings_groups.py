"""Settings groups: field = environment name minus the group's prefix, every group reads
the same .env, cross-field rules are refused at load with one line naming the variables."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from bot.settings import ServingSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ServingSettings.env_names():
        monkeypatch.delenv(name, raising=False)


def test_every_field_is_its_environment_name_minus_the_group_prefix():
    names = ServingSettings.env_names()
    assert len(names) == len(set(names)), "two settings read the same variable"
    for group in ServingSettings.groups.values():
        prefix = group.model_config["env_prefix"]
        for field in group.model_fields:
            assert group.env_name(field) == f"{prefix}{field}".upper()
    assert {"STYLESPRINT_MAX_ANSWER_TOKENS", "STYLESPRINT_MAX_QUEUED", "STYLESPRINT_RETRAIN_DAY",
            "STYLESPRINT_RETRAIN_CHANNEL", "DATABASE_URL", "SLACK_BOT_TOKEN",
            "OPENAI_API_KEY"} <= set(names)


def test_each_group_reads_its_own_variables(monkeypatch):
    for name, value in {"STYLESPRINT_MAX_ANSWER_TOKENS": "30", "STYLESPRINT_MAX_QUEUED": "7",
                        "STYLESPRINT_RETRAIN_MARGIN_FIELD_F1": "0.3", "SLACK_API_URL": "http://x/",
                        "DATABASE_URL": "sqlite:///r.db", "OPENAI_MODEL": "m"}.items():
        monkeypatch.setenv(name, value)
    s = ServingSettings(_env_file=None)
    assert s.engine.max_answer_tokens == 30 and s.bot.max_queued == 7
    assert s.retrain.margin_field_f1 == 0.3 and s.slack.api_url == "http://x/"
    assert s.services.database_url == s.resolved_database_url == "sqlite:///r.db"
    assert s.openai.model == "m"


def test_an_env_file_is_read_by_every_group(tmp_path, monkeypatch):
    env = tmp_path / "custom.env"
    env.write_text("STYLESPRINT_DATA_DIR=/srv/ss\nSTYLESPRINT_TOP_K=4\nSTYLESPRINT_WORKER_THREADS=3\n"
                   "SLACK_BOT_TOKEN=from-file\nSTYLESPRINT_RETRAIN_HOUR=5\nCHROMA_PORT=9001\n"
                   "OPENAI_BASE_URL=http://llm/\n")
    s = ServingSettings(_env_file=env)
    assert str(s.data_dir) == "/srv/ss" and s.engine.top_k == 4 and s.bot.worker_threads == 3
    assert s.slack.bot_token.get_secret_value() == "from-file" and s.retrain.hour == 5
    assert s.services.chroma_port == 9001 and s.openai.base_url == "http://llm/"

    monkeypatch.chdir(tmp_path)  # the working directory's .env by default
    (tmp_path / ".env").write_text("STYLESPRINT_TOP_K=6\nSTYLESPRINT_RETRAIN_HOUR=6\n")
    assert (ServingSettings().engine.top_k, ServingSettings().retrain.hour) == (6, 6)
    bare = ServingSettings(_env_file=None)
    assert (bare.engine.top_k, bare.retrain.hour) == (3, 3)
    monkeypatch.setenv("STYLESPRINT_TOP_K", "2")  # the environment wins over .env
    assert ServingSettings().engine.top_k == 2


def test_a_variable_named_like_a_group_is_not_read(monkeypatch):
    monkeypatch.setenv("STYLESPRINT_RETRAIN", "not json")
    monkeypatch.setenv("STYLESPRINT_ENGINE", '{"top_k": 9}')
    s = ServingSettings(_env_file=None)
    assert (s.retrain.hour, s.engine.top_k) == (3, 3)


def test_an_empty_value_means_the_default(monkeypatch):
    for name in ("STYLESPRINT_TOP_K", "STYLESPRINT_MAX_WAIT_S", "STYLESPRINT_RETRAIN_DAY",
                 "CHROMA_PORT", "OPENAI_MODEL"):
        monkeypatch.setenv(name, "")
    assert ServingSettings(_env_file=None) == ServingSettings(_env_file=None, engine={}, bot={})


def test_values_given_in_code_go_by_group_and_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STYLESPRINT_TOP_K", "9")
    monkeypatch.setenv("STYLESPRINT_N_BEST", "4")
    s = ServingSettings(_env_file=None, data_dir=tmp_path, engine={"top_k": 1}, retrain={"hour": 2})
    assert (s.engine.top_k, s.engine.n_best, s.retrain.hour, s.data_dir) == (1, 4, 2, tmp_path)
    with pytest.raises(TypeError, match="top_k"):
        ServingSettings(_env_file=None, top_k=1)  # one way to build it: by group
    with pytest.raises(TypeError, match="EngineSettings has no max_answer_length"):
        ServingSettings(_env_file=None, engine={"max_answer_length": 10})


def test_updated_copies_change_one_group_and_check_names():
    s = ServingSettings(_env_file=None)
    off = s.updated(engine={"verified_answers": False}, retrain={"max_steps": 3})
    assert off.engine.verified_answers is False and off.retrain.max_steps == 3
    assert s.engine.verified_answers is True and s.retrain.max_steps is None
    assert off.engine.top_k == s.engine.top_k and off.bot is s.bot
    with pytest.raises(TypeError):
        s.updated(verified_answers=False)
    with pytest.raises(TypeError):
        s.updated(engine={"nope": 1})


def test_dumps_leave_secrets_out_and_load_back(monkeypatch, tmp_path):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-real-1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-real-2")
    s = ServingSettings(_env_file=None, data_dir=tmp_path, engine={"top_k": 5})
    dumped = s.dump_without_secrets(mode="json")
    assert "not-real" not in repr(dumped) and "bot_token" not in dumped["slack"]
    back = ServingSettings.model_validate(dumped)  # a child process: secrets from its environment
    assert back == s and isinstance(back.slack.bot_token, SecretStr)


@pytest.mark.parametrize("env, named", [
    ({"STYLESPRINT_PASSAGE_MAX_WORDS": "40", "STYLESPRINT_PASSAGE_OVERLAP_WORDS": "30"},
     "STYLESPRINT_PASSAGE_OVERLAP_WORDS (30) must be at most half of"),
    ({"STYLESPRINT_MAX_WAIT_S": "1500"}, "STYLESPRINT_MAX_WAIT_S (1500) must be below"),
    ({"STYLESPRINT_QUEUE_POLL_S": "20"}, "STYLESPRINT_QUEUE_POLL_S (20) must be at most a third"),
    ({"STYLESPRINT_ESCALATION_USERGROUP": "S0LEADS"},
     "STYLESPRINT_ESCALATION_USERGROUP needs STYLESPRINT_ESCALATION_CHANNEL"),
    ({"STYLESPRINT_RETRAIN_POST_GAPS": "true"},
     "STYLESPRINT_RETRAIN_POST_GAPS needs STYLESPRINT_RETRAIN_CHANNEL"),
])
def test_settings_that_contradict_each_other_are_refused(monkeypatch, env, named):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=named.replace("(", r"\(").replace(")", r"\)")):
        ServingSettings(_env_file=None)


def test_consistent_pairs_load():
    s = ServingSettings(_env_file=None,
                        engine={"passage_max_words": 40, "passage_overlap_words": 20},
                        bot={"max_wait_s": 60, "question_expiry_s": 61, "queue_lease_s": 3,
                             "queue_poll_s": 1, "escalation_channel": "C0LEADS",
                             "escalation_usergroup": "S0LEADS"},
                        retrain={"post_gaps": True, "channel": "C0MLOPS"})
    assert s.bot.escalation_usergroup == "S0LEADS" and s.retrain.post_gaps


@pytest.mark.parametrize("name, value", [
    ("STYLESPRINT_CONFIDENCE_THRESHOLD", "1.5"), ("STYLESPRINT_VERIFIED_THRESHOLD", "0"),
    ("STYLESPRINT_GAP_SIMILARITY", "1"), ("STYLESPRINT_RETRAIN_HELDOUT_SHARE", "1"),
    ("STYLESPRINT_RETRAIN_MIN_FEEDBACK_FIT", "-0.1"), ("STYLESPRINT_RETRAIN_MARGIN_F1", "-0.01"),
    ("STYLESPRINT_RETRAIN_MARGIN_FIELD_UNANSWERABLE", "2"), ("OPENAI_PRICE_PER_1K_TOKENS", "-1"),
])
def test_shares_and_margins_out_of_range_are_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        ServingSettings(_env_file=None)
    assert [e["loc"] for e in info.value.errors()] == [(name,)]


def test_problems_in_several_groups_are_reported_together(monkeypatch):
    monkeypatch.setenv("STYLESPRINT_TOP_K", "0")
    monkeypatch.setenv("STYLESPRINT_RETRAIN_TIMEZONE", "Mars/Olympus_Mons")
    monkeypatch.setenv("STYLESPRINT_MAX_WAIT_S", "1700")
    with pytest.raises(ValidationError) as info:
        ServingSettings(_env_file=None)
    locs = [e["loc"] for e in info.value.errors()]
    assert locs == [("STYLESPRINT_TOP_K",), (), ("STYLESPRINT_RETRAIN_TIMEZONE",)]


@pytest.mark.parametrize("env, line", [
    ({"STYLESPRINT_RETRAIN_MARGIN_F1": "-1"},
     "error: invalid settings (STYLESPRINT_RETRAIN_MARGIN_F1: Input should be greater than or "
     "equal to 0); see .env.example"),
    ({"STYLESPRINT_QUEUE_POLL_S": "30"},
     "error: invalid settings (STYLESPRINT_QUEUE_POLL_S (30) must be at most a third of"),
    ({"STYLESPRINT_TOP_K": "many", "OPENAI_PRICE_PER_1K_TOKENS": "-1"},
     "error: invalid settings (STYLESPRINT_TOP_K: Input should be a valid integer, unable to "
     "parse string as an integer; OPENAI_PRICE_PER_1K_TOKENS: Input should be greater than"),
])
def test_a_bad_setting_is_one_line_from_the_cli(monkeypatch, tmp_path, env, line):
    from typer.testing import CliRunner

    from stylesprint.cli import app

    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["ask", "hello"])
    assert result.exit_code == 2
    (only,) = result.output.strip().splitlines()
    assert only.startswith(line)
