"""Django settings of the DRF peer (:mod:`benchmarks.peers.drf_app`): an API-only project.

No admin, no sessions, no CSRF or auth middleware, no templates, no browsable API: what a
DRF project that only serves JSON to token-holding clients keeps of ``startproject``'s
settings. Production-minded where Django's deployment checklist says so: DEBUG off,
persistent database connections (``CONN_MAX_AGE``), and the SQLite options Django's
documentation gives for concurrent writers (``transaction_mode``: an ``atomic()`` block
takes the write lock at ``BEGIN``; the pragmas the service's connections use).
"""

from __future__ import annotations

import os

DEBUG = False
SECRET_KEY = "benchmark-peer-not-a-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = ["rest_framework", "benchmarks.peers"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "benchmarks.peers.drf_app"
APPEND_SLASH = False  # the API's paths have no trailing slash

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["BENCH_SQLITE"],
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
            "init_command": "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        },
    }
}

REST_FRAMEWORK = {
    # The views name their authentication and permission classes (drf_app.TaskViews):
    # settings naming classes of the module that declares the views could not import them.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Nothing of django.contrib.auth is installed: no AnonymousUser either.
    "UNAUTHENTICATED_USER": None,
}
