"""A book's own date (a JSON book's top-level "as_of", used when --as-of is not given and said in every
header), and money sums of the figures as shown (a headline is the sum of its listed rows)."""

import json
import os
import sqlite3

import pytest

from conftest import ROOT, SAMPLE

HEALTH, CHURN, EXPANSION, REPORT = ("health_score_calculator.py", "churn_risk_analyzer.py",
                                    "expansion_opportunity_scorer.py", "portfolio_report.py")
TOOLS = (HEALTH, CHURN, EXPANSION, REPORT)
OUTCOMES = os.path.join(ROOT, "assets", "sample_outcomes.csv")
BOOK_DATE = "2026-11-22"  # the sample's own "as_of"


def sample_book():
    with open(SAMPLE, encoding="utf-8") as handle:
        return json.load(handle)


def test_the_shipped_samples_carry_their_date():
    assert sample_book()["as_of"] == BOOK_DATE
    with open(os.path.join(ROOT, "assets", "crm_export_sample.json"), encoding="utf-8") as handle:
        assert json.load(handle)["as_of"] == BOOK_DATE


@pytest.mark.parametrize("tool", TOOLS)
def test_without_as_of_a_run_is_as_of_the_books_date_and_reads_as_the_pinned_run(run_tool, tool):
    own = run_tool(tool, SAMPLE, "--format", "json")
    pinned = run_tool(tool, SAMPLE, "--as-of", BOOK_DATE, "--format", "json")
    assert (own.returncode, own.stderr) == (0, "")
    report, expected = json.loads(own.stdout), json.loads(pinned.stdout)
    assert (report["as_of"], report["as_of_source"], expected["as_of_source"]) == (BOOK_DATE, "book", "option")
    assert {**report, "as_of_source": "option"} == expected


def test_the_quick_start_says_the_books_date_in_its_header_and_nothing_on_stderr(run_tool):
    done = run_tool(HEALTH, SAMPLE)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == ("Customer Health Report                        "
                                           "as of 2026-11-22 (the book's date)")
    pinned = run_tool(HEALTH, SAMPLE, "--as-of", BOOK_DATE).stdout
    assert pinned.splitlines()[0] == "Customer Health Report" + " " * 42 + "as of 2026-11-22"
    assert done.stdout.splitlines()[1:] == pinned.splitlines()[1:]


@pytest.mark.parametrize("output_format, header", [
    ("markdown", "As of 2026-11-22 (the book's date) · methodology default"),
    ("html", '<p class="sub">As of 2026-11-22 (the book&#x27;s date) · methodology default'),
    ("text", "Portfolio Report                              as of 2026-11-22 (the book's date)"),
])
def test_every_report_format_names_the_books_date(run_tool, output_format, header):
    done = run_tool(REPORT, SAMPLE, "--format", output_format)
    assert done.returncode == 0 and header in done.stdout


def test_the_account_brief_and_the_opportunity_list_name_it_too(run_tool):
    brief = run_tool(REPORT, SAMPLE, "--account", "ACC-1003", "--format", "text").stdout
    assert brief.splitlines()[0].endswith("as of 2026-11-22 (the book's date)")
    listing = run_tool(EXPANSION, SAMPLE, "--by", "opportunity", "--format", "markdown").stdout
    assert "As of 2026-11-22 (the book's date) · methodology default" in listing


def test_an_as_of_option_wins_and_one_note_says_both(run_tool):
    done = run_tool(CHURN, SAMPLE, "--as-of", "2026-12-01", "--format", "json")
    assert done.returncode == 0
    assert done.stderr == (f"note: --as-of 2026-12-01 is used; {SAMPLE} is dated 2026-11-22 "
                           '(its "as_of")\n')
    report = json.loads(done.stdout)
    assert (report["as_of"], report["as_of_source"]) == ("2026-12-01", "option")


@pytest.mark.parametrize("value, shown", [("2026-13-01", '"2026-13-01"'), ("22/11/2026", '"22/11/2026"'),
                                          (20261122, "20261122"), ("0999-01-01", '"0999-01-01"'),
                                          ("9" * 100000, '"' + "9" * 56 + '... (100,000 characters)')])
def test_a_bad_book_date_is_refused_naming_it(run_tool, write_json, value, shown):
    path = write_json({**sample_book(), "as_of": value})
    for options in ((), ("--as-of", BOOK_DATE)):
        done = run_tool(HEALTH, path, *options)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == (f'error: {path}: the book\'s "as_of" must be a date written YYYY-MM-DD from 1900-01-01 '
                               f"to 9000-12-31, got {shown} (or leave it out and give --as-of)\n")


def test_a_null_date_and_the_one_list_form_and_an_array(run_tool, write_json):
    book = sample_book()
    null = json.loads(run_tool(HEALTH, write_json({**book, "as_of": None}), "--format", "json").stdout)
    assert null["as_of_source"] == "today"
    accounts = write_json({"as_of": "2026-10-01", "accounts": book["customers"]}, "accounts.json")
    done = run_tool(HEALTH, accounts, "--format", "json")
    assert (json.loads(done.stdout)["as_of"], json.loads(done.stdout)["as_of_source"]) == ("2026-10-01", "book")
    array = json.loads(run_tool(HEALTH, write_json(book["customers"], "array.json"), "--format", "json").stdout)
    assert array["as_of_source"] == "today"


def test_json_lines_and_csv_have_no_top_level_date(run_tool, tmp_path):
    lines = tmp_path / "book.jsonl"
    lines.write_text("".join(json.dumps(c) + "\n" for c in sample_book()["customers"]))
    report = json.loads(run_tool(HEALTH, lines, "--format", "json").stdout)
    assert report["as_of_source"] == "today"
    csv_report = json.loads(run_tool(HEALTH, os.path.join(ROOT, "assets", "sample_customer_data.csv"),
                                     "--format", "json").stdout)
    assert csv_report["as_of_source"] == "today"


def test_a_history_run_stores_its_snapshot_as_of_the_books_date(run_tool, tmp_path):
    database = tmp_path / "book.sqlite"
    done = run_tool(REPORT, SAMPLE, "--history", database, "--format", "json")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(str(database)) as connection:
        dates = {row[0] for row in connection.execute("SELECT as_of FROM snapshot")}
    assert dates == {BOOK_DATE}


def test_the_backtest_and_the_fitter_take_the_books_date(run_tool, tmp_path):
    backtest = json.loads(run_tool(CHURN, SAMPLE, "--outcomes", OUTCOMES, "--format", "json").stdout)
    assert (backtest["as_of"], backtest["as_of_source"]) == (BOOK_DATE, "book")
    output = tmp_path / "fitted.json"
    done = run_tool("fit_scorecard.py", SAMPLE, "--outcomes", OUTCOMES, "--analysis", "churn", "--format", "json",
                    "--output", output)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["as_of"] == BOOK_DATE


# ---- money sums of the figures as shown ---------------------------------------------------------

def cents_book(write_json):
    """The sample with every ARR 0.4 of a dollar above a whole one, as MRR x 12 exports have it."""
    book = sample_book()
    for index, customer in enumerate(book["customers"]):
        customer["arr"] += 0.4
        customer["owner"] = ("Mei Chen", "Dana Reyes")[index % 2]
    book["retention"] = {"starting_arr": 1000.4, "expansion_arr": 100.4, "contraction_arr": 10.6,
                         "churned_arr": 20.6}
    return write_json(book, "cents.json")


def test_every_arr_sum_is_the_sum_of_the_rows_it_lists(run_tool, write_json):
    path = cents_book(write_json)
    health = json.loads(run_tool(HEALTH, path, "--format", "json").stdout)
    rows = [customer["arr"] for customer in health["customers"]]
    assert rows[:2] == [560000, 150000]  # whole dollars, as shown
    assert health["summary"]["total_arr"] == sum(rows) == 2588000  # not $2,588,008
    assert sum(band["arr"] for band in health["summary"]["classes"].values()) == 2588000
    owners = health["summary"]["by_owner"]
    assert owners["Mei Chen"]["arr"] + owners["Dana Reyes"]["arr"] == 2588000
    text = run_tool(HEALTH, path).stdout
    assert "20 accounts, $2,588,000 ARR" in text and "$2,588,008" not in text


def test_the_reports_money_figures_add_up_as_shown(run_tool, write_json):
    report = json.loads(run_tool(REPORT, cents_book(write_json), "--format", "json").stdout)
    views = report["views"]
    assert views["book"]["total_arr"] == 2588000
    retention = views["book"]["retention"]
    assert [retention[key] for key in ("starting_arr", "expansion_arr", "contraction_arr", "churned_arr",
                                       "ending_arr")] == [1000, 100, 11, 21, 1068]  # not 1,069.6 rounded, 1,070
    renewals = views["renewals"]
    for quarter in renewals["quarters"]:
        assert quarter["arr"] == sum(tier["arr"] for tier in quarter["tiers"].values())
    assert renewals["total"]["arr"] == sum(quarter["arr"] for quarter in renewals["quarters"])
    assert renewals["total"]["forecast_arr"] == sum(quarter["forecast_arr"] for quarter in renewals["quarters"])


def test_a_calibrated_forecast_total_is_the_sum_of_its_quarters(run_tool, write_json, tmp_path):
    fitted = tmp_path / "fitted.json"
    done = run_tool("fit_scorecard.py", SAMPLE, "--outcomes", OUTCOMES, "--analysis", "churn", "--output", fitted)
    assert done.returncode == 0, done.stderr
    report = json.loads(run_tool(REPORT, cents_book(write_json), "--config", fitted, "--format", "json").stdout)
    renewals = report["views"]["renewals"]
    assert renewals["forecast_basis"].startswith("per-account churn probabilities")
    total = renewals["total"]
    assert total["forecast_arr"] == sum(quarter["forecast_arr"] for quarter in renewals["quarters"])
    low, high = total["forecast_interval_90"]
    assert low <= total["forecast_arr"] <= high
