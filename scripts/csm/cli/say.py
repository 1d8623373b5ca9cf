"""The lines a run writes on stderr: `error: ...`, `warning: ...` and `note: ...`, one per line of the message.

stdout carries the report and nothing else. A message may hold text from the input
or a config (an id, a key), so control characters are escaped on the way out; a
closed standard error (`2>&-`) swallows the line, and the exit status still says.
"""

import sys

from csm.render.common import escape_controls
from csm.values import printable


def error(message: object) -> None:
    """Write one `error: ...` line per line of message to stderr."""
    _say("error", message)


def warning(message: object) -> None:
    """Write one `warning: ...` line per line of message to stderr (the run goes on)."""
    _say("warning", message)


def note(message: object) -> None:
    """Write one `note: ...` line per line of message to stderr: how the input was read, where it could have
    been read otherwise (the sheet of a workbook, a CSV's delimiter)."""
    _say("note", message)


def _say(kind: str, message: object) -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        for line in str(message).splitlines() or [""]:
            stream.write(f"{kind}: {escape_controls(line)}\n")
    except (OSError, ValueError):
        pass


def record_where(label: str, customer_id: "str | None") -> str:
    """Name a record in a message: its location, and its id where it has one.

    >>> record_where("customers[3]", "ACC-4")
    'customers[3] (ACC-4)'
    """
    return f"{label} ({printable(customer_id)})" if customer_id else label
