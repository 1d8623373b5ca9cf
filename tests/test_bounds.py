"""Hostile and surprising files: each is refused with one clear line and exit 1, or read rightly and said so.

Small files generated here (none stored): xlsx parts stuffed with elements, sheets
hidden or empty, European numbers, cut CSV rows, duplicate JSON keys, ids in two
Unicode normal forms, filters with commas, a damaged history, --output edges.
references/interface.md ("Bounds") lists the figures these cases reach.
"""

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import NORTHWIND, SCRIPTS
from csm.errors import InputError
from csm.ingest import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ("customer_id", "arr", "usage.login_frequency")


def run(script, *args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def sheet_xml(rows):
    """A worksheet of inline-string and number cells; rows is a list of lists."""
    out = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            ref = f"{chr(65 + column // 26) if column >= 26 else ''}{chr(65 + column % 26)}{number}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(out)}</sheetData></worksheet>'


def workbook(path, sheets, active=None, parts=()):
    """Write an .xlsx of sheets: [(title, state, worksheet xml)]; `parts` adds or replaces (name, text) parts."""
    view = f'<bookViews><workbookView activeTab="{active}"/></bookViews>' if active is not None else ""
    listed = "".join(f'<sheet name="{title}" sheetId="{n + 1}" r:id="rId{n + 1}"'
                     + (f' state="{state}"' if state else "") + "/>" for n, (title, state, _) in enumerate(sheets))
    written = {
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{view}<sheets>{listed}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="x">' + "".join(
            f'<Relationship Id="rId{n + 1}" Target="worksheets/sheet{n + 1}.xml"/>' for n in range(len(sheets)))
        + "</Relationships>",
    }
    for n, (_, _, xml) in enumerate(sheets):
        written[f"xl/worksheets/sheet{n + 1}.xml"] = xml
    written.update(dict(parts))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in written.items():
            archive.writestr(name, text)
    return path


def flat(record, prefix=""):
    """The worked account as dotted columns (lists joined with ';', as a CSV export writes them)."""
    cells = {}
    for key, value in record.items():
        if isinstance(value, dict):
            cells.update(flat(value, f"{prefix}{key}."))
        else:
            cells[prefix + key] = ";".join(value) if isinstance(value, list) else \
                str(value).lower() if isinstance(value, bool) else value
    return cells


WORKED = flat(NORTHWIND)
COLUMNS = list(WORKED)


def rows_of(*ids, **changed):
    """Header and one row per id of the worked account, with `changed` columns (dots written as __)."""
    values = dict(WORKED, **{key.replace("__", "."): value for key, value in changed.items()})
    return [list(COLUMNS)] + [[customer_id] + [values[column] for column in COLUMNS[1:]] for customer_id in ids]


GOOD_ROWS = rows_of("V-1")
HIDDEN_ROWS = rows_of("H-1")


# --- sheets -------------------------------------------------------------------------------------

def test_a_hidden_first_sheet_is_not_read_the_visible_one_is_and_a_note_says_which(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("Old", "hidden", sheet_xml(HIDDEN_ROWS)),
                                            ("Accounts", None, sheet_xml(GOOD_ROWS))])
    done = run("health_score_calculator.py", path, "--format", "json")
    report = json.loads(done.stdout)
    assert [account["customer_id"] for account in report["customers"]] == ["V-1"]
    assert report["summary"]["sheet"] == "Accounts"
    assert done.stderr.splitlines()[0] == (f"note: {path}: read sheet 'Accounts' (the first visible sheet; "
                                           "the workbook's sheets: 'Old', 'Accounts')")


def test_the_active_sheet_is_read_by_default_and_sheet_still_picks_another(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("First", None, sheet_xml(HIDDEN_ROWS)),
                                            ("Second", None, sheet_xml(GOOD_ROWS))], active=1)
    done = run("health_score_calculator.py", path, "--format", "json")
    assert json.loads(done.stdout)["customers"][0]["customer_id"] == "V-1"
    assert "read sheet 'Second' (the active sheet;" in done.stderr
    done = run("health_score_calculator.py", path, "--format", "json", "--sheet", "First")
    assert json.loads(done.stdout)["customers"][0]["customer_id"] == "H-1"
    assert "read sheet 'First' (named by --sheet;" in done.stderr


def test_an_empty_sheet_names_the_sheets_that_hold_data_and_sheet(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("Cover", None, sheet_xml([])), ("Data", None, sheet_xml(GOOD_ROWS)),
                                            ("Notes", None, sheet_xml([["x"]]))])
    done = run("health_score_calculator.py", path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (f"error: {path}: sheet 'Cover' is empty; the sheets holding data: "
                                            "'Data', 'Notes' (read one with --sheet NAME)")


# --- xlsx parts stuffed with elements -------------------------------------------------------------

STUFFED = {  # what is stuffed: (part, its text, the error's words); the caps are lowered to 1,000 to keep files small
    "one row of many cells at one place": (
        "xl/worksheets/sheet1.xml", '<c r="A1"/>' * 1100, "holds more than 1,000 XML elements at once"),
    "a row of more cells than a row has": ("xl/worksheets/sheet1.xml", "<c/>" * 600, "row 1 has more than 500 cells"),
    "too many empty rows": ("xl/worksheets/sheet1.xml", None, "the sheet has more than 1,000 rows"),
    "many columns before the rows": ("xl/worksheets/sheet1.xml", None, "holds more than 1,000 XML elements at once"),
    "many styles": ("xl/styles.xml", "<styleSheet><cellXfs>" + "<xf/>" * 1100 + "</cellXfs></styleSheet>",
                    "holds more than 1,000 XML elements at once"),
    "many strings out of place": ("xl/sharedStrings.xml", "<sst><x>" + "<si/>" * 1100 + "</x></sst>",
                                  "holds more than 1,000 XML elements at once"),
    "too many strings": ("xl/sharedStrings.xml", "<sst>" + "<si/>" * 1100 + "</sst>",
                         "has more than 1,000 shared strings"),
}


def _stuffed_part(case):
    part, body, message = STUFFED[case]
    if case == "too many empty rows":
        body = f'<worksheet xmlns="{MAIN}"><sheetData>' + "<row/>" * 1100 + "</sheetData></worksheet>"
    elif case == "many columns before the rows":
        body = f'<worksheet xmlns="{MAIN}"><cols>' + "<col/>" * 1100 + "</cols><sheetData/></worksheet>"
    elif part.endswith("sheet1.xml"):
        body = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{body}</row></sheetData></worksheet>'
    return part, body, message


@pytest.mark.parametrize("case", list(STUFFED))
def test_an_xlsx_part_stuffed_with_elements_is_refused_in_one_line(tmp_path, monkeypatch, case):
    for cap in ("XLSX_HELD_ELEMENTS", "XLSX_ROWS", "MAX_COLUMNS", "XLSX_SHARED_STRINGS"):
        monkeypatch.setattr(xlsx, cap, 500 if cap == "MAX_COLUMNS" else 1000)
    part, body, message = _stuffed_part(case)
    path = workbook(tmp_path / "stuffed.xlsx", [("S", None, sheet_xml(GOOD_ROWS))], parts=[(part, body)])
    with pytest.raises(InputError, match=message):
        list(xlsx.read_sheet(str(path), "stuffed.xlsx").rows())


def test_the_real_caps_hold_a_sheet_of_a_million_empty_cells_in_one_row_without_gigabytes(tmp_path):
    body = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">' + '<c r="A1"/>' * 3_000_000 + "</row></sheetData></worksheet>"
    path = workbook(tmp_path / "stuffed.xlsx", [("S", None, body)])
    done = run("health_score_calculator.py", path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (f"error: {path}: the workbook part xl/worksheets/sheet1.xml unpacks to "
                                            f"more than 50 times its packed size ({os.path.getsize(path) and _packed(path):,} "
                                            "bytes); refused as a possible zip bomb")


def _packed(path):
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("xl/worksheets/sheet1.xml").compress_size


# --- JSON: a key given twice ----------------------------------------------------------------------

def _account(customer_id, **changed):
    record = json.loads(json.dumps(NORTHWIND))
    record["customer_id"] = customer_id
    record.update(changed)
    return json.dumps(record)


def test_a_record_giving_arr_twice_with_different_values_is_rejected_naming_the_key(tmp_path):
    twice = _account("A-1").replace('"arr": 64000', '"arr": 420000, "arr": 1')
    path = tmp_path / "book.json"
    path.write_text('{"customers": [' + twice + ", " + _account("A-2") + "]}")
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == ('error: customers[0]: the key "arr" is given 2 times, with different values '
                           "(420000, 1): say which is meant and give each key once\n")
    assert [account["customer_id"] for account in json.loads(done.stdout)["customers"]] == ["A-2"]


def test_a_key_given_twice_with_the_same_value_is_read_once_with_a_warning_in_json_lines(tmp_path):
    twice = _account("A-1").replace('"login_frequency": 72', '"login_frequency": 72, "login_frequency": 72')
    path = tmp_path / "book.jsonl"
    path.write_text(twice + "\n" + _account("A-2") + "\n")
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 0
    assert done.stderr == (f'warning: {path} line 1: the key "login_frequency" is given 2 times, with the same value '
                           "(72, 72); it is read once\n")


@pytest.mark.parametrize("option, text, where", [
    ("--config", '{"health": {"weights": {"usage": 0.3, "usage": 0.5}}}', "config {path}"),
    ("--map", '{"fields": {"arr": "ARR", "arr": "Amount"}}', "map {path}"),
])
def test_a_side_file_giving_a_key_twice_is_refused_naming_the_key(tmp_path, option, text, where):
    path = tmp_path / "side.json"
    path.write_text(text)
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    done = run("health_score_calculator.py", book, option, path)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {where.format(path=path)}: the key ")
    assert "is given 2 times, with different values" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a named pipe is POSIX")
def test_a_side_file_from_a_pipe_is_read_in_chunks_and_refused_past_its_cap(tmp_path, monkeypatch):
    import threading
    from csm import sidefile
    monkeypatch.setattr(sidefile, "SIDE_FILE_CHUNK", 4)
    path = tmp_path / "config.fifo"

    def piped(limit):
        os.mkfifo(path)
        writer = threading.Thread(target=path.write_bytes, args=(b'{"name": "x"}',))
        writer.start()
        try:
            return sidefile.read_capped(str(path), "config", limit=limit)
        finally:
            writer.join()
            path.unlink()
    assert piped(13) == b'{"name": "x"}'
    with pytest.raises(InputError, match="^config is more than 12 bytes, the most it may be$"):
        piped(12)


# --- CSV: delimiters, a cut-off last row, a cell without end ---------------------------------------

def csv_text(rows, delimiter=","):
    return "".join(delimiter.join(str(cell) for cell in row) + "\n" for row in rows)


@pytest.mark.parametrize("delimiter, word", [(";", "semicolon"), ("\t", "tab")])
def test_a_semicolon_or_tab_separated_export_is_read_and_a_note_says_so(tmp_path, delimiter, word):
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows_of("A-1", "A-2"), delimiter))
    comma = tmp_path / "comma.csv"
    comma.write_text(csv_text(rows_of("A-1", "A-2")))
    done = run("health_score_calculator.py", path, "--format", "json")
    assert (done.returncode, done.stderr) == (0, f"note: {path}: read as CSV with {word}-separated cells "
                                                 "(as its header row is written)\n")
    assert json.loads(done.stdout)["customers"] == \
        json.loads(run("health_score_calculator.py", comma, "--format", "json").stdout)["customers"]


def test_a_csv_cut_off_inside_its_last_row_rejects_that_row_by_name(tmp_path):
    path = tmp_path / "book.csv"
    text = csv_text(rows_of("A-1", "A-2"))
    path.write_text(text[:text.rindex(",64000,") + 4])  # the second row's ARR cut to "640", no line end
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 3
    cells = COLUMNS.index("arr") + 1
    assert done.stderr == (f"error: row 3: the file ends inside this row (line 3, no line end, {cells} of the "
                           f"header's {len(COLUMNS)} cells): it was cut off while it was written; export it again\n")
    assert [account["customer_id"] for account in json.loads(done.stdout)["customers"]] == ["A-1"]


def test_a_csv_cell_of_nine_mebibytes_is_refused_in_one_line(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows_of("A-1")) + '"' + "x" * (9 << 20) + '",1\n')
    done = run("health_score_calculator.py", path)
    assert (done.returncode, done.stderr) == (1, f"error: {path}: a cell of row 3 is longer than 8,388,608 "
                                                 "characters, the most a cell may hold (is a quote left open?)\n")


def test_a_csv_line_past_the_cap_is_refused_before_it_is_held(tmp_path, monkeypatch):
    from csm.ingest import records, rows
    monkeypatch.setattr(rows, "CSV_LINE_CHARS", 5000)
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows_of("A-1")) + ",".join(["x" * 100] * 60) + "\n")
    with pytest.raises(InputError) as caught:
        list(records.open_portfolio(str(path)).records())
    assert str(caught.value) == (f"{path}: line 3 is longer than 5,000 characters, the most a line of a portfolio "
                                 "may be (is a quote left open, or is this not a CSV export?)")


# --- numbers: a European thousands separator in money -------------------------------------------------

def test_arr_grouped_with_points_is_refused_naming_record_and_field_never_read_as_a_decimal(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows_of("A-1") + rows_of("A-2", arr='"420.000"')[1:]))
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == ('error: row 3 (A-2): arr "420.000" groups thousands with points (a European '
                           "export): money has no three decimals, so it is not read as a decimal; export the "
                           "figure with a decimal point (420000 or 420000.00), or state the export's format in a "
                           '--map: {"fields": {"arr": {"column": "<its header>", "number_format": "1.234,5"}}}\n')


def _arr_column(tmp_path, *written):
    """A CSV book of accounts A-1, A-2 ... whose arr cells are `written`; (its path, its run in json)."""
    rows = rows_of(*[f"A-{n}" for n in range(1, len(written) + 1)])
    for row, cell in zip(rows[1:], written):
        row[rows[0].index("arr")] = f'"{cell}"'
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows))
    return path, run("health_score_calculator.py", path, "--format", "json")


def _arrs(done):
    """(customer_id, ARR) of each account: the ARR as read, shown in whole units (half to even)."""
    return sorted((account["customer_id"], account["arr"]) for account in json.loads(done.stdout)["customers"])


@pytest.mark.parametrize("written, arr", [("1.250.000", 1250000), ("$1.250.000", 1250000),
                                          ("1.250.000,50", 1250000)])
def test_arr_that_only_a_decimal_comma_fits_is_read_so_with_a_note(tmp_path, written, arr):
    path, done = _arr_column(tmp_path, "64000", written)
    assert (done.returncode, _arrs(done)) == (0, [("A-1", 64000), ("A-2", arr)])
    assert done.stderr == (f'note: {path}: column "arr" writes its numbers as 1.234,5 (row 3: "{written}"), and is '
                           'read so; a --map "number_format" can say otherwise\n')


def test_a_column_showing_decimal_commas_reads_420_000_as_420000_and_1_234_as_a_decimal(tmp_path):
    path, done = _arr_column(tmp_path, "420.000", "12,5", "1,234")
    assert (done.returncode, _arrs(done)) == (0, [("A-1", 420000), ("A-2", 12), ("A-3", 1)])  # 12.5, 1.234
    assert done.stderr.startswith(f'note: {path}: column "arr" writes its numbers as 1.234,5 (row 3: "12,5")')


def test_a_column_showing_decimal_points_reads_420_000_as_420(tmp_path):
    path, done = _arr_column(tmp_path, "420.000", "1,234.5")
    assert (done.returncode, _arrs(done)) == (0, [("A-1", 420), ("A-2", 1234)])  # 420.0, 1234.5
    assert done.stderr == (f'note: {path}: column "arr" writes its numbers as 1,234.5 (row 3: "1,234.5"), and is '
                           'read so; a --map "number_format" can say otherwise\n')


def test_a_column_showing_both_formats_is_read_as_written_and_refuses_what_it_cannot_place(tmp_path):
    path, done = _arr_column(tmp_path, "420.000", "1.234,5", "1,234.5")
    assert done.returncode == 3 and _arrs(done) == [("A-3", 1234)]  # 1234.5
    assert [line[:40] for line in done.stderr.splitlines()] == ['error: row 2 (A-1): arr "420.000" groups',
                                                                'error: row 3 (A-2): arr "1.234,5" groups']


def test_a_column_of_decimal_points_only_is_read_as_before_without_a_note(tmp_path):
    path, done = _arr_column(tmp_path, "64000.50", "1,234.5")
    assert (done.returncode, done.stderr, _arrs(done)) == (0, "", [("A-1", 64000), ("A-2", 1234)])  # 64000.5, 1234.5


def test_mrr_grouped_with_points_is_refused_too_not_scaled(tmp_path):
    path = tmp_path / "book.csv"
    rows = rows_of("A-1")
    rows[0][rows[0].index("arr")] = "MRR"
    rows[1][rows[0].index("MRR")] = "5.000"
    path.write_text(csv_text(rows))
    done = run("health_score_calculator.py", path)
    assert done.returncode == 1
    assert 'error: row 2 (A-1): arr "5.000" groups thousands with points' in done.stderr


def test_an_xlsx_text_cell_of_arr_grouped_with_points_is_refused(tmp_path):
    path = workbook(tmp_path / "book.xlsx", [("S", None, sheet_xml(rows_of("A-1", arr="420.000")))])
    done = run("health_score_calculator.py", path)
    assert done.returncode == 1
    assert 'error: row 2 (A-1): arr "420.000" groups thousands with points' in done.stderr


# --- ids in two Unicode normal forms ---------------------------------------------------------------

COMPOSED, DECOMPOSED = "Caf\u00e9-1", "Cafe\u0301-1"


def test_an_id_in_two_normal_forms_is_one_account_the_second_a_duplicate(tmp_path):
    path = tmp_path / "book.json"
    path.write_text("[" + _account(COMPOSED) + ", " + _account(DECOMPOSED) + "]", encoding="utf-8")
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == (f"error: [1] ({DECOMPOSED}): duplicate customer_id \"{DECOMPOSED}\": the first is at [0] "
                           f"(\"{COMPOSED}\", the same id written in another Unicode normal form); only the first "
                           "is scored\n").replace('"' + DECOMPOSED + '"', json.dumps(DECOMPOSED)).replace(
                               '"' + COMPOSED + '"', json.dumps(COMPOSED))


def test_the_history_follows_an_account_whose_export_changed_normal_form(tmp_path):
    history = tmp_path / "history.sqlite"
    first, second = tmp_path / "week1.json", tmp_path / "week2.json"
    first.write_text("[" + _account(COMPOSED) + "]", encoding="utf-8")
    fallen = json.loads(_account(DECOMPOSED))
    fallen["usage"] = {"login_frequency": 5, "feature_adoption": 5, "dau_mau_ratio": 0.01}
    fallen["engagement"] = {"support_ticket_volume": 40, "meeting_attendance": 5, "nps_score": 0, "csat_score": 1}
    fallen["relationship"]["executive_sponsor_engagement"] = 0
    second.write_text(json.dumps([fallen]), encoding="utf-8")
    assert run("health_score_calculator.py", first, "--history", history, "--as-of", "2026-11-01").returncode == 0
    done = run("health_score_calculator.py", second, "--history", history, "--as-of", "2026-11-15",
               "--format", "json")
    changes = json.loads(done.stdout)["summary"]["changes"]
    assert (changes["new_accounts"], changes["gone"]) == ([], [])
    assert changes["dropped"] == [DECOMPOSED]  # as written in this run's export


# --- filters with commas --------------------------------------------------------------------------

def test_an_owner_with_a_comma_is_quoted_and_a_name_matching_nothing_is_a_warning_naming_the_closest(tmp_path):
    path = tmp_path / "book.json"
    path.write_text("[" + ", ".join(_account(f"A-{n}", owner=owner) for n, owner in
                                    enumerate(["Reyes, Dana", "Dana", "Lee, Kim"])) + "]")
    done = run("health_score_calculator.py", path, "--format", "json", "--owner", '"Reyes, Dana"')
    assert (done.returncode, done.stderr) == (0, "")
    assert [account["customer_id"] for account in json.loads(done.stdout)["customers"]] == ["A-0"]
    done = run("health_score_calculator.py", path, "--format", "json", "--owner", '"Reyes, Dana", "lee, kim"')
    assert [account["customer_id"] for account in json.loads(done.stdout)["customers"]] == ["A-0", "A-2"]
    done = run("health_score_calculator.py", path, "--format", "json", "--owner", "Reyes, Dana")  # not quoted
    assert [account["customer_id"] for account in json.loads(done.stdout)["customers"]] == ["A-1"]
    assert done.stderr == 'warning: --owner "Reyes" matches no account; the closest owners: "Reyes, Dana"\n'


# --- a history or an earlier output with figures it cannot hold -----------------------------------------

def _damaged_history(tmp_path, *updates):
    """(history, book): three accounts scored on 2026-11-01 into a history, then its rows changed by `updates`."""
    import sqlite3
    history = tmp_path / "history.sqlite"
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + ", " + _account("A-2") + ", " + _account("A-3") + "]")
    assert run("health_score_calculator.py", book, "--history", history, "--as-of", "2026-11-01").returncode == 0
    with sqlite3.connect(history) as connection:
        for update in updates:
            connection.execute(update)
    connection.close()
    return history, book


def _scored_against(history, book):
    """The health run of 2026-11-15 against the history, which it leaves as it is (exit status 0 asserted)."""
    done = run("health_score_calculator.py", book, "--history", history, "--as-of", "2026-11-15", "--format", "json",
               "--no-store")
    assert done.returncode == 0
    return done


def test_a_history_row_with_a_bad_score_is_one_warning_and_skipped(tmp_path):
    history, book = _damaged_history(tmp_path, "UPDATE account_snapshot SET score = 'high' WHERE customer_id = 'A-1'",
                                     "UPDATE account_snapshot SET score = 9e999 WHERE customer_id = 'A-2'")
    done = run("health_score_calculator.py", book, "--history", history, "--as-of", "2026-11-15", "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert done.stderr == (f'warning: --history {history}: the health snapshot of 2026-11-01, account A-1: the score '
                           f'"high" is not a number from 0 to 100; skipped\n'
                           f'warning: --history {history}: the health snapshot of 2026-11-01, account A-2: the score '
                           "Infinity is not a number from 0 to 100; skipped\n")
    changes = json.loads(done.stdout)["summary"]["changes"]
    assert changes["new_accounts"] == ["A-1", "A-2"]


def test_a_history_row_whose_sub_scores_do_not_read_back_says_so_and_keeps_its_score(tmp_path):
    """Damaged `figures` text gave no dimension trends without a word; now one line each, the trend says no_data."""
    history, book = _damaged_history(
        tmp_path, "UPDATE account_snapshot SET figures = 'not json' WHERE customer_id = 'A-1'",
        """UPDATE account_snapshot SET figures = '{"dimensions":{"usage":150,"engagement":60}}'
           WHERE customer_id = 'A-2'""")
    done = _scored_against(history, book)
    assert done.stderr == (f"warning: --history {history}: the health snapshot of 2026-11-01, account A-1: its "
                           "sub-scores are not a JSON object; they are left out (its score is read)\n"
                           f"warning: --history {history}: the health snapshot of 2026-11-01, account A-2: its "
                           "sub-score dimensions.usage is 150, not a number from 0 to 100; they are left out (its "
                           "score is read)\n")
    accounts = {account["customer_id"]: account for account in json.loads(done.stdout)["customers"]}
    assert [accounts[name]["trends"]["usage"] for name in ("A-1", "A-2", "A-3")] == ["no_data", "no_data", "stable"]
    assert [accounts[name]["trajectory"]["since"] for name in ("A-1", "A-2", "A-3")] == ["2026-11-01"] * 3


def test_an_earlier_output_with_a_score_of_1e308_is_refused_in_one_line(tmp_path):
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    earlier = json.loads(run("health_score_calculator.py", book, "--format", "json", "--as-of", "2026-11-01").stdout)
    earlier["customers"][0]["overall_score"] = 1e308
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier))
    done = run("health_score_calculator.py", book, "--compare", path, "--as-of", "2026-11-15")
    assert (done.returncode, done.stderr) == (1, f"error: --compare {path}: customers[0] has no usable customer_id, "
                                                 "health score and band (a score from 0 to 100; a band, one of "
                                                 "green, yellow, red; an ARR from 0 to 1,000,000,000,000,000)\n")


def test_an_earlier_output_with_a_band_the_analysis_has_not_is_refused(tmp_path):
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    earlier = json.loads(run("churn_risk_analyzer.py", book, "--format", "json", "--as-of", "2026-11-01").stdout)
    earlier["customers"][0]["risk_tier"] = "purple"
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier))
    done = run("churn_risk_analyzer.py", book, "--compare", path, "--as-of", "2026-11-15")
    assert (done.returncode, done.stderr) == (1, f"error: --compare {path}: customers[0] has no usable customer_id, "
                                                 "churn score and band (a score from 0 to 100; a band, one of "
                                                 "low, medium, high, critical; an ARR from 0 to "
                                                 "1,000,000,000,000,000)\n")


def test_a_history_row_with_a_band_of_another_analysis_or_a_snapshot_without_a_date_is_skipped(tmp_path):
    import sqlite3
    history = tmp_path / "history.sqlite"
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + ", " + _account("A-2") + "]")
    for as_of in ("2026-11-01", "2026-11-08"):
        assert run("health_score_calculator.py", book, "--history", history, "--as-of", as_of).returncode == 0
    with sqlite3.connect(history) as connection:
        connection.execute("UPDATE account_snapshot SET band = 'purple' WHERE customer_id = 'A-1'")
        connection.execute("UPDATE snapshot SET as_of = '8 Nov' WHERE as_of = '2026-11-08'")
    connection.close()
    done = _scored_against(history, book)
    assert done.stderr == (f'warning: --history {history}: the health snapshot 2 is dated "8 Nov", not YYYY-MM-DD; '
                           "skipped\n"
                           f"warning: --history {history}: the health snapshot of 2026-11-01, account A-1: the band "
                           '"purple" is not one of green, yellow, red; skipped\n')
    changes = json.loads(done.stdout)["summary"]["changes"]
    assert changes["since"] == "2026-11-01" and changes["new_accounts"] == ["A-1"]


def test_a_history_is_written_only_after_the_report_and_memory_is_refused(tmp_path):
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    history = tmp_path / "history.sqlite"
    done = run("health_score_calculator.py", book, "--history", history, "--output", tmp_path / "missing" / "r.txt")
    assert done.returncode == 1 and not history.exists()
    done = run("health_score_calculator.py", book, "--history", ":memory:")
    assert (done.returncode, done.stderr) == (1, "error: --history :memory: is not a file: a history must be a file "
                                                 "kept between runs (give a path such as history.sqlite)\n")


# --- --output edges ---------------------------------------------------------------------------------

def test_output_onto_the_historys_wal_file_is_refused(tmp_path):
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    history = tmp_path / "h.sqlite"
    done = run("health_score_calculator.py", book, "--history", history, "--output", f"{history}-wal")
    assert done.returncode == 2 and not os.path.exists(f"{history}-wal")
    assert done.stderr.endswith(f"--output {history}-wal is a file SQLite keeps beside --history {history}: the "
                                "history would delete or overwrite the report; choose another output file\n")


def test_output_onto_a_read_only_file_is_refused_and_a_trailing_separator_names_a_folder(tmp_path):
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    kept = tmp_path / "kept.txt"
    kept.write_text("before")
    kept.chmod(0o444)
    done = run("health_score_calculator.py", book, "--output", kept)
    assert (done.returncode, kept.read_text()) == (1, "before")
    assert done.stderr == (f"error: --output {kept}: Permission denied (the file is read-only, and the report does "
                           "not replace it; make it writable or choose another output file)\n")
    folder = f"{tmp_path / 'reports'}{os.sep}"
    done = run("health_score_calculator.py", book, "--output", folder)
    assert (done.returncode, os.path.exists(tmp_path / "reports")) == (1, False)
    assert done.stderr == (f"error: --output {folder} ends in a separator, so it names a folder, and there is no "
                           "such folder; give a file name\n")


def test_a_temporary_file_left_a_day_ago_beside_the_output_is_removed_a_fresh_one_kept(tmp_path):
    import time
    book = tmp_path / "book.json"
    book.write_text("[" + _account("A-1") + "]")
    stale, fresh, other = (tmp_path / ".report.txt.abcd1234.tmp", tmp_path / ".report.txt.wxyz9876.tmp",
                           tmp_path / ".notes.txt.abcd1234.tmp")
    for path in (stale, fresh, other):
        path.write_text("partial")
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert run("health_score_calculator.py", book, "--output", tmp_path / "report.txt").returncode == 0
    assert (stale.exists(), fresh.exists(), other.exists()) == (False, True, True)


# --- what a run holds: rejected records past the first thousand are counted, on stderr too ----------------

@pytest.mark.parametrize("output_format", ["json", "text", "markdown"])
def test_rejected_records_past_the_first_thousand_are_counted_not_listed(tmp_path, output_format):
    path = tmp_path / "book.json"
    path.write_text("[" + "1, " * 1200 + _account("A-1") + "]")
    done = run("health_score_calculator.py", path, "--format", output_format)
    lines = done.stderr.splitlines()
    assert done.returncode == 3 and len(lines) == 1002
    assert lines[999] == "error: [999]: record must be an object of customer fields, got 1"
    assert lines[1000:] == [
        "error: 200 more records were rejected, not named one by one (the first 1,000 are, above); their problems:",
        "error: record must be an object of customer fields, got 1: 200 records (first: [1000], [1001], [1002])"]
    if output_format == "json":
        report = json.loads(done.stdout)
        assert (len(report["rejected"]), report["rejected_not_listed"], report["summary"]["rejected_count"]) == \
            (1000, 200, 1200)
    else:
        assert "Rejected records (1200)" in done.stdout
        assert "and 200 more rejected records, counted but not listed" in done.stdout


def test_rejected_records_of_many_kinds_past_the_first_thousand_hold_a_bounded_count(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps([f"x{n}" for n in range(2500)])[:-1] + ", " + _account("A-1") + "]")
    done = run("health_score_calculator.py", path, "--format", "json")
    lines = done.stderr.splitlines()
    assert done.returncode == 3 and len(lines) == 1023
    assert lines[1000:1002] == [
        "error: 1,500 more records were rejected, not named one by one (the first 1,000 are, above); their problems:",
        'error: [1000]: record must be an object of customer fields, got "x1000"']
    assert lines[-2:] == ["error: ... and 980 more problems of this kind",
                          "error: ... and 500 more records with problems of other kinds, counted only"]
    assert json.loads(done.stdout)["rejected_not_listed"] == 1500


def test_the_backtest_counts_outcomes_of_records_rejected_past_the_first_thousand(tmp_path):
    bad = [dict(json.loads(_account(f"R-{n}")), arr="lots") for n in range(1200)]
    path = tmp_path / "book.json"
    path.write_text(json.dumps(bad)[:-1] + ", " + _account("A-1") + "]")
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("customer_id,churned\nA-1,no\nR-5,yes\nR-1100,yes\nR-1199,no\nZ-9,yes\n")
    done = run("health_score_calculator.py", path, "--format", "json", "--outcomes", outcomes)
    assert done.returncode == 3, done.stderr
    unmatched = json.loads(done.stdout)["backtest"]["unmatched_outcomes"]
    assert unmatched["rejected_in_portfolio"] == {"count": 3, "customer_ids": ["R-1100", "R-1199", "R-5"]}
    assert unmatched["not_in_portfolio"] == {"count": 1, "customer_ids": ["Z-9"]}
    text = run("health_score_calculator.py", path, "--outcomes", outcomes).stdout
    assert "Outcomes for records the tool rejected: 3 (R-1100, R-1199, R-5)" in text


def _declining_and_lapsed_book(tmp_path, count):
    """`count` accounts, each declining (its previous overall score 100) and lapsed (renewal 2020), ids D-00 up
    written in reverse order."""
    path = tmp_path / "book.jsonl"
    path.write_text("".join(_account(f"D-{n:02d}", previous_period={"overall_score": 100},
                                     contract_end_date="2020-01-01") + "\n" for n in reversed(range(count))))
    return path


@pytest.mark.parametrize("output_format", ["json", "jsonl"])
def test_a_summary_names_the_first_twenty_ids_beside_the_count_streamed_or_not(tmp_path, output_format):
    path = _declining_and_lapsed_book(tmp_path, 25)
    first = [f"D-{n:02d}" for n in range(20)]
    def summary(tool):  # jsonl: the summary is the last line
        stdout = run(tool, path, "--format", output_format).stdout
        return json.loads(stdout.splitlines()[-1] if output_format == "jsonl" else stdout)["summary"]
    health = summary("health_score_calculator.py")
    assert (health["declining_count"], health["declining_customers"]) == (25, first)
    lapsed = summary("churn_risk_analyzer.py")["lapsed_renewals"]
    assert (lapsed["count"], lapsed["customer_ids"]) == (25, first)


def test_the_text_and_markdown_summaries_count_the_ids_they_do_not_name(tmp_path):
    path = _declining_and_lapsed_book(tmp_path, 25)
    health = run("health_score_calculator.py", path).stdout
    assert "Declining: 25 accounts (D-00, D-01, D-02, D-03, D-04, D-05, D-06, D-07, D-08, D-09 and 15 more)" in \
        " ".join(health.split())
    churn = run("churn_risk_analyzer.py", path, "--format", "markdown").stdout
    assert "**Lapsed:** " + ", ".join(f"D-{n:02d}" for n in range(20)) + " and 5 more\n" in churn


def test_a_record_of_sixty_thousand_keys_is_rejected_in_one_line_and_the_rest_scored(tmp_path):
    record = json.loads(_account("A-1"))
    record.update({f"x{n}": 1 for n in range(60_000)})
    path = tmp_path / "book.json"
    path.write_text("[" + json.dumps(record) + ", " + _account("A-2") + "]")
    done = run("health_score_calculator.py", path, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == (f"error: [0]: the record holds {60_000 + len(NORTHWIND):,} keys (its sections' "
                           "counted), more than the 10,000 a customer record may have\n")


def test_an_id_of_a_million_characters_is_never_echoed_whole(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows_of("A-1", "I" * 1_000_000)))
    done = run("health_score_calculator.py", path, "--format", "csv")
    assert done.returncode == 3 and len(done.stdout) < 10_000 and len(done.stderr) < 1000
    assert done.stderr == "error: row 3: customer_id must be at most 200 characters, got 1000000\n"


def test_a_map_stating_the_number_format_of_the_source_reads_every_numeric_column_and_a_column_s_own_wins(tmp_path):
    rows = rows_of("A-1")
    rows[1] = [f'"{cell}"'.replace(".", ",") if re.fullmatch(r"-?[0-9]+\.[0-9]+", str(cell)) else cell
               for cell in rows[1]]  # every decimal written with a comma (0,31) ...
    rows[1][rows[0].index("arr")] = '"64.000"'
    rows[1][rows[0].index("engagement.csat_score")] = "4.1"  # ... but the one column whose own format says points
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"number_format": "1.234,5",
                                   "fields": {"engagement.csat_score": {"column": "engagement.csat_score",
                                                                        "number_format": "1,234.5"}}}))
    done = run("health_score_calculator.py", path, "--map", mapping, "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    account = json.loads(done.stdout)["customers"][0]
    northwind = json.loads(run("health_score_calculator.py", _write(tmp_path, "[" + _account("A-1") + "]"),
                               "--format", "json").stdout)["customers"][0]
    assert account["arr"] == 64000
    assert account["dimensions"] == northwind["dimensions"]  # 0,31 read as 0.31, 4.1 as 4.1
    mapping.write_text(json.dumps({"number_format": "1,234"}))
    done = run("health_score_calculator.py", path, "--map", mapping)
    assert (done.returncode, done.stderr) == (1, f"error: map {mapping}: number_format is one of 1,234.5, 1.234,5 "
                                                 '(how the export writes 1234.5, for every numeric column); got '
                                                 '"1,234"\n')


def _write(tmp_path, text):
    path = tmp_path / "book.json"
    path.write_text(text)
    return path


def test_a_map_stating_the_european_number_format_reads_the_column_rightly(tmp_path):
    rows = rows_of("A-1", "A-2")
    rows[0][rows[0].index("arr")] = "Umsatz"
    rows[1][rows[0].index("Umsatz")] = '"420.000"'
    rows[2][rows[0].index("Umsatz")] = '"1.250.000,50"'
    path = tmp_path / "book.csv"
    path.write_text(csv_text(rows))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"fields": {"arr": {"column": "Umsatz", "number_format": "1.234,5"}}}))
    done = run("health_score_calculator.py", path, "--map", mapping, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sorted((a["customer_id"], a["arr"]) for a in json.loads(done.stdout)["customers"]) == \
        [("A-1", 420000), ("A-2", 1250000)]  # 1,250,000.50 read, in whole units (half to even)
    rows[2][rows[0].index("Umsatz")] = '"1,250,000.50"'  # the other format: refused, not read as 1.25
    path.write_text(csv_text(rows))
    done = run("health_score_calculator.py", path, "--map", mapping, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == ('error: row 3 (A-2): arr must be a number written 1.234,5 (the map\'s number_format), '
                           'got "1,250,000.50"\n')
    mapping.write_text(json.dumps({"fields": {"arr": {"column": "Umsatz", "number_format": "1 234,5"}}}))
    done = run("health_score_calculator.py", path, "--map", mapping)
    assert (done.returncode, done.stderr) == (1, f'error: map {mapping}: fields.arr.number_format applies to numbers '
                                                 'and is one of 1,234.5, 1.234,5 (how the export writes 1234.5); got '
                                                 '"1 234,5"\n')


def test_a_json_book_s_text_under_a_map_s_number_format_is_read_as_the_number_it_writes(tmp_path):
    path = _write(tmp_path, json.dumps([dict(json.loads(_account("A-1")), arr="420.000"),
                                        dict(json.loads(_account("A-2")), arr="1,250,000.50"),
                                        dict(json.loads(_account("A-3")), arr="n/a")]))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"fields": {"arr": {"column": "arr", "number_format": "1.234,5"}}}))
    done = run("health_score_calculator.py", path, "--map", mapping, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == ('error: [1] (A-2): arr must be a number written 1.234,5 (the map\'s number_format), '
                           'got "1,250,000.50"\n'
                           'error: [2] (A-3): arr must be a number of 0 or more, got "n/a"\n')
    assert [(a["customer_id"], a["arr"]) for a in json.loads(done.stdout)["customers"]] == [("A-1", 420000)]


def test_an_account_brief_of_a_record_rejected_past_the_first_thousand_names_its_problems(tmp_path):
    bad = [dict(json.loads(_account(f"R-{n}")), arr="lots") for n in range(1200)]
    path = tmp_path / "book.json"
    path.write_text(json.dumps(bad)[:-1] + ", " + _account("A-1") + "]")
    done = run("portfolio_report.py", path, "--account", "R-1100", "--format", "json")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == ('error: --account R-1100: the record was rejected ([1100]: arr must be a '
                                            'number of 0 or more, got "lots")')
    done = run("portfolio_report.py", path, "--account", "A-1", "--format", "json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["rejected_not_listed"] == 200
