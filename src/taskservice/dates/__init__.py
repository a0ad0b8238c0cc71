"""Dates that mean what people mean: IANA zones, RFC 5545 recurrence rules and their series.

``zones`` names the zones and turns a day or a wall-clock time of one into an instant;
``rules`` validates the text of an RRULE (RFC 5545 §3.3.10) with errors a person can act
on; ``series`` expands a rule from its start, in its zone's wall-clock, with dateutil, and
says where a recurring due goes when it is completed. A timed value is an aware datetime
in UTC, an all-day value a ``date``.

This is plumbing: it imports no other taskservice package (the tasks domain, the schemas
and CalDAV build on it), and it neither reads settings nor touches the database.
"""
