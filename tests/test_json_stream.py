"""A JSON document is read one record at a time: what makes a hostile array of millions of tiny records bounded.

The ten-million-record files of issue 26 are too slow for the suite (benchmarks/README.md
has their figures); these cases check, on small books, what the bound rests on: records
parsed one by one (memory), a syntax error anywhere found before any record is scored,
with json's own message and place, the key checks per record, the top-level members
after the list, the counts of rejected records past the first thousand.
"""

import json
import os
import subprocess
import sys
import tracemalloc

import pytest

from conftest import NORTHWIND, SCRIPTS
from csm.errors import InputError
from csm.ingest.records import open_portfolio

HEALTH = "health_score_calculator.py"


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def account(customer_id, **changed):
    return dict(json.loads(json.dumps(NORTHWIND)), customer_id=customer_id, **changed)


def test_an_array_of_two_hundred_thousand_empty_records_is_read_one_at_a_time(tmp_path):
    path = tmp_path / "book.json"
    path.write_text("[" + ",".join(["{}"] * 200_000) + "]")
    tracemalloc.start()
    try:
        book = open_portfolio(str(path))
        count = sum(1 for _ in book.records())
        _, streamed = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        parsed = json.loads(path.read_text())
        _, whole = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, len(parsed)) == (200_000, 200_000)
    assert streamed < 4_000_000 < 12_000_000 < whole  # the text and its bytes, not 200,000 dicts


def test_empty_records_past_the_first_thousand_are_counted_by_problem_exactly(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps([{}] * 1500 + [7] * 300 + [account("A-1")]))
    done = run(HEALTH, path, "--format", "json")
    lines = done.stderr.splitlines()
    assert done.returncode == 3 and len(lines) == 3 * 1000 + 5
    assert lines[2997:3000] == ["error: [999]: customer_id is missing",
                                "error: [999]: arr is missing (annual recurring revenue, a number of 0 or more)",
                                "error: [999]: segment is missing (one of enterprise, mid-market, smb)"]
    assert lines[3000:] == [
        "error: 800 more records were rejected, not named one by one (the first 1,000 are, above); their problems:",
        "error: customer_id is missing: 500 records (first: [1000], [1001], [1002])",
        "error: arr is missing (annual recurring revenue, a number of 0 or more): 500 records (first: [1000], "
        "[1001], [1002])",
        "error: segment is missing (one of enterprise, mid-market, smb): 500 records (first: [1000], [1001], [1002])",
        "error: record must be an object of customer fields, got 7: 300 records (first: [1500], [1501], [1502])"]
    report = json.loads(done.stdout)
    assert (report["summary"]["rejected_count"], len(report["rejected"]), report["rejected_not_listed"]) == \
        (1800, 1000, 800)
    assert report["rejected"][0] == {"index": 0, "location": "[0]", "customer_id": None, "errors": [
        "customer_id is missing", "arr is missing (annual recurring revenue, a number of 0 or more)",
        "segment is missing (one of enterprise, mid-market, smb)"]}
    assert [entry["customer_id"] for entry in report["customers"]] == ["A-1"]
    path.write_text(json.dumps([{}] * 1500))
    done = run(HEALTH, path, "--format", "json")
    assert done.returncode == 1 and done.stderr.splitlines()[-1] == \
        f"error: no record in {path} could be scored (1,500 rejected)"


def _pretty(records):
    return json.dumps({"as_of": "2026-11-30", "customers": records}, indent=2)


@pytest.mark.parametrize("breaking", [
    lambda text: text.replace('},\n    {\n      "customer_id": "A-3"', '}\n    {\n      "customer_id": "A-3"'),
    lambda text: text.replace('"A-2"', '"A-2'),
    lambda text: text.replace('"arr": 64000', '"arr": ', 1).replace('"customer_id": "A-1"', '"customer_id": "A-9"'),
    lambda text: text.replace("\n  ]\n}", ",\n  ]\n}"),
    lambda text: text.replace("\n  ]\n}", ""),
    lambda text: text.replace('"as_of": "2026-11-30",', '"as_of": "2026-11-30"'),
    lambda text: text.replace('"customers":', "customers:"),
    lambda text: text.replace('"customers":', '"customers"'),
    lambda text: text + "\n]",
    lambda text: "\ufeff\ufeff" + text,
], ids=["no-comma-between-records", "string-cut", "value-missing", "trailing-comma", "cut-off", "no-comma-at-top",
        "key-unquoted", "colon-missing", "stray-bracket", "two-byte-order-marks"])
def test_a_syntax_error_anywhere_is_json_s_own_line_and_column_before_any_record_is_scored(tmp_path, breaking):
    text = breaking(_pretty([account(f"A-{n}") for n in range(1, 5)] + [{}]))
    path = tmp_path / "book.json"
    path.write_text(text)
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    exc = caught.value
    words = "extra data after the JSON document" if exc.msg == "Extra data" else exc.msg
    for output_format in ("json", "jsonl"):
        done = run(HEALTH, path, "--format", output_format)
        assert (done.returncode, done.stdout, done.stderr) == (
            1, "", f"error: {path} is not valid JSON: {words} at line {exc.lineno} column {exc.colno}\n")


def test_a_key_given_twice_in_the_fifth_record_rejects_that_record_only(tmp_path):
    records = [json.dumps(account(f"A-{n}")) for n in range(1, 7)]
    records[4] = records[4].replace('"arr": 64000', '"arr": 420000, "arr": 1')
    path = tmp_path / "book.json"
    path.write_text("[" + ",\n".join(records) + "]")
    done = run(HEALTH, path, "--format", "json")
    assert done.returncode == 3
    assert done.stderr == ('error: [4]: the key "arr" is given 2 times, with different values (420000, 1): say '
                           "which is meant and give each key once\n")
    assert sorted(entry["customer_id"] for entry in json.loads(done.stdout)["customers"]) == \
        ["A-1", "A-2", "A-3", "A-4", "A-6"]


def test_a_top_level_as_of_after_the_customers_list_is_still_read(tmp_path):
    path = tmp_path / "book.json"
    path.write_text('{"customers": [' + json.dumps(account("A-1")) + '], "as_of": "2026-01-15"}')
    report = json.loads(run(HEALTH, path, "--format", "json").stdout)
    assert (report["as_of"], report["as_of_source"]) == ("2026-01-15", "book")


def test_a_key_given_twice_after_the_customers_list_is_refused_naming_it(tmp_path):
    path = tmp_path / "book.json"
    path.write_text('{"customers": [' + json.dumps(account("A-1")) + '], "as_of": "2026-01-15", '
                    '"as_of": "2026-02-01"}')
    done = run(HEALTH, path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f'error: {path}: the key "as_of" is given 2 times, with different values ("2026-01-15", '
                           '"2026-02-01") (outside the customers list); give each key once\n')


def test_the_one_list_of_objects_is_read_wherever_it_stands_and_other_lists_are_kept_whole(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"tags": ["a", "b"], "accounts": [account("A-1"), {}], "retention": None}))
    book = open_portfolio(str(path))
    assert [(index, label, type(raw).__name__) for index, label, raw in book.records()] == \
        [(0, "accounts[0]", "dict"), (1, "accounts[1]", "dict")]
    assert book.document == {"tags": ["a", "b"], "retention": None}
    assert book.notes == [f"{path}: the customers are the list under accounts (the one list of objects at the top "
                          "level)"]


def test_a_map_is_checked_against_every_record_before_the_first_is_scored(tmp_path):
    path = tmp_path / "book.json"
    records = [account(f"A-{n}") for n in range(1, 4)]
    records[2]["Region"] = "EMEA"  # only the last record holds the kept key
    path.write_text(json.dumps(records))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"keep": ["Region", "Plan"]}))
    done = run(HEALTH, path, "--map", mapping, "--format", "jsonl")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f'error: map {mapping}: keep names the key "Plan", which no record of {path} has\n'
    mapping.write_text(json.dumps({"keep": ["Region"]}))
    done = run(HEALTH, path, "--map", mapping, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line).get("fields_kept") for line in done.stdout.splitlines()[:3]] == \
        [{"Region": None}, {"Region": None}, {"Region": "EMEA"}]


def test_an_empty_array_and_a_single_value_are_refused_as_before(tmp_path):
    path = tmp_path / "book.json"
    for text, words in (("[ ]", "has no customers"), ('"x"', "holds a single JSON value, not a portfolio of "
                                                                "customers")):
        path.write_text(text)
        with pytest.raises(InputError) as caught:
            open_portfolio(str(path))
        assert str(caught.value) == f"{path} {words}"


def test_a_document_that_is_one_customer_is_read_and_a_map_checked_against_it(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(account("A-1", Region="EMEA")))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"keep": ["Region"]}))
    done = run(HEALTH, path, "--map", mapping, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["fields_kept"] == {"Region": "EMEA"}
    mapping.write_text(json.dumps({"keep": ["Plan"]}))
    done = run(HEALTH, path, "--map", mapping, "--format", "jsonl")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f'error: map {mapping}: keep names the key "Plan", which no record of {path} has\n'
