"""Reading a portfolio: JSON object, JSON array, JSON Lines or CSV, from a file or stdin.

`open_portfolio(path)` detects the shape without a flag and returns a `Portfolio`
whose `records()` yields `(index, label, raw)` one customer at a time, in input
order. JSON Lines and CSV are read as they are iterated, so a tool that writes a
streaming format never holds the whole book; a JSON document's text is held once,
checked whole, and its records parsed one at a time as they are handed out
(csm.ingest.json_book).

`raw` is the customer as a dict, or an `Unreadable` when that one record could
not be parsed (a broken JSON line), so the caller rejects it and goes on.

An .xlsx workbook (by its suffix or its zip signature) is read by `csm.xlsx`, its
rows then as CSV rows. Given a `methodology` (or a `map`), the ingest layer
(`csm.ingest`) reads the file for it: header matching, the --map, unread-column
warnings (`warnings`), and after the records `closing_warnings()`.
"""

import codecs
import io
import json
import os
import sys
from typing import Any, BinaryIO, Dict, Iterable, Optional, Sequence, Union

from csm import values
from csm.ingest import columns as ingest, join, json_book, json_lines, json_map, xlsx
from csm.ingest.book import Portfolio
from csm.ingest.json_book import Repeats
from csm.ingest.rows import empty_sheet, open_csv, open_rows
from csm.errors import InputError

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SNIFF_BYTES = 65536


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
        portfolio = open_rows(iter(table.rows()), name, reading, "xlsx", lambda: empty_sheet(name, table))
        portfolio.sheet = table.title
        portfolio.notes.append(f"{name}: {table.note}")
        return portfolio
    if shape == "csv":
        return open_csv(stream, name, reading, head)
    if shape == "jsonl":
        repeats = Repeats(name)
        portfolio = Portfolio(name, "jsonl", False, json_lines.stream_records(stream, name, repeats))
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
        json_map.check_json_map(portfolio.rescan(), field_map, portfolio.name)
    carried = ingest.Carried(schema.metrics_of(sections), portfolio.name)
    records, reader = json_map.json_records(portfolio.records(), schema, field_map, portfolio.name, carried)
    portfolio._records = records
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
    try:
        found = json_book.layout(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            if "\n" not in text[:exc.pos].strip():  # a one-line object, then more: JSON Lines after all
                repeats = Repeats(name)
                portfolio = Portfolio(name, "jsonl", False, json_lines.text_records(text, name, repeats))
                portfolio._closing = [repeats]
                return portfolio
            raise InputError(f"{name} is not valid JSON: extra data after the JSON document at line {exc.lineno} "
                             f"column {exc.colno}") from None
        raise InputError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{name} is nested too deeply to be a portfolio") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InputError(f"{name} is not usable JSON: {json_lines.unusable(exc, text, True)}") from None
    return json_book.open_document(text, found, name)
