"""expansion_opportunity_scorer.py --by opportunity: single opportunities across the book, ranked,
and the "start with" of an account: its largest ready opportunity."""

import csv
import io
import json
import os
import sys

import pytest

from conftest import ROOT, SAMPLE

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import bench  # noqa: E402  (the benchmark's book generator)

TOOL = "expansion_opportunity_scorer.py"
AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "book.json"
    customers = list(bench.generate(300, seed=27))
    for index, customer in enumerate(customers):
        customer["owner"] = ("Mei Chen", "Dana Reyes", None)[index % 3]
    path.write_text(json.dumps({"customers": customers}))
    return path


def run_json(run_tool, *args):
    done = run_tool(TOOL, *args, "--as-of", AS_OF, "--format", "json")
    assert done.returncode in (0, 3), done.stderr
    return json.loads(done.stdout)


def recount(accounts):
    """Every opportunity of the accounts as (ready, revenue, customer_id, category, priority), ranked by hand."""
    found = []
    for account in accounts:
        for position, opportunity in enumerate(account["opportunities"]):
            found.append((opportunity["readiness"] != "ready", -opportunity["estimated_revenue"],
                          account["customer_id"], position, opportunity["category"]))
    return sorted(found)


def test_the_top_three_are_the_three_largest_ready_opportunities_of_the_book(run_tool, book):
    whole = run_json(run_tool, book)
    top = run_json(run_tool, book, "--by", "opportunity", "--top", "3")
    expected = recount(whole["customers"])[:3]
    assert [(r["readiness"] != "ready", -r["estimated_revenue"], r["customer_id"], r["category"])
            for r in top["opportunities"]] == [(a, b, c, e) for a, b, c, _, e in expected]
    assert [r["rank"] for r in top["opportunities"]] == [1, 2, 3]
    assert all(r["readiness"] == "ready" and r["why_not_ready"] == [] for r in top["opportunities"])
    assert top["summary"]["listed"]["count"] == 3
    assert top["summary"]["listed"]["of"] == whole["summary"]["total_opportunities"]
    assert {k: v for k, v in top["summary"].items() if k != "listed"} == whole["summary"]
    assert "customers" not in top and top["by"] == "opportunity"


def test_every_opportunity_is_listed_once_and_not_ready_ones_say_why(run_tool, book):
    whole = run_json(run_tool, book)
    listed = run_json(run_tool, book, "--by", "opportunity")["opportunities"]
    assert len(listed) == whole["summary"]["total_opportunities"] == len(recount(whole["customers"]))
    by_account = {a["customer_id"]: a for a in whole["customers"]}
    seen = set()
    for row in listed:
        account = by_account[row["customer_id"]]
        matches = [o for o in account["opportunities"] if o["category"] == row["category"]
                   and o["estimated_revenue"] == row["estimated_revenue"] and o["rationale"] == row["rationale"]]
        assert matches, row
        seen.add((row["customer_id"], row["rationale"]))
        assert bool(row["why_not_ready"]) == (row["readiness"] != "ready")
        if row["readiness"] not in ("ready", "grow usage first"):
            assert row["why_not_ready"] == account["readiness"]["reasons"]
    assert len(seen) == len(listed)
    revenue = [(r["readiness"] != "ready", -r["estimated_revenue"]) for r in listed]
    assert revenue == sorted(revenue)


def test_the_focus_filters_narrow_the_opportunities_to_the_matched_accounts(run_tool, book):
    whole = run_json(run_tool, book, "--owner", "Mei Chen")
    listed = run_json(run_tool, book, "--owner", "Mei Chen", "--by", "opportunity")
    assert {r["owner"] for r in listed["opportunities"]} == {"Mei Chen"}
    assert len(listed["opportunities"]) == sum(a["opportunity_count"] for a in whole["customers"])
    assert listed["summary"]["listed"]["matched"] == len(whole["customers"])


@pytest.mark.parametrize("output_format", ["csv", "jsonl", "text", "markdown"])
def test_every_format_lists_the_same_opportunities_in_the_same_order(run_tool, book, output_format):
    rows = run_json(run_tool, book, "--by", "opportunity", "--top", "12")["opportunities"]
    done = run_tool(TOOL, book, "--as-of", AS_OF, "--by", "opportunity", "--top", "12", "--format", output_format)
    assert done.returncode in (0, 3) and done.stdout, done.stderr
    if output_format == "csv":
        read = [r for r in csv.DictReader(io.StringIO(done.stdout)) if r["status"] == "scored"]
        assert [(r["customer_id"], int(r["estimated_revenue"])) for r in read] == [
            (r["customer_id"], r["estimated_revenue"]) for r in rows]
    elif output_format == "jsonl":
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert lines[:12] == rows and lines[-1]["by"] == "opportunity" and "summary" in lines[-1]
    else:
        whole = run_json(run_tool, book)["summary"]["total_opportunities"]
        assert f"12 of {whole:,} opportunities of the book listed" in " ".join(done.stdout.split())
        places = [done.stdout.index(row["customer_id"], done.stdout.index(f"${row['estimated_revenue']:,}") - 200)
                  for row in rows]
        assert places == sorted(places)


def test_an_account_starts_with_its_largest_ready_opportunity(run_tool):
    report = run_json(run_tool, SAMPLE)
    checked = False
    for account in report["customers"]:
        ready = [o for o in account["opportunities"] if o["readiness"] == "ready"]
        opens = account["next_action"]["action"].startswith("Open an expansion conversation")
        if account["readiness"]["status"] != "ready" or not ready:
            assert not opens
            continue
        if not opens:  # a renewal or risk comes first
            continue
        checked = True
        largest = max(ready, key=lambda o: o["estimated_revenue"])
        assert account["next_action"]["action"] == (
            "Open an expansion conversation, starting with: " + largest["rationale"])
    assert checked
    aurora = {e["customer_id"]: e for e in report["summary"]["ready_for_upgrade_conversation"]}["ACC-1001"]
    assert aurora["opportunity"]["estimated_revenue"] == 210000  # not the 105,000 seats, first by priority


def test_by_opportunity_is_not_a_streaming_mode_of_the_other_tools(run_tool):
    done = run_tool("health_score_calculator.py", SAMPLE, "--by", "opportunity")
    assert done.returncode == 2 and "unrecognized arguments: --by opportunity" in done.stderr


# ---- the one "top" of an account, and the report's pipeline list ------------------------------

REPORT = "portfolio_report.py"


def report_json(run_tool, book, *options):
    done = run_tool(REPORT, book, "--as-of", AS_OF, "--format", "json", *options)
    assert done.returncode in (0, 3), done.stderr
    return json.loads(done.stdout)


def test_the_brief_and_the_csv_name_the_top_opportunity_the_account_starts_with(run_tool):
    briefs = {a["customer_id"]: a["expansion"] for a in report_json(run_tool, SAMPLE)["customers"]}
    aurora = briefs["ACC-1001"]["top_opportunity"]  # its largest ready one, not the 105,000 seats first by priority
    assert (aurora["category"], aurora["target_tier"], aurora["estimated_revenue"], aurora["readiness"]) == (
        "tier_upgrade", "enterprise_plus", 210000, "ready")
    cobalt = briefs["ACC-1003"]  # nothing ready: its largest, saying it waits
    assert cobalt["readiness"] == "stabilise first"
    assert (cobalt["top_opportunity"]["estimated_revenue"], cobalt["top_opportunity"]["readiness"]) == (
        280000, "stabilise first")
    done = run_tool(TOOL, SAMPLE, "--as-of", AS_OF, "--format", "csv")
    rows = {r["customer_id"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert (rows["ACC-1001"]["top_opportunity"], rows["ACC-1001"]["top_priority_score"]) == (
        "Tier upgrade: Enterprise to Enterprise Plus", "200.0")
    starts = {e["customer_id"]: e["top_opportunity"] for e in
              report_json(run_tool, SAMPLE)["views"]["expansion"]["ready_now"]}
    for customer_id, start in starts.items():  # the ready list's "start with" is the brief's top, every account
        assert {k: v for k, v in start.items() if k != "rationale"} == briefs[customer_id]["top_opportunity"]


def test_the_report_pipeline_lists_the_first_rows_of_the_opportunity_list(run_tool, book):
    report = report_json(run_tool, book)
    rows = run_json(run_tool, book, "--by", "opportunity", "--top", "10")["opportunities"]
    top = report["summary"]["expansion"]["top_opportunities"]
    assert (top["count"], top["of"]) == (10, report["summary"]["expansion"]["total_opportunities"])
    assert top["opportunities"] == rows
    assert "listed" not in report


def test_a_filtered_report_lists_the_listed_accounts_opportunities_and_says_so(run_tool, book):
    whole = report_json(run_tool, book)
    mei = report_json(run_tool, book, "--owner", "Mei Chen")
    rows = run_json(run_tool, book, "--owner", "Mei Chen", "--by", "opportunity", "--top", "10")["opportunities"]
    assert {k: v for k, v in mei["summary"].items() if k != "listed"} == whole["summary"]  # the whole book's
    listed = mei["listed"]["expansion"]["top_opportunities"]
    assert listed["opportunities"] == rows and {r["owner"] for r in rows} == {"Mei Chen"}
    assert listed["of"] == mei["listed"]["expansion"]["total_opportunities"] < whole["summary"]["expansion"][
        "total_opportunities"]
    pipeline = mei["views"]["expansion"]["pipeline"]  # the section's table: the listed accounts' opportunities
    assert sum(line["count"] for line in pipeline.values()) == listed["of"]
    assert mei["views"]["expansion"]["total_estimated_revenue"] == mei["listed"]["expansion"][
        "total_estimated_revenue"]
    text = run_tool(REPORT, book, "--as-of", AS_OF, "--owner", "Mei Chen", "--format", "text").stdout
    section = text[text.index("5. Expansion (listed: owner Mei Chen)"):text.index("6. Action list")]
    assert f"Top 10 of {listed['of']:,} opportunities, ready first" in " ".join(section.split())
    places = [section.index(f"{row['rank']:>2}  {row['customer_id']}") for row in rows]
    assert places == sorted(places)


@pytest.mark.parametrize("output_format", ["markdown", "html", "text"])
def test_every_report_format_shows_the_top_ten_in_its_pipeline_section(run_tool, output_format):
    done = run_tool(REPORT, SAMPLE, "--as-of", AS_OF, "--format", output_format)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    heading = "Top 10 of 71 opportunities, ready first, then by estimated revenue"
    assert heading in " ".join(done.stdout.split())
    after = done.stdout[done.stdout.index("Top 10 of 71"):]
    # rank 1 and 10 of the sample's list: Aurora's Enterprise Plus upgrade, Equinox's 62 seats
    first, tenth = after.index("$210,000"), after.index("$60,000")
    assert first < tenth < after.index("Not ready yet")
