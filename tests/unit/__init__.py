"""One module at a time: no WSGI app, no process started (marker ``unit``)."""
