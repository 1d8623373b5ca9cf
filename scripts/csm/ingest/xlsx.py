"""Reading an .xlsx workbook with the standard library (zipfile + xml.etree), guarded.

`read_sheet(source, name, sheet=None)` returns a `Sheet`: the sheet names, and the
rows of the sheet a user sees on opening the workbook (the active sheet when it is
visible, else the first visible one) or of the one named, as lists of text cells,
the way a CSV file would give them, so the same header matching and value checks
apply; its `note` says which sheet that is:

- shared strings (rich-text runs joined, phonetic runs left out), inline strings and
  formula string results are their text; booleans are true/false; error cells keep
  their text (#N/A), which the value checks then refuse, naming the field;
- numbers are written as the workbook stores them (an integral one without ".0"); a
  number in a date-formatted cell (built-in formats 14-22 and 45-47, or a custom
  format with d or y outside quotes and brackets) is its ISO date, in the workbook's
  1900 or 1904 date system; a number in a percent-formatted cell is written with a
  percent sign (0.72 -> "72%"), so a 0-100 metric reads 72 and a 0-1 ratio 0.72;
- a formula cell is its cached value; a cell a row leaves out is empty (cells are
  placed by their reference, so sparse rows line up).

Guards (a workbook is a zip of XML parts anyone can write, csm.limits holds the
figures): each part's uncompressed size is capped while it is read (a zip bomb's
declared sizes may lie), as an absolute and as a multiple of its packed size, and so
are the total, the XML elements held at once, the rows, the cells of a row, all the
cells and the shared strings; any DOCTYPE or ENTITY declaration in a part is refused,
so no entity is ever expanded or fetched. The sheet's rows are counted in its bytes
before any is parsed, so one past Excel's limit (or numbered past it) is refused at once.
"""

import datetime
import decimal
import io
import itertools
import math
import posixpath
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from typing import BinaryIO, NamedTuple, Optional, Union

from csm.errors import InputError
from csm.limits import (XLSX_CELLS as MAX_CELLS, XLSX_COLUMNS as MAX_COLUMNS, XLSX_HELD_ELEMENTS,
                        XLSX_INPUT_BYTES as MAX_INPUT_BYTES, XLSX_PART_BYTES as MAX_PART_BYTES, XLSX_PART_RATIO,
                        XLSX_ROWS, XLSX_SHARED_STRINGS, XLSX_TOTAL_BYTES as MAX_TOTAL_BYTES)

CHUNK = 1 << 16
MIB = 1 << 20
DATE_FORMAT_IDS = frozenset(range(14, 23)) | frozenset((45, 46, 47))
PERCENT_FORMAT_IDS = frozenset((9, 10))
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = max(len(token) for token in _FORBIDDEN)
_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]+)?")
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# A row's start tag in a sheet part's bytes, any namespace prefix, and its r (row number) when the tag gives one:
# its digits, leading zeros dropped, up to 15, or the first 16 of a longer number (past any row limit).
_ROW_TAG = re.compile(rb"<(?:row|[^\s<>/:!?]+:row)(?=[\s/>])(?:(?:\s+[^\s=<>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*?"
                      rb"\s+r\s*=\s*[\"']\s*0*([0-9]{1,15}(?![0-9])|[0-9]{16}))?")
_TAG_CARRIED = 4096  # bytes of a start tag cut by a chunk's end carried to the next chunk (a row's tag is ~50)


class Sheet:
    """A sheet opened for reading: `names` of every sheet, `title` of this one, `rows()` its rows.

    `note` says which sheet is read and why (the active one, named by --sheet ...);
    `others_with_data()` the other sheets that hold a row (for the message of an empty sheet).
    """

    def __init__(self, names, title, rows, why="", others=None):
        self.names = names
        self.title = title
        self._rows = rows
        self.note = f"read sheet {title!r} ({why}" + (
            f"; the workbook's sheets: {', '.join(repr(other) for other in names)})" if len(names) > 1 else ")")
        self._others = others

    def rows(self):
        """Yield (row number, [cell text ...]) for each row that holds anything, in sheet order."""
        return self._rows

    def others_with_data(self) -> list:
        """The titles of the workbook's other sheets that hold a row with a value."""
        return self._others() if self._others is not None else []


class _SheetsWithData:
    """Asked when the sheet read is empty: which other sheets hold data (each read up to its first row)."""

    def __init__(self, archive, sheets, name, chosen, strings):
        self._archive, self._sheets, self._name, self._chosen = archive, sheets, name, chosen
        self._strings = strings

    def __call__(self):
        found = []
        for entry in self._sheets:
            if entry is self._chosen:
                continue
            try:
                budget = _Budget(self._name)
                part = _sheet_part(self._archive, entry.relation, self._name, budget)
                rows = _rows(self._archive, part, self._name, budget, self._strings, set(), set(), False)
                if next(rows, None) is not None:
                    found.append(entry.title)
            except InputError:
                continue
        return found


def is_workbook(head: bytes) -> bool:
    """True when the first bytes are those of a zip file (an .xlsx is one)."""
    return head[:4] == b"PK\x03\x04"


def read_sheet(source: Union[str, BinaryIO], name: str, sheet: Optional[str] = None) -> Sheet:
    """Open the workbook (a path or a binary stream) and return the Sheet to read; raise InputError if unusable."""
    if not isinstance(source, str) and not source.seekable():
        data = source.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"{name}: a workbook on standard input is limited to {MAX_INPUT_BYTES >> 20} MB; "
                             "give its path instead")
        source = io.BytesIO(data)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name} is not a readable .xlsx workbook ({exc})") from None
    budget = _Budget(name)
    try:
        workbook = _parse_part(archive, "xl/workbook.xml", name, budget)
        if workbook is None:
            raise InputError(f"{name} is a zip file but not an .xlsx workbook (it has no xl/workbook.xml)")
        sheets, active, date1904 = _sheets(workbook)
        if not sheets:
            raise InputError(f"{name}: the workbook has no sheets")
        names = [entry.title for entry in sheets]
        if sheet is None:
            chosen, why = _default_sheet(sheets, active)
        else:
            matches = [entry for entry in sheets if entry.title == sheet] or \
                [entry for entry in sheets if entry.title.casefold() == sheet.casefold()]
            if not matches:
                raise InputError(f"{name} has no sheet named {sheet!r}; its sheets: "
                                 + ", ".join(repr(title) for title in names))
            chosen, why = matches[0], "named by --sheet"
        title, relation = chosen.title, chosen.relation
        target = _sheet_part(archive, relation, name, budget)
        strings = _shared_strings(archive, name, budget)
        dates, percents = _styles(archive, name, budget)
        _count_rows(archive, target, name)
    except InputError:
        archive.close()
        raise
    rows = _rows(archive, target, name, budget, strings, dates, percents, date1904)
    return Sheet(names, title, rows, why, _SheetsWithData(archive, sheets, name, chosen, strings))


class _Budget:
    """The uncompressed bytes and cells read so far, against the caps."""

    def __init__(self, name):
        self.name = name
        self.total = 0
        self.cells = 0

    def add_bytes(self, count, part):
        self.total += count
        if self.total > MAX_TOTAL_BYTES:
            raise InputError(f"{self.name}: the workbook unpacks to more than {MAX_TOTAL_BYTES >> 20} MB "
                             f"(at {part}); refused as a possible zip bomb")

    def add_cells(self, count):
        self.cells += count
        if self.cells > MAX_CELLS:
            raise InputError(f"{self.name}: the sheet has more than {MAX_CELLS:,} cells; export fewer columns or rows")


def _chunks(archive, part, name, budget):
    """Yield the uncompressed bytes of a part, capped, refusing a DOCTYPE or ENTITY declaration."""
    try:
        handle = archive.open(part)
    except KeyError:
        return
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(f"{name}: the workbook part {part} cannot be read ({exc})") from None
    size = 0
    tail = b""
    first = True
    packed = archive.getinfo(part).compress_size
    ratio_cap = max(MIB, packed * XLSX_PART_RATIO)
    with handle:
        while True:
            try:
                chunk = handle.read(CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
                raise InputError(f"{name}: the workbook part {part} is damaged ({exc})") from None
            except Exception as exc:  # zlib.error and the like: a damaged stream
                raise InputError(f"{name}: the workbook part {part} is damaged ({exc})") from None
            if not chunk:
                return
            if first:
                first = False
                body = chunk[3:] if chunk.startswith(b"\xef\xbb\xbf") else chunk
                if not body.lstrip()[:1] == b"<":
                    raise InputError(f"{name}: the workbook part {part} is not UTF-8 XML")
            size += len(chunk)
            if size > MAX_PART_BYTES:
                raise InputError(f"{name}: the workbook part {part} unpacks to more than {MAX_PART_BYTES >> 20} MB; "
                                 "refused as a possible zip bomb")
            if size > ratio_cap:
                raise InputError(f"{name}: the workbook part {part} unpacks to more than {XLSX_PART_RATIO} times its "
                                 f"packed size ({packed:,} bytes); refused as a possible zip bomb")
            budget.add_bytes(len(chunk), part)
            window = tail + chunk
            for token in _FORBIDDEN:
                if token in window:
                    raise InputError(f"{name}: the workbook part {part} declares a DOCTYPE or ENTITY; "
                                     "refused (an .xlsx part never needs one)")
            tail = window[-_OVERLAP:]
            yield chunk


def _events(archive, part, name, budget, events=("end",)):
    """Yield (event, element) of a part as it is read; nothing when the part is absent."""
    parser = ElementTree.XMLPullParser(events)
    fed = False
    try:
        for chunk in _chunks(archive, part, name, budget):
            fed = True
            parser.feed(chunk)
            yield from parser.read_events()
        if not fed:
            return
        parser.close()
        yield from parser.read_events()
    except ElementTree.ParseError as exc:
        raise InputError(f"{name}: the workbook part {part} is not well-formed XML ({exc})") from None


def _parse_part(archive, part, name, budget):
    """Return the root element of a small part (at most XLSX_HELD_ELEMENTS elements), or None when it is absent."""
    root = None
    held = 0
    for _, element in _events(archive, part, name, budget):
        root = element
        held += 1
        if held > XLSX_HELD_ELEMENTS:
            raise _too_many_elements(name, part)
    return root


def _too_many_elements(name, part):
    return InputError(f"{name}: the workbook part {part} holds more than {XLSX_HELD_ELEMENTS:,} XML elements at once; "
                      "refused as a possible zip bomb")


def _local(tag):
    return tag.rsplit("}", 1)[-1]


class _SheetEntry(NamedTuple):
    """A sheet as the workbook part lists it."""

    title: str
    relation: Optional[str]
    visible: bool


def _sheets(workbook):
    """Return ([_SheetEntry], the active tab's index, date1904) from the workbook part."""
    sheets = []
    active = 0
    date1904 = False
    for element in workbook.iter():
        tag = _local(element.tag)
        if tag == "sheet":
            relation = None
            for key, value in element.attrib.items():
                if _local(key) == "id":
                    relation = value
            visible = element.get("state", "visible") not in ("hidden", "veryHidden")
            sheets.append(_SheetEntry(element.get("name", ""), relation, visible))
        elif tag == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif tag == "workbookView" and element.get("activeTab", "").isdigit() and not active:
            active = int(element.get("activeTab"))
    return sheets, active, date1904


def _default_sheet(sheets, active):
    """The sheet a user sees on opening: the active one when it is visible, else the first visible, else the first.

    Returns (entry, why) where why says how it was chosen.
    """
    if 0 <= active < len(sheets) and sheets[active].visible:
        return sheets[active], "the active sheet" if len(sheets) > 1 else "the only sheet"
    visible = [entry for entry in sheets if entry.visible]
    if visible:
        return visible[0], "the first visible sheet"
    return sheets[0], "the first sheet (every sheet is hidden)"


def _sheet_part(archive, relation, name, budget):
    """Return the zip path of the sheet a relationship id names."""
    relations = _parse_part(archive, "xl/_rels/workbook.xml.rels", name, budget)
    target = None
    if relations is not None:
        for element in relations.iter():
            if _local(element.tag) == "Relationship" and element.get("Id") == relation:
                target = element.get("Target")
    if not target:
        raise InputError(f"{name}: the workbook does not say where its sheet is (xl/_rels/workbook.xml.rels)")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    if path not in archive.namelist():
        raise InputError(f"{name}: the workbook's sheet part {path} is missing")
    return path


def _text_of(element):
    """The text of a shared or inline string: its <t>, or its rich-text runs' <t> joined (no phonetic runs)."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for run_part in child:
                if _local(run_part.tag) == "t":
                    parts.append(run_part.text or "")
    return "".join(parts)


def _shared_strings(archive, name, budget):
    """The workbook's shared strings; each string's elements are dropped once read."""
    part = "xl/sharedStrings.xml"
    strings = []
    root = None
    depth = held = 0
    for event, element in _events(archive, part, name, budget, ("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
            continue
        depth -= 1
        held += 1
        if held > XLSX_HELD_ELEMENTS:
            raise _too_many_elements(name, part)
        if _local(element.tag) == "si":
            strings.append(_text_of(element))
            if len(strings) > XLSX_SHARED_STRINGS:
                raise InputError(f"{name}: the workbook has more than {XLSX_SHARED_STRINGS:,} shared strings; "
                                 "refused as a possible zip bomb")
            if depth == 1:  # a string where it belongs: it and all before it are read
                del root[:]
                held = 0
    return strings


def _is_date_code(code):
    """True when a custom number format shows a date: d or y outside quotes, brackets and escapes."""
    bare = _QUOTED.sub("", code).lower()
    return "d" in bare or "y" in bare


def _is_percent_code(code):
    return "%" in _QUOTED.sub("", code)


def _styles(archive, name, budget):
    """Return (date style indexes, percent style indexes) of the cellXfs table."""
    root = _parse_part(archive, "xl/styles.xml", name, budget)
    dates, percents = set(), set()
    if root is None:
        return dates, percents
    custom_dates, custom_percents = set(), set()
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            try:
                number = int(element.get("numFmtId", ""))
            except ValueError:
                continue
            code = element.get("formatCode", "")
            if _is_date_code(code):
                custom_dates.add(number)
            elif _is_percent_code(code):
                custom_percents.add(number)
    for element in root.iter():
        if _local(element.tag) != "cellXfs":
            continue
        for index, xf in enumerate(child for child in element if _local(child.tag) == "xf"):
            try:
                number = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            if number in custom_dates or (number in DATE_FORMAT_IDS and number not in custom_percents):
                dates.add(index)
            elif number in custom_percents or number in PERCENT_FORMAT_IDS:
                percents.add(index)
    return dates, percents


def column_index(reference):
    """Return the 0-based column of a cell reference ("A1" -> 0, "AB7" -> 27), or None when it is not one.

    >>> column_index("A1"), column_index("AB7"), column_index("XFD1"), column_index("1A")
    (0, 27, 16383, None)
    """
    match = _REFERENCE.match(reference)
    if match is None:
        return None
    index = 0
    for letter in match.group(1).upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def serial_date(serial, date1904):
    """Return the ISO date of an Excel date serial, or None when it is not a usable date.

    The 1900 system counts 1900-02-29, which never was (Lotus 1-2-3's bug, kept by Excel):
    serial 60 is that day and is refused; later serials are a day less.

    >>> serial_date(46387, False), serial_date(46387 - 1462, True), serial_date(59, False), serial_date(60, False)
    ('2026-12-31', '2026-12-31', '1900-02-28', None)
    """
    if not math.isfinite(serial) or serial < 1:
        return None
    days = int(math.floor(serial))
    if date1904:
        base = datetime.date(1904, 1, 1)
    elif days == 60:
        return None
    elif days < 60:
        base = datetime.date(1899, 12, 31)
    else:
        base = datetime.date(1899, 12, 30)
    try:
        return (base + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        return None


def number_text(text):
    """The text of a stored number: an integral one without a fraction ("64000.0" -> "64000").

    >>> number_text("64000"), number_text("6.4E4"), number_text("0.31"), number_text("x")
    ('64000', '64000', '0.31', 'x')
    """
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        return text
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def percent_text(text):
    """The text of a number in a percent-formatted cell, as it is shown: "0.72" -> "72%".

    >>> percent_text("0.72"), percent_text("0.075"), percent_text("1")
    ('72%', '7.5%', '100%')
    """
    try:
        value = decimal.Decimal(number_text(text)).scaleb(2)
    except decimal.InvalidOperation:
        return text
    if not value.is_finite():
        return text
    shown = format(value.normalize(), "f")
    return shown + "%"


def _count_rows(archive, part, name):
    """Refuse a sheet part of more than XLSX_ROWS rows, or a row numbered past it, before any row is parsed.

    One pass over the part's bytes (unpacked again, under a budget of its own) counts the
    row start tags with a regular expression and reads their r, so a sheet of millions of
    tiny rows is refused in a fraction of a second rather than after parsing a million
    of them. A tag inside a comment or a CDATA section counts too (a sheet Excel writes
    has neither); _rows still counts the rows it parses, the exact check.
    """
    count = 0
    carried = b""
    for chunk in itertools.chain(_chunks(archive, part, name, _Budget(name)), (b"",)):  # b"": the last tag carried
        window = carried + chunk
        cut = window.rfind(b"<") if chunk else -1  # a tag the chunk's end cuts is read with the next chunk
        if cut < 0 or len(window) - cut > _TAG_CARRIED:
            cut = len(window)
        found = _ROW_TAG.findall(window, 0, cut)
        count += len(found)
        if count > XLSX_ROWS:
            raise _too_many_rows(name)
        past = next((number for number in map(int, filter(None, found)) if number > XLSX_ROWS), None)
        if past is not None:
            raise _too_many_rows(name, past)
        carried = window[cut:]


def _too_many_rows(name, number=None):
    """The refusal of a sheet past Excel's row limit; `number`, a row numbered past it."""
    if number is None:
        past = ""
    elif number < 10 ** 15:
        past = f"; row {number:,} is numbered past it"
    else:  # too long to quote
        past = "; a row is numbered past it"
    return InputError(f"{name}: the sheet has more than {XLSX_ROWS:,} rows (Excel's own limit{past})")


def _rows(archive, part, name, budget, strings, dates, percents, date1904):
    """Yield (row number, cells) of the sheet part, one row at a time, freeing each as it goes.

    At most XLSX_HELD_ELEMENTS elements are held at once (a row's, or what lies
    outside the rows), XLSX_ROWS rows and XLSX_COLUMNS cells a row are read.
    """
    root = parent = None
    depth = data_depth = 0  # the element's depth in the part (the root is 1), and that of sheetData
    next_row = 0
    rows = 0
    held = 0
    count = len(strings)
    for event, element in _events(archive, part, name, budget, ("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
            elif parent is None and _local(element.tag) == "sheetData":
                parent, data_depth = element, depth
                del root[:]  # what comes before the rows (columns, views) is read: nothing in it is used
                held = 0
            continue
        depth -= 1
        held += 1
        if held > XLSX_HELD_ELEMENTS:
            raise _too_many_elements(name, part)
        if _local(element.tag) != "row":
            continue
        rows += 1
        if rows > XLSX_ROWS:
            raise _too_many_rows(name)
        try:
            number = int(element.get("r", ""))
        except ValueError:
            number = next_row + 1
        if number > XLSX_ROWS:  # Excel writes no such row: the sheet is not one it could hold
            raise _too_many_rows(name, number)
        next_row = number
        cells = _row_cells(element, number, name, strings, count, dates, percents, date1904)
        if parent is not None and depth == data_depth:  # a row of the sheet's data: it and all before it are read
            del parent[:]  # (an element the parser has built ahead stays alive in its event until it is read)
            held = 0
        else:
            element.clear()
        if not any(cells.values()):  # no cell, or only empty (styled) ones
            continue
        width = max(cells) + 1
        budget.add_cells(width)
        row = [""] * width
        for index, text in cells.items():
            row[index] = text
        yield number, row


def _row_cells(element, number, name, strings, count, dates, percents, date1904):
    """{column: text} of a row element's cells, placed by their references."""
    cells = {}
    position = -1
    seen = 0
    pending = None  # the reference of the last empty cell: placed only if a cell without a reference follows
    for cell in element:
        if _local(cell.tag) != "c":
            continue
        seen += 1
        reference = cell.get("r")
        if reference and not len(cell):  # an empty (styled) cell with its place: nothing to read
            pending = reference
            continue
        if pending is not None:
            index = column_index(pending)
            position = position + 1 if index is None else index
            pending = None
        index = column_index(reference) if reference else None
        position = position + 1 if index is None else index
        if position >= MAX_COLUMNS or seen > MAX_COLUMNS:
            raise InputError(f"{name}: row {number} has more than {MAX_COLUMNS} cells or a cell beyond column "
                             f"{MAX_COLUMNS} (XFD), Excel's own limit")
        cells[position] = _cell_text(cell, strings, count, dates, percents, date1904)
    return cells


def _cell_text(cell, strings, count, dates, percents, date1904):
    kind = cell.get("t", "n")
    value = None
    inline = None
    for child in cell:
        tag = _local(child.tag)
        if tag == "v":
            value = child.text
        elif tag == "is":
            inline = child
    if kind == "inlineStr":
        return _text_of(inline) if inline is not None else ""
    if value is None:
        return ""
    if kind == "s":
        try:
            index = int(value)
        except ValueError:
            return ""
        return strings[index] if 0 <= index < count else ""
    if kind == "b":
        return "true" if value.strip() == "1" else "false" if value.strip() == "0" else value
    if kind in ("str", "e", "d"):
        return value
    try:
        style = int(cell.get("s", "0"))
    except ValueError:
        style = 0
    if style in dates:
        try:
            date = serial_date(float(value), date1904)
        except ValueError:
            date = None
        return date if date is not None else value
    if style in percents:
        return percent_text(value)
    return number_text(value)
