"""The in-context system: few-shot + retrieved-context prompting of a chat model.

StyleSprint's alternative to fine-tuning is to ask a hosted chat model for "the
shortest exact phrase from the context" (or `NOT_FOUND`). This module speaks the
OpenAI-compatible `/chat/completions` wire format directly with httpx, so any
compatible endpoint works (a hosted API, a local vLLM/llama.cpp server, or the
deterministic stand-in the tests start). The prompt is documented, word for word,
in docs/in-context-prompt.md; keep the two in sync.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from qa_engine.types import Passage
from training.evaluation.base import (
    DECLINE_REPLY,
    Prediction,
    Retrieve,
    Stopwatch,
    SystemUnavailable,
    passages_for,
)

log = logging.getLogger(__name__)

NOT_FOUND = "NOT_FOUND"

SYSTEM_PROMPT = (
    "You help StyleSprint customer-support agents answer questions about products and "
    "store policies. Answer ONLY from the context passages. Reply with the shortest exact "
    "phrase copied from the context that answers the question: no full sentence, no "
    "explanation, no quotation marks. If the context does not answer the question, reply "
    f"with exactly {NOT_FOUND}."
)

#: (title, context, question, answer) few-shot turns. Fictional items and policies that
#: the demo knowledge base does not mention, so no example can leak into or contradict
#: an evaluated answer; the last one teaches declining.
FEW_SHOT: tuple[tuple[str, str, str, str], ...] = (
    (
        "Meridian Canvas Backpack",
        "Name: Meridian Canvas Backpack\nCategory: Bags\nMaterial: 16 oz organic cotton canvas\n"
        "Care: Spot clean with mild soap.\nPrice: $64.00",
        "What is the Meridian Canvas Backpack made of?",
        "16 oz organic cotton canvas",
    ),
    (
        "Event Rentals",
        "Selected occasion dresses can be rented for 4 or 8 days. The rental fee includes dry "
        "cleaning, and a late return is charged $10 per day.",
        "What is charged for a late rental return?",
        "$10 per day",
    ),
    (
        "Event Rentals",
        "Selected occasion dresses can be rented for 4 or 8 days. The rental fee includes dry "
        "cleaning, and a late return is charged $10 per day.",
        "Can rented dresses be shipped to a hotel?",
        NOT_FOUND,
    ),
)


def format_context(passages: Sequence[Passage]) -> str:
    """Numbered passages, titled, as the model reads them."""
    blocks = []
    for i, passage in enumerate(passages, start=1):
        title = f" {passage.label}" if passage.title and passage.title != "gold" else ""
        blocks.append(f"[{i}]{title}\n{passage.text.strip()}")
    return "\n\n".join(blocks)


def user_message(context: str, question: str) -> str:
    return f"Context:\n{context}\n\nQuestion: {question}\nAnswer:"


def build_messages(question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
    """System prompt, the few-shot turns, then the real question with its context."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for title, context, shot_question, shot_answer in FEW_SHOT:
        shot = Passage(id="example", text=context, title=title, source="example")
        messages.append({"role": "user", "content": user_message(format_context([shot]),
                                                                 shot_question)})
        messages.append({"role": "assistant", "content": shot_answer})
    messages.append({"role": "user", "content": user_message(format_context(passages), question)})
    return messages


def parse_reply(content: str) -> str | None:
    """The model's phrase, or None when it declined (`NOT_FOUND` anywhere, or empty)."""
    text = content.strip()
    if not text or NOT_FOUND in text.upper().replace(" ", "_"):
        return None
    if text.lower().startswith("answer:"):
        text = text[len("answer:"):].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text or None


class InContextError(RuntimeError):
    """The endpoint failed for good (after retries) or answered in an unknown shape."""


@dataclass(frozen=True)
class ChatCompletion:
    content: str
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ChatClient:
    """Minimal OpenAI-compatible chat client: temperature 0, timeouts, retries.

    Retries 429 and 5xx answers and transport errors with exponential backoff
    (honouring `Retry-After` when the server sends one); other 4xx fail at once
    because retrying a bad request or a bad key cannot help.
    """

    RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_tokens: int = 64,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_tokens = max_tokens
        self._client: httpx.Client | None = None

    def warm_up(self) -> None:
        if self._client is None:
            headers = {"Content-Type": "application/json"}
            if self._api_key:
                headers["Authorization"] = f"Bearer {self._api_key}"
            self._client = httpx.Client(timeout=self.timeout, headers=headers)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def complete(self, messages: list[dict[str, str]]) -> ChatCompletion:
        self.warm_up()
        assert self._client is not None
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        last_error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            try:
                response = self._client.post(self.url, json=body)
            except httpx.TransportError as exc:  # timeouts, refused connections
                last_error = f"{type(exc).__name__}: {exc}"
                delay = self._delay(attempt, None)
            else:
                if response.status_code == 200:
                    return self._parse(response)
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code not in self.RETRY_STATUS:
                    raise InContextError(f"{self.url} refused the request ({last_error})")
                delay = self._delay(attempt, response.headers.get("Retry-After"))
            if attempt < self.max_retries:
                log.debug("chat completion attempt %d failed (%s); retrying in %.2fs",
                          attempt + 1, last_error, delay)
                time.sleep(delay)
        raise InContextError(
            f"{self.url} failed after {self.max_retries + 1} attempts ({last_error})"
        )

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), 30.0)
            except ValueError:
                pass
        return self.backoff * (2**attempt) * (1 + 0.25 * random.random())

    def _parse(self, response: httpx.Response) -> ChatCompletion:
        try:
            payload = response.json()
            content = payload["choices"][0]["message"]["content"] or ""
            usage = payload.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise InContextError(f"{self.url} returned an unexpected body: {exc!r}") from exc
        return ChatCompletion(
            content=str(content),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )


class InContextSystem:
    """Few-shot, retrieved-context prompting of a chat model (no fine-tuning at all).

    Declines when the model says `NOT_FOUND`; has no confidence score, so it is
    left out of calibration and the coverage curve.
    """

    billed = True  # every call costs tokens: the evaluator skips its untimed warm-up call

    def __init__(
        self, client: ChatClient, retrieve: Retrieve | None = None, top_k: int = 3,
        name: str = "in-context",
    ) -> None:
        self.name = name
        self.client = client
        self.retrieve = retrieve
        self.top_k = top_k

    @classmethod
    def from_settings(cls, settings, retrieve: Retrieve | None = None,  # noqa: ANN001
                      top_k: int | None = None) -> InContextSystem:
        """Build from OPENAI_* settings; SystemUnavailable when no endpoint is configured."""
        if not settings.openai.base_url:
            raise SystemUnavailable(
                "no OpenAI-compatible endpoint configured (set OPENAI_BASE_URL, "
                "OPENAI_API_KEY and OPENAI_MODEL)"
            )
        key = settings.openai.api_key.get_secret_value() if settings.openai.api_key else None
        client = ChatClient(settings.openai.base_url, settings.openai.model, api_key=key)
        return cls(client, retrieve=retrieve, top_k=top_k or settings.engine.top_k)

    def warm_up(self) -> None:
        """Open the HTTP client and exercise retrieval once (no billed call is made)."""
        self.client.warm_up()
        if self.retrieve is not None:
            self.retrieve("warm-up", 1)

    def answer(self, question: str, context: str | None) -> Prediction:
        with Stopwatch() as watch:
            passages, retrieved = passages_for(question, context, self.retrieve, self.top_k)
            if not passages:
                completion = None
            else:
                completion = self.client.complete(build_messages(question, passages))
        if completion is None:
            return Prediction(None, None, DECLINE_REPLY, watch.seconds, 0, None, retrieved)
        text = parse_reply(completion.content)
        return Prediction(
            text=text,
            confidence=None,
            reply=text if text is not None else DECLINE_REPLY,
            latency=watch.seconds,
            tokens=completion.total_tokens,
            candidate=text,
            retrieved=retrieved,
        )

    def close(self) -> None:
        self.client.close()
