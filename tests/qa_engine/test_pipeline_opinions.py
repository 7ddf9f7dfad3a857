"""Opinion questions read the reviews, not the catalog row that ranks above them."""

from __future__ import annotations

import json

import pytest

CATALOG = (
    "name,category,price,sizes,colors,availability\n"
    "Alder Leather Biker Jacket,Outerwear,$289,\"XS, S, M, L, XL\",\"Black, Cognac\",In stock\n"
    "Fenwick Wool Scarf,Accessories,$45,One size,\"Grey, Camel\",In stock\n"
)
REVIEW = ("Soft leather from day one. It runs about a size small, so I swapped my usual M for "
          "an L to fit a sweater underneath. The cognac colour is more orange in person.")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.settings import Settings

    root = tmp_path_factory.mktemp("opinions")
    kb = root / "kb"
    kb.mkdir()
    (kb / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    (kb / "reviews.jsonl").write_text(json.dumps({
        "id": "rev-alder", "title": "Customer reviews: Alder Leather Biker Jacket",
        "text": REVIEW}) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", engine={"kb_paths": [kb]}, _env_file=None)
    built = AnswerEngine.from_settings(settings)
    built.warm_up()
    return built


def test_an_opinion_question_reads_reviews_and_sets_the_catalog_rows_aside(engine):
    question = "do people say the Alder leather biker jacket sizes run small?"
    ranked = engine.retriever.run(question, top_k=engine.top_k)
    assert any(r.passage.kind == "product" for r in ranked)  # plain search reads the row
    answer = engine.ask(question)
    assert answer.retrieved and all(r.passage.kind != "product" for r in answer.retrieved)
    if answer.answered:
        assert answer.span in REVIEW


def test_a_fact_question_still_reads_the_catalog(engine):
    answer = engine.ask("what sizes does the Alder leather biker jacket come in?")
    assert any(r.passage.kind == "product" for r in answer.retrieved)
