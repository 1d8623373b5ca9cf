"""Owners' books: the book of each CSM (the account `owner`), and their load against coverage.

Owns the `owners` section of the methodology (references/methodology.md section 5): how many
accounts of each segment one CSM covers (enterprise 8, mid-market 25, smb 100), and
the load above which a book is over capacity (1.0). An owner's load is the sum of
their accounts, each weighed 1 / its segment's coverage: 8 enterprise accounts, or
25 mid-market, or 100 smb, are 1.0, a full book.

`Books` is fed one scored account at a time by an analysis' `Summary`, and only the
accounts that have an owner: a book without owners costs nothing but the check.
The accounts without one are grouped as `unassigned`, their figures the book's
totals (from the summary the tool reports) less the owners' (so they need no
per-account work either). What each book holds is what the tool knows:

- every tool: accounts, ARR, accounts per segment, load (owners only);
- health (and the portfolio report): the health mix, accounts green / yellow / red;
- churn (and the report): ARR at risk (critical and high tiers), renewals due
  within the churn analysis' last renewal window (90 days by default), lapsed;
- expansion (and the report): the estimated expansion potential.

With history or `--compare`, `add_changes` adds each owner's share of the run's changes.
"""

from typing import Any, Dict, Optional

from csm.figures import money_round
from csm.config.owners import DEFAULTS

UNASSIGNED = "unassigned"


# A book's tally: one list of numbers per owner, these positions.
(ACCOUNTS, ARR, ENTERPRISE, MID_MARKET, SMB, GREEN, YELLOW, RED,
 AT_RISK, DUE, DUE_ARR, LAPSED, POTENTIAL) = range(13)
SEGMENT_AT = {"enterprise": ENTERPRISE, "mid-market": MID_MARKET, "smb": SMB}
CLASS_AT = {"green": GREEN, "yellow": YELLOW, "red": RED}
AT_RISK_TIERS = ("critical", "high")
HEALTH, CHURN, EXPANSION, PORTFOLIO = "health", "churn", "expansion", "portfolio"


def load(tally, coverage):
    """Return a book's load: its accounts of each segment over that segment's coverage, summed.

    >>> load([0, 0, 4, 25, 50] + [0] * 8, {"enterprise": 8, "mid-market": 25, "smb": 100})
    2.0
    """
    return round(sum(tally[at] / coverage[segment] for segment, at in SEGMENT_AT.items()), 2)


class Books:
    """Each owner's book for one tool (`kind`: health, churn, expansion or portfolio)."""

    def __init__(self, methodology, kind, due_within=None):
        section = methodology.get("owners", DEFAULTS)
        self.kind = kind
        self.coverage = dict(section["coverage_accounts_per_csm"])
        self.capacity = section["over_capacity_above"]
        self.due_within = due_within
        self.books = {}
        self.count = 0

    def add(self, result: Dict[str, Any]) -> None:
        """Add an account that has an owner."""
        tally = self.books.get(result["owner"])
        if tally is None:
            tally = self.books[result["owner"]] = [0] * 13
        self.count += 1
        tally[ACCOUNTS] += 1
        tally[ARR] += result["arr"]
        tally[SEGMENT_AT[result["segment"]]] += 1
        kind = self.kind
        if kind == PORTFOLIO:
            for name in (HEALTH, CHURN, EXPANSION):
                analysed = result[name]
                if analysed is not None:
                    self._add(name, tally, analysed)
        else:
            self._add(kind, tally, result)

    def _add(self, kind, tally, result):
        if kind == HEALTH:
            tally[CLASS_AT[result["classification"]]] += 1
        elif kind == CHURN:
            if result["risk_tier"] in AT_RISK_TIERS:
                tally[AT_RISK] += result["arr"]
            days = result["days_to_renewal"]
            if days is not None:
                if days < 0:
                    tally[LAPSED] += 1
                elif days <= self.due_within:
                    tally[DUE] += 1
                    tally[DUE_ARR] += result["arr"]
        else:
            tally[POTENTIAL] += result["total_estimated_revenue"]

    def result(self, summary: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        """Return owner -> their book (owners by name, `unassigned` last when some have no owner).

        `summary` is the summary dict the tool reports, whose totals less the owners'
        are the unassigned accounts' figures.
        """
        books = {}
        for owner in sorted(self.books):
            books[owner] = self._book(self.books[owner], owner=True)
        rest = self._book_totals(summary)
        for tally in self.books.values():
            for at, figure in enumerate(tally):
                rest[at] -= figure
        if rest[ACCOUNTS] > 0:
            key = UNASSIGNED if UNASSIGNED not in books else f"({UNASSIGNED})"
            books[key] = self._book(rest, owner=False)
        return books

    def _book(self, tally, owner):
        book = {"owner": owner, "accounts": tally[ACCOUNTS], "arr": money_round(tally[ARR])}
        if owner:
            book["segments"] = {segment: tally[at] for segment, at in SEGMENT_AT.items()}
            book["load"] = load(tally, self.coverage)
            book["over_capacity"] = book["load"] > self.capacity
        else:
            book["load"] = None
            book["over_capacity"] = None
        kinds = (HEALTH, CHURN, EXPANSION) if self.kind == PORTFOLIO else (self.kind,)
        if HEALTH in kinds:
            book["health_mix"] = {"green": tally[GREEN], "yellow": tally[YELLOW], "red": tally[RED]}
        if CHURN in kinds:
            book["arr_at_risk"] = money_round(tally[AT_RISK])
            book["renewals_due"] = {"days": self.due_within, "count": tally[DUE], "arr": money_round(tally[DUE_ARR])}
            book["lapsed_count"] = tally[LAPSED]
        if EXPANSION in kinds:
            book["expansion_potential"] = money_round(tally[POTENTIAL])
        return book

    def _book_totals(self, summary):
        """The whole book's tally, from the summary dict the tool reports."""
        tally = [0] * 13
        tally[ACCOUNTS] = summary["total_customers"]
        tally[ARR] = summary["total_arr"]
        parts = ({name: summary[name] for name in (HEALTH, CHURN, EXPANSION)} if self.kind == PORTFOLIO
                 else {self.kind: summary})
        if HEALTH in parts:
            health = parts[HEALTH]
            tally[GREEN], tally[YELLOW], tally[RED] = health["green_count"], health["yellow_count"], health["red_count"]
        if CHURN in parts:
            churn = parts[CHURN]
            due = churn["renewals_due"][f"next_{self.due_within}_days"]
            tally[AT_RISK] = churn["total_arr_at_risk"]
            tally[DUE], tally[DUE_ARR] = due["count"], due["arr"]
            tally[LAPSED] = churn["lapsed_renewals"]["count"]
        if EXPANSION in parts:
            tally[POTENTIAL] = parts[EXPANSION]["total_estimated_revenue"]
        return tally


CHANGE_LISTS = ("dropped", "new_lapsed", "recovered")


def add_changes(by_owner: Dict[str, Dict[str, Any]], changes: Dict[str, Any],
                owner_of: Dict[str, Optional[str]]) -> None:
    """Add to each owner's book their share of the run's changes (ids per list, band moves counted).

    `owner_of` maps customer_id -> owner (None: unassigned).
    """
    keys = {owner: owner for owner in by_owner if by_owner[owner]["owner"]}
    unassigned = next((key for key, book in by_owner.items() if not book["owner"]), None)
    shares = {key: {name: [] for name in CHANGE_LISTS} for key in by_owner}
    for key in shares:
        shares[key]["moved_count"] = 0
    for name in CHANGE_LISTS:
        for customer_id in changes[name]:
            key = keys.get(owner_of.get(customer_id), unassigned)
            if key is not None:
                shares[key][name].append(customer_id)
    for targets in changes["moved"].values():
        for ids in targets.values():
            for customer_id in ids:
                key = keys.get(owner_of.get(customer_id), unassigned)
                if key is not None:
                    shares[key]["moved_count"] += 1
    for key, share in shares.items():
        by_owner[key]["changes"] = share
