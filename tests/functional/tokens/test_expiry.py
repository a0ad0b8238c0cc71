"""A minted token expires when its ``expires_at`` says (a 401 after it, in either form);
one with ``expires_at: null`` never does. Time passes by moving the stored times back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import assert_unauthorized
from tests.support.token_api import age, basic, bearer, holder

FORMS = [pytest.param(bearer, id="bearer"), pytest.param(lambda t: basic("alice", t),
                                                         id="basic")]


@pytest.mark.parametrize("form", FORMS)
def test_an_expired_token_is_a_401(master, dbsession, form):
    phone = holder(master, scopes=["read"], expires_in=3600)
    master.testapp.get("/tasks", headers=form(phone.token), status=200)
    age(dbsession, phone.token, expires_at=timedelta(seconds=1))
    assert_unauthorized(master.testapp.get("/tasks", headers=form(phone.token), status="*"))


@pytest.mark.parametrize("form", FORMS)
def test_a_token_about_to_expire_still_works(master, dbsession, form):
    phone = holder(master, scopes=["read"], expires_in=60)
    age(dbsession, phone.token, expires_at=timedelta(seconds=-30))
    master.testapp.get("/tasks", headers=form(phone.token), status=200)


@pytest.mark.parametrize("form", FORMS)
def test_a_token_that_never_expires_works_years_later(master, dbsession, form):
    calendar = holder(master, name="calendar", scopes=["read"], expires_in=None)
    assert calendar.shown["expires_at"] is None
    age(dbsession, calendar.token, created_at=timedelta(days=800),
        last_used_at=timedelta(days=700))
    master.testapp.get("/tasks", headers=form(calendar.token), status=200)
