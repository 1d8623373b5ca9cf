"""Reading a portfolio: JSON object, JSON array, JSON Lines or CSV, from a file or stdin.

`open_portfolio(path)` detects the shape without a flag and returns a `Portfolio`
whose `records()` yields `(index, label, raw)` one customer at a time, in input
order. JSON Lines and CSV are read as they are iterated, so a tool that writes a
streaming format never holds the whole book; a JSON document is parsed whole
(the format needs it) and each record is released once it has been handed out.

`raw` is the customer as a dict, or an `Unreadable` when that one record could
not be parsed (a broken JSON line), so the caller rejects it and goes on.

An .xlsx workbook (by its suffix or its zip signature) is read by `csm.xlsx`, its
rows then as CSV rows. Given a `methodology` (or a `map`), the ingest layer
(`csm.ingest`) reads the file for it: header matching, the --map, unread-column
warnings (`warnings`), and after the records `closing_warnings()`.
"""

import codecs
import csv
import io
import itertools
import json
import os
import re
import sys
from typing import Any, BinaryIO, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from csm import values
from csm.ingest import columns as ingest, join, xlsx
from csm.errors import InputError
from csm.json_keys import Marker, unmarked
from csm.limits import (CSV_COLUMNS as MAX_COLUMNS, CSV_FIELD_CHARS, CSV_HEADER_CHARS as MAX_HEADER_CHARS,
                        CSV_LINE_CHARS, KEYS_PER_RECORD)

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SNIFF_BYTES = 65536
INFERRED_ROWS = 100  # rows --print-map looks at to propose a date format
REPEATS_LISTED = 20  # records named in a warning for a key given twice with the same value; the rest counted


class Unreadable:
    """A record that could not be parsed; `reason` says why."""

    def __init__(self, reason):
        self.reason = reason


class Portfolio:
    """A portfolio opened for reading.

    `shape` is "json", "jsonl", "csv" or "xlsx"; `from_text` is True when values
    arrive as text (CSV, XLSX) and must be parsed; `document` is the top-level JSON
    object when there is one (other tools read optional top-level sections from it).
    `notes` says how the file was read where it could have been read otherwise (the
    sheet of a workbook, a CSV's delimiter); `sheet` is the title of the sheet read.
    `warnings` lists what opening found questionable but could go on with (a CSV
    header naming a field twice, a column nothing reads), `notes` how it was read where
    a person would want to know (the list a JSON object's customers were under);
    `closing_warnings()`, once
    the records are read, what only the whole file shows (a metric no record carries).
    `inferred_map()` is the map --print-map prints.
    """

    def __init__(self, name, shape, from_text, records, document=None, warnings=None):
        self.name = name
        self.shape = shape
        self.from_text = from_text
        self._records = records
        self.document = document or {}
        self.warnings = warnings if warnings is not None else []
        self.notes = []  # how the file was read, where a person would want to know (`note:` lines)
        self._closing = []  # objects with warnings(), asked at the end
        self._inferred = None
        self.carried = None  # the metrics of the running tool some record carries (ingest.Carried), once read
        self.unread = []  # the columns (or top-level keys) no analysis reads: kept in the records as named
        self.notes = []  # what a user should know of how the file was read (the sheet, the delimiter): `note:` lines
        self.sheet = None  # the title of the workbook sheet read, for an .xlsx

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


def open_portfolio(path: str, stdin: Optional[BinaryIO] = None,
                   map: Union[str, ingest.FieldMap, None] = None,  # noqa: A002
                   sheet: Optional[str] = None, methodology: Optional[Dict[str, Any]] = None,
                   sections: Optional[Iterable[str]] = None, data: Optional[bytes] = None,
                   joins: Sequence[join.JoinSource] = ()) -> Portfolio:
    """Open `path` ("-" for standard input) and return a Portfolio; raise InputError if unreadable.

    `map`: a --map file path or an `ingest.FieldMap`; `sheet`: the sheet of an .xlsx
    workbook (default the active one); `methodology`: the effective methodology, whose read
    paths the header is matched to (a map needs one);
    `sections`: the analyses whose metrics the closing warnings cover (None: all).
    Without a methodology and a map the file is read as written (schema names only).

    A stream (standard input, a pipe, `/dev/stdin`, `<(...)`) is read as a stream:
    its first bytes are looked at without seeking back. `data`: the bytes of `path`,
    already read (a capped small file, see smallfile), read from memory under its name.
    `joins`: the --join sources (csm.ingest.join.JoinSource), each read whole, with its
    own map, and joined onto the book's records as they stream (needs a methodology).
    """
    reading = None
    if methodology is not None:
        schema = ingest.Schema(methodology)
        field_map = map if isinstance(map, ingest.FieldMap) or map is None else ingest.load_map(map, schema)
        reading = (schema, field_map, () if joins else sections)
    portfolio = _open(path, stdin, sheet, reading, data)
    if joins:
        _join(portfolio, joins, schema, sections, methodology, stdin)
    return portfolio


def _join(book, joins, schema, sections, methodology, stdin):
    """Index each --join source and let the book's records carry what they hold (csm.ingest.join)."""
    indexes = []
    for source in joins:
        if source.path == book.name or (source.path == "-" and book.name == "standard input"):
            raise InputError(f"--join {source.path}: the book itself cannot be joined onto the book")
        opened = open_portfolio(source.path, stdin=stdin, map=source.map, sheet=source.sheet,
                                methodology=methodology, sections=())
        index = join.SourceIndex(opened)
        book.warnings.extend(opened.warnings + opened.closing_warnings())
        book.notes.extend(opened.notes)
        indexes.append(index)
    joined = join.Join(book.name, indexes)
    carried = ingest.Carried(schema.metrics_of(sections), book.name)
    book._records = carried.track(joined.records(book.records()))
    book._closing = [closing for closing in book._closing if not isinstance(closing, ingest.Carried)]
    book._closing += [joined, carried]
    book.carried = carried
    book.from_text = book.from_text or any(index.from_text for index in indexes)


def _open(path, stdin, sheet, reading, data):
    if data is not None:
        stream = io.BytesIO(data)
        name = "standard input" if path == "-" else path
        suffix = "" if path == "-" else os.path.splitext(path)[1].lower()
    elif path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        name = "standard input"
        suffix = ""
    else:
        name = path
        if os.path.isdir(path):
            raise InputError(f"{path} is a folder, not a portfolio file")
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        suffix = os.path.splitext(path)[1].lower()
    try:
        stream, head = _sniff(stream)
    except OSError as exc:
        stream.close()
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    shape = _shape(suffix, head, name)
    if sheet is not None and shape != "xlsx":
        stream.close()
        raise InputError(f"--sheet {sheet!r}: {name} is not an .xlsx workbook (only a workbook has sheets)")
    if shape == "xlsx":
        try:
            table = xlsx.read_sheet(stream, name, sheet)
        except InputError:
            stream.close()
            raise
        portfolio = _open_rows(iter(table.rows()), name, reading, "xlsx", lambda: _empty_sheet(name, table))
        portfolio.sheet = table.title
        portfolio.notes.append(f"{name}: {table.note}")
        return portfolio
    if shape == "csv":
        return _open_csv(stream, name, reading, head)
    if shape == "jsonl":
        repeats = _Repeats(name)
        portfolio = Portfolio(name, "jsonl", False, _json_lines_records(stream, name, repeats))
        portfolio._closing = [repeats]
    else:
        portfolio = _json_document(stream, name)
    if reading is not None:
        _read_json_through(portfolio, reading)
    return portfolio


def _read_json_through(portfolio, reading):
    """Put a JSON portfolio's records through the ingest layer (the map, key matching, closing warnings)."""
    schema, field_map, sections = reading
    if field_map is not None and portfolio.shape == "json":
        ingest.check_json_map(portfolio.parsed, field_map, portfolio.name)
    records, reader = ingest.json_records(portfolio.records(), schema, field_map, portfolio.name)
    carried = ingest.Carried(schema.metrics_of(sections), portfolio.name)
    portfolio._records = carried.track(records)
    portfolio._closing.extend([reader, carried])
    portfolio.carried = carried
    portfolio.unread = reader.unread  # grows as records are read

    def inferred():
        fields = {}
        for count, (_, _, raw) in enumerate(portfolio.records()):
            if count == 100:
                break
            if isinstance(raw, dict):
                for path in _dotted_paths(raw):
                    if schema.is_read(path):
                        fields.setdefault(path, ingest.Field(path, path, how="schema"))
        mapped = list(field_map.fields) if field_map is not None else []
        renamed = list(reader.renames.values())
        return ingest.inferred_map(mapped + renamed + list(fields.values()), reader.unread,
                                   field_map.keep if field_map is not None else ())
    portfolio._inferred = inferred


def _dotted_paths(record, prefix=""):
    for key, value in record.items():
        if not isinstance(key, str):
            continue
        path = prefix + key
        if type(value) is dict and value and len(path) < 200:
            yield from _dotted_paths(value, path + ".")
        else:
            yield path


def _sniff(stream):
    """Return (stream, its first SNIFF_BYTES bytes or fewer at its end), the stream still at its start.

    A seekable file is read and sought back; a pipe or terminal is read until its
    first line and the start of the next are there (or SNIFF_BYTES, or its end), so a
    live stream is not held up, and handed on as a stream that yields them first.
    """
    try:
        seekable = stream.seekable()
    except (OSError, ValueError):
        seekable = False
    if seekable:
        start = stream.tell()
        head = stream.read(SNIFF_BYTES)
        stream.seek(start)
        return stream, head
    head = b""
    read = getattr(stream, "read1", stream.read)
    while len(head) < SNIFF_BYTES:
        part = read(SNIFF_BYTES - len(head))
        if not part:
            break
        head += part
        newline = head.find(b"\n")
        if newline >= 0 and head[newline + 1:].strip():  # a whole first line and more: enough to tell the shape
            break
    return io.BufferedReader(_Replayed(head, stream)), head


class _Replayed(io.RawIOBase):
    """A raw stream that yields `head` first, then the rest of `stream` (read once, never sought)."""

    def __init__(self, head, stream):
        self._head = memoryview(head)
        self._stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        read = getattr(self._stream, "readinto1", None) or self._stream.readinto
        return read(buffer)

    def close(self):
        if not self.closed and self._stream is not getattr(sys.stdin, "buffer", None):
            self._stream.close()
        super().close()


def _shape(suffix, head, name):
    """Decide json / jsonl / csv / xlsx from the file suffix, else from its first bytes."""
    if suffix in XLSX_SUFFIXES or xlsx.is_workbook(head):
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSON_LINES_SUFFIXES:
        return "jsonl"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        return "json"  # empty: the JSON reader says so clearly
    if text[0] == "[":
        return "json"
    if text[0] == "{":
        first_line, newline, rest = text.partition("\n")
        if newline and rest.strip():
            try:
                if isinstance(json.loads(first_line), dict):
                    return "jsonl"
            except ValueError:
                pass
        return "json"
    if suffix == ".json":
        return "json"
    first_line = text.partition("\n")[0]
    if "," in first_line or ";" in first_line or "\t" in first_line or "customer_id" in first_line:
        return "csv"
    raise InputError(
        f"{name} is neither JSON (an object with a customers list, or an array), "
        "JSON Lines nor CSV with a header row"
    )


def _decode_all(stream, name):
    try:
        data = stream.read()
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    finally:
        if stream is not getattr(sys.stdin, "buffer", None):
            stream.close()
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save or export it as UTF-8"
        ) from None


def _json_document(stream, name):
    text = _decode_all(stream, name)
    if not text or text.isspace():  # no stripped copy of what may be a very large document
        raise InputError(f"{name} is empty")
    marker = Marker()
    try:
        document = json.loads(text, object_pairs_hook=marker)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            if "\n" not in text[:exc.pos].strip():  # a one-line object, then more: JSON Lines after all
                repeats = _Repeats(name)
                portfolio = Portfolio(name, "jsonl", False, _json_lines_from_text(text, name, repeats))
                portfolio._closing = [repeats]
                return portfolio
            raise InputError(f"{name} is not valid JSON: extra data after the JSON document at line {exc.lineno} "
                             f"column {exc.colno}") from None
        raise InputError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{name} is nested too deeply to be a portfolio") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InputError(f"{name} is not usable JSON: {_unusable(exc, text, True)}") from None
    del text
    top = None
    notes = []
    key = "customers"  # where the records stand in a document that is an object
    if isinstance(document, list):
        records = document
    elif isinstance(document, dict):
        top = document
        if "customers" in document:
            records = document["customers"]
            if not isinstance(records, list):
                raise InputError(f"{name}: customers must be a list of customer objects")
        elif "customer_id" in document:
            records = [document]
            top = None
        else:
            key = _the_one_list(document, name)
            records = document[key]
    else:
        raise InputError(f"{name} holds a single JSON value, not a portfolio of customers")
    if not records:
        raise InputError(f"{name} has no customers")
    label = "" if top is None else key if key.isidentifier() else json.dumps(key)
    if key != "customers":
        notes.append(f"{name}: the customers are the list under {label} (the one list of objects at the top level)")
    repeats = _Repeats(name)
    if marker.marked:  # a key given twice somewhere: each record is looked at (and the rest of the document)
        if top is not None:
            repeated = top.repeats if hasattr(top, "repeats") else []
            top, outside = unmarked({given: value for given, value in top.items() if given != key})
            outside = repeated + outside
            if outside:
                raise InputError(f"{name}: {outside[0].words()} (outside the {label} list); give each key once")
            top[key] = records
        records[:] = [repeats.checked(raw, f"{label}[{index}]") for index, raw in enumerate(records)]
    portfolio = Portfolio(name, "json", False, _release_as_read(records, label), document=top)
    portfolio.notes = notes
    portfolio.parsed = records  # the ingest layer checks a map against every record before any is read
    portfolio._closing = [repeats]
    return portfolio


def _the_one_list(document, name):
    """The key of the one top-level list of objects of a JSON object (an export's `accounts`, `data` ...).

    No such list, or more than one, is an InputError that names what the document holds.
    """
    lists = [key for key, value in document.items()
             if type(value) is list and value and all(type(item) is dict for item in value)]
    if len(lists) == 1:
        return lists[0]
    if lists:
        shown_keys = ", ".join(json.dumps(values.printable(key, 40)) for key in lists[:6])
        raise InputError(f"{name} holds {len(lists)} lists of objects at the top level ({shown_keys}); "
                         'put the customers under "customers" (or in a file of their own)')
    raise InputError(
        f'{name} has no customers list (expected {{"customers": [...]}}, a JSON object holding one list of '
        "customer objects, a JSON array of customers, JSON Lines or CSV)"
    )


class _Repeats:
    """The records of a JSON portfolio that give a key twice: rejected (different values) or warned (the same)."""

    def __init__(self, name):
        self.name = name
        self.warned = []  # the first REPEATS_LISTED warning lines
        self.count = 0

    def checked(self, raw, label):
        """The record with its marks dropped, or an Unreadable naming the key given twice with different values."""
        try:
            plain, repeats = unmarked(raw)
        except RecursionError:
            return Unreadable("nested too deeply")
        conflicts = [repeat for repeat in repeats if not repeat.agrees]
        if conflicts:
            return Unreadable("; ".join(repeat.words() for repeat in conflicts) + ": say which is meant and give "
                              "each key once")
        for repeat in repeats:
            self.count += 1
            if len(self.warned) < REPEATS_LISTED:
                self.warned.append(f"{self.name} {label}: {repeat.words()}; it is read once")
        return plain

    def warnings(self):
        lines = list(self.warned)
        if self.count > len(self.warned):
            lines.append(f"{self.name}: {self.count - len(self.warned):,} more keys given twice with the same "
                         f"value (the first {REPEATS_LISTED} are listed above)")
        return lines


def _release_as_read(records, label):
    """Yield the records of a parsed document, dropping each from the list once handed out."""
    for index in range(len(records)):
        raw = records[index]
        records[index] = None
        yield index, f"{label}[{index}]", _bounded(raw)


def _bounded(raw):
    """The record, or an Unreadable when it holds more than KEYS_PER_RECORD keys (its own and its sections')."""
    if type(raw) is not dict or len(raw) > KEYS_PER_RECORD:
        return raw if type(raw) is not dict else _too_many_keys(len(raw))
    count = len(raw)
    for value in raw.values():
        if type(value) is dict:
            count += len(value)
    return raw if count <= KEYS_PER_RECORD else _too_many_keys(count)


def _too_many_keys(count):
    return Unreadable(f"the record holds {count:,} keys (its sections' counted), more than the {KEYS_PER_RECORD:,} "
                      "a customer record may have")


def _json_lines_records(stream, name, repeats):
    yield from _json_lines(_decoded_lines(stream, name), name, repeats)


def _decoded_lines(stream, name):
    """Yield the lines of a binary stream as text, naming the line of a byte that is not UTF-8."""
    number = 0
    for data in stream:
        number += 1
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is not UTF-8 text (line {number}: byte 0x{data[exc.start]:02x} at byte "
                             f"{exc.start + 1} of the line); save or export it as UTF-8") from None
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield line


def _json_lines_from_text(text, name, repeats):
    yield from _json_lines(io.StringIO(text), name, repeats)


def _json_lines(lines, name, repeats):
    index = 0
    line_number = 0
    marker = Marker()
    for line in lines:
        line_number += 1
        if not line.strip():
            continue
        marked = marker.marked
        try:
            raw = json.loads(line, object_pairs_hook=marker)
            if marker.marked != marked:
                raw = repeats.checked(raw, f"line {line_number}")
        except json.JSONDecodeError as exc:
            raw = Unreadable(f"not valid JSON: {exc.msg} at column {exc.colno}")
        except RecursionError:
            raw = Unreadable("nested too deeply")
        except ValueError as exc:
            raw = Unreadable(f"not usable JSON: {_unusable(exc, line, False)}")
        yield index, f"line {line_number}", _bounded(raw)
        index += 1
    if index == 0:
        raise InputError(f"{name} has no customers")


def _unusable(exc, text, with_line):
    """Say why json could not take `text` (a ValueError that is not a syntax error), and where.

    The one such error of the standard library's JSON reader is an integer with
    more digits than Python converts (4,300 by default); it is named by its place.
    """
    try:
        limit = sys.get_int_max_str_digits()
    except AttributeError:  # a Python without the limit
        limit = 0
    found = re.search(r"\d{%d,}" % (limit + 1), text) if limit else None
    if found is None:
        return str(exc).split(";")[0]
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    where = f"line {line} column {column}" if with_line else f"column {column}"
    return (f"a number at {where} has {len(found.group()):,} digits, more than the {limit:,} a number "
            "may have here")


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def delimiter_of(first_line):
    """The delimiter of a CSV header line: the one of comma, semicolon and tab it holds most of outside quotes.

    >>> delimiter_of("customer_id,arr"), delimiter_of('Account ID;ARR;"Notes, long"'), delimiter_of("id\\tarr")
    (',', ';', '\\t')
    """
    bare = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: bare.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _open_csv(stream, name, reading=None, head=b""):
    """Read and check the header row; return the Portfolio whose records are the rows, read as iterated.

    The delimiter is the header's (comma, or semicolon or tab as Excel writes in much
    of Europe: said in a note). A cell is at most CSV_FIELD_CHARS characters and a
    line CSV_LINE_CHARS, so no one cell or line takes the machine.
    """
    csv.field_size_limit(CSV_FIELD_CHARS)
    first_line = head.decode("utf-8", errors="replace").lstrip("\ufeff").partition("\n")[0]
    delimiter = delimiter_of(first_line)
    held = []  # the physical lines of the row being read (see _csv_rows)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(_held_lines(text, held, name), delimiter=delimiter)
    portfolio = _open_rows(_csv_rows(reader, name, held), name, reading, "csv")
    if delimiter != ",":
        portfolio.notes.append(f"{name}: read as CSV with {DELIMITERS[delimiter]}-separated cells (as its header "
                               "row is written)")
    return portfolio


def _held_lines(lines, held, name):
    """Yield the lines of a text stream, keeping those of the current row in `held`; refuse a line past the cap."""
    number = 0
    while True:
        line = lines.readline(CSV_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > CSV_LINE_CHARS:
            raise InputError(f"{name}: line {number:,} is longer than {CSV_LINE_CHARS:,} characters, the most a "
                             "line of a portfolio may be (is a quote left open, or is this not a CSV export?)")
        held.append(line)
        yield line


def _csv_rows(reader, name, held):
    """Yield (row number, cells) of a CSV file, or (row number, Unreadable) for a row a quote never closes.

    A quote that is opened and never closed swallows every later line into one cell
    (the csv module reads to the end of the file): a row of more than one line is
    read again strictly, and if the file ends inside its quote, it is reported. A
    last row without a line end and with fewer cells than the header is a file cut
    off while it was written: reported too, never read with its cut value.
    """
    index = 0
    line = 0
    width = None
    try:
        for row in reader:
            first_line = line + 1
            line += len(held)
            damage = _quote_damage(held) if len(held) > 1 else None
            if damage is not None:
                index += 1
                if damage == "unclosed":
                    yield index, Unreadable(
                        f"a quote opens in this row (line {first_line}) and is never closed: the {len(held) - 1} "
                        "lines after it were read into one cell; close the quote (a quote inside a cell is "
                        "written twice) and export again")
                    del held[:]
                    return
                yield index, Unreadable(
                    f"a quoted cell of this row opens at line {first_line} and runs to line {line}: a quote is "
                    "not closed where it should be (a quote inside a cell is written twice)")
                del held[:]
                continue
            cut = held and not held[-1].endswith(("\n", "\r")) and width is not None and len(row) < width
            del held[:]
            index += 1
            if not "".join(row).strip():  # no cell holds anything
                continue
            if width is None:
                width = len(row)
            if cut:
                yield index, Unreadable(
                    f"the file ends inside this row (line {line}, no line end, {len(row)} of the header's {width} "
                    "cells): it was cut off while it was written; export it again")
                return
            yield index, row
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(f"{name}: a cell of row {index + 1:,} is longer than {CSV_FIELD_CHARS:,} characters, "
                             "the most a cell may hold (is a quote left open?)") from None
        raise _unreadable_csv(exc, name, index + 1) from None
    except UnicodeDecodeError as exc:
        raise _unreadable_csv(exc, name, index + 1) from None


def _quote_damage(lines):
    """How the lines of one multi-line row break strict CSV: "unclosed" (the file ends in a quote), "stray", or None."""
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error as exc:
        return "unclosed" if "unexpected end of data" in str(exc) else "stray"
    return None


def _empty_sheet(name, table):
    """The message for a workbook whose sheet read holds nothing: the sheets that do, and --sheet."""
    others = table.others_with_data()
    if not others:
        return f"{name}: sheet {table.title!r} is empty, and so is every other sheet of the workbook"
    return (f"{name}: sheet {table.title!r} is empty; the sheets holding data: "
            f"{', '.join(repr(title) for title in others)} (read one with --sheet NAME)")


def _open_rows(rows, name, reading, shape, empty=None):
    """Read the header from (row number, cells) rows and return the Portfolio of the rest.

    `empty`: a function returning the message for rows that hold nothing (default: NAME is empty)."""
    try:
        first = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _unreadable_csv(exc, name, 1) from None
    header = first[1] if first is not None else None
    if isinstance(header, Unreadable):
        raise InputError(f"{name}: the header row: {header.reason}")
    if header is None or not any(cell.strip() for cell in header):
        raise InputError(empty() if empty is not None else f"{name} is empty")
    if len(header) > MAX_COLUMNS or sum(map(len, header)) > MAX_HEADER_CHARS:
        raise InputError(f"{name}: the header row has {len(header):,} columns and "
                         f"{sum(map(len, header)):,} characters; at most {MAX_COLUMNS:,} columns and "
                         f"{MAX_HEADER_CHARS >> 10} KB are read (is the first row the header?)")
    warnings = []
    finish = None
    if reading is not None:
        schema, field_map, sections = reading
        plan = ingest.plan_columns(header, schema, field_map, name)
        paths = plan.paths
        if plan.needs_record_step():
            finish = plan.finish_row
    else:
        paths = [tuple(part.strip() for part in cell.strip().split(".")) for cell in header]
    if ("customer_id",) not in paths:
        raise InputError(_no_id_column(name, header, paths, reading is not None))
    compiled = _unflatten_plan(_checked_header(paths, name, warnings))
    if reading is not None:
        warnings.extend(plan.warnings)
    records = _row_records(rows, compiled, name, finish)
    portfolio = Portfolio(name, shape, True, records, warnings=warnings)
    if reading is not None:
        carried = ingest.Carried(schema.metrics_of(sections), name)
        portfolio._records = carried.track(records)
        portfolio._closing = [carried]
        portfolio.carried = carried
        portfolio._inferred = lambda: ingest.with_date_formats(
            ingest.inferred_map(plan.fields, plan.unread, [kept for _, kept in plan.keep], plan.guesses),
            itertools.islice(portfolio.records(), INFERRED_ROWS))
        portfolio.unread = plan.unread
        portfolio.notes.extend(plan.read_as)
    return portfolio


def _row_records(rows, plan, name, finish):
    """Yield (index, label, record) for each (row number, cells) of a CSV file or a sheet."""
    index = 0
    for number, row in rows:
        if isinstance(row, Unreadable):
            yield index, f"row {number}", row
            index += 1
            continue
        record = _unflatten_planned(plan, row)
        if finish is not None:
            record = finish(record, row)
        yield index, f"row {number}", record
        index += 1
    if index == 0:
        raise InputError(f"{name} has no customers")


def _unreadable_csv(exc, name, row):
    """The InputError for a CSV file that cannot be decoded or parsed near `row`."""
    if isinstance(exc, UnicodeDecodeError):
        return InputError(f"{name} is not UTF-8 text (offset {exc.start}); save or export it as UTF-8")
    return InputError(f"{name}: unreadable CSV near row {row}: {exc}")


def _no_id_column(name, header, paths, matched=False):
    """The message for a CSV header without a customer_id column, with the likely culprit when there is one."""
    if matched:
        shown_header = ",".join(header)[:80]
        return (f"{name}: the header row has no customer_id column (nor Account ID, Record ID or Id; "
                f"first row read: {json.dumps(shown_header)}); name the id column in a --map: "
                '{"fields": {"customer_id": "<its header>"}}')
    near = [".".join(path) for path in paths if len(path) == 1 and path[0].lower().replace(" ", "_") == "customer_id"]
    if near:
        return (f"{name}: the CSV header row has no customer_id column; it has {json.dumps(near[0])}: "
                "column names are the schema's, in lower case (customer_id, usage.login_frequency ...)")
    shown_header = ",".join(header)[:80]
    return (f"{name}: the CSV header row has no customer_id column "
            f"(first row read: {json.dumps(shown_header)}); the first row must name the columns")


def _checked_header(paths, name, warnings):
    """Return the header's paths with the columns that cannot be kept blanked; add a warning for each.

    A field named by two columns keeps both: in each row the later column's cell is
    used when it holds something. A column named like a section (usage) next to
    columns inside it (usage.login_frequency) is set aside: the dotted columns hold
    its fields.
    """
    first = {}
    for column, path in enumerate(paths):
        if not path[0]:
            continue
        if path in first:
            warnings.append(f"{name}: the CSV header names {'.'.join(path)} in columns {first[path] + 1} and "
                            f"{column + 1}; in each row the later one is used where it holds something")
        else:
            first[path] = column
    parents = {path[:end] for path in first for end in range(1, len(path))}
    kept = []
    for column, path in enumerate(paths):
        if path in parents:
            warnings.append(f"{name}: CSV column {column + 1} ({'.'.join(path)}) is not read: the columns "
                            f"{'.'.join(path)}.* hold its fields")
            path = ("",)  # a blank name: _unflatten_plan leaves the column out
        kept.append(path)
    return kept


def _unflatten(paths, row):
    """Turn one CSV row with dotted headers into nested dicts; empty cells are left out.

    >>> _unflatten([("customer_id",), ("usage", "login_frequency")], ["A-1", "72"])
    {'customer_id': 'A-1', 'usage': {'login_frequency': '72'}}
    """
    return _unflatten_planned(_unflatten_plan(paths), row)


def _unflatten_plan(paths):
    """Return the header compiled for _unflatten_planned: (column, parent keys, key) for each named column."""
    return [(column, path[:-1], path[-1]) for column, path in enumerate(paths) if path[0]]


def _unflatten_planned(plan, row):
    """_unflatten with the header compiled once per file (a CRM export may have hundreds of columns)."""
    record = {}
    width = len(row)
    for column, parents, key in plan:
        if column >= width:
            break
        cell = row[column]
        if not cell or cell.isspace():
            continue
        target = record
        for part in parents:
            child = target.get(part)
            if not isinstance(child, dict):
                child = target[part] = {}
            target = child
        target[key] = cell
    return record
