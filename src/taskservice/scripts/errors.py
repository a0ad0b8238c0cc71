"""How a ``taskservice-admin`` command refuses: one line per problem, nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from plaster.exceptions import PlasterError


class CommandError(Exception):
    """Why a command was refused, one line per problem; nothing has been written.

    ``output`` is what the command still has to show on standard output (``settings``
    lists every setting even when some are bad).
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@contextmanager
def loading(ini: str) -> Iterator[None]:
    """Turns the ways an ini file fails to load into one-line refusals."""
    try:
        yield
    except SystemExit as error:  # the app factory's one-line message for a bad setting
        raise CommandError(str(error.code).removeprefix("taskservice: ")) from None
    except FileNotFoundError as error:
        raise CommandError(f"cannot read {ini}: {error.strerror}") from None
    except (LookupError, PlasterError) as error:
        raise CommandError(f"cannot load the application from {ini}: {error}") from None
