"""How a book of rows writes its numbers (1,234.5 or 1.234,5), where no map states it: shown by a column's values.

A --map states the format per column (`fields.X.number_format`) or for the whole
source (a top-level `number_format`); csm.ingest.columns reads those. Without one, a
numeric column is read by the format its own values show, looked at in the first
csm.limits.NUMBER_FORMAT_ROWS rows before any is scored (a stream is read once, so
the rows are read ahead and handed on):

- values only a decimal comma fits (`1.234,5`, `12,5`, `1.250.000`) and none only a
  decimal point fits: the column is read as 1.234,5 (`420.000` is 420000, `1,234`
  is 1.234);
- values only a decimal point fits (`1,234.5`, `420.50`) beside a figure only a
  format can place (`420.000` in an ARR column, refused otherwise): read as 1,234.5
  (`420.000` is 420.0);
- otherwise (both shown, or neither) the column is read as written, and a figure it
  cannot place is refused naming the record and the field, as without this module.

Each column read by what it shows gets one `note:` line naming the column, the
format and the value that showed it; a later value written the other way is refused
naming both (csm.values.NumberText).
"""

import itertools
import json
from typing import Iterable, Iterator, List, Tuple

from csm import values
from csm.ingest.book import Unreadable
from csm.limits import NUMBER_FORMAT_ROWS


def read_ahead(rows: Iterator[Tuple[int, list]], plan: "object", name: str) -> Tuple[Iterable[Tuple[int, list]],
                                                                                      List[str]]:
    """(the rows, the first NUMBER_FORMAT_ROWS read ahead and given first; the `note:` lines): each numeric
    column of `plan` (csm.ingest.columns.Plan.numbers) whose values show one format is read in it."""
    if not plan.numbers:
        return rows, []
    ahead = []
    failure = None
    try:
        ahead.extend(itertools.islice(rows, NUMBER_FORMAT_ROWS))
    except Exception as exc:  # noqa: BLE001 - a damaged file: raised again where the rows reach it
        failure = exc
    notes = []
    for column, field in plan.numbers:
        shown = _formats_shown(ahead, column)
        if len(shown) != 1:
            continue
        (number_format, (row_number, cell)), = shown.items()
        if number_format == "1,234.5" and not _any_grouped(ahead, column):
            continue  # the reader's own way: nothing is read otherwise
        plan.number_format_of(field, number_format)
        notes.append(f"{name}: column {json.dumps(values.printable(field.column, 60))} writes its numbers as "
                     f"{number_format} (row {row_number}: {values.shown(cell)}), and is read so; a --map "
                     f'"number_format" can say otherwise')
    return _replayed(ahead, failure, rows), notes


def _formats_shown(ahead, column):
    """number format -> (row number, cell) of the first value only that format fits, in one column."""
    shown = {}
    for row_number, row in ahead:
        if isinstance(row, Unreadable) or column >= len(row):
            continue
        number_format = values.number_convention(row[column])
        if number_format is not None and number_format not in shown:
            shown[number_format] = (row_number, row[column])
    return shown


def _any_grouped(ahead, column):
    """True when a cell of the column is a figure only a stated format places (420.000 as money)."""
    return any(not isinstance(row, Unreadable) and column < len(row) and values.grouped_by_points(row[column])
               for _, row in ahead)


def _replayed(ahead, failure, rows):
    yield from ahead
    if failure is not None:
        raise failure
    yield from rows
