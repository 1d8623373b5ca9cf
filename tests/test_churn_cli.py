"""The churn tool as a user runs it: renewal windows, formats, hostile input, exit statuses, --config."""

import csv
import io
import json

import pytest

from conftest import NORTHWIND, SAMPLE, sample_warnings_only
from csm.config.methodology import default_methodology, methodology_hash

TOOL = "churn_risk_analyzer.py"
AS_OF = ("--as-of", "2026-11-22")

# Engagement 41.6, support 88.0, relationship 100, commercial 100, usage 0: raw 53.0
# (worked out in test_churn.py). Renewing on 2026-12-12: 20 days after 2026-11-22.
STRAINED = dict(
    NORTHWIND, customer_id="ACC-0077", name="Granite Retail", contract_end_date="2026-12-12",
    usage_decline={"login_trend": 0, "feature_adoption_change": 0, "dau_mau_change": 0},
    engagement_drop={"meeting_cancellations": 2, "response_time_days": 3.4, "nps_change": -2},
    support_issues={"open_escalations": 2, "unresolved_critical": 2, "satisfaction_trend": "critical"},
    relationship_signals={"champion_left": True, "sponsor_change": True, "competitor_mentions": 3},
    commercial_factors={"contract_type": "month-to-month", "pricing_complaints": True, "budget_cuts_mentioned": True},
)

LAPSED_TEXT = """\
Churn Risk Report                                               as of 2026-11-22
================================================================================
1 account, $64,000 ARR; average risk 39.6; ARR at risk (critical + high) $0
(0.0% of the book)
Methodology: default (hash {hash}); trends against the export's previous
period

Risk mix
Tier      Accounts  % accounts      ARR   % ARR
Critical         0        0.0%       $0    0.0%
High             0        0.0%       $0    0.0%
Medium           0        0.0%       $0    0.0%
Low              1      100.0%  $64,000  100.0%

By segment
Segment     Accounts      ARR  Avg risk  At risk  Crit  High  Med  Low
enterprise         0       $0       n/a       $0     0     0    0    0
mid-market         1  $64,000      39.6       $0     0     0    0    1
smb                0       $0       n/a       $0     0     0    0    0

Renewals
Renewal       Accounts      ARR  Crit  High  Med  Low
Next 30 days         0       $0     0     0    0    0
Next 60 days         0       $0     0     0    0    0
Next 90 days         0       $0     0     0    0    0
Lapsed               1  $64,000     0     0    0    1
Lapsed: ACC-0042
Renewal date unknown: 0 accounts
Warnings: 1 critical, 3 high, 2 medium, 0 low; incomplete data: 0
Next actions: 1 act today, 0 this week, 0 this month, 0 monitor

Accounts, most urgent first
--------------------------------------------------------------------------------
ACT TODAY  Northwind Logistics (ACC-0042): renewal lapsed 5 days ago
  mid-market, $64,000 ARR; risk 39.6 low; lapsed 2026-11-17
  Next: Get the lapsed renewal signed today, or a written extension.
  ! CRITICAL renewal lapsed 5 days ago on 2026-11-17
  ! HIGH     Login trend -12%, at or below -10%
  ! HIGH     NPS change -2 points, at or below -2 points (+3 more)
  Why: Engagement drop +8.0; Usage decline +7.9; Relationship signals +6.3
  Do:  Renewal lapsed: confirm the contract with finance and the AE (48 hours).

""".replace("{hash}", methodology_hash(default_methodology()))


def report_of(done):
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def test_a_lapsed_renewal_is_reported_in_words_not_as_zero_days(run_tool, write_json):
    done = run_tool(TOOL, write_json({"customers": [dict(NORTHWIND, contract_end_date="2026-11-17")]}), *AS_OF)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == LAPSED_TEXT


def test_a_lapsed_renewal_leads_the_actions_whatever_the_tier(run_tool, write_json):
    path = write_json({"customers": [dict(NORTHWIND, contract_end_date="2026-11-17")]})
    account = report_of(run_tool(TOOL, path, "--format", "json", *AS_OF))["customers"][0]
    assert account["risk_tier"] == "low"
    assert account["recommended_actions"][0].startswith("Renewal lapsed: confirm the contract")
    # The low tier's "standard monitoring" and "look for advocacy and expansion" never sit beside a lapsed renewal.
    assert len(account["recommended_actions"]) == 1
    assert account["next_action"] == {"attention": "act today", "reason": "renewal lapsed 5 days ago",
                                      "action": "Get the lapsed renewal signed today, or a written extension."}


def test_a_lapsed_renewal_in_json_has_negative_days_its_own_warning_and_the_top_multiplier(run_tool, write_json):
    path = write_json({"customers": [dict(NORTHWIND, contract_end_date="2026-11-17")]})
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert (done.returncode, done.stderr) == (0, "")
    account = report_of(done)["customers"][0]
    assert (account["days_to_renewal"], account["renewal_status"], account["urgency_multiplier"]) == \
        (-5, "lapsed", 1.5)
    assert (account["raw_score"], account["risk_score"]) == (26.4, 39.6)
    assert account["warning_signals"][0] == {
        "severity": "critical", "signal": "renewal", "message": "renewal lapsed 5 days ago on 2026-11-17"}
    assert report_of(done)["summary"]["lapsed_renewals"] == {
        "count": 1, "arr": 64000, "tiers": {"critical": 0, "high": 0, "medium": 0, "low": 1},
        "customer_ids": ["ACC-0042"]}


def test_a_renewal_20_days_out_takes_the_30_day_multiplier(run_tool, write_json):
    done = run_tool(TOOL, write_json([STRAINED]), "--format", "json", *AS_OF)
    assert (done.returncode, done.stderr) == (0, "")
    report = report_of(done)
    account = report["customers"][0]
    assert (account["days_to_renewal"], account["urgency_multiplier"], account["renewal_status"]) == (20, 1.5, "due")
    assert (account["raw_score"], account["risk_score"], account["risk_tier"], account["risk_label"]) == \
        (53.0, 79.5, "high", "High Risk")
    assert report["summary"]["renewals_due"]["next_30_days"] == {
        "days": 30, "count": 1, "arr": 64000, "tiers": {"critical": 0, "high": 1, "medium": 0, "low": 0}}
    assert (report["summary"]["high_count"], report["summary"]["total_arr_at_risk"]) == (1, 64000)


@pytest.mark.parametrize("as_of, days, multiplier, risk, tier, status", [
    ("2026-06-01", 194, 1.0, 53.0, "medium", "scheduled"),
    ("2026-08-01", 133, 1.1, 58.3, "medium", "scheduled"),
    ("2026-10-01", 72, 1.2, 63.6, "high", "due"),
    ("2026-11-22", 20, 1.5, 79.5, "high", "due"),
    ("2026-12-12", 0, 1.5, 79.5, "high", "due"),
    ("2026-12-20", -8, 1.5, 79.5, "high", "lapsed"),
])
def test_as_of_moves_the_renewal_window(run_tool, write_json, as_of, days, multiplier, risk, tier, status):
    done = run_tool(TOOL, write_json([STRAINED]), "--format", "json", "--as-of", as_of)
    report = report_of(done)
    account = report["customers"][0]
    assert report["as_of"] == as_of
    assert (account["days_to_renewal"], account["urgency_multiplier"], account["risk_score"],
            account["risk_tier"], account["renewal_status"]) == (days, multiplier, risk, tier, status)


def test_the_text_report_says_when_the_renewal_is(run_tool, write_json):
    path = write_json([STRAINED, dict(NORTHWIND, customer_id="N-2", contract_end_date=None)])
    lines = run_tool(TOOL, path, *AS_OF).stdout.splitlines()
    assert "  mid-market, $64,000 ARR; risk 79.5 high; renews 2026-12-12" in lines
    assert "ACT TODAY  Granite Retail (ACC-0077): renewal in 20 days at high churn risk" in lines
    # No "data 100.0%" beside the missing renewal date: the date carries no weight of the score.
    assert "  mid-market, $64,000 ARR; risk 26.4 low; no renewal date" in lines
    assert "  Missing: contract_end_date" in lines


def test_the_sample_portfolio_scores_and_fits_80_columns(run_tool):
    done = run_tool(TOOL, SAMPLE, *AS_OF)
    assert done.returncode == 0 and sample_warnings_only(done.stderr), done.stderr
    assert done.stdout.startswith("Churn Risk Report")
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_accounts_are_listed_riskiest_first_then_by_arr_then_id(run_tool, write_json):
    twins = [dict(NORTHWIND, customer_id=name, arr=arr) for name, arr in (("B", 100), ("A", 100), ("C", 900))]
    done = run_tool(TOOL, write_json(twins + [STRAINED]), "--format", "json", *AS_OF)
    assert [a["customer_id"] for a in report_of(done)["customers"]] == ["ACC-0077", "C", "A", "B"]


def test_output_is_byte_identical_across_runs(run_tool):
    for output_format in ("json", "text", "markdown", "csv", "jsonl"):
        first = run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF).stdout
        assert run_tool(TOOL, SAMPLE, "--format", output_format, *AS_OF).stdout == first


def test_hostile_records_get_one_line_per_problem_and_exit_3(run_tool, tmp_path):
    records = [
        json.dumps(NORTHWIND),
        '"not a customer"',
        json.dumps(dict(NORTHWIND, customer_id="BOOL", usage_decline={"login_trend": True})),
        json.dumps(dict(NORTHWIND, customer_id="NAN")).replace('"nps_change": -2', '"nps_change": NaN'),
        json.dumps(dict(NORTHWIND, customer_id="RANGE",
                        usage_decline={"login_trend": -12, "feature_adoption_change": -4, "dau_mau_change": -2},
                        engagement_drop={"meeting_cancellations": 1, "response_time_days": 3, "nps_change": 11})),
        json.dumps(dict(NORTHWIND, customer_id="TYPES", contract_end_date=20270101,
                        relationship_signals={"champion_left": "yes", "sponsor_change": False,
                                              "competitor_mentions": -1},
                        commercial_factors={"contract_type": 12, "pricing_complaints": False,
                                            "budget_cuts_mentioned": False})),
        json.dumps(dict(NORTHWIND, customer_id="SECTION", support_issues="bad")),
    ]
    path = tmp_path / "hostile.json"
    path.write_text('{"customers": [' + ",\n".join(records) + "]}")
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert done.stderr == (
        'error: customers[1]: record must be an object of customer fields, got "not a customer"\n'
        "error: customers[2] (BOOL): usage_decline.login_trend must be a number from -100 to 1000, got true\n"
        "error: customers[3] (NAN): engagement_drop.nps_change must be a number from -10 to 10, got NaN\n"
        "error: customers[4] (RANGE): usage_decline.dau_mau_change must be a number from -1 to 1, got -2\n"
        "error: customers[4] (RANGE): engagement_drop.nps_change must be a number from -10 to 10, got 11\n"
        'error: customers[5] (TYPES): relationship_signals.champion_left must be true or false, got "yes"\n'
        "error: customers[5] (TYPES): relationship_signals.competitor_mentions must be a number of 0 or more, "
        "got -1\n"
        "error: customers[5] (TYPES): commercial_factors.contract_type must be one of annual, multi-year, "
        "quarterly, month-to-month, got 12\n"
        "error: customers[5] (TYPES): contract_end_date must be a date written YYYY-MM-DD, got 20270101\n"
        'error: customers[6] (SECTION): support_issues must be an object, got "bad"\n'
    )
    report = report_of(done)
    assert (report["summary"]["total_customers"], report["summary"]["rejected_count"]) == (1, 6)
    assert [(r["index"], r["customer_id"], len(r["errors"])) for r in report["rejected"]] == [
        (1, None, 1), (2, "BOOL", 1), (3, "NAN", 1), (4, "RANGE", 2), (5, "TYPES", 4), (6, "SECTION", 1)]


def test_rejected_records_are_listed_in_text_and_markdown(run_tool, write_json):
    path = write_json({"customers": [NORTHWIND, {"customer_id": "X-1", "segment": "smb", "arr": 5}]})
    for output_format, heading in (("text", "Rejected records (1)"), ("markdown", "## Rejected records (1)")):
        done = run_tool(TOOL, path, "--format", output_format, *AS_OF)
        assert done.returncode == 3
        assert heading in done.stdout
        assert done.stderr == (
            "error: customers[1] (X-1): insufficient data: 0% of the churn model's weight has data (at least 50% "
            "is needed); missing every field of usage_decline, engagement_drop, support_issues, "
            "relationship_signals, commercial_factors\n")


def test_broken_json_exits_1_with_one_line(run_tool, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"customers": [{"customer_id": "A"}')
    done = run_tool(TOOL, path, *AS_OF)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: {path} is not valid JSON: Expecting ',' delimiter at line 1 column 36\n"


def test_a_broken_json_line_rejects_that_record_only(run_tool, tmp_path):
    path = tmp_path / "book.jsonl"
    path.write_text(json.dumps(NORTHWIND) + "\n{broken\n")
    done = run_tool(TOOL, path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert done.stderr == ("error: line 2: not valid JSON: Expecting property name enclosed in double quotes "
                           "at column 2\n")


def test_when_no_record_can_be_scored_the_exit_is_1(run_tool, write_json):
    path = write_json({"customers": [3, {"customer_id": "Z", "arr": True}]})
    done = run_tool(TOOL, path, *AS_OF)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: customers[0]: record must be an object of customer fields, got 3\n"
        "error: customers[1] (Z): arr must be a number of 0 or more, got true\n"
        "error: customers[1] (Z): segment is missing (one of enterprise, mid-market, smb)\n"
        f"error: no record in {path} could be scored (2 rejected)\n"
    )


def test_missing_file_and_folder_exit_1(run_tool, tmp_path):
    done = run_tool(TOOL, tmp_path / "absent.json")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {tmp_path / 'absent.json'}: no such file\n")
    done = run_tool(TOOL, tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {tmp_path} is a folder, not a portfolio file\n")


def test_wrong_command_lines_exit_2(run_tool):
    for args in ((SAMPLE, "--format", "pdf"), (SAMPLE, "--as-of", "2026-02-30"), ()):
        done = run_tool(TOOL, *args)
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr


def test_version_and_help_with_an_example(run_tool):
    from csm import __version__
    assert run_tool(TOOL, "--version").stdout == f"churn_risk_analyzer.py {__version__}\n"
    help_text = run_tool(TOOL, "--help").stdout
    assert "python3 scripts/churn_risk_analyzer.py assets/sample_customer_data.json" in help_text


def test_a_config_file_replaces_a_playbook_in_the_report(run_tool, write_json, tmp_path):
    config = tmp_path / "ours.json"
    config.write_text(json.dumps({"name": "ours", "churn": {"playbooks": {"high": ["Call the CEO today."]}}}))
    done = run_tool(TOOL, write_json([STRAINED]), "--config", config, "--format", "json", *AS_OF)
    report = report_of(done)
    assert report["methodology"] == "ours"
    assert report["customers"][0]["recommended_actions"] == ["Call the CEO today."]


def test_a_bad_config_exits_1_naming_the_key(run_tool, write_json, tmp_path):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"churn": {"signals": {"usage_decline": {"weight": 0.5}}}}))
    done = run_tool(TOOL, write_json([NORTHWIND]), "--config", config, *AS_OF)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: config {config}: churn.signals: weights sum to 1.2, not 1\n"


def test_print_config_round_trips(run_tool, write_json, tmp_path):
    config = tmp_path / "printed.json"
    config.write_text(run_tool(TOOL, "--print-config").stdout)
    assert json.loads(config.read_text())["churn"]["tiers"]["critical"] == {"min_score": 80, "label": "Critical Risk"}
    path = write_json([NORTHWIND, STRAINED])
    assert run_tool(TOOL, path, "--config", config, "--format", "json", *AS_OF).stdout == \
        run_tool(TOOL, path, "--format", "json", *AS_OF).stdout


def test_csv_input_with_crm_spellings_scores_like_json(run_tool, tmp_path):
    header = ["customer_id", "name", "segment", "arr", "contract_end_date"]
    row = [STRAINED[k] for k in header]
    spellings = {"contract_type": "Month_to_Month", "satisfaction_trend": "CRITICAL", "champion_left": "Yes",
                 "sponsor_change": "1", "pricing_complaints": "true", "budget_cuts_mentioned": "yes"}
    for section in ("usage_decline", "engagement_drop", "support_issues", "relationship_signals",
                    "commercial_factors"):
        for field, value in STRAINED[section].items():
            header.append(f"{section}.{field}")
            row.append(spellings.get(field, value))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, row])
    (tmp_path / "book.csv").write_text(buffer.getvalue())
    (tmp_path / "book.json").write_text(json.dumps([STRAINED]))
    from_csv = report_of(run_tool(TOOL, tmp_path / "book.csv", "--format", "json", *AS_OF))["customers"]
    from_json = report_of(run_tool(TOOL, tmp_path / "book.json", "--format", "json", *AS_OF))["customers"]
    assert from_csv == from_json


def test_standard_input_reads_like_a_file(run_tool):
    document = json.dumps({"customers": [NORTHWIND]})
    from_stdin = run_tool(TOOL, "-", "--format", "json", *AS_OF, stdin=document)
    assert (from_stdin.returncode, from_stdin.stderr) == (0, "")
    assert report_of(from_stdin)["customers"][0]["risk_score"] == 29.0


def test_output_file_is_written_whole(run_tool, tmp_path):
    out = tmp_path / "risk.json"
    done = run_tool(TOOL, SAMPLE, "--format", "json", "--output", out, *AS_OF)
    assert (done.returncode, done.stdout) == (0, "")
    assert json.loads(out.read_text())["summary"]["total_customers"] == 20
    assert [p.name for p in tmp_path.iterdir()] == ["risk.json"]


def test_csv_output_has_one_row_per_account_and_defuses_formulas(run_tool, write_json):
    evil = dict(STRAINED, name='=HYPERLINK("http://x")', customer_id="+cmd")
    done = run_tool(TOOL, write_json([evil, NORTHWIND]), "--format", "csv", *AS_OF)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["customer_id"], r["risk_score"], r["risk_tier"], r["status"]) for r in rows] == [
        ("'+cmd", "79.5", "high", "scored"), ("ACC-0042", "29.0", "low", "scored")]
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["days_to_renewal"] == "20"


def test_markdown_escapes_customer_names(run_tool, write_json):
    evil = dict(NORTHWIND, name="<script>x</script> | *bold*")
    out = run_tool(TOOL, write_json([evil]), "--format", "markdown", *AS_OF).stdout
    assert "<script>" not in out
    assert "&lt;script&gt;x&lt;/script&gt; \\| \\*bold\\*" in out


def test_control_characters_in_names_do_not_reach_the_terminal(run_tool, write_json):
    evil = dict(NORTHWIND, name="Acme\x1b[2J\nEvil")
    out = run_tool(TOOL, write_json([evil]), *AS_OF).stdout
    assert "\x1b" not in out
    assert "Acme\\u001b[2J\\nEvil (ACC-0042)" in out
