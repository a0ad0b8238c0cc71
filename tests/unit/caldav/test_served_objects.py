"""The served objects' cache: bounded, least recently served first out."""

from __future__ import annotations

from taskservice.caldav.objects import ServedObjects


def test_the_least_recently_served_object_goes_first():
    served = ServedObjects(2)
    served.put((1, 1), "one")
    served.put((2, 1), "two")
    assert served.get((1, 1)) == "one"  # now the most recent
    served.put((3, 1), "three")
    assert served.get((2, 1)) is None
    assert served.get((1, 1)) == "one"
    assert served.get((3, 1)) == "three"


def test_another_version_is_another_object():
    served = ServedObjects(4)
    served.put((1, 1), "first")
    assert served.get((1, 2)) is None
