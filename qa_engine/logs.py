"""Logging for the long-running commands: one format, nothing private at INFO or above.

The project's own log lines name the kind of request, answer ids, timings and error
codes, never message text, `response_url`s or tokens. Libraries are less careful:
slack_bolt logs the whole body of a request whose signature does not verify at INFO
(question text, `response_url` and all), and httpx logs every URL it calls at INFO
(a `response_url` is a credential: anyone holding it can post into the channel), and
slack_sdk's retry handlers log the full URL of every retried request at INFO.

`RedactingFilter` rewrites such records at INFO and above (DEBUG is left alone: it is
for a developer's machine). `protect_library_loggers()` attaches it to the library
loggers themselves, so it holds whatever handlers are configured (the bot's app
builder calls it); `configure_logging()` also attaches it to the root handlers, for
everything else, and quiets the libraries whose INFO lines are only URLs.
"""

from __future__ import annotations

import logging
import os
import re
import warnings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Loggers of the libraries the bot configures; the filter is attached to every one.
LIBRARY_PREFIXES = ("slack_bolt", "slack_sdk", "slack", "uvicorn", "httpx", "httpcore",
                    "websockets", "urllib3", "apscheduler", "starlette")
#: Loggers created lazily (Bolt builds its middleware on the first request): attached by name.
KNOWN_LOGGERS = ("slack_bolt.RequestVerification", "slack_bolt.App",
                 "slack_bolt.IgnoringSelfEvents", "slack_bolt.SslCheck",
                 "slack_bolt.UrlVerification", "slack_bolt.MiddlewareErrorHandler",
                 # slack_sdk's clients get their loggers when the first client is built
                 "slack_sdk.webhook.client", "slack_sdk.web.base_client")
#: Their INFO lines are request URLs only (alembic's: plugin set-up on every start; a
#: migration that runs is logged by qa_engine/records/migrate.py): nothing an operator needs.
QUIET_LIBRARIES = ("httpx", "httpcore", "urllib3", "websockets", "alembic")

WITHHELD = "[withheld]"

_RULES: list[tuple[re.Pattern[str], str]] = [
    # slack_bolt's RequestVerification: "... (signature: ..., timestamp: ..., body: ...)"
    (re.compile(r"\(signature: [^,]*, timestamp: ([^,]*), body: .*\)\s*$", re.S),
     r"(timestamp \1; signature and body " + WITHHELD + ")"),
    # slack_bolt: "... without providing a response for the request ({body})"
    (re.compile(r"for the request \(.*\)\s*$", re.S), "for the request " + WITHHELD),
    # "request body: {...}", "Request body: {...}" (Bolt's examples, copied into apps)
    (re.compile(r"([Rr]equest body:?\s*).*$", re.S), r"\1" + WITHHELD),
    # Slack tokens and secrets that look like them
    (re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"), "xox?-" + WITHHELD),
    # response_url values, in JSON, Python reprs and form bodies (also URL-encoded)
    (re.compile(r"(response_url['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"), r"\1" + WITHHELD),
    (re.compile(r"https?(?::|%3A)(?://|%2F%2F)hooks\.slack\.com[^\s'\"&,)}]*", re.I),
     "[response_url " + WITHHELD + "]"),
    # slack_sdk's retry lines ("A retry handler found: ... for POST <url> - ...", "Going to
    # retry the same request: POST <url>") name the full URL at INFO: a Web API method is
    # kept, any other path (a response_url on any host, a proxy, a test stand-in) withheld
    (re.compile(r"\b((?:GET|POST|PUT|PATCH|DELETE) https?://[^/\s]+)"
                r"(?!/api/[\w.]+(?:\s|$))/\S*"),
     r"\1/" + WITHHELD),
    # message text in form bodies and in dict reprs / JSON
    (re.compile(r"((?:^|[?&\s(])text=)[^&\s]*"), r"\1" + WITHHELD),
    (re.compile(r"((['\"])text\2\s*:\s*)(['\"]).*?(?<!\\)\3", re.S), r"\1'" + WITHHELD + "'"),
]


def redact(message: str) -> str:
    """`message` with request bodies, tokens, response_urls and message text withheld."""
    for pattern, replacement in _RULES:
        message = pattern.sub(replacement, message)
    return message


class RedactingFilter(logging.Filter):
    """Rewrites INFO-and-above records whose text carries anything private (see `redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's error path
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = RedactingFilter()


def _attach(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(_FILTER)


def protect_library_loggers() -> None:
    """Attach the filter to every library logger that exists now, and to KNOWN_LOGGERS."""
    for name in (*LIBRARY_PREFIXES, *KNOWN_LOGGERS):
        _attach(logging.getLogger(name))
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LIBRARY_PREFIXES:
            _attach(logger)
    for name in QUIET_LIBRARIES:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def protect_handlers(logger: logging.Logger | None = None) -> None:
    """Attach the filter to `logger`'s handlers (default: the root logger's)."""
    for handler in (logger or logging.getLogger()).handlers:
        _attach(handler)


def configure_logging(level: str) -> None:
    """The format, the level, and the redaction of private data, for one process."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    protect_handlers()
    protect_library_loggers()


def quiet_libraries() -> None:
    """Offline and quiet: no hub lookups, no load reports, no telemetry."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore")
    for name in ("transformers", "sentence_transformers", "chromadb", "peft", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers is a hard dependency
        pass
