"""Expansion opportunities, checked against figures worked out by hand from references/methodology.md section 3."""

import copy
import datetime
import json

import pytest

from csm.report.summaries import ExpansionSummary
from csm.score import churn, expansion, health
from csm.errors import ConfigError, RecordRejected
from csm.config.methodology import default_methodology, load_methodology

AS_OF = datetime.date(2026, 11, 22)


@pytest.fixture(scope="module")
def model():
    return expansion.prepare(default_methodology(), AS_OF)


def account(segment="mid-market", arr=100000, **sections):
    """A record with only the sections given (no health or churn data unless asked for)."""
    return {"customer_id": "X-1", "name": "Example Co", "segment": segment, "arr": arr, **sections}


def seats(licensed, active):
    return {"licensed_seats": licensed, "active_seats": active}


def tiers(plan_tier, available):
    return {"plan_tier": plan_tier, "available_tiers": available}


def figures(result):
    """(category, what it is about, estimated_revenue, priority_score) per opportunity, in ranked order."""
    return [(o["category"], o.get("target_tier") or o.get("module") or o.get("department") or "",
             o["estimated_revenue"], o["priority_score"]) for o in result["opportunities"]]


def rejection(record, model, from_text=False):
    with pytest.raises(RecordRejected) as caught:
        expansion.assess(record, model, from_text)
    return caught.value.errors


# The worked account of references/input-schema.md


def test_worked_account_opportunities_have_the_methodology_revenue_and_priority(model, northwind):
    result = expansion.assess(northwind, model)
    assert figures(result) == [
        # 64000 / 1.8 x 3.0 - 64000 = 42666.67 -> 42667; 42667 / 2000 = 21.33 x 2 (medium) = 42.7
        ("tier_upgrade", "enterprise", 42667, 42.7),
        # 64000 / max(1, 1 department) x 0.8 = 51200; 25.6 x 1 (high); equal priority: by name
        ("department_expansion", "finance", 51200, 25.6),
        ("department_expansion", "sales", 51200, 25.6),
        # 57 / 60 = 0.95 >= 0.90: 64000 x 0.20 (mid-market) = 12800; 6.4 x 3 (low) = 19.2
        ("seat_expansion", "", 12800, 19.2),
        # integrations_module not adopted: 64000 x 0.12 = 7680; 3.84 x 3 = 11.52 -> 11.5
        ("module_cross_sell", "integrations_module", 7680, 11.5),
    ]
    assert result["total_estimated_revenue"] == 42667 + 51200 + 51200 + 12800 + 7680
    assert result["opportunity_count"] == 5
    assert result["missing_fields"] == []


def test_adoption_summary_of_the_worked_account(model, northwind):
    assert expansion.assess(northwind, model)["adoption_summary"] == {
        "total_modules": 3,
        "adopted_modules": 2,
        "adoption_rate": 66.7,  # 2 of 3
        "avg_usage_pct": 55.0,  # adopted modules: (88 + 22) / 2
        "licensed_seats": 60,
        "active_seats": 57,
        "seat_utilisation": 95.0,  # 57 / 60, a percentage as published
        "seat_utilisation_ratio": 0.95,
        "current_tier": "professional",
        "departments_covered": 1,
        "departments_potential": 2,  # finance and sales, neither held yet
    }


def test_every_opportunity_carries_the_published_fields(model, northwind):
    for opportunity in expansion.assess(northwind, model)["opportunities"]:
        assert {"type", "category", "estimated_revenue", "effort", "rationale", "priority_score",
                "readiness"} <= set(opportunity)
        assert isinstance(opportunity["estimated_revenue"], int)
        assert isinstance(opportunity["priority_score"], float)


# Seat expansion


def test_seat_expansion_is_proposed_at_95_percent_utilisation(model):
    result = expansion.assess(account(contract=seats(100, 95)), model)
    (opportunity,) = result["opportunities"]
    assert opportunity["category"] == "seat_expansion"
    assert opportunity["type"] == "Seat expansion"
    assert opportunity["effort"] == "low"
    assert opportunity["estimated_revenue"] == 20000  # 100000 x 0.20 (mid-market)
    assert opportunity["additional_seats"] == 20  # int(100 x 0.20)
    assert opportunity["priority_score"] == 30.0  # 20000 / 2000 = 10 x 3
    assert opportunity["rationale"].startswith("95 of 100 licensed seats are in use (95.0%")
    assert result["adoption_summary"]["seat_utilisation"] == 95.0
    assert (opportunity["seat_utilisation"], opportunity["seat_utilisation_ratio"]) == (95.0, 0.95)


def test_seat_expansion_is_not_proposed_at_89_percent_utilisation(model):
    result = expansion.assess(account(contract=seats(100, 89)), model)
    assert result["opportunities"] == []
    assert result["categories_evaluated"] == ["seat_expansion"]
    assert result["adoption_summary"]["seat_utilisation"] == 89.0


def test_exactly_90_percent_utilisation_triggers_seat_expansion(model):
    assert figures(expansion.assess(account(contract=seats(60, 54)), model)) == [
        ("seat_expansion", "", 20000, 30.0)]


@pytest.mark.parametrize("segment, licensed, additional, revenue", [
    ("smb", 55, 8, 15000),  # int(55 x 0.15) = int(8.25); 100000 x 0.15
    ("enterprise", 7, 1, 25000),  # int(7 x 0.25) = int(1.75); 100000 x 0.25
    ("mid-market", 4, 0, 20000),  # int(4 x 0.20) = int(0.8): revenue still arr x growth
])
def test_additional_seats_are_the_whole_part_of_licensed_times_growth(model, segment, licensed, additional,
                                                                      revenue):
    (opportunity,) = expansion.assess(account(segment, contract=seats(licensed, licensed)), model)["opportunities"]
    assert (opportunity["additional_seats"], opportunity["estimated_revenue"]) == (additional, revenue)


def test_more_active_than_licensed_seats_is_allowed_and_noted(model):
    result = expansion.assess(account(contract=seats(10, 12)), model)
    assert result["adoption_summary"]["seat_utilisation"] == 120.0
    assert figures(result) == [("seat_expansion", "", 20000, 30.0)]
    assert result["notes"] == ["active_seats (12) is above licensed_seats (10): more seats in use than paid for"]


def test_seat_utilisation_is_the_published_percentage_to_one_decimal_with_the_ratio_beside_it(model):
    summary = expansion.assess(account(contract=seats(1000, 935)), model)["adoption_summary"]
    assert (summary["seat_utilisation"], summary["seat_utilisation_ratio"]) == (93.5, 0.935)
    summary = expansion.assess(account(contract=seats(3, 2)), model)["adoption_summary"]
    assert (summary["seat_utilisation"], summary["seat_utilisation_ratio"]) == (66.7, 0.667)


def test_zero_licensed_seats_gives_no_utilisation_and_says_why(model):
    result = expansion.assess(account(contract=seats(0, 0)), model)
    assert result["adoption_summary"]["seat_utilisation"] is None
    assert result["adoption_summary"]["seat_utilisation_ratio"] is None
    assert result["opportunities"] == []
    assert result["notes"] == ["licensed_seats is 0: seat utilisation cannot be computed"]


# Tier upgrade


def test_tier_upgrade_with_a_reversed_tier_list_picks_the_next_tier_up(model):
    record = account(arr=90000, contract=tiers("professional",
                                               ["enterprise_plus", "enterprise", "professional", "starter"]))
    (opportunity,) = expansion.assess(record, model)["opportunities"]
    assert opportunity["category"] == "tier_upgrade"
    assert (opportunity["current_tier"], opportunity["target_tier"]) == ("professional", "enterprise")
    assert opportunity["estimated_revenue"] == 60000  # 90000 / 1.8 x 3.0 - 90000
    assert opportunity["effort"] == "medium"
    assert opportunity["priority_score"] == 60.0  # 30 x 2


def test_tier_upgrade_skips_tiers_not_on_offer(model):
    record = account(arr=90000, contract=tiers("starter", ["enterprise_plus", "enterprise"]))
    # 90000 / 1.0 x 3.0 - 90000 = 180000; clamp(90) x 2 = 180
    assert figures(expansion.assess(record, model)) == [("tier_upgrade", "enterprise", 180000, 180.0)]


def test_the_top_tier_has_no_upgrade(model):
    record = account(contract=tiers("enterprise_plus", ["starter", "enterprise_plus"]))
    result = expansion.assess(record, model)
    assert result["opportunities"] == []
    assert result["adoption_summary"]["current_tier"] == "enterprise_plus"


def test_tier_names_are_compared_without_regard_to_case_or_separators(model):
    record = account(arr=90000, contract=tiers("Enterprise", ["ENTERPRISE-PLUS", "enterprise plus"]))
    # 90000 / 3.0 x 4.5 - 90000 = 45000; 22.5 x 2 = 45
    assert figures(expansion.assess(record, model)) == [("tier_upgrade", "enterprise_plus", 45000, 45.0)]


def test_an_unknown_tier_name_is_an_error_listing_the_known_ones(model):
    record = account(contract=tiers("Gold", ["starter", "platinum"]))
    assert rejection(record, model) == [
        'contract.plan_tier must be one of starter, professional, enterprise, enterprise_plus, got "Gold"',
        'contract.available_tiers[1] must be one of starter, professional, enterprise, enterprise_plus, '
        'got "platinum"',
    ]


def test_priority_clamps_the_revenue_share_at_100_before_the_effort_multiplier(model):
    # 600000 / 1.0 x 1.8 - 600000 = 480000; 480000 / 2000 = 240 -> clamp 100 x 2 = 200
    record = account(arr=600000, contract=tiers("starter", ["professional"]))
    assert figures(expansion.assess(record, model)) == [("tier_upgrade", "professional", 480000, 200.0)]


@pytest.mark.parametrize("revenue, category, priority", [
    (12345, "department_expansion", 6.2),  # 6.1725 x 1
    (1999, "seat_expansion", 3.0),  # 0.9995 x 3 = 2.9985
    (250000, "tier_upgrade", 200.0),  # clamp(125) = 100 x 2
    (0, "module_cross_sell", 0.0),
])
def test_priority_is_clamped_revenue_over_2000_times_the_effort_multiplier(model, revenue, category, priority):
    assert expansion.priority_score(revenue, category, model) == priority


# Module cross-sell and enablement


def test_module_cross_sell_revenue_is_arr_times_the_module_fraction(model):
    record = account(product_usage={
        "core_platform": {"adopted": False, "usage_pct": 0},
        "security_module": {"adopted": False, "usage_pct": 0},
        "data_export": {"adopted": False},
        "custom_workflows": {"adopted": True, "usage_pct": 64},
    })
    assert figures(expansion.assess(record, model)) == [
        ("module_cross_sell", "security_module", 20000, 30.0),  # 100000 x 0.20; 10 x 3
        ("module_cross_sell", "data_export", 8000, 12.0),  # 100000 x 0.08; 4 x 3
    ]  # core_platform (fraction 0) is never offered; custom_workflows is adopted


def test_a_module_outside_the_catalogue_is_worth_ten_percent(model):
    record = account(arr=64000, product_usage={"voice_module": {"adopted": False, "usage_pct": 0}})
    (opportunity,) = expansion.assess(record, model)["opportunities"]
    assert (opportunity["module"], opportunity["estimated_revenue"], opportunity["priority_score"]) == (
        "voice_module", 6400, 9.6)  # 64000 x 0.10; 3.2 x 3
    assert "the default for modules outside the catalogue" in opportunity["rationale"]


def test_module_names_are_matched_to_the_catalogue_without_regard_to_case(model):
    record = account(product_usage={"Analytics Module": {"adopted": False, "usage_pct": 0}})
    assert figures(expansion.assess(record, model)) == [("module_cross_sell", "analytics_module", 15000, 22.5)]


def test_an_adopted_module_under_30_percent_usage_is_an_enablement_need_not_a_sale(model):
    record = account(product_usage={
        "analytics_module": {"adopted": True, "usage_pct": 29.9},
        "automation_module": {"adopted": True, "usage_pct": 30},
        "sso_module": {"adopted": False, "usage_pct": 0},
    })
    result = expansion.assess(record, model)
    assert result["enablement_needs"] == [{
        "module": "analytics_module", "usage_pct": 29.9,
        "action": "Adopted but used at 29.9% (under 30%): run an enablement session with its users; "
                  "value comes before any upsell.",
    }]
    assert figures(result) == [("module_cross_sell", "sso_module", 8000, 12.0)]
    assert result["total_estimated_revenue"] == 8000  # enablement carries no revenue


def test_the_same_module_listed_twice_under_two_spellings_is_an_error(model):
    record = account(product_usage={"sso_module": {"adopted": False}, "SSO Module": {"adopted": True}})
    assert rejection(record, model) == [
        'product_usage lists one module twice: "sso_module" and "SSO Module"']


def test_a_module_without_its_adopted_flag_is_listed_as_missing_not_taken_as_false(model):
    record = account(product_usage={"sso_module": {"usage_pct": 40}, "api_access": {"adopted": False}})
    result = expansion.assess(record, model)
    assert figures(result) == [("module_cross_sell", "api_access", 10000, 15.0)]
    assert result["missing_fields"] == [
        "contract.licensed_seats", "contract.active_seats", "contract.plan_tier", "contract.available_tiers",
        "product_usage.sso_module.adopted", "departments.current", "departments.potential"]
    assert result["adoption_summary"]["total_modules"] == 1


# Department expansion


def test_department_expansion_skips_a_department_already_held_under_another_spelling(model):
    record = account(departments={"current": ["Customer Success", "sales"],
                                  "potential": ["customer_success", "customer-success", "Finance"]})
    result = expansion.assess(record, model)
    # 100000 / 2 current departments x 0.8 = 40000; 20 x 1 (high)
    assert figures(result) == [("department_expansion", "Finance", 40000, 20.0)]
    assert result["opportunities"][0]["effort"] == "high"
    assert result["adoption_summary"]["departments_covered"] == 2
    assert result["adoption_summary"]["departments_potential"] == 1


def test_department_revenue_divides_by_at_least_one_department(model):
    record = account(arr=50000, departments={"current": [], "potential": ["hr"]})
    assert figures(expansion.assess(record, model)) == [("department_expansion", "hr", 40000, 20.0)]


def test_a_department_named_twice_counts_once(model):
    record = account(departments={"current": ["Sales", "sales ", "SALES"], "potential": ["legal"]})
    result = expansion.assess(record, model)
    assert figures(result) == [("department_expansion", "legal", 80000, 40.0)]  # 100000 / 1 x 0.8
    assert result["notes"] == ['departments.current names "Sales" more than once; counted once']


def test_lists_read_before_give_the_same_answer_and_never_let_a_bad_list_through():
    # Name lists repeat across a book and are remembered once read without a problem; a fresh
    # model, then the same lists again, good and bad, in both orders.
    model = expansion.prepare(default_methodology(), AS_OF)
    good = account(contract=tiers("starter", ["starter", "professional"]),
                   departments={"current": ["Sales", "sales "], "potential": ["legal", "Sales"]})
    first = expansion.assess(copy.deepcopy(good), model)
    assert first == expansion.assess(copy.deepcopy(good), model)
    assert first["notes"] == ['departments.current names "Sales" more than once; counted once']
    bad = [
        (account(contract=tiers("starter", ["starter", "platinum"])),
         'contract.available_tiers[1] must be one of starter, professional, enterprise, enterprise_plus, '
         'got "platinum"'),
        (account(departments={"current": ["Sales", "--"], "potential": ["legal"]}),
         'departments.current[1] must be a department name, got "--"'),
        (account(departments={"current": ["Sales", {"name": "legal"}], "potential": ["legal"]}),
         'departments.current[1] must be non-empty text, got an object'),
    ]
    for _ in range(2):
        for record, problem in bad:
            assert rejection(copy.deepcopy(record), model) == [problem]
    assert expansion.assess(copy.deepcopy(good), model) == first


# Ranking, missing data, validation


def test_equal_priorities_are_ordered_by_category_then_name(model):
    record = account(contract=seats(10, 10), product_usage={
        "security_module": {"adopted": False}, "custom_workflows": {"adopted": False},
        "advanced_reporting": {"adopted": False}})
    # seat: 100000 x 0.20 = 20000 -> 30.0; security_module 0.20 -> 30.0; custom_workflows 0.22 -> 33.0
    assert figures(expansion.assess(record, model)) == [
        ("module_cross_sell", "custom_workflows", 22000, 33.0),
        ("seat_expansion", "", 20000, 30.0),
        ("module_cross_sell", "security_module", 20000, 30.0),
        ("module_cross_sell", "advanced_reporting", 18000, 27.0),
    ]


def test_a_missing_section_is_not_evaluated_and_is_listed_never_a_silent_zero(model, northwind):
    del northwind["product_usage"]
    del northwind["contract"]["available_tiers"]
    result = expansion.assess(northwind, model)
    assert result["categories_evaluated"] == ["seat_expansion", "department_expansion"]
    assert result["missing_fields"] == ["contract.available_tiers", "product_usage"]
    summary = result["adoption_summary"]
    assert (summary["total_modules"], summary["adoption_rate"], summary["avg_usage_pct"]) == (None, None, None)
    assert summary["current_tier"] == "professional"
    assert [o["category"] for o in result["opportunities"]] == [
        "department_expansion", "department_expansion", "seat_expansion"]


def test_one_department_list_without_the_other_takes_the_other_as_empty_and_says_so(model):
    result = expansion.assess(account(departments={"potential": ["payroll"]}), model)
    assert figures(result) == [("department_expansion", "payroll", 80000, 40.0)]
    assert result["missing_fields"][-2:] == ["product_usage", "departments.current"]
    assert result["notes"] == ["departments.current missing: taken as no current department"]


def test_a_record_with_no_expansion_data_is_rejected_as_insufficient_data(model):
    assert rejection(account(contract={"licensed_seats": 10}), model) == [
        "insufficient data: no expansion category can be evaluated (contract seats or tiers, product_usage, "
        "departments); missing contract.active_seats, contract.plan_tier, contract.available_tiers, "
        "product_usage, departments.current, departments.potential"]


def test_every_problem_of_a_record_is_reported_at_once(model):
    record = account(
        arr=True,
        contract={"licensed_seats": -3, "active_seats": float("nan"), "plan_tier": 7,
                  "available_tiers": "starter"},
        product_usage={"analytics_module": {"adopted": "yes", "usage_pct": 140}, "api_access": 5},
        departments=["sales"],
    )
    assert rejection(record, model) == [
        "arr must be a number of 0 or more, got true",
        "contract.licensed_seats must be a number of 0 or more, got -3",
        "contract.active_seats must be a number of 0 or more, got NaN",
        "contract.plan_tier must be one of starter, professional, enterprise, enterprise_plus, got 7",
        'contract.available_tiers must be a list of names, got "starter"',
        'product_usage.analytics_module.adopted must be true or false, got "yes"',
        "product_usage.analytics_module.usage_pct must be a number from 0 to 100, got 140",
        "product_usage.api_access must be an object with adopted (true or false) and usage_pct (0-100), got 5",
        "departments must be an object, got a list",
    ]


def test_seat_counts_must_be_whole_numbers(model):
    assert rejection(account(contract=seats(10.5, 3)), model) == [
        "contract.licensed_seats must be a whole number of 0 or more, got 10.5"]
    assert expansion.assess(account(contract=seats(10.0, 3)), model)["adoption_summary"]["seat_utilisation"] == 30.0


def test_a_seat_count_too_large_for_a_float_is_rejected_not_a_crash(model):
    assert rejection(account(contract=seats(3, 10 ** 400)), model) == [
        "contract.active_seats must be a number of 0 or more, got a number too large to use"]


def test_csv_text_values_are_parsed_when_read_from_csv(model, northwind):
    record = {key: northwind[key] for key in ("customer_id", "name", "segment")}
    record.update({
        "arr": "64,000",
        "contract": {"licensed_seats": "60", "active_seats": "57", "plan_tier": "Professional",
                     "available_tiers": "starter; professional; enterprise"},
        "product_usage": {"core_platform": {"adopted": "yes", "usage_pct": "88"},
                          "analytics_module": {"adopted": "1", "usage_pct": "22"},
                          "integrations_module": {"adopted": "false", "usage_pct": "0"}},
        "departments": {"current": "operations", "potential": "finance;sales"},
    })
    from_csv = expansion.assess(record, model, from_text=True)
    from_json = expansion.assess(northwind, model)
    assert figures(from_csv) == figures(from_json)
    assert from_csv["adoption_summary"] == from_json["adoption_summary"]
    assert from_csv["enablement_needs"] == from_json["enablement_needs"]
    with pytest.raises(RecordRejected):
        expansion.assess(record, model, from_text=False)


# Readiness


def red_health(record):
    record["usage"] = {"login_frequency": 10, "feature_adoption": 10, "dau_mau_ratio": 0.05}
    record["engagement"] = {"support_ticket_volume": 9, "meeting_attendance": 20, "nps_score": 2, "csat_score": 2}
    record["support"] = {"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96}
    record["relationship"] = {"executive_sponsor_engagement": 5, "multi_threading_depth": 0,
                              "renewal_sentiment": "negative"}
    return record


def test_an_account_with_red_health_must_be_stabilised_first(model, northwind):
    record = red_health(northwind)
    scored = health.assess(record, health.prepare(default_methodology()))
    assert scored["classification"] == "red"
    result = expansion.assess(record, model)
    readiness = result["readiness"]
    assert readiness["status"] == "stabilise first"
    assert readiness["health_classification"] == "red"
    assert readiness["reasons"][0] == f"health red ({scored['overall_score']:.1f}, declining): stabilise first"
    assert {o["readiness"] for o in result["opportunities"]} == {"stabilise first"}
    # Its own ranking stays by priority.
    assert [o["priority_score"] for o in result["opportunities"]] == [42.7, 25.6, 25.6, 19.2, 11.5]


def test_an_account_with_critical_or_high_churn_risk_must_be_stabilised_first(model, northwind):
    northwind["relationship_signals"] = {"champion_left": True, "sponsor_change": True, "competitor_mentions": 4}
    northwind["usage_decline"] = {"login_trend": -30, "feature_adoption_change": -20, "dau_mau_change": -0.2}
    northwind["engagement_drop"] = {"meeting_cancellations": 4, "response_time_days": 8, "nps_change": -5}
    northwind["contract_end_date"] = "2026-12-10"  # 18 days after the as-of date: x1.5
    risk = churn.assess(northwind, churn.prepare(default_methodology(), AS_OF))
    assert risk["risk_tier"] in ("critical", "high")
    readiness = expansion.assess(northwind, model)["readiness"]
    assert readiness["status"] == "stabilise first"
    assert (readiness["churn_risk_tier"], readiness["churn_risk_score"]) == (risk["risk_tier"], risk["risk_score"])
    assert f"churn risk {risk['risk_tier']} ({risk['risk_score']:.1f}): stabilise first" in readiness["reasons"]


def test_a_green_low_risk_account_is_ready_and_says_why(model, northwind):
    readiness = expansion.assess(northwind, model)["readiness"]
    risk = churn.assess(northwind, churn.prepare(default_methodology(), AS_OF))
    assert readiness == {"status": "ready",
                         "reasons": ["health green (78.1)", f"churn risk low ({risk['risk_score']:.1f})"],
                         "health_score": 78.1, "health_classification": "green", "health_trend": "improving",
                         "churn_risk_score": risk["risk_score"], "churn_risk_tier": "low", "days_to_renewal": 129}


def test_health_that_cannot_be_scored_is_unknown_not_ready_and_does_not_reject_the_record(model, northwind):
    northwind["usage"]["login_frequency"] = "high"
    result = expansion.assess(northwind, model)
    assert result["opportunity_count"] == 5
    assert result["readiness"]["status"] == "readiness unknown"  # fail closed: unknown is not ready
    assert result["ready_revenue"] == 0
    assert {o["readiness"] for o in result["opportunities"]} == {"readiness unknown"}
    assert result["readiness"]["health_classification"] is None
    assert result["readiness"]["reasons"][0] == (
        'health unknown: usage.login_frequency must be a number from 0 to 100, got "high"')


def test_without_health_or_churn_data_readiness_is_unknown_not_ready(model):
    result = expansion.assess(account(contract=seats(10, 10)), model)
    readiness = result["readiness"]
    assert readiness["status"] == "readiness unknown"
    assert readiness["reasons"] == ["health unknown: no health data in the record",
                                    "churn risk unknown: no churn signals in the record"]
    assert (result["ready_revenue"], result["total_estimated_revenue"]) == (0, 20000)


def test_the_portfolio_view_ranks_ready_revenue_ahead_then_by_potential_arr_and_id():
    def result(customer_id, ready, potential, arr):
        return {"customer_id": customer_id, "ready_revenue": ready, "total_estimated_revenue": potential, "arr": arr}
    rows = [result("S", 0, 900000, 1), result("B", 500, 500, 10), result("A", 500, 500, 10),
            result("C", 500, 500, 99), result("D", 9000, 9000, 1), result("T", 0, 1000, 1)]
    assert [r["customer_id"] for r in sorted(rows, key=expansion.portfolio_key)] == ["D", "C", "A", "B", "S", "T"]


# Summary


def test_summary_totals_potential_by_category_readiness_and_ranking(model, northwind):
    summary = ExpansionSummary(model)
    ready = expansion.assess(northwind, model)
    summary.add(ready)
    stabilise = expansion.assess(red_health(dict(northwind, customer_id="R-1", arr=128000)), model)
    summary.add(stabilise)
    small = expansion.assess(account(arr=10000, contract=seats(10, 5)), model)
    summary.add(small)
    result = summary.result(rejected_count=2)
    assert summary.count == 3
    assert result["total_customers"] == 3 and result["rejected_count"] == 2
    assert result["total_arr"] == 64000 + 128000 + 10000
    assert result["total_estimated_revenue"] == 165547 + 331093
    assert result["total_opportunities"] == 10
    assert result["by_category"]["tier_upgrade"] == {"type": "Tier upgrade", "count": 2,
                                                     "estimated_revenue": 42667 + 85333}
    assert result["by_category"]["department_expansion"]["count"] == 4
    assert result["enablement_needs_count"] == 2
    # X-1 has no health or churn data: not ready (fail closed).
    assert (result["ready_count"], result["stabilise_first_count"]) == (1, 2)
    assert (result["ready_revenue"], result["total_estimated_revenue"]) == (165547, 165547 + 331093)
    finance = next(o for o in ready["opportunities"] if o.get("department") == "finance")
    assert result["ready_for_upgrade_conversation"] == [{
        "customer_id": "ACC-0042", "name": "Northwind Logistics", "total_estimated_revenue": 165547,
        "ready_revenue": 165547, "opportunity": finance}]
    # It starts with its largest ready opportunity (the finance department, $51,200, the first of the two
    # departments that large), not the first by priority (a smaller, easier one).
    assert finance["estimated_revenue"] == 51200 == max(o["estimated_revenue"] for o in ready["opportunities"])
    assert ready["opportunities"][0]["estimated_revenue"] < 51200
    assert [entry["customer_id"] for entry in result["stabilise_first"]] == ["R-1", "X-1"]
    assert result["ranked_by_potential"] == ["R-1", "ACC-0042", "X-1"]
    assert result["accounts_with_opportunities"] == 2


# The tier ladder and other figures are methodology, so a config can change them


def write_config(tmp_path, expansion_section):
    path = tmp_path / "methodology.json"
    path.write_text(json.dumps({"name": "ours", "expansion": expansion_section}))
    return str(path)


def test_a_config_can_define_its_own_tier_ladder(tmp_path):
    ladder = {"starter": None, "professional": None, "enterprise": None, "enterprise_plus": None,
              "scale": 4.0, "basic": 1.0, "growth": 2.5}
    own = expansion.prepare(load_methodology(write_config(tmp_path, {"tiers": ladder})), AS_OF)
    assert own.tier_names == ["basic", "growth", "scale"]
    record = account(contract=tiers("Basic", ["scale", "growth"]))
    # 100000 / 1.0 x 2.5 - 100000 = 150000; clamp(75) x 2 = 150
    assert figures(expansion.assess(record, own)) == [("tier_upgrade", "growth", 150000, 150.0)]
    assert rejection(account(contract=tiers("professional", ["basic"])), own) == [
        'contract.plan_tier must be one of basic, growth, scale, got "professional"']


def test_a_config_can_change_rates_fractions_and_readiness(tmp_path, northwind):
    path = write_config(tmp_path, {
        "seat_expansion": {"utilisation_trigger": 0.99},
        "module_cross_sell": {"fractions": {"integrations_module": 0.5, "voice_module": 0.3}},
        "readiness": {"stabilise_first_health_classes": ["red", "green"]},
    })
    own = expansion.prepare(load_methodology(path), AS_OF)
    result = expansion.assess(northwind, own)
    categories = [o["category"] for o in result["opportunities"]]
    assert "seat_expansion" not in categories  # 95% is under the 99% trigger
    assert ("module_cross_sell", "integrations_module", 32000, 48.0) in figures(result)  # 64000 x 0.5
    assert result["readiness"]["status"] == "stabilise first"  # green now counts


@pytest.mark.parametrize("section, message", [
    ({"tiers": {"gold": "x"}}, 'expansion.tiers.gold must be a number, got "x"'),
    ({"tiers": {"starter": 0}}, "expansion.tiers.starter must be from 0.001 to 1000, got 0"),
    ({"tiers": {"starter": 1e-308}}, "expansion.tiers.starter must be from 0.001 to 1000, got 1e-308"),
    ({"priority": {"effort_multipliers": {"low": 1e308}}},
     "expansion.priority.effort_multipliers.low must be from 0 to 1000, got 1e+308"),
    ({"seat_expansion": {"growth": {"smb": 1e308}}},
     "expansion.seat_expansion.growth.smb must be from 0 to 10, got 1e+308"),
    ({"department_expansion": {"revenue_factor": 11}},
     "expansion.department_expansion.revenue_factor must be from 0 to 10, got 11"),
    ({"tiers": {"Starter": 1.0}}, 'expansion.tiers: "Starter" and "starter" are the same name '
                                  "(case and separators are ignored)"),
    ({"priority": {"revenue_divisor": 0}}, "expansion.priority.revenue_divisor must be above 0, got 0"),
    ({"tier_upgrade": {"effort": "huge"}}, 'expansion.tier_upgrade.effort must be one of low, medium, high, '
                                           'got "huge"'),
    ({"enablement": {"usage_below_pct": 130}}, "expansion.enablement.usage_below_pct must be from 0 to 100, got 130"),
    ({"readiness": {"stabilise_first_churn_tiers": ["severe"]}},
     'expansion.readiness.stabilise_first_churn_tiers[0] must be one of critical, high, medium, low, got "severe"'),
    ({"seat_expansion": {"growth": {"smb": -0.1}}},
     "expansion.seat_expansion.growth.smb must be from 0 to 10, got -0.1"),
    ({"seat_expansion": {"growth": {"micro": 0.1}}},
     "unknown key expansion.seat_expansion.growth.micro (known here: enterprise, mid-market, smb)"),
    ({"report": {"top_accounts": 2.5}}, "expansion.report.top_accounts must be a whole number, got 2.5"),
], ids=["tier-not-a-number", "tier-zero", "tier-tiny", "effort-huge", "growth-huge", "factor-huge", "tier-twice", "divisor-zero", "unknown-effort", "threshold-range",
        "unknown-churn-tier", "negative-growth", "unknown-segment", "fractional-top"])
def test_a_bad_config_is_rejected_naming_the_key(tmp_path, section, message):
    path = write_config(tmp_path, section)
    with pytest.raises(ConfigError) as caught:
        load_methodology(path)
    assert str(caught.value) == f"config {path}: {message}"


def test_summary_lists_keep_the_top_entries_but_count_every_account(northwind):
    from csm.config.methodology import default_methodology
    import datetime
    table = default_methodology()
    table["expansion"]["report"]["summary_list_limit"] = 2
    small_model = expansion.prepare(table, datetime.date(2026, 11, 22))
    summary = ExpansionSummary(small_model)
    for number in range(7):  # more than twice the limit, so the lists are trimmed as they grow
        summary.add(expansion.assess(dict(northwind, customer_id=f"A-{number}", arr=10000 * (number + 1)),
                                     small_model))
    result = summary.result(rejected_count=0)
    assert result["ranked_by_potential"] == ["A-6", "A-5"]
    assert [entry["customer_id"] for entry in result["ready_for_upgrade_conversation"]] == ["A-6", "A-5"]
    assert result["ready_for_upgrade_conversation_count"] == 7
    assert result["ready_count"] == 7 and result["summary_lists_limited_to"] == 2
