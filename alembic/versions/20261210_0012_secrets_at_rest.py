"""Webhook signing secrets encrypted at rest; what a kept response withheld.

- ``service_keys`` gets ``webhook_secrets``, made here as 0011 made its keys;
- every ``webhooks.secret`` and ``previous_secret`` is wrapped with it (AES Key Wrap,
  RFC 3394, in the ``v1.`` form of taskservice/webhooks/sealing.py, written out here so
  that this migration keeps doing what it did); the downgrade unwraps them and drops the
  key;
- ``idempotency_keys.withheld``: the secrets a kept response showed and the store did not
  keep, and where a replay reads each again (idempotency/withheld.py), added in place.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""
import base64
import secrets

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY_NAME = "webhook_secrets"
SECRET_PREFIX = "whsec_"
SEALED_PREFIX = "v1."
COLUMNS = ("secret", "previous_secret")

service_keys = sa.table("service_keys", sa.column("name", sa.String),
                        sa.column("secret", sa.LargeBinary))
webhooks = sa.table("webhooks", sa.column("id", sa.BigInteger),
                    *(sa.column(name, sa.String) for name in COLUMNS))


def _seal(key: bytes, secret: str) -> str:
    raw = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    return SEALED_PREFIX + base64.urlsafe_b64encode(aes_key_wrap(key, raw)).decode("ascii")


def _unseal(key: bytes, sealed: str) -> str:
    raw = aes_key_unwrap(key, base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX)))
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def _rewrite(change, wanted) -> None:
    """Apply ``change`` to each secret of every webhook for which ``wanted`` holds."""
    bind = op.get_bind()
    for row in bind.execute(sa.select(webhooks)).mappings().all():
        try:
            values = {name: change(row[name]) for name in COLUMNS
                      if row[name] is not None and wanted(row[name])}
        except (ValueError, InvalidUnwrap) as error:  # binascii.Error is a ValueError
            raise RuntimeError(f"webhook {row['id']}: a secret of it cannot be converted "
                               f"({error!r}); rotate it or delete the webhook") from None
        if values:
            bind.execute(webhooks.update().where(webhooks.c.id == row["id"]).values(values))


def upgrade() -> None:
    key = secrets.token_bytes(32)
    op.bulk_insert(service_keys, [{"name": KEY_NAME, "secret": key}])
    # Every secret the API made is whsec_ and the base64 of 32 bytes: wrapped, or else this
    # raises and the upgrade is rolled back.
    _rewrite(lambda secret: _seal(key, secret), lambda value: True)
    op.add_column("idempotency_keys", sa.Column("withheld", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite (since 3.35) drops a column in place, as 0008's downgrade does.
    op.drop_column("idempotency_keys", "withheld")
    key = op.get_bind().execute(
        sa.select(service_keys.c.secret).where(service_keys.c.name == KEY_NAME)).scalar_one()
    # A value not in the sealed form (written by hand since) is left as it is.
    _rewrite(lambda sealed: _unseal(key, sealed),
             lambda value: value.startswith(SEALED_PREFIX))
    op.execute(service_keys.delete().where(service_keys.c.name == KEY_NAME))
