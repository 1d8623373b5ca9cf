"""The one memo of the scoring: what a metric makes of a value it has scored before.

A book repeats its values (whole percentages, NPS points, counts, a handful of
labels), and a metric's figures for a value (its score, its warning, its words) are
the same every time: without the memo health takes about 1.36x the instructions and
churn 1.32x (benchmarks/README.md, "Figures").

Each metric keeps its own `Memo` of the values it has checked (and the lifecycle rule
one of the stages of the start dates it has seen). A caller looks a value
up in it only when it is of a type the metric reads as it is (1, 1.0 and True
are equal keys, not equal values; a list is no key), and goes through the checks
otherwise. The memo holds at most `size` values; when full it is emptied and fills
again, so memory stays flat whatever a book (or a hostile file) holds. What it keeps
is immutable (numbers, text, tuples), so no result shares anything a reader could change.
"""

from typing import Any, Callable, Dict, Hashable, TypeVar

Figures = TypeVar("Figures")

SIZE = 4096  # values per metric


class Memo(Dict[Hashable, Figures]):
    """value -> figures of the values a metric has checked, at most `size` of them (a dict: `get` looks one up).

    >>> memo = Memo(size=2)
    >>> memo.keep(3, "three"), memo.get(3), memo.keep(4, "four"), len(memo)
    ('three', 'three', 'four', 2)
    >>> memo.keep(5, "five"), len(memo)  # full: emptied, then 5 kept
    ('five', 1)
    """

    __slots__ = ("size",)

    def __init__(self, size: int = SIZE) -> None:
        super().__init__()
        self.size = size

    def keep(self, value: Hashable, figures: Figures) -> Figures:
        """Remember the figures of a checked value; return them."""
        if len(self) >= self.size:
            self.clear()
        self[value] = figures
        return figures

    def of(self, value: Hashable, make: Callable[[Any], Figures]) -> Figures:
        """The figures of a checked value: remembered, or made by `make(value)` and kept.

        >>> memo = Memo()
        >>> memo.of(2, lambda value: value * 10), memo.of(2, lambda value: 0)
        (20, 20)
        """
        figures = self.get(value)
        return figures if figures is not None else self.keep(value, make(value))
