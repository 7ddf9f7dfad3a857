"""The answer engine: retrieve passages, read the span, compose the reply.

`AnswerEngine` wires the separate components together; it owns no model itself.
`AnswerEngine.from_settings()` builds the standard wiring (Chroma collection,
MiniLM embedder, the registry's current reader version, brand-voice composer).
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable

from qa_engine.compose.broad import (
    BROAD_ANSWER_CONFIDENCE,
    BROAD_SEARCH_K,
    broad_reply,
    broad_topic,
    opening,
    pick_section,
)
from qa_engine.compose.composer import Composer
from qa_engine.compose.reviews import (
    REVIEW_KIND,
    REVIEWS_READ,
    Review,
    TextEmbedder,
    agreement,
    distinct,
    focus_on_product,
    is_review,
    quoted_sentence,
    review_at,
    split_reviews,
)
from qa_engine.corrections import ChromaPassages
from qa_engine.db import DbTimeouts
from qa_engine.protocols import PROBE_PASSAGE, PROBE_QUESTION, KBEmbedder, Reader, Retriever
from qa_engine.read.build import build_reader, earlier_reader
from qa_engine.read.quote import settle_quote
from qa_engine.records import Records
from qa_engine.registry import ModelRegistry
from qa_engine.retrieve.embedder import Embedder
from qa_engine.retrieve.language import LanguageGate
from qa_engine.retrieve.normalize import KBNormalizer
from qa_engine.retrieve.products import (
    OPINION_EXTRA_K,
    PRODUCT_MATCH_CONFIDENCE,
    PRODUCT_SEARCH_K,
    asks_for_opinions,
    compose_products,
    existence_terms,
    match_products,
)
from qa_engine.retrieve.retriever import ChromaRetriever
from qa_engine.retrieve.verified_index import VerifiedIndex, verified_answer
from qa_engine.retrieve.verified_match import MatchRule
from qa_engine.settings import Settings
from qa_engine.types import Answer, QuestionError, ReaderResult, RetrievedPassage, SourceRef

logger = logging.getLogger(__name__)



def clean_question(question: object, max_chars: int) -> str:
    """The question as the engine reads it; raises QuestionError for unusable input."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    # Drop control characters (keep ordinary whitespace and the zero-width (non-)joiners
    # that hold emoji sequences and Persian words together), collapse runs of spaces.
    joiners = "\u200c\u200d"
    text = "".join(
        ch if ch in "\t\n " + joiners or unicodedata.category(ch)[0] != "C" else " "
        for ch in question
    )
    text = " ".join(text.split())
    if not text.strip(joiners + " "):
        raise QuestionError("the question is empty: ask something like "
                            "'What is the return policy for online purchases?'")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text)} characters long; the limit is {max_chars}. "
            "Ask one short question at a time."
        )
    return text


def source_ref(hit: RetrievedPassage) -> SourceRef:
    """How an answer cites a retrieved passage."""
    p = hit.passage
    return SourceRef(id=p.id, title=p.label, source=p.source, score=round(hit.score, 4))


class AnswerEngine:
    """Question in, `Answer` out; thread-safe once warmed up."""

    def __init__(
        self,
        retriever: Retriever,
        reader: Reader,
        composer: Composer,
        max_question_chars: int = 500,
        top_k: int = 3,
        min_retrieval_score: float = -1.0,
        bootstrap: Callable[[], object] | None = None,
        reader_fallback: Callable[[str, Exception], Reader] | None = None,
        normalizer: Callable[[str], str] | None = None,
        product_answers: bool = False,
        verified: VerifiedIndex | None = None,
        embedder: TextEmbedder | None = None,
        language: LanguageGate | None = None,
        settle_quotes: bool = False,
    ) -> None:
        self.retriever = retriever
        # Compares review sentences (how many reviews say the same); None = lexicon only.
        self.embedder = embedder
        # Tells a question in another language from one the KB is silent on; None = off.
        self.language = language
        self.reader = reader
        self.composer = composer
        self.max_question_chars = max_question_chars
        self.top_k = top_k
        self.min_retrieval_score = min_retrieval_score
        self.bootstrap = bootstrap
        # Called with (version, error) when the reader cannot be loaded; returns a warmed-up
        # reader of an earlier version (see `earlier_reader`), or raises.
        self.reader_fallback = reader_fallback
        # The question as retrieval and the reader see it (typos repaired); the agent's own
        # words stay on the Answer.
        self.normalizer = normalizer
        self.product_answers = product_answers
        # Questions agents verified the answer to (retrieve/verified_index.py); None = off.
        self.verified = verified
        # Widen a bare quantity span to the clause that settles the question (quote.py).
        self.settle_quotes = settle_quotes
        self._warm = threading.Event()

    @classmethod
    def from_settings(cls, settings: Settings, reader: Reader | None = None) -> AnswerEngine:
        from qa_engine.ingest.ingestor import ensure_demo_kb
        from qa_engine.read.speed import apply_omp_wait_policy
        from qa_engine.retrieve.chroma_store import get_collection, make_client

        apply_omp_wait_policy(settings.engine.omp_wait_policy)  # before anything loads torch
        if settings.engine.torch_threads:
            import torch

            torch.set_num_threads(settings.engine.torch_threads)
        embedder = Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device,
                            int8=settings.engine.embedder_int8)
        collection = get_collection(make_client(settings), settings.engine.collection)
        retriever = ChromaRetriever(collection, embedder, top_k=settings.engine.top_k,
                              cache_size=settings.engine.question_cache_size)
        verified = None
        if settings.engine.verified_answers:
            records = Records(settings.resolved_database_url,
                              timeouts=DbTimeouts.from_settings(settings))
            verified = VerifiedIndex(records, embedder, ChromaPassages(collection),
                                     settings.engine.verified_threshold,
                                     embed_question=retriever.embed_question,
                                     rule=MatchRule.load() if settings.engine.verified_match
                                     else None)
        fallback = None
        # a pinned adapter has no fallback
        if reader is None and settings.engine.adapter_dir is None:
            registry = ModelRegistry(settings.models_dir)

            def fallback(version: str, exc: Exception) -> Reader:
                return earlier_reader(settings, registry, version, exc)

            try:
                reader = build_reader(settings, registry)
            except KeyError as exc:  # CURRENT names a version directory that is gone
                reader = fallback(registry.current_name() or "?", exc)
        return cls.assemble(
            settings, retriever, reader or build_reader(settings),
            Composer(currency=settings.engine.currency), embedder=embedder,
            bootstrap=lambda: ensure_demo_kb(settings, embedder, collection),
            reader_fallback=fallback, verified=verified,
        )

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        retriever: Retriever,
        reader: Reader,
        composer: Composer,
        *,
        embedder: KBEmbedder | None = None,
        bootstrap: Callable[[], object] | None = None,
        reader_fallback: Callable[[str, Exception], Reader] | None = None,
        verified: VerifiedIndex | None = None,
    ) -> AnswerEngine:
        """The engine over given parts with every engine setting applied.

        The one place that turns settings into engine behaviour (top-k, the retrieval
        floor, typo repair, catalog answers), used by the bot and by `stylesprint eval`,
        so that an evaluation measures exactly what agents get. It knows its parts by
        their protocols only: `embedder` (the retriever's) gives typo repair the KB's
        vocabulary and review answers their vectors; without it both are off.
        """
        return cls(
            retriever=retriever,
            reader=reader,
            composer=composer,
            bootstrap=bootstrap,
            reader_fallback=reader_fallback,
            normalizer=(KBNormalizer(retriever, embedder.vocabulary).run
                        if settings.engine.normalize_questions and embedder is not None
                        else None),
            product_answers=settings.engine.product_answers,
            max_question_chars=settings.engine.max_question_chars,
            top_k=settings.engine.top_k,
            min_retrieval_score=settings.engine.min_retrieval_score,
            verified=verified if settings.engine.verified_answers else None,
            embedder=embedder,
            language=LanguageGate.for_engine(settings.engine),
            settle_quotes=settings.engine.quote_clauses,
        )

    @property
    def model_version(self) -> str:
        return self.reader.model_version

    def warm_up(self) -> None:
        if self._warm.is_set():
            return
        self.retriever.warm_up()
        if self.language is not None:
            self.language.warm_up()
        if self.bootstrap is not None:
            self.bootstrap()
        try:
            self.reader.warm_up()
        except Exception as exc:  # corrupt weights raise all sorts (ModelLoadError, OSError...)
            if self.reader_fallback is None:
                raise
            self.reader = self.reader_fallback(self.reader.model_version, exc)
        self._probe()
        self._warm.set()

    def _probe(self) -> None:
        try:
            # one question through every model: the first forward pass of a fresh process
            # pays for lazy initialisation (kernels, allocator, index pages); an agent should not
            self.retriever.run(PROBE_QUESTION, top_k=1)
            self.reader.run(PROBE_QUESTION, [PROBE_PASSAGE])
        except Exception as exc:  # only an optimisation: real questions report real errors
            logger.debug("warm-up probe failed: %s", exc)

    def ask(self, question: str, top_k: int | None = None, context: str | None = None,
            asker: str | None = None) -> Answer:
        """Answer `question`; `context` (a thread's earlier question) joins it for retrieval
        only, so "and for kids?" finds the passages its thread is about; `asker` (a Slack
        user id) is also served their own corrections still waiting for approval."""
        t0 = time.perf_counter()
        text = clean_question(question, self.max_question_chars)
        self.warm_up()
        reader = self.reader  # one reader for the whole question, even if swapped meanwhile
        query = self.normalizer(text) if self.normalizer else text
        gate = self.language
        # judged on the question as the KB spells it: "how long is the retrun windwo for
        # onlien orders" is English with typos, not another language
        if gate is not None and gate.other_language(query) is not None:
            # not "the KB is silent": the bot cannot read this language
            reply = self.composer.voice.declined_language.format(
                language=gate.kb_language_name)
            return Answer.declined(text, reply, model_version=reader.model_version,
                                   latency_ms=(time.perf_counter() - t0) * 1000)
        hit = self.verified.lookup(query, asker, reader) if self.verified is not None else None
        if hit is not None:  # an agent fixed this question
            answer = verified_answer(hit, text, query, self.composer, reader.model_version)
            answer.latency_ms = (time.perf_counter() - t0) * 1000
            return answer
        search = query
        if context and context.strip():
            earlier = " ".join(context.split())[: self.max_question_chars]
            search = f"{self.normalizer(earlier) if self.normalizer else earlier} {query}"
        # An existence question the catalog answers needs no passage search or reading.
        products = self._products(text, query, t0) if self.product_answers else None
        if products is not None:
            return products
        retrieved = self._retrieve(search, query, top_k or self.top_k)
        t1 = time.perf_counter()
        on_topic = bool(retrieved) and retrieved[0].score >= self.min_retrieval_score
        # Off-topic questions are declined without reading: a span reader always finds
        # *some* span, and no calibration makes "2 points per dollar" a safe answer to
        # a question about the weather.
        result = reader.run(query, [r.passage for r in retrieved] if on_topic else [])
        t2 = time.perf_counter()
        sources = [
            source_ref(r) for r in retrieved
        ]
        by_id = {r.passage.id: r.passage for r in retrieved}
        best = result.best
        if result.answered and best is not None:
            passage = by_id[best.passage_id]
            start, end = best.start, best.end
            if self.settle_quotes:
                start, end = settle_quote(query, passage.text, start, end)
            review = review_at(passage, start, end)  # a customer's words?
            if review is not None:
                reply = self._review_reply(review, start, end, query)
            else:
                reply = self.composer.answer(passage, start, end, question=query)
            ordered = sorted(sources, key=lambda s: s.id != passage.id)  # citing source first
            answer = Answer.read(text, reply, passage, start, end, confidence=result.confidence,
                                 sources=ordered, model_version=reader.model_version,
                                 retrieved=retrieved)
        elif on_topic and (broad := self._broad(text, query, search, reader, result)):
            answer = broad
        else:
            reply = self.composer.declined(
                retrieved, reason=self.composer.decline_reason(on_topic, result))
            answer = Answer.declined(
                text, reply, model_version=reader.model_version, confidence=result.confidence,
                sources=sources, retrieved=retrieved,
                nearest=(by_id[best.passage_id], best.start, best.end) if best else None)
        t3 = time.perf_counter()
        answer.latency_ms = (t3 - t0) * 1000
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "read": (t2 - t1) * 1000}
        return answer

    def _broad(self, text: str, query: str, search: str, reader: Reader,
               result: ReaderResult) -> Answer | None:
        """A declined broad question ("shipping options?") answered with the opening of
        the section it names (qa_engine/compose/broad.py), or None."""
        topic = broad_topic(query)
        if topic is None:
            return None
        hits = self.retriever.run(search, top_k=BROAD_SEARCH_K)
        hit = pick_section(topic, hits, query)
        if hit is None:
            return None
        start, end = opening(hit.passage.text)
        return Answer.read(text, broad_reply(hit, start, end), hit.passage, start, end,
                           confidence=BROAD_ANSWER_CONFIDENCE, sources=[source_ref(hit)],
                           model_version=reader.model_version, retrieved=hits)

    def _retrieve(self, search: str, query: str, k: int) -> list[RetrievedPassage]:
        """The passages to read. For an opinion question the catalog rows are set aside
        when other passages (reviews) are found: a row states no opinion, and reading it
        answers "does it run small?" with its size run. A question about reviews is read
        across the reviews of the product it names (`focus_on_product`); when they are
        stored one review per passage (kind "review"), its most relevant ones."""
        opinions = asks_for_opinions(query)
        found = self.retriever.run(search, top_k=k + OPINION_EXTRA_K if opinions else k)
        reviews = [h for h in found if h.passage.kind != "product"] if opinions else []
        hits = reviews[:k] if reviews else found[:k]
        if not hits or not (opinions or is_review(hits[0].passage)):
            return hits
        if not opinions:  # the nearest passage is a review: look a little wider, and set
            # aside only other products' reviews (a fact question still reads the catalog)
            found = self.retriever.run(search, top_k=k + OPINION_EXTRA_K)
            named = {h.passage.id for h in focus_on_product(
                query, [h for h in found if is_review(h.passage)], len(found))}
            return [h for h in found if not is_review(h.passage) or h.passage.id in named][:k]
        hits = focus_on_product(query, [h for h in found if is_review(h.passage)], k) or hits
        first = hits[0].passage
        if first.kind == REVIEW_KIND and first.product:
            same = self.retriever.run(search, top_k=max(k, REVIEWS_READ), kind=REVIEW_KIND,
                                      where={"product": first.product})
            return same or hits
        return hits

    def _review_reply(self, review: Review, start: int, end: int, query: str) -> str:
        """The reply for a span read in a review: whose words, and how many agree."""
        passage = review.passage
        if passage.kind == REVIEW_KIND and passage.product:
            where = {"$and": [{"kind": REVIEW_KIND}, {"product": passage.product}]}
        else:
            where = {"doc_id": passage.doc_id} if passage.doc_id else None
        stored = self.retriever.passages(where) if where else [passage]
        everyone = distinct([review, *(r for p in stored for r in split_reviews(p))])
        quoted = quoted_sentence(review, start, end, self.composer.voice.max_fact_words)
        agree = agreement(quoted, review, everyone, self.embedder, query)
        return self.composer.review(review, start, end, agree)

    def _products(self, text: str, query: str, t0: float) -> Answer | None:
        """The catalog products an existence question asks for, or None (read as usual)."""
        terms = existence_terms(query)
        if not terms:
            return None
        hits = self.retriever.run(query, top_k=PRODUCT_SEARCH_K, kind="product")
        matches = match_products(terms, hits)
        if not matches:
            return None
        first = matches[0]
        passage = first.hit.passage
        return Answer.read(
            text, compose_products(matches, self.composer.currency), passage, first.start,
            first.end, confidence=PRODUCT_MATCH_CONFIDENCE,
            sources=[source_ref(m.hit) for m in matches],
            model_version=self.reader.model_version, retrieved=[m.hit for m in matches],
            latency_ms=(time.perf_counter() - t0) * 1000)

    def swap_reader(self, reader: Reader) -> None:
        """Serve a new (already warmed-up) reader; questions in flight finish on the old one."""
        reader.warm_up()
        self.reader = reader
