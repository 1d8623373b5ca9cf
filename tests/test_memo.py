"""The one memo of the scoring (csm.score.memo): bounded, and never a different answer."""

import copy
import datetime

from conftest import NORTHWIND
from csm.config.methodology import default_methodology
from csm.score import churn, health
from csm.score.memo import SIZE, Memo

AS_OF = datetime.date(2026, 11, 22)


def test_a_full_memo_is_emptied_and_keeps_the_new_value():
    memo = Memo(size=3)
    for value in range(3):
        memo.keep(value, value * 10)
    assert memo.keep(99, 990) == 990 and memo == {99: 990}


def test_a_book_of_more_distinct_values_than_a_memo_holds_scores_as_a_fresh_model_would():
    health_model = health.prepare(default_methodology(), AS_OF)
    churn_model = churn.prepare(default_methodology(), AS_OF)
    records = []
    for number in range(2 * SIZE + 10):
        record = copy.deepcopy(NORTHWIND)
        record["customer_id"] = f"ACC-{number}"
        record["support"]["avg_resolution_hours"] = number / 7  # a new value each time
        record["usage_decline"]["dau_mau_change"] = -number / 100000
        records.append(record)
    health_results = [health.assess(record, health_model) for record in records]
    churn_results = [churn.assess(record, churn_model) for record in records]
    memos = [metric.memo for dimension in health_model.by_segment["mid-market"] for metric in dimension.metrics]
    memos += [metric.memo for signal in churn_model.signals for metric in signal.metrics]
    assert max(len(memo) for memo in memos) <= SIZE
    for position in (0, SIZE - 1, SIZE, 2 * SIZE + 9):
        assert health_results[position] == health.assess(records[position],
                                                         health.prepare(default_methodology(), AS_OF))
        assert churn_results[position] == churn.assess(records[position], churn.prepare(default_methodology(), AS_OF))


def test_a_bool_is_not_taken_for_the_number_it_equals():
    model = churn.prepare(default_methodology(), AS_OF)
    record = copy.deepcopy(NORTHWIND)
    churn.assess(record, model)  # competitor_mentions 1 is now remembered
    record["relationship_signals"]["competitor_mentions"] = True
    try:
        churn.assess(record, model)
    except Exception as exc:  # RecordRejected, naming the field
        assert "relationship_signals.competitor_mentions must be a number" in str(exc.errors)
    else:
        raise AssertionError("True was read as 1")
