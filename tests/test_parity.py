"""Parity with the published skill: churn and expansion figures computed here from
references/methodology.md alone (not from the package's code) equal the tools' on every
account of the sample and of a seeded random book."""

import datetime
import json
import os
import random
import sys

import pytest

from conftest import ROOT, SAMPLE

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import bench  # noqa: E402  (the benchmark's book generator)
from csm.score import churn, expansion  # noqa: E402
from csm.config.methodology import default_methodology  # noqa: E402

AS_OF = datetime.date(2026, 11, 22)
CANONICAL = {"enterprise": "enterprise", "mid-market": "mid-market", "mid_market": "mid-market", "smb": "smb"}


def clamp(x):
    return min(100, max(0, x))


def published_churn(record, as_of):
    """references/methodology.md section 2, as the published tool computes it: (risk_score, raw_score, tier)."""
    u, e, s = record["usage_decline"], record["engagement_drop"], record["support_issues"]
    r, c = record["relationship_signals"], record["commercial_factors"]
    usage = (0.40 * clamp(3 * max(0, -u["login_trend"])) + 0.35 * clamp(4 * max(0, -u["feature_adoption_change"]))
             + 0.25 * clamp(500 * max(0, -u["dau_mau_change"])))
    engagement = (0.30 * clamp(25 * e["meeting_cancellations"]) + 0.35 * clamp(15 * (e["response_time_days"] - 1))
                  + 0.35 * clamp(20 * max(0, -e["nps_change"])))
    satisfaction = {"improving": 10, "stable": 30, "declining": 70, "critical": 95}[s["satisfaction_trend"]]
    support = (0.35 * clamp(35 * s["open_escalations"]) + 0.35 * clamp(50 * s["unresolved_critical"])
               + 0.30 * satisfaction)
    mentions = r["competitor_mentions"]
    relationship = clamp(45 * r["champion_left"] + 30 * r["sponsor_change"]
                         + (35 if mentions >= 3 else 12 * mentions))
    commercial = clamp({"month-to-month": 30, "quarterly": 15}.get(c["contract_type"], 0)
                       + 35 * c["pricing_complaints"] + 40 * c["budget_cuts_mentioned"])
    raw = (round(usage, 1) * 0.30 + round(engagement, 1) * 0.25 + round(support, 1) * 0.20
           + round(relationship, 1) * 0.15 + round(commercial, 1) * 0.10)
    end = record.get("contract_end_date")
    multiplier = 1.0
    if end:
        days = (datetime.date.fromisoformat(end) - as_of).days
        for within, factor in ((30, 1.5), (60, 1.35), (90, 1.2), (180, 1.1)):
            if days <= within:
                multiplier = factor
                break
    risk = clamp(round(raw * multiplier, 1))  # from the unrounded raw
    tier = "critical" if risk >= 80 else "high" if risk >= 60 else "medium" if risk >= 40 else "low"
    return risk, round(raw, 1), tier


TIER_MULTIPLIER = {"starter": 1.0, "professional": 1.8, "enterprise": 3.0, "enterprise_plus": 4.5}
FRACTION = {"core_platform": 0, "analytics_module": 0.15, "integrations_module": 0.12, "api_access": 0.10,
            "advanced_reporting": 0.18, "security_module": 0.20, "automation_module": 0.15,
            "collaboration_module": 0.10, "data_export": 0.08, "custom_workflows": 0.22, "sso_module": 0.08,
            "audit_module": 0.10}


def published_expansion(record):
    """references/methodology.md section 3: sorted (category, revenue, priority) triples, and the seat utilisation %."""
    arr, segment = round(record["arr"]), CANONICAL[record["segment"].lower()]  # ARR is read in whole units
    contract = record["contract"]
    found = []

    def add(category, revenue, effort):
        revenue = round(revenue)
        found.append((category, revenue, round(clamp(revenue / 2000) * effort, 1)))

    licensed, active = contract["licensed_seats"], contract["active_seats"]
    if licensed and active / licensed >= 0.90:
        add("seat_expansion", arr * {"enterprise": 0.25, "mid-market": 0.20, "smb": 0.15}[segment], 3)
    current = TIER_MULTIPLIER[contract["plan_tier"]]
    above = [TIER_MULTIPLIER[t] for t in contract["available_tiers"] if TIER_MULTIPLIER[t] > current]
    if above:
        add("tier_upgrade", arr / current * min(above) - arr, 2)
    for module, usage in record["product_usage"].items():
        fraction = FRACTION.get(module, 0.10)
        if not usage["adopted"] and fraction > 0:
            add("module_cross_sell", arr * fraction, 3)
    departments = record["departments"]
    def key(name):  # the published tool ignores case; ours separators too ("Field Ops" is field_ops)
        return "".join(ch for ch in name.lower() if ch.isalnum())

    held = {key(department) for department in departments["current"]}
    for department in departments["potential"]:
        if key(department) not in held:
            add("department_expansion", arr / max(1, len(departments["current"])) * 0.8, 1)
    utilisation = round(active / licensed * 100, 1) if licensed else None
    return sorted(found), utilisation


def random_book(count, seed):
    rng = random.Random(seed)
    book = []
    for number in range(1, count + 1):
        record = bench.make_account(rng, number, AS_OF, damage=False)
        record["segment"] = CANONICAL[record["segment"].lower()]
        book.append(record)
    return book


def sample_book():
    with open(SAMPLE, encoding="utf-8") as handle:
        return json.load(handle)["customers"]


BOOKS = {"sample": sample_book, "seeded random": lambda: random_book(2000, 20261122)}


def complete(record, sections):
    return all(isinstance(record.get(name), dict) for name in sections)


@pytest.mark.parametrize("book", sorted(BOOKS))
def test_churn_risk_equals_the_published_formula_on_every_account(book):
    model = churn.prepare(default_methodology(), AS_OF)
    checked = 0
    for record in BOOKS[book]():
        if not complete(record, ("usage_decline", "engagement_drop", "support_issues", "relationship_signals",
                                 "commercial_factors")):
            continue
        result = churn.assess(record, model)
        assert (result["risk_score"], result["raw_score"], result["risk_tier"]) == \
            published_churn(record, AS_OF), record["customer_id"]
        checked += 1
    assert checked >= (19 if book == "sample" else 2000)


@pytest.mark.parametrize("book", sorted(BOOKS))
def test_expansion_figures_equal_the_published_formulas_on_every_account(book):
    model = expansion.prepare(default_methodology(), AS_OF)
    checked = 0
    for record in BOOKS[book]():
        if not complete(record, ("contract", "product_usage", "departments")):
            continue
        result = expansion.assess(record, model)
        mine = sorted((o["category"], o["estimated_revenue"], o["priority_score"]) for o in result["opportunities"])
        theirs, utilisation = published_expansion(record)
        assert mine == theirs, record["customer_id"]
        assert result["total_estimated_revenue"] == sum(revenue for _, revenue, _ in theirs)
        assert result["adoption_summary"]["seat_utilisation"] == utilisation, record["customer_id"]
        checked += 1
    assert checked >= (19 if book == "sample" else 2000)


def test_the_documented_churn_example_multiplies_the_unrounded_raw_score():
    # references/methodology.md: raw 35.06 x 1.35 = 47.3 (the rounded raw, 35.1 x 1.35, would give 47.4).
    record = {"customer_id": "A-1", "segment": "smb", "arr": 1000,
              "contract_end_date": (AS_OF + datetime.timedelta(days=45)).isoformat(),  # 1.35
              "usage_decline": {"login_trend": 0, "feature_adoption_change": -5, "dau_mau_change": 0},  # 7.0
              "engagement_drop": {"meeting_cancellations": 0, "response_time_days": 2, "nps_change": 0},  # 5.2
              "support_issues": {"open_escalations": 1, "unresolved_critical": 1,
                                 "satisfaction_trend": "declining"},  # 12.25 + 17.5 + 21 = 50.75 -> 50.8
              "relationship_signals": {"champion_left": True, "sponsor_change": True,
                                       "competitor_mentions": 3},  # 110, capped 100
              "commercial_factors": {"contract_type": "month-to-month", "pricing_complaints": True,
                                     "budget_cuts_mentioned": False}}  # 65
    # raw = 0.30 x 7.0 + 0.25 x 5.2 + 0.20 x 50.8 + 0.15 x 100 + 0.10 x 65 = 35.06
    result = churn.assess(record, churn.prepare(default_methodology(), AS_OF))
    assert (result["raw_score"], result["urgency_multiplier"], result["risk_score"]) == (35.1, 1.35, 47.3)
    assert result["risk_tier"] == "medium"
