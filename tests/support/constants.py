"""Values every layer agrees on: where the repository is, the password, cheap hashing."""

from __future__ import annotations

from pathlib import Path

# The repository: production.ini, development.ini, alembic/, README.md, docs/ and .venv/
# live here.
ROOT = Path(__file__).resolve().parents[2]

# Every test user's password (long enough for the registration rules).
PASSWORD = "correct horse battery"

# Cheap argon2 parameters keep the suite fast; production uses the defaults. These are
# ini settings for an app built in-process, with the login throttle off.
TEST_SETTINGS = {
    "taskservice.argon2.time_cost": "1",
    "taskservice.argon2.memory_cost": "8",
    "taskservice.argon2.parallelism": "1",
    "taskservice.login_ratelimit": "",
    # Deliveries are driven by the tests themselves (tests/support/webhooks.py): no thread
    # of the app may use the test's one connection behind their back.
    "taskservice.webhooks.delivery": "worker",
}

# The same cheap argon2 as environment variables, for a server process started from an
# unchanged ini (its login throttle stays on, as in production).
FAST_HASHING = {
    "TASKSERVICE_ARGON2_TIME_COST": "1",
    "TASKSERVICE_ARGON2_MEMORY_COST": "8",
    "TASKSERVICE_ARGON2_PARALLELISM": "1",
}
