"""The book as opened for reading: `Portfolio` (its records one at a time, how it was read, what it warns of)
and `Unreadable` (a record that could not be parsed, rejected by the caller as it goes on).
"""

from typing import Any, Dict, Iterable, List, Tuple

from csm.errors import InputError


class Unreadable:
    """A record that could not be parsed; `reason` says why."""

    def __init__(self, reason):
        self.reason = reason


class Portfolio:
    """A portfolio opened for reading.

    `shape` is "json", "jsonl", "csv" or "xlsx"; `from_text` is True when values
    arrive as text (CSV, XLSX) and must be parsed; `document` is the top-level JSON
    object when there is one (other tools read optional top-level sections from it).
    `notes` says how the file was read where a person would want to know (the sheet of
    a workbook, a CSV's delimiter, the list a JSON object's customers were under);
    `sheet` is the title of the sheet read. `warnings` lists what opening found
    questionable but could go on with (a CSV header naming a field twice, a column
    nothing reads); `closing_warnings()`, once the records are read, what only the
    whole file shows (a metric no record carries).
    `inferred_map()` is the map --print-map prints.
    """

    def __init__(self, name, shape, from_text, records, document=None, warnings=None):
        self.name = name
        self.shape = shape
        self.from_text = from_text
        self._records = records
        self.document = document or {}
        self.warnings = warnings if warnings is not None else []
        self._closing = []  # objects with warnings(), asked at the end
        self._inferred = None
        self.carried = None  # the metrics of the running tool some record carries (ingest.Carried), once read
        self.unread = []  # the columns (or top-level keys) no analysis reads: kept in the records as named
        self.notes = []  # what a user should know of how the file was read (the sheet, the delimiter): `note:` lines
        self.sheet = None  # the title of the workbook sheet read, for an .xlsx
        self.rescan = None  # a JSON document's records read afresh (a callable), for a check that needs them all first

    def records(self) -> Iterable[Tuple[int, str, Any]]:
        return self._records

    def closing_warnings(self) -> List[str]:
        lines = []
        for source in self._closing:
            lines.extend(source.warnings())
        return lines

    def uncarried(self) -> List[str]:
        """The metric paths of the running tool that no record carried (ask once the records are read)."""
        return [] if self.carried is None else list(self.carried.unseen)

    def inferred_map(self) -> Dict[str, Any]:
        """The map the ingest layer read this file with, ready to edit (--print-map)."""
        if self._inferred is None:
            raise InputError(f"{self.name}: no map is inferred without a methodology")
        return self._inferred()
