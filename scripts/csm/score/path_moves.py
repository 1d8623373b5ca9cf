"""What one metric of a record can move to on a path (csm.score.path): its better values, with scores and distances.

references/methodology.md section 9. A numeric metric moves from its value toward its
best (inside its valid range) on a grid of round values (`resolution`), the last
move being the best itself; a label, a flag or a band moves to one of its better
values. Each move is a (value, score, distance) `Option`, the distance in the
metric's own scale. `Reach` holds them for one metric and value; a metric's scoring
is the same for every account, so the Reach of a (metric, value) is made once
(csm.score.memo) and shared.

A numeric metric's score runs along a line of its value (`line`: score = a + b x
value, clamped to 0-100), so the nearest move that scores a given figure is found by
solving the line and stepping to the grid (`Reach.nearest`), then checked with the
metric's own scoring; a `count` with a `many` rule leaves its line at `many.at_least`.
"""

import math
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple

from csm.score.memo import Memo

# The most grid steps a move may cross; a wider range moves in coarser steps (powers of ten).
MAX_STEPS = 10 ** 6


class Option(NamedTuple):
    """One value a metric can move to: the value, its score, and its distance from the account's value."""

    value: object
    score: float
    cost: float


def resolution(value: float, scale: float) -> float:
    """Return the step a move of a numeric metric lands on.

    >>> resolution(43, 80), resolution(3.5, 4.0), resolution(0.2, 0.4), resolution(4, 4), resolution(0, 0.4)
    (1, 0.1, 0.01, 1, 0.01)
    """
    if not (math.isfinite(value) and math.isfinite(scale) and scale > 0):
        return 1
    if float(value).is_integer() and scale >= 2:
        return 1
    return 10.0 ** (math.floor(math.log10(scale)) - 1)


def round_to(number: float, step: float) -> float:
    """Return `number` on the grid of `step` (a whole number for a whole step).

    >>> round_to(0.30000000000000004, 0.01), round_to(44.0, 1)
    (0.3, 44)
    """
    rounded = round(round(number / step) * step, 10)
    return int(rounded) if float(rounded).is_integer() and step >= 1 else rounded


class Grid:
    """The values a numeric metric can move to, nearest first, on its resolution grid and ending at its best:
    a sequence of Options worked out when asked for (a metric may have hundreds)."""

    __slots__ = ("value", "first", "step", "direction", "steps", "best", "scale", "score_of", "size", "last")

    def __init__(self, value: float, best: float, scale: float, score_of: Callable[[float], float]) -> None:
        self.value, self.best, self.scale, self.score_of = value, best, scale, score_of
        step = resolution(value, scale)
        while abs(best - value) / step > MAX_STEPS:  # an extreme range: coarser steps, the search stays short
            step *= 10
        self.step = step
        self.direction = 1 if best > value else -1
        self.first = (math.floor(value / step) + 1) * step if best > value else (math.ceil(value / step) - 1) * step
        self.steps = max(0, int(math.floor(abs(best - self.first) / step + 1e-9)) + 1)
        if self.steps and (best - self.first) * self.direction < 0:
            self.steps = 0  # the first grid point lies beyond the best: the best is the only move
        last = round_to(self.first + self.direction * (self.steps - 1) * step, step) if self.steps else None
        self.size = self.steps + (0 if last == best else 1)
        self.last = Option(best, score_of(best), abs(best - value) / scale)  # asked for most: the best move

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, position: int) -> Option:
        if position < 0:
            position += self.size
        if not 0 <= position < self.size:
            raise IndexError(position)
        if position == self.size - 1:
            return self.last
        target = (round_to(self.first + self.direction * position * self.step, self.step)
                  if position < self.steps else self.best)
        return Option(target, self.score_of(target), abs(target - self.value) / self.scale)

    def position_of(self, value: float) -> int:
        """The first position at or beyond `value` (toward the best), within the grid.

        >>> grid = Grid(43, 80, 80, lambda value: value)
        >>> grid.position_of(45.5), grid.position_of(10), grid.position_of(200)
        (2, 0, 36)
        """
        if not math.isfinite(value):
            return 0 if (value > 0) != (self.direction > 0) else self.size - 1
        steps = (value - self.first) * self.direction / self.step
        if steps >= self.steps:
            return self.size - 1
        return max(0, int(math.ceil(steps - 1e-9)))

    def first_meeting(self, meets: Callable[[Option], bool], guess: int, low: int = 0,
                      sure: Optional[int] = None) -> Optional[int]:
        """The nearest position from `low` on whose Option `meets` (one that meets stays met farther on),
        searched by halving from `guess` (tried first, with its neighbour); None when none does. `sure`: a
        position known to meet (None: not known), the search ends there.

        >>> grid = Grid(43, 80, 80, lambda value: value)
        >>> grid.first_meeting(lambda option: option.value >= 50, 6), grid.first_meeting(lambda option: False, 3)
        (6, None)
        """
        known = sure  # the nearest position known to meet
        high = self.size - 1 if sure is None else sure - 1
        if high < low:
            return known
        guess = min(max(guess, low), high)
        if meets(self[guess]):
            if guess == low or not meets(self[guess - 1]):
                return guess
            known, high = guess - 1, guess - 2
        elif guess == high or meets(self[guess + 1]):
            return known if guess == high else guess + 1
        else:
            low = guess + 2
        while low <= high:
            middle = (low + high) // 2
            if meets(self[middle]):
                known, high = middle, middle - 1
            else:
                low = middle + 1
        return known


class Reach:
    """The moves of one metric from one value: `corners` (the moves a path takes whole: the best, a label's or
    a band's every better value, a count's first value below `many`), `best` (the one scoring best) and
    `nearest(meets, needed)`, the nearest move whose score `meets` (a score of `needed` would just meet)."""

    __slots__ = ("grid", "line", "moves", "corners", "best", "first_cost", "rate")

    def __init__(self, score: float, grid: Optional[Grid], line: Optional[Tuple[float, float]],
                 options: Sequence[Option], corners: Sequence[Option], best: Option) -> None:
        self.grid = grid
        self.line = line  # (a, b): a numeric metric's score is a + b x value, clamped to 0-100
        # every move by position, nearest first: the grid, or a label's, a flag's or a band's better values
        self.moves = grid if grid is not None else options
        self.corners = corners
        self.best = best
        self.first_cost = self.moves[0].cost
        # The least distance a point of the metric's score costs: at a corner (along a line it is the same
        # all the way; a clamp's flat stretch only makes a nearer move dearer a point).
        self.rate = min((corner.cost / abs(corner.score - score) for corner in corners if corner.score != score),
                        default=math.inf)

    def aim(self, needed: float) -> int:
        """The position a numeric metric's line puts the `needed` score at (0 for a label, a flag or a band)."""
        if self.grid is None:
            return 0
        start, slope = self.line
        return self.grid.position_of((needed - start) / slope if math.isfinite(needed) else self.grid.best)

    def nearest(self, meets: Callable[[Option], bool], guess: int, low: int = 0) -> Optional[int]:
        """The position of the nearest move from `low` on that `meets`, or None (a grid searched by halving
        from `guess`, better values in turn).

        >>> reach = numeric_reach(43, 53.75, 80, 80, lambda v: min(100.0, v * 1.25), (0.0, 1.25))
        >>> reach.moves[reach.nearest(lambda option: option.score >= 60, reach.aim(60.0))]
        Option(value=48, score=60.0, cost=0.0625)
        """
        if self.grid is None:
            return next((position for position in range(low, len(self.moves)) if meets(self.moves[position])),
                        None)
        return self.grid.first_meeting(meets, guess, low)


def numeric_reach(value: float, score: float, best: float, scale: float, score_of: Callable[[float], float],
                  line: Tuple[float, float], many_at: Optional[float] = None) -> Optional[Reach]:
    """Return the Reach of a numeric metric moving from `value` toward `best` (inside its valid range), on
    its resolution grid; None when no move gains anything. `line`: (a, b) of its score, a + b x value;
    `many_at`: a count's `many.at_least`, when the
    value is at or past it (its first value below is a corner too).

    >>> reach = numeric_reach(43, 53.75, 80, 80, lambda v: min(100.0, v * 1.25), (0.0, 1.25))
    >>> reach.grid[0], reach.best, len(reach.grid)
    (Option(value=44, score=55.0, cost=0.0125), Option(value=80, score=100.0, cost=0.4625), 37)
    """
    if (best == value or not scale > 0 or not line[1]
            or not all(map(math.isfinite, (value, best, scale, best - value, line[0], line[1])))):
        return None
    grid = Grid(value, best, scale, score_of)
    if grid.last.score == score:
        return None
    corners = [grid.last]
    if many_at is not None and value >= many_at > best:
        position = grid.position_of(many_at)
        below = grid[position]
        if below.value >= many_at and position + 1 < grid.size:
            below = grid[position + 1]
        if below.value < many_at and below != grid.last:
            corners.insert(0, below)
    return Reach(score, grid, line, (), corners, grid.last)


def choice_reach(score: float, choices: Sequence[Tuple[object, float, float]],
                 better: Callable[[float, float], bool]) -> Optional[Reach]:
    """Return the Reach of a label, a flag or a band scoring `score`: its better `choices` (value, score,
    cost), nearest first; `better(a, b)`: score a is better than b."""
    if not choices:
        return None
    options = sorted((Option(*choice) for choice in choices), key=lambda option: option.cost)
    best = options[0]
    for option in options[1:]:
        if better(option.score, best.score):
            best = option
    return Reach(score, None, None, options, options, best)


def band_choices(metric: Any, value: float, better: Callable[[float], bool]) -> List[Tuple[object, float, float]]:
    """The nearest value of each band that scores better, inside the valid range, with its cost."""
    edges = metric.bands.edges
    span = edges[-1] - edges[0] if len(edges) > 1 else max(abs(edges[0]), 1)
    step = resolution(value, span)
    low, high = metric.reading.low, metric.reading.high
    choices = []
    for position, band_score in enumerate(metric.bands.scores):
        if not better(band_score):
            continue
        upper = edges[position] if position < len(edges) else None
        lower = edges[position - 1] if position else None
        if upper is not None and value > upper:
            target = upper
        elif lower is not None and value <= lower:
            target = round_to(lower + step, step)
            if upper is not None and target > upper:
                target = upper
        else:
            continue
        if (low is not None and target < low) or (high is not None and target > high):
            continue
        if metric.bands.score(target) == band_score:
            choices.append((target, band_score, abs(target - value) / span))
    return choices


def label_choices(scores: dict, value: str, better: Callable[[float], bool]) -> List[Tuple[object, float, float]]:
    """The labels that score better, each costing the steps between the two in score order.

    >>> label_choices({"a": 10, "b": 50, "c": 90}, "b", (50.0).__lt__)
    [('c', 90.0, 1)]
    """
    ranked = sorted(scores, key=lambda label: (scores[label], label))
    here = ranked.index(value)
    return [(label, float(scores[label]), abs(ranked.index(label) - here)) for label in ranked
            if better(float(scores[label]))]


def clipped(number: float, reading: Any) -> float:
    """`number` inside the reading's valid range."""
    if reading.low is not None and number < reading.low:
        return reading.low
    if reading.high is not None and number > reading.high:
        return reading.high
    return number


# (metric, value) -> its Reach (or None: no move gains), for every metric of a run.
REACHES = Memo(size=65536)
