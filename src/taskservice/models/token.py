"""API tokens, stored only as their SHA-256 so a database leak reveals no usable token."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import ID, Base, UTCDateTime, utcnow
from .user import User


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
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
