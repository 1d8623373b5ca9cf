"""The path to green and to a lower risk tier (csm.score.path): exact, fewest moves, only what a CSM can move."""

import copy
import datetime
import json
import random

import pytest

from csm.config.methodology import default_methodology, methodology_from
from csm.errors import ConfigError, RecordRejected
from csm.score import churn, health
from sample_portfolio import portfolio

AS_OF = datetime.date(2026, 11, 22)
NEVER_MOVED = {"arr", "segment", "contract_end_date", "contract_start_date", "customer_id", "name", "owner"}


def _random_book(count, seed):
    """Sample accounts with every numeric metric redrawn inside its valid range: a book no test was written on."""
    generator = random.Random(seed)
    methodology = default_methodology()
    book = []
    for number in range(count):
        record = copy.deepcopy(portfolio()["customers"][number % 20])
        record["customer_id"] = f"R-{number}"
        for analysis, key in (("health", "dimensions"), ("churn", "signals")):
            for section, spec in methodology[analysis][key].items():
                for name, metric in spec["metrics"].items():
                    values = record.get(section)
                    if not isinstance(values, dict) or name not in values:
                        continue
                    if metric["scoring"] == "flag":
                        values[name] = generator.random() < 0.3
                    elif metric["scoring"] == "mapping":
                        values[name] = generator.choice(sorted(metric["values"]))
                    else:
                        valid = metric.get("valid") or {"min": 0, "max": None}
                        low = valid["min"] if valid["min"] is not None else -50
                        high = valid["max"] if valid["max"] is not None else low + 40
                        drawn = low + generator.random() * (high - low)
                        values[name] = round(drawn, 2) if high - low <= 1 else round(drawn)
        book.append(record)
    return book


def _scored(book, assess, model):
    """(record, result) of each record the analysis scores (a rejected one is left out)."""
    for record in book:
        try:
            yield record, assess(record, model)
        except RecordRejected:
            continue


def _moved(record, moves, model_paths):
    changed = copy.deepcopy(record)
    for move in moves:
        parts = model_paths[move["metric"]]
        changed[parts[0]][parts[1]] = move["to"]
    return changed


def _paths(methodology, analysis, key):
    return {f"{section}.{name}": (section, name) for section, spec in methodology[analysis][key].items()
            for name in spec["metrics"]}


def test_every_health_path_rescored_gives_its_target_class_and_moves_only_metrics():
    methodology = default_methodology()
    model = health.prepare(methodology, AS_OF)
    paths = _paths(methodology, "health", "dimensions")
    checked = 0
    for record, result in _scored(_random_book(400, 28), health.assess, model):
        found = result["path_to_green"]
        if result["classification"] == "green":
            assert found is None
            continue
        assert found["target"] == {"red": "yellow", "yellow": "green"}[result["classification"]]
        if found["moves"] is None:
            continue
        assert not {move["metric"] for move in found["moves"]} & NEVER_MOVED
        again = health.assess(_moved(record, found["moves"], paths), model)
        assert (again["classification"], again["overall_score"]) == (found["target"], found["score"])
        assert round(sum(move["points"] for move in found["moves"]), 1) == \
            pytest.approx(round(found["score"] - result["overall_score"], 1), abs=0.051 * len(found["moves"]))
        checked += 1
    assert checked > 100


def test_every_churn_path_rescored_gives_its_target_tier_and_never_moves_a_fact():
    methodology = default_methodology()
    model = churn.prepare(methodology, AS_OF)
    paths = _paths(methodology, "churn", "signals")
    facts = {"relationship_signals.champion_left", "relationship_signals.sponsor_change",
             "commercial_factors.budget_cuts_mentioned"}
    checked = 0
    for record, result in _scored(_random_book(400, 29), churn.assess, model):
        found = result["path_to_lower_risk"]
        if result["risk_tier"] == "low":
            assert found is None
            continue
        if found["moves"] is None:
            assert found["why"]
            continue
        moved = {move["metric"] for move in found["moves"]}
        assert not moved & (NEVER_MOVED | facts)
        again = churn.assess(_moved(record, found["moves"], paths), model)
        assert (again["risk_tier"], again["risk_score"]) == (found["target"], found["score"])
        checked += 1
    assert checked > 100


def test_one_metric_short_of_green_is_one_move_to_the_nearest_value_that_reaches():
    model = health.prepare(default_methodology(), AS_OF)
    record = next(account for account in portfolio()["customers"] if account["customer_id"] == "ACC-2005")
    result = health.assess(record, model)
    assert (result["overall_score"], result["classification"]) == (69.4, "yellow")
    assert result["path_to_green"] == {
        "target": "green", "score": 70.0, "classification": "green", "why": None,
        "moves": [{"metric": "usage.login_frequency", "label": "Login frequency", "from": 60, "to": 63,
                   "points": 0.6}]}
    record = copy.deepcopy(record)
    record["usage"]["login_frequency"] = 62
    assert health.assess(record, model)["classification"] == "yellow"  # 63 is the nearest whole value


def test_out_of_reach_the_path_is_null_with_the_best_reachable_score_and_why():
    methodology = json.loads(json.dumps(default_methodology()))
    for dimension in methodology["health"]["dimensions"].values():
        for name, metric in dimension["metrics"].items():
            metric["influenceable"] = name == "nps_score"
    model = health.prepare(methodology_from(methodology, "test"), AS_OF)
    record = copy.deepcopy(next(account for account in portfolio()["customers"]
                                if account["customer_id"] == "ACC-3002"))
    result = health.assess(record, model)
    assert (result["overall_score"], result["classification"]) == (31.9, "red")
    record["engagement"]["nps_score"] = 10  # the best there is
    best = health.assess(record, model)["overall_score"]
    assert best < 40
    assert result["path_to_green"] == {
        "target": "yellow", "moves": None, "score": best, "classification": "red",
        "why": f"even every influenceable metric at its best (1 moved) gives {best:g}, short of yellow"}


def test_an_influenceable_mark_that_is_not_true_or_false_is_a_config_error_naming_it():
    methodology = json.loads(json.dumps(default_methodology()))
    methodology["health"]["dimensions"]["usage"]["metrics"]["login_frequency"]["influenceable"] = "no"
    with pytest.raises(ConfigError) as caught:
        methodology_from(methodology, "test")
    assert 'health.dimensions.usage.metrics.login_frequency.influenceable must be true or false' in str(caught.value)


def test_a_metric_marked_not_influenceable_is_never_moved():
    methodology = json.loads(json.dumps(default_methodology()))
    methodology["health"]["dimensions"]["usage"]["metrics"]["login_frequency"]["influenceable"] = False
    model = health.prepare(methodology_from(methodology, "test"), AS_OF)
    record = next(account for account in portfolio()["customers"] if account["customer_id"] == "ACC-2005")
    found = health.assess(record, model)["path_to_green"]
    assert "usage.login_frequency" not in {move["metric"] for move in found["moves"]}
