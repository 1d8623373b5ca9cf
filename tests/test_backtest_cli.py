"""--outcomes as a user runs it: the backtest in JSON, text and markdown, its errors and exit statuses."""

import copy
import itertools
import json
import random

import pytest

from conftest import SAMPLE, sample_warnings_only, without_warnings

AS_OF = ("--as-of", "2026-11-22")
TOOLS = {
    "health_score_calculator.py": ("overall_score", "classification", "by_class", True,
                                   ("red", "yellow", "green")),
    "churn_risk_analyzer.py": ("risk_score", "risk_tier", "by_tier", False, ("critical", "high", "medium", "low")),
}


def unseen_book(size=60, seed=11):
    """A portfolio nobody tuned the backtest on: the sample's accounts, renamed and shaken."""
    rng = random.Random(seed)
    sample = json.load(open(SAMPLE))["customers"]
    book = []
    for number in range(size):
        record = copy.deepcopy(sample[number % len(sample)])
        record["customer_id"] = f"U-{number:03d}"
        record["name"] = f"Unseen {number}"
        record["arr"] = rng.choice([5000, 20000, 20000, 60000, 150000])
        record.pop("segment", None)  # placed by ARR
        usage = record.get("usage", {})
        for field in ("login_frequency", "feature_adoption"):
            if field in usage:
                usage[field] = rng.randint(0, 100)
        decline = record.get("usage_decline", {})
        if "login_trend" in decline:
            decline["login_trend"] = rng.randint(-30, 10)
        book.append(record)
    return book


def unseen_outcomes(book, seed=5):
    rng = random.Random(seed)
    return {record["customer_id"]: rng.random() < 0.35 for record in book}


def outcomes_csv(outcomes, extra_rows=()):
    lines = ["customer_id,churned,outcome_date"]
    lines += [f"{customer_id},{'yes' if churned else 'no'}," for customer_id, churned in outcomes.items()]
    lines += list(extra_rows)
    return "\n".join(lines) + "\n"


def recount_auc(pairs, lower_is_riskier):
    churned = [score for score, outcome in pairs if outcome]
    retained = [score for score, outcome in pairs if not outcome]
    wins = 0.0
    for c, r in itertools.product(churned, retained):
        wins += 0.5 if c == r else float((c < r) == lower_is_riskier)
    return wins / (len(churned) * len(retained))


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_json_backtest_figures_equal_a_recount_from_the_tools_own_scores(run_tool, write_json, tmp_path, tool):
    score_field, band_field, bands_key, lower, bands = TOOLS[tool]
    book = unseen_book()
    outcomes = unseen_outcomes(book)
    del outcomes["U-007"]  # one scored account without an outcome
    (tmp_path / "outcomes.csv").write_text(outcomes_csv(outcomes))
    done = run_tool(tool, write_json({"customers": book}), "--outcomes", tmp_path / "outcomes.csv",
                    "--format", "json", *AS_OF)
    assert done.returncode == 0, done.stderr
    assert sample_warnings_only(done.stderr), done.stderr
    report = json.loads(done.stdout)
    backtest = report["backtest"]
    matched = [c for c in report["customers"] if c["customer_id"] in outcomes]
    churned = sum(outcomes[c["customer_id"]] for c in matched)
    assert (backtest["accounts"], backtest["churned"]) == (len(matched), churned)
    assert backtest["base_rate"] == round(churned / len(matched), 4)
    pairs = [(c[score_field], outcomes[c["customer_id"]]) for c in matched]
    assert backtest["auc"] == round(recount_auc(pairs, lower), 4)
    for band in bands:
        members = [c for c in matched if c[band_field] == band]
        band_churned = sum(outcomes[c["customer_id"]] for c in members)
        figures = backtest[bands_key][band]
        assert (figures["accounts"], figures["churned"]) == (len(members), band_churned)
        if members:
            assert figures["churn_rate"] == round(band_churned / len(members), 4)
            assert figures["lift"] == round(band_churned / len(members) / (churned / len(matched)), 4)
    ranked = sorted(matched, key=lambda c: ((c[score_field] if lower else -c[score_field]), -c["arr"],
                                            c["customer_id"]))
    for entry in backtest["top_k"]:
        top = ranked[:entry["k"]]
        hits = sum(outcomes[c["customer_id"]] for c in top)
        assert (entry["accounts"], entry["churned"]) == (len(top), hits)
        assert entry["precision"] == round(hits / len(top), 4)
        assert entry["recall"] == round(hits / churned, 4)
    assert backtest["unmatched_outcomes"]["scored_without_outcome"] == {"count": 1, "customer_ids": ["U-007"]}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_an_outcome_for_an_unknown_customer_is_reported(run_tool, tmp_path, tool):
    (tmp_path / "outcomes.csv").write_text(outcomes_csv({"ACC-1003": True, "ACC-1001": False, "GHOST-9": True}))
    done = run_tool(tool, SAMPLE, "--outcomes", tmp_path / "outcomes.csv", "--format", "json", *AS_OF)
    assert done.returncode == 0, done.stderr
    unmatched = json.loads(done.stdout)["backtest"]["unmatched_outcomes"]
    assert unmatched["not_in_portfolio"] == {"count": 1, "customer_ids": ["GHOST-9"]}
    assert unmatched["scored_without_outcome"]["count"] == 18
    text = run_tool(tool, SAMPLE, "--outcomes", tmp_path / "outcomes.csv", *AS_OF).stdout
    assert "Outcomes for customers not in the portfolio: 1 (GHOST-9)" in text


def test_an_outcome_for_a_record_the_tool_rejected_is_reported_as_such(run_tool, write_json, tmp_path):
    book = json.load(open(SAMPLE))["customers"][:3] + [{"customer_id": "BAD-1", "arr": -5}]
    (tmp_path / "o.json").write_text(json.dumps([{"customer_id": "BAD-1", "churned": True},
                                                 {"customer_id": "ACC-1001", "churned": False}]))
    done = run_tool("health_score_calculator.py", write_json({"customers": book}), "--outcomes",
                    tmp_path / "o.json", "--format", "json", *AS_OF)
    assert done.returncode == 3
    unmatched = json.loads(done.stdout)["backtest"]["unmatched_outcomes"]
    assert unmatched["rejected_in_portfolio"] == {"count": 1, "customer_ids": ["BAD-1"]}
    assert unmatched["not_in_portfolio"]["count"] == 0


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_text_output_ends_with_the_calibration_section_in_80_columns(run_tool, tmp_path, tool):
    book = json.load(open(SAMPLE))["customers"]
    (tmp_path / "o.csv").write_text(outcomes_csv(unseen_outcomes(book)))
    done = run_tool(tool, SAMPLE, "--outcomes", tmp_path / "o.csv", *AS_OF)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Calibration (backtest)" in lines
    calibration = lines[lines.index("Calibration (backtest)"):]
    assert calibration[1] == "-" * 80
    for heading in ("Floors", "Suggested cut-offs", "Unmatched outcomes"):
        assert heading in calibration
    assert any(line.startswith("AUC ") for line in calibration)
    assert max(len(line) for line in lines) <= 80


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_markdown_output_has_the_calibration_section_with_tables(run_tool, tmp_path, tool):
    (tmp_path / "o.csv").write_text(outcomes_csv({"ACC-1003": True, "ACC-1001": False, "A|B*<x>": True}))
    done = run_tool(tool, SAMPLE, "--outcomes", tmp_path / "o.csv", "--format", "markdown", *AS_OF)
    assert done.returncode == 0, done.stderr
    section = done.stdout[done.stdout.index("## Calibration (backtest)"):]
    assert "| Riskiest | Accounts | Churned | Precision | Recall |" in section
    assert "A\\|B\\*&lt;x&gt;" in section


def test_a_malformed_outcome_row_is_one_stderr_line_exit_3_and_the_rest_is_backtested(run_tool, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("customer_id,churned\nACC-1003,yes\nACC-1002,maybe\nACC-1001,no\n")
    done = run_tool("health_score_calculator.py", SAMPLE, "--outcomes", path, "--format", "json", *AS_OF)
    assert done.returncode == 3
    assert without_warnings(done.stderr) == f'error: {path} row 3 (ACC-1002): churned must be true or false, got "maybe"\n'
    report = json.loads(done.stdout)
    assert report["backtest"]["accounts"] == 2 and report["backtest"]["rejected_outcomes"] == 1
    assert report["rejected"] == [{"index": 1, "location": f"{path} row 3", "customer_id": "ACC-1002",
                                   "errors": ['churned must be true or false, got "maybe"']}]
    assert report["summary"]["rejected_count"] == 0  # the portfolio's own records were all scored


@pytest.mark.parametrize("content", ["", "id,churned\nA,yes\n", "customer_id,churned\nA,maybe\n",
                                     "\x00\xff\xfe garbage"], ids=["empty", "no-id-column", "no-usable-row",
                                                                   "binary"])
def test_an_unreadable_outcomes_file_exits_1_and_writes_nothing(run_tool, tmp_path, content):
    path = tmp_path / "o.csv"
    path.write_bytes(content.encode("latin-1"))
    done = run_tool("health_score_calculator.py", SAMPLE, "--outcomes", path, *AS_OF)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_a_missing_outcomes_file_is_named(run_tool, tmp_path):
    done = run_tool("churn_risk_analyzer.py", SAMPLE, "--outcomes", tmp_path / "nope.csv", *AS_OF)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: outcomes file {tmp_path / 'nope.csv'}: no such file\n"


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_outcomes_with_a_streaming_format_is_a_usage_error(run_tool, tmp_path, output_format):
    (tmp_path / "o.csv").write_text(outcomes_csv({"ACC-1003": True}))
    done = run_tool("health_score_calculator.py", SAMPLE, "--outcomes", tmp_path / "o.csv",
                    "--format", output_format)
    assert done.returncode == 2 and done.stdout == ""
    assert f"--outcomes cannot be used with --format {output_format}" in done.stderr


@pytest.mark.parametrize("args, message", [
    (("--capacity", "5"), "--capacity needs --outcomes"),
    (("--outcomes", "o.csv", "--capacity", "0"), "must be a whole number of accounts, 1 or more"),
])
def test_a_bad_capacity_is_a_usage_error(run_tool, args, message):
    done = run_tool("churn_risk_analyzer.py", SAMPLE, *args)
    assert done.returncode == 2 and message in done.stderr


def test_capacity_sets_how_many_of_the_riskiest_accounts_are_counted(run_tool, tmp_path):
    book = json.load(open(SAMPLE))["customers"]
    (tmp_path / "o.csv").write_text(outcomes_csv(unseen_outcomes(book)))
    done = run_tool("churn_risk_analyzer.py", SAMPLE, "--outcomes", tmp_path / "o.csv", "--capacity", "7",
                    "--format", "json", *AS_OF)
    capacity = json.loads(done.stdout)["backtest"]["capacity"]
    assert (capacity["k"], capacity["accounts"], capacity["basis"]) == (7, 7, "--capacity")


def test_outcomes_that_match_no_scored_account_give_a_null_auc_with_a_reason(run_tool, tmp_path):
    (tmp_path / "o.csv").write_text(outcomes_csv({"GHOST-1": True, "GHOST-2": False}))
    done = run_tool("health_score_calculator.py", SAMPLE, "--outcomes", tmp_path / "o.csv", "--format", "json",
                    *AS_OF)
    assert done.returncode == 0
    backtest = json.loads(done.stdout)["backtest"]
    assert (backtest["accounts"], backtest["auc"]) == (0, None)
    assert backtest["auc_reason"] == "no scored account has an outcome"
    assert run_tool("health_score_calculator.py", SAMPLE, "--outcomes", tmp_path / "o.csv", *AS_OF).returncode == 0


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_the_suggested_config_patch_runs_as_a_config(run_tool, write_json, tmp_path, tool):
    book = unseen_book()
    (tmp_path / "o.csv").write_text(outcomes_csv(unseen_outcomes(book)))
    portfolio = write_json({"customers": book})
    done = run_tool(tool, portfolio, "--outcomes", tmp_path / "o.csv", "--format", "json", *AS_OF)
    patch = json.loads(done.stdout)["backtest"]["suggested_cutoffs"]["config_patch"]
    (tmp_path / "patch.json").write_text(json.dumps(patch))
    again = run_tool(tool, portfolio, "--config", tmp_path / "patch.json", "--format", "json", *AS_OF)
    assert again.returncode == 0, again.stderr


def test_backtest_output_is_byte_identical_across_runs(run_tool, tmp_path):
    book = json.load(open(SAMPLE))["customers"]
    (tmp_path / "o.csv").write_text(outcomes_csv(unseen_outcomes(book)))
    for output_format in ("json", "text", "markdown"):
        runs = [run_tool("churn_risk_analyzer.py", SAMPLE, "--outcomes", tmp_path / "o.csv", "--format",
                         output_format, *AS_OF).stdout for _ in range(2)]
        assert runs[0] == runs[1]


def test_help_explains_the_backtest_and_why_streaming_formats_refuse_it(run_tool):
    done = run_tool("health_score_calculator.py", "--help")
    assert "--outcomes FILE" in done.stdout and "--capacity N" in done.stdout
    assert "jsonl and csv stream the book" in done.stdout
