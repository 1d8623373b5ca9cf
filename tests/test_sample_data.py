"""The sample assets: the portfolio (JSON and its CSV twin) and the methodology presets.

- the committed sample files are what tests/sample_portfolio.py builds;
- the CSV scores exactly like the JSON, with every tool;
- scored by the tools, the sample shows every health class, churn-risk tier,
  expansion category, segment and trend the docs talk about;
- assets/methodology/default.json is what --print-config prints, and the
  five-dimension preset scores business outcomes with green from 80.
"""

import json
import os
import subprocess
import sys

import pytest

import sample_portfolio
from conftest import sample_warnings_only
from csm.score.accounts import SEGMENTS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(ROOT, "assets")
SAMPLE_JSON = os.path.join(ASSETS, "sample_customer_data.json")
SAMPLE_CSV = os.path.join(ASSETS, "sample_customer_data.csv")
DEFAULT_CONFIG = os.path.join(ASSETS, "methodology", "default.json")
FIVE_DIMENSION = os.path.join(ASSETS, "methodology", "five-dimension.json")
AS_OF = "2026-11-22"

HEALTH = "health_score_calculator.py"
CHURN = "churn_risk_analyzer.py"
EXPANSION = "expansion_opportunity_scorer.py"
TOOLS = (HEALTH, CHURN, EXPANSION)


def run(tool, *arguments):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", tool), *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120,
    )


def score(tool, path=SAMPLE_JSON, *options):
    result = run(tool, path, "--as-of", AS_OF, "--format", "json", *options)
    assert result.returncode == 0, result.stderr
    assert sample_warnings_only(result.stderr), result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def reports():
    return {tool: score(tool) for tool in TOOLS}


def by_id(report):
    return {customer["customer_id"]: customer for customer in report["customers"]}


def read(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


# ---- the files ----------------------------------------------------------------------

def test_sample_files_are_what_the_generator_builds():
    assert read(SAMPLE_JSON) == sample_portfolio.json_text()
    assert read(SAMPLE_CSV) == sample_portfolio.csv_text()


def test_csv_is_the_json_portfolio_flattened_the_way_a_crm_exports_it():
    with open(SAMPLE_JSON, encoding="utf-8") as handle:
        customers = json.load(handle)["customers"]
    assert len(customers) == 20
    assert read(SAMPLE_CSV) == sample_portfolio.csv_text(customers)
    header = read(SAMPLE_CSV).splitlines()[0].split(",")
    assert "usage.login_frequency" in header
    assert "product_usage.analytics_module.adopted" in header
    assert "contract.available_tiers" in header


@pytest.mark.parametrize("tool", TOOLS)
def test_the_csv_scores_exactly_like_the_json(tool):
    from_json = score(tool, SAMPLE_JSON)
    from_csv = score(tool, SAMPLE_CSV)
    assert from_csv["customers"] == from_json["customers"]
    assert from_csv["summary"] == from_json["summary"]
    assert from_csv["rejected"] == from_json["rejected"] == []


# ---- what the sample shows ----------------------------------------------------------

def test_sample_spans_every_segment_and_every_health_class_in_each_segment_mix(reports):
    customers = reports[HEALTH]["customers"]
    assert {c["segment"] for c in customers} == set(SEGMENTS)
    assert {c["classification"] for c in customers} == {"green", "yellow", "red"}
    for segment in SEGMENTS:
        classes = {c["classification"] for c in customers if c["segment"] == segment}
        assert classes == {"green", "yellow", "red"}, f"{segment} shows only {classes}"


def test_sample_shows_declining_and_improving_trends_and_every_attention_priority(reports):
    customers = reports[HEALTH]["customers"]
    trends = {c["trends"]["overall"] for c in customers}
    assert {"declining", "improving", "stable", "no_data"} <= trends
    assert {c["attention_priority"] for c in customers} == {"critical", "high", "medium", "low"}


def test_sample_has_one_account_with_metrics_missing(reports):
    health = by_id(reports[HEALTH])
    incomplete = [cid for cid, c in health.items() if c["missing_metrics"]]
    assert incomplete == ["ACC-2005"]
    assert health["ACC-2005"]["data_completeness"] < 100


def test_sample_spans_every_churn_risk_tier_with_a_lapsed_renewal_and_one_inside_30_days(reports):
    churn = reports[CHURN]["customers"]
    assert {c["risk_tier"] for c in churn} == {"critical", "high", "medium", "low"}
    assert any(c["renewal_status"] == "lapsed" and c["days_to_renewal"] < 0 for c in churn)
    assert any(c["days_to_renewal"] is not None and 0 <= c["days_to_renewal"] <= 30 for c in churn)
    assert any(c["renewal_status"] == "unknown" for c in churn)
    summary = reports[CHURN]["summary"]
    assert summary["lapsed_renewals"]["count"] >= 1
    assert summary["renewals_due"]["next_30_days"]["count"] >= 1


def test_sample_spans_every_expansion_category_an_enablement_need_and_three_readiness_states(reports):
    customers = reports[EXPANSION]["customers"]
    categories = {o["category"] for c in customers for o in c["opportunities"]}
    assert categories == {"seat_expansion", "tier_upgrade", "module_cross_sell", "department_expansion"}
    assert any(c["enablement_needs"] for c in customers)
    assert {c["readiness"]["status"] for c in customers} == {"ready", "stabilise first", "renew first"}


def test_the_benchmarks_reference_quotes_the_sample_as_the_health_tool_scores_it(reports):
    summary = reports[HEALTH]["summary"]
    with open(os.path.join(ROOT, "references", "cs-metrics-benchmarks.md"), encoding="utf-8") as handle:
        text = " ".join(handle.read().split())
    classes = summary["classes"]
    quoted = (f"{summary['total_customers']} accounts, {classes['green']['share_of_accounts']:.0f}% green, "
              f"{classes['yellow']['share_of_accounts']:.0f}% yellow, {classes['red']['share_of_accounts']:.0f}% red")
    assert quoted in text
    assert f"{classes['red']['share_of_arr']}% of ARR is red" in text
    assert f"({summary['arr_weighted_average_score']})" in text
    assert f"plain average ({summary['average_score']})" in text


# ---- methodology presets ------------------------------------------------------------

def test_default_json_is_exactly_what_print_config_prints():
    result = run(HEALTH, "--print-config")
    assert result.returncode == 0, result.stderr
    assert read(DEFAULT_CONFIG) == result.stdout


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_prints_the_same_default_methodology(tool):
    assert run(tool, "--print-config").stdout == read(DEFAULT_CONFIG)


def test_default_json_loads_as_a_config_and_changes_nothing(reports):
    assert score(HEALTH, SAMPLE_JSON, "--config", DEFAULT_CONFIG) == reports[HEALTH]


@pytest.fixture(scope="module")
def five_dimension():
    return score(HEALTH, SAMPLE_JSON, "--config", FIVE_DIMENSION)


def test_five_dimension_model_scores_business_outcomes(five_dimension):
    assert five_dimension["methodology"] == "five-dimension"
    customers = by_id(five_dimension)
    weights = {name: d["weight"] for name, d in customers["ACC-1001"]["dimensions"].items()}
    assert weights == {"usage": 0.30, "engagement": 0.25, "support": 0.20, "business_outcomes": 0.15,
                       "relationship": 0.10}
    # ACC-1001: ROI 120% of promised (scores 100), 90% of goals met, KPI +35% against a 20% target (100).
    assert customers["ACC-1001"]["dimensions"]["business_outcomes"]["score"] == 96.5
    scored = [c for c in customers.values() if c["dimensions"]["business_outcomes"]["score"] is not None]
    assert {c["segment"] for c in scored} == set(SEGMENTS)
    without = customers["ACC-2001"]
    assert without["dimensions"]["business_outcomes"]["score"] is None
    assert "business_outcomes.roi_achieved_pct" in without["missing_metrics"]
    # As the framework says: scored on the other four (85% of the weight), no overall trend.
    assert without["data_completeness"] == 85.0
    assert without["trends"]["overall"] == "no_data"


def test_five_dimension_model_classes_green_from_80_and_yellow_from_50_in_every_segment(five_dimension):
    customers = five_dimension["customers"]
    for customer in customers:
        overall = customer["overall_score"]
        expected = "green" if overall >= 80 else "yellow" if overall >= 50 else "red"
        assert customer["classification"] == expected, customer["customer_id"]
    default_classes = {c["customer_id"]: c["classification"] for c in score(HEALTH)["customers"]}
    stricter = [c for c in customers if 50 <= c["overall_score"] < 80 and default_classes[c["customer_id"]] == "green"]
    assert stricter, "some account green under the default model is yellow under the five-dimension model"


def test_five_dimension_model_acts_expand_nurture_save(five_dimension):
    actions = {c["classification"]: c["recommendations"][0].split(":")[0] for c in five_dimension["customers"]}
    assert actions == {"green": "Expand", "yellow": "Nurture", "red": "Save"}


# ---- outcomes for the backtest ------------------------------------------------------

SAMPLE_OUTCOMES = os.path.join(ASSETS, "sample_outcomes.csv")


@pytest.mark.parametrize("tool", (HEALTH, CHURN))
def test_sample_outcomes_cover_every_sample_account_and_backtest_cleanly(tool):
    report = score(tool, SAMPLE_JSON, "--outcomes", SAMPLE_OUTCOMES)
    backtest = report["backtest"]
    assert backtest["accounts"] == 20
    assert 0 < backtest["churned"] < 20
    unmatched = backtest["unmatched_outcomes"]
    assert all(not entry["count"] for entry in unmatched.values() if isinstance(entry, dict)), unmatched


def test_the_framework_quotes_the_sample_backtest_suggestion_as_the_churn_tool_makes_it():
    backtest = score(CHURN, SAMPLE_JSON, "--outcomes", SAMPLE_OUTCOMES)["backtest"]
    boundaries = {b["boundary"]: b for b in backtest["suggested_cutoffs"]["boundaries"]}
    high = boundaries["high"]
    with open(os.path.join(ROOT, "references", "health-scoring-framework.md"), encoding="utf-8") as handle:
        text = " ".join(handle.read().split())
    assert f"move the high-risk boundary from {high['current']:g} to {high['suggested']:g}" in text
    assert f"fits {backtest['churned']} churns" in text.replace("six", "6")


def test_the_benchmarks_reference_quotes_the_sample_retention_as_the_portfolio_report_computes_it():
    report = score("portfolio_report.py", SAMPLE_JSON)
    retention = report["views"]["book"]["retention"]
    with open(SAMPLE_JSON, encoding="utf-8") as handle:
        shown_object = json.load(handle)["retention"]
    with open(os.path.join(ROOT, "references", "cs-metrics-benchmarks.md"), encoding="utf-8") as handle:
        text = handle.read()
    example = json.loads(text.split('```json\n{"retention"', 1)[1].split("```", 1)[0].join(['{"retention"', ""]))
    assert example["retention"] == shown_object == sample_portfolio.RETENTION
    flat = " ".join(text.split())
    assert f"NRR {retention['nrr']['value']}%" in flat
    assert f"GRR {retention['grr']['value']}%" in flat


@pytest.mark.parametrize("tool", ["health_score_calculator.py", "churn_risk_analyzer.py",
                                  "expansion_opportunity_scorer.py", "portfolio_report.py"])
@pytest.mark.parametrize("path", [SAMPLE_JSON, SAMPLE_CSV])
def test_the_quick_start_prints_nothing_on_stderr_for_the_shipped_sample(tool, path):
    result = run(tool, path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout


def test_a_misspelt_business_outcomes_column_still_warns(tmp_path):
    book = tmp_path / "book.csv"
    with open(SAMPLE_CSV) as handle:
        book.write_text(handle.read().replace("business_outcomes.goals_met_pct", "business_outcome.goals_met_pct"))
    result = run("health_score_calculator.py", str(book), "--as-of", AS_OF)
    assert result.returncode == 0
    assert result.stderr == (f'warning: {book}: column "business_outcome.goals_met_pct" is not read by any '
                             'analysis (it stays in the record; a --map "keep" carries it into the output)\n')
