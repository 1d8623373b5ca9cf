"""The `report` section: the portfolio report's renewal probabilities, benchmarks, quarters and list sizes."""

from csm.config.checks import check_number
from csm.config.churn import TIERS

ASSUMPTION = "assumption"
DEFAULTS = {
    # Probability that a renewal due in the window renews, by churn risk tier. Ours (issue 6):
    # assumptions, until a backtest on the company's own renewal outcomes calibrates them.
    "renewal_probability": {"critical": 0.35, "high": 0.60, "medium": 0.80, "low": 0.95},
    # Where the probabilities come from: "assumption" until a backtest calibrated them; a
    # calibrated config names its backtest here, and the report prints it instead.
    "renewal_probability_source": ASSUMPTION,
    # references/methodology.md ("Segments by ARR", the team targets of the second seeded model):
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
