"""Real CalDAV clients nobody on the team wrote (the caldav library, vdirsyncer, todoman)
against ``pserve``, each change checked through the JSON API (contract section 16)."""
