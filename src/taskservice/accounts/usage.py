"""When each token was last used (contract section 15's ``last_used_at``).

Rewritten at most once a minute per token, not on every request: the identity's lookup
already reads the token's ``last_used_at``, and only a request that finds it a minute old
(or never set) writes it again -- after the response is ready, in a short transaction of
its own, so that a read stays a read and a failed request still counts as a use. The
``UPDATE`` repeats the minute's condition, so two workers that both found it old write it
once. Read-only mode writes nothing (the database may be a replica), and a batch's
sub-requests leave it to the batch itself, whose token they carry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from pyramid.request import Request
from sqlalchemy import BindParameter, bindparam, or_, update
from sqlalchemy.exc import SQLAlchemyError

from ..db.base import utcnow
from ..db.session import own_transaction
from ..vocabulary import TOKEN_USE_RESOLUTION
from ..web.endpoints import is_subrequest
from .models import Token

log = logging.getLogger(__name__)

RESOLUTION = timedelta(seconds=TOKEN_USE_RESOLUTION)
NOW: BindParameter[datetime] = bindparam("now")
STALE_BEFORE: BindParameter[datetime] = bindparam("stale_before")
RECORD_USE = (
    update(Token)
    .where(Token.id == bindparam("token_id"),
           or_(Token.last_used_at.is_(None), Token.last_used_at < STALE_BEFORE))
    .values(last_used_at=NOW)
)


def note_use(request: Request, token_id: int, last_used_at: datetime | None) -> None:
    """Have the token's use recorded once this request is done, if it is due."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < RESOLUTION:
        return
    if request.registry.app_settings.readonly or is_subrequest(request):
        return
    request.add_finished_callback(partial(_record_use, token_id, now))


def _record_use(token_id: int, now: datetime, request: Request) -> None:
    """The write itself; a failure is logged, never the request's (it has been answered)."""
    params = {"token_id": token_id, "now": now, "stale_before": now - RESOLUTION}
    try:
        with own_transaction(request) as session:
            session.execute(RECORD_USE, params)
    except SQLAlchemyError as error:
        log.warning("request %s could not record the use of token %s: %s",
                    request.request_id, token_id, error)
