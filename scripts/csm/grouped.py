"""Warnings a person reads: the same warning for many accounts is one line, with the count and the first ids.

`GroupedWarnings` gathers (warning, account id) pairs as a run goes and says each warning
once: `prefix + warning: N accounts (first: A, B, C)`. A run's stderr stays short
whatever the book's size: at most MAX_KINDS lines, then one counting the rest; and what
it holds stays small whatever the warnings say: at most csm.limits.WARNING_KINDS_HELD
kinds, the accounts of any further kind only counted.
"""

from typing import Dict, List, Optional

from csm.limits import WARNING_KINDS_HELD
from csm.values import printable

FIRST_IDS = 3  # ids a line names
MAX_KINDS = 20  # lines a GroupedWarnings writes; the rest are counted in one more line


class GroupedWarnings:
    """Count accounts per warning, in first-seen order; `lines()` says each warning once.

    >>> warnings = GroupedWarnings("book.csv: ", "accounts")
    >>> for customer_id in ("A-1", "A-2", "A-3", "A-4"):
    ...     warnings.add("expansion not scored: contract.licensed_seats is missing", customer_id)
    >>> warnings.lines()
    ['book.csv: expansion not scored: contract.licensed_seats is missing: 4 accounts (first: A-1, A-2, A-3)']
    """

    def __init__(self, prefix: str = "", noun: str = "accounts", kind: str = "warnings"):
        self.prefix = prefix
        self.noun = noun
        self.kind = kind  # what the lines are: warnings, or a rejected record's problems
        self.counts: Dict[str, int] = {}
        self.first: Dict[str, List[str]] = {}
        self.details: Dict[str, str] = {}
        self.unheld = 0  # accounts of the kinds past WARNING_KINDS_HELD: counted, not grouped

    def add(self, warning: str, customer_id: object, detail: Optional[str] = None) -> None:
        """Count one account under a warning; `detail`: the whole line of one account (its value), said when
        the warning is this account's alone."""
        count = self.counts.get(warning)
        if count is None:
            if len(self.counts) == WARNING_KINDS_HELD:
                self.unheld += 1
                return
            self.counts[warning] = 1
            self.first[warning] = [printable(str(customer_id), 60)]
            self.details[warning] = detail or warning
            return
        self.counts[warning] = count + 1
        if count < FIRST_IDS:
            self.first[warning].append(printable(str(customer_id), 60))

    def lines(self) -> List[str]:
        """One line per warning (one account: its id first, as a single warning reads), at most MAX_KINDS."""
        lines = []
        for warning, count in self.counts.items():
            if count == 1:
                lines.append(f"{self.prefix}{self.first[warning][0]}: {self.details[warning]}")
            else:
                lines.append(f"{self.prefix}{warning}: {count:,} {self.noun} (first: {', '.join(self.first[warning])})")
        if len(lines) > MAX_KINDS:
            rest = len(lines) - MAX_KINDS
            lines = lines[:MAX_KINDS] + [f"{self.prefix}... and {rest:,} more {self.kind} of this kind"]
        if self.unheld:
            lines.append(f"{self.prefix}... and {self.unheld:,} more {self.noun} with {self.kind} of other kinds, "
                         "counted only")
        return lines
