"""The portfolio report as a user runs it: its figures against the three tools, the formats, the
self-contained HTML, escaping, retention, exit statuses and hostile input."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import NORTHWIND, SAMPLE, SCRIPTS, sample_warnings_only

TOOL = "portfolio_report.py"
AS_OF = ("--as-of", "2026-11-22")
TOOLS = {"health": "health_score_calculator.py", "churn": "churn_risk_analyzer.py",
         "expansion": "expansion_opportunity_scorer.py"}
SECTIONS = ["1. The book at a glance", "2. Critical and high churn risk", "3. Renewals, next four quarters",
            "4. Trends", "5. Expansion", "6. Action list: who to call this week"]
RETENTION = {"period_start": "2026-07-01", "period_end": "2026-09-30", "starting_arr": 800000,
             "expansion_arr": 120000, "contraction_arr": 16000, "churned_arr": 24000}


@pytest.fixture(scope="module")
def sample_reports():
    """The portfolio report and each tool's report on the sample portfolio, as JSON."""
    def run(script, *more):
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), SAMPLE, "--format", "json", *AS_OF,
                               *more], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    reports = {name: run(script) for name, script in TOOLS.items()}
    reports["portfolio"] = run(TOOL)
    reports["portfolio --full"] = run(TOOL, "--full")
    return reports


def hostile_book(northwind):
    first = dict(northwind, customer_id="ACC-1", name="<script>alert(1)</script>")
    second = dict(northwind, customer_id='ACC-2"><b>', name='" onmouseover="x')
    return {"customers": [first, second]}


# Agreement with the three tools -----------------------------------------------------------------

def _own(found):
    """A tool's summary or result without its own next action: the report keeps one per account (csm.next_action)."""
    return {key: value for key, value in found.items() if key not in ("next_action", "next_action_attention")}


def test_its_summary_of_each_analysis_is_the_one_that_tool_reports(sample_reports):
    summary = sample_reports["portfolio"]["summary"]
    for name in TOOLS:
        own = {key: value for key, value in summary[name].items() if key != "top_opportunities"}  # the report's
        assert own == _own(sample_reports[name]["summary"]), name
    assert sum(summary["next_action_attention"].values()) == summary["total_customers"]


def test_counts_arr_at_risk_expansion_potential_and_total_arr_agree_with_the_tools(sample_reports):
    portfolio = sample_reports["portfolio"]
    book = portfolio["views"]["book"]
    health = sample_reports["health"]["summary"]
    churn = sample_reports["churn"]["summary"]
    expansion = sample_reports["expansion"]["summary"]
    assert book["accounts"] == health["total_customers"] == churn["total_customers"] == expansion["total_customers"]
    assert book["total_arr"] == health["total_arr"] == churn["total_arr"] == expansion["total_arr"]
    for klass in ("green", "yellow", "red"):
        assert book["health_mix"][klass]["count"] == health[f"{klass}_count"]
        assert book["health_mix"][klass]["arr"] == health["classes"][klass]["arr"]
    for tier in ("critical", "high", "medium", "low"):
        assert book["risk_mix"][tier]["count"] == churn[f"{tier}_count"]
        assert book["risk_mix"][tier]["arr"] == churn["tiers"][tier]["arr"]
    assert book["arr_at_risk"] == churn["total_arr_at_risk"]
    assert book["accounts_at_risk"] == churn["critical_count"] + churn["high_count"]
    assert book["expansion_potential"] == expansion["total_estimated_revenue"]
    assert book["average_health"]["value"] == health["average_score"]
    assert book["arr_weighted_health"] == health["arr_weighted_average_score"]
    pipeline = portfolio["views"]["expansion"]["pipeline"]
    for category, line in expansion["by_category"].items():
        assert (pipeline[category]["count"], pipeline[category]["estimated_revenue"]) == \
            (line["count"], line["estimated_revenue"])


def test_with_full_each_account_carries_the_three_analyses_as_each_tool_reports_them(sample_reports):
    accounts = sample_reports["portfolio --full"]["customers"]
    for name in TOOLS:
        by_id = {result["customer_id"]: _own(result) for result in sample_reports[name]["customers"]}
        assert {a["customer_id"]: a[name] for a in accounts} == by_id, name
    # The report's one next action per account is the expansion tool's (the tool that knows all four facts).
    by_id = {result["customer_id"]: result["next_action"] for result in sample_reports["expansion"]["customers"]}
    assert {a["customer_id"]: a["next_action"] for a in accounts} == by_id


def test_with_full_everything_but_the_accounts_is_the_report_without_it(sample_reports):
    full, brief = sample_reports["portfolio --full"], sample_reports["portfolio"]
    assert {key: value for key, value in full.items() if key != "customers"} == \
        {key: value for key, value in brief.items() if key != "customers"}
    assert [a["customer_id"] for a in full["customers"]] == [a["customer_id"] for a in brief["customers"]]


def test_each_account_brief_is_each_tool_s_figures_for_that_account(sample_reports):
    tools = {name: {result["customer_id"]: result for result in sample_reports[name]["customers"]}
             for name in TOOLS}
    full = {a["customer_id"]: a for a in sample_reports["portfolio --full"]["customers"]}
    for account in sample_reports["portfolio"]["customers"]:
        customer_id = account["customer_id"]
        assert list(account) == list(full[customer_id])  # the account's own keys, in the same order
        assert {key: value for key, value in account.items() if key not in TOOLS} == \
            {key: value for key, value in full[customer_id].items() if key not in TOOLS}
        fitness, risk, found = (tools[name][customer_id] for name in TOOLS)
        assert account["health"] == {"overall_score": fitness["overall_score"],
                                     "classification": fitness["classification"],
                                     "trend": fitness["trends"]["overall"],
                                     "attention_priority": fitness["attention_priority"],
                                     "previous_overall_score": fitness["previous_overall_score"]}
        assert account["churn"] == {key: risk[key] for key in ("risk_score", "risk_tier", "churn_probability",
                                                                "renewal_status", "days_to_renewal",
                                                                "contract_end_date")}
        # its largest ready opportunity, else (none ready) its largest; the first by priority of equal ones
        ranked = sorted(found["opportunities"], key=lambda o: (o["readiness"] != "ready", -o["estimated_revenue"]))
        top = dict(ranked[0]) if ranked else None
        if top is not None:
            del top["rationale"]
        assert account["expansion"] == {"readiness": found["readiness"]["status"],
                                        "total_estimated_revenue": found["total_estimated_revenue"],
                                        "opportunity_count": found["opportunity_count"], "top_opportunity": top}


def test_the_report_json_is_smaller_than_the_three_tools_json_together(run_tool):
    sizes = {}
    for name, script in [*TOOLS.items(), ("portfolio", TOOL)]:
        done = run_tool(script, SAMPLE, "--format", "json", *AS_OF)
        assert done.returncode == 0, done.stderr
        sizes[name] = len(done.stdout.encode("utf-8"))
    assert sizes["portfolio"] < sum(sizes[name] for name in TOOLS), sizes


def test_an_account_one_analysis_cannot_score_has_none_there_and_its_errors_in_the_brief(run_tool, write_json,
                                                                                         northwind):
    no_usage = {key: value for key, value in northwind.items() if key not in ("usage", "engagement")}
    path = write_json({"customers": [dict(northwind, customer_id="ACC-1"), dict(no_usage, customer_id="ACC-2")]})
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 0, done.stderr
    accounts = {a["customer_id"]: a for a in json.loads(done.stdout)["customers"]}
    assert accounts["ACC-2"]["health"] is None
    assert accounts["ACC-2"]["analysis_errors"]["health"]
    assert accounts["ACC-1"]["health"]["classification"] in ("green", "yellow", "red")


def test_lapsed_renewals_and_the_first_quarter_agree_with_the_churn_tool(sample_reports):
    renewals = sample_reports["portfolio"]["views"]["renewals"]
    churn = sample_reports["churn"]["summary"]
    lapsed = churn["lapsed_renewals"]
    assert renewals["lapsed"]["count"] == lapsed["count"]
    assert renewals["lapsed"]["arr"] == lapsed["arr"]
    assert sorted(e["customer_id"] for e in renewals["lapsed"]["accounts"]) == lapsed["customer_ids"]
    first_quarter = renewals["quarters"][0]
    assert (first_quarter["count"], first_quarter["arr"]) == (churn["renewals_due"]["next_90_days"]["count"],
                                                               churn["renewals_due"]["next_90_days"]["arr"])
    assert renewals["unknown_date"]["count"] == churn["unknown_renewal_count"]


def test_the_json_carries_the_analyses_the_cross_views_as_of_and_rejected(sample_reports):
    report = sample_reports["portfolio"]
    assert list(report) == ["report", "version", "as_of", "as_of_source", "methodology", "methodology_hash", "trend_basis", "summary",
                            "views", "customers", "rejected"]
    assert report["report"] == "portfolio_report"
    assert report["as_of"] == "2026-11-22"
    assert report["rejected"] == []
    assert list(report["views"]) == ["book", "this_week", "renewals", "trends", "expansion", "action_list",
                                     "action_list_rest"]
    assert list(report["customers"][0])[:7] == ["customer_id", "name", "segment", "arr", "owner",
                                                 "contract_start_date", "priority"]
    assert all(a["health"] and a["churn"] and a["expansion"] for a in report["customers"])
    assert report["views"]["action_list"][0]["rank"] == 1


# Formats ---------------------------------------------------------------------------------------

def test_markdown_is_the_default_and_shows_the_six_views_in_order(run_tool):
    done = run_tool(TOOL, SAMPLE, *AS_OF)
    assert done.returncode == 0, done.stderr
    assert sample_warnings_only(done.stderr), done.stderr
    assert done.stdout.startswith("# Portfolio Report\n")
    positions = [done.stdout.index(f"## {title}") for title in SECTIONS]
    assert positions == sorted(positions)
    assert "These probabilities are assumptions, not calibrated by a backtest" in done.stdout


def test_text_fits_80_columns_and_shows_the_six_views(run_tool):
    done = run_tool(TOOL, SAMPLE, "--format", "text", *AS_OF)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert all(title in done.stdout for title in SECTIONS)


@pytest.mark.parametrize("output_format", ["markdown", "html", "json", "text"])
def test_the_same_input_as_of_and_config_give_byte_identical_output(run_tool, output_format):
    first = run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF)
    second = run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_the_html_is_one_self_contained_file_with_inline_svg_charts(run_tool):
    done = run_tool(TOOL, SAMPLE, "--format", "html", *AS_OF)
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 4
    for label in ("Health mix by ARR", "ARR by churn risk tier", "Renewals by quarter and risk tier",
                  "Expansion pipeline by type"):
        assert f'<svg role="img" aria-label="{label}' in page
    for reference in ("http://", "https://", "src=", "<script", "<link", "@import", "url("):
        assert reference not in page, reference
    assert "@media print" in page


def test_every_customer_string_is_escaped_in_html_and_markdown(run_tool, write_json, northwind):
    path = write_json(hostile_book(northwind))
    page = run_tool(TOOL, path, "--format", "html", *AS_OF)
    assert page.returncode == 0, page.stderr
    assert "<script" not in page.stdout
    assert '" onmouseover="x' not in page.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.stdout
    assert "&quot; onmouseover=&quot;x" in page.stdout
    assert 'ACC-2&quot;&gt;&lt;b&gt;' in page.stdout
    deck = run_tool(TOOL, path, *AS_OF)
    assert "<script>" not in deck.stdout and "&lt;script&gt;" in deck.stdout


# Retention --------------------------------------------------------------------------------------

def test_nrr_and_grr_from_a_retention_object_reach_every_format(run_tool, write_json, northwind):
    path = write_json({"customers": [northwind], "retention": RETENTION})
    report = json.loads(run_tool(TOOL, path, "--format", "json", *AS_OF).stdout)
    retention = report["views"]["book"]["retention"]
    # NRR = (800,000 + 120,000 - 16,000 - 24,000) / 800,000 = 110.0%; GRR = 760,000 / 800,000 = 95.0%.
    assert retention["nrr"] == {"value": 110.0, "benchmark": 110, "meets_benchmark": True}
    assert retention["grr"] == {"value": 95.0, "benchmark": 90, "meets_benchmark": True}
    deck = run_tool(TOOL, path, *AS_OF).stdout
    assert "| NRR | 110.0% (target 110%: met), 2026-07-01 to 2026-09-30 |" in deck
    assert "| GRR | 95.0% (target 90%: met), 2026-07-01 to 2026-09-30 |" in deck
    assert ">110.0%<" in run_tool(TOOL, path, "--format", "html", *AS_OF).stdout


def test_without_a_retention_object_the_report_says_how_to_get_nrr(run_tool, write_json, northwind):
    deck = run_tool(TOOL, write_json({"customers": [northwind]}), *AS_OF).stdout
    assert "| NRR | not available: the portfolio has no top-level retention object |" in deck


def test_a_bad_retention_object_exits_1_naming_each_field_and_writes_nothing(run_tool, write_json, northwind,
                                                                                tmp_path):
    path = write_json({"customers": [northwind], "retention": {"starting_arr": "lots", "expansion_arr": 0,
                                                                "contraction_arr": 0}})
    out = tmp_path / "report.md"
    done = run_tool(TOOL, path, "--output", out, *AS_OF)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f'error: {path}: retention.starting_arr must be a number of 0 or more, got "lots"\n'
        f"error: {path}: retention.churned_arr is missing (ARR, a number of 0 or more)\n")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


# Records one analysis, or every analysis, cannot score ------------------------------------------

def test_an_account_one_analysis_cannot_score_stays_in_the_report_with_a_warning(run_tool, write_json, northwind):
    broken = dict(northwind, customer_id="ACC-9", usage=dict(northwind["usage"], login_frequency="high"))
    path = write_json({"customers": [northwind, broken]})
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 0
    assert done.stderr == 'warning: ACC-9: health not scored: usage.login_frequency must be a number from 0 to 100, ' \
                          'got "high"\n'
    report = json.loads(done.stdout)
    assert report["summary"]["total_customers"] == 2
    health = run_tool(TOOLS["health"], path, "--format", "json", *AS_OF)
    assert health.returncode == 3
    assert report["summary"]["health"] == _own(json.loads(health.stdout)["summary"])
    assert report["summary"]["health"]["rejected_count"] == 1
    deck = run_tool(TOOL, path, *AS_OF).stdout
    assert "## Accounts an analysis could not score (1)" in deck


def test_a_record_no_analysis_can_score_is_rejected_with_exit_3(run_tool, write_json, northwind):
    path = write_json({"customers": [northwind, {"customer_id": "ACC-X", "name": "Nothing"}]})
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert done.stderr == (
        "error: customers[1] (ACC-X): arr is missing (annual recurring revenue, a number of 0 or more)\n"
        "error: customers[1] (ACC-X): segment is missing (one of enterprise, mid-market, smb)\n")
    report = json.loads(done.stdout)
    assert report["rejected"] == [{"index": 1, "location": "customers[1]", "customer_id": "ACC-X", "errors": [
        "arr is missing (annual recurring revenue, a number of 0 or more)",
        "segment is missing (one of enterprise, mid-market, smb)"]}]
    assert report["summary"]["rejected_count"] == 1
    assert "## Rejected records (1)" in run_tool(TOOL, path, *AS_OF).stdout


@pytest.mark.parametrize("content", [
    "",
    "not json at all",
    '{"customers": "many"}',
    '{"customers": []}',
    '{"customers": [{"customer_id": "A"}], "retention": "lots"}',
    '{"customers": [{"customer_id": "A", "arr": NaN, "segment": "smb"}]}',
    '{"customers": [' + json.dumps(NORTHWIND) + '], "retention": {"starting_arr": 1e400, "expansion_arr": 0, '
    '"contraction_arr": 0, "churned_arr": 0}}',
    '{"customers": [' + json.dumps(dict(NORTHWIND, contract_end_date="31/03/2027", arr=True)) + "]}",
    '{"customers": [' + json.dumps(dict(NORTHWIND, contract="x", product_usage=[1], departments=7)) + "]}",
    "[" * 100000,
])
def test_hostile_input_gets_a_clear_error_and_never_a_traceback(run_tool, tmp_path, content):
    path = tmp_path / "hostile.json"
    path.write_text(content)
    for output_format in ("markdown", "html", "json", "text"):
        done = run_tool(TOOL, path, "--format", output_format, *AS_OF)
        assert done.returncode in (0, 1, 3), done.stderr
        assert "Traceback" not in done.stderr
        assert re.match(r"(error|warning): ", done.stderr) or done.stderr == "", done.stderr


def test_a_wrong_command_line_exits_2(run_tool):
    assert run_tool(TOOL, SAMPLE, "--format", "csv").returncode == 2
    assert run_tool(TOOL, SAMPLE, "--as-of", "tomorrow").returncode == 2


def test_help_shows_an_example_and_the_retention_object(run_tool):
    done = run_tool(TOOL, "--help")
    assert done.returncode == 0
    assert "python3 scripts/portfolio_report.py assets/sample_customer_data.json" in done.stdout
    assert "retention" in done.stdout and "NRR = (starting + expansion - contraction - churned) / starting" \
        in done.stdout


# The methodology -------------------------------------------------------------------------------

def test_print_config_holds_the_report_section(run_tool):
    table = json.loads(run_tool(TOOL, "--print-config").stdout)
    assert table["report"]["renewal_probability"] == {"critical": 0.35, "high": 0.6, "medium": 0.8, "low": 0.95}
    assert table["report"]["benchmarks"]["nrr"] == 110 and table["report"]["benchmarks"]["grr"] == 90


def test_a_config_sets_the_renewal_probabilities_and_the_forecast_follows(run_tool, write_json, northwind,
                                                                          tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"report": {"renewal_probability": {"low": 0.5, "medium": 0.5, "high": 0.5,
                                                                     "critical": 0.5},
                                             "renewal_probability_source": "backtest of the 2025 renewals"}}))
    path = write_json({"customers": [northwind]})  # 64,000 ARR, low risk, renews in 129 days: Q2
    report = json.loads(run_tool(TOOL, path, "--format", "json", "--config", config, *AS_OF).stdout)
    quarters = report["views"]["renewals"]["quarters"]
    assert [q["forecast_arr"] for q in quarters] == [0, 32000, 0, 0]
    assert report["views"]["renewals"]["probabilities_are_assumptions"] is False
    deck = run_tool(TOOL, path, "--config", config, *AS_OF).stdout
    assert "Probabilities: backtest of the 2025 renewals." in deck


def test_a_config_with_probabilities_out_of_order_exits_1(run_tool, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"report": {"renewal_probability": {"critical": 0.99}}}))
    done = run_tool(TOOL, SAMPLE, "--config", config, *AS_OF)
    assert done.returncode == 1
    assert done.stderr == (f"error: config {config}: report.renewal_probability: out of order (critical 0.99 is "
                           "above high 0.6; a riskier tier cannot renew more often)\n")


def test_long_lists_are_cut_in_the_deck_and_whole_in_the_json(run_tool, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"report": {"max_rows": 2}}))
    deck = run_tool(TOOL, SAMPLE, "--config", config, *AS_OF).stdout
    report = json.loads(run_tool(TOOL, SAMPLE, "--format", "json", "--config", config, *AS_OF).stdout)
    actions = report["views"]["action_list"]
    assert len(actions) > 2
    assert f"... and {len(actions) - 2} more (all of them in --format json)." in deck
