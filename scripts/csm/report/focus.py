"""Focus: what to look at first (references/interface.md "Focus").

This module owns the options that narrow a run's listed accounts without
changing the book's totals:

- `--top N`: the N most urgent accounts (the tool's own order, which for health,
  churn and the report is csm.next_action.order_key);
- filters, combined with AND: `--segment`, `--owner`, `--class` (health class),
  `--tier` (churn risk tier), each a comma-separated list read as a CSV line (a
  name holding a comma is quoted: `--owner '"Reyes, Dana",Lee'`), and
  `--renewing-within DAYS` (days to renewal from 0 to DAYS, lapsed included);
- `--detail`: text and markdown show every action and warning of an account
  (otherwise the three most important of each; JSON always carries all).

Every account is still scored and added to the summary, so the summary covers
the whole book; the listed accounts and `summary.listed` (the filters, how many
matched and their ARR, how many are listed of how many) follow the focus.

In the portfolio report the filters narrow what its views are made of (the call
list, renewals, trends and expansion cover the accounts that matched, the book at a
glance the whole book); `--top` cuts its `customers` list only.

Which tool can evaluate which filter is the tool's `facts` (see `Facts`): the
health tool knows no churn tier, the churn tool no health class; a filter a tool
cannot evaluate is a usage error (exit 2) that names the tools that can.

Streaming formats (jsonl, csv) filter each record as it is read and stay
streamed; with `--top` they cannot write in input order and still pick the most
urgent, so they keep the N most urgent (memory bounded by N, `Top`)
and write them, most urgent first, after the last record; rejected records are
still written as they are met.
"""

import argparse
import csv
import difflib
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from csm import values
from csm.score.accounts import SEGMENT_ALIASES, SEGMENTS
from csm.figures import money_round

CLASSES = ("green", "yellow", "red")
TIERS = ("critical", "high", "medium", "low")
FILTERS = ("segment", "owner", "class", "tier", "renewing_within")
# Which tools can evaluate the filters that not every tool can (the usage error names them).
CAN_CLASS = "health_score_calculator.py, expansion_opportunity_scorer.py or portfolio_report.py"
CAN_TIER = "churn_risk_analyzer.py, expansion_opportunity_scorer.py or portfolio_report.py"
OWNERS_REMEMBERED = 10_000  # distinct owners a run remembers to name the closest to an --owner that matched nothing


def list_values(text: str) -> List[str]:
    """The names of a comma-separated option, read as one CSV line: a name with a comma is quoted.

    >>> list_values('mei chen, Ana Silva'), list_values('"Reyes, Dana",Lee')
    (['mei chen', 'Ana Silva'], ['Reyes, Dana', 'Lee'])
    """
    try:
        cells = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error:
        cells = text.split(",")
    return [cell.strip() for cell in cells if cell.strip()]


class Facts(NamedTuple):
    """What a filter reads of one result (None: the tool does not know it, or it is unknown)."""

    arr: float
    segment: str
    owner: Optional[str]
    health_class: Optional[str]
    risk_tier: Optional[str]
    days_to_renewal: Optional[int]


def _listed(text, accepted, option, aliases=None):
    """Return the names of a comma-separated option as a frozenset, or raise ValueError naming the bad one."""
    found = set()
    for part in list_values(text) or [text]:
        key = values.key_of(part)
        name = (aliases or {}).get(key) or next((a for a in accepted if values.key_of(a) == key), None)
        if name is None:
            raise ValueError(f"{option}: {part.strip()!r} is not one of {', '.join(accepted)}")
        found.add(name)
    return frozenset(found)


def _scale(text, name, scale, accepted, can, known, words):
    """Read --class or --tier (`name`): the names as a frozenset (None when not given), noted in `words`.

    Raises ValueError when the tool cannot evaluate it (naming the tools that can) or a name is unknown.
    """
    if text is None:
        return None
    if name not in known:
        raise ValueError(f"--{name} filters on {scale}, which this tool does not score; use {can}")
    found = _listed(text, accepted, f"--{name}")
    words[name] = [label for label in accepted if label in found]
    return found


class Focus:
    """The focus of one run: the filters, --top and --detail, and the tally of what matched."""

    def __init__(self, args, known):
        """`known`: the filters this tool can evaluate (names of FILTERS). Raises ValueError for a usage error."""
        self.top = args.top
        self.detail = args.detail
        self.segments = self.owners = self.classes = self.tiers = None
        self.within = args.renewing_within
        words = {}
        if args.segment is not None:
            self.segments = _listed(args.segment, SEGMENTS, "--segment", SEGMENT_ALIASES)
            words["segment"] = sorted(self.segments)
        self.owner_matches = {}  # each --owner name (case-folded) -> accounts it matched
        self.owners_seen = {}  # case-folded -> an owner as written, of the first OWNERS_REMEMBERED met
        if args.owner is not None:
            names = list_values(args.owner)
            self.owners = frozenset(name.casefold() for name in names)
            if not self.owners:
                raise ValueError("--owner: give at least one owner name")
            words["owner"] = sorted(names)
            self.owner_matches = {name.casefold(): 0 for name in names}
            self.owner_words = {name.casefold(): name for name in names}
        self.classes = _scale(args.health_class, "class", "the health class", CLASSES, CAN_CLASS, known, words)
        self.tiers = _scale(args.tier, "tier", "the churn risk tier", TIERS, CAN_TIER, known, words)
        if self.within is not None:
            words["renewing_within_days"] = self.within
        self.filters = words
        self.filtering = bool(words)
        self.matched = 0
        self.matched_arr = 0

    def keeps(self, facts: Facts) -> bool:
        """Return True when the account of these Facts passes every filter."""
        if self.segments is not None and facts.segment not in self.segments:
            return False
        if self.owners is not None:
            owner = facts.owner.strip().casefold() if facts.owner is not None else None
            if owner not in self.owners:
                if owner is not None and len(self.owners_seen) < OWNERS_REMEMBERED:
                    self.owners_seen.setdefault(owner, facts.owner.strip())
                return False
            self.owner_matches[owner] += 1
        if self.classes is not None and facts.health_class not in self.classes:
            return False
        if self.tiers is not None and facts.risk_tier not in self.tiers:
            return False
        if self.within is not None and (facts.days_to_renewal is None or facts.days_to_renewal > self.within):
            return False
        return True

    def unmatched_warnings(self) -> List[str]:
        """One line per --owner name that matched no account, naming the closest owners of the book."""
        lines = []
        for key, matched in self.owner_matches.items():
            if matched:
                continue
            close = difflib.get_close_matches(key, list(self.owners_seen), n=3, cutoff=0.5)
            near = (f"; the closest owners: {', '.join(values.shown(self.owners_seen[name]) for name in close)}"
                    if close else "; no owner of the book is close to it")
            lines.append(f"--owner {values.shown(self.owner_words[key])} matches no account{near}")
        return lines

    def count(self, arr: float) -> None:
        """Tally one account that passed the filters."""
        self.matched += 1
        self.matched_arr += arr

    def listed(self, total: int, listed_count: int) -> Dict[str, Any]:
        """Return summary.listed: the filters, --top, how many matched (and their ARR), how many are listed of the book."""
        return {"filters": dict(self.filters), "top": self.top, "matched": self.matched,
                "matched_arr": money_round(self.matched_arr), "count": listed_count, "of": total}


def from_args(args: argparse.Namespace, known: Sequence[str]) -> Optional[Focus]:
    """Return the run's Focus, or None when no focus option is given (the run's path is unchanged)."""
    if not any(getattr(args, name, None) not in (None, False)
               for name in ("top", "segment", "owner", "health_class", "tier", "renewing_within", "detail")):
        return None
    return Focus(args, known)


# What each tool's results tell the filters (Tool.facts), and which filters each can evaluate.
ALL_FILTERS = FILTERS
HEALTH_FILTERS = ("segment", "owner", "class", "renewing_within")
CHURN_FILTERS = ("segment", "owner", "tier", "renewing_within")


def health_facts(result: Dict[str, Any]) -> Facts:
    return Facts(result["arr"], result["segment"], result["owner"], result["classification"], None,
                 result["days_to_renewal"])


def churn_facts(result: Dict[str, Any]) -> Facts:
    return Facts(result["arr"], result["segment"], result["owner"], None, result["risk_tier"],
                 result["days_to_renewal"])


def expansion_facts(result: Dict[str, Any]) -> Facts:
    readiness = result["readiness"]
    return Facts(result["arr"], result["segment"], result["owner"], readiness["health_classification"],
                 readiness["churn_risk_tier"], readiness["days_to_renewal"])


def portfolio_facts(result: Dict[str, Any]) -> Facts:
    fitness = result["health"]
    risk = result["churn"]
    if risk is not None:
        days = risk["days_to_renewal"]
    elif fitness is not None:
        days = fitness["days_to_renewal"]
    else:
        days = result["expansion"]["readiness"]["days_to_renewal"]
    return Facts(result["arr"], result["segment"], result["owner"],
                 None if fitness is None else fitness["classification"],
                 None if risk is None else risk["risk_tier"], days)
