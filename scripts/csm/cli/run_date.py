"""The date a run scores as of: --as-of, else the book's own date, else today.

A JSON book (an object) may carry the date it was exported at its top level:
`{"as_of": "2026-11-22", "customers": [...]}`. JSON Lines, CSV and workbooks have no
top level; their date is --as-of or today (references/input-schema.md). `decide`
returns the `RunDate`: the date, how it was set ("option", "book" or "today", the
report's `as_of_source`), and the `note:` line when --as-of overrides a book's own
different date. A book's `as_of` that is not a YYYY-MM-DD date from 1900 to 9000 is
an InputError naming it (exit 1), whether or not --as-of is given.
"""

import argparse
import datetime
from typing import List, NamedTuple, Optional

from csm.cli.options import AS_OF_EARLIEST, AS_OF_LATEST, as_of_date
from csm.errors import InputError
from csm.ingest.book import Portfolio
from csm.values import shown

BOOK_KEY = "as_of"


class RunDate(NamedTuple):
    """The run's as-of date, how it was set ("option", "book" or "today"), and the `note:` lines that say so."""

    day: datetime.date
    source: str
    notes: List[str]


def book_date(book: Portfolio) -> Optional[datetime.date]:
    """The date a JSON book says it was exported (its top-level "as_of"; null or absent: None).

    Raises InputError naming the book and the value when it is not a YYYY-MM-DD date.
    """
    given = book.document.get(BOOK_KEY) if isinstance(book.document, dict) else None
    if given is None:
        return None
    try:
        if isinstance(given, str):
            return as_of_date(given)
    except argparse.ArgumentTypeError:
        pass
    raise InputError(f'{book.name}: the book\'s "{BOOK_KEY}" must be a date written YYYY-MM-DD from {AS_OF_EARLIEST} '
                     f"to {AS_OF_LATEST}, got {shown(given)} (or leave it out and give --as-of)")


def decide(option: Optional[datetime.date], book: Portfolio, today: Optional[datetime.date] = None) -> RunDate:
    """The run's date: --as-of (`option`) when given, else the book's own, else `today` (default: the clock's).

    >>> decide(datetime.date(2026, 11, 22), Portfolio("book.json", "json", False, [])).source
    'option'
    """
    own = book_date(book)
    if option is not None:
        notes = []
        if own is not None and own != option:
            notes.append(f"--as-of {option.isoformat()} is used; {book.name} is dated {own.isoformat()} "
                         f'(its "{BOOK_KEY}")')
        return RunDate(option, "option", notes)
    if own is not None:
        return RunDate(own, "book", [])
    return RunDate(today or datetime.date.today(), "today", [])
