"""The database: engine, one session per request joined to the transaction, retries.

``includeme`` registers the engine and the session factory as utilities (by interface:
tests swap the factory for one bound to their rolled-back connection) and adds
``request.dbsession``. Models live with their domain; they share ``base.Base``.
"""

from __future__ import annotations

import threading

from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError

from .interfaces import IDatabaseEngine, ISessionFactory, ISQLiteWriteTurn
from .session import make_engine, make_session_factory, request_dbsession


def includeme(config: Configurator) -> None:
    """Set up the engine from the validated settings and add ``request.dbsession``."""
    settings = config.registry.app_settings
    if config.registry.settings.get("tm.manager_hook"):
        raise ConfigurationError("tm.manager_hook: sessions join the thread's transaction.manager")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = make_engine(settings.database_url)
    config.registry.registerUtility(engine, IDatabaseEngine)
    config.registry.registerUtility(make_session_factory(engine), ISessionFactory)
    config.registry.registerUtility(threading.Lock(), ISQLiteWriteTurn)
    config.add_request_method(request_dbsession, "dbsession", reify=True)
