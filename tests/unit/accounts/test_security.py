"""Unit tests of the security policy: reading the token, principals, ACL decisions."""

import base64
from types import SimpleNamespace

import pytest
from pyramid.authorization import Authenticated, Everyone
from pyramid.testing import DummyRequest

from taskservice.accounts import security
from taskservice.accounts.resources import UserResource
from taskservice.accounts.security import (
    Credentials,
    Identity,
    SecurityPolicy,
    presented_credentials,
)
from taskservice.permissions import Permission, Principal
from taskservice.web.identity import identity_cache, known_identity


def _basic(text):
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", Credentials("abc")),
        ("bearer   abc  ", Credentials("abc")),
        ("Token abc", Credentials("abc")),
        (_basic("alice:abc"), Credentials("abc", "alice")),
        (_basic("alice:a:b"), Credentials("a:b", "alice")),  # a token has no colon; "a:b" is none
        ("Basic abc", None),  # not base64 of anything with a colon
        (_basic("alice"), None),
        (_basic(":abc"), None),
        (_basic("alice:"), None),
        ("Basic " + base64.b64encode(b"\xff:abc").decode(), None),  # not UTF-8
        ("Basic !!!!", None),
        ("Basic " + "QQ==" * 300, None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Digest abc", None),
        ("", None),
        ("Bearer " + "x" * 513, None),
    ],
)
def test_credentials_are_a_bearer_token_or_an_app_password(header, expected):
    request = DummyRequest(headers={"Authorization": header} if header else {})
    assert presented_credentials(request) == expected


def _identity(username="alice", is_admin=False):
    return Identity(token_id=7, user_id=1, username=username, is_admin=is_admin)


def test_principals_of_a_user_and_of_an_admin():
    assert _identity().principals == [Everyone, Authenticated, "user:alice"]
    assert _identity(is_admin=True).principals[-1] == Principal.ADMIN


def _policy_request(identity):
    """A request whose identity was already looked up (the policy asks its cache first)."""
    request = DummyRequest()
    identity_cache.set(request, identity)
    return request


def _user_resource(username):
    return UserResource(DummyRequest(), username, None, username,
                        lambda: SimpleNamespace(username=username))


@pytest.mark.parametrize(
    ("caller", "permission", "allowed"),
    [
        ("alice", Permission.VIEW, True),
        ("alice", Permission.DELETE, True),
        ("bob", Permission.VIEW, False),
        (None, Permission.VIEW, False),
        ("admin", Permission.DELETE, True),
    ],
)
def test_permits_follows_the_user_resource_acl(caller, permission, allowed):
    identity = None if caller is None else _identity(caller, is_admin=caller == "admin")
    policy = SecurityPolicy()
    result = policy.permits(_policy_request(identity), _user_resource("alice"), permission)
    assert bool(result) is allowed


def test_identity_and_userid_come_from_the_request_cache():
    policy = SecurityPolicy()
    identity = _identity()
    request = _policy_request(identity)
    assert policy.identity(request) is identity
    assert policy.authenticated_userid(request) == 1
    assert policy.authenticated_userid(_policy_request(None)) is None


def test_the_identity_is_looked_up_once_per_request(monkeypatch):
    calls = []
    monkeypatch.setattr(security, "_authenticate", lambda request: calls.append(1) or _identity())
    policy, request = SecurityPolicy(), DummyRequest()
    assert known_identity(request) is None  # never computed just by asking
    for _ in range(3):
        assert policy.identity(request).username == "alice"
        assert policy.permits(request, _user_resource("alice"), Permission.VIEW)
    assert calls == [1] and known_identity(request).username == "alice"
