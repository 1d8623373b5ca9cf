"""The banded scoring kind and the metric `field` key, in both analyses, figured by hand."""

import datetime
import json

import pytest

from csm.score import churn, health
from csm.errors import ConfigError, RecordRejected
from csm.config.methodology import load_methodology, methodology_from

AS_OF = datetime.date(2026, 12, 1)

HEALTH_CONFIG = {
    "replaces": ["health.dimensions"],
    "health": {"dimensions": {"tenure_contract": {"label": "Tenure & contract", "weight": 1, "metrics": {
        "tenure": {"label": "Tenure", "weight": 0.6, "scoring": "banded", "field": "tenure", "unit": " months",
                   "bands": [[6, 20], [24, 60], [None, 90]]},
        "contract": {"label": "Contract", "weight": 0.4, "scoring": "mapping", "field": "Contract",
                     "values": {"Month-to-month": 10, "One year": 70, "Two year": 100}},
    }}}},
}

CHURN_CONFIG = {
    "replaces": ["churn.signals"],
    "churn": {"signals": {"contract_billing": {"label": "Contract & billing", "weight": 1, "combine": "points",
                                               "metrics": {
        "tenure": {"scoring": "banded", "field": "tenure", "bands": [[6, 40], [24, 20], [None, 0]]},
        "contract": {"scoring": "mapping", "field": "billing.contract",
                     "values": {"Month-to-month": 30, "One year": 10, "Two year": 0}},
        "senior": {"scoring": "flag", "field": "SeniorCitizen", "points": 15},
        "paperless": {"scoring": "mapping", "field": "PaperlessBilling", "values": {"yes": 5, "no": 0}},
    }}}},
}


def account(**fields):
    return dict({"customer_id": "A-1", "segment": "smb", "arr": 1000}, **fields)


@pytest.fixture
def health_model():
    return health.prepare(methodology_from(HEALTH_CONFIG))


@pytest.fixture
def churn_model():
    return churn.prepare(methodology_from(CHURN_CONFIG), AS_OF)


def test_a_banded_health_metric_scores_the_band_its_value_falls_in(health_model):
    # 0.6 x 60 (12 months: above 6, up to 24) + 0.4 x 70 (One year) = 64
    result = health.assess(account(tenure=12, Contract="One year"), health_model)
    assert result["overall_score"] == 64.0
    assert result["dimensions"]["tenure_contract"]["score"] == 64.0


def test_a_band_includes_its_upper_edge(health_model):
    # 6 months is the first band (up to and including 6): 0.6 x 20 + 0.4 x 70 = 40
    assert health.assess(account(tenure=6, Contract="One year"), health_model)["overall_score"] == 40.0
    # above the last edge: the open band, 0.6 x 90 + 0.4 x 10 = 58
    assert health.assess(account(tenure=25, Contract="Month-to-month"), health_model)["overall_score"] == 58.0


def test_csv_text_reads_for_banded_and_field_metrics(health_model):
    record = account(tenure="12", Contract="one year", arr="1000")
    assert health.assess(record, health_model, from_text=True)["overall_score"] == 64.0


def test_a_missing_field_spreads_its_weight_and_is_named_by_its_field(health_model):
    result = health.assess(account(tenure=30), health_model)
    assert result["overall_score"] == 90.0
    assert result["missing_metrics"] == ["Contract"]


def test_a_banded_value_out_of_range_is_an_error_naming_the_field(health_model):
    with pytest.raises(RecordRejected) as caught:
        health.assess(account(tenure=-3, Contract="One year"), health_model)
    assert caught.value.errors == ["tenure must be a number of 0 or more, got -3"]


def test_why_words_a_banded_value_by_its_band(health_model):
    why = health.assess(account(tenure=3, Contract="Two year"), health_model)["why"]
    assert why[0] == {"metric": "tenure", "points_lost": 48.0,
                      "detail": "Tenure 3 months (band up to 6 months)"}


def test_a_churn_points_signal_adds_band_mapping_flag_and_yes_no_points(churn_model):
    # 40 (3 months) + 30 (month-to-month) + 15 (senior) + 5 (paperless) = 90
    record = account(tenure="3", billing={"contract": "Month-to-month"}, SeniorCitizen="1", PaperlessBilling="Yes")
    result = churn.assess(record, churn_model, from_text=True)
    assert (result["risk_score"], result["risk_tier"]) == (90.0, "critical")


def test_a_yes_no_mapping_reads_json_booleans_and_one_zero_text(churn_model):
    base = {"tenure": 30, "billing": {"contract": "Two year"}, "SeniorCitizen": False}
    assert churn.churn_risk(account(PaperlessBilling=True, **base), churn_model) == (5.0, "low")
    text = dict(account(PaperlessBilling="1", **base), SeniorCitizen="0", tenure="30")
    assert churn.churn_risk(text, churn_model, from_text=True) == (5.0, "low")


def test_a_churn_field_that_is_not_a_number_names_the_field(churn_model):
    with pytest.raises(RecordRejected) as caught:
        churn.assess(account(tenure="long", billing={"contract": "One year"}), churn_model, from_text=True)
    assert caught.value.errors == ['tenure must be a number of 0 or more, got "long"']


@pytest.mark.parametrize("bands, message", [
    ([[24, 80], [6, 50], [None, 10]], "bands: edges must ascend (6 follows 24)"),
    ([[6, 80], [24, 50]], "bands: the last band must be open-ended, [null, score] (values above 24 would have "
                          "no score)"),
    ([[None, 80], [24, 50], [None, 10]], "bands[0]: only the last band may be open-ended (edge null)"),
    ([[6, 120], [None, 10]], "bands[0] score must be from 0 to 100, got 120"),
    ([[6], [None, 10]], "bands[0] must be a pair [upper_edge, score]"),
    ("low", "bands must be a list of [upper_edge, score] pairs ending with [null, score]"),
])
def test_bad_bands_are_config_errors_in_words(tmp_path, bands, message):
    for analysis, where in (("health", "health.dimensions.tenure_contract.metrics.tenure"),
                            ("churn", "churn.signals.contract_billing.metrics.tenure")):
        config = json.loads(json.dumps(HEALTH_CONFIG if analysis == "health" else CHURN_CONFIG))
        section = config[analysis]["dimensions" if analysis == "health" else "signals"]
        section[next(iter(section))]["metrics"]["tenure"]["bands"] = bands
        path = tmp_path / f"{analysis}.json"
        path.write_text(json.dumps(config))
        with pytest.raises(ConfigError) as caught:
            load_methodology(str(path))
        assert str(caught.value) == f"config {path}: {where}.{message}"


def test_a_bad_field_is_a_config_error():
    config = json.loads(json.dumps(CHURN_CONFIG))
    config["churn"]["signals"]["contract_billing"]["metrics"]["senior"]["field"] = "a..b"
    with pytest.raises(ConfigError) as caught:
        methodology_from(config)
    assert str(caught.value) == ('config: churn.signals.contract_billing.metrics.senior.field must name a key of '
                                 'the record (dotted for nested: billing.monthly_charges), got "a..b"')


def test_replaces_takes_a_section_whole_and_is_kept_for_print_config():
    table = methodology_from(CHURN_CONFIG)
    assert list(table["churn"]["signals"]) == ["contract_billing"]
    assert table["replaces"] == ["churn.signals"]
    assert methodology_from(json.loads(json.dumps(table))) == table


def test_replaces_refuses_a_path_that_cannot_be_replaced_whole():
    with pytest.raises(ConfigError) as caught:
        methodology_from({"replaces": ["churn.tiers"]})
    assert str(caught.value) == ('config: replaces: "churn.tiers" cannot be replaced whole (these can: '
                                 'health.dimensions, churn.signals, expansion.tiers, expansion.module_cross_sell.fractions, '
                                 'lifecycle.stages)')
