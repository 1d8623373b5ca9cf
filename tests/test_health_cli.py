"""The health tool as a user runs it: formats, inputs, errors, exit statuses, --output, --config."""

import csv
import io
import json
import os

import pytest

from conftest import NORTHWIND, SAMPLE, sample_warnings_only

TOOL = "health_score_calculator.py"
AS_OF = ("--as-of", "2026-11-22")


def customers_of(stdout):
    return json.loads(stdout)["customers"]


def test_quick_start_command_scores_the_sample_portfolio(run_tool):
    done = run_tool(TOOL, SAMPLE, *AS_OF)
    assert done.returncode == 0, done.stderr
    assert sample_warnings_only(done.stderr), done.stderr
    assert done.stdout.startswith("Customer Health Report")
    assert "as of 2026-11-22" in done.stdout.splitlines()[0]
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_json_output_keeps_the_published_field_names(run_tool, write_json):
    done = run_tool(TOOL, write_json({"customers": [NORTHWIND]}), "--format", "json", *AS_OF)
    report = json.loads(done.stdout)
    assert list(report)[:8] == ["report", "version", "as_of", "as_of_source", "methodology", "methodology_hash", "trend_basis", "summary"]
    assert report["as_of"] == "2026-11-22"
    assert report["rejected"] == []
    for key in ("total_customers", "average_score", "green_count", "yellow_count", "red_count"):
        assert key in report["summary"]
    account = report["customers"][0]
    for key in ("customer_id", "name", "segment", "arr", "overall_score", "classification", "dimensions",
                "trends", "recommendations"):
        assert key in account
    assert account["dimensions"]["usage"] == {"score": 82.3, "weight": 0.3, "classification": "green"}
    assert account["trends"]["overall"] == "improving"


def test_every_input_shape_scores_identically(run_tool, tmp_path):
    records = json.load(open(SAMPLE))["customers"]
    shapes = {
        "object.json": json.dumps({"customers": records}),
        "array.json": json.dumps(records),
        "lines.jsonl": "\n".join(json.dumps(r) for r in records) + "\n",
        "lines-no-suffix": "\n".join(json.dumps(r) for r in records) + "\n",
    }
    outputs = {}
    for name, content in shapes.items():
        (tmp_path / name).write_text(content)
        outputs[name] = customers_of(run_tool(TOOL, tmp_path / name, "--format", "json", *AS_OF).stdout)
    outputs["stdin"] = customers_of(run_tool(TOOL, "-", "--format", "json", *AS_OF,
                                             stdin=shapes["object.json"]).stdout)
    first = outputs.pop("object.json")
    assert len(first) == len(records)
    for name, customers in outputs.items():
        assert customers == first, name


def test_csv_with_dotted_headers_scores_like_json(run_tool, tmp_path):
    header = ["customer_id", "name", "segment", "arr", "contract_end_date"]
    row = [NORTHWIND[k] for k in header]
    for section in ("usage", "engagement", "support", "relationship", "previous_period"):
        for field, value in NORTHWIND[section].items():
            header.append(f"{section}.{field}")
            row.append(value)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header + ["crm.owner"], row + ["Dana"]])
    (tmp_path / "book.csv").write_text(buffer.getvalue())
    from_csv = customers_of(run_tool(TOOL, tmp_path / "book.csv", "--format", "json", *AS_OF).stdout)
    (tmp_path / "book.json").write_text(json.dumps([NORTHWIND]))
    from_json = customers_of(run_tool(TOOL, tmp_path / "book.json", "--format", "json", *AS_OF).stdout)
    assert from_csv == from_json


def test_output_is_byte_identical_across_runs(run_tool):
    for output_format in ("json", "text", "markdown", "csv", "jsonl"):
        first = run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF).stdout
        assert run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF).stdout == first


def test_bad_records_get_one_line_per_problem_and_exit_3(run_tool, write_json):
    bad = dict(NORTHWIND, customer_id="CUST-004", usage={"login_frequency": "high", "feature_adoption": 50,
                                                         "dau_mau_ratio": 0.3})
    path = write_json({"customers": [NORTHWIND, 3, bad, dict(NORTHWIND)]})
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert done.stderr == (
        "error: customers[1]: record must be an object of customer fields, got 3\n"
        'error: customers[2] (CUST-004): usage.login_frequency must be a number from 0 to 100, got "high"\n'
        'error: customers[3] (ACC-0042): duplicate customer_id "ACC-0042": the first is at customers[0]; '
        "only the first is scored\n"
    )
    report = json.loads(done.stdout)
    assert report["summary"]["total_customers"] == 1
    assert report["summary"]["rejected_count"] == 3
    assert [(r["index"], r["customer_id"]) for r in report["rejected"]] == [(1, None), (2, "CUST-004"),
                                                                           (3, "ACC-0042")]


def test_rejected_records_are_listed_in_text_and_markdown(run_tool, write_json):
    path = write_json({"customers": [NORTHWIND, {"customer_id": "X-1", "arr": -5}]})
    for output_format, heading in (("text", "Rejected records (1)"), ("markdown", "## Rejected records (1)")):
        done = run_tool(TOOL, path, "--format", output_format, *AS_OF)
        assert done.returncode == 3
        assert heading in done.stdout
        assert "arr must be a number of 0 or more, got -5" in done.stdout


@pytest.mark.parametrize("content, message", [
    ("{\"customers\": [", "is not valid JSON: Expecting value at line 1 column 16"),
    ("", "is empty"),
    ("{\"accounts\": []}", "has no customers list"),
    ("{\"customers\": []}", "has no customers"),
    ("{\"customers\": {\"a\": 1}}", "customers must be a list of customer objects"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
], ids=["broken", "empty", "no-customers-key", "no-customers", "customers-not-a-list", "deeply-nested"])
def test_unreadable_input_exits_1_with_one_clear_line(run_tool, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = run_tool(TOOL, path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_file_that_is_not_utf8_is_named_as_such(run_tool, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("customer_id,name,arr\nA-1,Caf\xe9,100\n".encode("latin-1"))
    done = run_tool(TOOL, path)
    assert done.returncode == 1
    assert "is not UTF-8 text" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_and_folder_exit_1(run_tool, tmp_path):
    assert run_tool(TOOL, tmp_path / "absent.json").stderr == f"error: {tmp_path / 'absent.json'}: no such file\n"
    done = run_tool(TOOL, tmp_path)
    assert (done.returncode, done.stderr) == (1, f"error: {tmp_path} is a folder, not a portfolio file\n")


def test_when_no_record_can_be_scored_the_exit_is_1_and_nothing_is_written(run_tool, write_json, tmp_path):
    out = tmp_path / "scores.json"
    out.write_text("previous report")
    done = run_tool(TOOL, write_json({"customers": [{"customer_id": 7}]}), "--output", out)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: no record in ")
    assert out.read_text() == "previous report"


def test_output_file_is_written_whole(run_tool, tmp_path):
    out = tmp_path / "scores.json"
    done = run_tool(TOOL, SAMPLE, "--format", "json", "--output", out, *AS_OF)
    assert (done.returncode, done.stdout) == (0, "")
    assert json.loads(out.read_text())["summary"]["total_customers"] == 20
    assert [p.name for p in tmp_path.iterdir()] == ["scores.json"]


def test_wrong_command_lines_exit_2(run_tool):
    assert run_tool(TOOL, SAMPLE, "--format", "pdf").returncode == 2
    assert run_tool(TOOL, SAMPLE, "--as-of", "22/11/2026").returncode == 2
    assert run_tool(TOOL).returncode == 2


def test_version_and_help_with_an_example(run_tool):
    from csm import __version__
    assert run_tool(TOOL, "--version").stdout == f"health_score_calculator.py {__version__}\n"
    help_text = run_tool(TOOL, "--help").stdout
    assert "python3 scripts/health_score_calculator.py assets/sample_customer_data.json" in help_text
    assert "exit status" in help_text


def test_csv_output_defuses_formulas_in_names(run_tool, write_json):
    evil = dict(NORTHWIND, name="=HYPERLINK(\"http://x\")", customer_id="+cmd")
    done = run_tool(TOOL, write_json([evil]), "--format", "csv", *AS_OF)
    row = next(csv.DictReader(io.StringIO(done.stdout)))
    assert row["name"] == "'=HYPERLINK(\"http://x\")"
    assert row["customer_id"] == "'+cmd"


def test_markdown_escapes_customer_names(run_tool, write_json):
    evil = dict(NORTHWIND, name="<script>x</script> | *bold*")
    out = run_tool(TOOL, write_json([evil]), "--format", "markdown", *AS_OF).stdout
    assert "<script>" not in out
    assert "&lt;script&gt;x&lt;/script&gt; \\| \\*bold\\*" in out


def test_streaming_jsonl_ends_with_a_summary_line(run_tool):
    lines = run_tool(TOOL, SAMPLE, "--format", "jsonl", *AS_OF).stdout.splitlines()
    assert len(lines) == 21
    assert json.loads(lines[-1])["summary"]["total_customers"] == 20
    assert json.loads(lines[0])["customer_id"] == "ACC-1001"  # input order


def test_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys
    big = [dict(NORTHWIND, customer_id=f"A-{i}") for i in range(3000)]
    (tmp_path / "big.json").write_text(json.dumps(big))
    script = os.path.join(os.path.dirname(SAMPLE), "..", "scripts", TOOL)
    done = subprocess.run(f'"{sys.executable}" "{script}" "{tmp_path / "big.json"}" | head -1',
                          shell=True, capture_output=True, text=True)
    assert done.stdout.startswith("Customer Health Report")
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
