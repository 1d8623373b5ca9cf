"""The QBR-ready portfolio report: the three analyses over one book, and the views a VP takes into a QBR.

Each record is run through the health, churn and expansion analyses (`assess` of
each module, unchanged). Each may fail on its own: the account keeps the results
that worked and the errors of the others; it is rejected from the report only when
all three fail. The per-analysis figures come from each module's own `Summary`, fed
the same results, so counts, ARR at risk, expansion potential and total ARR are the
ones each tool reports on the same portfolio, as-of date and methodology.

Then the cross-views, in the order of the report (issue 6):

1. `book`: accounts and ARR, health mix by accounts and by ARR, average and
   ARR-weighted health, ARR at risk, expansion potential, and NRR and GRR when the
   portfolio carries a top-level `retention` object (see `read_retention`);
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

An account's entries in views 2, 4 and 5 are made from its own results alone
(`account_views`): a json run makes them, as JSON texts, as it scores the account
(`json_part`, beside its brief; csm.parallel's helper makes its own accounts'), and
`cross_views` merges them in the order of their sort keys; the other views and the
tallies are worked out at the end, over the accounts in the report's order.

Each account carries its one `next_action` (csm.next_action, from health, churn,
renewal and readiness together); the analyses make none of their own there, so
the report speaks with one voice.

The figures of the views (renewal probabilities, benchmarks, quarter length ...) are
the `report` section of the methodology, `DEFAULTS` below.
"""

import datetime
import json
from typing import NamedTuple

from csm.report import changes, owners, portfolio_brief
from csm.score import churn, expansion, health, lifecycle, next_action
from csm import values
from csm.score.accounts import read_account
from csm.errors import InputError, RecordRejected
from csm.figures import money_round, share
from csm.config.checks import check_number
from csm.render.common import Encoded, Holding

ANALYSES = ("health", "churn", "expansion")
TIERS = churn.TIERS
PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}
ASSUMPTION = "assumption"

DEFAULTS = {
    # Probability that a renewal due in the window renews, by churn risk tier. Ours (issue 6):
    # assumptions, until a backtest on the company's own renewal outcomes calibrates them.
    "renewal_probability": {"critical": 0.35, "high": 0.60, "medium": 0.80, "low": 0.95},
    # Where the probabilities come from: "assumption" until a backtest calibrated them; a
    # calibrated config names its backtest here, and the report prints it instead.
    "renewal_probability_source": ASSUMPTION,
    # METHODOLOGY.md ("Segments by ARR", the team targets of the second seeded model):
    # NRR > 110%, GRR > 90%, average health > 75. A value at the figure meets it.
    "benchmarks": {"nrr": 110, "grr": 90, "average_health": 75},
    # Ours: rolling quarters of `days` days from the as-of date, `count` of them. With 91 days
    # Q1 is days 0-90 (the churn tool's "next 90 days") and four quarters cover days 0-363.
    "renewal_quarters": {"count": 4, "days": 91},
    # Ours: the action list calls an account whose renewal is within this many days even at
    # medium or low risk, and the top `expansion_accounts` ready accounts by potential.
    "action_list": {"renewal_within_days": 30, "expansion_accounts": 3,
                    # Ours (issue 15): the calls a team can work in a week; the rest are counted.
                    # `--capacity N` overrides it for one run.
                    "capacity": 15},
    # Ours: text, markdown and HTML list at most this many rows per table (JSON lists all).
    "max_rows": 25,
}

OPEN_PATHS = ()


def check(section, methodology):
    """Return the problems of a report section: probabilities, benchmarks, quarters, list sizes."""
    problems = []
    probabilities = section["renewal_probability"]
    for tier in TIERS:
        problems += check_number(probabilities[tier], f"report.renewal_probability.{tier}", 0, 1)
    if not problems:
        for riskier, safer in zip(TIERS, TIERS[1:]):
            if probabilities[riskier] > probabilities[safer]:
                problems.append(f"report.renewal_probability: out of order ({riskier} {probabilities[riskier]:g} "
                                f"is above {safer} {probabilities[safer]:g}; a riskier tier cannot renew more often)")
    if not section["renewal_probability_source"].strip():
        problems.append('report.renewal_probability_source must not be empty ("assumption", or the backtest '
                        "that calibrated the probabilities)")
    benchmarks = section["benchmarks"]
    problems += check_number(benchmarks["nrr"], "report.benchmarks.nrr", 0, 1000)
    problems += check_number(benchmarks["grr"], "report.benchmarks.grr", 0, 100)
    problems += check_number(benchmarks["average_health"], "report.benchmarks.average_health", 0, 100)
    quarters = section["renewal_quarters"]
    problems += _check_whole(quarters["count"], "report.renewal_quarters.count", 1, 12)
    problems += _check_whole(quarters["days"], "report.renewal_quarters.days", 1, 366)
    actions = section["action_list"]
    problems += _check_whole(actions["renewal_within_days"], "report.action_list.renewal_within_days", 0, 3650)
    problems += _check_whole(actions["expansion_accounts"], "report.action_list.expansion_accounts", 0, 1000)
    problems += _check_whole(actions["capacity"], "report.action_list.capacity", 1, 100000)
    problems += _check_whole(section["max_rows"], "report.max_rows", 1, 100000)
    return problems


def _check_whole(value, where, low, high):
    found = check_number(value, where, low, high)
    if not found and value != int(value):
        found = [f"{where} must be a whole number, got {value:g}"]
    return found


# What the cross-views read of an account's churn result beyond its figures (why, the
# playbook): only for these risk tiers (this_week, action_list). A lean run's churn
# results carry them only there (see PortfolioModel).
REASONS_FOR_TIERS = frozenset({"critical", "high"})


class PortfolioModel:
    """The three analyses' models and the report section, compiled once for one as-of date.

    `lean`: the accounts' full results are not written (a brief per account, or a
    text, markdown or HTML report): health, churn and expansion then leave out what
    neither the views, the summaries nor the briefs read (health.assess, churn.assess
    and expansion.assess under `lean`).
    """

    def __init__(self, methodology, as_of, lean=False):
        section = methodology["report"]
        self.methodology = methodology
        self.as_of = as_of
        self.section = section
        self.health = health.prepare(methodology, as_of)
        self.churn = churn.prepare(methodology, as_of)
        self.expansion = expansion.prepare(methodology, as_of)
        # The account's one next action is the report's: the analyses make none of their own.
        self.health.next_action = self.churn.next_action = self.expansion.next_action = False
        if lean:
            self.health.lean = True
            self.churn.lean = REASONS_FOR_TIERS
            self.expansion.lean = True
        # The lifecycle stage is the account's, given once beside its actions, not in each analysis.
        self.lifecycle = lifecycle.rule_for(methodology, as_of)
        self.churn.lifecycle = self.expansion.lifecycle = None
        self.renewal_probability = dict(section["renewal_probability"])
        self.probability_source = section["renewal_probability_source"].strip()
        self.benchmarks = dict(section["benchmarks"])
        self.quarter_count = int(section["renewal_quarters"]["count"])
        self.quarter_days = int(section["renewal_quarters"]["days"])
        self.call_renewals_within = int(section["action_list"]["renewal_within_days"])
        self.expansion_calls = int(section["action_list"]["expansion_accounts"])
        self.capacity = int(section["action_list"]["capacity"])
        self.next_rule = next_action.prepare(methodology, as_of)
        self.max_rows = int(section["max_rows"])


def prepare(methodology, as_of, capacity=None, lean=False):
    """Compile the methodology for the portfolio report; see PortfolioModel (`capacity`: --capacity)."""
    model = PortfolioModel(methodology, as_of, lean)
    if capacity is not None:
        model.capacity = capacity
    return model


def assess(raw, model, from_text=False):
    """Run the three analyses on one record; return the account with each result, or raise RecordRejected.

    The result: customer_id, name, segment, arr, priority (the most urgent of the
    churn risk tier, critical when the renewal lapsed, and the health attention
    priority), then `health`, `churn` and `expansion` (each the analysis' own result,
    or None) and `analysis_errors` (analysis -> its messages, for those that failed).
    RecordRejected only when all three fail; its messages say which analysis each
    comes from when they do not all share it.
    """
    errors = {}
    problems = []
    read = (read_account(raw, model.health.segments, problems, from_text), problems)  # once for the three
    # The three analyses one after the other (no loop over them: this runs once per account).
    # One next action per account, the report's from all it knows: the analyses make none
    # of their own (PortfolioModel).
    try:
        fitness = health.assess(raw, model.health, from_text, read)
    except RecordRejected as exc:
        fitness = None
        errors["health"] = exc.errors
    try:
        risk = churn.assess(raw, model.churn, from_text, read)
    except RecordRejected as exc:
        risk = None
        errors["churn"] = exc.errors
    try:  # its readiness takes the health and churn just worked out
        found = expansion.assess(raw, model.expansion, from_text,
                                 (fitness or errors["health"], risk or errors["churn"]), read)
    except RecordRejected as exc:
        found = None
        errors["expansion"] = exc.errors
    first = fitness or risk or found
    if first is None:
        raise RecordRejected(merge_errors(errors))
    days = risk["days_to_renewal"] if risk is not None else fitness["days_to_renewal"] if fitness is not None \
        else found["readiness"]["days_to_renewal"]
    decision = next_action.decide(
        model.next_rule, days=days, risk_tier=None if risk is None else risk["risk_tier"],
        health_class=None if fitness is None else fitness["classification"],
        health_trend=None if fitness is None else fitness["trends"]["overall"],
        ready=found is not None and found["ready_revenue"] > 0,
        opportunity=_first_ready_rationale(found))
    account = {
        "customer_id": first["customer_id"],
        "name": first["name"],
        "segment": first["segment"],
        "arr": first["arr"],
        "owner": first["owner"],
        "contract_start_date": first["contract_start_date"],
        "priority": account_priority(fitness, risk),
        "health": fitness,
        "churn": risk,
        "expansion": found,
        "analysis_errors": errors,
        "days_to_renewal": days,
        "next_action": decision.as_dict(),
    }
    return lifecycle.add_stage(account, first["contract_start_date"], model.lifecycle)


def _first_ready_rationale(found):
    """The rationale of an expansion result's first ready opportunity, or None (also without a result)."""
    opportunity = None if found is None else expansion.first_ready(found["opportunities"])
    return None if opportunity is None else opportunity["rationale"]


def merge_errors(errors):
    """Return the messages of the failed analyses, each once; one not shared by all names its analyses.

    >>> merge_errors({"health": ["arr is missing", "usage must be an object"], "churn": ["arr is missing"]})
    ['arr is missing', 'health: usage must be an object']
    """
    seen = {}
    for name, messages in errors.items():
        for message in messages:
            seen.setdefault(message, []).append(name)
    return [message if len(names) == len(errors) else f"{', '.join(names)}: {message}"
            for message, names in seen.items()]


def account_priority(health_result, churn_result):
    """Return the most urgent of the churn risk tier (critical when lapsed) and the health attention priority.

    >>> account_priority({"attention_priority": "high"}, {"risk_tier": "medium", "renewal_status": "due"})
    'high'
    """
    found = []
    if churn_result is not None:
        found.append("critical" if churn_result["renewal_status"] == "lapsed" else churn_result["risk_tier"])
    if health_result is not None:
        found.append(health_result["attention_priority"])
    return min(found, key=PRIORITY_RANK.__getitem__) if found else "low"


def urgency_key(result):
    """Sort key: the next action's attention, then ARR at stake, days to renewal, customer_id
    (csm.next_action.order_key, the order of every tool and of the call list)."""
    return next_action.order_key(result["next_action"]["attention"], result["arr"], result["days_to_renewal"],
                                 result["customer_id"])


class Summary:
    """The three analyses' own summaries, fed the same results, and the book's totals."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.parts = {"health": health.Summary(model.health), "churn": churn.Summary(model.churn),
                      "expansion": expansion.Summary(model.expansion)}
        self.not_scored = {name: 0 for name in ANALYSES}
        self.attention = next_action.attention_counts()
        self.owners = owners.Books(model.methodology, owners.PORTFOLIO, model.churn.due_within)

    def add(self, result):
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += result["arr"]
        self.attention[result["next_action"]["attention"]] += 1
        for name, part in self.parts.items():
            analysed = result[name]
            if analysed is None:
                self.not_scored[name] += 1
            else:
                part.add(analysed)

    def result(self, rejected_count):
        """Return the totals, then each analysis' summary as its tool reports it.

        An analysis' `rejected_count` counts the records rejected from the report and
        the accounts this analysis could not score, as its own tool would.
        """
        summary = {
            "total_customers": self.count,
            "rejected_count": rejected_count,
            "total_arr": money_round(self.total_arr),
            "next_action_attention": dict(self.attention),
        }
        for name, part in self.parts.items():
            summary[name] = part.result(rejected_count + self.not_scored[name])
            summary[name].pop("next_action_attention", None)  # the report's is the account's, above
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary


# The top-level retention object of a JSON portfolio (documented in portfolio_report.py's
# docstring and --help): the period's starting ARR and what those accounts added and lost.
RETENTION_FIGURES = ("starting_arr", "expansion_arr", "contraction_arr", "churned_arr")
RETENTION_DATES = ("period_start", "period_end")
RETENTION_KEYS = RETENTION_DATES + RETENTION_FIGURES


def read_retention(document, model, source="the portfolio"):
    """Return the retention view (figures, NRR and GRR against their benchmarks), or None when absent.

    `document` is the portfolio's top-level JSON object ({} for other shapes). Raises
    InputError naming every problem of the `retention` object, one per line.

    NRR = (starting + expansion - contraction - churned) / starting x 100;
    GRR = (starting - contraction - churned) / starting x 100; 1 decimal.
    """
    retention = document.get("retention") if isinstance(document, dict) else None
    if retention is None:
        return None
    if type(retention) is not dict:
        raise InputError(f"{source}: retention must be an object with {', '.join(RETENTION_KEYS)}, "
                         f"got {values.shown(retention)}")
    problems = [f"unknown key retention.{values.printable(str(key), 40)} (known here: {', '.join(RETENTION_KEYS)})"
                for key in retention if key not in RETENTION_KEYS]
    figures = {}
    for key in RETENTION_FIGURES:
        value = retention.get(key)
        if value is None:
            problems.append(f"retention.{key} is missing (ARR, a number of 0 or more)")
            continue
        figures[key] = values.number(value, f"retention.{key}", problems, 0, None)
    dates = {}
    for key in RETENTION_DATES:
        value = retention.get(key)
        dates[key] = None if value is None else values.iso_date(value, f"retention.{key}", problems)
    if dates["period_start"] is not None and dates["period_end"] is not None \
            and dates["period_start"] > dates["period_end"]:
        problems.append(f"retention.period_start ({dates['period_start']}) is after "
                        f"retention.period_end ({dates['period_end']})")
    if not problems:
        start = figures["starting_arr"]
        lost = figures["contraction_arr"] + figures["churned_arr"]
        if start < 1:  # a share of a fraction of a cent is no rate (1e-300 would make NRR "inf%")
            problems.append(f"retention.starting_arr must be at least $1 (NRR and GRR are shares of it), got {start:g}")
        elif lost > start:
            problems.append(f"retention.contraction_arr + retention.churned_arr ({money_words(lost)}) is more than "
                            f"retention.starting_arr ({money_words(start)}): a period cannot lose more ARR than it "
                            "started with")
    if problems:
        raise InputError("\n".join(f"{source}: {problem}" for problem in problems))
    start = figures["starting_arr"]
    net = start + figures["expansion_arr"] - figures["contraction_arr"] - figures["churned_arr"]
    gross = start - figures["contraction_arr"] - figures["churned_arr"]
    view = {key: (None if dates[key] is None else dates[key].isoformat()) for key in RETENTION_DATES}
    view.update({key: money_round(figures[key]) for key in RETENTION_FIGURES})
    view["ending_arr"] = money_round(net)
    view["nrr"] = _against(round(net / start * 100, 1), model.benchmarks["nrr"])
    view["grr"] = _against(round(gross / start * 100, 1), model.benchmarks["grr"])
    return view


def _against(value, benchmark):
    """Return a figure with its benchmark; a value at the benchmark meets it.

    >>> _against(108.5, 110)
    {'value': 108.5, 'benchmark': 110, 'meets_benchmark': False}
    """
    return {"value": value, "benchmark": benchmark, "meets_benchmark": value >= benchmark}


class AccountViews(NamedTuple):
    """One account's entries in the report's views (account_views), merged by cross_views.

    Each entry is a dict, or its JSON text in a json run, where it is made as the
    account is scored (by csm.parallel's helper for its accounts: a plain tuple of
    these fields then crosses back, and `AccountViews(*part)` names it again).
    """

    this_week: tuple  # (sort key, entry): a critical or high churn risk; else None
    trends: tuple  # (entry, declining key, falling key, recovering key), None for a list it is not on; or None
    ready: tuple  # (sort key, entry) of an account ready for an expansion conversation now; else None
    waiting: tuple  # (sort key, entry) of an account whose expansion waits; else None


def account_views(result, model, encode=None):
    """Return the AccountViews of one scored account; with `encode`, each entry as its JSON text."""
    this_week = this_week_entry(result)
    trend = trend_entry(result, model)
    ready, waiting = expansion_entries(result)
    if encode is not None:
        this_week, ready, waiting = (None if pair is None else (pair[0], encode(pair[1]))
                                     for pair in (this_week, ready, waiting))
        if trend is not None:  # (its entry first, then its three keys)
            trend = (encode(trend[0]),) + trend[1:]
    return AccountViews(this_week, trend, ready, waiting)


def json_part(model, encode):
    """Return part(result): what the report's json run keeps of an account as it is scored, beside its
    result: (its brief, then its AccountViews fields), every entry as its JSON text (a plain tuple, as
    csm.parallel's helper hands it back). complete() takes the views' entries from them."""
    brief = portfolio_brief.brief

    def part(result):
        return (encode(brief(result)),) + tuple(account_views(result, model, encode))
    return part


def cross_views(report, model, retention, parts=None):
    """Return the six views of the report, in order, from the scored accounts and the summary.

    `parts`: each account's AccountViews with its entries as JSON texts, in the order
    of the accounts (a json run's, made as each was scored); the view lists are then
    render.Encoded lists of those texts. None: the entries are made here, as dicts.
    """
    customers = report["customers"]
    if parts is None:
        parts = [account_views(result, model) for result in customers]
        listed = list
    else:
        listed = Encoded
    expansion_view = expansion_views(customers, report["summary"]["expansion"], model,
                                     [part.ready for part in parts], [part.waiting for part in parts], listed)
    ready_now = expansion_view["ready_now"]
    ready_calls = ready_now[:model.expansion_calls]
    if listed is Encoded:
        ready_calls = [json.loads(text) for text in ready_calls]
    calls, rest = action_list(customers, model, ready_calls)
    views = {
        "book": book(report["summary"], model, retention, expansion_view),
        "this_week": merged([part.this_week for part in parts], listed),
        "renewals": renewals(customers, model),
        "trends": merged_trends([part.trends for part in parts], listed),
        "expansion": expansion_view,
        "action_list": calls,
        "action_list_rest": rest,
    }
    return Holding(views) if listed is Encoded else views


def merged(pairs, listed=list):
    """The entries of the (sort key, entry) pairs (None: not listed), in the order of their keys."""
    found = [pair for pair in pairs if pair is not None]
    found.sort(key=_first)
    return listed(entry for _, entry in found)


def book(summary, model, retention, expansion_view):
    """Return the book at a glance: every figure is the analyses' own summary figure."""
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
        "average_health": None if average is None else _against(average, model.benchmarks["average_health"]),
        "arr_weighted_health": health_summary["arr_weighted_average_score"],
        "risk_mix": churn_summary["tiers"],
        "accounts_at_risk": churn_summary["critical_count"] + churn_summary["high_count"],
        "arr_at_risk": churn_summary["total_arr_at_risk"],
        "arr_at_risk_share": churn_summary["arr_at_risk_share"],
        "expansion_potential": expansion_summary["total_estimated_revenue"],
        "expansion_potential_share": expansion_summary["potential_share_of_arr"],
        "expansion_ready_potential": expansion_view["ready_revenue"],
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
    previous = changes.earlier_health(result)
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
        "renewal": churn.renewal_words(risk["days_to_renewal"], risk["contract_end_date"]),
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


def quarter_of(days, model):
    """Return the quarter (1-based) a renewal `days` from the as-of date falls in, or None past the last.

    >>> from csm.config.methodology import default_methodology
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
    for days, customer_id, target in sorted(due, key=lambda item: (item[0], item[1])):
        target["accounts"].append(customer_id)
    probabilities = model.renewal_probability
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
    _rounded(total)
    total["forecast_arr"] = sum(quarter["forecast_arr"] for quarter in quarters)
    total["forecast_share"] = share(total["forecast_arr"], total["arr"]) if total["arr"] else None
    lapsed["accounts"] = [entry for _, _, entry in sorted(lapsed["accounts"], key=lambda item: (item[0], item[1]))]
    _rounded(lapsed)
    later["arr"] = money_round(later["arr"])
    unknown["arr"] = money_round(unknown["arr"])
    unknown["customer_ids"].sort()
    return {
        "quarter_rule": (f"rolling quarters of {length} days from the as-of date: Q1 is days 0-{length - 1} "
                         f"to renewal, Q2 days {length}-{2 * length - 1}, and so on"),
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
    previous = changes.earlier_health(fitness)  # the latest earlier snapshot's, with history
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


def merged_trends(entries, listed=list):
    """The trends view from each account's trend_entry (None: on no list)."""
    found = [trend for trend in entries if trend is not None]
    view = {name: merged([(trend[at], trend[0]) if trend[at] is not None else None for trend in found], listed)
            for at, name in enumerate(TREND_LISTS, 1)}
    return Holding(view) if listed is Encoded else view


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
    first_ready = expansion.first_ready(found["opportunities"])
    if first_ready is not None:
        fitness = result["health"]
        risk = result["churn"]
        return (expansion.ready_key(found), {
            **_identity(result), "ready_revenue": found["ready_revenue"],
            "total_estimated_revenue": found["total_estimated_revenue"],
            "opportunity_count": found["opportunity_count"], "top_opportunity": first_ready,
            "health_classification": None if fitness is None else fitness["classification"],
            "risk_tier": None if risk is None else risk["risk_tier"]}), None
    readiness = found["readiness"]
    if readiness["status"] == expansion.READY:
        return None, None
    return None, (expansion.potential_key(found), {
        **_identity(result), "total_estimated_revenue": found["total_estimated_revenue"],
        "opportunity_count": found["opportunity_count"], "status": readiness["status"],
        "reasons": readiness["reasons"]})


def expansion_views(customers, expansion_summary, model, ready, waiting, listed=list):
    """Return the accounts ready for a conversation now, the pipeline by type, and those to stabilise first.

    `ready` and `waiting`: each account's expansion_entries, in the order of `customers`.
    """
    by_category = expansion_summary["by_category"]
    # category -> [ready count, ready revenue, on hold count, on hold revenue], tallied in a list
    tallies = {category: [0, 0, 0, 0] for category in by_category}
    ready_status = expansion.READY
    for result in customers:
        found = result["expansion"]
        if found is None:
            continue
        for opportunity in found["opportunities"]:
            tally = tallies[opportunity["category"]]
            if opportunity["readiness"] == ready_status:
                tally[0] += 1
                tally[1] += opportunity["estimated_revenue"]
            else:
                tally[2] += 1
                tally[3] += opportunity["estimated_revenue"]
    pipeline = {}
    for category, figures in by_category.items():
        ready_count, ready_revenue, on_hold_count, on_hold_revenue = tallies[category]
        pipeline[category] = {"type": figures["type"], "count": figures["count"],
                              "estimated_revenue": figures["estimated_revenue"],
                              "ready_count": ready_count, "ready_revenue": ready_revenue,
                              "on_hold_count": on_hold_count, "on_hold_revenue": on_hold_revenue}
    ready_revenue = sum(line["ready_revenue"] for line in pipeline.values())
    on_hold_revenue = sum(line["on_hold_revenue"] for line in pipeline.values())
    view = {
        "total_estimated_revenue": expansion_summary["total_estimated_revenue"],
        "ready_revenue": ready_revenue,
        "on_hold_revenue": on_hold_revenue,
        "ready_now": merged(ready, listed),
        "pipeline": pipeline,
        "stabilise_first": merged(waiting, listed),
    }
    return Holding(view) if listed is Encoded else view


def _health_reason(fitness):
    why = fitness["why"]
    return f"health {_health_words(fitness)}" + (f"; most points lost on {why[0]['detail']}" if why else "")


CALL_ATTENTIONS = (next_action.ACT_TODAY, next_action.THIS_WEEK)


def action_list(customers, model, ready_now):
    """Return who to call this week and why, most urgent first (one entry per account), and the rest counted.

    An account is called when its next action (csm.next_action, the same rule as
    every tool) is `act today` or `this week`, or when it is among the top
    `report.action_list.expansion_accounts` ready expansion accounts. Its urgency
    and action are its next action's; the reasons are every fact behind the call
    (renewal, churn risk, health, expansion). Ordered by next_action.order_key
    (attention, then ARR at stake, then days to renewal), then cut to the team's
    capacity (`report.action_list.capacity`, `--capacity`). Returns (calls, rest):
    rest counts the accounts and ARR left off.
    """
    expansion_calls = {entry["customer_id"]: entry for entry in ready_now[:model.expansion_calls]}
    ranked = []  # (order key, account, its expansion call or None)
    for result in customers:
        attention = result["next_action"]["attention"]
        ready = expansion_calls.get(result["customer_id"])
        if attention not in CALL_ATTENTIONS and ready is None:
            continue
        ranked.append((next_action.order_key(attention, result["arr"], result["days_to_renewal"],
                                             result["customer_id"]), result, ready))
    ranked.sort(key=_first)
    calls = []
    for position, (_, result, ready) in enumerate(ranked[:model.capacity], 1):  # entries for the calls alone
        decision = result["next_action"]
        calls.append({"rank": position, **_identity(result), "urgency": decision["attention"],
                      "reasons": _call_reasons(result, decision, ready, model), "action": decision["action"]})
    left = ranked[model.capacity:]
    rest = {"count": len(left), "arr": money_round(sum(result["arr"] for _, result, _ in left)),
            "capacity": model.capacity}
    return calls, rest


def _call_reasons(result, decision, ready, model):
    """The facts behind a call (renewal, churn risk, health, expansion); the decision's reason when none applies."""
    reasons = []
    risk = result["churn"]
    fitness = result["health"]
    if risk is not None:
        days = risk["days_to_renewal"]
        if days is not None and (days < 0 or days <= model.next_rule.watch):
            reasons.append(churn.renewal_words(days, risk["contract_end_date"]))
        if risk["risk_tier"] in ("critical", "high"):
            why = risk["why"][0]["detail"] if risk["why"] else "warning signals"
            reasons.append(f"churn risk {risk['risk_tier']} ({risk['risk_score']:.1f}): {why}")
    if fitness is not None and (fitness["classification"] == "red" or fitness["trends"]["overall"] == "declining"):
        reasons.append(_health_reason(fitness))
    if ready is not None:
        reasons.append(f"ready to expand: {money_words(ready['ready_revenue'])} ready in "
                       f"{ready['opportunity_count']:,} opportunit{'y' if ready['opportunity_count'] == 1 else 'ies'}")
    return reasons or [decision["reason"]]


def money_words(amount):
    """Return whole dollars with separators, for sentences in the data.

    >>> money_words(1234567.4)
    '$1,234,567'
    """
    return f"${money_round(amount):,}"


ANALYSIS_WORDS = {"health": "health", "churn": "churn risk", "expansion": "expansion"}


def complete(report, model, document, source, parts=None):
    """Add the retention figures and the cross-views to a scored report; return warning lines.

    The views go after the summary (the reading order of the report), the accounts
    and rejected records after them. Each warning names an account one analysis could
    not score (the account stays in the report on the others). Raises InputError when
    the portfolio's `retention` object is wrong.

    `parts`: the json_part of each account, in the order of the accounts (a json run
    keeps them as it scores): the views are made of their entries, and the accounts
    are listed as their briefs (JSON texts).
    """
    retention = read_retention(document, model, source)
    named = None if parts is None else [AccountViews(*part[1:]) for part in parts]
    views = cross_views(report, model, retention, named)
    customers = report.pop("customers")
    rejected = report.pop("rejected")
    report["views"] = views
    report["customers"] = customers if parts is None else Encoded(part[0] for part in parts)
    report["rejected"] = rejected
    warnings = []
    for result in customers:
        for name, messages in result["analysis_errors"].items():
            more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
            warnings.append(f"{values.printable(result['customer_id'])}: {ANALYSIS_WORDS[name]} not scored: "
                            f"{messages[0]}{more}")
    return warnings
