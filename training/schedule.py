"""The weekly retrain on APScheduler 3.x, with its job in the project database.

`build_scheduler(settings)` returns an unstarted scheduler with:

- a persistent `SQLAlchemyJobStore` on `settings.resolved_database_url` (table
  `apscheduler_jobs`), so the next run time survives restarts and a run missed
  while the process was down still starts when it comes back, within the misfire
  grace time (`STYLESPRINT_RETRAIN_MISFIRE_GRACE_S`); older misses are recorded in
  the run log as "missed";
- one job, `stylesprint.jobs:scheduled_retrain` (`JOB_FUNC`: the composition root's
  entry point, which rebuilds the settings and wires the bot's Slack client for the
  summary; training itself reads no environment), on a cron trigger from settings
  (default Sunday 03:00 in `STYLESPRINT_RETRAIN_TIMEZONE`), with `coalesce=True`
  (several missed runs make one) and `max_instances=1`.

The job is stored by reference with the non-secret settings as keyword arguments
(tokens are read from the environment when it runs, never pickled into the
database). A second scheduler process on the same database cannot retrain at the
same time: `run_retrain` takes the lock in `retrain_lock` first (`training.runs`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qa_engine.settings import Settings

logger = logging.getLogger(__name__)

JOB_ID = "stylesprint-weekly-retrain"
JOB_FUNC = "stylesprint.jobs:scheduled_retrain"  # a reference, not an import
JOBS_TABLE = "apscheduler_jobs"


def weekly_trigger(settings: Settings) -> Any:
    """The cron trigger from settings: STYLESPRINT_RETRAIN_CRON, else day/hour/minute."""
    from apscheduler.triggers.cron import CronTrigger

    tz = ZoneInfo(settings.retrain.timezone)
    if settings.retrain.cron:
        return CronTrigger.from_crontab(settings.retrain.cron, timezone=tz)
    return CronTrigger(day_of_week=settings.retrain.day, hour=settings.retrain.hour,
                       minute=settings.retrain.minute, timezone=tz)


def job_settings(settings: Settings) -> dict[str, Any]:
    """The settings a stored job runs with: everything non-default, secrets left out."""
    return settings.dump_without_secrets(exclude_defaults=True)


def build_scheduler(settings: Settings, *, blocking: bool = False, trigger: Any = None,
                    train_config: Mapping[str, Any] | None = None) -> Any:
    """An unstarted Blocking/BackgroundScheduler holding the weekly retrain job.

    `trigger` replaces the weekly cron trigger (tests use a date a second away);
    `train_config` is passed to the job (tests use a tiny one).
    """
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from qa_engine.db import make_engine
    from training.runs import RetrainStore

    url = settings.resolved_database_url
    store = RetrainStore(url)
    store.warm_up()  # the run log exists before the first job can record into it
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(url), tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": settings.retrain.misfire_grace_s},
        timezone=ZoneInfo(settings.retrain.timezone),
    )
    scheduler.add_job(
        JOB_FUNC, trigger=trigger or weekly_trigger(settings), id=JOB_ID,
        name="weekly gated retrain", replace_existing=True,
        kwargs={"settings_values": job_settings(settings),
                "train_config": dict(train_config) if train_config else None},
    )

    def on_event(event: Any) -> None:
        if event.job_id != JOB_ID:
            return
        if event.code == EVENT_JOB_MISSED:
            due = event.scheduled_run_time
            reason = (f"missed the run due {due.isoformat()}: the scheduler was not running "
                      f"within the grace time ({settings.retrain.misfire_grace_s} s)")
            logger.warning("%s", reason)
            store.record_event("schedule", "missed", reason)
        elif event.code == EVENT_JOB_ERROR:  # run_retrain records its own failures
            logger.error("scheduled retrain raised: %s", event.exception)
        else:
            logger.info("scheduled retrain finished: %s",
                        (event.retval or {}).get("status", "?"))

    scheduler.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_EXECUTED)
    return scheduler


def next_run_time(scheduler: Any) -> datetime | None:
    job = scheduler.get_job(JOB_ID)
    return getattr(job, "next_run_time", None) if job else None


def start_background_scheduler(settings: Settings, **kwargs: Any) -> Any:
    """Start the weekly retrain inside this process (`serve --with-scheduler`); returns the
    running BackgroundScheduler — call `.shutdown()` on exit."""
    scheduler = build_scheduler(settings, blocking=False, **kwargs)
    scheduler.start()
    logger.info("retrain scheduler started; next run %s", next_run_time(scheduler))
    return scheduler
