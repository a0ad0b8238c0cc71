"""An app that may deliver to a Receiver on 127.0.0.1 (for ``task.reminder`` events), and
the receiver, as in tests/functional/webhooks/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest

from tests.support.webhooks import RECEIVER_OVERRIDES, Receiver


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app(**RECEIVER_OVERRIDES)


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver
