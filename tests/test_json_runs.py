"""A JSON array is parsed a stretch of values at a time, JSON Lines a block of lines, the same bad record counted.

What ten million tiny records in under ten seconds rests on (benchmarks/README.md has the
figures): json_book parses a stretch of about RUN_CHARS characters in one call of json's
reader, ending at a comma it only guesses lies between two records; a wrong guess (a comma
inside a string or a record) must fall back to one value at a time with nothing lost or
misread, and a syntax error must still be json's own message and place. Here RUN_CHARS is
made small so every guess, right and wrong, is met on a small book. JSON Lines are read
and decoded a block of whole lines at a time (json_lines.BLOCK_BYTES, made small here):
each line still its own record, a byte that is not UTF-8 still named by its line. Then
the stderr count of rejected records when a record equal to the one before is only
counted.
"""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import NORTHWIND, SCRIPTS
from csm.errors import InputError
from csm.ingest import json_book, json_lines
from csm.ingest.book import Unreadable
from csm.ingest.records import open_portfolio


def account(customer_id, **changed):
    return dict(json.loads(json.dumps(NORTHWIND)), customer_id=customer_id, **changed)


def tricky_records():
    """Records whose text holds commas and "},{" inside strings, nested objects and lists of objects."""
    records = []
    for n in range(40):
        record = account(f"A-{n}", notes='said "fine"}, {"then": 1}, [{},{}], ' * (n % 3))
        record["contacts"] = [{"name": "a,b"}, {"name": "}, {"}] * (n % 4)
        records.append(record)
        records.append(n if n % 5 else {})
        records.append([{"x": 1}, {"y": [2, 3]}] if n % 7 == 0 else "text, with } and { in it")
    return records


@pytest.mark.parametrize("run_chars", [1, 7, 40, 300, 5000])
@pytest.mark.parametrize("indent", [None, 2])
def test_every_record_is_read_as_json_reads_it_wherever_the_stretches_end(tmp_path, monkeypatch, run_chars, indent):
    monkeypatch.setattr(json_book, "RUN_CHARS", run_chars)
    records = tricky_records()
    for document in (records, {"as_of": "2026-11-30", "customers": records, "after": [1, 2]}):
        path = tmp_path / "book.json"
        path.write_text(json.dumps(document, indent=indent))
        read = [raw for _, _, raw in open_portfolio(str(path)).records()]
        assert read == records
        assert [label for _, label, _ in open_portfolio(str(path)).records()][-1] == \
            ("[119]" if document is records else "customers[119]")


BREAKINGS = {
    "no-comma-between-records": lambda text: text.replace(',\n  {\n    "customer_id": "A-30"',
                                                          '\n  {\n    "customer_id": "A-30"'),
    "string-cut": lambda text: text.replace('"A-31"', '"A-31'),
    "value-missing": lambda text: text.replace('"customer_id": "A-32",', '"customer_id": ,'),
    "trailing-comma": lambda text: text[:text.rindex("]")].rstrip() + ",\n]",
    "cut-off": lambda text: text[:text.rindex("]")],
    "nested-cut": lambda text: text.replace('"name": "a,b"\n      }', '"name": "a,b"\n', 3),
    "stray-bracket": lambda text: text + "\n]",
    "bad-literal": lambda text: text.replace("29,", "tru,"),
}


@pytest.mark.parametrize("run_chars", [1, 40, 5000])
@pytest.mark.parametrize("breaking", sorted(BREAKINGS))
def test_a_syntax_error_is_json_s_own_message_and_place_wherever_the_stretches_end(monkeypatch, run_chars,
                                                                                   breaking):
    monkeypatch.setattr(json_book, "RUN_CHARS", run_chars)
    whole = json.dumps(tricky_records(), indent=2)
    text = BREAKINGS[breaking](whole)
    assert text != whole
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as found:
        json_book.layout(text)
    assert (found.value.msg, found.value.pos) == (expected.value.msg, expected.value.pos)


@pytest.mark.parametrize("run_chars", [1, 40])
def test_a_value_json_refuses_inside_a_stretch_is_refused_as_json_refuses_it(monkeypatch, run_chars):
    monkeypatch.setattr(json_book, "RUN_CHARS", run_chars)
    records = [json.dumps(record) for record in tricky_records()]
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(RecursionError):
        json_book.layout("[" + ",".join(records[:30] + [deep] + records[30:]) + "]")
    huge = "9" * 5000
    with pytest.raises(ValueError) as expected:
        json.loads(huge)
    with pytest.raises(ValueError) as found:
        json_book.layout("[" + ",".join(records[:30] + [huge] + records[30:]) + "]")
    assert str(found.value) == str(expected.value)


@pytest.mark.parametrize("run_chars", [1, 40, 5000])
def test_a_key_given_twice_inside_a_stretch_rejects_that_record_alone(tmp_path, monkeypatch, run_chars):
    monkeypatch.setattr(json_book, "RUN_CHARS", run_chars)
    records = [json.dumps(account(f"A-{n}")) for n in range(12)]
    records[5] = records[5].replace('"arr": 64000', '"arr": 420000, "arr": 1')
    records[8] = records[8].replace('"segment": "mid-market"', '"segment": "mid-market", "segment": "mid-market"')
    path = tmp_path / "book.json"
    path.write_text("[" + ", ".join(records) + "]")
    book = open_portfolio(str(path))
    read = [raw for _, _, raw in book.records()]
    assert isinstance(read[5], Unreadable) and read[5].reason == (
        'the key "arr" is given 2 times, with different values (420000, 1): say which is meant and give each '
        "key once")
    assert [raw["customer_id"] for n, raw in enumerate(read) if n != 5] == [f"A-{n}" for n in range(12) if n != 5]
    assert read[8]["segment"] == "mid-market"
    assert book.closing_warnings() == [f'{path} [8]: the key "segment" is given 2 times, with the same value '
                                       '("mid-market", "mid-market"); it is read once']


def test_a_run_of_the_same_bad_record_is_counted_exactly_wherever_it_breaks(tmp_path):
    """Equal records past the first thousand, broken by other bad records and by a good one: each problem's count
    and first three records are what the rule says, record by record."""
    book = [{}] * 1001 + [7, 7] + [{}] * 5 + [account("A-1"), 7] + [{}] * 10 + [[]] * 4
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book))
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "health_score_calculator.py"), str(path),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    empty = ["customer_id is missing", "arr is missing (annual recurring revenue, a number of 0 or more)",
             "segment is missing (one of enterprise, mid-market, smb)"]
    problems = {}  # each problem: the records past the first thousand rejected that have it
    for index, raw in enumerate(book):
        if index >= 1000 and raw != account("A-1"):
            for problem in (empty if raw == {} else
                            [f"record must be an object of customer fields, got {'a list' if raw == [] else raw}"]):
                problems.setdefault(problem, []).append(f"[{index}]")
    expected = [f"error: {problem}: {len(places)} records (first: {', '.join(places[:3])})"
                for problem, places in problems.items()]
    lines = done.stderr.splitlines()
    assert done.returncode == 3
    assert lines[3000] == ("error: 23 more records were rejected, not named one by one (the first 1,000 are, "
                           "above); their problems:")
    assert lines[3001:] == expected
    assert expected[0] == "error: customer_id is missing: 16 records (first: [1000], [1003], [1004])"
    report = json.loads(done.stdout)
    assert (report["summary"]["rejected_count"], report["rejected_not_listed"]) == (1023, 23)


def json_lines_text():
    """Lines of every kind: records, bare values, blank and white lines, CRLF endings, broken lines, an object over
    two lines, a key given twice."""
    lines = [json.dumps(record) for record in tricky_records()[:30]]
    lines[3] = "  " + lines[3] + " \r"
    lines[7] = ""
    lines[8] = " \t "
    lines[11] = '{"customer_id": "B-1",'
    lines[12] = '"arr": 5}'
    lines[15] = '{"arr": 1, "arr": 2}'
    lines[18] = "[1, 2] 3"
    lines[21] = "nul"
    return "\n".join(lines) + "\n"


def expected_records(text):
    """What each line is, line by line, as json.loads reads it (a broken line: None)."""
    expected = []
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip():
            try:
                expected.append((f"line {number}", json.loads(line)))
            except ValueError:
                expected.append((f"line {number}", None))
    return expected


@pytest.mark.parametrize("block_bytes", [1, 5, 64, 1 << 18])
def test_each_json_line_is_its_own_record_wherever_the_blocks_end(tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", block_bytes)
    text = json_lines_text()
    path = tmp_path / "book.jsonl"
    path.write_bytes(("\ufeff" + text).encode())
    read = [(label, None if isinstance(raw, Unreadable) else raw)
            for _, label, raw in open_portfolio(str(path)).records()]
    expected = expected_records(text)
    expected[13] = ("line 16", None)  # the key given twice, with different values: that record rejected
    assert read == expected
    reasons = {label: raw.reason for _, label, raw in open_portfolio(str(path)).records()
               if isinstance(raw, Unreadable)}
    assert reasons == {
        "line 12": "not valid JSON: Expecting property name enclosed in double quotes at column 23",
        "line 13": "not valid JSON: Extra data at column 6",
        "line 16": 'the key "arr" is given 2 times, with different values (1, 2): say which is meant and give each '
                   "key once",
        "line 19": "not valid JSON: Extra data at column 8",
        "line 22": "not valid JSON: Expecting value at column 1"}


@pytest.mark.parametrize("block_bytes", [1, 64, 1 << 18])
def test_a_byte_that_is_not_utf8_is_named_by_its_line_wherever_the_blocks_end(tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", block_bytes)
    data = json_lines_text().encode().split(b"\n")
    data[24] = data[24].replace(b'"name": "', b'"name": "\xe9', 1)
    path = tmp_path / "book.jsonl"
    path.write_bytes(b"\n".join(data))
    column = data[24].index(b"\xe9") + 1
    with pytest.raises(InputError) as caught:
        list(open_portfolio(str(path)).records())
    assert str(caught.value) == (f"{path} is not UTF-8 text (line 25: byte 0xe9 at byte {column} of the line); "
                                 "save or export it as UTF-8")


def test_a_line_cut_short_is_refused_at_its_own_column_not_the_next_line_s():
    """json.loads of a line with its newline placed an error at its end on "column 1" (of the next line)."""
    records = list(json_lines.text_records('{"customer_id": "A-1", "arr":\n{"customer_id": "A-2"\n', "book.jsonl",
                                           json_book.Repeats("book.jsonl")))
    assert [raw.reason for _, _, raw in records] == ["not valid JSON: Expecting value at column 30",
                                                     "not valid JSON: Expecting ',' delimiter at column 22"]


def test_the_same_record_with_an_id_again_is_that_id_s_duplicate_each_time_counted_exactly(tmp_path):
    book = [account("A-1")] * 1500 + [account("B-1", arr="lots")] * 3 + [account("C-1")]
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book))
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "health_score_calculator.py"), str(path),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    twice = 'duplicate customer_id "{}": the first is at [{}]; only the first is scored'
    lots = 'arr must be a number of 0 or more, got "lots"'
    lines = done.stderr.splitlines()
    assert done.returncode == 3 and len(lines) == 1000 + 4
    assert lines[:2] == [f"error: [1] (A-1): {twice.format('A-1', 0)}", f"error: [2] (A-1): {twice.format('A-1', 0)}"]
    assert lines[999] == f"error: [1000] (A-1): {twice.format('A-1', 0)}"
    assert lines[1000:] == [
        "error: 502 more records were rejected, not named one by one (the first 1,000 are, above); their problems:",
        f"error: {twice.format('A-1', 0)}: 499 records (first: [1001] (A-1), [1002] (A-1), [1003] (A-1))",
        f"error: {lots}: 3 records (first: [1500] (B-1), [1501] (B-1), [1502] (B-1))",
        f"error: {twice.format('B-1', 1500)}: 2 records (first: [1501] (B-1), [1502] (B-1))"]
    report = json.loads(done.stdout)
    assert [entry["customer_id"] for entry in report["customers"]] == ["A-1", "C-1"]
    assert (report["summary"]["rejected_count"], len(report["rejected"])) == (1502, 1000)
    assert report["rejected"][-1] == {"index": 1000, "location": "[1000]", "customer_id": "A-1",
                                      "errors": [twice.format("A-1", 0)]}
    done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "portfolio_report.py"), str(path), "--account",
                           "B-1", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"error: --account B-1: the record was rejected ([1500]: {lots})"


def test_a_streamed_format_writes_the_first_thousand_rejected_records_and_counts_the_rest(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps([{}] * 1500 + [account("A-1")] + [7] * 5))
    health = os.path.join(SCRIPTS, "health_score_calculator.py")
    done = subprocess.run([sys.executable, health, str(path), "--format", "jsonl"], capture_output=True, text=True,
                          timeout=120)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 3 and len(lines) == 1000 + 1 + 1
    assert lines[999] == {"rejected": {"index": 999, "location": "[999]", "customer_id": None, "errors": [
        "customer_id is missing", "arr is missing (annual recurring revenue, a number of 0 or more)",
        "segment is missing (one of enterprise, mid-market, smb)"]}}
    assert lines[1000]["customer_id"] == "A-1"
    assert (lines[-1]["summary"]["rejected_count"], lines[-1]["rejected_not_listed"]) == (1505, 505)
    assert done.stderr.splitlines()[3000] == ("error: 505 more records were rejected, not named one by one (the "
                                              "first 1,000 are, above); their problems:")
    done = subprocess.run([sys.executable, health, str(path), "--format", "csv"], capture_output=True, text=True,
                          timeout=120)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert done.returncode == 3
    assert [row["status"] for row in rows] == ["rejected"] * 1000 + ["scored"]


@pytest.mark.parametrize("block_bytes", [1, 5, 64, 1 << 18])
def test_json_lines_already_decoded_are_split_a_block_at_a_time_each_line_its_own_record(monkeypatch, block_bytes):
    """A JSON document that turns out to be JSON Lines (a first line longer than the bytes sniffed) is read from
    its text, a block of lines at a time: never ten million lines split at once."""
    monkeypatch.setattr(json_lines, "BLOCK_BYTES", block_bytes)
    text = json_lines_text()
    for ending in ("", "\n"):  # the last line with its line end, and without
        whole = text.rstrip("\n") + ending
        read = [(label, None if isinstance(raw, Unreadable) else raw)
                for _, label, raw in json_lines.text_records(whole, "book.json", json_book.Repeats("book.json"))]
        expected = expected_records(text)
        expected[13] = ("line 16", None)
        assert read == expected
    blocks = list(json_lines._text_blocks(text))
    assert "".join(blocks) == text and all(block.endswith("\n") for block in blocks)
    assert all(block.rfind("\n", 0, len(block) - 1) < block_bytes for block in blocks)  # cut at the first line end
    assert (len(blocks) == 1) == (block_bytes >= len(text))  # past BLOCK_BYTES characters
