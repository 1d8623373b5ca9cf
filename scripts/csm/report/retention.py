"""The period's retention figures of a book: NRR and GRR against their benchmarks.

A JSON portfolio may carry a top-level `retention` object, or `--retention FILE`
gives it for any input (scripts/portfolio_report.py documents the fields). It is
read and checked whole: every problem is named, one per line.
"""

from typing import Any, Dict, Optional

from csm import values
from csm.errors import InputError
from csm.figures import money, money_round

# The top-level retention object of a JSON portfolio (documented in portfolio_report.py's
# docstring and --help): the period's starting ARR and what those accounts added and lost.
RETENTION_FIGURES = ("starting_arr", "expansion_arr", "contraction_arr", "churned_arr")
RETENTION_DATES = ("period_start", "period_end")
RETENTION_KEYS = RETENTION_DATES + RETENTION_FIGURES


def read_retention(document: Any, model: Any, source: str = "the portfolio") -> Optional[Dict[str, Any]]:
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
            problems.append(f"retention.contraction_arr + retention.churned_arr ({money(lost)}) is more than "
                            f"retention.starting_arr ({money(start)}): a period cannot lose more ARR than it "
                            "started with")
    if problems:
        raise InputError("\n".join(f"{source}: {problem}" for problem in problems))
    start = figures["starting_arr"]
    net = start + figures["expansion_arr"] - figures["contraction_arr"] - figures["churned_arr"]
    gross = start - figures["contraction_arr"] - figures["churned_arr"]
    view = {key: (None if dates[key] is None else dates[key].isoformat()) for key in RETENTION_DATES}
    view.update({key: money_round(figures[key]) for key in RETENTION_FIGURES})
    view["ending_arr"] = (view["starting_arr"] + view["expansion_arr"] - view["contraction_arr"]  # of the figures shown
                          - view["churned_arr"])
    view["nrr"] = against(round(net / start * 100, 1), model.benchmarks["nrr"])
    view["grr"] = against(round(gross / start * 100, 1), model.benchmarks["grr"])
    return view


def against(value: float, benchmark: float) -> Dict[str, Any]:
    """Return a figure with its benchmark; a value at the benchmark meets it.

    >>> against(108.5, 110)
    {'value': 108.5, 'benchmark': 110, 'meets_benchmark': False}
    """
    return {"value": value, "benchmark": benchmark, "meets_benchmark": value >= benchmark}
