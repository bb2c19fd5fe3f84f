"""The command line's one error path.

An expected error (bad config, substrate or argument, unusable store, a file
that cannot be read or written, a scheduler that cannot be reached) prints
``iitstudies: error: <file>: <key>: <what is wrong>`` and exits with 2; with
``--debug`` its traceback comes first. SIGTERM or SIGINT stop a command
cleanly (:mod:`flows.signals`) with one line and exit 128 + the signal number.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from flows.signals import Interrupted, stop_on_signals

PROG = "iitstudies"


class UsageError(ValueError):
    """A command-line argument that cannot be used."""


def expected_errors() -> tuple[type[BaseException], ...]:
    """The error types that describe bad input or an unusable environment, not a bug."""
    from flows.server import ServerError
    from iitcore import IITError
    from pipelines.config import ConfigError
    from pipelines.export import ExportError
    from pipelines.families import VerificationError
    from pipelines.store import StoreError

    return (UsageError, ConfigError, StoreError, ExportError, VerificationError, IITError, ServerError, OSError)


def describe(exc: BaseException) -> str:
    """The message of an expected error; file errors name the file."""
    if isinstance(exc, OSError) and exc.filename is not None:
        where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 is not None else str(exc.filename)
        return f"{where}: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__


def run_command(command: Callable[[], int], debug: bool = False, on_stop: str = "") -> int:
    """Run one command under the error path and signal handling; returns the exit code.

    ``on_stop`` is added to the line printed when a signal stops the command.
    """
    try:
        with stop_on_signals():
            return command()
    except Interrupted as exc:
        print(f"{PROG}: stopped by {exc.name}{on_stop}", file=sys.stderr)
        return exc.exit_code
    except expected_errors() as exc:
        if debug:
            traceback.print_exc()
        for line in describe(exc).splitlines():
            print(f"{PROG}: error: {line}", file=sys.stderr)
        return 2
