"""One account's brief (`portfolio_report.py BOOK --account ID`): what an agent or a CSM needs to prepare it.

Its health, churn risk, expansion, renewal, lifecycle stage and its one next best
action (as the portfolio report works it out), found among the report's accounts
(`find`, which names the closest ids when it is not there) and built as plain data
(`build`). csm.render.brief lays it out in every format and fills a template with it.
"""

import datetime
import difflib

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


# ---------------------------------------------------------------------------------------------
# The facts a template can take, by placeholder name (markdown text; customer text escaped)


# ---------------------------------------------------------------------------------------------
# The brief in the report's formats


