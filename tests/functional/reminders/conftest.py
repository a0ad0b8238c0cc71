"""An app that may deliver to a Receiver on 127.0.0.1 (for ``task.reminder`` events), and
the receiver: the fixtures of tests/functional/webhooks/, which this folder shares."""

from tests.functional.webhooks.conftest import app, receiver, testapp

__all__ = ["app", "receiver", "testapp"]
