"""Keeping the few best of a long stream: `Top`, the N entries of smallest sort key.

Used where a run must name the most urgent accounts without holding every one:
`--top N` on a streamed format (csm.cli.scoring) and the lists an analysis'
summary keeps (the largest opportunities).
"""

import operator
from typing import Any, List


_first = operator.itemgetter(0)  # of a (sort key, entry) pair


class Top:
    """The `limit` entries of smallest sort key among those added, kept in under twice `limit` of memory.

    Entries are added as (key, entry); when the list reaches twice the limit it is
    sorted and cut back, and from then on a key that sorts after the last one kept
    cannot make the list, so `wants(key)` lets the caller skip building its entry.
    Ties keep the order of adding, as one stable sort of everything would.

    >>> top = Top(2)
    >>> for key in (5, 1, 4, 2, 3):
    ...     if top.wants(key):
    ...         top.add(key, f"entry {key}")
    >>> top.entries()
    ['entry 1', 'entry 2']
    """

    __slots__ = ("limit", "kept", "cutoff")

    def __init__(self, limit):
        self.limit = limit
        self.kept = []
        self.cutoff = None

    def wants(self, key: Any) -> bool:
        return self.cutoff is None or key < self.cutoff

    def add(self, key: Any, entry: Any) -> None:
        kept = self.kept
        kept.append((key, entry))
        if len(kept) >= 2 * self.limit:
            kept.sort(key=_first)
            del kept[self.limit:]
            self.cutoff = kept[-1][0]

    def entries(self) -> List[Any]:
        """Return the kept entries, smallest key first."""
        self.kept.sort(key=_first)
        del self.kept[self.limit:]
        return [entry for _, entry in self.kept]
