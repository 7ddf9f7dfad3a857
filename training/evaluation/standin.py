"""A deterministic OpenAI-compatible stand-in server for the in-context system.

No chat model can be reached from the development machines, yet the in-context
backend must be exercised over real HTTP: this is a real server (stdlib
`ThreadingHTTPServer`, port 0 by default) that implements `POST /v1/chat/completions`.
It reads the context and question out of the last user message, answers with the
context sentence that shares the most content words with the question, says
`NOT_FOUND` when the overlap is low, and reports `usage` token counts (whitespace
words). It can also fail its first N requests (429/503) to exercise retries and
insist on an API key.

Run it by hand for a CLI check:
    python -m training.evaluation.standin --port 8011
    OPENAI_BASE_URL=http://127.0.0.1:8011/v1 stylesprint eval --gold ... --systems in-context
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa_engine.sentences import split_sentences

_WORD = re.compile(r"[a-z0-9]+")
_PASSAGE_HEADER = re.compile(r"^\[\d+\][^\n]*$", re.MULTILINE)
STOPWORDS = frozenset(
    "a an the is are was were be been do does did of to in on for and or with at by from "
    "it its this that these those what which who whom how when where why can could i you "
    "we they he she my your our their me us them have has had will would should not no "
    "any there here about as if so than then into out up".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def split_prompt(message: str) -> tuple[str, str]:
    """(context, question) from a `Context: ... Question: ... Answer:` user message."""
    context, _, rest = message.partition("\n\nQuestion:")
    context = context.removeprefix("Context:").strip()
    question = rest.split("\nAnswer:")[0].strip()
    return context, question


def answer_for(context: str, question: str, min_overlap: float = 0.5) -> str:
    """The context sentence sharing most content words with the question, or NOT_FOUND.

    `min_overlap` is the share of the question's content words the sentence must
    contain; ties go to the earlier sentence, so the answer is deterministic.
    """
    asked = content_words(question)
    body = _PASSAGE_HEADER.sub("", context)
    best, best_overlap = "", 0
    for sentence in split_sentences(body):
        sentence = sentence.strip()
        overlap = len(asked & content_words(sentence))
        if sentence and overlap > best_overlap:
            best, best_overlap = sentence, overlap
    if not asked or best_overlap / len(asked) < min_overlap:
        return "NOT_FOUND"
    return best.rstrip(".!?").strip()


class StandInServer:
    """The server, started in a daemon thread; use as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        fail_first: int = 0,
        fail_status: int = 503,
        min_overlap: float = 0.5,
    ) -> None:
        self.api_key = api_key
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.min_overlap = min_overlap
        self.requests = 0  # chat-completion requests received, failed ones included
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> StandInServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_request_fails(self) -> bool:
        with self._lock:
            self.requests += 1
            return self.requests <= self.fail_first

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output quiet

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if server.api_key and (
                    self.headers.get("Authorization") != f"Bearer {server.api_key}"
                ):
                    self._send(401, {"error": {"message": "invalid api key"}})
                    return
                if server._next_request_fails():
                    self._send(server.fail_status, {"error": {"message": "try again"}},
                               {"Retry-After": "0"})
                    return
                try:
                    request = json.loads(raw)
                    messages = request["messages"]
                    last_user = [m["content"] for m in messages if m["role"] == "user"][-1]
                except (ValueError, KeyError, IndexError, TypeError):
                    self._send(400, {"error": {"message": "bad request body"}})
                    return
                context, question = split_prompt(last_user)
                content = answer_for(context, question, server.min_overlap)
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
                completion_tokens = len(content.split())
                self._send(200, {
                    "id": f"standin-{server.requests}",
                    "object": "chat.completion",
                    "model": request.get("model", "standin"),
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                })

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args()
    server = StandInServer(args.host, args.port, api_key=args.api_key)
    print(f"stand-in chat endpoint at {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()


if __name__ == "__main__":
    main()
