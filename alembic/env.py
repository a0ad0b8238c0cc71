"""Alembic environment: the database URL comes from the same ini (and DATABASE_URL)."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

import taskservice.accounts.models
import taskservice.caldav.models
import taskservice.changes.models
import taskservice.db.service_keys
import taskservice.idempotency.models
import taskservice.lists.models
import taskservice.tasks.models
import taskservice.webhooks.models  # noqa: F401  (with the lines above: every table Base knows)
from taskservice.db.base import Base
from taskservice.db.session import make_engine
from taskservice.settings import DATABASE_URL_KEY, effective_raw_settings

config = context.config
if config.config_file_name and config.get_main_option("script_location"):
    setup_logging(config.config_file_name)


def database_url() -> str:
    """``-x url=...`` first, then $DATABASE_URL, then the ini's sqlalchemy.url."""
    override = context.get_x_argument(as_dictionary=True).get("url")
    if override:
        return override
    settings = get_appsettings(config.config_file_name, name="main")
    return effective_raw_settings(settings)[DATABASE_URL_KEY]


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:  # handed over by a caller (the test suite)
        _migrate(connectable)
        return
    engine = make_engine(database_url())
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations()
