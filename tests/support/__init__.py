"""Code the test layers share, imported as ``tests.support.<module>``.

Plain helpers only: fixtures live in conftest.py files, so that pytest finds them by
folder. ``constants`` (paths, the test password, cheap hashing), ``api`` (WebTest
assertions and requests), ``database`` (Alembic against a given connection),
``listing`` (walking and ordering task pages), ``lists`` (lists made and shared
through the API), ``cli`` (an ini for taskservice-admin),
``servers`` (pserve and private PostgreSQL processes), ``load`` (races and users over
HTTP) and ``soak`` (mixed traffic; also a script).
"""
