"""A book of rows: a CSV file's or a workbook sheet's rows read as records.

The delimiter (comma, semicolon or tab) read from the header line, a row cut off at
the end of the file or a quote left open rejected by name, cells and lines capped
(csm.limits), the header checked (an id column, a field named twice), the numbers
read as each column writes them (csm.ingest.numbers), and the dotted headers
(`usage.login_frequency`) unflattened into sections.
"""

import csv
import io
import itertools
import json
import re
from typing import Any, BinaryIO, Callable, Iterable, List, Optional, Tuple

from csm.errors import InputError
from csm.ingest import columns as ingest, numbers, xlsx
from csm.ingest.book import Portfolio, Unreadable
from csm.limits import (CSV_COLUMNS as MAX_COLUMNS, CSV_FIELD_CHARS, CSV_HEADER_CHARS as MAX_HEADER_CHARS,
                        CSV_LINE_CHARS)

INFERRED_ROWS = 100  # rows --print-map looks at to propose a date format

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


def open_csv(stream: BinaryIO, name: str, reading: Optional[Any] = None, head: bytes = b"") -> Portfolio:
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
    portfolio = open_rows(_csv_rows(reader, name, held), name, reading, "csv")
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


def empty_sheet(name: str, table: "xlsx.Sheet") -> str:
    """The message for a workbook whose sheet read holds nothing: the sheets that do, and --sheet."""
    others = table.others_with_data()
    if not others:
        return f"{name}: sheet {table.title!r} is empty, and so is every other sheet of the workbook"
    return (f"{name}: sheet {table.title!r} is empty; the sheets holding data: "
            f"{', '.join(repr(title) for title in others)} (read one with --sheet NAME)")


def open_rows(rows: Iterable[Tuple[int, List[str]]], name: str, reading: Optional[Any], shape: str,
              empty: Optional[Callable[[], str]] = None) -> Portfolio:
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
        rows, number_notes = numbers.read_ahead(rows, plan, name)
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
        portfolio.notes.extend(plan.read_as + number_notes)
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
