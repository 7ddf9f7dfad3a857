"""Which language a question is in: a question the knowledge base cannot be read in is
told so ("I can only answer in English for now"), not that the KB is silent.

Identification is `lingua-language-detector` (its models ship inside the wheel; nothing
is downloaded), restricted to the few languages agents are likely to type, which makes
it both faster and surer on short text than over all 75. A question is called foreign
only when lingua is sure (`min_relative_distance` between the first and second
language) and it has at least `min_words` words: "kestrel parka warm?" is a product name
and two words, and lingua reads it as German. Both limits were set on the team's own
questions (`training/data/stylesprint_dev.jsonl`), never on the field test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

_WORD = re.compile(r"[^\W\d_]{2,}")

#: ISO 639-1 code -> the language's English name (what a reply says).
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
         "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish",
         "tr": "Turkish", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic",
         "ru": "Russian", "hi": "Hindi"}


class LanguageGate:
    """`other_language(question)`: the ISO 639-1 code of the question's language when it
    is surely not the knowledge base's, else None. The detector loads on first use."""

    def __init__(self, kb_language: str = "en",
                 languages: Sequence[str] = ("en", "es", "fr", "de", "it", "pt"),
                 min_words: int = 3, min_relative_distance: float = 0.25) -> None:
        codes = [c.strip().lower() for c in languages if c.strip()]
        if kb_language not in codes:
            codes.insert(0, kb_language)
        self.kb_language = kb_language
        self.languages = tuple(dict.fromkeys(codes))
        self.min_words = min_words
        self.min_relative_distance = min_relative_distance
        self._detectors: list[Any] = [None, None]  # low-accuracy, full
        self._lock = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Any) -> LanguageGate | None:
        """The check `settings.engine` asks for (KB_LANGUAGE, QUESTION_LANGUAGES,
        LANGUAGE_MIN_WORDS), or None when QUESTION_LANGUAGES is off."""
        if not engine.question_languages:
            return None
        return cls(engine.kb_language, engine.question_languages,
                   min_words=engine.language_min_words)

    @property
    def kb_language_name(self) -> str:
        return NAMES.get(self.kb_language, self.kb_language)

    def _build(self, low_accuracy: bool) -> Any:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        with self._lock:
            index = 0 if low_accuracy else 1
            if self._detectors[index] is None:
                codes = [IsoCode639_1.from_str(c) for c in self.languages]
                builder = (LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                           .with_minimum_relative_distance(self.min_relative_distance))
                if low_accuracy:
                    builder = builder.with_low_accuracy_mode()
                self._detectors[index] = builder.with_preloaded_language_models().build()
            return self._detectors[index]

    def warm_up(self) -> None:
        if len(self.languages) > 1:
            self._build(low_accuracy=True)

    def _detect(self, question: str, low_accuracy: bool) -> str | None:
        detector = self._detectors[0 if low_accuracy else 1] or self._build(low_accuracy)
        found = detector.detect_language_of(question)
        return None if found is None else found.iso_code_639_1.name.lower()

    def other_language(self, question: str) -> str | None:
        """Two passes: lingua's low-accuracy mode (trigrams only: half a second to load,
        30 MB) on every question, and its full models (seconds to load, 150 MB) only to
        confirm a question the first pass calls foreign; English questions never load them."""
        if len(self.languages) < 2 or len(_WORD.findall(question)) < self.min_words:
            return None
        if self._detect(question, low_accuracy=True) in (None, self.kb_language):
            return None
        code = self._detect(question, low_accuracy=False)
        return None if code in (None, self.kb_language) else code
