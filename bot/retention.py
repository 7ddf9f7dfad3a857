"""The retention job of a serving bot: `DataGovernance.apply_retention` at start and
every `STYLESPRINT_RETENTION_CHECK_HOURS` (docs/operations.md, "Security and data").

On APScheduler (already the retrain schedule's library) with an in-memory job store:
the job is idempotent and cheap when nothing is due, so a missed run needs no record,
and every replica may run it (two runs drop the same text once).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from qa_engine.db import DatabaseNotAnswering
from qa_engine.governance import DataGovernance

logger = logging.getLogger(__name__)

JOB_ID = "retention"


def apply_retention(governance: DataGovernance) -> int:
    """One run; failures are logged (the next run tries again), never raised."""
    try:
        report = governance.apply_retention()
    except (DatabaseNotAnswering, OSError) as exc:
        logger.warning("retention not applied this time: %s", type(exc).__name__)
        return 0
    except Exception:  # noqa: BLE001 - a failed run must not stop the scheduler
        logger.exception("retention run failed")
        return 0
    if report.total:
        logger.info("retention: dropped the text of %d row(s) and file row(s)", report.total)
    return report.total


def start_retention(governance: DataGovernance, every_hours: float) -> Any | None:
    """A started BackgroundScheduler running `apply_retention` now and every
    `every_hours`; None without a retention period. `shutdown()` stops it."""
    if governance.retention is None:
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=timezone.utc,
                                    job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(apply_retention, "interval", hours=every_hours, id=JOB_ID,
                      name="retention", args=[governance],
                      next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    return scheduler
