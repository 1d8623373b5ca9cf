"""Reading the export a team already has: maps, header matching, CRM value formats, .xlsx, warnings."""

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, SCRIPTS
from csm.ingest import columns as ingest, records as loading, rows, xlsx
from csm import values
from csm.errors import InputError
from csm.config.methodology import default_methodology

AS_OF = ("--as-of", "2026-11-22")
CRM_CSV = os.path.join(ROOT, "assets", "crm_export_sample.csv")
CRM_MAP = os.path.join(ROOT, "assets", "crm_export_map.json")
CRM_JSON = os.path.join(ROOT, "assets", "crm_export_sample.json")
# Engagement and support columns: with a usage metric or two, enough of the health model's weight.
ENGAGEMENT = ("engagement.support_ticket_volume,engagement.meeting_attendance,engagement.nps_score,"
              "engagement.csat_score,support.open_tickets,support.escalation_rate,support.avg_resolution_hours",
              "2,85,8,4.2,3,0.05,20")
TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")


def run(script, *args, stdin=None):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *map(str, args)],
                          input=stdin, capture_output=True, text=True, timeout=120)


def scored(script, *args):
    done = run(script, *args, *AS_OF, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def scrub(value, kept):
    """value without what only reading through a map adds: fields_kept (collected in `kept`), the MRR note."""
    if isinstance(value, dict):
        if "fields_kept" in value:
            kept[value.get("customer_id")] = value["fields_kept"]
        return {key: scrub(item, kept) for key, item in value.items() if key != "fields_kept"}
    if isinstance(value, list):
        return [scrub(item, kept) for item in value if not (isinstance(item, str) and 'is column "MRR" x 12' in item)]
    return value


def comparable(report):
    kept = {}
    return scrub(report, kept), kept


# --- the CRM sample: an export with its own headers, $ MRR, % rates, US dates, Yes/No -------

@pytest.mark.parametrize("script", TOOLS)
def test_the_crm_export_with_its_map_scores_exactly_as_the_same_book_in_schema_json(script):
    mapped, _ = scored(script, CRM_CSV, "--allow-partial", "--map", CRM_MAP)
    schema, _ = scored(script, CRM_JSON, "--allow-partial")
    (mapped, kept), (schema, none_kept) = comparable(mapped), comparable(schema)
    assert none_kept == {}
    assert mapped["customers"] == schema["customers"]
    assert mapped["summary"] == schema["summary"]
    assert kept["ACC-1001"] == {"Region": "EMEA"}
    assert {account["customer_id"]: account["owner"] for account in mapped["customers"]}["ACC-1001"] == \
        "Dana Whitfield"


def test_the_arr_read_from_mrr_is_said_in_the_account_notes():
    report, _ = scored("health_score_calculator.py", CRM_CSV, "--map", CRM_MAP)
    aurora = next(a for a in report["customers"] if a["customer_id"] == "ACC-1001")
    assert aurora["arr"] == 420000
    assert 'arr is column "MRR" x 12' in aurora["notes"]


@pytest.mark.parametrize("output_format", ["text", "markdown", "csv"])
def test_owner_and_kept_columns_show_in_every_format(output_format):
    done = run("churn_risk_analyzer.py", CRM_CSV, "--map", CRM_MAP, *AS_OF, "--format", output_format)
    assert done.returncode == 0, done.stderr
    assert "Dana Whitfield" in done.stdout and "EMEA" in done.stdout
    if output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(done.stdout)))
        aurora = next(row for row in rows if row["customer_id"] == "ACC-1001")
        assert (aurora["owner"], json.loads(aurora["fields_kept"])) == ("Dana Whitfield", {"Region": "EMEA"})


def test_the_portfolio_report_shows_the_owner_in_html_escaped(tmp_path):
    book = tmp_path / "book.csv"
    text = open(CRM_CSV, encoding="utf-8").read().replace("Dana Whitfield", "<b>Dana</b>")
    book.write_text(text, encoding="utf-8")
    done = run("portfolio_report.py", book, "--allow-partial", "--map", CRM_MAP, *AS_OF, "--format", "html")
    assert done.returncode == 0, done.stderr
    assert "&lt;b&gt;Dana&lt;/b&gt;" in done.stdout and "<b>Dana</b>" not in done.stdout


# --- .xlsx: the same book as a workbook, laid out as Excel and as LibreOffice save it --------

def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_workbook(path, rows, layout="excel", date_columns=(), percent_columns=(), date1904=False,
                   sheet_name="Accounts", extra_sheets=(), inline=False):
    """Write rows (header first) as an .xlsx the way Excel (shared strings, styles) or LibreOffice
    (inline strings off, different part order and prefixes) saves it; numbers stay numbers."""
    strings, index = [], {}
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cells_xml = []
    for row_number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            if value is None or value == "":
                continue  # sparse: the cell is left out
            ref = f"{_column_letter(column)}{row_number}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                style = ' s="1"' if column in date_columns and row_number > 1 else \
                    ' s="2"' if column in percent_columns and row_number > 1 else ""
                cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
            elif inline:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml(value)}</t></is></c>')
            else:
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
        cells_xml.append(f'<row r="{row_number}">{"".join(cells)}</row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{main}">'
             f'<sheetData>{"".join(cells_xml)}</sheetData></worksheet>')
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" '
              f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{_xml(s)}</t></si>" for s in strings) + "</sst>")
    if layout == "excel":
        styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}"><cellXfs count="3">'
                  '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="9"/></cellXfs></styleSheet>')
    else:  # LibreOffice writes a custom date code and a prefixed namespace
        styles = (f'<?xml version="1.0" encoding="UTF-8"?><x:styleSheet xmlns:x="{main}"><x:numFmts count="2">'
                  '<x:numFmt numFmtId="164" formatCode="MM/DD/YYYY"/><x:numFmt numFmtId="165" formatCode="0.0%"/>'
                  '</x:numFmts><x:cellXfs count="3"><x:xf numFmtId="0"/><x:xf numFmtId="164"/>'
                  '<x:xf numFmtId="165"/></x:cellXfs></x:styleSheet>')
    sheets = [(sheet_name, "rId1")] + [(name, f"rId{n + 3}") for n, name in enumerate(extra_sheets)]
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                + (f'<workbookPr date1904="{"true" if date1904 else "false"}"/>')
                + "<sheets>" + "".join(f'<sheet name="{_xml(n)}" sheetId="{i + 1}" r:id="{r}"/>'
                                       for i, (n, r) in enumerate(sheets)) + "</sheets></workbook>")
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{office}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rIdS" Type="{office}/styles" Target="styles.xml"/>'
            + "".join(f'<Relationship Id="rId{n + 3}" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
                      for n in range(len(extra_sheets)))
            + '</Relationships>')
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types '
             'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}.worksheet+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{sml}.styles+xml"/>'
             f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sml}.sharedStrings+xml"/></Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
                 f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
                 '</Relationships>')
    parts = [("[Content_Types].xml", types), ("_rels/.rels", root_rels),
             ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels),
             ("xl/styles.xml", styles), ("xl/sharedStrings.xml", shared), ("xl/worksheets/sheet1.xml", sheet)]
    if layout != "excel":
        parts.reverse()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts:
            archive.writestr(name, text)
    return path


def minimal_workbook(path, sheet, shared=None):
    """The fewest parts a reader needs: the workbook, its relationships, one sheet (and shared strings)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{xlsx.REL_NS}"><sheets>'
                         '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="x"><Relationship Id="rId1" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return path


def _xml(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def crm_rows_as_workbook_values(date1904=False):
    """The CRM sample's rows with what a spreadsheet stores: numbers, date serials, fractions in % cells."""
    with open(CRM_CSV, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    date_column = header.index("Renewal Date")
    percent_columns = {i for i, name in enumerate(header) if "%" in name or name in ("DAU/MAU", "Escalation Rate")}
    import datetime
    out = [header]
    for row in rows[1:]:
        values_row = []
        for column, cell in enumerate(row):
            if column == date_column:
                month, day, year = map(int, cell.split("/"))
                base = datetime.date(1904, 1, 1) if date1904 else datetime.date(1899, 12, 30)
                values_row.append((datetime.date(year, month, day) - base).days)
            elif column in percent_columns and cell.endswith("%"):
                import decimal
                values_row.append(float(decimal.Decimal(cell[:-1]).scaleb(-2)))
            elif cell.replace(",", "").replace("$", "").replace(".", "", 1).lstrip("-").isdigit():
                number = cell.replace(",", "").replace("$", "")
                values_row.append(float(number) if "." in number else int(number))
            else:
                values_row.append(cell)
        out.append(values_row)
    return out, date_column, percent_columns


@pytest.mark.parametrize("layout, date1904", [("excel", False), ("libreoffice", False), ("excel", True)])
@pytest.mark.parametrize("script", ["health_score_calculator.py", "churn_risk_analyzer.py"])
def test_an_xlsx_workbook_of_the_crm_book_scores_exactly_as_the_schema_json(tmp_path, script, layout, date1904):
    rows, date_column, percent_columns = crm_rows_as_workbook_values(date1904)
    book = write_workbook(tmp_path / "export.xlsx", rows, layout, {date_column}, percent_columns, date1904)
    # In a workbook the renewal date is a real date: the map needs no date_format for it.
    field_map = json.load(open(CRM_MAP, encoding="utf-8"))
    field_map["fields"]["contract_end_date"] = "Renewal Date"
    map_path = tmp_path / "map.json"
    map_path.write_text(json.dumps(field_map))
    mapped, _ = scored(script, book, "--map", map_path)
    schema, _ = scored(script, CRM_JSON)
    (mapped, kept), (schema, _) = comparable(mapped), comparable(schema)
    assert kept[rows[1][0]] == {"Region": rows[1][5]}
    assert mapped["customers"] == schema["customers"]


def test_the_xlsx_reader_handles_rich_text_inline_strings_booleans_errors_formulas_and_sparse_rows(tmp_path):
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (f'<worksheet xmlns="{main}"><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>b</t></is></c>'
             '<c r="D1" t="s"><v>1</v></c></row>'
             '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="e"><v>#N/A</v></c>'
             '<c r="C3"><f>1+1</f><v>2</v></c><c r="D3" t="str"><f>"x"</f><v>x</v></c></row>'
             '</sheetData></worksheet>')
    shared = (f'<sst xmlns="{main}"><si><r><t>Rich</t></r><r><rPr/><t xml:space="preserve"> text</t></r>'
              '<rPh><t>PHONETIC</t></rPh></si><si><t>d</t></si></sst>')
    path = minimal_workbook(tmp_path / "cells.xlsx", sheet, shared)
    rows = list(xlsx.read_sheet(str(path), "cells.xlsx").rows())
    assert rows == [(1, ["Rich text", "b", "", "d"]), (3, ["true", "#N/A", "2", "x"])]


def test_an_xlsx_with_a_doctype_is_refused_and_no_entity_is_expanded(tmp_path):
    plain = write_workbook(tmp_path / "plain.xlsx", [["customer_id"], ["A-1"]])
    path = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            text = source.read(name)
            if name == "xl/sharedStrings.xml":
                text = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst><si><t>&a;</t></si></sst>'
            archive.writestr(name, text)
    done = run("health_score_calculator.py", path)
    assert done.returncode == 1
    assert "declares a DOCTYPE or ENTITY; refused" in done.stderr and "Traceback" not in done.stderr


def test_an_xlsx_part_that_unpacks_past_the_cap_is_refused_as_a_zip_bomb(tmp_path, monkeypatch):
    path = write_workbook(tmp_path / "bomb.xlsx", [["customer_id"], ["A-1"]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet2.xml", "<a>" + " " * 3_000_000 + "</a>")
    monkeypatch.setattr(xlsx, "MAX_TOTAL_BYTES", 1 << 20)
    with pytest.raises(InputError, match="refused as a possible zip bomb"):
        sheet = xlsx.read_sheet(str(path), "bomb.xlsx")
        # the big part is not the sheet: read it as one to hit the cap
        list(xlsx._chunks(zipfile.ZipFile(path), "xl/worksheets/sheet2.xml", "bomb.xlsx", xlsx._Budget("b")))
        list(sheet.rows())


def test_a_missing_sheet_is_an_error_listing_the_sheets_and_sheet_picks_one(tmp_path):
    path = write_workbook(tmp_path / "two.xlsx", [["customer_id", "arr"], ["A-1", 5]], extra_sheets=["Other"])
    done = run("health_score_calculator.py", path, "--sheet", "Nope")
    assert (done.returncode, done.stderr) == (1, f"error: {path} has no sheet named 'Nope'; its sheets: "
                                                 "'Accounts', 'Other'\n")
    assert xlsx.read_sheet(str(path), "two", "other").title == "Other"


def test_excel_date_serials_in_both_date_systems():
    assert xlsx.serial_date(46387, False) == "2026-12-31"
    assert xlsx.serial_date(46387 - 1462, True) == "2026-12-31"
    assert xlsx.serial_date(60, False) is None  # 1900-02-29 never was


# --- header matching without a map -----------------------------------------------------------

def test_crm_account_headers_need_no_map(tmp_path):
    book = tmp_path / "crm.csv"
    book.write_text("Account ID,Account Name,ARR,Segment,Login Frequency (%),Feature Adoption,DAU MAU Ratio,"
                    f"{ENGAGEMENT[0]}\nA-1,Acme,\"$64,000\",Mid-Market,72%,55,31%,{ENGAGEMENT[1]}\n")
    report, _ = scored("health_score_calculator.py", book, "--allow-partial")
    account = report["customers"][0]
    assert (account["customer_id"], account["name"], account["arr"], account["segment"]) == \
        ("A-1", "Acme", 64000, "mid-market")
    assert account["dimensions"]["usage"]["score"] is not None
    assert "usage.login_frequency" not in account["missing_metrics"]


def test_a_misspelled_header_is_named_on_stderr_with_the_closest_schema_path(tmp_path, northwind):
    book = tmp_path / "typo.csv"
    book.write_text("customer_id,segment,arr,usage.login_frequency,relationship.renewal_sentimnet\n"
                    "A-1,smb,100,72,positive\n")
    done = run("health_score_calculator.py", book, *AS_OF)
    assert (f'warning: {book}: column "relationship.renewal_sentimnet" is not read; did you mean '
            "relationship.renewal_sentiment?\n") in done.stderr


def test_a_misspelled_top_level_json_key_is_named_once_per_file(write_json, northwind):
    northwind["renewal_dat"] = "2027-01-01"
    path = write_json({"customers": [northwind, dict(northwind, customer_id="B")]})
    done = run("churn_risk_analyzer.py", path, *AS_OF)
    assert done.stderr.count('key "renewal_dat" is not read') == 1


def test_the_health_tool_does_not_warn_about_churn_columns_and_warns_of_a_metric_no_record_has(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("customer_id,segment,arr,usage.login_frequency,usage.feature_adoption,"
                    f"usage_decline.login_trend,{ENGAGEMENT[0]}\nA-1,smb,100,72,50,-3,{ENGAGEMENT[1]}\n")
    done = run("health_score_calculator.py", book, "--allow-partial", *AS_OF)
    assert "login_trend" not in done.stderr
    assert f"warning: {book}: no record carries usage.dau_mau_ratio; the scores rest on the metrics present\n" \
        in done.stderr


def test_unread_column_warnings_are_bounded(tmp_path):
    book = tmp_path / "wide.csv"
    header = ["customer_id", "segment", "arr"] + [f"extra_{n}" for n in range(4000)]
    book.write_text(",".join(header) + "\n" + ",".join(["A-1", "smb", "5"] + ["x"] * 4000) + "\n")
    done = run("health_score_calculator.py", book, *AS_OF)
    lines = [line for line in done.stderr.splitlines() if "not read" in line]
    assert len(lines) == ingest.WARNING_LINES + 1
    assert lines[-1] == f"warning: {book}: ... and {4000 - ingest.WARNING_LINES} more columns are not read"


def test_a_header_past_the_cap_is_one_clear_error(tmp_path):
    book = tmp_path / "huge.csv"
    book.write_text(",".join(f"c{n}" for n in range(rows.MAX_COLUMNS + 1)) + "\nx\n")
    done = run("health_score_calculator.py", book)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "at most 5,000 columns" in done.stderr


# --- the map -----------------------------------------------------------------------------------

def test_a_map_naming_a_column_the_file_does_not_have_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"fields": {"customer_id": "Record ID", "usage.login_frequency": "Logins"}}))
    done = run("health_score_calculator.py", CRM_CSV, "--map", bad)
    assert done.returncode == 1
    assert done.stderr.startswith(f'error: map {bad}: fields.usage.login_frequency names the column "Logins", '
                                  f"which {CRM_CSV} does not have\n")


def test_a_map_path_no_analysis_reads_is_refused_with_the_closest_one(tmp_path):
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"fields": {"usage.login_frequncy": "Logins"}}))
    done = run("health_score_calculator.py", CRM_CSV, "--map", bad)
    assert (done.returncode, done.stderr) == (1, f"error: map {bad}: fields.usage.login_frequncy is not a field "
                                                 "any analysis reads; did you mean usage.login_frequency?\n")


def test_a_map_can_name_a_metric_a_config_adds(tmp_path):
    config = os.path.join(ROOT, "assets", "methodology", "five-dimension.json")
    schema = ingest.Schema(__import__("csm.config.methodology", fromlist=["x"]).load_methodology(config))
    field_map = ingest.check_map({"fields": {"business_outcomes.goals_met_pct": "Goals Met"}}, schema)
    assert [field.path for field in field_map.fields] == ["business_outcomes.goals_met_pct"]
    with pytest.raises(InputError):
        ingest.check_map({"fields": {"business_outcomes.goals_met_pct": "x"}}, ingest.Schema(default_methodology()))


def test_a_json_book_is_read_through_a_map_with_dotted_keys(write_json, tmp_path):
    path = write_json([{"id": "A-1", "crm": {"mrr": 1000, "tier": "SMB"}, "usage": {"login_frequency": 80,
                        "feature_adoption": 60, "dau_mau_ratio": 0.3}, "region": "EMEA",
                        "engagement": {"support_ticket_volume": 2, "meeting_attendance": 85, "nps_score": 8},
                        "support": {"open_tickets": 3, "escalation_rate": 0.05, "avg_resolution_hours": 20}}])
    field_map = tmp_path / "map.json"
    field_map.write_text(json.dumps({"fields": {"customer_id": "id", "arr": {"column": "crm.mrr", "scale": 12},
                                                "segment": "crm.tier"}, "keep": ["region"]}))
    report, _ = scored("health_score_calculator.py", path, "--allow-partial", "--map", field_map)
    account = report["customers"][0]
    assert (account["arr"], account["segment"], account["fields_kept"]) == (12000, "smb", {"region": "EMEA"})


def test_print_map_prints_the_inferred_map_ready_to_edit(tmp_path):
    book = tmp_path / "crm.csv"
    book.write_text(f"Record ID,Company name,MRR,Login Frequency,Region,{ENGAGEMENT[0]}\n"
                    f"A-1,Acme,100,70,EMEA,{ENGAGEMENT[1]}\n")
    done = run("health_score_calculator.py", book, "--print-map")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"fields": {"customer_id": "Record ID", "name": "Company name",
                                                  "arr": {"column": "MRR", "scale": 12},
                                                  "usage.login_frequency": "Login Frequency",
                                                  **{path: path for path in ENGAGEMENT[0].split(",")}},
                                       "keep": ["Region"]}
    edited = tmp_path / "map.json"
    edited.write_text(done.stdout)
    assert run("health_score_calculator.py", book, "--allow-partial", "--map", edited, *AS_OF).returncode == 0


# --- CRM value formats: one rule on every Python --------------------------------------------

def test_seven_comma_five_in_a_numeric_cell_rejects_that_record_naming_the_field(tmp_path):
    # the column's other value (7.5) shows decimal points, so 7,5 is neither 75 nor 7.5 (csm.ingest.numbers)
    book = tmp_path / "book.csv"
    book.write_text("customer_id,segment,arr,relationship.multi_threading_depth,usage.login_frequency,"
                    f"usage.feature_adoption,usage.dau_mau_ratio,{ENGAGEMENT[0]}\n"
                    f'A-1,smb,100,"7,5",70,50,0.3,{ENGAGEMENT[1]}\nA-2,smb,100,7.5,70,50,0.3,{ENGAGEMENT[1]}\n')
    done = run("health_score_calculator.py", book, *AS_OF, "--format", "json")
    assert done.returncode == 3
    assert 'error: row 2 (A-1): relationship.multi_threading_depth must be a number of 0 or more, got "7,5"\n' \
        in done.stderr
    assert [a["customer_id"] for a in json.loads(done.stdout)["customers"]] == ["A-2"]


@pytest.mark.parametrize("text, ratio, expected", [
    ("72%", False, 72), ("72%", True, 0.72), ("7.2%", True, 0.072), ("$1,234", False, 1234),
    ("USD 1,234.50", False, 1234.5), ("1,234,567.5", False, 1234567.5), ("-$64,000", False, -64000),
    ("64000 EUR", False, 64000), ("1e3", False, 1000.0), (" 72 ", False, 72),
    ("7,5", False, None), ("1.234,5", False, None), ("1_000", False, None), ("12,34", False, None),
    ("\u0667\u0662", False, None), ("\uff17\uff12", False, None), ("nan", False, None), ("inf", False, None),
    ("1,2345", False, None), ("", False, None), ("$", False, None),
])
def test_crm_number_text_follows_one_strict_rule(text, ratio, expected):
    assert values.parse_number_text(text, ratio) == expected


def test_a_percent_sign_fits_a_percentage_or_a_ratio_never_a_count():
    problems = []
    assert values.number("31%", "usage.dau_mau_ratio", problems, 0, 1, from_text=True) == 0.31
    assert values.number("72%", "usage.login_frequency", problems, 0, 100, from_text=True) == 72
    assert values.number("3%", "support.open_tickets", problems, 0, None, from_text=True) is None
    assert problems == ['support.open_tickets must be a number of 0 or more, got "3%"']


@pytest.mark.parametrize("text, expected", [
    ("2026-12-31", "2026-12-31"), ("2026-12-31T00:00:00Z", "2026-12-31"), ("2026-12-31T23:59:59.123+05:30",
                                                                          "2026-12-31"),
    ("2026-12-31 08:00", "2026-12-31"), ("2026-W01-1", None), ("20260101", None), ("2026-02-30", None),
    ("2026-12-31T25:00", None), ("\u0662\u0660\u0662\u0666-12-31", None), ("12/31/2026", None),
])
def test_dates_follow_one_rule_on_every_python(text, expected):
    parsed = values.parse_iso_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_a_date_format_reads_us_dates_and_names_itself_when_a_cell_does_not_fit(tmp_path):
    book = tmp_path / "book.csv"
    signals = ("usage_decline.login_trend,usage_decline.feature_adoption_change,engagement_drop.meeting_cancellations,"
               "support_issues.open_escalations,relationship_signals.champion_left,relationship_signals.sponsor_change,"
               "commercial_factors.contract_type,commercial_factors.pricing_complaints", "-5,-2,1,0,No,No,annual,No")
    book.write_text(f"customer_id,segment,arr,Renewal,{signals[0]}\n"
                    f"A-1,smb,100,12/31/2026,{signals[1]}\nA-2,smb,100,31/12/2026,{signals[1]}\n")
    field_map = tmp_path / "map.json"
    field_map.write_text(json.dumps({"fields": {"contract_end_date": {"column": "Renewal",
                                                                      "date_format": "%m/%d/%Y"}}}))
    done = run("churn_risk_analyzer.py", book, "--allow-partial", "--map", field_map, *AS_OF, "--format", "json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["customers"][0]["contract_end_date"] == "2026-12-31"
    assert ('error: row 3 (A-2): contract_end_date must be a date written %m/%d/%Y (the map\'s date_format) '
            'or YYYY-MM-DD, got "31/12/2026"\n') in done.stderr


@pytest.mark.parametrize("word, expected", [("Yes", True), ("no", False), ("Checked", True),
                                            ("unchecked", False), ("TRUE", True), ("0", False)])
def test_crm_booleans(word, expected):
    assert values.boolean(word, "relationship_signals.champion_left", [], from_text=True) is expected


# --- CSV damage ---------------------------------------------------------------------------------

def test_an_unclosed_quote_is_named_where_it_opens_and_every_record_is_accounted_for(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text(f"customer_id,segment,arr,{ENGAGEMENT[0]},usage.login_frequency\n"
                    f"A-1,smb,100,{ENGAGEMENT[1]},70\n"
                    f'A-2,smb,100,{ENGAGEMENT[1]},"70\n'
                    f"A-3,smb,100,{ENGAGEMENT[1]},70\n")
    done = run("health_score_calculator.py", book, "--allow-partial", *AS_OF, "--format", "json")
    assert done.returncode == 3
    report = json.loads(done.stdout)
    assert [a["customer_id"] for a in report["customers"]] == ["A-1"]
    assert report["rejected"][0]["location"] == "row 3"
    assert "error: row 3: a quote opens in this row (line 3) and is never closed: the 1 lines after it" \
        in done.stderr


def test_a_multi_line_quoted_cell_is_still_read(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text(f'customer_id,name,segment,arr,usage.login_frequency,{ENGAGEMENT[0]}\n'
                    f'A-1,"Acme\nInc",smb,100,70,{ENGAGEMENT[1]}\n')
    report, _ = scored("health_score_calculator.py", book, "--allow-partial")
    assert report["customers"][0]["name"] == "Acme\nInc"


# --- retention ----------------------------------------------------------------------------------

def test_retention_file_gives_nrr_and_grr_to_a_csv_book(tmp_path):
    retention = tmp_path / "retention.json"
    retention.write_text(json.dumps({"starting_arr": 700000, "expansion_arr": 50000, "contraction_arr": 10000,
                                     "churned_arr": 20000}))
    report, _ = scored("portfolio_report.py", CRM_CSV, "--allow-partial", "--map", CRM_MAP, "--retention", retention)
    assert report["views"]["book"]["retention"]["nrr"]["value"] == 102.9
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"starting_arr": 0}))
    done = run("portfolio_report.py", CRM_CSV, "--allow-partial", "--map", CRM_MAP, "--retention", bad)
    assert done.returncode == 1 and done.stderr.startswith(f"error: --retention {bad}: retention.")


# --- the hot path -------------------------------------------------------------------------------

def test_a_book_in_schema_names_is_read_without_a_per_record_step(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("customer_id,segment,arr\nA-1,smb,100\n")
    opened = loading.open_portfolio(str(book), methodology=default_methodology())
    raw = next(iter(opened.records()))[2]
    assert type(raw) is dict  # no MappedRecord: nothing more per record than before


def test_a_map_naming_a_key_no_json_record_has_is_an_error_naming_it(write_json, tmp_path, northwind):
    path = write_json({"customers": [northwind]})
    field_map = tmp_path / "map.json"
    field_map.write_text(json.dumps({"fields": {"owner": "crm.owner"}}))
    done = run("health_score_calculator.py", path, "--map", field_map, *AS_OF)
    assert (done.returncode, done.stderr) == (1, f'error: map {field_map}: fields.owner names the key "crm.owner", '
                                                 f"which no record of {path} has\n")


def test_arr_is_read_from_an_arr_column_before_an_mrr_one(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text(f"Record ID,MRR,ARR,Segment,usage.login_frequency,{ENGAGEMENT[0]}\n"
                    f"A-1,100,5000,smb,70,{ENGAGEMENT[1]}\n")
    done = run("health_score_calculator.py", book, "--allow-partial", *AS_OF, "--format", "json")
    assert json.loads(done.stdout)["customers"][0]["arr"] == 5000
    assert f'warning: {book}: column "MRR" is not read: another column gives arr\n' in done.stderr


def test_a_sheet_row_of_empty_styled_cells_is_no_row(tmp_path):
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    path = minimal_workbook(tmp_path / "styled.xlsx", f'<worksheet xmlns="{main}"><sheetData>'
                            '<row r="1"><c r="A1" s="3"/><c r="B1" s="3"/></row>'
                            '<row r="2"><c r="A2" t="inlineStr"><is><t>customer_id</t></is></c></row>'
                            '</sheetData></worksheet>')
    assert list(xlsx.read_sheet(str(path), "styled").rows()) == [(2, ["customer_id"])]


def test_an_openpyxl_style_workbook_with_inline_strings_reads_as_the_shared_string_one(tmp_path):
    rows, date_column, percent_columns = crm_rows_as_workbook_values()
    shared = write_workbook(tmp_path / "shared.xlsx", rows, "excel", {date_column}, percent_columns)
    inline = write_workbook(tmp_path / "inline.xlsx", rows, "excel", {date_column}, percent_columns, inline=True)
    assert list(xlsx.read_sheet(str(shared), "s").rows()) == list(xlsx.read_sheet(str(inline), "i").rows())


def test_a_quote_closed_too_late_rejects_only_the_row_it_swallowed(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text(f"customer_id,segment,arr,{ENGAGEMENT[0]},usage.login_frequency\n"
                    f"A-1,smb,100,{ENGAGEMENT[1]},70\n"
                    f'A-2,smb,100,{ENGAGEMENT[1]},"70\n'
                    f'A-3,smb,100,{ENGAGEMENT[1]},"7"0\n'
                    f"A-4,smb,100,{ENGAGEMENT[1]},70\n")
    done = run("health_score_calculator.py", book, "--allow-partial", *AS_OF, "--format", "json")
    report = json.loads(done.stdout)
    assert [a["customer_id"] for a in report["customers"]] == ["A-1", "A-4"]
    assert "error: row 3: a quoted cell of this row opens at line 3 and runs to line 4: a quote is not closed" \
        in done.stderr
