"""The venv keeps the real urllib3 beside the caldav client library's urllib3-future.

niquests (the caldav library's HTTP client) depends on urllib3-future, whose wheel
replaces urllib3's files in the whole venv from a ``.pth`` file run at every interpreter
start; requests (schemathesis, the webhook receivers of the tests) then runs on the fork
and fails deep inside. The Makefile builds it with ``URLLIB3_NO_OVERRIDE=1``: this is the
check that it did.
"""

from __future__ import annotations

import site
from pathlib import Path

import requests
import urllib3


def test_urllib3_is_urllib3_and_no_pth_file_replaces_it():
    assert "urllib3_future" not in urllib3.__file__
    # The mark urllib3-future's .pth leaves in urllib3's folder once it has copied itself.
    assert not (Path(urllib3.__file__).parent / ".u3f_sync").exists()
    replacing = [path for root in site.getsitepackages()
                 for path in Path(root).glob("urllib3_future*.pth")]
    assert replacing == []


def test_requests_still_builds_a_session_on_it():
    with requests.Session() as session:
        assert session.get_adapter("http://localhost/").poolmanager is not None
