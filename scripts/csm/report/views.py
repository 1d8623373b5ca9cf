"""The six views of the portfolio report, as data: the book, this week, renewals, trends, expansion, calls.

Each account's entries in the views are made from its own results alone, as it is
scored (`account_views`, kept beside the account by csm.report.portfolio); at the
end `cross_views` merges them in the order of their sort keys, in the order of
the report (csm.render.portfolio lays them out):

1. `book`: accounts and ARR, health mix by accounts and by ARR, average and
   ARR-weighted health, ARR at risk, expansion potential, and NRR and GRR when the
   portfolio carries a `retention` object (csm.report.retention);
2. `this_week`: critical and high churn-risk accounts with ARR, renewal, reasons and
   the first action of their playbook;
3. `renewals`: the next quarters from the as-of date (rolling windows of
   `report.renewal_quarters.days` days, Q1 = days 0-90, the churn tool's "next 90
   days"), per quarter accounts and ARR by risk tier, and a forecast = sum of ARR x
   the renewal probability of its tier; lapsed renewals apart;
4. `trends`: accounts declining, greens falling, reds recovering;
5. `expansion`: accounts ready for a conversation now, pipeline by type, and the
   accounts where expansion waits until they are stabilised;
6. `action_list`: who to call this week and why, most urgent first (the next action's
   order), capped to the team's capacity; `action_list_rest` counts the accounts left off.
"""

import datetime
import math
from typing import Any, NamedTuple, Optional, Tuple

from csm.config.churn import TIERS
from csm.config.report import ASSUMPTION
from csm.figures import money, money_round, share
from csm.report.retention import against
from csm.score import churn, expansion, health, next_action
from csm.config.expansion import READY
from csm.words import renewal_words

ANALYSES = ("health", "churn", "expansion")
CALL_ATTENTIONS = (next_action.ACT_TODAY, next_action.THIS_WEEK)


class AccountViews(NamedTuple):
    """One account's entries in the report's views (account_views), merged by cross_views."""

    this_week: Optional[tuple]  # (sort key, entry): a critical or high churn risk
    trends: Optional[tuple]  # (entry, declining key, falling key, recovering key), None for a list it is not on
    ready: Optional[tuple]  # (sort key, entry) of an account ready for an expansion conversation now
    waiting: Optional[tuple]  # (sort key, entry) of an account whose expansion waits
    pipeline: tuple  # (category, ready, estimated revenue) of each opportunity
    call: Optional[list]  # the facts behind a call (but expansion), for an account the action list may call


def account_views(result: dict, model: Any) -> AccountViews:
    """Return the AccountViews of one scored account of the report (csm.report.portfolio.assess)."""
    ready, waiting = expansion_entries(result)
    found = result["expansion"]
    pipeline = () if found is None else tuple(
        (opportunity["category"], opportunity["readiness"] == READY, opportunity["estimated_revenue"])
        for opportunity in found["opportunities"])
    call = None
    if result["next_action"]["attention"] in CALL_ATTENTIONS or ready is not None:
        call = call_facts(result, model)
    return AccountViews(this_week_entry(result), trend_entry(result, model), ready, waiting, pipeline, call)


def cross_views(listed: list, views: list, summary: dict, model: Any, retention: Optional[dict]) -> dict:
    """Return the six views of the report, in order: `listed` the accounts as the report lists them
    (briefs or full results), `views` their AccountViews, in the same order."""
    expansion_view = expansion_views(views, summary["expansion"])
    calls, rest = action_list(listed, views, model, expansion_view["ready_now"][:model.expansion_calls])
    return {
        "book": book(summary, model, retention, expansion_view),
        "this_week": merged([part.this_week for part in views]),
        "renewals": renewals(listed, model),
        "trends": merged_trends([part.trends for part in views]),
        "expansion": expansion_view,
        "action_list": calls,
        "action_list_rest": rest,
    }


def merged(pairs):
    """The entries of the (sort key, entry) pairs (None: not listed), in the order of their keys."""
    found = [pair for pair in pairs if pair is not None]
    found.sort(key=_first)
    return [entry for _, entry in found]


def book(summary, model, retention, expansion_view):
    """Return the book at a glance: every figure is the analyses' own summary figure, the whole book's
    in a filtered run too (the other views cover the accounts the filters keep)."""
    health_summary = summary["health"]
    churn_summary = summary["churn"]
    expansion_summary = summary["expansion"]
    average = health_summary["average_score"]
    return {
        "accounts": summary["total_customers"],
        "total_arr": summary["total_arr"],
        "rejected_count": summary["rejected_count"],
        "accounts_scored": {name: summary[name]["total_customers"] for name in ANALYSES},
        "health_mix": health_summary["classes"],
        "average_health": None if average is None else against(average, model.benchmarks["average_health"]),
        "arr_weighted_health": health_summary["arr_weighted_average_score"],
        "risk_mix": churn_summary["tiers"],
        "accounts_at_risk": churn_summary["critical_count"] + churn_summary["high_count"],
        "arr_at_risk": churn_summary["total_arr_at_risk"],
        "arr_at_risk_share": churn_summary["arr_at_risk_share"],
        "expansion_potential": expansion_summary["total_estimated_revenue"],
        "expansion_potential_share": expansion_summary["potential_share_of_arr"],
        "expansion_ready_potential": expansion_summary["ready_revenue"],
        "opportunities": expansion_summary["total_opportunities"],
        "retention": retention,
    }


def _identity(result):
    identity = {"customer_id": result["customer_id"], "name": result["name"], "segment": result["segment"],
                "arr": result["arr"], "owner": result.get("owner")}
    if result.get("fields_kept") is not None:
        identity["fields_kept"] = result["fields_kept"]
    return identity


def _health_words(result):
    """The health in a few words, e.g. 'green 76.0, declining (was 84.0)'."""
    previous = health.earlier_health(result)
    words = f"{result['classification']} {result['overall_score']:.1f}, {result['trends']['overall'].replace('_', ' ')}"
    return words + (f" (was {previous:.1f})" if previous is not None else "")


def this_week_entry(result):
    """Return (sort key, entry) of an account in this week's view (critical or high churn risk), or None.

    Riskiest first, with why and the first action.
    """
    risk = result["churn"]
    if risk is None or risk["risk_tier"] not in ("critical", "high"):
        return None
    fitness = result["health"]
    return churn.risk_key(risk), {
        **_identity(result),
        "risk_tier": risk["risk_tier"],
        "risk_score": risk["risk_score"],
        "contract_end_date": risk["contract_end_date"],
        "days_to_renewal": risk["days_to_renewal"],
        "renewal_status": risk["renewal_status"],
        "renewal": renewal_words(risk["days_to_renewal"], risk["contract_end_date"]),
        "reasons": [reason["detail"] for reason in risk["why"][:3]],
        "first_action": risk["recommended_actions"][0],
        "health": None if fitness is None else _health_words(fitness),
    }


def _first(pair):
    return pair[0]


def _tally():
    return {"count": 0, "arr": 0, "tiers": {tier: {"count": 0, "arr": 0} for tier in TIERS}}


def _add(tally, tier, arr):
    tally["count"] += 1
    tally["arr"] += arr
    tally["tiers"][tier]["count"] += 1
    tally["tiers"][tier]["arr"] += arr


def _rounded(tally):
    tally["arr"] = money_round(tally["arr"])
    for tier in TIERS:
        tally["tiers"][tier]["arr"] = money_round(tally["tiers"][tier]["arr"])
    return tally


def renewal_forecast(tiers, probabilities):
    """Return the ARR expected to renew: the sum of ARR x the renewal probability of each tier.

    >>> renewal_forecast({"critical": {"arr": 100000}, "low": {"arr": 50000}}, {"critical": 0.35, "low": 0.95})
    82500
    """
    return money_round(sum(tally["arr"] * probabilities[tier] for tier, tally in tiers.items()))


# The two bases of the renewal forecast (references/methodology.md section 7).
PER_ACCOUNT = "per-account churn probabilities (the methodology's fitted calibration)"
TIER_RATES = "renewal probability per risk tier (report.renewal_probability)"
Z_90 = 1.6449  # the standard normal's 95th percentile: a two-sided 90% interval


def expected_renewal(pairs):
    """Return (ARR expected to renew, [low, high] of its 90% interval) of (ARR, churn probability) pairs.

    Each account renews or not on its own (independent Bernoullis): the expected ARR is
    the sum of ARR x (1 - p), its variance the sum of ARR^2 x p x (1 - p); the
    interval is the normal approximation of that sum, kept within 0 and the ARR due.

    >>> expected_renewal([(100000, 0.2), (50000, 0.5)])
    (105000, [27410, 150000])
    """
    expected = math.fsum(arr * (1 - p) for arr, p in pairs)
    spread = Z_90 * math.sqrt(math.fsum(arr * arr * p * (1 - p) for arr, p in pairs))
    due = math.fsum(arr for arr, _ in pairs)
    return money_round(expected), [money_round(max(0.0, expected - spread)), money_round(min(due, expected + spread))]


def _forecast(quarters, probabilities, moments):
    """Round the quarters, add each one's forecast; return their total. `moments`: each quarter's (ARR, churn
    probability) pairs when the churn results carry probabilities (None: the tier rates)."""
    total = _tally()
    for quarter in quarters:
        for tier in TIERS:
            for key in ("count", "arr"):
                total["tiers"][tier][key] += quarter["tiers"][tier][key]
        total["count"] += quarter["count"]
        total["arr"] += quarter["arr"]
        _rounded(quarter)
        quarter["forecast_arr"] = renewal_forecast(quarter["tiers"], probabilities)
        quarter["forecast_share"] = share(quarter["forecast_arr"], quarter["arr"]) if quarter["arr"] else None
        quarter["forecast_interval_90"] = None  # tier rates carry no interval
    _rounded(total)
    total["forecast_arr"] = sum(quarter["forecast_arr"] for quarter in quarters)
    total["forecast_share"] = share(total["forecast_arr"], total["arr"]) if total["arr"] else None
    total["forecast_interval_90"] = None
    if moments is not None:
        for quarter, pairs in zip(quarters + [total], moments + [[pair for pairs in moments for pair in pairs]]):
            quarter["forecast_arr"], quarter["forecast_interval_90"] = expected_renewal(pairs)
        total["forecast_arr"] = forecast = sum(quarter["forecast_arr"] for quarter in quarters)  # the rows' sum
        low, high = total["forecast_interval_90"]  # kept around it (each quarter's is rounded on its own)
        total["forecast_interval_90"] = [min(low, forecast), max(high, forecast)]
        for quarter in quarters + [total]:
            quarter["forecast_share"] = share(quarter["forecast_arr"], quarter["arr"]) if quarter["arr"] else None
    return total


def quarter_of(days, model):
    """Return the quarter (1-based) a renewal `days` from the as-of date falls in, or None past the last.

    >>> from csm.config.methodology import default_methodology
    >>> from csm.report.portfolio import prepare
    >>> model = prepare(default_methodology(), datetime.date(2026, 11, 22))
    >>> quarter_of(0, model), quarter_of(90, model), quarter_of(91, model), quarter_of(364, model)
    (1, 1, 2, None)
    """
    quarter = days // model.quarter_days + 1
    return quarter if quarter <= model.quarter_count else None


def renewals(customers, model):
    """Return renewals by rolling quarter and risk tier, the forecast, and lapsed renewals apart."""
    as_of = model.as_of
    length = model.quarter_days
    quarters = []
    for number in range(1, model.quarter_count + 1):
        start = as_of + datetime.timedelta(days=(number - 1) * length)
        end = start + datetime.timedelta(days=length - 1)
        quarters.append({"quarter": f"Q{number}", "start": start.isoformat(), "end": end.isoformat(),
                         **_tally(), "accounts": []})
    lapsed = {**_tally(), "accounts": []}
    later = {"count": 0, "arr": 0}
    unknown = {"count": 0, "arr": 0, "customer_ids": []}
    not_scored = []
    due = []
    calibrated = model.churn.calibration is not None  # every churn result then carries churn_probability
    moments = [[] for _ in quarters]  # (ARR, churn probability) of each quarter's renewals
    for result in customers:
        risk = result["churn"]
        if risk is None:
            not_scored.append(result["customer_id"])
            continue
        days = risk["days_to_renewal"]
        arr = result["arr"]
        tier = risk["risk_tier"]
        if days is None:
            unknown["count"] += 1
            unknown["arr"] += arr
            unknown["customer_ids"].append(result["customer_id"])
        elif days < 0:
            _add(lapsed, tier, arr)
            lapsed["accounts"].append((days, result["customer_id"], {
                **_identity(result), "contract_end_date": risk["contract_end_date"], "days_overdue": -days,
                "risk_tier": tier, "risk_score": risk["risk_score"]}))
        else:
            quarter = quarter_of(days, model)
            if quarter is None:
                later["count"] += 1
                later["arr"] += arr
            else:
                target = quarters[quarter - 1]
                _add(target, tier, arr)
                due.append((days, result["customer_id"], target))
                if calibrated:
                    moments[quarter - 1].append((arr, risk["churn_probability"]))
    for days, customer_id, target in sorted(due, key=lambda item: (item[0], item[1])):
        target["accounts"].append(customer_id)
    probabilities = model.renewal_probability
    total = _forecast(quarters, probabilities, moments if calibrated else None)
    lapsed["accounts"] = [entry for _, _, entry in sorted(lapsed["accounts"], key=lambda item: (item[0], item[1]))]
    _rounded(lapsed)
    later["arr"] = money_round(later["arr"])
    unknown["arr"] = money_round(unknown["arr"])
    unknown["customer_ids"].sort()
    return {
        "quarter_rule": (f"rolling quarters of {length} days from the as-of date: Q1 is days 0-{length - 1} "
                         f"to renewal, Q2 days {length}-{2 * length - 1}, and so on"),
        "forecast_basis": PER_ACCOUNT if calibrated else TIER_RATES,
        "renewal_probability": dict(probabilities),
        "renewal_probability_source": model.probability_source,
        "probabilities_are_assumptions": model.probability_source == ASSUMPTION,
        "quarters": quarters,
        "total": total,
        "lapsed": lapsed,
        "later": later,
        "unknown_date": unknown,
        "not_in_churn_analysis": sorted(not_scored),
    }


def trend_entry(result, model):
    """Return (entry, declining key, falling key, recovering key) of an account in the trends view, or None.

    A key is None for a list the account is not on. A green falls when it is
    declining or when its previous score was green and it is not any more; a red
    recovers when it is improving or when its previous score was red and it is not
    any more (the previous score classed with today's cut-offs).
    """
    fitness = result["health"]
    if fitness is None:
        return None
    klass = fitness["classification"]
    direction = fitness["trends"]["overall"]
    previous = health.earlier_health(fitness)  # the latest earlier snapshot's, with history
    was = None if previous is None else health.classify(previous, fitness["segment"], model.health.cutoffs)
    is_declining = direction == "declining"
    is_falling = klass == "green" and is_declining or was == "green" and klass != "green"
    is_recovering = klass == "red" and direction == "improving" or was == "red" and klass != "red"
    if not (is_declining or is_falling or is_recovering):  # most accounts: no entry to make
        return None
    change = None if previous is None else round(fitness["overall_score"] - previous, 1)
    entry = {**_identity(result), "classification": klass, "overall_score": fitness["overall_score"],
             "previous_overall_score": previous, "previous_classification": was, "change": change,
             "trend": direction, "attention_priority": fitness["attention_priority"]}
    key_fall = (change if change is not None else 0.0, -result["arr"], result["customer_id"])
    return (entry, key_fall if is_declining else None, key_fall if is_falling else None,
            (-(change or 0.0), -result["arr"], result["customer_id"]) if is_recovering else None)


TREND_LISTS = ("declining", "falling_greens", "recovering_reds")



def merged_trends(entries):
    """The trends view from each account's trend_entry (None: on no list)."""
    found = [trend for trend in entries if trend is not None]
    return {name: merged([(trend[at], trend[0]) if trend[at] is not None else None for trend in found])
            for at, name in enumerate(TREND_LISTS, 1)}


def trends(customers, model):
    """Return the accounts declining, the greens falling and the reds recovering (see trend_entry)."""
    return merged_trends([trend_entry(result, model) for result in customers])


def expansion_entries(result):
    """Return (ready, waiting) of an account in the expansion view: each (sort key, entry) or None.

    Ready: an account with an opportunity whose own readiness is ready (a tier upgrade
    of a ready account may wait for usage), sorted by the ready revenue it shows.
    Waiting: an account that is not ready, sorted by its potential.
    """
    found = result["expansion"]
    if found is None:
        return None, None
    start = expansion.start_with(found["opportunities"])
    if start is not None:
        fitness = result["health"]
        risk = result["churn"]
        return (expansion.ready_key(found), {
            **_identity(result), "ready_revenue": found["ready_revenue"],
            "total_estimated_revenue": found["total_estimated_revenue"],
            "opportunity_count": found["opportunity_count"], "top_opportunity": start,
            "health_classification": None if fitness is None else fitness["classification"],
            "risk_tier": None if risk is None else risk["risk_tier"]}), None
    readiness = found["readiness"]
    if readiness["status"] == READY:
        return None, None
    return None, (expansion.potential_key(found), {
        **_identity(result), "total_estimated_revenue": found["total_estimated_revenue"],
        "opportunity_count": found["opportunity_count"], "status": readiness["status"],
        "reasons": readiness["reasons"]})


def expansion_views(views: list, expansion_summary: dict) -> dict:
    """Return the accounts ready for a conversation now, the pipeline by type, and those to stabilise first."""
    by_category = expansion_summary["by_category"]
    # category -> [ready count, ready revenue, on hold count, on hold revenue]
    tallies = {category: [0, 0, 0, 0] for category in by_category}
    for part in views:
        for category, ready, revenue in part.pipeline:
            tally = tallies[category]
            if ready:
                tally[0] += 1
                tally[1] += revenue
            else:
                tally[2] += 1
                tally[3] += revenue
    pipeline = {}
    for category, figures in by_category.items():  # the listed accounts' opportunities (a filtered run's too)
        ready_count, ready_revenue, on_hold_count, on_hold_revenue = tallies[category]
        pipeline[category] = {"type": figures["type"], "count": ready_count + on_hold_count,
                              "estimated_revenue": ready_revenue + on_hold_revenue,
                              "ready_count": ready_count, "ready_revenue": ready_revenue,
                              "on_hold_count": on_hold_count, "on_hold_revenue": on_hold_revenue}
    return {
        "total_estimated_revenue": sum(line["estimated_revenue"] for line in pipeline.values()),
        "ready_revenue": sum(line["ready_revenue"] for line in pipeline.values()),
        "on_hold_revenue": sum(line["on_hold_revenue"] for line in pipeline.values()),
        "ready_now": merged([part.ready for part in views]),
        "pipeline": pipeline,
        "stabilise_first": merged([part.waiting for part in views]),
    }


def _health_reason(fitness):
    why = fitness["why"]
    return f"health {_health_words(fitness)}" + (f"; most points lost on {why[0]['detail']}" if why else "")


def call_facts(result: dict, model) -> list:
    """The facts behind a call of this account but its expansion (renewal, churn risk, health), in words."""
    reasons = []
    risk = result["churn"]
    fitness = result["health"]
    if risk is not None:
        days = risk["days_to_renewal"]
        if days is not None and (days < 0 or days <= model.next_rule.watch):
            reasons.append(renewal_words(days, risk["contract_end_date"]))
        if risk["risk_tier"] in ("critical", "high"):
            why = risk["why"][0]["detail"] if risk["why"] else "warning signals"
            reasons.append(f"churn risk {risk['risk_tier']} ({risk['risk_score']:.1f}): {why}")
    if fitness is not None and (fitness["classification"] == "red" or fitness["trends"]["overall"] == "declining"):
        reasons.append(_health_reason(fitness))
    return reasons


def action_list(listed: list, views: list, model, ready_now: list) -> Tuple[list, dict]:
    """Return who to call this week and why, most urgent first (one entry per account), and the rest counted.

    An account is called when its next action (csm.score.next_action, the same rule
    as every tool) is `act today` or `this week`, or when it is among the top
    `report.action_list.expansion_accounts` ready expansion accounts. Its urgency
    and action are its next action's; the reasons are every fact behind the call
    (renewal, churn risk, health, expansion). Ordered by next_action.order_key
    (attention, then ARR at stake, then days to renewal), then cut to the team's
    capacity (`report.action_list.capacity`, `--capacity`). Returns (calls, rest):
    rest counts the accounts and ARR left off.
    """
    expansion_calls = {entry["customer_id"]: entry for entry in ready_now}
    ranked = []  # (order key, account, its facts, its expansion call or None)
    for result, part in zip(listed, views):
        attention = result["next_action"]["attention"]
        ready = expansion_calls.get(result["customer_id"])
        if attention not in CALL_ATTENTIONS and ready is None:
            continue
        ranked.append((next_action.urgency_key(result), result, part.call, ready))
    ranked.sort(key=_first)
    calls = []
    for position, (_, result, facts, ready) in enumerate(ranked[:model.capacity], 1):
        decision = result["next_action"]
        reasons = list(facts)
        if ready is not None:
            count = ready["opportunity_count"]
            reasons.append(f"ready to expand: {money(ready['ready_revenue'])} ready in "
                           f"{count:,} opportunit{'y' if count == 1 else 'ies'}")
        calls.append({"rank": position, **_identity(result), "urgency": decision["attention"],
                      "reasons": reasons or [decision["reason"]], "action": decision["action"]})
    left = ranked[model.capacity:]
    rest = {"count": len(left), "arr": money_round(sum(result["arr"] for _, result, _, _ in left)),
            "capacity": model.capacity}
    return calls, rest
