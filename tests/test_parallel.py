"""csm.parallel: a held book scored by this process and a forked helper writes exactly what one process writes."""

import copy
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import SAMPLE, SCRIPTS
from csm import parallel
from test_damage import damaged_portfolio, load_tool

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is forked")

AS_OF = ("--as-of", "2026-11-22")
TOOLS = ("health_score_calculator.py", "churn_risk_analyzer.py", "expansion_opportunity_scorer.py")


@pytest.fixture(scope="module")
def damaged_book(tmp_path_factory):
    """Some 600 records: damaged, rejected, not objects, duplicated ids, ids that differ by case or a zero-width space."""
    records = []
    for seed in range(24):
        for record in damaged_portfolio(seed):
            if isinstance(record, dict) and isinstance(record.get("customer_id"), str) and seed % 3:
                record["customer_id"] = f"{record['customer_id']}-{seed}"
            records.append(record)
    with open(SAMPLE, encoding="utf-8") as handle:
        first = json.load(handle)["customers"][0]
    records.append(dict(copy.deepcopy(first), customer_id=first["customer_id"].lower()))
    records.append(dict(copy.deepcopy(first), customer_id=first["customer_id"] + "\u200b"))
    path = tmp_path_factory.mktemp("parallel") / "damaged.json"
    path.write_text(json.dumps({"customers": records}, allow_nan=True), encoding="utf-8")
    return path


class Spy:
    """Counts the outcomes the helper served (a parallel run that served none tested nothing)."""

    def __init__(self, monkeypatch):
        self.served = 0
        self.asked = 0
        outcome = parallel.Helper.outcome

        def counted(helper, index, customer_id):
            found = outcome(helper, index, customer_id)
            self.asked += 1
            self.served += found is not None
            return found

        monkeypatch.setattr(parallel.Helper, "outcome", counted)


def _run(script, argv, capsys, tmp_path, name):
    output = tmp_path / name
    status = load_tool(script).main([*map(str, argv), "--output", str(output)])
    return status, output.read_bytes(), capsys.readouterr().err


def _serial(script, argv, capsys, tmp_path, monkeypatch, name="serial.out"):
    """Run in one process; then let the next runs fork their helper (_allow_helper)."""
    monkeypatch.setattr(parallel, "MIN_RECORDS", 10 ** 9)
    serial = _run(script, argv, capsys, tmp_path, name)
    _allow_helper(monkeypatch)
    return serial


def _allow_helper(monkeypatch):
    """Let a run fork its helper, whatever the book's size and this machine's processors."""
    monkeypatch.setattr(parallel, "MIN_RECORDS", 1)
    monkeypatch.setattr(parallel, "processors", lambda: 2)


def _both(script, argv, capsys, tmp_path, monkeypatch):
    """Run serially, then with the helper; return (serial, parallel, outcomes the helper served)."""
    serial = _serial(script, argv, capsys, tmp_path, monkeypatch)
    spy = Spy(monkeypatch)
    helped = _run(script, argv, capsys, tmp_path, "helped.out")
    return serial, helped, spy.served


@pytest.mark.parametrize("script", TOOLS)
@pytest.mark.parametrize("output_format", ["json", "text", "markdown"])
def test_a_damaged_book_scored_with_the_helper_is_byte_for_byte_the_single_process_report(
        script, output_format, damaged_book, capsys, tmp_path, monkeypatch):
    serial, helped, served = _both(script, [damaged_book, *AS_OF, "--format", output_format], capsys, tmp_path,
                                   monkeypatch)
    assert served > 100  # the helper scored the later part (from parallel.START on, at least)
    assert serial[0] == 3  # some records rejected
    assert helped == serial  # status, report and every stderr line, in order


@pytest.mark.parametrize("script", ["health_score_calculator.py", "churn_risk_analyzer.py"])
def test_with_a_history_and_focus_the_helper_changes_nothing(script, damaged_book, capsys, tmp_path, monkeypatch):
    def argv(name):  # each run its own history, so that both start from none
        return [damaged_book, *AS_OF, "--format", "json", "--history", tmp_path / name, "--top", "40",
                "--segment", "enterprise,smb"]
    serial = _serial(script, argv("serial.db"), capsys, tmp_path, monkeypatch, "serial.json")
    spy = Spy(monkeypatch)
    helped = _run(script, argv("helped.db"), capsys, tmp_path, "helped.json")
    assert spy.served > 100
    assert helped[0] == serial[0] and helped[2] == serial[2].replace("serial.db", "helped.db")
    assert helped[1] == serial[1]


@pytest.mark.parametrize("output_format", ["json", "text", "markdown", "html"])
def test_the_portfolio_report_scored_with_the_helper_is_byte_for_byte_the_single_process_report(
        output_format, damaged_book, capsys, tmp_path, monkeypatch):
    # Its views, summaries and briefs read the helper's lean results back from JSON.
    serial, helped, served = _both("portfolio_report.py", [damaged_book, *AS_OF, "--format", output_format],
                                   capsys, tmp_path, monkeypatch)
    assert served > 100
    assert serial[0] == 3
    assert helped == serial


def test_the_report_views_made_as_each_account_is_scored_are_the_ones_made_from_the_full_results(
        damaged_book, capsys, tmp_path, monkeypatch):
    # A json run keeps each account's entries in the views as JSON texts as it scores it (the helper
    # makes its own accounts'; csm.portfolio.json_part); --full makes them from the results at the end.
    full = _serial("portfolio_report.py", [damaged_book, *AS_OF, "--format", "json", "--full"], capsys, tmp_path,
                   monkeypatch, "full.json")
    spy = Spy(monkeypatch)
    lean = _run("portfolio_report.py", [damaged_book, *AS_OF, "--format", "json"], capsys, tmp_path, "lean.json")
    assert spy.served > 100
    views = json.loads(lean[1])["views"]
    assert views == json.loads(full[1])["views"]
    assert views["this_week"] and views["expansion"]["ready_now"] and views["expansion"]["stabilise_first"]
    assert all(views["trends"].values())


def test_the_portfolio_report_with_focus_and_owners_is_the_same_with_the_helper(capsys, tmp_path, monkeypatch):
    with open(SAMPLE, encoding="utf-8") as handle:
        customers = json.load(handle)["customers"]
    book = []
    for copy_number in range(40):  # the sample's accounts (owners, lifecycles, every tier), again and again
        for record in copy.deepcopy(customers):
            record["customer_id"] = f"{record['customer_id']}-{copy_number}"
            record["arr"] = record["arr"] + copy_number
            book.append(record)
    path = tmp_path / "owned.json"
    path.write_text(json.dumps({"customers": book}), encoding="utf-8")
    for argv in (["--format", "json", "--top", "25", "--segment", "enterprise,smb"],
                 ["--format", "markdown", "--tier", "critical,high", "--capacity", "40"],
                 ["--format", "text", "--renewing-within", "120", "--detail"]):
        serial, helped, served = _both("portfolio_report.py", [path, *AS_OF, *argv], capsys, tmp_path, monkeypatch)
        assert served > 60
        assert helped == serial


@pytest.mark.parametrize("script, argv", [("portfolio_report.py", ("--full",)),
                                          ("portfolio_report.py", ("--account", "ACC-1001")),
                                          ("portfolio_report.py", ("--history",)),
                                          ("churn_risk_analyzer.py", ("--outcomes",))])
def test_a_run_that_holds_its_results_for_a_finish_hook_scores_in_one_process(script, argv, damaged_book, capsys,
                                                                               tmp_path, monkeypatch):
    # A backtest and the report's full results read the results themselves: read back from JSON,
    # the helper's would each hold their own copy of every word (1.9x the memory, for 5% of the time).
    _allow_helper(monkeypatch)
    started = []
    monkeypatch.setattr(parallel, "start", lambda *args: started.append(args))
    if argv == ("--outcomes",):
        outcomes = tmp_path / "outcomes.csv"
        outcomes.write_text("customer_id,churned\nACC-1001,true\nACC-1002,false\n")
        argv = (*argv, outcomes)
    if argv == ("--history",):  # a history keeps each analysis' figures: results in full
        argv = (*argv, tmp_path / "history.db")
    status, report, _ = _run(script, [damaged_book, *AS_OF, "--format", "json", *argv], capsys, tmp_path, "out.json")
    assert report and started == []


def test_a_json_book_read_through_a_map_keeps_its_columns_with_the_helper(capsys, tmp_path, monkeypatch):
    records = []
    for number in range(300):
        records.append({"id": f"A-{number}", "crm": {"mrr": 1000 + number, "tier": ("SMB", "Enterprise")[number % 2]},
                        "usage": {"login_frequency": number % 101, "feature_adoption": 60, "dau_mau_ratio": 0.3},
                        "region": ("EMEA", "APAC", "AMER")[number % 3],
                        "engagement": {"support_ticket_volume": number % 7, "meeting_attendance": 85, "nps_score": 8},
                        "support": {"open_tickets": 3, "escalation_rate": 0.05, "avg_resolution_hours": 20}})
    book = tmp_path / "book.json"
    book.write_text(json.dumps(records))
    field_map = tmp_path / "map.json"
    field_map.write_text(json.dumps({"fields": {"customer_id": "id", "arr": {"column": "crm.mrr", "scale": 12},
                                                "segment": "crm.tier"}, "keep": ["region"]}))
    serial, helped, served = _both("health_score_calculator.py", [book, "--map", field_map, *AS_OF, "--format",
                                                                  "json"], capsys, tmp_path, monkeypatch)
    assert served > 50
    assert helped == serial
    accounts = json.loads(helped[1])["customers"]
    assert {account["fields_kept"]["region"] for account in accounts} == {"EMEA", "APAC", "AMER"}


@pytest.mark.parametrize("failure", ["raises", "dies", "truncated", "misnumbered"])
def test_a_helper_that_fails_leaves_this_process_to_score_the_rest(failure, damaged_book, capsys, tmp_path,
                                                                   monkeypatch):
    work = parallel._work

    def failing(records, score, encode, lowest, first, spool, counters):
        if failure == "raises":
            raise MemoryError
        if failure == "dies":
            os.kill(os.getpid(), signal.SIGKILL)
        if failure == "misnumbered":  # each of its outcomes names the record after its own
            records = ((index + 1 if index >= lowest else index, label, raw) for index, label, raw in records)
        work(records, score, encode, lowest, first, spool, counters)
        if failure == "truncated":
            spool.truncate(spool.tell() // 2)  # half its file, and a clean exit

    script = "expansion_opportunity_scorer.py"
    argv = [damaged_book, *AS_OF, "--format", "json"]
    serial = _serial(script, argv, capsys, tmp_path, monkeypatch, "serial.json")
    monkeypatch.setattr(parallel, "_work", failing)
    monkeypatch.setattr(parallel, "BATCH", 16)  # 16 at a time: half the file holds whole batches
    spy = Spy(monkeypatch)
    helped = _run(script, argv, capsys, tmp_path, "helped.json")
    assert helped == serial
    assert spy.served == 0
    if failure in ("misnumbered", "truncated"):  # the helper ran to its end: its outcomes were refused
        assert spy.asked > 0


@pytest.mark.parametrize("slower", ["helper", "this process"])
def test_the_two_meet_where_both_have_worked_as_long(slower, damaged_book, capsys, tmp_path, monkeypatch):
    script = "churn_risk_analyzer.py"
    argv = [damaged_book, *AS_OF, "--format", "json"]
    serial = _serial(script, argv, capsys, tmp_path, monkeypatch, "serial.json")
    if slower == "helper":  # 2 ms a record in the helper alone
        outcome_of = parallel._outcome

        def slow(*args):
            time.sleep(0.002)
            return outcome_of(*args)
        monkeypatch.setattr(parallel, "_outcome", slow)
    spy = Spy(monkeypatch)
    if slower == "this process":  # 2 ms for each record this process scores past the cut
        counted = parallel.Helper.outcome

        def slow_here(helper, index, customer_id):
            found = counted(helper, index, customer_id)
            if found is None:
                time.sleep(0.002)
            return found
        monkeypatch.setattr(parallel.Helper, "outcome", slow_here)
    helped = _run(script, argv, capsys, tmp_path, "helped.json")
    assert helped == serial
    # From the cut (LOWEST) on: a slow helper scores what lies from START on; a fast one comes back to the cut.
    if slower == "helper":
        from_start = (1 - parallel.START) / (1 - parallel.LOWEST) * spy.asked
        assert 0.8 * from_start < spy.served < 1.3 * from_start
    else:
        assert spy.served > 0.9 * spy.asked


def test_no_helper_for_a_small_book_one_processor_a_profiler_or_other_threads(monkeypatch):
    monkeypatch.setattr(parallel, "processors", lambda: 2)
    assert parallel.available(parallel.MIN_RECORDS)
    assert not parallel.available(parallel.MIN_RECORDS - 1)
    monkeypatch.setattr(parallel, "processors", lambda: 1)
    assert not parallel.available(10 ** 6)
    monkeypatch.setattr(parallel, "processors", lambda: 2)
    sys.setprofile(lambda *args: None)
    try:
        profiled = parallel.available(10 ** 6)
    finally:
        sys.setprofile(None)
    assert not profiled
    import threading
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.available(10 ** 6)
    finally:
        stop.set()
        thread.join()


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_sigterm_stops_the_helper_too(tmp_path):
    with open(SAMPLE, encoding="utf-8") as handle:
        records = json.load(handle)["customers"]
    customers = [dict(record, customer_id=f"{record['customer_id']}-{copy_}") for copy_ in range(1000)
                 for record in records]  # 20,000 accounts: seconds of work for the helper
    book = tmp_path / "large.json"
    book.write_text(json.dumps({"customers": customers}))
    child = subprocess.Popen([sys.executable, os.path.join(SCRIPTS, "expansion_opportunity_scorer.py"), str(book),
                              "--format", "json", "--output", str(tmp_path / "out.json"), *AS_OF],
                             stderr=subprocess.PIPE)
    helpers = []
    deadline = time.time() + 60
    while not helpers and child.poll() is None and time.time() < deadline:
        helpers = _children(child.pid)
        time.sleep(0.01)
    if not helpers:
        pytest.skip("no helper was started here (one processor, or the run ended first)")
    child.send_signal(signal.SIGTERM)
    assert child.wait(60) == 143
    assert "Traceback" not in child.stderr.read().decode()
    for pid in helpers:
        assert not os.path.exists(f"/proc/{pid}"), "the helper outlived the run"
    assert not (tmp_path / "out.json").exists()
