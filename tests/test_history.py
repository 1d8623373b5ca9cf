"""--history FILE.sqlite and --compare PREVIOUS.json: snapshots, what changed, and files that are not ours."""

import copy
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import SAMPLE, SCRIPTS, sample_warnings_only
from csm.report import history
from csm.config.methodology import default_methodology, methodology_hash

HEALTH = "health_score_calculator.py"
CHURN = "churn_risk_analyzer.py"
EXPANSION = "expansion_opportunity_scorer.py"
REPORT = "portfolio_report.py"
TOOLS = (HEALTH, CHURN, EXPANSION, REPORT)
OWNERS = ("Ana Ruiz", "Ben Cho", "Chidi Obi")
WEEK1, WEEK2 = "2026-11-15", "2026-11-22"


def book_of_week(week):
    """The sample book with owners (every fourth account has none); in week 2 three accounts fall hard."""
    with open(SAMPLE) as handle:
        book = json.load(handle)
    for index, customer in enumerate(book["customers"]):
        if index % 4 != 3:
            customer["owner"] = OWNERS[index % 3]
        customer["contract_start_date"] = ("2026-01-15", "2025-10-01", "2026-08-20", "2027-01-01")[index % 4]
    del book["as_of"]  # undated (unlike the sample): each run's --as-of says which week it is
    if week == 2:
        for customer in book["customers"][:3]:
            customer["usage"] = {"login_frequency": 10, "feature_adoption": 5, "dau_mau_ratio": 0.02}
            customer["engagement"]["meeting_attendance"] = 10
            customer["engagement"]["nps_score"] = 1
            customer["relationship"]["executive_sponsor_engagement"] = 5
            customer["relationship"]["renewal_sentiment"] = "negative"
            customer["usage_decline"] = {"login_trend": -40, "feature_adoption_change": -20, "dau_mau_change": -0.2}
    return book


@pytest.fixture
def weeks(tmp_path):
    paths = []
    for week in (1, 2):
        path = tmp_path / f"week{week}.json"
        path.write_text(json.dumps(book_of_week(week)))
        paths.append(path)
    return paths


def run_json(run_tool, tool, book, as_of, *options):
    done = run_tool(tool, book, "--as-of", as_of, "--format", "json", *options)
    assert done.returncode == 0 and sample_warnings_only(done.stderr), done.stderr
    return json.loads(done.stdout)


def view_rows(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT as_of, analysis, customer_id, score, band, arr FROM account_history "
                                  "ORDER BY as_of, analysis, customer_id").fetchall()


def scores(report):
    return {c["customer_id"]: c["overall_score"] for c in report["customers"]}


def test_the_second_run_names_exactly_the_accounts_that_fell_more_than_20_points(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    first = run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db)
    second = run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", db)
    before, after = scores(first), scores(second)
    fell = sorted((before[i] - after[i], i) for i in before if before[i] - after[i] > 20)
    assert fell, "the book must have a drop to test"
    changed = second["summary"]["changes"]
    assert changed["since"] == WEEK1 and changed["source"] == "history"
    assert changed["dropped"] == [i for _, i in sorted(fell, reverse=True)]
    assert first["summary"]["changes"]["since"] is None  # the first run has nothing before it
    # Every account shows its history: the earlier score, then today's.
    for customer in second["customers"]:
        points = customer["trajectory"]["scores"]
        assert [(p["as_of"], p["score"]) for p in points] == [
            (WEEK1, before[customer["customer_id"]]), (WEEK2, customer["overall_score"])]
        assert customer["trajectory"]["change"] == round(customer["overall_score"] - before[customer["customer_id"]], 1)
        assert customer["trend_basis"] == "history"


def test_compare_with_the_first_json_output_names_the_same_accounts(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    first_path = tmp_path / "first.json"
    first_path.write_text(json.dumps(run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db)))
    with_history = run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", db)["summary"]["changes"]
    compared = run_json(run_tool, HEALTH, weeks[1], WEEK2, "--compare", first_path)["summary"]["changes"]
    assert compared["source"] == "compare" and compared["since"] == WEEK1
    for key in ("dropped", "moved", "recovered", "new_lapsed", "new_accounts", "gone"):
        assert compared[key] == with_history[key], key


@pytest.mark.parametrize("first_options", [(), ("--full",)])
def test_the_report_compares_with_its_own_earlier_json_brief_or_full(run_tool, weeks, tmp_path, first_options):
    db = tmp_path / "history.sqlite"
    first_path = tmp_path / "first.json"
    first_path.write_text(json.dumps(run_json(run_tool, REPORT, weeks[0], WEEK1, *first_options)))
    run_json(run_tool, REPORT, weeks[0], WEEK1, "--history", db)
    with_history = run_json(run_tool, REPORT, weeks[1], WEEK2, "--history", db)["summary"]["changes"]
    compared = run_json(run_tool, REPORT, weeks[1], WEEK2, "--compare", first_path)["summary"]["changes"]
    assert compared["since"] == WEEK1 and with_history["dropped"]
    for key in ("dropped", "moved", "recovered", "new_lapsed"):
        assert compared[key] == with_history[key], key


def test_snapshots_rerun_and_concurrent_runs_keep_one_row_per_account_per_snapshot(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    count = len(book_of_week(1)["customers"])
    run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db)
    run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", db)
    again = run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", db)  # the re-run replaces its snapshot
    assert again["summary"]["changes"]["since"] == WEEK1  # against the earlier date, never itself
    # Two runs started together on the one file: both wait their turn and both land.
    commands = [[sys.executable, os.path.join(SCRIPTS, tool), str(weeks[1]), "--as-of", as_of, "--history", str(db)]
                for tool, as_of in ((REPORT, "2026-11-29"), (HEALTH, "2026-12-06"))]
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands]
    finished = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]
    assert [status for status, _ in finished] == [0, 0]
    assert all(sample_warnings_only(stderr) for _, stderr in finished), finished
    rows = view_rows(db)
    keys = [(as_of, analysis, customer_id) for as_of, analysis, customer_id, *_ in rows]
    assert len(keys) == len(set(keys))
    per_snapshot = {}
    for as_of, analysis, _ in keys:
        per_snapshot[(as_of, analysis)] = per_snapshot.get((as_of, analysis), 0) + 1
    assert per_snapshot == {(WEEK1, "health"): count, (WEEK2, "health"): count,
                            ("2026-11-29", "health"): count, ("2026-11-29", "churn"): count,
                            ("2026-11-29", "expansion"): count, ("2026-12-06", "health"): count}


def test_many_runs_at_once_on_a_new_file_all_land(tmp_path, weeks):
    db = tmp_path / "new.sqlite"
    commands = [[sys.executable, os.path.join(SCRIPTS, HEALTH), str(weeks[day % 2]), "--as-of", f"2026-10-0{day}",
                 "--history", str(db)] for day in range(1, 7)]
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands]
    finished = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]
    assert [status for status, _ in finished] == [0] * 6
    assert all(sample_warnings_only(stderr) for _, stderr in finished), finished
    dates = sorted({row[0] for row in view_rows(db)})
    assert dates == [f"2026-10-0{day}" for day in range(1, 7)]
    assert len(view_rows(db)) == 6 * len(book_of_week(1)["customers"])


def test_changes_are_against_the_latest_earlier_snapshot_not_a_later_one(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, HEALTH, weeks[0], "2026-11-01", "--history", db)
    run_json(run_tool, HEALTH, weeks[1], "2026-12-01", "--history", db)
    middle = run_json(run_tool, HEALTH, weeks[1], WEEK1, "--history", db)
    assert middle["summary"]["changes"]["since"] == "2026-11-01"
    assert [p["as_of"] for p in middle["customers"][0]["trajectory"]["scores"]] == ["2026-11-01", WEEK1]


def test_the_database_identifies_itself_and_holds_the_documented_view(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, REPORT, weeks[0], WEEK1, "--history", db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA application_id").fetchone() == (history.APPLICATION_ID,)
        assert connection.execute("PRAGMA user_version").fetchone() == (history.SCHEMA_VERSION,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert dict(connection.execute("SELECT key, value FROM meta WHERE key = 'tool'")) == {
            "tool": "customer-success-manager"}
        columns = [row[1] for row in connection.execute("PRAGMA table_info(account_history)")]
        assert columns == ["as_of", "analysis", "customer_id", "score", "band", "arr"]
        snapshots = connection.execute("SELECT analysis, as_of, methodology_hash, tool, account_count "
                                       "FROM snapshot ORDER BY analysis").fetchall()
        owners = {row[0] for row in connection.execute("SELECT DISTINCT owner FROM account_snapshot")}
    digest = methodology_hash(default_methodology())
    count = len(book_of_week(1)["customers"])
    assert snapshots == [(name, WEEK1, digest, REPORT, count) for name in ("churn", "expansion", "health")]
    assert owners == set(OWNERS) | {None}


@pytest.mark.parametrize("kind", ["another program's SQLite", "text", "corrupt"])
def test_a_file_that_is_not_this_tools_history_is_an_error_and_left_unchanged(run_tool, weeks, tmp_path, kind):
    path = tmp_path / "not-ours.sqlite"
    if kind == "another program's SQLite":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (body TEXT)")
            connection.execute("INSERT INTO notes VALUES ('keep me')")
        connection.close()
        expected = (f"error: --history {path} is a SQLite database of another program (application id "
                    f"0x00000000, not {history.APPLICATION_ID:#010x}); left unchanged\n")
    elif kind == "text":
        path.write_text("customer_id,arr\nA-1,100\n")
        expected = (f"error: --history {path} is not a SQLite database (left unchanged); give a new file name "
                    "or a history this tool wrote\n")
    else:
        run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", path)
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        path.write_bytes(bytes(data))
        expected = f"error: --history {path} cannot be used: database disk image is malformed (left unchanged)\n"
    os.utime(path, (1_700_000_000, 1_700_000_000))
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--history", path)
    assert (done.returncode, done.stderr, done.stdout) == (1, expected, "")
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert sorted(os.listdir(tmp_path)) == sorted(["not-ours.sqlite", "week1.json", "week2.json"])


def test_a_history_of_a_newer_schema_is_refused(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db)
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA user_version = 7")
    connection.close()
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--history", db)
    assert (done.returncode, done.stderr) == (
        1, f"error: --history {db} has history schema 7, newer than this tool's 1; left unchanged\n")


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_keeps_history_and_reports_changes_and_owners(run_tool, weeks, tmp_path, tool):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, tool, weeks[0], WEEK1, "--history", db)
    report = run_json(run_tool, tool, weeks[1], WEEK2, "--history", db)
    summary = report["summary"]
    assert summary["changes"]["since"] == WEEK1
    assert set(summary["by_owner"]) == set(OWNERS) | {"unassigned"}
    assert sum(book["accounts"] for book in summary["by_owner"].values()) == summary["total_customers"]
    assert all("changes" in book for book in summary["by_owner"].values())
    text = run_tool(tool, weeks[1], "--as-of", WEEK2, "--compare", tmp_path / "none.json")
    assert text.returncode == 1 and text.stderr.startswith("error: --compare")


def test_churn_counts_a_risk_rise_of_more_than_20_points_as_the_red_flag(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    first = run_json(run_tool, CHURN, weeks[0], WEEK1, "--history", db)
    second = run_json(run_tool, CHURN, weeks[1], WEEK2, "--history", db)
    before = {c["customer_id"]: c["risk_score"] for c in first["customers"]}
    rose = {c["customer_id"] for c in second["customers"] if c["risk_score"] - before[c["customer_id"]] > 20}
    assert rose and set(second["summary"]["changes"]["dropped"]) == rose


def test_the_portfolio_report_opens_with_what_changed_and_draws_each_history(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, REPORT, weeks[0], WEEK1, "--history", db)
    done = run_tool(REPORT, weeks[1], "--as-of", WEEK2, "--compare", tmp_path / "missing.json")
    assert done.returncode == 1
    report = run_json(run_tool, REPORT, weeks[1], WEEK2, "--history", db)
    first_json = tmp_path / "report-week2.json"
    first_json.write_text(json.dumps(report))
    markdown = run_tool(REPORT, weeks[1], "--as-of", WEEK2, "--history", db).stdout
    assert markdown.split("\n")[4] == f"## What changed since {WEEK1}"
    html = run_tool(REPORT, weeks[1], "--as-of", WEEK2, "--history", db, "--format", "html").stdout
    assert f"<h2>What changed since {WEEK1}</h2>" in html and "<script" not in html
    assert html.count('<svg class="spark"') >= len(report["summary"]["changes"]["dropped"]) > 0
    assert "mix over time" in html


def test_compare_refuses_another_tools_output_and_a_file_that_is_no_output(run_tool, weeks, tmp_path):
    churn_output = tmp_path / "churn.json"
    churn_output.write_text(json.dumps(run_json(run_tool, CHURN, weeks[0], WEEK1)))
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--compare", churn_output)
    assert (done.returncode, done.stderr) == (1, f"error: --compare {churn_output} is the output of the churn_risk "
                                                 "report, not customer_health; give an earlier --format json output "
                                                 "of this tool\n")
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--compare", weeks[0])
    assert (done.returncode, done.stderr) == (1, f"error: --compare {weeks[0]} is not a JSON output of this bundle's "
                                                 "tools (no \"report\" field); give an earlier --format json output "
                                                 "of this tool\n")
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--history", tmp_path / "h.sqlite", "--compare", churn_output)
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


def test_compare_with_an_output_dated_after_the_run_is_refused(run_tool, weeks, tmp_path):
    later = tmp_path / "later.json"
    later.write_text(json.dumps(run_json(run_tool, HEALTH, weeks[0], WEEK2)))
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK1, "--compare", later)
    assert (done.returncode, done.stderr) == (
        1, f"error: --compare {later} is as of {WEEK2}, after this run's as-of {WEEK1}; compare with an earlier output\n")


def test_every_output_states_the_methodology_hash(run_tool, weeks, tmp_path):
    digest = methodology_hash(default_methodology())
    for tool in TOOLS:
        assert run_json(run_tool, tool, weeks[0], WEEK1)["methodology_hash"] == digest
        assert f"(hash {digest})" in run_tool(tool, weeks[0], "--as-of", WEEK1, "--format", "text").stdout
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"changes": {"red_flag_drop": 15}}))
    other = run_json(run_tool, HEALTH, weeks[0], WEEK1, "--config", config)["methodology_hash"]
    table = copy.deepcopy(default_methodology())
    table["changes"]["red_flag_drop"] = 15
    assert other == methodology_hash(table) != digest and len(other) == 12


def test_a_run_without_history_loads_no_sqlite(tmp_path):
    code = ("import sys\n"
            f"sys.path.insert(0, {SCRIPTS!r})\n"
            "import health_score_calculator as tool\n"
            f"status = tool.main([{SAMPLE!r}, '--format', 'json', '--output', {str(tmp_path / 'o.json')!r}])\n"
            "assert status == 0, status\n"
            "print('sqlite3' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "False\n") and sample_warnings_only(done.stderr), done.stderr


def test_red_flag_drop_is_a_methodology_figure(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"changes": {"red_flag_drop": 50}}))
    first = run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db, "--config", config)
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--history", db, "--config", config, "--format", "json")
    second = json.loads(done.stdout)
    before = scores(first)
    assert second["summary"]["changes"]["dropped"] == [
        c["customer_id"] for c in sorted(second["customers"], key=lambda c: c["overall_score"] - before[c["customer_id"]])
        if before[c["customer_id"]] - c["overall_score"] > 50]


def test_a_trajectory_shows_the_last_snapshots_and_the_change_per_30_days_over_them(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"changes": {"trajectory_length": 3}}))
    dated = [("2026-09-01", 0), ("2026-10-02", 0), ("2026-10-17", 1), ("2026-11-01", 1)]
    reports = [run_json(run_tool, HEALTH, weeks[week], as_of, "--history", db, "--config", config)
               for as_of, week in dated]
    oldest, latest = scores(reports[1]), scores(reports[2])
    for customer in reports[3]["customers"]:
        trajectory = customer["trajectory"]
        customer_id = customer["customer_id"]
        assert [p["as_of"] for p in trajectory["scores"]] == ["2026-10-02", "2026-10-17", "2026-11-01"]
        assert trajectory["since"] == "2026-10-17"
        assert trajectory["change"] == round(customer["overall_score"] - latest[customer_id], 1)
        assert trajectory["change_per_30_days"] == round(customer["overall_score"] - oldest[customer_id], 1)


def test_output_onto_the_history_or_compare_file_is_refused_before_anything_is_read(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    done = run_tool(HEALTH, weeks[1], "--history", db, "--output", db)
    assert done.returncode == 2
    assert done.stderr == (f"error: --output {db} is the same file as --history ({db}): writing the report there "
                           "would replace what the run reads; choose another output file\n")
    assert not db.exists()


def test_an_earlier_output_with_a_score_that_is_not_a_number_is_a_clear_error(run_tool, weeks, tmp_path):
    earlier = run_json(run_tool, HEALTH, weeks[0], WEEK1)
    earlier["customers"][2]["overall_score"] = "high"
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier))
    done = run_tool(HEALTH, weeks[1], "--as-of", WEEK2, "--compare", path)
    assert (done.returncode, done.stderr, done.stdout) == (
        1, f"error: --compare {path}: customers[2] has no usable customer_id, health score and band (a score from 0 to 100; a band, one of green, yellow, red; an ARR from 0 to "
           "1,000,000,000,000,000)\n", "")


def snapshot_counts(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT analysis, as_of, account_count FROM snapshot ORDER BY analysis").fetchall()


@pytest.mark.parametrize("focus", [("--owner", "Ana Ruiz"), ("--top", "2"), ("--segment", "smb"),
                                   ("--account", "ACC-1003"), ("--format", "text", "--tier", "critical")])
def test_a_filtered_history_run_stores_the_whole_book_as_an_unfiltered_run_does(run_tool, weeks, tmp_path, focus):
    whole, filtered = tmp_path / "whole.sqlite", tmp_path / "filtered.sqlite"
    run_json(run_tool, REPORT, weeks[0], WEEK1, "--history", whole)
    done = run_tool(REPORT, weeks[0], "--as-of", WEEK1, "--format", "json", "--history", filtered, *focus)
    assert done.returncode == 0, done.stderr
    assert snapshot_counts(filtered) == snapshot_counts(whole) == [
        (name, WEEK1, 20) for name in ("churn", "expansion", "health")]
    assert view_rows(filtered) == view_rows(whole)


def test_no_store_reads_the_history_and_leaves_the_file_unchanged(run_tool, weeks, tmp_path):
    db = tmp_path / "history.sqlite"
    run_json(run_tool, HEALTH, weeks[0], WEEK1, "--history", db)
    before = db.read_bytes()
    stored = run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", db, "--no-store")
    assert db.read_bytes() == before and [row[0] for row in snapshot_counts(db)] == ["health"]
    assert stored["summary"]["changes"]["since"] == WEEK1 and stored["summary"]["changes"]["dropped"]
    fresh = tmp_path / "new.sqlite"
    run_json(run_tool, HEALTH, weeks[1], WEEK2, "--history", fresh, "--no-store")
    assert not fresh.exists()


def test_no_store_without_history_is_a_usage_error(run_tool, weeks):
    done = run_tool(HEALTH, weeks[0], "--as-of", WEEK1, "--no-store")
    assert done.returncode == 2 and done.stdout == ""
    assert "error: --no-store needs --history FILE (it reads the history without writing to it)" in done.stderr
