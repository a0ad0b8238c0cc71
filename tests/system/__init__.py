"""Real processes: pserve, a private PostgreSQL, the console script, a browser (marker
``system``)."""
