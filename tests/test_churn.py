"""The churn risk analysis as pure functions: figures worked out by hand from references/methodology.md section 2."""

import copy
import datetime
import json
import random

import pytest

from conftest import NORTHWIND, SAMPLE
from csm.config import churn as churn_section
from csm.report.summaries import ChurnSummary
from csm.score import churn
from csm.errors import ConfigError, RecordRejected
from csm.config.methodology import default_methodology, load_methodology

AS_OF = datetime.date(2026, 11, 22)

# A record with every churn field and no risk in any of them, renewing in a year
# (multiplier 1.0). Its only points come from satisfaction "improving" (10 x 0.30 = 3.0
# support issues), so raw = 3.0 x 0.20 = 0.6.
QUIET = {
    "customer_id": "C-1", "name": "Quiet Co", "segment": "smb", "arr": 10000,
    "contract_end_date": "2027-11-22",
    "usage_decline": {"login_trend": 0, "feature_adoption_change": 0, "dau_mau_change": 0},
    "engagement_drop": {"meeting_cancellations": 0, "response_time_days": 1, "nps_change": 0},
    "support_issues": {"open_escalations": 0, "unresolved_critical": 0, "satisfaction_trend": "improving"},
    "relationship_signals": {"champion_left": False, "sponsor_change": False, "competitor_mentions": 0},
    "commercial_factors": {"contract_type": "annual", "pricing_complaints": False, "budget_cuts_mentioned": False},
}

# Support issues 88.0, relationship 100.0, commercial 100.0 and engagement 41.6:
# raw = 0.25 x 41.6 + 0.20 x 88.0 + 0.15 x 100 + 0.10 x 100 = 53.0.
# engagement = 0.30 x 25 x 2 + 0.35 x 15 x (3.4 - 1) + 0.35 x 20 x 2 = 15 + 12.6 + 14 = 41.6
# support = 0.35 x 35 x 2 (70) + 0.35 x 50 x 2 (100) + 0.30 x 95 = 24.5 + 35 + 28.5 = 88.0
STRAINED = {
    **QUIET,
    "usage_decline": {"login_trend": 0, "feature_adoption_change": 0, "dau_mau_change": 0},
    "engagement_drop": {"meeting_cancellations": 2, "response_time_days": 3.4, "nps_change": -2},
    "support_issues": {"open_escalations": 2, "unresolved_critical": 2, "satisfaction_trend": "critical"},
    "relationship_signals": {"champion_left": True, "sponsor_change": True, "competitor_mentions": 3},
    "commercial_factors": {"contract_type": "month-to-month", "pricing_complaints": True,
                           "budget_cuts_mentioned": True},
}


@pytest.fixture(scope="module")
def model():
    return churn.prepare(default_methodology(), AS_OF)


def record(base=QUIET, **sections):
    """A copy of `base` with the given sections' fields replaced (None drops a field or a section)."""
    result = copy.deepcopy(base)
    for name, fields in sections.items():
        if fields is None:
            result.pop(name, None)
        elif isinstance(fields, dict):
            section = result.setdefault(name, {})
            for field, value in fields.items():
                if value is None:
                    section.pop(field, None)
                else:
                    section[field] = value
        else:
            result[name] = fields
    return result


def signal(result, name):
    return result["signal_scores"][name]["score"]


def test_the_default_methodology_passes_its_own_checks():
    methodology = default_methodology()
    assert churn_section.check(methodology["churn"], methodology) == []


def test_the_worked_account_scores_as_worked_out_by_hand(model):
    # usage = 0.40 x 36 + 0.35 x 16 + 0.25 x 25 = 26.25 -> 26.2
    # engagement = 0.30 x 25 + 0.35 x 30 + 0.35 x 40 = 32.0
    # support = 0.35 x 35 + 0.35 x 0 + 0.30 x 30 = 21.25 -> 21.2
    # relationship = 30 (sponsor change) + 12 (one competitor mention) = 42
    # commercial = 0 (annual, no complaints, no budget cuts)
    # raw = 0.30 x 26.2 + 0.25 x 32.0 + 0.20 x 21.2 + 0.15 x 42 + 0.10 x 0 = 26.4
    # 2026-11-22 -> 2027-03-31 is 129 days: multiplier 1.1; risk = 26.4 x 1.1 = 29.04 -> 29.0
    result = churn.assess(NORTHWIND, model)
    assert {name: s["score"] for name, s in result["signal_scores"].items()} == {
        "usage_decline": 26.2, "engagement_drop": 32.0, "support_issues": 21.2,
        "relationship_signals": 42.0, "commercial_factors": 0.0,
    }
    assert {name: s["weight"] for name, s in result["signal_scores"].items()} == {
        "usage_decline": 0.30, "engagement_drop": 0.25, "support_issues": 0.20,
        "relationship_signals": 0.15, "commercial_factors": 0.10,
    }
    assert result["raw_score"] == 26.4
    assert result["days_to_renewal"] == 129
    assert result["urgency_multiplier"] == 1.1
    assert result["risk_score"] == 29.0
    assert (result["risk_tier"], result["risk_label"]) == ("low", "Low Risk")
    assert result["renewal_status"] == "scheduled"
    assert result["data_completeness"] == 100.0
    assert result["missing_fields"] == []


def test_the_result_keeps_the_published_field_names_in_a_fixed_order(model):
    assert list(churn.assess(NORTHWIND, model)) == [
        "customer_id", "name", "segment", "arr", "owner", "contract_start_date", "risk_score", "raw_score",
        "risk_tier", "risk_label", "churn_probability", "urgency_multiplier", "days_to_renewal", "contract_end_date", "renewal_status", "signal_scores",
        "warning_signals", "recommended_actions", "why", "path_to_lower_risk", "data_completeness", "missing_fields", "notes",
        "next_action",
    ]


def test_a_quiet_account_scores_only_its_improving_satisfaction(model):
    result = churn.assess(QUIET, model)
    assert signal(result, "support_issues") == 3.0
    assert (result["raw_score"], result["risk_score"], result["risk_tier"]) == (0.6, 0.6, "low")
    assert result["warning_signals"] == []


@pytest.mark.parametrize("field, value, expected", [
    ("login_trend", -10, 12.0),               # 0.40 x 3 x 10
    ("login_trend", -40, 40.0),               # 3 x 40 = 120, clamped to 100
    ("login_trend", 25, 0.0),                 # growth is no decline
    ("feature_adoption_change", -10, 14.0),   # 0.35 x 4 x 10
    ("dau_mau_change", -0.1, 12.5),           # 0.25 x 500 x 0.1
    ("dau_mau_change", -0.3, 25.0),           # 500 x 0.3 = 150, clamped to 100
])
def test_usage_decline_weighs_each_drop_as_published(model, field, value, expected):
    assert signal(churn.assess(record(usage_decline={field: value}), model), "usage_decline") == expected


@pytest.mark.parametrize("field, value, expected", [
    ("meeting_cancellations", 2, 15.0),       # 0.30 x 25 x 2
    ("meeting_cancellations", 5, 30.0),       # 125, clamped to 100
    ("response_time_days", 5, 21.0),          # 0.35 x 15 x (5 - 1)
    ("response_time_days", 0, 0.0),           # 15 x (0 - 1) is below 0: clamped
    ("nps_change", -3, 21.0),                 # 0.35 x 20 x 3
    ("nps_change", 4, 0.0),                   # a rise is no drop
])
def test_engagement_drop_weighs_each_sign_as_published(model, field, value, expected):
    assert signal(churn.assess(record(engagement_drop={field: value}), model), "engagement_drop") == expected


@pytest.mark.parametrize("fields, expected", [
    ({"open_escalations": 2}, 27.5),                          # 0.35 x 70 + 0.30 x 10
    ({"unresolved_critical": 1}, 20.5),                       # 0.35 x 50 + 3
    ({"unresolved_critical": 3}, 38.0),                       # 150 clamped: 0.35 x 100 + 3
    ({"satisfaction_trend": "stable"}, 9.0),                  # 0.30 x 30
    ({"satisfaction_trend": "declining"}, 21.0),              # 0.30 x 70
    ({"satisfaction_trend": "critical"}, 28.5),               # 0.30 x 95
])
def test_support_issues_weigh_escalations_critical_tickets_and_satisfaction(model, fields, expected):
    assert signal(churn.assess(record(support_issues=fields), model), "support_issues") == expected


@pytest.mark.parametrize("fields, expected", [
    ({"champion_left": True}, 45.0),
    ({"sponsor_change": True}, 30.0),
    ({"competitor_mentions": 1}, 12.0),
    ({"competitor_mentions": 2}, 24.0),
    ({"competitor_mentions": 3}, 35.0),       # three or more: 35, not 36
    ({"competitor_mentions": 7}, 35.0),
    ({"champion_left": True, "sponsor_change": True, "competitor_mentions": 3}, 100.0),  # 110, capped
])
def test_relationship_signals_add_their_points(model, fields, expected):
    assert signal(churn.assess(record(relationship_signals=fields), model), "relationship_signals") == expected


@pytest.mark.parametrize("fields, expected", [
    ({"contract_type": "month-to-month"}, 30.0),
    ({"contract_type": "quarterly"}, 15.0),
    ({"contract_type": "multi-year"}, 0.0),
    ({"pricing_complaints": True}, 35.0),
    ({"budget_cuts_mentioned": True}, 40.0),
    ({"contract_type": "month-to-month", "pricing_complaints": True, "budget_cuts_mentioned": True}, 100.0),
])
def test_commercial_factors_add_their_points(model, fields, expected):
    assert signal(churn.assess(record(commercial_factors=fields), model), "commercial_factors") == expected


def test_raw_is_the_weighted_sum_of_the_rounded_signal_scores(model):
    result = churn.assess(record(STRAINED), model)
    assert [s["score"] for s in result["signal_scores"].values()] == [0.0, 41.6, 88.0, 100.0, 100.0]
    assert result["raw_score"] == 53.0
    assert result["risk_score"] == 53.0  # renewal a year out: multiplier 1.0


@pytest.mark.parametrize("end_date, days, multiplier, status", [
    ("2026-11-22", 0, 1.5, "due"),
    ("2026-12-22", 30, 1.5, "due"),
    ("2026-12-23", 31, 1.35, "due"),
    ("2027-01-21", 60, 1.35, "due"),
    ("2027-01-22", 61, 1.2, "due"),
    ("2027-02-20", 90, 1.2, "due"),
    ("2027-02-21", 91, 1.1, "scheduled"),
    ("2027-05-21", 180, 1.1, "scheduled"),
    ("2027-05-22", 181, 1.0, "scheduled"),
])
def test_renewal_urgency_bands_include_their_last_day(model, end_date, days, multiplier, status):
    result = churn.assess(record(STRAINED, contract_end_date=end_date), model)
    assert (result["days_to_renewal"], result["urgency_multiplier"], result["renewal_status"]) == \
        (days, multiplier, status)
    assert result["risk_score"] == min(100.0, round(53.0 * multiplier, 1))


def test_a_renewal_20_days_out_lifts_53_to_79_5_which_is_high_not_low(model):
    result = churn.assess(record(STRAINED, contract_end_date="2026-12-12"), model)
    assert (result["days_to_renewal"], result["urgency_multiplier"]) == (20, 1.5)
    assert (result["risk_score"], result["risk_tier"], result["risk_label"]) == (79.5, "high", "High Risk")


def test_59_9_is_medium_not_low(model):
    # usage = 0.25 x 500 x 0.184 = 23.0; raw = 53.0 + 0.30 x 23.0 = 59.9
    result = churn.assess(record(STRAINED, usage_decline={"dau_mau_change": -0.184}), model)
    assert (result["raw_score"], result["risk_score"], result["risk_tier"]) == (59.9, 59.9, "medium")


def test_exactly_80_is_critical(model):
    # usage = 0.40 x 100 (login -40, clamped) + 0.35 x 100 (adoption -25) + 0.25 x 60 (dau/mau -0.12) = 90.0
    # raw = 53.0 + 0.30 x 90.0 = 80.0
    result = churn.assess(record(STRAINED, usage_decline={"login_trend": -40, "feature_adoption_change": -25,
                                                          "dau_mau_change": -0.12}), model)
    assert (signal(result, "usage_decline"), result["risk_score"], result["risk_tier"]) == (90.0, 80.0, "critical")
    assert result["risk_label"] == "Critical Risk"


@pytest.mark.parametrize("score, tier", [
    (100.0, "critical"), (80.0, "critical"), (79.9, "high"), (79.5, "high"), (60.0, "high"),
    (59.9, "medium"), (40.0, "medium"), (39.9, "low"), (0.0, "low"),
])
def test_tiers_have_no_gaps(model, score, tier):
    assert churn.classify(score, model.tier_cuts) == tier


def test_a_lapsed_renewal_keeps_its_negative_days_and_the_highest_multiplier(model):
    result = churn.assess(record(STRAINED, contract_end_date="2026-11-17"), model)
    assert result["days_to_renewal"] == -5
    assert result["renewal_status"] == "lapsed"
    assert result["urgency_multiplier"] == 1.5
    assert result["risk_score"] == 79.5
    assert result["warning_signals"][0] == {
        "severity": "critical", "signal": "renewal", "message": "renewal lapsed 5 days ago on 2026-11-17"}


def test_a_lapsed_renewal_warns_even_on_a_quiet_account(model):
    result = churn.assess(record(contract_end_date="2026-11-21"), model)
    assert result["warning_signals"] == [
        {"severity": "critical", "signal": "renewal", "message": "renewal lapsed 1 day ago on 2026-11-21"}]
    assert (result["risk_score"], result["risk_tier"]) == (0.9, "low")  # 0.6 x 1.5


def test_no_end_date_means_no_multiplier_and_an_unknown_renewal(model):
    result = churn.assess(record(STRAINED, contract_end_date=None), model)
    assert result["days_to_renewal"] is None
    assert result["contract_end_date"] is None
    assert result["renewal_status"] == "unknown"
    assert result["urgency_multiplier"] == 1.0
    assert result["risk_score"] == 53.0
    assert result["missing_fields"] == ["contract_end_date"]
    assert result["notes"] == ["renewal date unknown (no contract_end_date): no urgency multiplier applied"]
    assert result["data_completeness"] == 100.0


def test_warnings_are_listed_most_severe_first_with_their_signal(model):
    assert churn.assess(NORTHWIND, model)["warning_signals"] == [
        {"severity": "high", "signal": "usage_decline", "message": "Login trend -12%, at or below -10%"},
        {"severity": "high", "signal": "engagement_drop", "message": "NPS change -2 points, at or below -2 points"},
        {"severity": "high", "signal": "relationship_signals", "message": "Executive sponsor changed"},
        {"severity": "medium", "signal": "support_issues", "message": "Open escalations 1, at or above 1"},
        {"severity": "medium", "signal": "relationship_signals", "message": "Competitor mentions 1, at or above 1"},
    ]


@pytest.mark.parametrize("section, field, value, severity", [
    ("usage_decline", "login_trend", -5, None),
    ("usage_decline", "login_trend", -5.5, "medium"),
    ("usage_decline", "login_trend", -10, "high"),
    ("usage_decline", "login_trend", -20, "critical"),
    ("usage_decline", "feature_adoption_change", -5, None),
    ("usage_decline", "feature_adoption_change", -6, "medium"),
    ("usage_decline", "feature_adoption_change", -15, "high"),
    ("usage_decline", "dau_mau_change", -0.09, None),
    ("usage_decline", "dau_mau_change", -0.10, "high"),
    ("engagement_drop", "meeting_cancellations", 1, None),
    ("engagement_drop", "meeting_cancellations", 2, "high"),
    ("engagement_drop", "meeting_cancellations", 3, "critical"),
    ("engagement_drop", "response_time_days", 3.9, None),
    ("engagement_drop", "response_time_days", 4, "high"),
    ("engagement_drop", "response_time_days", 7, "critical"),
    ("engagement_drop", "nps_change", -1, None),
    ("engagement_drop", "nps_change", -2, "high"),
    ("engagement_drop", "nps_change", -4, "critical"),
    ("support_issues", "unresolved_critical", 1, "high"),
    ("support_issues", "unresolved_critical", 2, "critical"),
    ("support_issues", "open_escalations", 1, "medium"),
    ("support_issues", "open_escalations", 2, "high"),
    ("support_issues", "satisfaction_trend", "stable", None),
    ("support_issues", "satisfaction_trend", "declining", "high"),
    ("support_issues", "satisfaction_trend", "critical", "critical"),
    ("relationship_signals", "champion_left", True, "critical"),
    ("relationship_signals", "sponsor_change", True, "high"),
    ("relationship_signals", "competitor_mentions", 1, "medium"),
    ("relationship_signals", "competitor_mentions", 3, "critical"),
    ("commercial_factors", "contract_type", "quarterly", None),
    ("commercial_factors", "contract_type", "month-to-month", "medium"),
    ("commercial_factors", "pricing_complaints", True, "high"),
    ("commercial_factors", "budget_cuts_mentioned", True, "high"),
])
def test_each_warning_fires_at_its_published_threshold(model, section, field, value, severity):
    warnings = churn.assess(record(**{section: {field: value}}), model)["warning_signals"]
    assert [w["severity"] for w in warnings] == ([severity] if severity else [])
    if severity:
        assert warnings[0]["signal"] == section


def test_the_lapsed_warning_comes_first_among_the_critical_ones(model):
    warnings = churn.assess(record(STRAINED, contract_end_date="2026-10-01"), model)["warning_signals"]
    assert warnings[0]["message"] == "renewal lapsed 52 days ago on 2026-10-01"
    severities = [w["severity"] for w in warnings]
    assert severities == sorted(severities, key=churn.SEVERITIES.index)


@pytest.mark.parametrize("spelling, label, points", [
    ("Month-to-Month", "month-to-month", 30.0),
    ("month_to_month", "month-to-month", 30.0),
    ("monthly", "month-to-month", 30.0),
    ("MTM", "month-to-month", 30.0),
    ("Quarterly", "quarterly", 15.0),
    ("Multi-Year", "multi-year", 0.0),
    ("multi_year", "multi-year", 0.0),
    ("multiyear", "multi-year", 0.0),
    ("Annual", "annual", 0.0),
    ("yearly", "annual", 0.0),
])
def test_contract_type_accepts_the_spellings_crms_export(model, spelling, label, points):
    result = churn.assess(record(commercial_factors={"contract_type": spelling}), model)
    assert signal(result, "commercial_factors") == points
    expected_warning = [f"Contract type {label}"] if label == "month-to-month" else []
    assert [w["message"] for w in result["warning_signals"]] == expected_warning


@pytest.mark.parametrize("spelling, expected", [("Declining", 21.0), ("CRITICAL", 28.5), (" stable ", 9.0),
                                                ("worsening", 21.0)])
def test_satisfaction_trend_accepts_case_and_crm_spellings(model, spelling, expected):
    assert signal(churn.assess(record(support_issues={"satisfaction_trend": spelling}), model),
                  "support_issues") == expected


def test_an_unknown_contract_type_names_the_accepted_ones(model):
    with pytest.raises(RecordRejected) as caught:
        churn.assess(record(commercial_factors={"contract_type": "weekly"}), model)
    assert caught.value.errors == [
        'commercial_factors.contract_type must be one of annual, multi-year, quarterly, month-to-month, got "weekly"']


def csv_text_of(raw):
    """The record as a CSV row arrives: every value text, booleans as yes/no."""
    def text(value):
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    return {key: ({k: text(v) for k, v in value.items()} if isinstance(value, dict) else text(value))
            for key, value in raw.items()}


def test_csv_text_values_score_like_json(model):
    from_text = churn.assess(csv_text_of(record(STRAINED, contract_end_date="2026-12-12")), model, from_text=True)
    from_json = churn.assess(record(STRAINED, contract_end_date="2026-12-12"), model)
    assert from_text == from_json


@pytest.mark.parametrize("word, expected", [("true", 45.0), ("Yes", 45.0), ("1", 45.0), ("false", 0.0),
                                            ("no", 0.0), ("0", 0.0)])
def test_csv_booleans_accept_true_false_yes_no_1_0(model, word, expected):
    raw = csv_text_of(record(relationship_signals={"champion_left": False}))
    raw["relationship_signals"]["champion_left"] = word
    assert signal(churn.assess(raw, model, from_text=True), "relationship_signals") == expected


def test_json_booleans_are_strict(model):
    with pytest.raises(RecordRejected) as caught:
        churn.assess(record(relationship_signals={"champion_left": "yes", "sponsor_change": 1}), model)
    assert caught.value.errors == [
        'relationship_signals.champion_left must be true or false, got "yes"',
        "relationship_signals.sponsor_change must be true or false, got 1",
    ]


def test_every_problem_of_a_record_is_reported_at_once(model):
    bad = record(
        usage_decline={"login_trend": True, "feature_adoption_change": float("nan"), "dau_mau_change": 1.5},
        engagement_drop={"meeting_cancellations": -1, "response_time_days": float("inf"), "nps_change": "-2"},
        support_issues={"satisfaction_trend": 3},
        relationship_signals=[],
        contract_end_date="2027-02-30",
    )
    bad["arr"] = -5
    with pytest.raises(RecordRejected) as caught:
        churn.assess(bad, model)
    assert caught.value.errors == [
        "arr must be a number of 0 or more, got -5",
        "usage_decline.login_trend must be a number from -100 to 1000, got true",
        "usage_decline.feature_adoption_change must be a number from -100 to 100, got NaN",
        "usage_decline.dau_mau_change must be a number from -1 to 1, got 1.5",
        "engagement_drop.meeting_cancellations must be a number of 0 or more, got -1",
        "engagement_drop.response_time_days must be a number of 0 or more, got Infinity",
        'engagement_drop.nps_change must be a number from -10 to 10, got "-2"',
        "support_issues.satisfaction_trend must be one of improving, stable, declining, critical, got 3",
        "relationship_signals must be an object, got a list",
        'contract_end_date must be a date written YYYY-MM-DD, got "2027-02-30"',
    ]


def test_a_missing_metric_is_never_a_zero(model):
    # feature adoption -10 alone scores 4 x 10 = 40 on the weight present (0.35): usage = 40.0.
    # With login_trend 0 and dau_mau_change 0 present it would be 0.35 x 40 = 14.0.
    sparse = churn.assess(record(usage_decline={"login_trend": None, "dau_mau_change": None,
                                                "feature_adoption_change": -10}), model)
    full = churn.assess(record(usage_decline={"feature_adoption_change": -10}), model)
    assert (signal(sparse, "usage_decline"), signal(full, "usage_decline")) == (40.0, 14.0)
    assert sparse["missing_fields"] == ["usage_decline.login_trend", "usage_decline.dau_mau_change"]
    assert sparse["data_completeness"] == 80.5  # usage's 30 lacks 0.40 + 0.25 of itself: 100 - 19.5


def test_a_points_signal_adds_the_points_present_and_lists_the_rest(model):
    result = churn.assess(record(relationship_signals={"sponsor_change": None, "competitor_mentions": None,
                                                       "champion_left": True}), model)
    assert signal(result, "relationship_signals") == 45.0
    assert result["missing_fields"] == ["relationship_signals.sponsor_change",
                                        "relationship_signals.competitor_mentions"]
    assert result["data_completeness"] == 90.0  # two thirds of relationship's 15


def test_a_signal_with_no_data_is_left_out_and_its_weight_spread(model):
    northwind = copy.deepcopy(NORTHWIND)
    del northwind["commercial_factors"]
    result = churn.assess(northwind, model)
    assert result["signal_scores"]["commercial_factors"] == {"score": None, "weight": 0.10}
    assert result["raw_score"] == 29.3  # 26.4 over the 0.90 present
    assert result["data_completeness"] == 90.0
    assert result["missing_fields"] == ["commercial_factors.contract_type", "commercial_factors.pricing_complaints",
                                        "commercial_factors.budget_cuts_mentioned"]


def test_exactly_half_the_weight_is_enough(model):
    result = churn.assess(record(engagement_drop=None, relationship_signals=None, commercial_factors=None), model)
    assert result["data_completeness"] == 50.0


def test_less_than_half_the_weight_is_insufficient_data(model):
    # Present: usage 30 + one third of relationship's 15 + commercial 10 = 45.
    with pytest.raises(RecordRejected) as caught:
        churn.assess(record(engagement_drop=None, support_issues=None,
                            relationship_signals={"champion_left": None, "sponsor_change": None}), model)
    assert caught.value.errors == [
        "insufficient data: 45% of the churn model's weight has data (at least 50% is needed); missing "
        "relationship_signals.champion_left, relationship_signals.sponsor_change, "
        "every field of engagement_drop, support_issues"
    ]


def test_a_record_with_no_churn_data_is_rejected_naming_what_is_missing(model):
    with pytest.raises(RecordRejected) as caught:
        churn.assess({"customer_id": "X", "segment": "smb", "arr": 100}, model)
    assert caught.value.errors == [
        "insufficient data: 0% of the churn model's weight has data (at least 50% is needed); missing every field "
        "of usage_decline, engagement_drop, support_issues, relationship_signals, commercial_factors"
    ]


def test_why_names_the_signals_that_added_most_points(model):
    assert churn.assess(NORTHWIND, model)["why"] == [
        {"signal": "engagement_drop", "points": 8.0,
         "detail": "Engagement drop 32.0 (NPS change -2 points, Response time 3 days, Meeting cancellations 1)"},
        {"signal": "usage_decline", "points": 7.9,
         "detail": "Usage decline 26.2 (Login trend -12%, DAU/MAU change -0.05, Feature adoption change -4 points)"},
        {"signal": "relationship_signals", "points": 6.3,
         "detail": "Relationship signals 42.0 (Executive sponsor changed, Competitor mentions 1)"},
    ]


def test_each_tier_gets_its_playbook_and_the_actions_say_when(model):
    critical = churn.assess(record(STRAINED, contract_end_date="2026-11-30", usage_decline={"login_trend": -30}),
                            model)
    assert critical["risk_tier"] == "critical"
    assert critical["recommended_actions"] == model.methodology["churn"]["playbooks"]["critical"]
    assert "within 48 hours" in critical["recommended_actions"][0]
    for tier in ("high", "medium"):
        assert any("within" in action for action in model.playbooks[tier])


def config_model(tmp_path, override):
    path = tmp_path / "methodology.json"
    path.write_text(json.dumps(override))
    return churn.prepare(load_methodology(str(path)), AS_OF)


def test_a_config_file_can_replace_a_playbook(tmp_path):
    model = config_model(tmp_path, {"churn": {"playbooks": {"low": ["Send the quarterly newsletter."]}}})
    assert churn.assess(QUIET, model)["recommended_actions"] == ["Send the quarterly newsletter."]


def test_a_config_file_can_move_a_tier_threshold(tmp_path):
    model = config_model(tmp_path, {"churn": {"tiers": {"high": {"min_score": 50}}}})
    result = churn.assess(record(STRAINED), model)
    assert (result["risk_score"], result["risk_tier"]) == (53.0, "high")


def test_a_config_file_can_change_the_renewal_urgency_bands(tmp_path):
    model = config_model(tmp_path, {"churn": {"renewal_urgency": {
        "bands": [{"within_days": 14, "multiplier": 2.0}], "lapsed": 1.0}}})
    soon = churn.assess(record(STRAINED, contract_end_date="2026-12-01"), model)
    lapsed = churn.assess(record(STRAINED, contract_end_date="2026-11-01"), model)
    assert (soon["urgency_multiplier"], soon["risk_score"]) == (2.0, 100.0)
    assert (lapsed["urgency_multiplier"], lapsed["risk_score"]) == (1.0, 53.0)


def test_a_config_file_can_add_a_contract_type(tmp_path):
    model = config_model(tmp_path, {"churn": {"signals": {"commercial_factors": {"metrics": {
        "contract_type": {"values": {"trial": 60}}}}}}})
    assert signal(churn.assess(record(commercial_factors={"contract_type": "Trial"}), model),
                  "commercial_factors") == 60.0


@pytest.mark.parametrize("override, message", [
    ({"churn": {"signals": {"usage_decline": {"weight": "heavy"}}}},
     'churn.signals.usage_decline.weight must be a number, got "heavy"'),
    ({"churn": {"signals": {"usage_decline": {"weight": 0.5}}}},
     "churn.signals: weights sum to 1.2, not 1"),
    ({"churn": {"signals": {"usage_decline": {"metrics": {"login_trend": {"weight": 0.5}}}}}},
     "churn.signals.usage_decline.metrics: weights sum to 1.1, not 1"),
    ({"churn": {"tiers": {"medium": {"min_score": 65}}}},
     "churn.tiers: thresholds out of order (medium min_score 65 is not below high min_score 60)"),
    ({"churn": {"playbooks": {"critical": []}}},
     "churn.playbooks.critical must be a list of at least one action (text)"),
    ({"churn": {"renewal_urgency": {"bands": [{"within_days": 60, "multiplier": 1.5},
                                              {"within_days": 30, "multiplier": 1.2}]}}},
     "churn.renewal_urgency.bands: within_days must increase from band to band (30 follows 60)"),
    ({"churn": {"signals": {"engagement_drop": {"metrics": {"nps_change": {"scoring": "magic"}}}}}},
     "churn.signals.engagement_drop.metrics.nps_change.scoring must be one of decline, rise, count, flag, mapping, banded"),
    ({"churn": {"signals": {"support_issues": {"metrics": {"satisfaction_trend": {
        "warnings": [{"when": "is", "at": "awful", "severity": "critical"}]}}}}}},
     'churn.signals.support_issues.metrics.satisfaction_trend.warnings[0]: a mapping\'s rule is when "is" '
     "with at one of its labels"),
    ({"churn": {"signals": {"usage_decline": {"metrics": {"login_trend": {"warnings": [
        {"when": "at_most", "at": -20, "severity": "severe"}]}}}}}},
     "churn.signals.usage_decline.metrics.login_trend.warnings[0].severity must be one of critical, high, medium, "
     "low"),
    ({"churn": {"renewal_windows_days": [90, 30]}},
     "churn.renewal_windows_days must be in increasing order, each once"),
    ({"churn": {"tiers": {"low": {"min_score": 10}}}},
     "churn.tiers.low.min_score must be 0 (every score below medium is low)"),
    ({"churn": {"signals": {"relationship_signals": {"metrics": {"champion_left": {"weight": 0.5}}}}}},
     "churn.signals.relationship_signals.metrics.champion_left.weight has no use in a points signal "
     "(its metrics add points)"),
    ({"churn": {"sigals": {}}},
     "unknown key churn.sigals (known here: calibration, min_data_completeness, playbooks, renewal_urgency, "
     "renewal_windows_days, signals, tiers, why)"),
])
def test_a_bad_config_is_rejected_naming_the_key(tmp_path, override, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(override))
    with pytest.raises(ConfigError) as caught:
        load_methodology(str(path))
    assert str(caught.value).splitlines() == [f"config {path}: {message}"]


def test_accounts_sort_by_risk_then_arr_then_id():
    results = [
        {"customer_id": "B", "risk_score": 50.0, "arr": 100},
        {"customer_id": "A", "risk_score": 50.0, "arr": 100},
        {"customer_id": "C", "risk_score": 50.0, "arr": 900},
        {"customer_id": "D", "risk_score": 80.0, "arr": 1},
    ]
    assert [r["customer_id"] for r in sorted(results, key=churn.risk_key)] == ["D", "C", "A", "B"]


def test_the_summary_counts_tiers_arr_at_risk_renewals_and_lapses(model):
    accounts = [
        record(STRAINED, customer_id="HIGH-20D", arr=60000, contract_end_date="2026-12-12"),      # 79.5 high
        record(STRAINED, customer_id="CRIT-45D", arr=30000, contract_end_date="2027-01-06",       # (53 + 7.2)
               usage_decline={"login_trend": -20}),                                                # x 1.35 = 81.3
        record(customer_id="LOW-LAPSED", arr=10000, contract_end_date="2026-11-01"),             # 0.9 low
        record(customer_id="LOW-NODATE", arr=0, contract_end_date=None),                          # 0.6 low
    ]
    summary = ChurnSummary(model)
    for raw in accounts:
        summary.add(churn.assess(raw, model))
    assert summary.count == 4
    result = summary.result(rejected_count=2)
    assert (result["total_customers"], result["rejected_count"], result["total_arr"]) == (4, 2, 100000)
    assert (result["critical_count"], result["high_count"], result["medium_count"], result["low_count"]) == \
        (1, 1, 0, 2)
    assert result["tiers"]["low"] == {"count": 2, "share_of_accounts": 50.0, "arr": 10000, "share_of_arr": 10.0}
    assert (result["total_arr_at_risk"], result["arr_at_risk_share"]) == (90000, 90.0)
    assert result["renewals_due"]["next_30_days"] == {
        "days": 30, "count": 1, "arr": 60000, "tiers": {"critical": 0, "high": 1, "medium": 0, "low": 0}}
    assert result["renewals_due"]["next_60_days"]["count"] == 2
    assert result["renewals_due"]["next_90_days"]["arr"] == 90000
    assert result["lapsed_renewals"] == {"count": 1, "arr": 10000, "customer_ids": ["LOW-LAPSED"],
                                         "tiers": {"critical": 0, "high": 0, "medium": 0, "low": 1}}
    assert result["unknown_renewal_count"] == 1
    assert result["average_risk_score"] == round((79.5 + 81.3 + 0.9 + 0.6) / 4, 1)
    assert result["segments"]["smb"]["count"] == 4


def test_the_same_record_scores_the_same_every_time(model):
    first = json.dumps(churn.assess(NORTHWIND, model))
    assert all(json.dumps(churn.assess(copy.deepcopy(NORTHWIND), model)) == first for _ in range(3))


def _variants(record, sections, seed):
    """Seeded copies of record with fields of the given sections deleted or given wrong or out-of-range values."""
    rng = random.Random(seed)
    wrong = [None, "high", "", -1, 1000, 0.5, True, False, "yes", [], {}, float("nan"), "Declining", "MONTHLY",
             "2026-12-01", "2026-11-01", "2026-02-30"]
    for _ in range(200):
        variant = copy.deepcopy(record)
        for name in sections:
            section = variant.get(name)
            if rng.random() < 0.03:
                variant[name] = rng.choice(wrong)
            elif isinstance(section, dict):
                for key in list(section):
                    roll = rng.random()
                    if roll < 0.1:
                        del section[key]
                    elif roll < 0.13:
                        section[key] = rng.choice(wrong)
        yield variant


def test_churn_risk_gives_the_score_and_tier_of_assess_or_the_same_rejection(model):
    records = json.load(open(SAMPLE))["customers"] + [dict(NORTHWIND, contract_end_date=None)]
    records += list(_variants(NORTHWIND, ("usage_decline", "engagement_drop", "support_issues",
                                          "relationship_signals", "commercial_factors", "contract_end_date"), 8))
    for record in records:
        try:
            result = churn.assess(record, model)
        except RecordRejected as exc:
            with pytest.raises(RecordRejected) as caught:
                churn.churn_risk(record, model)
            assert caught.value.errors == exc.errors
        else:
            assert churn.churn_risk(record, model) == (result["risk_score"], result["risk_tier"])


def test_a_value_scored_before_still_has_its_type_checked(model):
    # Scores are remembered per value; True equals 1 and 1.0 in a dict, NaN never finds itself.
    first = churn.assess(record(engagement_drop={"meeting_cancellations": 1}), model)
    again = churn.assess(record(engagement_drop={"meeting_cancellations": 1.0}), model)
    assert signal(again, "engagement_drop") == signal(first, "engagement_drop")
    for bad, shown in ((True, "true"), (float("nan"), "NaN"), ([1], "a list")):
        with pytest.raises(RecordRejected) as caught:
            churn.assess(record(engagement_drop={"meeting_cancellations": bad}), model)
        assert caught.value.errors == [
            f"engagement_drop.meeting_cancellations must be a number of 0 or more, got {shown}"]


def _outcome(record, model, from_text=False):
    """The result as JSON text, or the rejection's messages."""
    try:
        return json.dumps(churn.assess(record, model, from_text))
    except RecordRejected as exc:
        return exc.errors


def test_a_model_that_has_scored_a_book_gives_what_a_fresh_one_gives():
    # A signal's scored part is remembered per its values (and their types), the next action per
    # (days, tier): a warm model must give the same text as a fresh model, record by record.
    records = json.load(open(SAMPLE))["customers"]
    for seed, base in enumerate((NORTHWIND, STRAINED, QUIET)):
        records += list(_variants(base, ("usage_decline", "engagement_drop", "support_issues",
                                         "relationship_signals", "commercial_factors", "contract_end_date"), seed))
    warm = churn.prepare(default_methodology(), AS_OF)
    for record in records + records:  # the second round reads every part from the memo
        assert _outcome(record, warm) == _outcome(record, churn.prepare(default_methodology(), AS_OF))


@pytest.mark.parametrize("section, field, good, bad", [
    ("relationship_signals", "champion_left", True, 1),  # a flag: 1 equals True as a key, and is refused
    ("relationship_signals", "champion_left", False, 0.0),
    ("relationship_signals", "competitor_mentions", 1, True),  # a count: True equals 1, and is refused
    ("support_issues", "unresolved_critical", 0, False),
])
def test_a_signal_remembered_for_its_values_is_not_taken_for_equal_values_of_another_type(section, field, good,
                                                                                         bad):
    model = churn.prepare(default_methodology(), AS_OF)
    kept = record(**{section: {field: good}})
    first = churn.assess(kept, model)
    with pytest.raises(RecordRejected):
        churn.assess(record(**{section: {field: bad}}), model)
    with pytest.raises(RecordRejected):
        churn.churn_risk(record(**{section: {field: bad}}), model)
    assert churn.assess(kept, model) == first


def test_csv_text_and_json_values_are_remembered_apart():
    # "1" read from CSV text is the number 1; the same text in JSON is refused.
    model = churn.prepare(default_methodology(), AS_OF)
    text = record(engagement_drop={"meeting_cancellations": "1"})
    number = record(engagement_drop={"meeting_cancellations": 1})
    from_text = churn.assess(text, model, from_text=True)
    assert signal(from_text, "engagement_drop") == signal(churn.assess(number, model), "engagement_drop")
    with pytest.raises(RecordRejected):
        churn.assess(text, model)
    assert churn.assess(text, model, from_text=True) == from_text


def test_churn_risk_after_assess_and_assess_after_churn_risk_agree():
    records = list(_variants(NORTHWIND, ("usage_decline", "engagement_drop", "relationship_signals"), 11))
    for first, second in ((churn.assess, churn.churn_risk), (churn.churn_risk, churn.assess)):
        model = churn.prepare(default_methodology(), AS_OF)
        for one in records:
            try:
                first(one, model)
            except RecordRejected:
                pass
        for one in records:
            fresh = churn.prepare(default_methodology(), AS_OF)
            try:
                expected = second(one, fresh)
            except RecordRejected as exc:
                with pytest.raises(RecordRejected) as caught:
                    second(one, model)
                assert caught.value.errors == exc.errors
            else:
                assert second(one, model) == expected


def test_owner_and_contract_start_date_are_read_when_present_and_checked(model):
    result = churn.assess(dict(NORTHWIND, owner=" Dana Reyes ", contract_start_date="2026-04-01"), model)
    assert (result["owner"], result["contract_start_date"]) == ("Dana Reyes", "2026-04-01")
    assert (churn.assess(NORTHWIND, model)["owner"], churn.assess(NORTHWIND, model)["contract_start_date"]) == (None, None)
    with pytest.raises(RecordRejected) as caught:
        churn.assess(dict(NORTHWIND, owner=7, contract_start_date="04/01/2026"), model)
    assert caught.value.errors == ["owner must be text, got 7",
                                   'contract_start_date must be a date written YYYY-MM-DD, got "04/01/2026"']
