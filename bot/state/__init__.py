"""The bot's own state in the project database: the tables only the bot reads and writes.

- `keys.py`: idempotency keys (`processed_events`), claimed once across restarts;
- `questions.py`: the durable question queue with its Slack posting stages
  (`question_jobs`);
- `teamwork.py`: hand-offs to team leads (written here, on the shared `handoffs`
  table that knowledge gaps read) and model rollbacks (`rollbacks`);
- `reports.py`: the App Home's figures, read from the shared records;
- `erasure.py`: retention, `forget` and the purge over the bot's tables
  (`BOT_TABLES`, given to `DataGovernance`).

The models sit on the shared records' metadata (`qa_engine.records.schema.Base`); the one
Alembic history (`qa_engine/records/migrate.py`) creates them, without importing them.
"""

from bot.state.keys import IdempotencyKeys
from bot.state.questions import Job, QuestionStore
from bot.state.teamwork import Handoff, Teamwork

__all__ = ["Handoff", "IdempotencyKeys", "Job", "QuestionStore", "Teamwork"]
