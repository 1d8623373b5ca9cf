"""The portfolio report's account: the three analyses over one record, with one next action, and its summary.

Each record is run through the health, churn and expansion analyses (`assess` of
each module, unchanged). Each may fail on its own: the account keeps the results
that worked and the errors of the others; it is rejected from the report only when
all three fail. The per-analysis figures come from each analysis' own summary
(csm.report.summaries), fed the same results, so counts, ARR at risk, expansion
potential and total ARR are the ones each tool reports on the same book; the
expansion summary adds the first TOP_OPPORTUNITIES rows of the book's opportunity
list (csm.report.opportunities, the rows `--by opportunity` lists first).

Each account carries its one `next_action` (csm.score.next_action, from health,
churn, renewal and readiness together); the analyses' own next actions are taken
out, so the report speaks with one voice.

A run keeps of each listed account what the report writes (`keep`): its entries in
the six views (csm.report.views, made from its own results alone), and the account
as it is listed (its brief, csm.report.listing, or its three results in full).
`complete` merges the views once the last account is scored. The figures of the
views (renewal probabilities, benchmarks, quarter length ...) are the `report`
section of the methodology (csm.config.report).
"""

import argparse
from typing import Any, Dict, NamedTuple, Optional

from csm.errors import RecordRejected
from csm.figures import money_round
from csm.ingest.columns import load_retention
from csm.report.listing import brief
from csm.report import opportunities, owners, summaries
from csm.report import views as views_of
from csm.report.retention import read_retention
from csm.score import churn, expansion, health, lifecycle, next_action
from csm.score.accounts import read_account

ANALYSES = ("health", "churn", "expansion")
TOP_OPPORTUNITIES = 10  # rows of the opportunity list the report's pipeline section shows (all: --by opportunity)


class PortfolioModel:
    """The three analyses' models and the report section, compiled once for one as-of date.

    `capacity`: the calls the team can work this week (--capacity; default the
    methodology's); `retention`: the retention view of a --retention file, read and
    checked before the book (None: the book's own `retention` object, if any).
    """

    def __init__(self, methodology, as_of, capacity=None, retention=None):
        section = methodology["report"]
        self.methodology = methodology
        self.as_of = as_of
        self.section = section
        self.health = health.prepare(methodology, as_of)
        self.churn = churn.prepare(methodology, as_of)
        self.expansion = expansion.prepare(methodology, as_of)
        # The lifecycle stage is the account's, given once beside its actions (and in each analysis' own result).
        self.lifecycle = lifecycle.rule_for(methodology, as_of)
        self.renewal_probability = dict(section["renewal_probability"])
        self.probability_source = section["renewal_probability_source"].strip()
        self.benchmarks = dict(section["benchmarks"])
        self.quarter_count = int(section["renewal_quarters"]["count"])
        self.quarter_days = int(section["renewal_quarters"]["days"])
        self.call_renewals_within = int(section["action_list"]["renewal_within_days"])
        self.expansion_calls = int(section["action_list"]["expansion_accounts"])
        self.capacity = int(section["action_list"]["capacity"]) if capacity is None else capacity
        self.next_rule = next_action.prepare(methodology, as_of)
        self.max_rows = int(section["max_rows"])
        self.retention = retention


def prepare(methodology, as_of, capacity=None, retention=None):
    """Compile the methodology for the portfolio report; see PortfolioModel."""
    return PortfolioModel(methodology, as_of, capacity, retention)


def prepare_for_run(methodology: Dict[str, Any], args: argparse.Namespace) -> PortfolioModel:
    """The model of a run of the report: --capacity, and a --retention file read and checked before the book."""
    model = prepare(methodology, args.as_of, args.capacity)
    if args.retention is not None:  # read and checked before the book, so a bad file costs no scoring
        source = f"--retention {args.retention}"
        model.retention = read_retention(load_retention(args.retention), model, source)
    return model


def assess(raw: Dict[str, Any], model: PortfolioModel, from_text: bool = False) -> Dict[str, Any]:
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
    # The three analyses one after the other; one next action per account, the report's from all it knows.
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
    for analysed in (fitness, risk, found):  # the account's one next action is the report's, below
        if analysed is not None:
            del analysed["next_action"]
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
        opportunity=_start_with_rationale(found))
    account = {
        "customer_id": first["customer_id"],
        "name": first["name"],
        "segment": first["segment"],
        "arr": first["arr"],
        "owner": first["owner"],
        "contract_start_date": first["contract_start_date"],
        "priority": next_action.account_priority(fitness, risk),
        "health": fitness,
        "churn": risk,
        "expansion": found,
        "analysis_errors": errors,
        "days_to_renewal": days,
        "next_action": decision.as_dict(),
    }
    return lifecycle.add_stage(account, first["contract_start_date"], model.lifecycle)


def _start_with_rationale(found):
    """The rationale of the opportunity an expansion result starts with (its largest ready one), or None."""
    opportunity = None if found is None else expansion.start_with(found["opportunities"])
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


class Summary:
    """The three analyses' own summaries, fed the same results, and the book's totals."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.summaries = {"health": summaries.HealthSummary(model.health), "churn": summaries.ChurnSummary(model.churn),
                      "expansion": summaries.ExpansionSummary(model.expansion)}
        self.not_scored = {name: 0 for name in ANALYSES}
        self.attention = next_action.attention_counts()
        self.owners = owners.Books(model.methodology, owners.PORTFOLIO, model.churn.due_within)
        self.opportunities = opportunities.TopRows(TOP_OPPORTUNITIES, model.expansion.readiness.upgrade_min_utilisation)

    def add(self, result: Dict[str, Any]) -> None:
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += result["arr"]
        self.attention[result["next_action"]["attention"]] += 1
        for name, summary_of in self.summaries.items():
            analysed = result[name]
            if analysed is None:
                self.not_scored[name] += 1
            else:
                summary_of.add(analysed)
        if result["expansion"] is not None:
            self.opportunities.add(result["expansion"])

    def result(self, rejected_count: int) -> Dict[str, Any]:
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
        for name, summary_of in self.summaries.items():
            summary[name] = summary_of.result(rejected_count + self.not_scored[name])
            summary[name].pop("next_action_attention", None)  # the report's is the account's, above
        # The first rows of the opportunity list (expansion_opportunity_scorer.py --by opportunity) of these accounts.
        summary["expansion"]["top_opportunities"] = self.opportunities.result()
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary


class ReportAccount(NamedTuple):
    """What a run of the report keeps of one listed account until the report is written."""

    listed: dict  # the account as the report lists it: its brief (json), or its three results in full
    views: views_of.AccountViews  # its entries in the views


def keep(result: dict, model: PortfolioModel, args: argparse.Namespace) -> ReportAccount:
    """What the run keeps of a scored account: its entries in the views, and the account as it is listed.

    An account is listed as its brief (csm.report.listing), unless --full or
    --account ask for its three results in full. A format other than json writes no
    account list, but its HTML draws each account's health history: the brief then
    keeps the health trajectory (of a run with history) for it.
    """
    if args.full or args.account is not None:
        listed = result
    else:
        listed = brief(result)
        fitness = result["health"]
        if args.format != "json" and fitness is not None and "trajectory" in fitness:
            listed["health"]["trajectory"] = fitness["trajectory"]
    return ReportAccount(listed, views_of.account_views(result, model))


ANALYSIS_WORDS = {"health": "health", "churn": "churn risk", "expansion": "expansion"}


def complete(report: dict, model: PortfolioModel, retention: Optional[dict]) -> list:
    """Add the cross-views to a scored report (its customers: ReportAccounts); return (customer_id, warning) pairs.

    The views go after the summary (the reading order of the report), the accounts
    (as listed) and rejected records after them. Each warning names an account one
    analysis could not score (the account stays in the report on the others).
    """
    accounts = report.pop("customers")
    rejected = report.pop("rejected")
    customers = [account.listed for account in accounts]
    report["views"] = views_of.cross_views(customers, [account.views for account in accounts], report["summary"],
                                           model, retention)
    report["customers"] = customers
    report["rejected"] = rejected
    warnings = []
    for result in customers:
        for name, messages in result["analysis_errors"].items():
            more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
            warnings.append((result["customer_id"], f"{ANALYSIS_WORDS[name]} not scored: {messages[0]}{more}"))
    return warnings
