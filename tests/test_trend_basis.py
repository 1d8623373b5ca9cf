"""One trend basis per run, stated: with a stored run (--history, --compare) every "was", trend,
attention and readiness trend is against it; without, against the export's previous_period."""

import json

import pytest

from test_history import REPORT, HEALTH, EXPANSION, CHURN, WEEK1, WEEK2, book_of_week, run_json


@pytest.fixture
def stored(tmp_path, run_tool):
    """A history holding week 1, and week 2's book with one account new and one dropped."""
    db = tmp_path / "history.sqlite"
    first = tmp_path / "week1.json"
    first.write_text(json.dumps(book_of_week(1)))
    run_json(run_tool, REPORT, first, WEEK1, "--history", db)
    week2 = book_of_week(2)
    newcomer = dict(week2["customers"][5], customer_id="ACC-NEW", name="Newcomer Ltd")
    week2["customers"].append(newcomer)
    second = tmp_path / "week2.json"
    second.write_text(json.dumps(week2))
    return db, first, second


def test_with_history_every_was_and_trend_is_the_stored_runs(run_tool, stored):
    db, _, book = stored
    report = run_json(run_tool, REPORT, book, WEEK2, "--history", db, "--no-store", "--full")
    assert report["trend_basis"] == {"source": "history", "since": WEEK1}
    week1 = {c["customer_id"]: c for c in run_json(run_tool, REPORT, stored[1], WEEK1, "--full")["customers"]}
    for account in report["customers"]:
        fitness = account["health"]
        before = week1.get(account["customer_id"])
        if before is None:  # not in the stored run: no "was" at all, never the export's
            assert fitness["previous_overall_score"] is None
            assert set(fitness["trends"].values()) == {"no_data"}
        else:
            was = before["health"]["overall_score"]
            assert fitness["previous_overall_score"] == was == fitness["trajectory"]["scores"][-2]["score"]
            change = fitness["overall_score"] - was
            expected = "improving" if change > 5 else "declining" if change < -5 else "stable"
            assert fitness["trends"]["overall"] == expected
            for name, dimension in fitness["dimensions"].items():
                earlier = before["health"]["dimensions"][name]["score"]
                if dimension["score"] is not None and earlier is not None:
                    delta = dimension["score"] - earlier
                    assert fitness["trends"][name] == ("improving" if delta > 5 else "declining" if delta < -5
                                                       else "stable"), name
        assert fitness["trend_basis"] == "history"
        assert account["expansion"]["readiness"]["health_trend"] == fitness["trends"]["overall"]
    assert report["summary"]["health"]["changes"]["trend_basis"] == {"history": 21, "previous_period": 0}
    assert any(c["health"]["trends"]["overall"] == "declining" for c in report["customers"])


def test_the_brief_and_the_expansion_tool_take_the_same_basis(run_tool, stored):
    db, _, book = stored
    brief = run_json(run_tool, REPORT, book, WEEK2, "--history", db, "--no-store", "--account", "ACC-1001")
    assert brief["trend_basis"] == {"source": "history", "since": WEEK1}
    was = run_json(run_tool, HEALTH, book, WEEK2, "--history", db, "--no-store")
    health = {c["customer_id"]: c for c in was["customers"]}
    assert brief["account"]["health"]["previous_overall_score"] == health["ACC-1001"]["previous_overall_score"]
    expansion = run_json(run_tool, EXPANSION, book, WEEK2, "--history", db, "--no-store")
    assert expansion["trend_basis"] == {"source": "history", "since": WEEK1}
    for account in expansion["customers"]:
        assert account["readiness"]["health_trend"] == health[account["customer_id"]]["trends"]["overall"]


@pytest.mark.parametrize("tool", [HEALTH, CHURN, EXPANSION, REPORT])
def test_every_json_output_states_its_trend_basis(run_tool, stored, tool, tmp_path):
    db, first, book = stored
    plain = run_json(run_tool, tool, book, WEEK2)
    assert plain["trend_basis"] == {"source": "previous_period", "since": None}
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(run_json(run_tool, tool, first, WEEK1, "--full") if tool == REPORT
                                  else run_json(run_tool, tool, first, WEEK1)))
    compared = run_json(run_tool, tool, book, WEEK2, "--compare", earlier)
    assert compared["trend_basis"] == {"source": "compare", "since": WEEK1}
    for output_format in ("markdown", "text"):
        text = run_tool(tool, book, "--as-of", WEEK2, "--history", db, "--no-store", "--format", output_format).stdout
        assert f"trends against the stored run of {WEEK1} (history)" in " ".join(text.split())


def test_a_first_history_run_is_against_the_exports_previous_period(run_tool, tmp_path):
    book = tmp_path / "week1.json"
    book.write_text(json.dumps(book_of_week(1)))
    report = run_json(run_tool, HEALTH, book, WEEK1, "--history", tmp_path / "new.sqlite")
    assert report["trend_basis"] == {"source": "previous_period", "since": None}
    assert all(c["trend_basis"] == "previous_period" for c in report["customers"])
    text = run_tool(REPORT, book, "--as-of", WEEK1, "--format", "text").stdout
    assert "4. Trends\n" + "-" * 80 + "\nTrends against the export's previous period.\n" in text
