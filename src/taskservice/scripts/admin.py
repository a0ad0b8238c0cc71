"""``taskservice-admin``: manage accounts and tokens without touching SQL.

Like Pyramid's own ``pshell`` and ``pserve`` it takes the ini file first::

    taskservice-admin development.ini create-user NAME [--admin] [--password-stdin]
    taskservice-admin development.ini set-admin NAME
    taskservice-admin development.ini unset-admin NAME
    taskservice-admin development.ini revoke-tokens NAME
    taskservice-admin development.ini purge-tokens
    taskservice-admin development.ini purge-changes
    taskservice-admin development.ini purge-idempotency-keys
    taskservice-admin development.ini check       # before pserve: settings, database, schema
    taskservice-admin development.ini settings    # effective values and their sources

The application is bootstrapped from the ini, so the settings are validated exactly as
at start-up (``DATABASE_URL`` and ``TASKSERVICE_*`` included) and passwords are hashed
with the configured cost. Each command runs in one transaction: it is committed whole, or
on any error aborted whole, so a failed command never leaves anything half-written.
``check`` and ``settings`` read the ini without building the application (scripts/checks.py),
so they answer when it would not start. Exit status: 0 done, 1 refused (one line on stderr
per problem), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import colander
from pyramid.paster import bootstrap
from pyramid.request import Request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..accounts.events import user_changed
from ..accounts.models import Token, User, username_matches
from ..accounts.representation import user_json
from ..accounts.schemas import registration_body
from ..changes.models import Change
from ..db.base import utcnow
from ..db.interfaces import IDatabaseEngine
from ..db.transient import failure_reason
from ..events import ChangeLogPurging, hand_over_changes
from ..idempotency.store import purge_expired
from ..webhooks import runner
from .checks import check, show_settings
from .errors import CommandError, loading

PROG = "taskservice-admin"
# Who the domain events of a command say made the change.
ACTOR = "taskservice-admin"
# How much older than the retention a change-log row must be before purge-changes deletes it.
PURGE_MARGIN = timedelta(hours=1)

Command = Callable[[Request, argparse.Namespace], str]
# A command that reads the ini alone, without building the application.
IniCommand = Callable[[str], str]


# --- input ----------------------------------------------------------------------------------


def validated(field: str, value: str) -> str:
    """``value`` checked by the registration schema's own node, so the CLI and the API
    accept exactly the same usernames and passwords."""
    try:
        checked: str = registration_body()[field].deserialize(value)
    except colander.Invalid as invalid:
        raise CommandError(f"invalid {field}: {invalid.asdict()[field]}") from None
    return checked


def read_password(from_stdin: bool) -> str:
    """One line of standard input (for scripts), or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("no password on standard input")
        return line.removesuffix("\n").removesuffix("\r")
    try:
        password = getpass.getpass("Password: ")
        repeated = getpass.getpass("Password (again): ")
    except EOFError:
        raise CommandError("no password given") from None
    if password != repeated:
        raise CommandError("the passwords do not match")
    return password


# --- the database -----------------------------------------------------------------------------


@contextmanager
def bootstrapped(ini: str) -> Iterator[Request]:
    """A request of the application the ini describes; the database is released after."""
    with loading(ini):
        env = bootstrap(ini)
    runner.stop(env["registry"])  # development.ini's delivery thread: commands never deliver
    try:
        yield env["request"]
    finally:
        env["registry"].getUtility(IDatabaseEngine).dispose()
        env["closer"]()


def find_user(request: Request, username: str) -> User:
    """The user called ``username`` in any case, or a refusal naming it."""
    user: User | None = request.dbsession.execute(
        select(User).where(username_matches(username))
    ).scalar_one_or_none()
    if user is None:
        raise CommandError(f"no user named {username!r}")
    return user


# --- the commands ---------------------------------------------------------------------------


def create_user(request: Request, args: argparse.Namespace) -> str:
    """Name and password are read, checked and hashed before the transaction opens: no
    database transaction stays open while a person types at the prompt, nor through argon2."""
    username = validated("username", args.username)
    password_hash = request.passwords.hash(validated("password",
                                                     read_password(args.password_stdin)))
    with request.tm:
        session = request.dbsession
        if session.execute(select(User.id).where(username_matches(username))).first():
            raise CommandError(f"the username {username!r} is already taken")
        user = User(username=username, password_hash=password_hash, is_admin=args.admin)
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # registered through the API since the check above
            raise CommandError(f"the username {username!r} is already taken") from None
        user_changed(request, user, "created", actor=ACTOR)
        hand_over_changes()
    return f"created {'admin' if args.admin else 'user'} {username}"


def set_admin_flag(request: Request, args: argparse.Namespace, is_admin: bool) -> str:
    """Takes effect at the user's next request: the flag is read with every token."""
    with request.tm:
        user = find_user(request, args.username)
        if user.is_admin != is_admin:
            before = user_json(user)
            user.is_admin = is_admin
            # Their sync tokens are now a 410: what they may view changed wholesale.
            user.role_changed_at = utcnow()
            user_changed(request, user, "updated", before, actor=ACTOR)
            hand_over_changes()
        username = user.username
    return f"{username} is {'now' if is_admin else 'no longer'} an admin"


def revoke_tokens(request: Request, args: argparse.Namespace) -> str:
    """Logs the user out everywhere, e.g. after a leaked token or password."""
    with request.tm:
        user = find_user(request, args.username)
        username = user.username
        count = request.dbsession.execute(delete(Token).where(Token.user_id == user.id)).rowcount
    return f"revoked {count} token(s) of {username}"


def purge_tokens(request: Request, args: argparse.Namespace) -> str:
    """Expired tokens already fail to authenticate; this only reclaims their rows."""
    with request.tm:
        expired = delete(Token).where(Token.expires_at <= utcnow())
        count = request.dbsession.execute(expired).rowcount
    return f"purged {count} expired token(s)"


def purge_changes(request: Request, args: argparse.Namespace) -> str:
    """Deletes the change log's rows older than ``taskservice.changes.retention``.

    A sync token that old is a 410 already. The rows of the last PURGE_MARGIN before the
    cutoff stay too: a row is timed when its transaction writes it, and the token that
    starts after it may be issued up to a transaction's length before it commits (see
    changes/tokens.py). A task's history rows stay as long as the task (they go with it):
    only the feed's own rows -- tombstones, moves -- are purged.
    """
    retention = request.registry.app_settings.changes_retention
    cutoff = utcnow() - timedelta(seconds=retention) - PURGE_MARGIN
    old = delete(Change).where(Change.at < cutoff, Change.task_id.is_(None))
    with request.tm:
        count = request.dbsession.execute(old).rowcount
        request.registry.notify(ChangeLogPurging(request.dbsession, cutoff))
    return f"purged {count} change(s) older than {retention} seconds"


def purge_idempotency_keys(request: Request, args: argparse.Namespace) -> str:
    """Expired keys are already treated as absent (and replaced); this reclaims their rows."""
    with request.tm:
        count = purge_expired(request.dbsession)
    return f"purged {count} expired idempotency key(s)"


# --- the command line -----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Manage taskservice users, tokens and the change log; check a deployment.",
        allow_abbrev=False,
        epilog=f"example: {PROG} development.ini create-user alice --admin",
    )
    parser.add_argument("ini", help="the application's ini file, e.g. development.ini")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(
        name: str, handler: Command, summary: str, username: bool = True
    ) -> argparse.ArgumentParser:
        # No abbreviations: "--password" must not silently mean "--password-stdin".
        sub = commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
        if username:
            sub.add_argument("username", metavar="NAME", help="the username (any case)")
        sub.set_defaults(handler=handler)
        return sub

    create = command("create-user", create_user, "create a user (prompts for the password)")
    create.add_argument("--admin", action="store_true", help="make the new user an admin")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    command("set-admin", partial(set_admin_flag, is_admin=True), "make a user an admin")
    command("unset-admin", partial(set_admin_flag, is_admin=False), "make an admin a plain user")
    command("revoke-tokens", revoke_tokens, "delete all of a user's tokens")
    command("purge-tokens", purge_tokens, "delete every expired token", username=False)
    command("purge-changes", purge_changes,
            "delete the change log's entries older than taskservice.changes.retention",
            username=False)
    command("purge-idempotency-keys", purge_idempotency_keys,
            "delete the Idempotency-Key responses older than taskservice.idempotency.ttl",
            username=False)
    for name, ini_handler, summary in (
        ("check", check, "exit 0 when every setting is valid, the database answers and its "
                         "schema is at the latest migration; else one line per problem"),
        ("settings", show_settings,
         "each setting's effective value and source (default, ini or env), secrets masked"),
    ):
        commands.add_parser(name, help=summary, description=summary, allow_abbrev=False
                            ).set_defaults(ini_handler=ini_handler)
    return parser


def run(args: argparse.Namespace) -> str:
    """The command's report; :class:`CommandError` when it was refused."""
    ini_handler: IniCommand | None = getattr(args, "ini_handler", None)
    if ini_handler is not None:
        return ini_handler(args.ini)
    with bootstrapped(args.ini) as request:
        try:
            handler: Command = args.handler
            return handler(request, args)
        except SQLAlchemyError as error:  # e.g. an unmigrated or unreachable database
            raise CommandError(f"database error: {failure_reason(error)}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: the exit status is returned (the script wrapper exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # --help (0) or a usage error (2), already printed
        return 0 if exit.code is None else int(exit.code)
    try:
        print(run(args))
    except CommandError as error:
        if error.output:
            print(error.output)
        for line in str(error).splitlines():
            print(f"{PROG}: error: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
