"""Damaged portfolios through every tool: nothing lost, no traceback, no NaN in any output.

A seeded random suite (standard library `random`, fixed seeds) takes the valid
records of assets/sample_customer_data.json and damages them: deleted fields,
wrong types, NaN, Infinity, huge numbers, empty strings, unicode, control
characters, lists where objects belong, whole records that are not objects,
duplicate ids. Each portfolio goes through each tool as JSON, JSON Lines or CSV,
in several formats, and the run must keep references/interface.md's promises:

- no traceback, and an exit status of 0 (all scored), 3 (some rejected) or 1 (none);
- every input record scored or listed under `rejected` (the counts add up);
- no NaN or Infinity in any output.

Then explicit cases: deep nesting, a file that is not UTF-8, empty files, CSV
without a header or with extra columns, formulas in names, lines of several
megabytes, one account, a folder, a missing file, --output into a missing folder,
a failed run next to an existing --output file.

Most runs call each script's `main(argv)` in-process (fast); a few run the
scripts as a user does, as subprocesses.
"""

import copy
import csv
import importlib
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import SAMPLE, SCRIPTS
from conftest import formats_of as conftest_formats_of

TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py",
         "portfolio_report.py")
AS_OF = ("--as-of", "2026-11-22")
SEEDS = range(60)
with open(SAMPLE, encoding="utf-8") as _handle:
    RECORDS = json.load(_handle)["customers"]

# ---------------------------------------------------------------------------
# Damage


# Values that do not belong where they land. No "nan"/"inf" words among the strings,
# so that a word of a name is never mistaken for a NaN in the output.
BAD_VALUES = [
    "", "   ", "high", "12abc", "72%", "$1,000", "1e5", "0x1F", "-0", "½", "١٢", "７２", "１２３",
    True, False, None, [], {}, [1, 2], {"a": 1}, [[{}]], [{"login_frequency": 50}],
    -1, -0.0, -1e-300, 1e308, -1e308, 10 ** 400, -(10 ** 400), 2 ** 63, 2 ** 1000 + 0.5,
    float("nan"), float("inf"), float("-inf"),
    "Ünïcödé ✓", "עברית", "e\u0301", "\u200b", "🎉🎉🎉", "\ud800", "a\udfffb", "\x00", "\x1b[31mred\x1b[0m",
    "line\nbreak", "tab\there", "\r=cmd", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "x" * 5000,
    "2026-02-30", "2026-13-01", "20261122", "0000-00-00", "9999-12-31", "1900-01-01",
]


def field_paths(value, prefix=()):
    """Yield the path of every field of a record (dicts are walked; lists are values)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from field_paths(child, prefix + (key,))


def parent_of(record, path):
    target = record
    for key in path[:-1]:
        target = target[key]
    return target


def damage_record(rng, record):
    """Damage one record in place (1-3 times); return the record, or what replaces it."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not isinstance(record, dict):
            break
        paths = list(field_paths(record))
        operation = rng.random()
        if not paths or operation < 0.04:
            return rng.choice(([record], "not a record", 42, None, [[[]]], True))
        path = rng.choice(paths)
        parent = parent_of(record, path)
        key = path[-1]
        if operation < 0.25:
            del parent[key]
        elif operation < 0.35:
            value = parent[key]
            parent[key] = [value] if rng.random() < 0.5 else [[value]]  # a list where an object (or value) belongs
        elif operation < 0.40:
            parent[key + "_extra"] = rng.choice(BAD_VALUES)  # an unknown field
        elif operation < 0.45 and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = -parent[key] * rng.choice((1, 10, 1000))
        else:
            parent[key] = copy.deepcopy(rng.choice(BAD_VALUES))
    return record


def damaged_portfolio(seed):
    """Return the sample's records, most of them damaged, some duplicated; seeded."""
    rng = random.Random(seed)
    records = []
    for record in RECORDS:
        record = copy.deepcopy(record)
        if rng.random() < 0.75:
            record = damage_record(rng, record)
        records.append(record)
    for _ in range(rng.randint(0, 3)):  # a duplicate, possibly damaged
        records.insert(rng.randrange(len(records) + 1), damage_record(rng, copy.deepcopy(rng.choice(RECORDS))))
    if rng.random() < 0.3:
        records.append({"customer_id": ""})
    return records


# ---------------------------------------------------------------------------
# Writing portfolios in the three shapes


def write_json(path, records):
    path.write_text(json.dumps({"customers": records}, allow_nan=True), encoding="utf-8")
    return len(records)


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record, allow_nan=True) + "\n" for record in records), encoding="utf-8")
    return len(records)


def flatten(value, prefix, row):
    if isinstance(value, dict) and value:
        for key, child in value.items():
            flatten(child, f"{prefix}.{key}" if prefix else str(key), row)
    elif isinstance(value, list):
        row[prefix] = ";".join(str(item) for item in value)
    elif isinstance(value, bool):
        row[prefix] = "true" if value else "false"
    elif value is None or value == {}:
        row[prefix] = ""
    else:
        row[prefix] = str(value)


def write_csv(path, records):
    """Write records as a CRM export would; return how many rows hold anything (the loader skips blank rows)."""
    rows = []
    for record in records:
        row = {}
        flatten(record if isinstance(record, dict) else {"customer_id": json.dumps(record)}, "", row)
        rows.append(row)
    columns = list(dict.fromkeys(column for row in rows for column in row if column))
    buffer = io.StringIO()
    # \r\n, as CRMs write: a cell holding a lone \r is then quoted too.
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8", "replace"))  # a lone surrogate: "?"
    return sum(1 for row in rows if any(str(row.get(column, "")).strip() for column in columns))


WRITERS = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}

# ---------------------------------------------------------------------------
# Running a tool and checking its promises


def load_tool(script):
    return importlib.import_module(script[:-3])


def formats_of(script):
    return conftest_formats_of(load_tool(script))


def no_constants(name):
    raise AssertionError(f"{name} in the JSON output")


def run_in_process(script, argv, capsys):
    """Run main(argv) in-process; return (status, output text or None, stderr). A raised exception fails the test."""
    output = argv[argv.index("--output") + 1] if "--output" in argv else None
    status = load_tool(script).main(argv)
    err = capsys.readouterr().err
    assert isinstance(status, int), f"{script} main returned {status!r}"
    assert "Traceback" not in err, err
    text = None
    if output and os.path.exists(output):
        with open(output, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
    return status, text, err


# NaN or Infinity as a figure. Quoting a bad value is fine: "got NaN" in the message about
# it, "segment Infinity is not one of ..." in the note on an account placed by its ARR.
NOT_A_NUMBER = re.compile(r"(?<![A-Za-z])(?<!got )(?<!got -)(?<!segment )(?<!segment -)(nan|inf|infinity)(?![A-Za-z])",
                          re.IGNORECASE)


def check_output(script, output_format, text, expected_records, from_csv):
    """Check one report: parseable, no NaN or Infinity, every record accounted for; return (scored, rejected)."""
    assert text is not None, f"{script} --format {output_format} wrote nothing"
    if output_format == "json":
        report = json.loads(text, parse_constant=no_constants)
        scored, rejected = len(report["customers"]), report["rejected"]
        assert scored + len(rejected) == expected_records, (script, scored, len(rejected), expected_records)
        assert report["summary"]["total_customers"] == scored
        assert report["summary"]["rejected_count"] == len(rejected)
        indexes = [entry["index"] for entry in rejected]
        assert len(set(indexes)) == len(indexes) and all(0 <= i < expected_records for i in indexes)
        for entry in rejected:
            assert entry["errors"] and all(isinstance(e, str) and e for e in entry["errors"]), entry
        return scored, len(rejected)
    if output_format == "jsonl":
        lines = [json.loads(line, parse_constant=no_constants) for line in text.splitlines()]
        assert len(lines) == expected_records + 1, (script, len(lines), expected_records)
        assert "summary" in lines[-1]
        rejected = sum(1 for line in lines[:-1] if "rejected" in line)
        return expected_records - rejected, rejected
    if output_format == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        header = rows[0]
        assert len(rows) == expected_records + 1, (script, len(rows), expected_records)
        statuses = [row[header.index("status")] for row in rows[1:]]
        assert set(statuses) <= {"scored", "rejected"}
        for row in rows[1:]:
            assert len(row) == len(header)
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell[:1] == "'", cell
                if not from_csv:
                    assert cell.lower() not in ("nan", "inf", "-inf", "infinity", "-infinity"), (script, cell)
        return statuses.count("scored"), statuses.count("rejected")
    # text, markdown, html: the words a person reads
    if not from_csv:
        words = " ".join(text.split())  # a message may wrap between "got" and its value
        found = NOT_A_NUMBER.search(words)
        assert found is None, (script, output_format, words[max(0, found.start() - 80):found.end() + 80])
    if output_format == "text":
        assert all(line.isprintable() for line in text.splitlines()), script
    return None


def expected_status(scored, rejected):
    if not scored:
        return 1
    return 3 if rejected else 0


@pytest.mark.parametrize("seed", SEEDS)
def test_damaged_portfolio_is_scored_or_rejected_record_by_record(seed, tmp_path, capsys):
    records = damaged_portfolio(seed)
    shape = ("json", "jsonl", "csv")[seed % 3]
    source = tmp_path / f"book.{shape}"
    expected = WRITERS[shape](source, records)
    for number, script in enumerate(TOOLS):
        out = tmp_path / f"{script}.json"
        status, text, err = run_in_process(script, [str(source), "--format", "json", "--output", str(out), *AS_OF],
                                           capsys)
        if status == 1:
            assert text is None and "error:" in err, (script, err)
            continue
        scored, rejected = check_output(script, "json", text, expected, shape == "csv")
        assert status == expected_status(scored, rejected), (script, status, scored, rejected)
        assert err.count("error: ") >= rejected
        others = [f for f in formats_of(script) if f != "json"]
        output_format = others[(seed + number) % len(others)]
        out = tmp_path / f"{script}.{output_format}"
        again, text, _ = run_in_process(script, [str(source), "--format", output_format, "--output", str(out),
                                                 *AS_OF], capsys)
        assert again == status, (script, output_format)
        counts = check_output(script, output_format, text, expected, shape == "csv")
        if counts is not None:
            assert counts == (scored, rejected), (script, output_format)
        elif rejected:
            assert f"Rejected records ({rejected})" in text or output_format == "html", (script, output_format)


def test_damaged_portfolio_through_the_scripts_as_a_user_runs_them(tmp_path):
    records = damaged_portfolio(1234)
    source = tmp_path / "book.json"
    expected = write_json(source, records)
    for script in TOOLS:
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), str(source), "--format", "json",
                               *AS_OF], capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        scored, rejected = check_output(script, "json", done.stdout, expected, False)
        assert done.returncode == expected_status(scored, rejected)
    # standard input, JSON Lines
    lines = "".join(json.dumps(record, allow_nan=True) + "\n" for record in records)
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, TOOLS[0]), "-", "--format", "jsonl", *AS_OF],
                          input=lines, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    check_output(TOOLS[0], "jsonl", done.stdout, expected, False)


@pytest.mark.parametrize("script", TOOLS)
def test_every_record_damaged_exits_1_and_writes_nothing(script, tmp_path, capsys):
    source = tmp_path / "book.json"
    write_json(source, [{"customer_id": f"X-{i}", "arr": float("nan"), "usage": [[1]]} for i in range(5)])
    out = tmp_path / "out.json"
    status, text, err = run_in_process(script, [str(source), "--format", "json", "--output", str(out), *AS_OF],
                                       capsys)
    assert status == 1 and text is None
    assert "could be scored" in err


# ---------------------------------------------------------------------------
# Explicit cases


def run_each(tmp_path, capsys, argv_tail, scripts=TOOLS):
    results = {}
    for script in scripts:
        out = tmp_path / f"out-{script}.txt"
        results[script] = run_in_process(script, [*argv_tail, "--output", str(out), *AS_OF], capsys)
    return results


@pytest.mark.parametrize("wrapping", ["array", "inside-record", "jsonl-line"])
def test_json_nested_100000_levels_deep_is_an_error_not_a_crash(wrapping, tmp_path, capsys):
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps(RECORDS[0])
    if wrapping == "array":
        source = tmp_path / "deep.json"
        source.write_text(deep)
    elif wrapping == "inside-record":
        source = tmp_path / "deep.json"
        source.write_text('{"customers": [' + good[:-1] + ', "usage": ' + deep + "}]}")
    else:
        source = tmp_path / "deep.jsonl"
        source.write_text(good + "\n" + '{"customer_id": "DEEP", "usage": ' + deep + "}\n")
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        if wrapping == "jsonl-line":
            assert status == 3, (script, err)
            assert "nested too deeply" in err
            check_output(script, "json", text, 2, False)
        else:
            assert status == 1, (script, err)
            assert "nested too deeply" in err or "not a portfolio" in err or "no customers" in err, err


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv", ""])
def test_a_file_that_is_not_utf8_is_a_clear_error(suffix, tmp_path, capsys):
    source = tmp_path / f"latin1{suffix}"
    if suffix == ".csv" or suffix == "":
        source.write_bytes("customer_id,name,arr\nA-1,Société Générale,1000\n".encode("latin-1"))
    else:
        line = json.dumps({**RECORDS[0], "name": "Société Générale"}, ensure_ascii=False)
        body = '{"customers": [' + line + "]}" if suffix == ".json" else line + "\n"
        source.write_bytes(body.encode("latin-1"))
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 1 and text is None, (script, err)
        assert "not UTF-8" in err, err


def test_utf16_with_a_byte_order_mark_is_a_clear_error(tmp_path, capsys):
    source = tmp_path / "book.json"
    source.write_bytes(json.dumps({"customers": RECORDS[:2]}).encode("utf-16"))
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 1 and text is None, (script, err)
        assert err.startswith("error: ") and err.count("\n") <= 3


@pytest.mark.parametrize("name,content", [("empty.json", ""), ("empty.jsonl", ""), ("empty.csv", ""),
                                          ("blank.json", " \n\t\n"), ("blank.csv", "\n\n"), ("noext", ""),
                                          ("header-only.csv", "customer_id,name,arr\n"),
                                          ("empty-list.json", '{"customers": []}'), ("empty-array.json", "[]"),
                                          ("bom-only.json", "\ufeff")])
def test_an_empty_file_is_a_clear_error(name, content, tmp_path, capsys):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 1 and text is None, (script, err)
        assert "empty" in err or "no customers" in err, err


def test_a_csv_without_its_header_row_is_a_clear_error(tmp_path, capsys):
    source = tmp_path / "book.csv"
    source.write_text("ACC-1,Acme,enterprise,250000\nACC-2,Beta,smb,9000\n")
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 1 and text is None, (script, err)
        assert "header" in err and "customer_id" in err, err


def test_a_csv_header_in_upper_case_is_read_as_the_schema_field(tmp_path, capsys):
    source = tmp_path / "book.csv"
    source.write_text("CUSTOMER_ID,NAME,SEGMENT,ARR\nACC-1,Acme,enterprise,250000\n")
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        # The id is read (it names the record); the book has no analysis data, so nothing is scored.
        assert status == 1 and text is None, (script, err)
        assert err.startswith("error: row 2 (ACC-1): "), (script, err)
        assert "customer_id" not in err.splitlines()[0], (script, err)


def test_a_csv_header_naming_a_field_twice_or_a_section_beside_its_fields_is_read_and_said(tmp_path, capsys):
    # Columns 5 and 7 both name usage.login_frequency: the later one's cell counts where it holds
    # something. Column 6 names the section `usage` itself beside its fields: it is set aside
    # (read, it would replace the dotted columns' fields, or be replaced by them, by column order).
    rows = sample_csv_rows()
    columns = list(dict.fromkeys(column for row in rows for column in row))
    login = columns.index("usage.login_frequency")
    others = columns[:login] + columns[login + 1:]
    damaged_rows = []
    for number, row in enumerate(rows):
        value = str(row.get("usage.login_frequency", ""))
        earlier, later = ("1", value) if number % 2 else (value, "")
        damaged_rows.append([row.get(c, "") for c in others[:4]] + [earlier, "not a section", later]
                            + [row.get(c, "") for c in others[4:]])
    source = write_csv(tmp_path / "book.csv", others[:4] + ["usage.login_frequency", "usage", "usage.login_frequency"]
                       + others[4:], damaged_rows)
    plain = write_csv(tmp_path / "plain.csv", columns, [[row.get(c, "") for c in columns] for row in rows])
    warnings = (f"warning: {source}: the CSV header names usage.login_frequency in columns 5 and 7; in each row "
                "the later one is used where it holds something\n"
                f"warning: {source}: CSV column 6 (usage) is not read: the columns usage.* hold its fields\n")
    damaged = run_each(tmp_path, capsys, [str(source), "--format", "json"])
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(plain), "--format", "json"]).items():
        damaged_status, damaged_text, damaged_err = damaged[script]
        assert damaged_err.startswith(warnings), damaged_err
        assert damaged_err[len(warnings):] == err.replace(str(plain), str(source))
        assert (damaged_status, damaged_text) == (status, text.replace(str(plain), str(source)))


def write_csv(path, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue())
    return path


def sample_csv_rows():
    rows = []
    for record in RECORDS:
        row = {}
        flatten(record, "", row)
        rows.append(row)
    return rows


def test_a_csv_with_extra_columns_and_ragged_rows_is_scored(tmp_path, capsys):
    rows = sample_csv_rows()
    columns = list(dict.fromkeys(column for row in rows for column in row)) + ["crm.owner", "notes", ""]
    lines = []
    for number, row in enumerate(rows):
        cells = [row.get(column, "") for column in columns[:-3]] + ["Dana", "call back", "?"]
        if number == 3:
            cells += ["beyond", "the", "header"]  # a row longer than the header
        if number == 5:
            cells = cells[:4]  # a row cut short: only the account fields
        lines.append(cells)
    source = write_csv(tmp_path / "book.csv", columns, lines)
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status in (0, 3), (script, err)
        scored, rejected = check_output(script, "json", text, len(rows), True)
        assert scored >= len(rows) - 1, (script, err)


FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+cmd|' /C calc'!A0", "-1+2", "@SUM(A1:A2)"]


@pytest.mark.parametrize("script", TOOLS)
def test_a_formula_in_a_name_is_quoted_in_csv_and_escaped_in_markdown(script, tmp_path, capsys):
    rows = sample_csv_rows()[:4]
    for row, formula in zip(rows, FORMULAS):
        row["name"] = formula
        row["customer_id"] = formula[:12] + "|" + row["customer_id"]
    columns = list(dict.fromkeys(column for row in rows for column in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    source = tmp_path / "book.csv"
    source.write_text(buffer.getvalue())
    formats = formats_of(script)
    if "csv" in formats:
        out = tmp_path / "out.csv"
        status, text, err = run_in_process(script, [str(source), "--format", "csv", "--output", str(out), *AS_OF],
                                           capsys)
        assert status == 0, err
        table = list(csv.DictReader(io.StringIO(text)))
        assert sorted(row["name"] for row in table) == sorted("'" + formula for formula in FORMULAS)
        for row in table:
            for cell in row.values():
                assert not cell.startswith(("=", "+", "-", "@")) or is_number(cell), cell
    out = tmp_path / "out.md"
    status, text, err = run_in_process(script, [str(source), "--format", "markdown", "--output", str(out),
                                                *AS_OF], capsys)
    assert status == 0, err
    # text in markdown, not a link: a word joiner after the scheme keeps GitHub from linking the URL
    assert '=HYPERLINK("http\u2060://evil.example","Click")' in text
    assert "|ACC" not in text.replace("\\|ACC", "")  # the | of an id is escaped
    for line in text.splitlines():
        if line.startswith("| "):  # every table row keeps its columns
            assert len(re.findall(r"(?<!\\)\|", line)) == len(re.findall(r"(?<!\\)\|", header_of(text, line)))


def is_number(cell):
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def header_of(text, row):
    """Return the header line of the markdown table a row belongs to."""
    lines = text.splitlines()
    index = lines.index(row)
    while index > 0 and lines[index - 1].startswith("| "):
        index -= 1
    return lines[index]


@pytest.mark.parametrize("shape", ["jsonl", "csv"])
def test_a_line_of_several_megabytes_is_read(shape, tmp_path, capsys):
    huge_note = "lorem ipsum " * 400_000  # about 4.8 MB
    records = copy.deepcopy(RECORDS[:3])
    records[1]["name"] = huge_note  # too long for a name: that record is rejected
    records[2]["crm_notes"] = huge_note  # an unknown field: ignored
    source = tmp_path / f"book.{shape}"
    expected = WRITERS[shape](source, records)
    if shape == "jsonl":
        with open(source, "a", encoding="utf-8") as handle:
            handle.write("{" + "x" * 3_000_000 + "\n")  # and a line of garbage
        expected += 1
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 3, (script, err)
        scored, rejected = check_output(script, "json", text, expected, shape == "csv")
        assert scored == 2 and rejected == expected - 2
        assert max(len(line) for line in err.splitlines()) < 2000  # the error lines stay short


@pytest.mark.parametrize("script", TOOLS)
def test_a_portfolio_of_one_account_in_every_format(script, tmp_path, capsys):
    source = tmp_path / "one.json"
    write_json(source, [RECORDS[0]])
    for output_format in formats_of(script):
        out = tmp_path / f"report.{output_format}"
        status, text, err = run_in_process(script, [str(source), "--format", output_format, "--output", str(out),
                                                    *AS_OF], capsys)
        assert status == 0, (output_format, err)
        counts = check_output(script, output_format, text, 1, False)
        assert counts in (None, (1, 0))


def test_a_folder_a_missing_file_and_a_missing_output_folder_are_clear_errors(tmp_path, capsys):
    good = tmp_path / "book.json"
    write_json(good, RECORDS[:2])
    cases = [
        ([str(tmp_path)], "folder"),
        ([str(tmp_path / "nope.json")], "no such file"),
        ([str(good), "--output", str(tmp_path / "missing" / "out.json")], "cannot write"),
        ([str(good), "--output", str(tmp_path)], "folder"),
    ]
    for script in TOOLS:
        for argv, words in cases:
            status = load_tool(script).main([*argv, "--format", "json", *AS_OF])
            err = capsys.readouterr().err
            assert status == 1, (script, argv, err)
            assert words in err and "Traceback" not in err, (script, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.json"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [[SAMPLE], [SAMPLE, "--format", "jsonl"], ["--print-config"]])
def test_a_full_disk_is_a_clear_error(argv):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, TOOLS[0]), *argv, *AS_OF], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot write the ") and "None" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_failed_run_never_touches_an_existing_output_file(tmp_path, capsys):
    out = tmp_path / "report.json"
    bad_inputs = {"missing": tmp_path / "nope.json", "empty": tmp_path / "empty.json",
                  "rejected": tmp_path / "bad.json", "garbage": tmp_path / "garbage.json"}
    bad_inputs["empty"].write_text("")
    write_json(bad_inputs["rejected"], [{"customer_id": "A", "arr": -5}])
    bad_inputs["garbage"].write_text("{not json")
    for script in TOOLS:
        for name, source in bad_inputs.items():
            out.write_text("precious")
            status = load_tool(script).main([str(source), "--format", "json", "--output", str(out), *AS_OF])
            capsys.readouterr()
            assert status == 1, (script, name)
            assert out.read_text() == "precious", (script, name)
        # a bad --config fails before anything is written, too
        config = tmp_path / "bad-config.json"
        config.write_text('{"health": {"trend_threshold": "soon"}}')
        status = load_tool(script).main([str(tmp_path / "nope.json"), "--config", str(config), "--output", str(out),
                                         *AS_OF])
        capsys.readouterr()
        assert status == 1 and out.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad-config.json", "bad.json", "empty.json",
                                                          "garbage.json", "report.json"]


def test_numbers_beyond_what_json_can_hold_are_errors_not_crashes(tmp_path, capsys):
    good = json.dumps(RECORDS[0])
    huge = '{"customers": [' + good[:-1] + ', "arr": ' + "9" * 5000 + "}]}"
    source = tmp_path / "huge.json"
    source.write_text(huge)
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(source), "--format", "json"]).items():
        assert status == 1 and "Traceback" not in err, (script, err)
    lines = tmp_path / "huge.jsonl"
    lines.write_text(good + "\n" + good.replace('"arr": ', '"arr": ' + "9" * 5000 + ", \"x\": ") + "\n"
                     + good.replace('"ACC-', '"ACC-1e400-').replace('"arr": ', '"arr": 1e400, "y": ') + "\n")
    for script, (status, text, err) in run_each(tmp_path, capsys, [str(lines), "--format", "json"]).items():
        assert status == 3, (script, err)
        assert check_output(script, "json", text, 3, False) == (1, 2)


@pytest.mark.parametrize("script", TOOLS)
def test_lone_surrogates_and_control_characters_in_names_are_written_in_every_format(script, tmp_path, capsys):
    # A lone surrogate crashed the CSV writer and the HTML report (UnicodeEncodeError); now \ud800 is written.
    records = copy.deepcopy(RECORDS[:3])
    records[0]["name"] = "Bad \ud800 name"
    records[1]["customer_id"] = "ID-\udfff"
    records[2]["name"] = "Bell\x07 and \x1b[2J clear"
    source = tmp_path / "book.json"
    write_json(source, records)
    for output_format in formats_of(script):
        out = tmp_path / f"out.{output_format}"
        status, text, err = run_in_process(script, [str(source), "--format", output_format, "--output", str(out),
                                                    *AS_OF], capsys)
        assert status == 0, (output_format, err)
        check_output(script, output_format, text, 3, False)


def test_a_damaged_outcomes_file_is_reported_not_a_crash(tmp_path, capsys):
    source = tmp_path / "book.json"
    write_json(source, RECORDS)
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("customer_id,churned,outcome_date\n" + RECORDS[0]["customer_id"] + ",maybe,2026-13-01\n"
                        + RECORDS[1]["customer_id"] + ",true,2026-10-01\n,true,\n\ud800,1,x\n", errors="surrogatepass")
    for script in TOOLS[:2]:
        out = tmp_path / "out.json"
        status, text, err = run_in_process(script, [str(source), "--format", "json", "--outcomes", str(outcomes),
                                                    "--output", str(out), *AS_OF], capsys)
        assert status in (1, 3), (script, err)
        if status == 3:
            json.loads(text, parse_constant=no_constants)


# ---------------------------------------------------------------------------
# The renderers' fast paths give what the slow ones would


def reference_wrap(text, indent, width, first):
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def test_wrap_gives_the_lines_textwrap_gives_on_random_text():
    from csm.render.common import wrap
    rng = random.Random(20261122)
    alphabet = "abcdefghij-.,'\"é€🎉xyz\t\n"
    for _ in range(20_000):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.choice((1, 2, 3, 5, 8, 13, 30, 90))))
                 for _ in range(rng.randint(0, 14))]
        spaces = [" " * (1 if rng.random() < 0.8 else rng.choice((2, 3, 20, 90))) for _ in words]
        text = "".join(word + space for word, space in zip(words, spaces))
        if rng.random() < 0.7:
            text = text.rstrip(" ")
        width = rng.choice((80, 80, 40, 20, 16))
        first = " " * rng.choice((0, 2, 7)) + rng.choice(("", "Do:  ", "Why: "))
        indent = " " * rng.choice((0, 2, 7, 9))
        assert wrap(text, indent, width, first) == reference_wrap(text, indent, width, first), (text, width)


def reference_md(text):
    text = " ".join(str(text).split())
    out = []
    for ch in text:
        if ch in "<>&":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[ch])
        elif ch in "\\`*_[]|~#":
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def test_md_escapes_as_a_character_by_character_escape_would():
    from csm.render.common import md
    rng = random.Random(7)
    pool = "ab <>&\\`*_[]|~#\t\n\x00\u200b\ud800é🎉\u00a0\u2028 xyz=+-@"
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        assert md(text) == reference_md(text), repr(text)
    for value in (None, 5, 1.5, ["a"], {"<": 1}):
        assert md(value) == reference_md(value)


def test_finite_numbers_only_in_the_json_of_the_sample(tmp_path, capsys):
    """The undamaged sample: exit 0 everywhere, and the parse_constant guard really is applied."""
    with pytest.raises(AssertionError):
        json.loads('{"a": NaN}', parse_constant=no_constants)
    for script, (status, text, err) in run_each(tmp_path, capsys, [SAMPLE, "--format", "json"]).items():
        assert status == 0, (script, err)
        report = json.loads(text, parse_constant=no_constants)
        assert len(report["customers"]) == len(RECORDS)
        for value in iter_numbers(report):
            assert math.isfinite(value)


def iter_numbers(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from iter_numbers(child)
    elif isinstance(value, list):
        for child in value:
            yield from iter_numbers(child)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value
