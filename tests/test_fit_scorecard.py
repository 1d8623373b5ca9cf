"""scripts/fit_scorecard.py end to end, and the candidates and points it makes (csm.scorecard)."""

import csv
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLE, SCRIPTS, without_warnings
from csm.learn import backtest, fitting, scorecard, selection
from csm.learn import candidates as candidates_module
from csm.ingest import records as loading
from csm.config.methodology import load_methodology
from telco_like import telco_rows, write_export, write_outcomes

TOOL = "fit_scorecard.py"
OUTCOMES = os.path.join(ROOT, "assets", "sample_outcomes.csv")
AS_OF = ("--as-of", "2026-11-22")
TOOLS = {"churn": "churn_risk_analyzer.py", "health": "health_score_calculator.py"}
# scikit-learn 1.9.1 LogisticRegression (default C=1, one-hot labels, standardised tenure,
# MonthlyCharges and TotalCharges, blank as 0) trained on telco_rows(6000, 2026)[:4000],
# AUC on the other 2000.
SKLEARN_HELD_OUT_AUC = 0.834


def fit(run_tool, tmp_path, analysis="churn", portfolio=SAMPLE, outcomes=OUTCOMES, *extra):
    output = tmp_path / f"fitted-{analysis}.json"
    done = run_tool(TOOL, portfolio, "--outcomes", outcomes, "--analysis", analysis, "--output", output,
                    *AS_OF, *extra)
    return done, output


@pytest.fixture(scope="module")
def telco(tmp_path_factory):
    """A telco-like export of 6,000 accounts: the first 4,000 to fit on, the rest held out."""
    folder = tmp_path_factory.mktemp("telco")
    rows = telco_rows(6000, 2026)
    paths = {}
    for name, part in (("train", rows[:4000]), ("test", rows[4000:])):
        write_export(folder / f"{name}.csv", part)
        _drop_column(folder / f"{name}.csv", "MonthlyCharges")  # a map that reads MonthlyCharges as arr takes it
        write_outcomes(folder / f"{name}-outcomes.csv", part)
        paths[name] = (folder / f"{name}.csv", folder / f"{name}-outcomes.csv")
    return paths


@pytest.fixture(scope="module")
def fitted_telco(telco, tmp_path_factory):
    """The churn and health scorecards fitted on the telco training part: {analysis: (file, seconds)}."""
    folder = tmp_path_factory.mktemp("fitted")
    train, train_outcomes = telco["train"]
    fitted = {}
    for analysis in ("churn", "health"):
        output = folder / f"{analysis}.json"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, TOOL), str(train), "--outcomes",
                               str(train_outcomes), "--analysis", analysis, "--output", str(output), *AS_OF],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        fitted[analysis] = (output, time.perf_counter() - started)
    return fitted


def _drop_column(path, column):
    with open(path, newline="") as handle:
        table = list(csv.reader(handle))
    at = table[0].index(column)
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(row[:at] + row[at + 1:] for row in table)


@pytest.mark.parametrize("analysis", ["churn", "health"])
def test_the_sample_fits_with_a_warning_and_the_tool_reads_the_file(run_tool, tmp_path, analysis):
    done, output = fit(run_tool, tmp_path, analysis)
    assert done.returncode == 0
    assert done.stderr == ("warning: only 6 churned accounts: a fit on fewer than 50 is unreliable (its points "
                           "will move with every new outcome); about 44 more churned accounts are needed\n")
    assert done.stdout.startswith(f"Fitted {analysis} scorecard\n")
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    scored = run_tool(TOOLS[analysis], SAMPLE, "--config", output, *AS_OF, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["summary"]["total_customers"] == 20


@pytest.mark.parametrize("analysis", ["churn", "health"])
def test_print_config_round_trips_a_fitted_file(run_tool, tmp_path, analysis):
    _, output = fit(run_tool, tmp_path, analysis)
    printed = run_tool(TOOLS[analysis], "--config", output, "--print-config").stdout
    again = tmp_path / "printed.json"
    again.write_text(printed)
    assert run_tool(TOOLS[analysis], "--config", again, "--print-config").stdout == printed
    assert json.loads(printed)["replaces"] == [f"{analysis}.{'signals' if analysis == 'churn' else 'dimensions'}"]


def test_two_runs_write_byte_identical_files_and_reports(run_tool, tmp_path):
    first, output = fit(run_tool, tmp_path, "churn", SAMPLE, OUTCOMES, "--format", "json")
    written = output.read_bytes()
    second, _ = fit(run_tool, tmp_path, "churn", SAMPLE, OUTCOMES, "--format", "json")
    assert output.read_bytes() == written
    assert first.stdout == second.stdout


def test_a_fitted_churn_file_is_neutral_on_renewal_urgency(run_tool, tmp_path):
    _, output = fit(run_tool, tmp_path, "churn")
    urgency = json.loads(output.read_text())["churn"]["renewal_urgency"]
    assert {band["multiplier"] for band in urgency["bands"]} == {1.0}
    assert (urgency["later"], urgency["no_date"], urgency["lapsed"]) == (1.0, 1.0, 1.0)


def _outcomes(tmp_path, churned):
    path = tmp_path / "outcomes.csv"
    ids = [customer["customer_id"] for customer in json.load(open(SAMPLE))["customers"]]
    path.write_text("customer_id,churned\n" + "".join(f"{i},{'true' if churned else 'false'}\n" for i in ids))
    return path


@pytest.mark.parametrize("churned, message", [
    (False, "error: none of the 20 accounts with an outcome churned: nothing to learn from\n"),
    (True, "error: all 20 accounts with an outcome churned: there is no retained account to learn from\n"),
])
def test_outcomes_with_nothing_to_learn_are_a_clear_error(run_tool, tmp_path, churned, message):
    done, output = fit(run_tool, tmp_path, "churn", SAMPLE, _outcomes(tmp_path, churned))
    assert (done.returncode, done.stdout, done.stderr) == (1, "", message)
    assert not output.exists()


def test_outcomes_for_unknown_accounts_are_listed_and_bad_rows_rejected(run_tool, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text(open(OUTCOMES).read() + "ACC-9999,true\nACC-1001,maybe\n")
    done, output = fit(run_tool, tmp_path, "churn", SAMPLE, path, "--format", "json")
    assert done.returncode == 3
    assert f"error: {path} row 23 (ACC-1001): churned must be true or false, got \"maybe\"\n" in done.stderr
    assert "warning: 1 outcomes name an account the portfolio does not have (first: ACC-9999)" in done.stderr
    report = json.loads(done.stdout)
    assert report["unmatched_outcomes"]["not_in_portfolio"] == {"count": 1, "customer_ids": ["ACC-9999"]}
    assert [entry["location"] for entry in report["rejected"]] == [f"{path} row 23"]
    assert output.exists()


def test_a_wrong_command_line_is_exit_2(run_tool, tmp_path):
    done, _ = fit(run_tool, tmp_path, "churn", SAMPLE, OUTCOMES, "--folds", "1")
    assert done.returncode == 2
    assert "--folds: must be a whole number of folds, 2 or more, got '1'" in done.stderr


def test_an_unreadable_portfolio_is_exit_1(run_tool, tmp_path):
    done, _ = fit(run_tool, tmp_path, "churn", tmp_path / "missing.json")
    assert (done.returncode, done.stderr) == (1, f"error: {tmp_path / 'missing.json'}: no such file\n")


def test_the_report_reads_in_markdown_and_json(run_tool, tmp_path):
    markdown, _ = fit(run_tool, tmp_path, "health", SAMPLE, OUTCOMES, "--format", "markdown")
    assert markdown.stdout.startswith("# Fitted health scorecard\n")
    sections = [line for line in markdown.stdout.splitlines() if line.startswith("## ")]
    assert sections[0] == f"## The {len(report_metrics(run_tool, tmp_path))} metrics kept and their points"
    report = json.loads(fit(run_tool, tmp_path, "health", SAMPLE, OUTCOMES, "--format", "json")[0].stdout)
    assert report["validation"]["starting_model"]["auc"] is not None
    assert report["cutoffs"]["values"]["green"] > report["cutoffs"]["values"]["yellow"]
    assert report["metrics"] == sorted(report["metrics"], key=lambda m: (-m["points_range"], m["column"]))


def report_metrics(run_tool, tmp_path):
    return json.loads(fit(run_tool, tmp_path, "health", SAMPLE, OUTCOMES, "--format", "json")[0].stdout)["metrics"]


def _telco_book(tmp_path, count, seed):
    """The Book of telco_rows(count, seed) exported without its Churn column, its outcomes beside: (book,
    from_text)."""
    rows = telco_rows(count, seed)
    write_export(tmp_path / "book.csv", rows)
    _drop_column(tmp_path / "book.csv", "Churn")
    write_outcomes(tmp_path / "outcomes.csv", rows)
    return _book(tmp_path / "book.csv", tmp_path / "outcomes.csv")


def test_the_default_fit_keeps_few_metrics_and_loses_next_to_no_out_of_fold_auc(tmp_path):
    book, from_text = _telco_book(tmp_path, 2000, 11)
    start = load_methodology()
    as_of = datetime.date(2026, 11, 22)
    chosen = scorecard.fit_scorecard(book, from_text, "churn", start, as_of=as_of).report
    every = scorecard.fit_scorecard(book, from_text, "churn", start, as_of=as_of, all_metrics=True).report
    capped = scorecard.fit_scorecard(book, from_text, "churn", start, as_of=as_of, max_metrics=3).report
    kept = chosen["selection"]["kept"]
    assert len(chosen["metrics"]) <= kept <= 10 < len(every["metrics"])
    assert chosen["validation"]["fitted_out_of_fold"]["auc"] >= every["validation"]["fitted_out_of_fold"]["auc"] - 0.005
    path = chosen["selection"]["path"]
    assert [step["metrics"] for step in path] == list(range(1, len(path) + 1))
    # the rule as documented: the first size whose log loss exceeds the lowest by at most the standard error of
    # that difference (each size's own, over the same folds; 0 at the lowest)
    best = min(path, key=lambda step: (step["log_loss"], step["metrics"]))
    assert best["standard_error"] == 0.0
    within = [step["log_loss"] - best["log_loss"] <= step["standard_error"] for step in path]
    assert (kept, chosen["selection"]["by_rule"], within.index(True) + 1, chosen["selection"]["max_metrics"]) == \
        (8, 8, 8, 10)
    assert chosen["selection"]["rule"] == (
        "the smallest scorecard whose out-of-fold log loss exceeds the lowest on the path by at most one standard "
        "error of that difference (over the same folds: the standard error of the fold-wise differences); forward "
        "selection: each step adds the metric that lowers the out-of-fold log loss most; at most 10 metrics "
        "(--max-metrics, default 10)")
    assert len(capped["metrics"]) <= 3 and capped["selection"]["kept"] == 3
    assert capped["selection"]["by_rule"] == 8 and capped["selection"]["rule"].endswith(
        "; capped at 3 metrics (--max-metrics, default 10): the rule alone keeps 8")
    assert every["selection"] == {"rule": "--all-metrics: every candidate kept", "kept": None, "by_rule": None,
                                  "max_metrics": None, "path": []}
    left_out = {entry["column"] for entry in chosen["dropped"] if entry["why"].startswith("left out by the selection")}
    kept_columns = {step["added"] for step in path[:kept]}
    fitted_every = {entry["column"] for entry in every["metrics"]}
    assert not left_out & kept_columns and {step["added"] for step in path[kept:]} <= left_out
    assert fitted_every <= left_out | kept_columns  # every candidate is either kept or left out, with why
    # forward selection: each step adds the metric that lowers the out-of-fold log loss most, so the first
    # steps lower it the most and the path ends once it has flattened (selection.STOP_AFTER)
    assert path[0]["added"] == "tenure" and path[1]["log_loss"] < path[0]["log_loss"]
    assert len(path) < len(fitted_every)


def test_the_default_fit_of_a_large_telco_export_keeps_10_and_says_the_cap_binds(tmp_path):
    # the benchmark's book (benchmarks/README.md, the fitter): the rule alone keeps 11 metrics, the default cap 10
    book, from_text = _telco_book(tmp_path, 20000, 2026)
    report = scorecard.fit_scorecard(book, from_text, "churn", load_methodology(),
                                     as_of=datetime.date(2026, 1, 1)).report
    chosen = report["selection"]
    assert (chosen["kept"], chosen["by_rule"], chosen["max_metrics"], len(chosen["path"])) == (10, 11, 10, 13)
    assert chosen["rule"].endswith("; capped at 10 metrics (--max-metrics, default 10): the rule alone keeps 11")
    assert len(report["metrics"]) <= 10
    # the documented rule, worked out here from each size's fold losses: the first size whose loss exceeds the
    # lowest by at most the standard error of the fold-wise differences
    candidates, _ = candidates_module.find_candidates(book.records, from_text, book.churned, {})
    design = candidates_module.build_design(candidates, book.churned)
    _, path, _ = selection.forward_path(candidates, design, fitting.stratified_folds(book.churned, 5, 1), 5)
    best = min(path, key=lambda step: step.log_loss)
    differences = [[mine - theirs for mine, theirs in zip(step.fold_losses, best.fold_losses)] for step in path]
    errors = [statistics.stdev(each) / math.sqrt(5) for each in differences]
    assert [step.metrics for step, error in zip(path, errors) if step.log_loss - best.log_loss <= error][0] == 11
    assert [round(error, 4) for error in errors] == [entry["standard_error"] for entry in chosen["path"]]


def test_max_metrics_and_all_metrics_cannot_be_given_together(run_tool, tmp_path):
    done, _ = fit(run_tool, tmp_path, "churn", SAMPLE, OUTCOMES, "--max-metrics", "3", "--all-metrics")
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr


def test_the_backtest_says_its_cut_offs_are_in_sample(run_tool):
    for output_format in ("text", "markdown", "json"):
        done = run_tool(TOOLS["churn"], SAMPLE, "--outcomes", OUTCOMES, *AS_OF, "--format", output_format)
        words = " ".join(done.stdout.replace("\\_", "_").split())  # markdown escapes the underscore
        assert "fitted on the same outcomes they are judged on (in sample)" in words
        assert "scripts/fit_scorecard.py" in words


# --- Candidates, on a telco-like export ----------------------------------------------------------

def _book(path, outcomes):
    portfolio = loading.open_portfolio(str(path))
    return scorecard.match_outcomes(portfolio, backtest.read_outcomes(str(outcomes)),
                                    load_methodology()["segments"]), portfolio.from_text


def test_candidates_of_a_telco_export_and_what_is_skipped(tmp_path):
    rows = telco_rows(600, 4)
    write_export(tmp_path / "book.csv", rows)  # Churn, the outcome, is exported beside the data
    with open(tmp_path / "book.csv", newline="") as handle:
        table = list(csv.reader(handle))
    table[0] += ["email", "Region"]
    for number, row in enumerate(table[1:]):
        row += [f"user{number}@example.com", "EMEA"]
    with open(tmp_path / "book.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(table)
    write_outcomes(tmp_path / "outcomes.csv", rows)
    book, from_text = _book(tmp_path / "book.csv", tmp_path / "outcomes.csv")
    candidates, skipped = candidates_module.find_candidates(book.records, from_text, book.churned, {})
    kinds = {candidate.column: candidate.kind for candidate in candidates}
    assert "customer_id" not in kinds and "arr" not in kinds
    assert (kinds["tenure"], kinds["TotalCharges"], kinds["SeniorCitizen"], kinds["Partner"]) == \
        ("banded", "banded", "boolean", "boolean")
    assert (kinds["Contract"], kinds["PaymentMethod"], kinds["gender"]) == ("mapping", "mapping", "mapping")
    assert {entry.column: entry.why for entry in skipped} == {
        "Churn": "looks like the outcome itself (AUC 1.000 on its own)",
        "email": "high-cardinality text (600 distinct values: an id, a name, an email or free text)",
        "Region": 'one value only ("EMEA")',
    }
    groups = {candidate.column: candidate.group for candidate in candidates}
    assert (groups["tenure"], groups["TechSupport"], groups["InternetService"], groups["gender"]) == \
        ("contract_billing", "support", "usage_product", "account_profile")


def test_points_add_up_to_a_0_100_risk_and_weights_to_one(telco):
    book, from_text = _book(*telco["train"])
    candidates, _ = candidates_module.find_candidates(book.records, from_text, book.churned, {})
    design = candidates_module.build_design(candidates, book.churned)
    from csm.learn import fitting
    final = fitting.fit_logistic(design, 3.0)
    document, _ = scorecard.scorecard_methodology(candidates, final, "churn", "test")
    signals = document["churn"]["signals"]
    assert sum(signal["weight"] for signal in signals.values()) == pytest.approx(1)
    for signal in signals.values():
        top = 0
        for metric in signal["metrics"].values():
            figures = ([score for _, score in metric["bands"]] if metric["scoring"] == "banded" else
                       [metric["points"], 0] if metric["scoring"] == "flag" else list(metric["values"].values()))
            assert min(figures) == 0
            top += max(figures)
        assert top <= 100


def test_a_fitted_scorecard_ranks_held_out_accounts_as_well_as_scikit_learn(run_tool, telco, fitted_telco):
    test, test_outcomes = telco["test"]
    for analysis in ("churn", "health"):
        output, elapsed = fitted_telco[analysis]
        assert elapsed < 60  # 4,000 accounts
        scored = run_tool(TOOLS[analysis], test, "--config", output, "--outcomes", test_outcomes, *AS_OF,
                          "--format", "json")
        assert scored.returncode == 0, scored.stderr
        held_out = json.loads(scored.stdout)["backtest"]["auc"]
        assert held_out >= SKLEARN_HELD_OUT_AUC - 0.005, (analysis, held_out)


def test_held_out_churn_probabilities_beat_the_base_rate_and_hold_by_decile(run_tool, telco, fitted_telco):
    test, test_outcomes = telco["test"]
    output, _ = fitted_telco["churn"]
    calibration = json.loads(output.read_text())["churn"]["calibration"]
    assert calibration["points"][0][0] == 0 and calibration["points"][-1][0] == 100
    scored = run_tool(TOOLS["churn"], test, "--config", output, "--outcomes", test_outcomes, *AS_OF, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    assert all(0 <= customer["churn_probability"] <= 1 for customer in report["customers"])
    held_out = report["backtest"]["calibration"]
    assert held_out["brier_score"] < held_out["base_rate_brier_score"]
    assert [row["accounts"] for row in held_out["reliability"]] == [200] * 10
    assert all(abs(row["observed"] - row["predicted"]) <= 0.1 for row in held_out["reliability"]), held_out


def test_a_fitted_file_never_lets_a_path_move_the_profile_or_tenure(telco, fitted_telco):
    output, _ = fitted_telco["churn"]
    signals = json.loads(output.read_text())["churn"]["signals"]
    marks = {metric["field"]: metric.get("influenceable", True) for signal in signals.values()
             for metric in signal["metrics"].values()}
    assert {field for field, mark in marks.items() if not mark} >= {"tenure"} & set(marks)
    assert all(not marks[field] for field in ("gender", "SeniorCitizen", "Partner", "Dependents") if field in marks)
    assert marks.get("Contract", True)


def test_a_label_the_fit_never_saw_rejects_that_account_by_name(run_tool, tmp_path, telco, fitted_telco):
    test, _ = telco["test"]
    output, _ = fitted_telco["churn"]
    labels = next(metric for signal in json.loads(output.read_text())["churn"]["signals"].values()
                  for metric in signal["metrics"].values() if metric["field"] == "Contract")["values"]
    with open(test, newline="") as handle:
        table = list(csv.reader(handle))
    table = table[:3]
    table[1][table[0].index("Contract")] = "Crypto"
    book = tmp_path / "new.csv"
    with open(book, "w", newline="") as handle:
        csv.writer(handle).writerows(table)
    done = run_tool(TOOLS["churn"], book, "--config", output, *AS_OF)
    assert done.returncode == 3
    # warning: lines (the Churn column no analysis reads, no renewal dates) leave the error alone.
    errors = without_warnings(done.stderr)
    assert list(labels) == ["Month-to-month", "One year", "Two year"]
    assert errors == (f"error: row 2 ({table[1][0]}): Contract must be one of Month-to-month, One year, Two year, "
                      "got \"Crypto\"\n")


def test_the_export_as_written_fits_through_a_map_naming_only_the_id_and_arr(run_tool, tmp_path):
    rows = telco_rows(1200, 7)
    train, test = rows[:800], rows[800:]
    for name, part in (("train", train), ("test", test)):
        write_export(tmp_path / f"{name}.csv", part, "customerID", arr=False)
        write_outcomes(tmp_path / f"{name}-outcomes.csv", part)
    field_map = tmp_path / "map.json"
    field_map.write_text(json.dumps({"fields": {"customer_id": "customerID",
                                                "arr": {"column": "MonthlyCharges", "scale": 12}}}))
    done, output = fit(run_tool, tmp_path, "churn", tmp_path / "train.csv", tmp_path / "train-outcomes.csv",
                       "--map", field_map)
    assert done.returncode == 0, done.stderr
    assert "is not read" not in done.stderr  # the columns no analysis reads are the fitter's candidates
    fitted = json.loads(output.read_text())
    fields = {metric.get("field") for signal in fitted["churn"]["signals"].values()
              for metric in signal["metrics"].values()}
    assert {"tenure", "Contract", "InternetService"} <= fields and "MonthlyCharges" not in fields  # the map's arr
    scored = run_tool(TOOLS["churn"], tmp_path / "test.csv", "--map", field_map, "--config", output,
                      "--outcomes", tmp_path / "test-outcomes.csv", *AS_OF, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    assert report["summary"]["total_customers"] == 400
    assert report["backtest"]["auc"] > 0.75


# scikit-learn 1.9.1: an exact forward selection over the same candidates and folds (seed 1, 5 folds), every
# candidate fitted in every fold (LogisticRegression(C=1, tol=1e-10)), out-of-fold log loss and AUC per step.
SKLEARN_FORWARD_PATH = [("tenure", 0.4946, 0.7296), ("InternetService", 0.4471, 0.7959), ("Contract", 0.4188, 0.8306),
                        ("StreamingTV", 0.4097, 0.838), ("PaperlessBilling", 0.4066, 0.8426),
                        ("PaymentMethod", 0.4030, 0.8452)]


def test_the_selection_path_is_the_forward_selection_scikit_learn_finds(tmp_path):
    rows = telco_rows(600, 5)
    write_export(tmp_path / "book.csv", rows)
    write_outcomes(tmp_path / "outcomes.csv", rows)
    book, from_text = _book(tmp_path / "book.csv", tmp_path / "outcomes.csv")
    candidates, _ = candidates_module.find_candidates(book.records, from_text, book.churned, {})
    design = candidates_module.build_design(candidates, book.churned)
    order, path, _ = selection.forward_path(candidates, design, fitting.stratified_folds(book.churned, 5, 1), 5)
    assert [(step.added, round(step.log_loss, 4), step.auc) for step in path[:6]] == SKLEARN_FORWARD_PATH
    assert [candidates[index].column for index in order[:6]] == [column for column, _, _ in SKLEARN_FORWARD_PATH]


def test_the_records_held_for_a_fit_share_their_field_names(tmp_path):
    # JSON Lines makes each record's keys anew: held for the fit, 100,000 records would hold 100,000 copies of
    # every field name (1.25 GB at 100,000 accounts of the full schema, 0.8 GB shared: benchmarks/README.md)
    records = json.loads(open(SAMPLE, encoding="utf-8").read())["customers"][:2]
    book_path = tmp_path / "book.jsonl"
    book_path.write_text("".join(json.dumps(record) + "\n" for record in records))
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("customer_id,churned\n" + "".join(f"{record['customer_id']},false\n" for record in records))
    book, _ = _book(book_path, outcomes)
    first, second = book.records
    assert first == records[0] and second == records[1]
    assert all(a is b for a, b in zip(first, second)) and all(a is b for a, b in zip(first["usage"], second["usage"]))
