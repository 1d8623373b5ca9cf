"""The methodology as data: --print-config, --config merging, and config files that are wrong."""

import json

import pytest

from conftest import NORTHWIND, SAMPLE
from csm.score import health
from csm.errors import ConfigError
from csm.config.methodology import default_methodology, load_methodology

TOOL = "health_score_calculator.py"
AS_OF = ("--as-of", "2026-11-22")


def write(tmp_path, document, name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def test_print_config_fed_back_through_config_changes_nothing(run_tool, tmp_path):
    printed = run_tool(TOOL, "--print-config").stdout
    assert json.loads(printed) == default_methodology()
    config = tmp_path / "printed.json"
    config.write_text(printed)
    plain = run_tool(TOOL, SAMPLE, "--format", "json", *AS_OF).stdout
    assert run_tool(TOOL, SAMPLE, "--format", "json", "--config", config, *AS_OF).stdout == plain
    assert run_tool(TOOL, "--config", config, "--print-config").stdout == printed


def test_a_config_overrides_one_figure_and_keeps_the_rest(tmp_path):
    table = load_methodology(write(tmp_path, {"health": {"classification": {"mid-market": {"green": 80}}}}))
    assert table["health"]["classification"]["mid-market"] == {"green": 80, "yellow": 45}
    result = health.assess(dict(NORTHWIND), health.prepare(table))
    assert result["overall_score"] == 78.1 and result["classification"] == "yellow"


@pytest.mark.parametrize("document, message", [
    ({"health": {"dimensionz": {}}}, "unknown key health.dimensionz"),
    ({"health": {"dimensions": {"usage": {"weight": 0.5}}}}, "health.dimensions: weights sum to 1.2, not 1"),
    ({"health": {"classification": {"smb": {"green": 30}}}},
     "health.classification.smb: thresholds out of order (yellow 40 is above green 30)"),
    ({"health": {"trend_threshold": "five"}}, 'health.trend_threshold must be a number, got "five"'),
    ({"health": {"dimensions": {"usage": {"metrics": {"login_frequency": {"weight": 0.5}}}}}},
     "health.dimensions.usage.metrics: weights sum to 1.15, not 1"),
    ({"health": {"dimensions": {"usage": {"metrics": {"login_frequency": {"scoring": "magic"}}}}}},
     "health.dimensions.usage.metrics.login_frequency.scoring must be one of ratio, inverse, mapping, banded"),
])
def test_a_bad_config_exits_1_naming_the_key(run_tool, tmp_path, document, message):
    done = run_tool(TOOL, SAMPLE, "--config", write(tmp_path, document))
    assert done.returncode == 1
    assert message in done.stderr
    assert done.stdout == ""


def test_an_unreadable_config_is_named(run_tool, tmp_path):
    (tmp_path / "broken.json").write_text("{")
    done = run_tool(TOOL, SAMPLE, "--config", tmp_path / "broken.json")
    assert done.returncode == 1 and "is not valid JSON" in done.stderr
    done = run_tool(TOOL, SAMPLE, "--config", tmp_path / "absent.json")
    assert done.returncode == 1 and "no such file" in done.stderr


def test_a_config_can_add_a_business_outcomes_dimension(tmp_path):
    outcomes = {"label": "Business outcomes", "weight": 0.15, "metrics": {
        "roi_achieved_pct": {"weight": 1.0, "scoring": "ratio", "unit": "%",
                             "target": {"enterprise": 100, "mid-market": 100, "smb": 100},
                             "valid": {"min": 0, "max": 1000}}}}
    config = {"health": {"dimensions": {"business_outcomes": outcomes, "usage": {"weight": 0.15}}}}
    table = load_methodology(write(tmp_path, config))
    record = dict(NORTHWIND, business_outcomes={"roi_achieved_pct": 50})
    result = health.assess(record, health.prepare(table))
    assert result["dimensions"]["business_outcomes"] == {"score": 50.0, "weight": 0.15, "classification": "yellow"}
    # .15*82.3 + .25*85.1 + .20*74.3 + .25*69.0 + .15*50 = 12.345 + 21.275 + 14.86 + 17.25 + 7.5 = 73.23
    assert result["overall_score"] == 73.2


def test_a_config_can_drop_a_dimension_with_null(tmp_path):
    config = {"health": {"dimensions": {"support": None, "usage": {"weight": 0.5}}}}
    table = load_methodology(write(tmp_path, config))
    result = health.assess(dict(NORTHWIND), health.prepare(table))
    assert list(result["dimensions"]) == ["usage", "engagement", "relationship"]
    assert result["overall_score"] == 79.7  # .5*82.3 + .25*85.1 + .25*69.0 = 41.15 + 21.275 + 17.25 = 79.675


def test_figures_cannot_be_removed_where_the_model_needs_them(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_methodology(write(tmp_path, {"health": {"trend_threshold": None}}))
    assert "health.trend_threshold cannot be removed" in str(caught.value)
