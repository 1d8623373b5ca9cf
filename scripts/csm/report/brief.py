"""One account's brief (`portfolio_report.py BOOK --account ID`): what an agent or a CSM needs to prepare it.

Its health, churn risk, expansion, renewal, lifecycle stage and its one next best
action (as the portfolio report works it out), found among the report's accounts
(`find`, which names the closest ids when it is not there) and built as plain data
(`build`). csm.render.brief lays it out in every format and fills a template with it
and with what the template proposes (`propose`: the playbook that leads for the account,
from the methodology's `playbooks` section, and its stored weekly reviews).
"""

import datetime
import difflib
from typing import Any, Dict, List, NamedTuple, Optional

from csm.config import playbooks
from csm.report.history import StoredReview
from csm.score import lifecycle
from csm.errors import InputError
from csm.words import plural
from csm.values import printable
from csm.words import renewal_words


def find(report, customer_id, focused=False):
    """Return the scored account of `customer_id` in a finished report, or raise InputError naming the closest ids.

    `focused`: the run had a focus option (--top, a filter), so the account may be scored but not listed.
    """
    for result in report["customers"]:
        if result["customer_id"] == customer_id:
            return result
    ids = [result["customer_id"] for result in report["customers"]]
    ratios = []
    for candidate in ids:
        matcher = difflib.SequenceMatcher(None, customer_id, candidate)
        if matcher.real_quick_ratio() >= 0.5 and matcher.quick_ratio() >= 0.5 and matcher.ratio() >= 0.5:
            ratios.append((-matcher.ratio(), candidate))
    close = [candidate for _, candidate in sorted(ratios)[:3]]  # the closest first; ties by id
    if not close:
        folded = customer_id.casefold()
        close = [i for i in ids if folded in i.casefold() or i.casefold() in folded][:3]
    hint = f"; closest: {', '.join(printable(i, 40) for i in close)}" if close else ""
    rejected = [entry for entry in report["rejected"] if entry.get("customer_id") == customer_id]
    if rejected:
        raise InputError(f"--account {printable(customer_id, 40)}: the record was rejected "
                         f"({rejected[0]['location']}: {rejected[0]['errors'][0]})")
    if focused:
        raise InputError(f"--account {printable(customer_id, 40)} is not among the {plural(len(ids), 'account')} "
                         f"the focus options list; run --account without --top or filters{hint}")
    raise InputError(f"--account {printable(customer_id, 40)} is not in the book "
                     f"({plural(len(ids), 'account')} scored){hint}")


def build(result, as_of):
    """Return the brief of one scored account of the portfolio report (a plain dict, JSON-ready)."""
    risk = result["churn"]
    fitness = result["health"]
    days = result["days_to_renewal"]
    end_date = risk["contract_end_date"] if risk is not None else \
        fitness["contract_end_date"] if fitness is not None else None
    stage = result.get("lifecycle")  # csm.lifecycle's stage, which the report puts once per account
    if stage is None and result["contract_start_date"] is not None:
        stage = lifecycle.stage(result["contract_start_date"], as_of).as_dict()
    return {
        "customer_id": result["customer_id"],
        "name": result["name"],
        "segment": result["segment"],
        "arr": result["arr"],
        "owner": result["owner"],
        "contract_start_date": result["contract_start_date"],
        "lifecycle": stage,
        "renewal": {"contract_end_date": end_date, "days_to_renewal": days,
                    "status": "unknown" if days is None else "lapsed" if days < 0 else "due",
                    "words": renewal_words(days, end_date)},
        "next_action": result["next_action"],
        "health": fitness,
        "churn": risk,
        "expansion": result["expansion"],
        "analysis_errors": result["analysis_errors"],
    }


def into_report(report: dict, customer_id: str, as_of: datetime.date, focused: bool = False) -> dict:
    """Turn a finished portfolio report into the brief of one account, in place (the json form).

    Raises InputError when the account is not in the book (closest ids named).
    """
    result = find(report, customer_id, focused)
    brief = build(result, as_of)
    for key in ("summary", "views", "customers", "rejected"):
        report.pop(key, None)
    report["report"] = "account_brief"
    report["account"] = brief
    return report


REVIEWS_LISTED = 52  # stored weekly reviews a template lists: a year of weekly runs (the rest counted)


class Proposal(NamedTuple):
    """What a filled template proposes for one account, beside the brief's facts.

    `playbook`: the band whose playbook leads, in words ("critical risk tier"), or None
    when neither churn nor health was scored; `weeks`: its steps, week by week, the
    brief's next action first when the playbook's own actions do not hold it;
    `success_criteria`: its exit rule with today's figure first, then the playbook's;
    `exit_rule`: the exit rule in words (None: the playbook has none);
    `reviews`: the account's stored weekly reviews before today, oldest first;
    `earlier`: stored reviews older than those listed; `history`: the --history path or None.
    """

    playbook: Optional[str]
    weeks: List[List[str]]
    success_criteria: List[str]
    exit_rule: Optional[str]
    reviews: List[StoredReview]
    earlier: int
    history: Optional[str]


def _band_actions(lens, band, methodology):
    """The tool's own actions of a band (churn's playbook lines, or the health class action)."""
    if lens == "risk_tiers":
        return list(methodology["churn"]["playbooks"].get(band, []))
    return [methodology["health"]["class_actions"].get(band)]


def propose(brief: Dict[str, Any], methodology: Dict[str, Any], reviews: List[StoredReview] = (),
            earlier: int = 0, history: Optional[str] = None) -> Proposal:
    """Return what a template proposes for the account of `brief` under `methodology`.

    The playbook that leads is csm.config.playbooks.leading's; its exit threshold is the
    methodology's tier boundary or the segment's class cut-off in force.
    """
    risk, fitness = brief["churn"], brief["health"]
    tier = risk["risk_tier"] if risk is not None else None
    health_class = fitness["classification"] if fitness is not None else None
    section = methodology["playbooks"]
    lead = playbooks.leading(tier, health_class)
    if lead is None:
        return Proposal(None, [], [], None, list(reviews), earlier, history)
    lens, band = lead
    playbook = section[lens][band]
    weeks = [list(steps) for steps in playbook["weeks"]]
    action = brief["next_action"]["action"]
    if action not in _band_actions(lens, band, methodology):  # a lapsed renewal, a renewal close ...
        weeks[0].insert(0, action)
    criteria = []
    rule = playbook["exit"]
    words = None
    if rule is not None:
        words = playbooks.exit_words(rule, methodology, brief["segment"])
        today = risk["risk_score"] if lens == "risk_tiers" else fitness["overall_score"]
        criteria.append(f"{words[0].upper()}{words[1:]} (today {today:.1f}, {band}).")
    criteria += playbook["success_criteria"]
    name = f"{band} {'risk tier' if lens == 'risk_tiers' else 'health class'}"
    return Proposal(name, weeks, criteria, words, list(reviews), earlier, history)


