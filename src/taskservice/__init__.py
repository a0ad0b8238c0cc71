"""taskservice: a task-management REST service built the Pyramid way.

``main`` is the PasteDeploy app factory named by the ini files. It validates every
setting first (a bad value stops start-up with one line), then includes each package in
order: the tree and the shared plumbing, the database, then each domain; each package's
``includeme`` says what it adds.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router

from .settings import SettingsError, load_settings, with_default_database
from .traversal import root_factory

# Framework settings this service depends on for correctness; an ini may still override.
FRAMEWORK_DEFAULTS = {
    "tm.annotate_user": "false",  # would look the user up at the start of every transaction
    # A read or a 4xx/5xx response writes nothing: see db.session.commit_veto.
    "tm.commit_veto": "taskservice.db.session.commit_veto",
    "retry.attempts": "3",
    "handle_exceptions": "false",  # web.exception_views owns them, not Cornice
}


def make_config(global_config: dict[str, Any], **raw: Any) -> Configurator:
    """The configured, not yet committed Configurator (tests add views to it)."""
    raw = with_default_database(raw, global_config.get("here", "."))
    for key, value in FRAMEWORK_DEFAULTS.items():
        raw.setdefault(key, value)
    app_settings = load_settings(raw)
    config = Configurator(settings=raw, root_factory=root_factory)
    config.registry.app_settings = app_settings
    config.include("cornice")
    config.include(".events")
    config.include(".traversal")
    config.include(".web")
    config.include(".db")
    config.include(".metrics")
    config.include(".accounts")
    config.include(".tasks")
    config.include(".lists")
    config.include(".changes")
    config.include(".batch")
    config.include(".idempotency")
    config.include(".webhooks")
    config.include(".ops")
    config.include(".openapi")
    return config


def main(global_config: dict[str, Any], **settings: Any) -> Router:
    """Build the WSGI application; exits with a one-line message on a bad setting."""
    try:
        config = make_config(global_config, **settings)
    except SettingsError as error:
        raise SystemExit(f"taskservice: {error}") from None
    return config.make_wsgi_app()
