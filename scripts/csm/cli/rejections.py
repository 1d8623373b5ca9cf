"""What a run says on stderr of its rejected records: the first REJECTED_LISTED named, the rest counted.

`Rejections.add(label, customer_id, problems)` takes one rejected record: one
`error:` line per problem for each of the first REJECTED_LISTED records; past them each
problem is counted (csm.grouped, with its first records) and `finish()` says them once:
a count line, then one line per problem. `again(label, customer_id)` takes a record with
the problems of the one rejected before it (a record equal to it).
"""

from typing import List

from csm.cli.say import error, record_where
from csm.grouped import FIRST_IDS, GroupedWarnings
from csm.limits import REJECTED_LISTED


class Rejections:
    """The rejected records of a run, said as they come (the first REJECTED_LISTED) or counted; `count` of them."""

    def __init__(self):
        self.count = 0
        self.untold = GroupedWarnings("", "records", "problems")
        self._last: List[str] = []  # the problems of the record rejected last
        # A record equal to the one before, past the listed ones, once each of its problems names its first
        # records, is only counted here (`again`); the count goes to each problem when another record comes or at
        # the end. A book of millions of the same bad record ({}, 0) is said in the time it takes to read it
        # (benchmarks/README.md).
        self._again = 0
        self._counted_only: "bool | None" = False  # the last record's problems are only counted now (None: unknown)

    def add(self, label: str, customer_id: "str | None", problems: List[str]) -> None:
        """Say (or count) one rejected record's problems."""
        self._settle()
        where = record_where(label, customer_id)
        if self.count < REJECTED_LISTED:
            for problem in problems:
                error(f"{where}: {problem}")
        else:
            for problem in problems:
                self.untold.add(problem, where)
            self._counted_only = None
        self.count += 1
        self._last = problems

    def again(self, label: str, customer_id: "str | None") -> None:
        """Say (or count) a record with the problems of the one rejected before it (equal to it)."""
        if self._counted_only is None:
            counts = self.untold.counts
            self._counted_only = all(counts.get(problem, 0) >= FIRST_IDS for problem in self._last)
        if self._counted_only:
            self._again += 1
            self.count += 1
        else:
            self.add(label, customer_id, self._last)

    def finish(self) -> None:
        """Say the problems of the records past the first REJECTED_LISTED, each once with its count."""
        self._settle()
        if self.count > REJECTED_LISTED:
            error(f"{self.count - REJECTED_LISTED:,} more records were rejected, not named one by one (the first "
                  f"{REJECTED_LISTED:,} are, above); their problems:")
            for line in self.untold.lines():
                error(line)

    def _settle(self) -> None:
        """Add the records `again` counted to their problems' counts."""
        if self._again:
            for problem in self._last:
                self.untold.counts[problem] += self._again
            self._again = 0
