"""Churn probabilities: the calibration a fitted file holds, its checks, and the forecast built on it."""

import copy
import datetime
import json

import pytest

from csm.config.methodology import default_methodology, methodology_from
from csm.errors import ConfigError
from csm.learn import calibration
from csm.score import churn
from sample_portfolio import portfolio

AS_OF = datetime.date(2026, 11, 22)
MAP = {"method": "test", "points": [[0, 0.02], [40, 0.2], [60, 0.5], [100, 0.9]]}


def _with_calibration(table):
    methodology = json.loads(json.dumps(default_methodology()))
    methodology["churn"]["calibration"] = table
    return methodology_from(methodology, "fitted.json")


def test_every_churn_result_carries_its_probability_read_between_the_rows():
    model = churn.prepare(_with_calibration(MAP), AS_OF)
    for record in portfolio()["customers"]:
        result = churn.assess(record, model)
        risk = result["risk_score"]
        low, high = max(row for row in MAP["points"] if row[0] <= risk), min(row for row in MAP["points"]
                                                                               if row[0] >= risk)
        expected = low[1] if high[0] == low[0] else low[1] + (high[1] - low[1]) * (risk - low[0]) / (high[0] - low[0])
        assert result["churn_probability"] == round(expected, 4)


def test_without_a_calibration_the_probability_is_null():
    model = churn.prepare(default_methodology(), AS_OF)
    assert {churn.assess(record, model)["churn_probability"] for record in portfolio()["customers"]} == {None}


@pytest.mark.parametrize("points, message", [
    ([[0, 0.3], [50, 0.2], [100, 0.9]],
     "churn.calibration.points[1]: probability 0.2 falls below the one before (0.3): the map must not fall as "
     "risk rises"),
    ([[0, 0.1], [50, 0.2], [100, 1.5]], "churn.calibration.points[2]: probability 1.5 is out of [0, 1]"),
    ([[0, 0.1], [90, 0.8]], "churn.calibration.points must run over the whole score range, from risk 0 to risk 100"),
    ([[0, 0.1], [0, 0.2], [100, 0.9]], "churn.calibration.points[1]: risk 0 does not rise above the one before (0)"),
    ([[0, 0.1], ["x", 0.2], [100, 0.9]], "churn.calibration.points[1] must be [risk, probability], two numbers"),
])
def test_a_calibration_that_is_not_a_monotone_map_over_0_100_is_a_config_error_naming_the_entry(points, message):
    with pytest.raises(ConfigError) as caught:
        _with_calibration({"method": "test", "points": points})
    assert str(caught.value) == f"fitted.json: {message}"


def test_the_logistic_map_is_what_scikit_learn_would_learn_unpenalised():
    # The maximum-likelihood figures satisfy the score equations: residuals sum to zero, and so do they x risk.
    points = [(risk, churned) for risk, churned in zip(range(0, 100, 3), [i % 3 == 0 or i > 25 for i in range(34)])]
    fit = calibration.fit_calibration(points)
    residuals = [fit.probability(risk) - churned for risk, churned in points]
    assert abs(sum(residuals)) < 1e-6
    assert abs(sum(r * risk / 100 for r, (risk, _) in zip(residuals, points))) < 1e-4
    table = calibration.calibration_table(fit)
    assert [row[0] for row in table] == list(range(0, 101, 5))
    assert all(a[1] <= b[1] for a, b in zip(table, table[1:]))


def test_the_reliability_table_splits_accounts_in_ten_equal_groups_by_probability():
    pairs = [(i / 100, i % 2 == 0) for i in range(100)]
    rows = calibration.reliability(pairs)
    assert [row.accounts for row in rows] == [10] * 10
    assert rows[0].predicted == 0.045 and rows[0].observed == 0.5
    assert calibration.brier_score([(0.25, True), (0.25, False)]) == round((0.5625 + 0.0625) / 2, 4)
