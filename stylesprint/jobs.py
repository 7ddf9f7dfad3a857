"""What the composition root wires between the packages that may not import each other:
the scheduled retrain job (APScheduler stores it by reference, `training.schedule.JOB_FUNC`),
the retrain summary's poster (made from the bot's one Slack client), and the bot's view
of the retrain log (the App Home's last run, from `training.runs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.settings import ServingSettings

#: post(channel, text): how training's retrain summary reaches Slack
Poster = Callable[[str, str], None]


def retrain_poster(settings: ServingSettings) -> Poster | None:
    """The bot's Slack client (`bot.app.build_client`: its retry handlers, its base URL)
    as a poster; None when no bot token is set."""
    if settings.slack.bot_token is None:
        return None
    from bot.app import build_client

    client = build_client(settings)

    def post(channel: str, text: str) -> None:
        client.chat_postMessage(channel=channel, text=text)

    return post


def retrain_log(settings: ServingSettings) -> Callable[[], Any]:
    """The last finished retrain run (`training.runs.RetrainStore.last_finished`), for the
    bot's App Home; the store is opened on first use and kept."""
    from training.runs import RetrainStore

    store: list[RetrainStore] = []

    def last_finished() -> Any:
        if not store:
            store.append(RetrainStore(settings.resolved_database_url))
        return store[0].last_finished()

    return last_finished


def scheduled_retrain(settings_values: Mapping[str, Any],
                      train_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The scheduled job: one gated retrain with the stored settings (the environment
    supplies the secrets, never stored), its summary posted through the bot's client."""
    from training.retrain import run_retrain

    settings = ServingSettings(**dict(settings_values))
    return run_retrain(settings, trigger="schedule", train_config=train_config,
                       post=retrain_poster(settings)).to_json()
