"""The Evaluator and the report on real systems: embeddings, the stand-in, a real reader."""

from __future__ import annotations

import pytest

from qa_engine.compose.composer import Composer
from qa_engine.read.reader import SpanReader
from qa_engine.settings import Settings, bundled_minilm_path
from training.evaluation.evaluator import Evaluator, SkippedSystem
from training.evaluation.gold import load_gold
from training.evaluation.incontext import ChatClient, InContextSystem
from training.evaluation.report import format_breakdown, format_table, write_report
from training.evaluation.runner import kb_collection_name, open_retriever
from training.evaluation.systems import ReaderSystem, RetrievalOnlySystem, split_sentences


def test_split_sentences_handles_records_and_prose():
    assert split_sentences("Name: Dress\nPrice: 89 USD") == ["Name: Dress", "Price: 89 USD"]
    assert split_sentences("One. Two!  Three?") == ["One.", "Two!", "Three?"]


def test_in_context_and_retrieval_only_scored_on_known_answers(embedder, gold_file, standin):
    rows = load_gold(gold_file)
    evaluator = Evaluator(embedder, mode="reader", price_per_1k_tokens=0.5)
    client = ChatClient(standin.base_url, "standin", backoff=0.01)
    in_context = evaluator.run(InContextSystem(client), rows)
    baseline = evaluator.run(RetrievalOnlySystem(embedder), rows)

    # The stand-in returns the sentence sharing most content words with the question.
    said = {r.gold.id: r.prediction.text for r in in_context.rows}
    assert said == {
        "r1": "Final-sale items cannot be returned",
        "r2": "Final-sale items cannot be returned",
        "s1": "Standard shipping takes 3-5 business days",
        "u1": None,
    }
    x = in_context.metrics
    # r1 exact; r2 F1 = 2*(3/5*1)/(3/5+1) = 0.75 after dropping "final-sale items" overlap:
    # pred [finalsale, items, cannot, be, returned] vs gold [cannot, be, returned] -> 0.75
    # s1: pred [standard, shipping, takes, 35, business, days] vs [35, business, days] -> 2/3
    assert [r.f1 for r in in_context.rows] == pytest.approx([1.0, 0.75, 2 / 3, 1.0])
    assert x.qa.exact_match == pytest.approx(0.5)
    assert x.qa.unanswerable_declined == 1.0 and x.qa.answerable_declined == 0.0
    assert x.consistency.groups == 1 and x.consistency.same_span_rate == 1.0
    assert x.consistency.reply_similarity == pytest.approx(1.0, abs=1e-5)
    assert x.span_similarity is not None and 0.5 < x.span_similarity <= 1.0
    assert x.reply_similarity > 0.85  # the reference sentence, minus its full stop
    assert x.ece is None and x.coverage == []  # no confidence from a chat model
    assert x.cost.tokens_per_1k > 0
    assert x.cost.dollars_per_1k == pytest.approx(x.cost.tokens_per_1k / 1000 * 0.5)
    assert x.recall_at_k is None  # reader-only: nothing retrieved
    assert set(x.by_category) == {"returns", "shipping"}
    # per style: r2 (0.75) and s1 (2/3) are "formal"; r1 (1.0) is "yes_no"; u1 has none
    assert set(x.by_style) == {"formal", "yes_no"}
    assert x.by_style["formal"].n == 2 and x.by_style["yes_no"].n == 1
    assert x.by_style["formal"].f1 == pytest.approx((0.75 + 2 / 3) / 2)
    breakdown = format_breakdown([in_context], "style", "markdown").splitlines()
    assert breakdown[0].startswith("| Style | System | n | answerable | EM | F1 |")
    assert breakdown[2].startswith("| formal | in-context | 2 | 2 | 0.000 | 0.708 |")
    assert breakdown[3].startswith("| yes_no | in-context | 1 | 1 | 1.000 | 1.000 |")
    assert format_breakdown([in_context], "category").splitlines()[2].startswith("returns")

    # retrieval-only never declines: the unanswerable question costs it
    assert baseline.metrics.qa.unanswerable_declined == 0.0
    assert baseline.metrics.cost.dollars_per_1k is None
    assert all(r.prediction.text for r in baseline.rows)

    table = format_table([baseline, in_context], [SkippedSystem("lora", "no model")],
                         "markdown")
    lines = table.splitlines()
    assert lines[0].startswith("| System | EM | F1 |") and lines[1].startswith("|---|---:")
    assert lines[3].startswith("| in-context | 0.500 |")
    assert "- lora: skipped (no model)" in table


def test_reader_system_with_confidence_gets_calibration_plots(embedder, gold_file, tmp_path):
    """A real reader (the bare MiniLM QA model) so ECE and coverage have numbers to plot."""
    reader = SpanReader(None, bundled_minilm_path(), threshold=0.5, model_version="base")
    system = ReaderSystem("base-reader", reader, Composer())
    rows = load_gold(gold_file)
    result = Evaluator(embedder, mode="reader").run(system, rows, {"model_version": "base"})
    x = result.metrics
    assert x.n_confident == len(rows) and x.ece is not None and 0.0 <= x.ece <= 1.0
    assert sum(b.count for b in x.reliability) == len(rows)
    assert x.coverage[0].coverage == 1.0 and x.coverage[-1].coverage == 0.0
    assert x.threshold == 0.5
    assert all(r.prediction.reply for r in result.rows)
    # a reader quotes its sentence: the no-composer reply is scored beside the reply
    answered = [r for r in result.rows if r.prediction.answered]
    assert all(r.prediction.sentence and r.prediction.text in r.prediction.sentence
               for r in answered)
    assert x.sentence_similarity is not None
    with pytest.raises(Exception, match="knowledge base"):
        system.answer("Where is it?", None)

    report = write_report(tmp_path / "report", [result], meta={"gold": "tiny"})
    text = report.read_text()
    for png in ("summary.png", "reliability.png", "coverage.png"):
        assert (tmp_path / "report" / png).stat().st_size > 1000
        assert f"({png})" in text
    assert "## base-reader" in text and "| returns |" in text


def test_end_to_end_mode_retrieves_from_a_kb_folder(embedder, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "returns.md").write_text(
        "# Returns\n\nUnworn items with tags attached can be returned within 30 days of "
        "delivery.\n\n# Shipping\n\nStandard shipping takes 3-5 business days.\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data")
    retriever, described = open_retriever(settings, embedder, [kb])
    assert kb_collection_name([kb]) in described
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"question": "How long does standard shipping take?", "answer": "3-5 business days"}\n'
        '{"question": "What is the return window?", "answer": "within 30 days of delivery"}\n',
        encoding="utf-8",
    )
    from training.evaluation.systems import retrieval_function

    system = RetrievalOnlySystem(embedder, retrieval_function(retriever), top_k=2)
    result = Evaluator(embedder, mode="auto").run(system, load_gold(gold))
    assert all(r.mode == "e2e" for r in result.rows)
    assert result.metrics.recall_at_k == 1.0 and result.metrics.k == 2
    assert result.rows[0].prediction.text == "Standard shipping takes 3-5 business days."
    with pytest.raises(ValueError, match="needs a context"):
        Evaluator(embedder, mode="reader").check(load_gold(gold))


def test_context_level_unanswerables_are_not_scored_end_to_end(embedder):
    from training.evaluation.gold import GoldRow

    kb_miss = GoldRow("a", "Do you sell cars?", (), context="Passage", unanswerable_in="kb")
    passage_miss = GoldRow("b", "Price?", (), context="Other product", unanswerable_in="context")
    answerable = GoldRow("c", "Price?", ("$82.00",), context="Price: $82.00",
                         unanswerable_in="context")
    rows = [kb_miss, passage_miss, answerable]
    assert Evaluator(embedder, mode="e2e").scorable(rows) == ([kb_miss, answerable],
                                                              [passage_miss])
    assert Evaluator(embedder, mode="reader").scorable(rows) == (rows, [])


def test_a_dead_endpoint_stops_the_system_instead_of_every_question(embedder, gold_file):
    from training.evaluation.evaluator import EvaluationAborted
    from training.evaluation.standin import StandInServer

    with StandInServer(fail_first=1) as server:
        url = server.base_url
        # one failed question is recorded as a decline with its error, and the run goes on
        client = ChatClient(url, "m", max_retries=0, timeout=2)
        result = Evaluator(embedder, mode="reader").run(InContextSystem(client),
                                                        load_gold(gold_file))
    assert result.metrics.errors == 1 and "503" in result.rows[0].prediction.error
    assert not result.rows[0].prediction.answered
    dead = ChatClient(url, "m", max_retries=0, timeout=2)  # the server is gone now
    with pytest.raises(EvaluationAborted, match="2 questions in a row"):
        Evaluator(embedder, mode="reader", max_consecutive_errors=2).run(
            InContextSystem(dead), load_gold(gold_file))
