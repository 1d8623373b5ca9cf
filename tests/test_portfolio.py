"""The portfolio report's analysis, with figures worked out by hand: retention, renewal quarters and the
forecast, trends, the action list, and accounts one analysis cannot score."""

import argparse
import copy
import datetime

import pytest

from conftest import NORTHWIND
from csm.config import report as report_section
from csm.report import portfolio, views
from csm.report.retention import read_retention
from csm.score import next_action
from csm.render import portfolio as portfolio_views
from csm.errors import InputError, RecordRejected
from csm.config.methodology import default_methodology

AS_OF = datetime.date(2026, 11, 22)


def model_of(**report_section):
    methodology = default_methodology()
    methodology["report"].update(report_section)
    return portfolio.prepare(methodology, AS_OF)


def account(customer_id, **changes):
    """NORTHWIND under another id, with top-level fields or whole sections replaced."""
    raw = copy.deepcopy(NORTHWIND)
    raw["customer_id"] = customer_id
    raw["name"] = f"Account {customer_id}"
    raw.update(changes)
    return raw


FULL = argparse.Namespace(full=True, account=None, format="json")  # each account listed in full


def report_of(records, document=None, model=None):
    """Score records the way the command layer does, then add the cross-views."""
    model = model or model_of()
    summary = portfolio.Summary(model)
    kept = []
    for raw in records:
        result = portfolio.assess(raw, model)
        summary.add(result)
        kept.append((next_action.urgency_key(result), portfolio.keep(result, model, FULL)))
    kept.sort(key=lambda pair: pair[0])
    report = {"report": "portfolio_report", "as_of": AS_OF.isoformat(), "methodology": "default",
              "summary": summary.result(0), "customers": [account for _, account in kept], "rejected": []}
    warnings = portfolio.complete(report, model, read_retention(document or {}, model, "portfolio.json"))
    return report, warnings


# Retention: NRR and GRR ------------------------------------------------------------------------

RETENTION = {"period_start": "2026-07-01", "period_end": "2026-09-30", "starting_arr": 1000000,
             "expansion_arr": 150000, "contraction_arr": 30000, "churned_arr": 50000}


def test_nrr_and_grr_are_worked_from_the_retention_object():
    view = read_retention({"retention": RETENTION}, model_of())
    # NRR = (1,000,000 + 150,000 - 30,000 - 50,000) / 1,000,000 = 107.0%, under the 110% benchmark;
    # GRR = (1,000,000 - 30,000 - 50,000) / 1,000,000 = 92.0%, over the 90% benchmark.
    assert view["nrr"] == {"value": 107.0, "benchmark": 110, "meets_benchmark": False}
    assert view["grr"] == {"value": 92.0, "benchmark": 90, "meets_benchmark": True}
    assert view["ending_arr"] == 1070000
    assert (view["period_start"], view["period_end"]) == ("2026-07-01", "2026-09-30")


def test_a_figure_at_its_benchmark_meets_it():
    retention = dict(RETENTION, expansion_arr=180000)  # (1,000,000 + 180,000 - 80,000) / 1,000,000 = 110%
    assert read_retention({"retention": retention}, model_of())["nrr"]["meets_benchmark"] is True


def test_a_config_moves_the_retention_benchmarks():
    view = read_retention({"retention": RETENTION}, model_of(benchmarks={"nrr": 105, "grr": 95,
                                                                                  "average_health": 75}))
    assert view["nrr"]["meets_benchmark"] is True and view["grr"]["meets_benchmark"] is False


def test_no_retention_object_means_no_nrr_or_grr():
    assert read_retention({}, model_of()) is None
    assert read_retention({"retention": None}, model_of()) is None


def test_a_wrong_retention_object_names_every_problem():
    retention = {"period_start": "2026-13-01", "starting_arr": 1000000, "expansion_arr": -5,
                 "contraction_arr": True, "churn_arr": 50000}
    with pytest.raises(InputError) as caught:
        read_retention({"retention": retention}, model_of(), "book.json")
    assert str(caught.value).splitlines() == [
        "book.json: unknown key retention.churn_arr (known here: period_start, period_end, starting_arr, "
        "expansion_arr, contraction_arr, churned_arr)",
        "book.json: retention.expansion_arr must be a number of 0 or more, got -5",
        "book.json: retention.contraction_arr must be a number of 0 or more, got true",
        "book.json: retention.churned_arr is missing (ARR, a number of 0 or more)",
        'book.json: retention.period_start must be a date written YYYY-MM-DD, got "2026-13-01"',
    ]


@pytest.mark.parametrize("retention, message", [
    ("lots", 'retention must be an object with period_start, period_end, starting_arr, expansion_arr, '
             'contraction_arr, churned_arr, got "lots"'),
    (dict(RETENTION, starting_arr=0, contraction_arr=0, churned_arr=0),
     "retention.starting_arr must be at least $1 (NRR and GRR are shares of it), got 0"),
    (dict(RETENTION, starting_arr=1e-300, contraction_arr=0, churned_arr=0),
     "retention.starting_arr must be at least $1 (NRR and GRR are shares of it), got 1e-300"),
    (dict(RETENTION, churned_arr=990000),
     "retention.contraction_arr + retention.churned_arr ($1,020,000) is more than retention.starting_arr "
     "($1,000,000): a period cannot lose more ARR than it started with"),
    (dict(RETENTION, period_start="2026-10-01"),
     "retention.period_start (2026-10-01) is after retention.period_end (2026-09-30)"),
    (dict(RETENTION, starting_arr=float("nan")), "retention.starting_arr must be a number of 0 or more, got NaN"),
])
def test_a_retention_object_that_cannot_give_nrr_is_refused(retention, message):
    with pytest.raises(InputError) as caught:
        read_retention({"retention": retention}, model_of(), "book.json")
    assert str(caught.value) == f"book.json: {message}"


# Renewals by quarter, the forecast, lapsed renewals ---------------------------------------------

def renewal(customer_id, arr, tier, days):
    end = None if days is None else (AS_OF + datetime.timedelta(days=days)).isoformat()
    return {"customer_id": customer_id, "name": customer_id, "segment": "smb", "arr": arr,
            "churn": {"risk_tier": tier, "risk_score": 50.0, "days_to_renewal": days, "contract_end_date": end}}


RENEWALS = [
    renewal("A", 100000, "critical", 10),   # Q1
    renewal("B", 50000, "low", 90),         # Q1, its last day
    renewal("C", 40000, "high", 91),        # Q2, its first day
    renewal("D", 20000, "medium", 363),     # Q4, its last day
    renewal("E", 10000, "low", 364),        # after Q4
    renewal("F", 30000, "high", -5),        # lapsed
    renewal("G", 5000, "low", None),        # no renewal date
    {"customer_id": "H", "name": "H", "segment": "smb", "arr": 7000, "churn": None},
]


def test_renewal_quarters_are_rolling_91_day_windows_from_the_as_of_date():
    quarters = views.renewals(RENEWALS, model_of())["quarters"]
    assert [(q["quarter"], q["start"], q["end"]) for q in quarters] == [
        ("Q1", "2026-11-22", "2027-02-20"), ("Q2", "2027-02-21", "2027-05-22"),
        ("Q3", "2027-05-23", "2027-08-21"), ("Q4", "2027-08-22", "2027-11-20")]
    assert [q["accounts"] for q in quarters] == [["A", "B"], ["C"], [], ["D"]]
    assert [(q["count"], q["arr"]) for q in quarters] == [(2, 150000), (1, 40000), (0, 0), (1, 20000)]
    assert quarters[0]["tiers"]["critical"] == {"count": 1, "arr": 100000}
    assert quarters[0]["tiers"]["low"] == {"count": 1, "arr": 50000}


def test_the_renewal_forecast_is_arr_times_the_probability_of_its_tier():
    view = views.renewals(RENEWALS, model_of())
    # Q1: 100,000 x 0.35 + 50,000 x 0.95 = 82,500; Q2: 40,000 x 0.60 = 24,000; Q4: 20,000 x 0.80 = 16,000.
    assert [q["forecast_arr"] for q in view["quarters"]] == [82500, 24000, 0, 16000]
    assert view["quarters"][0]["forecast_share"] == 55.0
    assert view["quarters"][2]["forecast_share"] is None
    assert (view["total"]["count"], view["total"]["arr"], view["total"]["forecast_arr"]) == (4, 210000, 122500)


def test_a_lapsed_renewal_is_listed_apart_and_left_out_of_the_forecast():
    view = views.renewals(RENEWALS, model_of())
    lapsed = view["lapsed"]
    assert (lapsed["count"], lapsed["arr"]) == (1, 30000)
    assert lapsed["tiers"]["high"] == {"count": 1, "arr": 30000}
    assert lapsed["accounts"][0]["customer_id"] == "F"
    assert lapsed["accounts"][0]["days_overdue"] == 5
    assert all("F" not in q["accounts"] for q in view["quarters"])
    assert view["later"] == {"count": 1, "arr": 10000}
    assert view["unknown_date"] == {"count": 1, "arr": 5000, "customer_ids": ["G"]}
    assert view["not_in_churn_analysis"] == ["H"]


def test_a_config_sets_the_quarters_and_the_probabilities():
    model = model_of(renewal_quarters={"count": 2, "days": 30},
                     renewal_probability={"critical": 0.5, "high": 0.5, "medium": 0.9, "low": 1.0})
    view = views.renewals(RENEWALS, model)
    assert [q["accounts"] for q in view["quarters"]] == [["A"], []]
    assert view["quarters"][0]["forecast_arr"] == 50000
    assert view["later"]["count"] == 4


def test_the_report_says_the_probabilities_are_assumptions_unless_a_backtest_set_them():
    view = views.renewals(RENEWALS, model_of())
    assert view["probabilities_are_assumptions"] is True
    assert "These probabilities are assumptions, not calibrated by a backtest" in portfolio_views.forecast_words(view)
    calibrated = views.renewals(RENEWALS, model_of(renewal_probability_source="backtest on 2025 renewals"))
    assert calibrated["probabilities_are_assumptions"] is False
    words = portfolio_views.forecast_words(calibrated)
    assert "Probabilities: backtest on 2025 renewals." in words and "assumptions" not in words


# Trends ----------------------------------------------------------------------------------------

def with_health(customer_id, now, previous, klass, direction, arr=10000):
    return {"customer_id": customer_id, "name": customer_id, "segment": "mid-market", "arr": arr,
            "health": {"segment": "mid-market", "classification": klass, "overall_score": now,
                       "previous_overall_score": previous, "trends": {"overall": direction},
                       "attention_priority": "low"}}


def test_trends_find_the_declining_the_greens_falling_and_the_reds_recovering():
    customers = [
        with_health("A", 76.0, 84.0, "green", "declining"),   # declining, a green falling
        with_health("B", 68.0, 72.0, "yellow", "stable"),     # was green (mid-market green from 70): falling
        with_health("C", 40.0, 30.0, "red", "improving"),     # a red recovering
        with_health("D", 47.0, 40.0, "yellow", "improving"),  # was red (below 45): recovering
        with_health("E", 60.0, 61.0, "yellow", "stable"),     # nothing to say
        with_health("F", 50.0, None, "yellow", "no_data"),    # no previous period
        {"customer_id": "G", "name": "G", "segment": "smb", "arr": 1, "health": None},
    ]
    found = views.trends(customers, model_of())
    assert [e["customer_id"] for e in found["declining"]] == ["A"]
    assert [e["customer_id"] for e in found["falling_greens"]] == ["A", "B"]
    assert [e["customer_id"] for e in found["recovering_reds"]] == ["C", "D"]
    assert found["falling_greens"][1]["previous_classification"] == "green"
    assert found["falling_greens"][1]["change"] == -4.0


# One record through the three analyses ---------------------------------------------------------

def test_an_account_keeps_the_analyses_that_worked_and_the_errors_of_the_others():
    raw = account("ACC-1", usage={"login_frequency": "high", "feature_adoption": 55, "dau_mau_ratio": 0.31})
    result = portfolio.assess(raw, model_of())
    assert result["health"] is None
    assert result["analysis_errors"] == {
        "health": ['usage.login_frequency must be a number from 0 to 100, got "high"']}
    assert result["churn"]["risk_tier"] == "low"
    assert result["expansion"]["total_estimated_revenue"] == 165547


def test_the_report_reuses_health_and_churn_for_readiness_and_gets_the_expansion_tools_own_answer():
    # Readiness in the report takes the health and churn results it has just worked out; on damaged
    # records as on good ones, the expansion result must be the one the expansion tool gives alone.
    from csm.score import expansion
    from test_damage import damaged_portfolio
    model = model_of()
    own = expansion.prepare(default_methodology(), AS_OF)  # the expansion tool's model
    own.lifecycle = None  # the report gives the stage once, beside the account's actions
    compared = 0
    for seed in range(40):
        for raw in damaged_portfolio(seed):
            if not isinstance(raw, dict):
                continue
            try:
                alone = expansion.assess(copy.deepcopy(raw), own)
            except RecordRejected:
                alone = None
            try:
                in_report = portfolio.assess(raw, model)["expansion"]
            except RecordRejected:
                in_report = None
            if alone is not None:  # the report keeps one next action per account, not one per analysis
                del alone["next_action"]
            assert in_report == alone
            compared += alone is not None
    assert compared > 500


def test_a_record_is_rejected_only_when_all_three_analyses_fail():
    with pytest.raises(RecordRejected) as caught:
        portfolio.assess({"customer_id": "X-1", "segment": "smb"}, model_of())
    assert caught.value.errors == ["arr is missing (annual recurring revenue, a number of 0 or more)"]


def test_the_summary_of_each_analysis_counts_the_accounts_it_could_not_score_as_rejected():
    report, warnings = report_of([account("ACC-1"), account("ACC-2", usage="none", engagement=None,
                                                             support=None, relationship=None)])
    summary = report["summary"]
    assert (summary["total_customers"], summary["rejected_count"]) == (2, 0)
    assert (summary["health"]["total_customers"], summary["health"]["rejected_count"]) == (1, 1)
    assert (summary["churn"]["total_customers"], summary["churn"]["rejected_count"]) == (2, 0)
    assert warnings == [("ACC-2", 'health not scored: usage must be an object, got "none"')]


def test_the_priority_is_the_most_urgent_of_churn_risk_and_health_attention():
    assert next_action.account_priority({"attention_priority": "medium"},
                                      {"risk_tier": "low", "renewal_status": "lapsed"}) == "critical"
    assert next_action.account_priority(None, {"risk_tier": "high", "renewal_status": "due"}) == "high"
    assert next_action.account_priority({"attention_priority": "low"}, None) == "low"


# This week and the action list -----------------------------------------------------------------

CRITICAL_SIGNALS = {
    "usage_decline": {"login_trend": -40, "feature_adoption_change": -20, "dau_mau_change": -0.2},
    "engagement_drop": {"meeting_cancellations": 4, "response_time_days": 8, "nps_change": -5},
    "support_issues": {"open_escalations": 3, "unresolved_critical": 2, "satisfaction_trend": "critical"},
    "relationship_signals": {"champion_left": True, "sponsor_change": True, "competitor_mentions": 3},
    "commercial_factors": {"contract_type": "month-to-month", "pricing_complaints": True,
                           "budget_cuts_mentioned": True},
}


@pytest.fixture
def book():
    return report_of([
        account("PLAIN"),                                               # low risk, green: an expansion call
        account("SOON", contract_end_date="2026-12-12"),                # renews in 20 days
        account("LAPSED", contract_end_date="2026-11-01", arr=1000),    # lapsed 21 days ago
        account("RISKY", **CRITICAL_SIGNALS),                           # critical churn risk
    ])[0]


def test_this_week_lists_critical_and_high_risk_accounts_with_why_and_the_first_action(book):
    this_week = book["views"]["this_week"]
    assert [e["customer_id"] for e in this_week] == ["RISKY"]
    entry = this_week[0]
    assert entry["risk_tier"] == "critical"
    assert entry["renewal"] == "renews in 129 days on 2027-03-31"
    assert 2 <= len(entry["reasons"]) <= 3
    assert entry["first_action"].startswith("Escalate: our executive calls the decision maker within 48 hours")


def test_the_action_list_calls_the_most_urgent_first_then_by_arr_at_stake_and_says_why(book):
    actions = book["views"]["action_list"]
    # RISKY ($64,000, critical) and LAPSED ($1,000) are both "act today": the larger ARR at stake comes first.
    assert [(e["rank"], e["customer_id"], e["urgency"]) for e in actions] == [
        (1, "RISKY", "act today"), (2, "LAPSED", "act today"), (3, "SOON", "this week"), (4, "PLAIN", "monitor")]
    assert actions[1]["reasons"] == ["renewal lapsed 21 days ago on 2026-11-01"]
    assert actions[1]["action"] == "Get the lapsed renewal signed today, or a written extension."
    assert actions[0]["action"].startswith("Escalate: our executive calls the decision maker within 48 hours")
    assert actions[2]["reasons"] == ["renews in 20 days on 2026-12-12",
                                     "ready to expand: $165,547 ready in 5 opportunities"]
    assert actions[3]["action"].startswith("Open an expansion conversation")
    assert book["views"]["action_list_rest"] == {"count": 0, "arr": 0, "capacity": 15}


def test_the_action_list_is_cut_to_the_capacity_and_counts_the_rest():
    records = [account(f"R-{n}", arr=1000 * n, **CRITICAL_SIGNALS) for n in range(1, 6)]
    report, _ = report_of(records, model=portfolio.prepare(default_methodology(), AS_OF, capacity=2))
    assert [e["customer_id"] for e in report["views"]["action_list"]] == ["R-5", "R-4"]
    assert report["views"]["action_list_rest"] == {"count": 3, "arr": 6000, "capacity": 2}


def test_a_large_account_renewing_in_4_days_is_called_before_a_small_lapsed_one():
    records = [account("SMALL-LAPSED", arr=24648, contract_end_date="2026-11-01"),
               account("BIG-SOON", arr=972959, contract_end_date="2026-11-26", **CRITICAL_SIGNALS)]
    report, _ = report_of(records)
    assert [e["customer_id"] for e in report["views"]["action_list"]] == ["BIG-SOON", "SMALL-LAPSED"]
    assert [c["customer_id"] for c in report["customers"]] == ["BIG-SOON", "SMALL-LAPSED"]


def test_expansion_waits_for_an_account_to_be_stabilised(book):
    expansion = book["views"]["expansion"]
    assert [(e["customer_id"], e["status"]) for e in expansion["stabilise_first"]] == [
        ("RISKY", "stabilise first"), ("LAPSED", "renew first")]
    assert "LAPSED" not in [e["customer_id"] for e in expansion["ready_now"]]
    assert "RISKY" not in [e["customer_id"] for e in expansion["ready_now"]]
    pipeline = expansion["pipeline"]
    assert sum(line["ready_revenue"] + line["on_hold_revenue"] for line in pipeline.values()) == \
        book["summary"]["expansion"]["total_estimated_revenue"] == expansion["total_estimated_revenue"]


def test_the_book_at_a_glance_takes_its_figures_from_the_analyses_summaries(book):
    glance = book["views"]["book"]
    summary = book["summary"]
    assert glance["accounts"] == 4
    assert glance["total_arr"] == summary["total_arr"] == 3 * 64000 + 1000
    assert glance["health_mix"] == summary["health"]["classes"]
    assert glance["arr_at_risk"] == summary["churn"]["total_arr_at_risk"] == 64000
    assert glance["expansion_potential"] == summary["expansion"]["total_estimated_revenue"]
    assert glance["retention"] is None


def test_a_retention_object_in_the_document_reaches_the_book_at_a_glance():
    report, _ = report_of([account("PLAIN")], document={"customers": [], "retention": RETENTION})
    assert report["views"]["book"]["retention"]["nrr"]["value"] == 107.0
    assert list(report)[-3:] == ["views", "customers", "rejected"]


# The methodology's report section --------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"renewal_probability": {"critical": 0.9, "high": 0.6, "medium": 0.8, "low": 0.95}},
     "report.renewal_probability: out of order (critical 0.9 is above high 0.6; a riskier tier cannot renew "
     "more often)"),
    ({"renewal_probability": {"critical": 1.5, "high": 0.6, "medium": 0.8, "low": 0.95}},
     "report.renewal_probability.critical must be from 0 to 1, got 1.5"),
    ({"renewal_quarters": {"count": 2.5, "days": 91}}, "report.renewal_quarters.count must be a whole number, got 2.5"),
    ({"renewal_probability_source": " "}, 'report.renewal_probability_source must not be empty ("assumption", or '
                                          "the backtest that calibrated the probabilities)"),
])
def test_a_report_section_that_makes_no_sense_is_named(change, message):
    section = dict(report_section.DEFAULTS, **change)
    assert report_section.check(section, default_methodology()) == [message]


def test_a_run_listing_briefs_has_the_same_summary_and_views_as_one_listing_full_results_on_damaged_books():
    # The report keeps of each account its brief and its entries in the views (portfolio.keep):
    # the views made from those are the ones made from the full results.
    from csm.report import listing as portfolio_brief
    from test_damage import damaged_portfolio
    model = model_of()
    briefs = argparse.Namespace(full=False, account=None, format="json")
    for seed in range(12):
        records = list({raw.get("customer_id"): raw for raw in damaged_portfolio(seed)  # ids once, as the tools do
                        if isinstance(raw, dict) and isinstance(raw.get("customer_id"), str)}.values())
        reports = []
        for args in (FULL, briefs):
            summary = portfolio.Summary(model)
            kept = []
            for raw in copy.deepcopy(records):
                try:
                    result = portfolio.assess(raw, model)
                except RecordRejected:
                    continue
                summary.add(result)
                kept.append((next_action.urgency_key(result), portfolio.keep(result, model, args)))
            kept.sort(key=lambda pair: pair[0])
            report = {"summary": summary.result(0), "customers": [account for _, account in kept], "rejected": []}
            portfolio.complete(report, model, None)
            reports.append(report)
        full, brief = reports
        assert brief["summary"] == full["summary"] and brief["views"] == full["views"]
        assert brief["customers"] == [portfolio_brief.brief(account) for account in full["customers"]]
        for account in full["customers"]:  # one next action per account: the report's
            assert "next_action" in account
            assert all("next_action" not in account[name] for name in ("health", "churn", "expansion")
                       if account[name] is not None)


def test_a_brief_keeps_the_churn_fields_in_their_order_and_the_top_opportunity_without_its_words():
    from csm.report import listing as portfolio_brief
    report, _ = report_of([account("ACC-1"), account("ACC-2", contract_end_date="2026-12-01")])
    for result in report["customers"]:
        made = portfolio_brief.brief(result)
        assert list(made["churn"]) == list(portfolio_brief.CHURN_FIELDS)
        assert made["churn"] == {name: result["churn"][name] for name in portfolio_brief.CHURN_FIELDS}
        # its largest ready opportunity (none ready: its largest), the first by priority of equal ones
        first = sorted(result["expansion"]["opportunities"],
                       key=lambda o: (o["readiness"] != "ready", -o["estimated_revenue"]))[0]
        assert made["expansion"]["top_opportunity"] == {key: value for key, value in first.items()
                                                        if key != "rationale"}
        assert "rationale" in first  # the full result keeps what its brief leaves out
