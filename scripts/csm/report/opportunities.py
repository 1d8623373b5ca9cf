"""The opportunity list: single expansion opportunities across the listed accounts, ranked.

`expansion_opportunity_scorer.py --by opportunity` (references/methodology.md
section 3) writes one row per opportunity of each account the focus filters keep:
the account (id, name, owner, segment, ARR), the opportunity (category, type, what
it sells, estimated revenue, effort, priority score, its readiness and rationale)
and, when it is not ready, why. Ready opportunities come first, then by estimated
revenue (most first), then `customer_id` and the account's own priority order, so
the first three rows are the book's three largest ready opportunities. `--top N`
keeps the first N rows; the summary still covers the whole book. The portfolio
report's pipeline section lists the first rows of the same list (`TopRows`).
"""

from typing import Any, Dict, Iterable, List

from csm.config.expansion import GROW_USAGE_FIRST, READY
from csm.ranking import Top


def what(opportunity: dict) -> str:
    """What an opportunity sells, in one identifier: the seats, the target tier, the module or the department.

    >>> what({"category": "seat_expansion", "additional_seats": 125}), what({"category": "module_cross_sell",
    ...                                                                    "module": "sso"})
    ('125 seats', 'sso')
    """
    category = opportunity["category"]
    if category == "seat_expansion":
        return f"{opportunity['additional_seats']} seats"
    if category == "tier_upgrade":
        return opportunity["target_tier"]
    if category == "module_cross_sell":
        return opportunity["module"]
    return opportunity["department"]


def why_not_ready(opportunity: dict, result: dict, min_utilisation: float) -> List[str]:
    """Why an opportunity is not ready (an empty list when it is): the account's readiness reasons, or the
    seat utilisation a tier upgrade of a ready account waits for."""
    if opportunity["readiness"] == READY:
        return []
    if opportunity["readiness"] == GROW_USAGE_FIRST:
        used = result["adoption_summary"]["seat_utilisation"]
        shown = "unknown" if used is None else f"{used:g}%"
        return [f"{GROW_USAGE_FIRST}: seat utilisation {shown}, under the {min_utilisation * 100:g}% "
                "a tier upgrade waits for"]
    return list(result["readiness"]["reasons"])


def row_key(result: dict, position: int, opportunity: dict) -> tuple:
    """The sort key of an opportunity in the list: ready first, then estimated revenue (most first), then
    `customer_id` and the account's own priority order (`position`)."""
    return opportunity["readiness"] != READY, -opportunity["estimated_revenue"], result["customer_id"], position


def row(result: dict, opportunity: dict, min_utilisation: float) -> dict:
    """One opportunity of an expansion result as a row of the list (without its rank)."""
    return {
        "customer_id": result["customer_id"], "name": result["name"], "owner": result["owner"],
        "segment": result["segment"], "arr": result["arr"],
        "category": opportunity["category"], "type": opportunity["type"], "what": what(opportunity),
        "estimated_revenue": opportunity["estimated_revenue"], "effort": opportunity["effort"],
        "priority_score": opportunity["priority_score"], "readiness": opportunity["readiness"],
        "why_not_ready": why_not_ready(opportunity, result, min_utilisation),
        "rationale": opportunity["rationale"],
    }


def ranked(rows_in_order: Iterable[dict]) -> List[dict]:
    """The rows with their rank (1 first), in the order given."""
    return [{"rank": rank, **listed} for rank, listed in enumerate(rows_in_order, 1)]


def rows(results: Iterable[dict], min_utilisation: float) -> List[dict]:
    """Return every opportunity of the results as one row each, ranked (ready first, then revenue)."""
    keyed = []
    for result in results:
        for position, opportunity in enumerate(result["opportunities"]):
            keyed.append((row_key(result, position, opportunity), row(result, opportunity, min_utilisation)))
    keyed.sort(key=_first)
    return ranked(listed for _, listed in keyed)


class TopRows:
    """The first `limit` rows of the list among the results added one at a time, and how many rows there are
    (the report's pipeline section: "top 10 of N"), held in under twice `limit` rows (csm.ranking.Top)."""

    def __init__(self, limit: int, min_utilisation: float):
        self.top = Top(limit)
        self.min_utilisation = min_utilisation
        self.count = 0

    def add(self, result: dict) -> None:
        """Add the opportunities of one expansion result."""
        top = self.top
        for position, opportunity in enumerate(result["opportunities"]):
            self.count += 1
            key = row_key(result, position, opportunity)
            if top.wants(key):
                top.add(key, row(result, opportunity, self.min_utilisation))

    def result(self) -> Dict[str, Any]:
        """{"count": rows listed, "of": every row, "opportunities": the rows, ranked}."""
        listed = ranked(self.top.entries())
        return {"count": len(listed), "of": self.count, "opportunities": listed}


def _first(pair):
    return pair[0]
