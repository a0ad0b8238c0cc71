"""Users: case-insensitively unique names, argon2id password hashes, an admin flag."""

from datetime import datetime

from sqlalchemy import Boolean, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from .meta import ID, Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


# Usernames are unique case-insensitively; the database enforces it, so two concurrent
# registrations of "Alice" and "alice" cannot both succeed. Usernames are ASCII, so
# SQLite's ASCII-only lower() agrees with PostgreSQL's.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


def username_matches(username: str):
    """The SQL condition that finds ``username`` whatever its case (uses the index above)."""
    return func.lower(User.username) == username.lower()
