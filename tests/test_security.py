"""Unit tests of the security policy: reading the token, principals, ACL decisions."""

from types import SimpleNamespace

import pytest
from pyramid.authorization import Authenticated, Everyone
from pyramid.testing import DummyRequest

from taskservice.permissions import Permission, Principal
from taskservice.resources import UserResource
from taskservice.security import Identity, SecurityPolicy, bearer_token


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc  ", "abc"),
        ("Token abc", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        ("Bearer " + "x" * 513, None),
    ],
)
def test_bearer_token_reads_bearer_and_token_schemes_only(header, expected):
    request = DummyRequest(headers={"Authorization": header} if header else {})
    assert bearer_token(request) == expected


def _identity(username="alice", is_admin=False):
    return Identity.of(SimpleNamespace(id=1, username=username, is_admin=is_admin), token_id=7)


def test_principals_of_a_user_and_of_an_admin():
    assert _identity().principals == [Everyone, Authenticated, "user:alice"]
    assert _identity(is_admin=True).principals[-1] == Principal.ADMIN


def _policy_request(identity):
    request = DummyRequest()
    request.authenticated = identity
    return request


def _user_resource(username):
    return UserResource(DummyRequest(), SimpleNamespace(username=username), None, username)


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
