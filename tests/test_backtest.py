"""The backtest's figures, worked out by hand: AUC, lift, precision and recall at K, floors, cut-offs."""

import io
import itertools
import json
import random

import pytest

from csm.learn import backtest as bt
from csm.errors import InputError
from csm.config.methodology import default_methodology, load_methodology

METHODOLOGY = default_methodology()


def health_result(customer_id, score, klass, segment="mid-market", arr=10000):
    return {"customer_id": customer_id, "overall_score": score, "classification": klass, "segment": segment,
            "arr": arr}


def churn_result(customer_id, score, tier, arr=10000):
    return {"customer_id": customer_id, "risk_score": score, "risk_tier": tier, "segment": "smb", "arr": arr}


def brute_force_auc(scored, lower_is_riskier):
    """Every (churned, retained) pair compared, ties counted half: what the rank sums must equal."""
    churned = [s for s, outcome in scored if outcome]
    retained = [s for s, outcome in scored if not outcome]
    wins = 0.0
    for c, r in itertools.product(churned, retained):
        if c == r:
            wins += 0.5
        elif (c < r) == lower_is_riskier:
            wins += 1
    return wins / (len(churned) * len(retained))


# --- AUC ---------------------------------------------------------------------------------------

def test_auc_is_one_when_every_churned_account_scored_riskier():
    assert bt.area_under_curve([(90, True), (80, True), (20, False)])["auc"] == 1.0


def test_auc_is_zero_when_the_score_ranks_exactly_backwards():
    assert bt.area_under_curve([(10, True), (80, False), (90, False)])["auc"] == 0.0


def test_a_tie_between_a_churned_and_a_retained_account_counts_half():
    result = bt.area_under_curve([(50, True), (50, False)])
    assert result == {"auc": 0.5, "pairs": 1, "churned_riskier": 0, "ties": 1, "reason": None}


def test_auc_with_ties_worked_by_hand():
    # churned 90, 70; retained 70, 20: pairs 90>70, 90>20, 70=70 (half), 70>20 -> 3.5 / 4
    result = bt.area_under_curve([(90, True), (70, False), (70, True), (20, False)])
    assert result["auc"] == 0.875
    assert (result["pairs"], result["churned_riskier"], result["ties"]) == (4, 3, 1)


def test_for_health_a_lower_score_is_the_riskier_one():
    scored = [(30.0, True), (45.5, True), (60.0, False), (85.0, False)]
    assert bt.area_under_curve(scored, lower_is_riskier=True)["auc"] == 1.0
    assert bt.area_under_curve(scored, lower_is_riskier=False)["auc"] == 0.0


def test_rank_sum_auc_equals_counting_every_pair():
    rng = random.Random(7)
    for lower in (True, False):
        scored = [(round(rng.uniform(0, 100), 0), rng.random() < 0.3) for _ in range(300)]
        assert bt.area_under_curve(scored, lower)["auc"] == round(brute_force_auc(scored, lower), 4)


@pytest.mark.parametrize("scored, reason", [
    ([], "no scored account has an outcome"),
    ([(40, False), (60, False)], "no account with an outcome churned"),
    ([(40, True), (60, True)], "every account with an outcome churned"),
])
def test_auc_is_null_with_a_reason_when_there_is_no_pair(scored, reason):
    result = bt.area_under_curve(scored)
    assert result["auc"] is None and result["pairs"] == 0
    assert result["reason"].startswith(reason)


# --- Bands, top K, ranking ----------------------------------------------------------------------

def test_band_lift_is_the_band_churn_rate_over_the_base_rate():
    rows = [("red", True), ("red", True), ("red", False), ("yellow", True), ("yellow", False),
            ("green", False), ("green", False), ("green", False)]
    table = bt.band_table(rows, ("red", "yellow", "green"), 3 / 8)
    # red 2/3 over 3/8 = 16/9; yellow 1/2 over 3/8 = 4/3; green 0
    assert table["red"] == {"accounts": 3, "churned": 2, "churn_rate": 0.6667, "lift": 1.7778}
    assert table["yellow"] == {"accounts": 2, "churned": 1, "churn_rate": 0.5, "lift": 1.3333}
    assert table["green"] == {"accounts": 3, "churned": 0, "churn_rate": 0.0, "lift": 0.0}


def test_an_empty_band_has_null_rate_and_lift_and_no_base_rate_means_null_lift():
    table = bt.band_table([("green", False)], ("red", "green"), 0.0)
    assert table["red"] == {"accounts": 0, "churned": 0, "churn_rate": None, "lift": None}
    assert table["green"]["lift"] is None


def test_precision_and_recall_at_k_count_the_churned_among_the_k_riskiest():
    ranked = [True, True, False, True, False, False]
    assert bt.at_k(ranked, 3, 3) == {"k": 3, "accounts": 3, "churned": 2, "precision": 0.6667, "recall": 0.6667}


def test_k_larger_than_the_book_takes_every_account():
    assert bt.at_k([True, False], 10, 1) == {"k": 10, "accounts": 2, "churned": 1, "precision": 0.5,
                                             "recall": 1.0}


def test_equal_scores_at_the_cut_go_to_the_larger_arr_then_the_customer_id():
    results = [health_result("B", 40.0, "red", arr=100), health_result("A", 40.0, "red", arr=100),
               health_result("C", 40.0, "red", arr=900), health_result("D", 20.0, "red", arr=1)]
    ordered = sorted(results, key=bt.ranking_key(bt.HEALTH))
    assert [r["customer_id"] for r in ordered] == ["D", "C", "A", "B"]
    report = bt.backtest(results, {"A": True, "B": False, "C": False, "D": False}, bt.HEALTH, METHODOLOGY,
                         capacity=3)
    assert report["capacity"] == {"k": 3, "accounts": 3, "churned": 1, "precision": 0.3333, "recall": 1.0,
                                  "basis": "--capacity"}


def test_capacity_defaults_to_the_size_of_the_top_band_with_an_outcome():
    results = [churn_result("A", 90.0, "critical"), churn_result("B", 85.0, "critical"),
               churn_result("C", 82.0, "critical"), churn_result("D", 10.0, "low")]
    report = bt.backtest(results, {"A": True, "B": False, "D": False}, bt.CHURN, METHODOLOGY)
    assert report["capacity"]["k"] == 2
    assert report["capacity"]["basis"] == "the size of the critical band"
    assert (report["capacity"]["precision"], report["capacity"]["recall"]) == (0.5, 1.0)


# --- Floors ------------------------------------------------------------------------------------

def floors_by_name(checks):
    return {check["check"]: check for check in checks}


def test_a_top_band_at_exactly_three_times_the_base_rate_passes():
    # 15 accounts, 3 churned (base 20%); red 3 of 5 (60%): exactly 3x
    matched = [("red", True)] * 3 + [("red", False)] * 2 + [("green", False)] * 10
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, [band for band, _ in matched]))
    assert checks["top_band_lift"]["figure"] == 3.0
    assert checks["top_band_lift"]["passed"] is True


def test_a_top_band_just_under_three_times_the_base_rate_fails():
    matched = [("red", True)] * 2 + [("red", False)] * 1 + [("yellow", True)] + [("green", False)] * 6
    # base 3/10; red 2/3 -> lift 20/9 = 2.2222
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, [band for band, _ in matched]))
    assert checks["top_band_lift"]["figure"] == 2.2222
    assert checks["top_band_lift"]["passed"] is False


def test_exactly_two_thirds_of_churned_flagged_passes_and_fewer_fails():
    matched = [("red", True), ("yellow", True), ("green", True), ("green", False)]
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, [band for band, _ in matched]))
    assert checks["churned_flagged_share"]["figure"] == 0.6667
    assert checks["churned_flagged_share"]["passed"] is True
    matched = [("red", True), ("green", True), ("green", True), ("green", False)]
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, [band for band, _ in matched]))
    assert checks["churned_flagged_share"]["passed"] is False


def test_for_churn_medium_risk_or_above_counts_as_flagged():
    matched = [("medium", True), ("high", True), ("low", True), ("low", False)]
    checks = floors_by_name(bt.floor_checks(bt.CHURN, matched, [band for band, _ in matched]))
    assert checks["churned_flagged_share"]["passed"] is True
    assert "at medium risk or above" in checks["churned_flagged_share"]["rule"]


def test_the_safe_band_ceiling_is_judged_on_the_whole_scored_book():
    matched = [("red", True), ("green", False)]
    book = ["green"] * 8 + ["red", "yellow"]  # exactly 80% green: passes
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, book))
    assert (checks["safe_band_share"]["figure"], checks["safe_band_share"]["passed"]) == (0.8, True)
    book = ["green"] * 9 + ["red"]
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, book))
    assert (checks["safe_band_share"]["figure"], checks["safe_band_share"]["passed"]) == (0.9, False)


def test_floors_that_cannot_be_judged_are_null_with_a_reason():
    matched = [("green", False), ("yellow", False)]
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, matched, ["green", "yellow"]))
    for name in ("top_band_lift", "churned_flagged_share"):
        assert checks[name]["passed"] is None and checks[name]["reason"] == "no account with an outcome churned"
    checks = floors_by_name(bt.floor_checks(bt.HEALTH, [("green", True), ("yellow", False)], ["green", "yellow"]))
    assert checks["top_band_lift"]["reason"] == "no account with an outcome is red"


# --- Suggested cut-offs ------------------------------------------------------------------------

def test_the_best_split_maximises_youden_j_at_the_midpoint_of_the_gap():
    # lower is riskier: churned 30, 40, 55; retained 70, 80 -> split between 55 and 70, J = 1
    points = [(30.0, True), (40.0, True), (55.0, True), (70.0, False), (80.0, False)]
    assert bt.best_split(points, bt.HEALTH) == (62.5, 1.0, None)


def test_a_tie_on_j_goes_to_the_cut_off_nearest_the_current_one():
    # higher is riskier: churned 85, 65; retained 70, 20. Cuts at 77.5 and 42.5 both give J = 0.5
    points = [(85.0, True), (70.0, False), (65.0, True), (20.0, False)]
    assert bt.best_split(points, bt.CHURN, 80) == (77.5, 0.5, None)
    assert bt.best_split(points, bt.CHURN, 40) == (42.5, 0.5, None)


def test_a_split_between_neighbouring_tenths_lands_on_the_riskier_sides_far_edge():
    # churn: flagged >= t; neighbours 64.1 (retained) and 64.2 (churned): the cut-off must be 64.2
    threshold, _, _ = bt.best_split([(64.2, True), (64.1, False)], bt.CHURN)
    assert threshold == 64.2
    # health: flagged < t; neighbours 50.0 (churned) and 50.1 (retained): the cut-off must be 50.1
    threshold, _, _ = bt.best_split([(50.0, True), (50.1, False)], bt.HEALTH)
    assert threshold == 50.1


def test_no_split_is_suggested_when_the_score_does_no_better_than_chance():
    backwards = [(80.0, False), (20.0, True)]  # churn: the churned account has the lowest risk
    threshold, j, reason = bt.best_split(backwards, bt.CHURN)
    assert threshold is None and j is None
    assert reason == "no cut-off separates churned from retained better than chance here"


def test_inner_boundaries_split_the_accounts_the_outer_boundary_flags():
    # health, one segment. Outer (green): churned 20, 35, 45 vs retained 30, 60, 80 -> best cut 52.5
    # (J = 1 - 1/3). Inner (yellow) among scores < 52.5: churned 20 / retained 30 / churned 35, 45
    points = [(20.0, True), (30.0, False), (35.0, True), (45.0, True), (60.0, False), (80.0, False)]
    entries, suggested = bt.suggest_cutoffs(points, bt.HEALTH, {"green": 70, "yellow": 45})
    assert suggested["green"] == 52.5
    green, yellow = entries
    assert (green["youden_j"], green["flagged"], green["precision"], green["recall"]) == (0.6667, 4, 0.75, 1.0)
    # inside: cut at 25.0 gives J = 1/3 - 0; cut at 32.5 gives 1/3 - 1 < 0; best is 25.0
    assert yellow["suggested"] == 25.0
    assert (yellow["precision"], yellow["recall"]) == (1.0, 0.3333)
    assert yellow["suggested"] < green["suggested"]


def test_an_inner_boundary_without_a_split_moves_past_a_crossing_outer_one():
    # churn: every account at 60 or more churned, none below: medium lands at 55.0; high (60) and
    # critical (80) have nothing to separate above it; high is kept (60 > 55), critical kept
    points = [(90.0, True), (70.0, True), (60.0, True), (50.0, False), (10.0, False)]
    entries, suggested = bt.suggest_cutoffs(points, bt.CHURN, {"medium": 40, "high": 60, "critical": 80})
    assert suggested == {"medium": 55.0}
    # with high at 50 the kept value would cross medium 55.0: it moves one step past it
    entries, suggested = bt.suggest_cutoffs(points, bt.CHURN, {"medium": 40, "high": 50, "critical": 80})
    assert suggested == {"medium": 55.0, "high": 55.1}
    assert "moved to 55.1" in entries[1]["reason"]


def test_suggested_cut_offs_paste_into_a_config_that_loads(tmp_path):
    results = [health_result(f"H{i}", score, klass, segment)
               for i, (score, klass, segment) in enumerate([
                   (30.0, "red", "enterprise"), (55.0, "yellow", "enterprise"), (80.0, "green", "enterprise"),
                   (40.0, "red", "smb"), (62.0, "yellow", "smb"), (90.0, "green", "smb")])]
    outcomes = {"H0": True, "H1": True, "H2": False, "H3": True, "H4": False, "H5": False}
    report = bt.backtest(results, outcomes, bt.HEALTH, METHODOLOGY)
    patch = report["suggested_cutoffs"]["config_patch"]
    # enterprise: churned 30, 55 / retained 80 -> green 67.5; below it all churned, so yellow stays 50.
    # smb: churned 40 / retained 62, 90 -> green 51.0; mid-market has no outcome: nothing suggested.
    assert patch == {"health": {"classification": {"enterprise": {"green": 67.5}, "smb": {"green": 51.0}}}}
    path = tmp_path / "patch.json"
    path.write_text(json.dumps(patch))
    assert load_methodology(str(path))["health"]["classification"]["enterprise"] == {"green": 67.5, "yellow": 50}


def test_churn_config_patch_names_the_tier_minimum_scores(tmp_path):
    results = [churn_result("A", 90.0, "critical"), churn_result("B", 70.0, "high"),
               churn_result("C", 45.0, "medium"), churn_result("D", 30.0, "low"), churn_result("E", 5.0, "low")]
    report = bt.backtest(results, {"A": True, "B": True, "C": False, "D": True, "E": False}, bt.CHURN, METHODOLOGY)
    # churned 90, 70, 30 / retained 45, 5: the best outer cut is between 45 and 70 (J = 2/3 - 0);
    # above it every account churned, so high (60) and critical (80) stay.
    patch = report["suggested_cutoffs"]["config_patch"]
    assert patch == {"churn": {"tiers": {"medium": {"min_score": 57.5}}}}
    path = tmp_path / "patch.json"
    path.write_text(json.dumps(patch))
    load_methodology(str(path))


# --- The whole backtest ------------------------------------------------------------------------

def test_unmatched_outcomes_are_listed_both_ways():
    results = [health_result("A", 30.0, "red"), health_result("B", 80.0, "green"), health_result("C", 60.0, "yellow")]
    outcomes = {"A": True, "B": False, "ZZ-404": True, "REJ-1": False}
    report = bt.backtest(results, outcomes, bt.HEALTH, METHODOLOGY, rejected_ids=["REJ-1"])
    assert report["accounts"] == 2
    assert report["unmatched_outcomes"] == {
        "not_in_portfolio": {"count": 1, "customer_ids": ["ZZ-404"]},
        "rejected_in_portfolio": {"count": 1, "customer_ids": ["REJ-1"]},
        "scored_without_outcome": {"count": 1, "customer_ids": ["C"]},
    }


def test_no_overlap_gives_null_figures_with_reasons_and_no_nan():
    results = [health_result("A", 30.0, "red"), health_result("B", 80.0, "green")]
    report = bt.backtest(results, {"X": True}, bt.HEALTH, METHODOLOGY)
    assert (report["accounts"], report["churned"], report["base_rate"], report["auc"]) == (0, 0, None, None)
    assert report["auc_reason"] == "no scored account has an outcome"
    assert all(band["churn_rate"] is None for band in report["by_class"].values())
    assert report["suggested_cutoffs"]["config_patch"] == {}
    json.dumps(report, allow_nan=False)


@pytest.mark.parametrize("churned", [True, False], ids=["all-churned", "none-churned"])
def test_a_book_where_all_or_none_churned_backtests_without_a_crash(churned):
    results = [churn_result(f"A{i}", float(i * 10), "low") for i in range(4)]
    report = bt.backtest(results, {f"A{i}": churned for i in range(4)}, bt.CHURN, METHODOLOGY)
    assert report["auc"] is None and report["auc_reason"]
    assert report["suggested_cutoffs"]["config_patch"] == {}
    json.dumps(report, allow_nan=False)


# --- Reading outcomes --------------------------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_outcomes_accept_yes_no_one_zero_and_an_optional_date(tmp_path):
    path = write(tmp_path, "o.csv", "customer_id,churned,outcome_date\nA,yes,2026-12-01\nB,0,\nC,TRUE,\nD,no,\n")
    outcomes = bt.read_outcomes(path)
    assert {i: o.churned for i, o in outcomes.by_id.items()} == {"A": True, "B": False, "C": True, "D": False}
    assert outcomes.by_id["A"].outcome_date.isoformat() == "2026-12-01"
    assert outcomes.rejected == []


def test_json_lines_and_json_array_outcomes_read_the_same(tmp_path):
    rows = [{"customer_id": "A", "churned": True}, {"customer_id": "B", "churned": False}]
    lines = bt.read_outcomes(write(tmp_path, "o.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n"))
    array = bt.read_outcomes(write(tmp_path, "o.json", json.dumps(rows)))
    assert {i: o.churned for i, o in lines.by_id.items()} == {i: o.churned for i, o in array.by_id.items()}


def test_malformed_outcome_rows_are_listed_with_row_and_field_and_the_rest_is_kept(tmp_path):
    path = write(tmp_path, "o.csv", "customer_id,churned,outcome_date\nA,yes,\nB,maybe,\n,no,\nC,no,31/12/2026\nA,no,\n")
    outcomes = bt.read_outcomes(path)
    assert list(outcomes.by_id) == ["A"]
    lines = [f"{bt.where(entry)}: {problem}" for entry in outcomes.rejected for problem in entry["errors"]]
    assert lines == [
        f'{path} row 3 (B): churned must be true or false, got "maybe"',
        f"{path} row 4: customer_id is missing",
        f'{path} row 5 (C): outcome_date must be a date written YYYY-MM-DD, got "31/12/2026"',
        f'{path} row 6 (A): duplicate customer_id "A": the first is at {path} row 2; only the first is used',
    ]


def test_json_outcomes_must_say_churned_as_a_boolean(tmp_path):
    path = write(tmp_path, "o.json", json.dumps([{"customer_id": "A", "churned": True},
                                                 {"customer_id": "B", "churned": "yes"}, 7]))
    outcomes = bt.read_outcomes(path)
    assert [entry["errors"] for entry in outcomes.rejected] == [
        ['churned must be true or false, got "yes"'],
        ["outcome must be an object with customer_id and churned, got 7"],
    ]
    assert [entry["location"] for entry in outcomes.rejected] == [f"{path}[1]", f"{path}[2]"]


@pytest.mark.parametrize("name, content, message", [
    ("o.csv", "", "is empty"),
    ("o.csv", "id,churned\nA,yes\n", "has no customer_id column"),
    ("o.json", "[]", "has no outcomes"),
    ("o.json", '{"outcomes": []}', "must be a JSON array of outcomes"),
    ("o.json", "[{", "is not valid JSON"),
], ids=["empty", "no-id-column", "no-rows", "object", "broken"])
def test_an_unreadable_outcomes_file_is_an_input_error_naming_it(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as caught:
        bt.read_outcomes(path)
    assert str(caught.value).startswith(f"outcomes file {path}") and message in str(caught.value)


def test_an_outcomes_file_with_no_usable_row_lists_every_problem(tmp_path):
    path = write(tmp_path, "o.csv", "customer_id,status\nA,gone\nB,gone\n")
    with pytest.raises(InputError) as caught:
        bt.read_outcomes(path)
    assert str(caught.value).splitlines() == [
        f"{path} row 2 (A): churned is missing (true or false)",
        f"{path} row 3 (B): churned is missing (true or false)",
        f"no outcome in {path} could be used (2 rejected)",
    ]


def test_outcomes_read_from_standard_input():
    stream = io.BufferedReader(io.BytesIO(b"customer_id,churned\nA,yes\n"))
    outcomes = bt.read_outcomes("-", stdin=stream)
    assert outcomes.by_id["A"].churned is True
