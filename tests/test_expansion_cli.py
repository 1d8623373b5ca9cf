"""The expansion tool as a user runs it: formats, inputs, hostile records, exit statuses, --config."""

import csv
import io
import json

import pytest

from conftest import NORTHWIND, SAMPLE, sample_warnings_only, without_warnings

TOOL = "expansion_opportunity_scorer.py"
AS_OF = ("--as-of", "2026-11-22")


def expansion_only(customer_id="X-1", **changes):
    """A record with expansion data only (no health or churn sections)."""
    record = {"customer_id": customer_id, "name": "Example Co", "segment": "mid-market", "arr": 100000,
              "contract": {"licensed_seats": 100, "active_seats": 95, "plan_tier": "professional",
                           "available_tiers": ["enterprise", "starter"]}}
    record.update(changes)
    return record


def test_quick_start_command_scores_the_sample_portfolio(run_tool):
    done = run_tool(TOOL, SAMPLE, *AS_OF)
    assert done.returncode == 0, done.stderr
    assert sample_warnings_only(done.stderr), done.stderr
    assert done.stdout.startswith("Expansion Opportunity Report")
    assert "as of 2026-11-22" in done.stdout.splitlines()[0]
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_json_output_keeps_the_published_field_names_and_methodology_figures(run_tool, write_json):
    done = run_tool(TOOL, write_json({"customers": [NORTHWIND]}), "--format", "json", *AS_OF)
    assert (done.returncode, done.stderr) == (0, "")
    report = json.loads(done.stdout)
    assert list(report) == ["report", "version", "as_of", "as_of_source", "methodology", "methodology_hash", "trend_basis", "summary", "customers", "rejected"]
    assert report["report"] == "expansion_opportunities"
    assert report["summary"]["total_estimated_revenue"] == 165547
    assert report["summary"]["total_opportunities"] == 5
    (account,) = report["customers"]
    assert account["adoption_summary"]["seat_utilisation"] == 95.0
    assert account["opportunity_count"] == 5
    assert account["opportunities"][0] == {
        "type": "Tier upgrade", "category": "tier_upgrade", "current_tier": "professional",
        "target_tier": "enterprise", "estimated_revenue": 42667, "effort": "medium",
        "rationale": "On Professional today; Enterprise is the next tier up (price x3 against x1.8): "
                     "about $42,667 more a year.",
        "priority_score": 42.7, "readiness": "ready"}
    assert account["enablement_needs"][0]["module"] == "analytics_module"


def test_output_is_byte_identical_across_runs(run_tool):
    for output_format in ("json", "text", "markdown", "csv", "jsonl"):
        first = run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF)
        assert first.returncode == 0, first.stderr
        assert run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF).stdout == first.stdout


def test_csv_with_dotted_product_usage_headers_scores_like_json(run_tool, tmp_path):
    header = ["customer_id", "name", "segment", "arr", "contract.licensed_seats", "contract.active_seats",
              "contract.plan_tier", "contract.available_tiers", "departments.current", "departments.potential"]
    row = ["ACC-0042", "Northwind Logistics", "Mid-Market", "64000", "60", "57", "professional",
           "starter;professional;enterprise", "operations", "finance; sales"]
    for module, usage in NORTHWIND["product_usage"].items():
        header += [f"product_usage.{module}.adopted", f"product_usage.{module}.usage_pct"]
        row += ["yes" if usage["adopted"] else "no", str(usage["usage_pct"])]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, row])
    (tmp_path / "book.csv").write_text(buffer.getvalue())
    expansion_fields = {k: NORTHWIND[k] for k in ("customer_id", "name", "segment", "arr", "contract",
                                                  "product_usage", "departments")}
    (tmp_path / "book.json").write_text(json.dumps([expansion_fields]))
    from_csv = run_tool(TOOL, tmp_path / "book.csv", "--format", "json", *AS_OF)
    from_json = run_tool(TOOL, tmp_path / "book.json", "--format", "json", *AS_OF)
    assert (from_csv.returncode, from_csv.stderr) == (0, "")
    assert json.loads(from_csv.stdout)["customers"] == json.loads(from_json.stdout)["customers"]


def test_hostile_records_get_one_line_per_problem_and_exit_3(run_tool, tmp_path):
    records = [
        expansion_only("OK-1"),
        expansion_only("T-1", contract={"licensed_seats": "many", "active_seats": True, "plan_tier": ["gold"],
                                        "available_tiers": [3]}),
        expansion_only("N-1", arr=None, contract={"licensed_seats": -5, "active_seats": 2}),
        "ACC-9",
        expansion_only("P-1", product_usage={"analytics_module": {"adopted": 1, "usage_pct": False}}),
        expansion_only("E-1", contract={}, departments={"current": [""], "potential": None}),
    ]
    text = json.dumps({"customers": records}).replace('"arr": null', '"arr": NaN')
    path = tmp_path / "hostile.json"
    path.write_text(text)
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert without_warnings(done.stderr) == (
        'error: customers[1] (T-1): contract.licensed_seats must be a number of 0 or more, got "many"\n'
        "error: customers[1] (T-1): contract.active_seats must be a number of 0 or more, got true\n"
        "error: customers[1] (T-1): contract.plan_tier must be one of starter, professional, enterprise, "
        "enterprise_plus, got a list\n"
        "error: customers[1] (T-1): contract.available_tiers[0] must be non-empty text, got 3\n"
        "error: customers[2] (N-1): arr must be a number of 0 or more, got NaN\n"
        "error: customers[2] (N-1): contract.licensed_seats must be a number of 0 or more, got -5\n"
        'error: customers[3]: record must be an object of customer fields, got "ACC-9"\n'
        "error: customers[4] (P-1): product_usage.analytics_module.adopted must be true or false, got 1\n"
        "error: customers[4] (P-1): product_usage.analytics_module.usage_pct must be a number from 0 to 100, "
        "got false\n"
        'error: customers[5] (E-1): departments.current[0] must be non-empty text, got ""\n'
    )
    report = json.loads(done.stdout)
    assert [c["customer_id"] for c in report["customers"]] == ["OK-1"]
    assert report["summary"]["total_customers"] == 1
    assert report["summary"]["rejected_count"] == 5
    assert [(r["index"], r["customer_id"]) for r in report["rejected"]] == [
        (1, "T-1"), (2, "N-1"), (3, None), (4, "P-1"), (5, "E-1")]


def test_rejected_records_are_listed_in_text_and_markdown(run_tool, write_json):
    path = write_json({"customers": [expansion_only(), expansion_only("Y-1", contract={"licensed_seats": -1})]})
    for output_format, heading in (("text", "Rejected records (1)"), ("markdown", "## Rejected records (1)")):
        done = run_tool(TOOL, path, "--format", output_format, "--allow-partial", *AS_OF)
        assert done.returncode == 3
        assert heading in done.stdout
        assert "(Y-1): contract.licensed" in done.stdout
        assert "seats must be a number of 0 or more, got -1" in " ".join(done.stdout.split())


def test_a_record_without_expansion_data_is_rejected_as_insufficient(run_tool, write_json):
    done = run_tool(TOOL, write_json([expansion_only(), {"customer_id": "H-1", "segment": "smb", "arr": 5}]),
                    "--allow-partial", *AS_OF)
    assert done.returncode == 3
    errors = without_warnings(done.stderr)
    assert errors.startswith("error: [1] (H-1): insufficient data: no expansion category can be evaluated")
    assert errors.count("\n") == 1


@pytest.mark.parametrize("content, message", [
    ('{"customers": [', " is not valid JSON: Expecting value at line 1 column 16"),
    ('{"customers": []}', " has no customers"),
    ("[1, 2", " is not valid JSON: Expecting ',' delimiter at line 1 column 6"),
], ids=["broken", "no-customers", "broken-array"])
def test_unreadable_input_exits_1_with_one_clear_line(run_tool, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = run_tool(TOOL, path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: {path}{message}\n"


def test_missing_file_and_folder_exit_1(run_tool, tmp_path):
    done = run_tool(TOOL, tmp_path / "absent.json")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {tmp_path / 'absent.json'}: no such file\n")
    done = run_tool(TOOL, tmp_path)
    assert (done.returncode, done.stderr) == (1, f"error: {tmp_path} is a folder, not a portfolio file\n")


def test_when_no_record_can_be_scored_the_exit_is_1(run_tool, write_json):
    done = run_tool(TOOL, write_json({"customers": [[1, 2]]}), *AS_OF)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: customers[0]: record must be an object of customer fields, got a list",
        f"error: no record in {done.args[2]} could be scored (1 rejected)",
    ]


def test_a_wrong_command_line_exits_2(run_tool):
    done = run_tool(TOOL, SAMPLE, "--format", "pdf")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage: expansion_opportunity_scorer.py")
    assert "invalid choice: 'pdf'" in done.stderr
    assert run_tool(TOOL, SAMPLE, "--as-of", "22/11/2026").returncode == 2


def test_a_bad_config_exits_1_naming_the_key(run_tool, tmp_path):
    config = tmp_path / "ours.json"
    config.write_text(json.dumps({"expansion": {"tiers": {"gold": "x"}, "priority": {"revenue_divisor": 0}}}))
    done = run_tool(TOOL, SAMPLE, "--config", config)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f'error: config {config}: expansion.tiers.gold must be a number, got "x"\n'
                           f"error: config {config}: expansion.priority.revenue_divisor must be above 0, got 0\n")


def test_a_config_tier_ladder_is_used_and_printed(run_tool, tmp_path, write_json):
    config = tmp_path / "ladder.json"
    config.write_text(json.dumps({"name": "our ladder", "expansion": {"tiers": {
        "starter": None, "professional": None, "enterprise": None, "enterprise_plus": None,
        "team": 1.0, "business": 2.0}}}))
    printed = json.loads(run_tool(TOOL, "--config", config, "--print-config").stdout)
    assert printed["expansion"]["tiers"] == {"team": 1.0, "business": 2.0}
    record = expansion_only(contract={"plan_tier": "team", "available_tiers": ["business", "team"]})
    done = run_tool(TOOL, write_json([record]), "--config", config, "--format", "json", "--allow-partial", *AS_OF)
    report = json.loads(done.stdout)
    assert report["methodology"] == "our ladder"
    (opportunity,) = report["customers"][0]["opportunities"]
    assert (opportunity["target_tier"], opportunity["estimated_revenue"], opportunity["priority_score"]) == (
        "business", 100000, 100.0)  # 100000 / 1.0 x 2.0 - 100000; 50 x 2


def test_untrusted_names_are_escaped_in_every_format(run_tool, write_json):
    record = expansion_only("=cmd|1", name="=HYPERLINK(\"x\") *bold* <b>|\x1b[31m",
                            departments={"current": [], "potential": ["<script>|Ops"]})
    path = write_json([record])
    text = run_tool(TOOL, path, *AS_OF).stdout
    assert "\x1b" not in text and "\\u001b[31m" in text
    markdown = run_tool(TOOL, path, "--format", "markdown", *AS_OF).stdout
    assert "<script>" not in markdown and "&lt;script&gt;\\|Ops" in markdown
    assert "\\*bold\\*" in markdown
    rows = list(csv.reader(io.StringIO(run_tool(TOOL, path, "--format", "csv", *AS_OF).stdout)))
    assert rows[1][0] == "'=cmd|1"
    assert rows[1][1].startswith("'=HYPERLINK")


def test_ready_accounts_lead_the_portfolio_view(run_tool):
    report = json.loads(run_tool(TOOL, SAMPLE, "--format", "json", *AS_OF).stdout)
    statuses = [c["readiness"]["status"] for c in report["customers"]]
    assert statuses == sorted(statuses, key=lambda status: status != "ready")
    assert "stabilise first" in statuses
    ready = report["summary"]["ready_for_upgrade_conversation"]
    assert all(entry["opportunity"]["readiness"] == "ready" for entry in ready)


def test_no_traceback_for_a_deeply_nested_or_huge_record(run_tool, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"customers": [' + '{"a": ' * 50000 + "1" + "}" * 50000 + "]}")
    done = run_tool(TOOL, path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    big = tmp_path / "big.json"
    big.write_text(json.dumps([expansion_only(arr=10 ** 400)]))
    done = run_tool(TOOL, big)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "arr must be a number of 0 or more, got a number too large to use" in done.stderr
