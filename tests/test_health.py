"""The health score, checked against figures worked out by hand from references/methodology.md section 1."""

import copy
import json
import random

import pytest
from conftest import SAMPLE

from csm.report.summaries import HealthSummary
from csm.score import health, next_action
from csm.errors import RecordRejected
from csm.config.methodology import default_methodology


@pytest.fixture(scope="module")
def model():
    return health.prepare(default_methodology())


def scores(result):
    return {name: dimension["score"] for name, dimension in result["dimensions"].items()}


def test_worked_account_scores_every_dimension_and_the_overall_exactly(model, northwind):
    # usage = .35*90 + .40*78.571 + .25*77.5; engagement = .20*50 + .30*94.118 + .25*87.5 + .25*100;
    # support = .35*80 + .35*73.333 + .30*68.75; relationship = .35*80 + .30*66.667 + .35*60
    result = health.assess(northwind, model)
    assert scores(result) == {"usage": 82.3, "engagement": 85.1, "support": 74.3, "relationship": 69.0}
    # .30*82.3 + .25*85.1 + .20*74.3 + .25*69.0 = 78.075
    assert result["overall_score"] == 78.1
    assert result["classification"] == "green"  # mid-market green from 70
    assert result["data_completeness"] == 100.0
    assert result["missing_metrics"] == []


def test_scores_clamp_at_the_benchmark_and_classify_by_enterprise_cut_offs(model):
    record = {
        "customer_id": "E1", "name": "Clamp Corp", "segment": "enterprise", "arr": 200000,
        "usage": {"login_frequency": 95, "feature_adoption": 40, "dau_mau_ratio": 0.25},
        "engagement": {"support_ticket_volume": 10, "meeting_attendance": 95, "nps_score": 9, "csat_score": 4.5},
        "support": {"open_tickets": 5, "escalation_rate": 0.25, "avg_resolution_hours": 36},
        "relationship": {"executive_sponsor_engagement": 45, "multi_threading_depth": 5,
                         "renewal_sentiment": "negative"},
    }
    result = health.assess(record, model)
    # login 95/90 caps at 100; ticket volume 10 against a max of 5 floors at 0.
    assert scores(result) == {"usage": 67.5, "engagement": 80.0, "support": 32.5, "relationship": 54.5}
    assert result["overall_score"] == 60.4  # 20.25 + 20 + 6.5 + 13.625 = 60.375
    assert result["classification"] == "yellow"
    assert {n: d["classification"] for n, d in result["dimensions"].items()} == {
        "usage": "yellow", "engagement": "green", "support": "red", "relationship": "yellow"}


def test_recommendations_fire_on_the_published_thresholds_only(model):
    record = {
        "customer_id": "E1", "name": "Clamp Corp", "segment": "enterprise", "arr": 200000,
        "usage": {"login_frequency": 95, "feature_adoption": 40, "dau_mau_ratio": 0.25},
        "engagement": {"support_ticket_volume": 10, "meeting_attendance": 95, "nps_score": 9, "csat_score": 4.5},
        "support": {"open_tickets": 5, "escalation_rate": 0.25, "avg_resolution_hours": 36},
        "relationship": {"executive_sponsor_engagement": 45, "multi_threading_depth": 5,
                         "renewal_sentiment": "negative"},
    }
    actions = health.assess(record, model)["recommendations"]
    # adoption and dau/mau sub-scores are exactly 50 (rule: below 50); open tickets exactly half the max
    # (rule: above half); resolution 36 h is half of 72; sponsor sub-score exactly 50 (rule: below 50).
    assert actions[0].startswith("Nurture")
    assert len(actions) == 3
    assert "escalations" in actions[1]
    assert "negative renewal sentiment" in actions[2]


def test_a_missing_metric_spreads_its_weight_within_the_dimension(model, northwind):
    del northwind["usage"]["dau_mau_ratio"]
    result = health.assess(northwind, model)
    assert result["dimensions"]["usage"]["score"] == 83.9  # (31.5 + 31.4286) / 0.75
    assert result["overall_score"] == 78.6
    assert result["data_completeness"] == 92.5  # 100 - 0.30 * 0.25 * 100
    assert result["missing_metrics"] == ["usage.dau_mau_ratio"]


def test_a_missing_dimension_spreads_its_weight_over_the_others(model, northwind):
    del northwind["support"]
    result = health.assess(northwind, model)
    assert result["dimensions"]["support"] == {"score": None, "weight": 0.2, "classification": None}
    assert result["overall_score"] == 79.0  # (24.69 + 21.275 + 17.25) / 0.80
    assert result["data_completeness"] == 80.0
    assert result["trends"]["support"] == "no_data"


def test_a_record_with_less_than_half_of_the_weight_is_rejected_as_insufficient_data(model, northwind):
    for name in ("engagement", "support", "relationship"):
        del northwind[name]
    with pytest.raises(RecordRejected) as caught:
        health.assess(northwind, model)
    assert caught.value.errors == [
        "insufficient data: 30% of the health model's weight has data (at least 50% is needed); missing "
        "engagement.support_ticket_volume, engagement.meeting_attendance, engagement.nps_score, "
        "engagement.csat_score, support.open_tickets, support.escalation_rate, support.avg_resolution_hours, "
        "relationship.executive_sponsor_engagement, relationship.multi_threading_depth, "
        "relationship.renewal_sentiment"]


def test_exactly_half_of_the_weight_is_enough(model, northwind):
    del northwind["engagement"], northwind["relationship"]
    assert health.assess(northwind, model)["data_completeness"] == 50.0


def test_trends_compare_each_dimension_and_the_computed_previous_overall(model, northwind):
    result = health.assess(northwind, model)
    # previous overall from the four previous scores: .3*78 + .25*70 + .2*74 + .25*66 = 72.2
    assert result["previous_overall_score"] == 72.2
    assert result["trends"] == {"usage": "stable", "engagement": "improving", "support": "stable",
                                "relationship": "stable", "overall": "improving"}


def test_an_explicit_previous_overall_score_wins_over_the_computed_one(model, northwind):
    northwind["previous_period"]["overall_score"] = 90
    result = health.assess(northwind, model)
    assert result["previous_overall_score"] == 90
    assert result["trends"]["overall"] == "declining"


def test_no_previous_period_means_no_data_trends(model, northwind):
    del northwind["previous_period"]
    result = health.assess(northwind, model)
    assert set(result["trends"].values()) == {"no_data"}
    assert result["attention_priority"] == "low"


def test_a_change_of_exactly_five_points_is_stable():
    assert health.trend(70.0, 65.0, 5) == "stable"
    assert health.trend(70.1, 65.0, 5) == "improving"
    assert health.trend(59.9, 65.0, 5) == "declining"


@pytest.mark.parametrize("klass, direction, priority", [
    ("green", "declining", "high"), ("yellow", "declining", "critical"), ("yellow", "improving", "medium"),
    ("red", "improving", "high"), ("red", "stable", "critical"), ("red", "declining", "critical"),
    ("green", "stable", "low"), ("yellow", "stable", "medium"),
])
def test_attention_priority_follows_the_classification_by_trend_matrix(model, klass, direction, priority):
    assert model.matrix[klass][direction] == priority


def _ranked(attention, arr, customer_id, days=None):
    return {"next_action": {"attention": attention}, "arr": arr, "customer_id": customer_id, "days_to_renewal": days}


def test_an_account_to_work_this_week_outranks_a_larger_one_for_this_month():
    ranked = sorted([_ranked("this month", 900000, "Y"), _ranked("this week", 1000, "G")], key=next_action.urgency_key)
    assert [r["customer_id"] for r in ranked] == ["G", "Y"]


def test_accounts_of_equal_attention_are_ordered_by_arr_then_days_to_renewal_then_id():
    rows = [_ranked("monitor", 10, "B", 40), _ranked("monitor", 10, "A", 40), _ranked("monitor", 99, "C"),
            _ranked("monitor", 10, "D", 5)]
    assert [r["customer_id"] for r in sorted(rows, key=next_action.urgency_key)] == ["C", "D", "A", "B"]


@pytest.mark.parametrize("segment, score, expected", [
    ("enterprise", 75, "green"), ("enterprise", 74.9, "yellow"), ("enterprise", 49.9, "red"),
    ("mid-market", 70, "green"), ("mid-market", 45, "yellow"), ("mid-market", 44.9, "red"),
    ("smb", 65, "green"), ("smb", 40, "yellow"), ("smb", 39.9, "red"),
])
def test_classification_uses_segment_cut_offs(model, segment, score, expected):
    assert health.classify(score, segment, model.cutoffs) == expected


def test_why_names_the_sub_metrics_that_cost_the_most_points(model, northwind):
    why = health.assess(northwind, model)["why"]
    assert why[0] == {"metric": "relationship.renewal_sentiment", "points_lost": 3.5,
                      "detail": "Renewal sentiment neutral"}
    assert [w["metric"] for w in why] == ["relationship.renewal_sentiment", "usage.feature_adoption",
                                         "relationship.multi_threading_depth"]


def test_every_problem_of_a_record_is_reported_at_once(model, northwind):
    northwind["usage"]["login_frequency"] = "high"
    northwind["usage"]["dau_mau_ratio"] = 1.5
    northwind["engagement"]["nps_score"] = True
    northwind["support"]["open_tickets"] = -2
    northwind["relationship"]["renewal_sentiment"] = "great"
    northwind["previous_period"]["usage_score"] = float("nan")
    with pytest.raises(RecordRejected) as caught:
        health.assess(northwind, model)
    assert caught.value.errors == [
        'usage.login_frequency must be a number from 0 to 100, got "high"',
        "usage.dau_mau_ratio must be a number from 0 to 1, got 1.5",
        "engagement.nps_score must be a number from 0 to 10, got true",
        "support.open_tickets must be a number of 0 or more, got -2",
        'relationship.renewal_sentiment must be one of positive, neutral, negative, unknown, got "great"',
        "previous_period.usage_score must be a number from 0 to 100, got NaN",
    ]


def test_enum_spellings_and_segment_aliases_are_accepted(model, northwind):
    northwind["segment"] = "Mid_Market"
    northwind["relationship"]["renewal_sentiment"] = " NEUTRAL "
    result = health.assess(northwind, model)
    assert result["segment"] == "mid-market"
    assert result["dimensions"]["relationship"]["score"] == 69.0


def test_an_unknown_segment_is_placed_by_arr_and_the_output_says_so(model, northwind):
    northwind["segment"] = "strategic-accounts"
    northwind["arr"] = 150000
    result = health.assess(northwind, model)
    assert result["segment"] == "enterprise"
    assert result["notes"] == ['segment "strategic-accounts" is not one of enterprise, mid-market, smb; '
                               "placed in enterprise by its ARR"]


def test_an_unknown_segment_without_arr_is_an_error_listing_the_accepted_ones(model, northwind):
    northwind["segment"] = "galactic"
    del northwind["arr"]
    with pytest.raises(RecordRejected) as caught:
        health.assess(northwind, model)
    assert caught.value.errors == ["arr is missing (annual recurring revenue, a number of 0 or more)",
                                   'segment must be one of enterprise, mid-market, smb, got "galactic"']


def test_csv_text_values_are_parsed_when_read_from_csv(model, northwind):
    record = {key: value for key, value in northwind.items()}
    record["arr"] = "64,000"
    record["usage"] = {"login_frequency": "72", "feature_adoption": "55", "dau_mau_ratio": "0.31"}
    assert health.assess(record, model, from_text=True)["dimensions"]["usage"]["score"] == 82.3
    with pytest.raises(RecordRejected):
        health.assess(record, model, from_text=False)


def test_summary_counts_accounts_and_arr_per_class(model, northwind):
    summary = HealthSummary(model)
    summary.add(health.assess(northwind, model))
    red = dict(northwind, customer_id="R", arr=36000,
               usage={"login_frequency": 10, "feature_adoption": 10, "dau_mau_ratio": 0.05})
    red["relationship"] = {"executive_sponsor_engagement": 5, "multi_threading_depth": 0,
                           "renewal_sentiment": "negative"}
    red["support"] = {"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96}
    summary.add(health.assess(red, model))
    result = summary.result(rejected_count=1)
    assert result["total_customers"] == 2
    assert result["rejected_count"] == 1
    assert result["green_count"] == 1 and result["red_count"] == 1
    assert result["classes"]["green"] == {"count": 1, "share_of_accounts": 50.0, "arr": 64000, "share_of_arr": 64.0}
    assert result["classes"]["red"]["share_of_arr"] == 36.0
    assert result["total_arr"] == 100000


def _variants(record, sections, seed):
    """Seeded copies of record with fields of the given sections deleted or given wrong or out-of-range values."""
    rng = random.Random(seed)
    wrong = [None, "high", "", -1, 1000, 0.5, True, [], {}, float("nan"), "Negative", "NEUTRAL"]
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


def test_overall_health_gives_the_score_and_class_of_assess_or_the_same_rejection(model, northwind):
    records = json.load(open(SAMPLE))["customers"]
    records += list(_variants(northwind, ("usage", "engagement", "support", "relationship", "previous_period"), 8))
    for record in records:
        try:
            result = health.assess(record, model)
        except RecordRejected as exc:
            with pytest.raises(RecordRejected) as caught:
                health.overall_health(record, model, record["segment"])
            assert caught.value.errors == exc.errors
        else:
            assert health.overall_health(record, model, result["segment"]) == (
                result["overall_score"], result["classification"])


def test_a_value_scored_before_still_has_its_type_checked(model, northwind):
    # Scores are remembered per value; True equals 1 and 1.0 in a dict, NaN never finds itself.
    northwind["usage"]["login_frequency"] = 1
    first = health.assess(northwind, model)
    northwind["usage"]["login_frequency"] = 1.0
    assert health.assess(northwind, model)["dimensions"] == first["dimensions"]
    for bad, shown in ((True, "true"), (float("nan"), "NaN"), ([1], "a list")):
        northwind["usage"]["login_frequency"] = bad
        with pytest.raises(RecordRejected) as caught:
            health.assess(northwind, model)
        assert caught.value.errors == [f"usage.login_frequency must be a number from 0 to 100, got {shown}"]


def test_a_metric_says_minus_zero_as_zero_and_a_whole_float_as_a_whole_number():
    metric = health.prepare(default_methodology()).by_segment["smb"][0].metrics[0]  # login frequency, target 70
    assert [metric.describe(value) for value in (0, -0.0, 72.5, 72.0, 72)] == [
        "Login frequency 0% (target 70%)", "Login frequency 0% (target 70%)", "Login frequency 72.5% (target 70%)",
        "Login frequency 72% (target 70%)", "Login frequency 72% (target 70%)"]


def test_a_reason_names_each_value_as_written_though_equal_values_share_a_score(model, northwind):
    # The scoring loop remembers each value's figures (csm.score.memo): -0.0 equals 0 and reads the same;
    # a dimension with a metric missing spreads the points over the metrics present.
    said = []
    for value in (0, -0.0, 0.0, -0.0, 0):
        record = copy.deepcopy(northwind)
        record["usage"]["login_frequency"] = value
        said.append([reason["detail"] for reason in health.assess(record, model)["why"]
                     if reason["metric"] == "usage.login_frequency"])
    assert said == [["Login frequency 0% (target 80%)"]] * 5
    record = copy.deepcopy(northwind)
    record["usage"]["login_frequency"] = 0
    complete = {r["metric"]: r["points_lost"] for r in health.assess(record, model)["why"]}
    del record["usage"]["dau_mau_ratio"]
    partial = {r["metric"]: r["points_lost"] for r in health.assess(record, model)["why"]}
    assert complete["usage.login_frequency"] == 10.5  # 100 x 0.35 of usage's 0.30
    assert partial["usage.login_frequency"] == 14.0  # 100 x 0.35 / 0.75 of usage's 0.30
