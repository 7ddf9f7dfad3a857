"""The promotion gate's rules, on hand-written figures (training/gate.py)."""

from __future__ import annotations

from training.gate import fit_failure, format_deltas, gate

MARGINS = {"dev.f1": 0.01, "dev.similarity": 0.01, "dev.unanswerable_declined": 0.02,
           "corrections.f1": 0.05, "corrections.unanswerable_declined": 0.05,
           "field.f1": 0.01, "field.unanswerable_declined": 0.02}


def metrics(dev=None, corrections=None, field=None):
    parts = {k: v for k, v in (("dev", dev), ("corrections", corrections), ("field", field))
             if v is not None}
    return {"parts": parts}


DEV = {"f1": 0.70, "similarity": 0.80, "unanswerable_declined": 0.50}
FIELD = {"f1": 0.49, "unanswerable_declined": 0.60}


def test_not_worse_within_each_margin_promotes_and_records_every_delta():
    ok = gate(metrics(DEV, field=FIELD),
              metrics({"f1": 0.695, "similarity": 0.85, "unanswerable_declined": 0.49},
                      field={"f1": 0.52, "unanswerable_declined": 0.59}), MARGINS)
    assert ok.promote and ok.reason.startswith("not worse")
    assert ok.deltas["dev.f1"] == -0.005 and ok.deltas["field.f1"] == 0.03
    assert ok.deltas["field.unanswerable_declined"] == -0.01
    assert ok.deltas["corrections.f1"] is None and "held-out feedback not run" in ok.reason


def test_a_candidate_that_regresses_on_the_field_test_is_refused_even_if_dev_improves():
    better_dev = {"f1": 0.80, "similarity": 0.90, "unanswerable_declined": 0.60}
    bad = gate(metrics(DEV, field=FIELD),
               metrics(better_dev, field={"f1": 0.47, "unanswerable_declined": 0.60}), MARGINS)
    assert not bad.promote
    assert "field test F1 0.490 → 0.470" in bad.reason and "dev split" not in bad.reason


def test_declining_fewer_unanswerable_questions_on_any_set_refuses():
    for name in ("dev", "corrections", "field"):
        current = metrics(DEV, {"f1": 0.9, "unanswerable_declined": 0.9}, FIELD)
        worse = {**current["parts"][name],
                 "unanswerable_declined": current["parts"][name]["unanswerable_declined"] - 0.1}
        candidate = {"parts": {**current["parts"], name: worse}}
        decision = gate(current, candidate, MARGINS)
        assert not decision.promote and "unanswerable declined" in decision.reason, name


def test_declines_are_judged_in_questions_never_less_than_one():
    """47 unanswerable questions: one fewer declined is 0.021, over the 0.02 margin as a
    share, but it is one question, the least a positive margin allows; two are refused.
    On 300 questions the same margin allows 6; a margin of 0 allows none."""
    def field(declined: int, n: int) -> dict[str, float]:
        return {"f1": 0.5, "unanswerable_declined": round(declined / n, 4), "unanswerable": n}

    current = metrics(DEV, field=field(38, 47))
    one = gate(current, metrics(DEV, field=field(37, 47)), MARGINS)
    two = gate(current, metrics(DEV, field=field(36, 47)), MARGINS)
    assert one.promote and "(-1 of 47 questions, margin 1)" in one.reason
    assert not two.promote and "(-2 of 47 questions, margin 1)" in two.reason
    big = metrics(DEV, field=field(240, 300))
    assert gate(big, metrics(DEV, field=field(234, 300)), MARGINS).promote
    assert not gate(big, metrics(DEV, field=field(233, 300)), MARGINS).promote
    strict = {**MARGINS, "field.unanswerable_declined": 0.0}
    assert not gate(current, metrics(DEV, field=field(37, 47)), strict).promote
    assert gate(current, metrics(DEV, field=field(38, 47)), strict).promote


def test_the_feedback_slice_has_its_own_wider_margin():
    current = metrics(DEV, {"f1": 0.80, "unanswerable_declined": None})
    within = gate(current, metrics(DEV, {"f1": 0.76, "unanswerable_declined": None}), MARGINS)
    beyond = gate(current, metrics(DEV, {"f1": 0.74, "unanswerable_declined": None}), MARGINS)
    assert within.promote and not beyond.promote
    assert within.deltas["corrections.unanswerable_declined"] is None  # not measured


def test_format_deltas_names_each_set():
    text = format_deltas(metrics(DEV, field=FIELD), metrics(DEV, field={**FIELD, "f1": 0.5}))
    assert "dev split F1 0.700 → 0.700 (+0.000)" in text
    assert "field test F1 0.490 → 0.500 (+0.010)" in text


def test_fit_failure_names_how_many_were_still_wrong():
    assert fit_failure({"examples": 40, "right": 39, "share": 0.975}, 0.95) is None
    assert fit_failure({"examples": 0, "right": 0, "share": None}, 0.95) is None
    reason = fit_failure({"examples": 40, "right": 30, "share": 0.75}, 0.95)
    assert reason and "10 of 40 trained feedback example(s) still wrong" in reason
    assert "STYLESPRINT_RETRAIN_FEEDBACK_REPEAT" in reason


def test_a_candidate_that_breaks_more_replay_answers_than_it_fixes_is_refused():
    same = metrics(DEV, field=FIELD)
    breaks = gate(same, same, MARGINS, replay={"questions": 100, "broken": 4, "fixed": 3})
    assert not breaks.promote and "replay set: 4 right answer(s) broken, 3 fixed" in breaks.reason
    evens = gate(same, same, MARGINS, replay={"questions": 100, "broken": 3, "fixed": 3})
    assert evens.promote and evens.deltas["replay.broken"] == 3
    assert gate(same, same, MARGINS, replay={"questions": 0, "broken": 0, "fixed": 0}).promote


def test_one_confirmed_answer_wrong_after_training_fails_the_run():
    fit = {"examples": 40, "right": 39, "share": 0.975, "wrong": ["fb-1"], "confirmed": 30,
           "confirmed_wrong": ["fb-1"]}
    reason = fit_failure(fit, 0.95)
    assert reason is not None and "1 of 30 confirmed answer(s) wrong" in reason
    assert fit_failure({**fit, "confirmed_wrong": []}, 0.95) is None
