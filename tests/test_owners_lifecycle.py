"""Owners' books (load against the segment coverage ratios) and the lifecycle stage of a contract."""

import datetime
import json

import pytest

from conftest import NORTHWIND
from csm.config import lifecycle as lifecycle_section
from csm.score import lifecycle
from csm.report import owners
from csm.config.methodology import default_methodology

AS_OF = datetime.date(2026, 11, 22)


@pytest.mark.parametrize("start, stage, day, year", [
    ("2026-11-22", "onboarding", 0, 1),
    ("2026-08-25", "onboarding", 89, 1),
    ("2026-08-24", "adoption", 90, 1),
    ("2026-05-26", "optimisation", 180, 1),
    ("2026-02-25", "renewal", 270, 1),
    ("2025-11-23", "renewal", 364, 1),
    ("2025-11-22", "onboarding", 0, 2),
    ("2026-11-23", "not_started", -1, 0),
])
def test_the_stage_is_the_day_of_the_current_contract_year(start, stage, day, year):
    found = lifecycle.stage(start, AS_OF)
    assert (found.stage, found.day, found.contract_year) == (stage, day, year)
    assert found.goals == tuple(lifecycle_section.DEFAULTS["stages"].get(stage, {}).get("goals", ()))


def test_stages_out_of_order_are_a_config_error():
    section = json.loads(json.dumps(lifecycle_section.DEFAULTS))
    section["stages"]["adoption"]["from_day"] = 200
    assert lifecycle_section.check(section, {}) == ["lifecycle.stages: from_day must start at 0 and rise stage by stage"]


def _account(owner, segment, **figures):
    return {"owner": owner, "segment": segment, "arr": 10_000, **figures}


def test_eight_enterprise_accounts_are_a_full_book_and_more_is_over_capacity():
    books = owners.Books(default_methodology(), owners.HEALTH)
    for _ in range(8):
        books.add(_account("Ana", "enterprise", classification="green"))
    for _ in range(9):
        books.add(_account("Ben", "enterprise", classification="red"))
    for _ in range(50):
        books.add(_account("Chidi", "smb", classification="yellow"))
    summary = {"total_customers": 70, "total_arr": 700_000, "green_count": 10, "yellow_count": 50, "red_count": 10}
    result = books.result(summary)
    assert {name: (book["load"], book["over_capacity"]) for name, book in result.items()} == {
        "Ana": (1.0, False), "Ben": (1.12, True), "Chidi": (0.5, False), "unassigned": (None, None)}
    assert result["unassigned"]["accounts"] == 3 and result["unassigned"]["arr"] == 30_000
    assert result["unassigned"]["health_mix"] == {"green": 2, "yellow": 0, "red": 1}


def test_a_book_without_owners_has_no_by_owner(run_tool, write_json):
    done = run_tool("health_score_calculator.py", write_json({"customers": [NORTHWIND]}), "--format", "json",
                    "--as-of", "2026-11-22")
    assert "by_owner" not in json.loads(done.stdout)["summary"]


def test_the_churn_book_holds_arr_at_risk_and_renewals_due(run_tool, write_json):
    customers = [dict(NORTHWIND, customer_id="A-1", owner="Ana", contract_end_date="2026-12-20"),
                 dict(NORTHWIND, customer_id="A-2", owner="Ana", contract_end_date="2026-11-01"),
                 dict(NORTHWIND, customer_id="A-3", contract_end_date="2027-06-30")]
    done = run_tool("churn_risk_analyzer.py", write_json({"customers": customers}), "--format", "json",
                    "--as-of", "2026-11-22")
    report = json.loads(done.stdout)
    books = report["summary"]["by_owner"]
    assert list(books) == ["Ana", "unassigned"]
    assert books["Ana"]["renewals_due"] == {"days": 90, "count": 1, "arr": 64000}
    assert books["Ana"]["lapsed_count"] == 1
    assert books["Ana"]["segments"] == {"enterprise": 0, "mid-market": 2, "smb": 0}
    assert books["Ana"]["load"] == 0.08
    at_risk = sum(c["arr"] for c in report["customers"] if c["owner"] and c["risk_tier"] in ("critical", "high"))
    assert books["Ana"]["arr_at_risk"] == at_risk
    assert books["unassigned"]["accounts"] == 1 and books["unassigned"]["renewals_due"]["count"] == 0


def test_the_stage_and_its_goals_stand_beside_the_actions_in_text_and_markdown(run_tool, write_json):
    account = dict(NORTHWIND, contract_start_date="2026-08-24")  # day 90 on 2026-11-22: adoption
    path = write_json({"customers": [account]})
    text = run_tool("health_score_calculator.py", path, "--as-of", "2026-11-22").stdout.splitlines()
    stage = text.index("  Stage: adoption, day 90 of contract year 1; goals: usage reviews, build")
    assert text[stage + 1] == "         champions" and text[stage + 2].startswith("  Do:  ")
    markdown = run_tool("churn_risk_analyzer.py", path, "--as-of", "2026-11-22", "--format", "markdown").stdout
    assert "- Stage: adoption, day 90 of contract year 1; goals: usage reviews, build champions\n- Do: " in markdown
    report = json.loads(run_tool("portfolio_report.py", path, "--as-of", "2026-11-22", "--format", "json").stdout)
    assert report["customers"][0]["lifecycle"] == {"stage": "adoption", "day": 90, "contract_year": 1,
                                                   "goals": ["usage reviews", "build champions"]}
    assert "lifecycle" not in report["customers"][0]["churn"]  # given once, for the account
