"""What each tool scores, as one record: `Analysis`, and the four of the bundle.

A scoring tool (csm.cli.scoring) is an Analysis and its views: how to compile the
methodology (`prepare`), score one record (`assess`), add up the book (`summary`),
order the accounts (`order`), and what the focus filters can read of a result
(`facts`, `filters`).
"""

import argparse
from typing import Any, Callable, NamedTuple, Optional, Sequence

from csm.report import focus, portfolio, summaries
from csm.score import churn, expansion, health, next_action


class Analysis(NamedTuple):
    """One analysis as a tool runs it.

    - `report`: the report's name in JSON (`customer_health` ...);
    - `prepare(methodology, args)` -> model: the methodology compiled once for the run;
    - `assess(record, model, from_text)` -> result dict, or RecordRejected;
    - `summary(model)`: an object with `add(result)`, `count` and `result(rejected_count)`;
    - `order(result)`: the sort key, most urgent first;
    - `facts(result)` -> focus.Facts, and `filters`, the focus filters it can evaluate;
    - `sections`: the methodology sections it reads (None: all), for the warning on
      metrics no record carries;
    - `keep(result, model, args)`: what a run in a sorted format holds of a listed
      account until the report is written (the result itself, but for the report).
    """

    report: str
    prepare: Callable[[dict, argparse.Namespace], Any]
    assess: Callable[[dict, Any, bool], dict]
    summary: Callable[[Any], Any]
    order: Callable[[dict], tuple]
    facts: Callable[[dict], focus.Facts]
    filters: Sequence[str]
    sections: Optional[Sequence[str]]
    keep: Callable[[dict, Any, argparse.Namespace], Any] = lambda result, model, args: result


HEALTH = Analysis("customer_health", lambda methodology, args: health.prepare(methodology, args.as_of),
                  health.assess, summaries.HealthSummary, next_action.urgency_key, focus.health_facts,
                  focus.HEALTH_FILTERS, ("health",))
CHURN = Analysis("churn_risk", lambda methodology, args: churn.prepare(methodology, args.as_of),
                 churn.assess, summaries.ChurnSummary, next_action.urgency_key, focus.churn_facts,
                 focus.CHURN_FILTERS, ("churn",))
EXPANSION = Analysis("expansion_opportunities", lambda methodology, args: expansion.prepare(methodology, args.as_of),
                     expansion.assess, summaries.ExpansionSummary, expansion.portfolio_key, focus.expansion_facts,
                     focus.ALL_FILTERS, ("expansion",))
PORTFOLIO = Analysis("portfolio_report", portfolio.prepare_for_run, portfolio.assess, portfolio.Summary,
                     next_action.urgency_key, focus.portfolio_facts, focus.ALL_FILTERS, None, portfolio.keep)
