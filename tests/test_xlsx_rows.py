"""A sheet past Excel's 1,048,576 rows is refused in one line before any row is parsed; one at the limit is read.

The sheets are written here (none stored): rows of one number cell, empty rows, rows
with no row number, rows under a namespace prefix, a row numbered past the limit.
Most lower the limit to 1,000 to stay small; two build real ones (stored, not
deflated, so the zip-bomb ratio is not what refuses them) and run the tool.
"""

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import SCRIPTS
from csm.errors import InputError
from csm.ingest import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LIMIT = 1000  # the row limit the unit tests set


def book(path, rows, prefix="", method=zipfile.ZIP_DEFLATED):
    """Write a one-sheet .xlsx whose sheetData holds `rows` (bytes of row elements) after a customer_id header."""
    tag = f"{prefix}:" if prefix else ""
    space = f"xmlns:{prefix}" if prefix else "xmlns"
    header = (f'<{tag}row r="1"><{tag}c r="A1" t="inlineStr"><{tag}is><{tag}t>customer_id</{tag}t></{tag}is>'
              f'</{tag}c></{tag}row>')
    sheet = (f'<{tag}worksheet {space}="{MAIN}"><{tag}sheetData>{header}'.encode() + rows
             + f"</{tag}sheetData></{tag}worksheet>".encode())
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
                         '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="x">'
                         '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return str(path)


def number_rows(last, prefix=""):
    """Rows 2..last of one number cell each (the header is row 1)."""
    tag = f"{prefix}:" if prefix else ""
    return b"".join(f'<{tag}row r="{n}"><{tag}c r="A{n}"><{tag}v>{n}</{tag}v></{tag}c></{tag}row>'.encode()
                    for n in range(2, last + 1))


HOSTILE = {  # a sheet of LIMIT + 1 rows (the header counted), each way a writer or an attacker may write them
    "rows of one number cell": lambda: number_rows(LIMIT + 1),
    "empty numbered rows": lambda: b"".join(b'<row r="%d"/>' % n for n in range(2, LIMIT + 2)),
    "rows with no number": lambda: b"<row/>" * LIMIT,
    "rows under a namespace prefix": lambda: number_rows(LIMIT + 1, "x"),
}


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setattr(xlsx, "XLSX_ROWS", LIMIT)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_sheet_of_one_row_past_the_limit_is_refused_on_opening_before_any_row_is_parsed(tmp_path, limit, case):
    path = book(tmp_path / "rows.xlsx", HOSTILE[case](), prefix="x" if "prefix" in case else "")
    with pytest.raises(InputError) as refused:
        xlsx.read_sheet(path, "rows.xlsx")
    assert str(refused.value) == "rows.xlsx: the sheet has more than 1,000 rows (Excel's own limit)"


@pytest.mark.parametrize("prefix", ["", "x"])
def test_a_sheet_of_exactly_the_limit_is_read_to_its_last_row(tmp_path, limit, prefix):
    path = book(tmp_path / "rows.xlsx", number_rows(LIMIT, prefix), prefix)
    rows = list(xlsx.read_sheet(path, "rows.xlsx").rows())
    assert len(rows) == LIMIT
    assert rows[0] == (1, ["customer_id"]) and rows[-1] == (LIMIT, [str(LIMIT)])


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_a_row_tag_cut_by_a_chunk_end_is_counted_once(tmp_path, monkeypatch, limit, chunk):
    monkeypatch.setattr(xlsx, "CHUNK", chunk)
    at_limit = book(tmp_path / "at.xlsx", b"".join(b'<row r="%d" spans="1:1"/>' % n for n in range(2, LIMIT + 1)))
    assert list(xlsx.read_sheet(at_limit, "at.xlsx").rows()) == [(1, ["customer_id"])]
    past = book(tmp_path / "past.xlsx", b"<row/>" * LIMIT)
    with pytest.raises(InputError, match=r"^past.xlsx: the sheet has more than 1,000 rows \(Excel's own limit\)$"):
        xlsx.read_sheet(past, "past.xlsx")


NUMBERED_PAST = {  # a row's start tag numbered past the limit of 1,000, and what the refusal says of it
    "plainly": ('<row r="1001">', "row 1,001 is numbered past it"),
    "with spaces, single quotes and zeros": ("<row r = ' 0001001'>", "row 1,001 is numbered past it"),
    "after another attribute": ('<row spans="1:1" r="1001">', "row 1,001 is numbered past it"),
    "in 30 digits": ('<row r="' + "9" * 30 + '">', "a row is numbered past it"),
    "in 5,000 digits (more than int() reads)": ('<row r="' + "9" * 5000 + '">', "a row is numbered past it"),
}


@pytest.mark.parametrize("case", list(NUMBERED_PAST))
def test_a_row_numbered_past_the_limit_refuses_the_sheet_on_opening(tmp_path, limit, case):
    written, said = NUMBERED_PAST[case]
    path = book(tmp_path / "far.xlsx", written.encode() + b"<c><v>7</v></c></row>")
    with pytest.raises(InputError) as refused:
        xlsx.read_sheet(path, "far.xlsx")
    assert str(refused.value) == f"far.xlsx: the sheet has more than 1,000 rows (Excel's own limit; {said})"


def test_an_r_inside_another_attribute_s_value_is_not_taken_for_the_row_number(tmp_path, limit):
    path = book(tmp_path / "quoted.xlsx", b'<row x=\' r="5000"\' r="2"><c><v>7</v></c></row>')
    assert list(xlsx.read_sheet(path, "quoted.xlsx").rows()) == [(1, ["customer_id"]), (2, ["7"])]


def test_a_row_at_the_limit_is_read_and_an_unnumbered_row_after_it_is_refused(tmp_path, limit):
    at = book(tmp_path / "at.xlsx", b'<row r="1000"><c><v>7</v></c></row>')
    assert list(xlsx.read_sheet(at, "at.xlsx").rows()) == [(1, ["customer_id"]), (1000, ["7"])]
    after = book(tmp_path / "after.xlsx", b'<row r="1000"><c><v>7</v></c></row><row><c><v>8</v></c></row>')
    with pytest.raises(InputError) as refused:
        list(xlsx.read_sheet(after, "after.xlsx").rows())
    assert str(refused.value) == ("after.xlsx: the sheet has more than 1,000 rows "
                                  "(Excel's own limit; row 1,001 is numbered past it)")


def test_a_row_number_the_first_pass_cannot_see_is_still_refused_as_the_row_is_read(tmp_path, monkeypatch, limit):
    monkeypatch.setattr(xlsx, "CHUNK", 1024)
    long_tag = b'<row ' + b" ".join(b'a%d="x"' % n for n in range(800)) + b' r="5000"><c><v>7</v></c></row>'
    path = book(tmp_path / "long.xlsx", long_tag)  # its r lies chunks past the 4,096 bytes carried
    rows = xlsx.read_sheet(path, "long.xlsx").rows()
    assert next(rows) == (1, ["customer_id"])
    with pytest.raises(InputError) as refused:
        next(rows)
    assert str(refused.value) == ("long.xlsx: the sheet has more than 1,000 rows "
                                  "(Excel's own limit; row 5,000 is numbered past it)")


# --- the real limit, end to end ---------------------------------------------------------------------

def run(path):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, "health_score_calculator.py"), path,
                           "--format", "json"], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("rows", [b"<row/>" * 1_048_576, b"<x:row/>" * 1_048_576])
def test_a_real_sheet_of_1048577_empty_rows_is_refused_with_one_line_and_exit_1(tmp_path, rows):
    path = book(tmp_path / "empty.xlsx", rows, prefix="x" if rows.startswith(b"<x:") else "",
                method=zipfile.ZIP_STORED)
    done = run(path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: {path}: the sheet has more than 1,048,576 rows (Excel's own limit)\n"


def test_a_real_row_numbered_5000000_is_refused_with_one_line_and_exit_1(tmp_path):
    path = book(tmp_path / "far.xlsx", b'<row r="5000000"><c r="A5000000"><v>7</v></c></row>')
    done = run(path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"error: {path}: the sheet has more than 1,048,576 rows "
                           "(Excel's own limit; row 5,000,000 is numbered past it)\n")
