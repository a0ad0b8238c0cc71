"""Accounts: users (case-insensitively unique names, argon2id password hashes, an admin
flag) and their API tokens (stored only as their SHA-256, so a database leak reveals no
usable token), each with the scopes and lists it is limited to (contract section 15)."""

import json
import re
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db.base import ID, Base, UTCDateTime, utcnow
from ..vocabulary import (
    SCOPES,
    TOKEN_NAME_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    USERNAME_PATTERN,
    ZONE_MAX_LENGTH,
)

USERNAME = re.compile(USERNAME_PATTERN)  # used with fullmatch: no trailing newline


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # When ``is_admin`` last changed (None: never since the account was made). A sync
    # token issued before it is a 410: what the caller may view changed wholesale.
    role_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The zone of the user's days: their new tasks' default, and what a date means in a
    # due_before/due_after filter (contract section 12).
    time_zone: Mapped[str] = mapped_column(
        String(ZONE_MAX_LENGTH), nullable=False, default="UTC", server_default="UTC")


# Usernames are unique case-insensitively; the database enforces it, so two concurrent
# registrations of "Alice" and "alice" cannot both succeed. Usernames are ASCII, so
# SQLite's ASCII-only lower() agrees with PostgreSQL's.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


def username_matches(username: str) -> ColumnElement[bool]:
    """The SQL condition that finds ``username`` whatever its case (uses the index above)."""
    return func.lower(User.username) == username.lower()


def find_user(session: Session, username: str) -> User | None:
    """The user called ``username`` in any case; None too for a name that cannot exist."""
    if not USERNAME.fullmatch(username):
        return None
    return session.execute(select(User).where(username_matches(username))).scalar_one_or_none()


ALL_SCOPES_JSON = "'" + json.dumps(list(SCOPES)) + "'"


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # A token has 256 random bits, so a fast hash is enough: no salt, no slow KDF, and
    # one indexed equality lookup authenticates a request.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # None: never expires (an app password, when taskservice.tokens.allow_non_expiring).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # None for a login's token; a named one counts towards taskservice.tokens.max_per_user.
    name: Mapped[str | None] = mapped_column(String(TOKEN_NAME_MAX_LENGTH), nullable=True)
    # The scopes it holds, in vocabulary.SCOPES order; every one for an unrestricted token.
    scopes: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, default=lambda: list(SCOPES), server_default=text(ALL_SCOPES_JSON))
    # The ids of the lists it is limited to, ascending; None: whatever its user may reach.
    lists: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # Rewritten at most once a minute (accounts.usage), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
