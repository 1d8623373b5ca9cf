"""The path to green (health) and to a lower risk tier (churn): the fewest metric moves that get there.

references/methodology.md section 9. For an account that is not green (not low risk),
the smallest set of moves of the metrics a CSM can influence (a metric marked
`"influenceable": false` in the methodology is never moved; ARR, segment and dates are
not metrics) that lifts its health to the next class (lowers its risk to the next
tier), under the methodology in force:

- fewest metrics first; among those, the least distance, each move measured in its
  metric's own scale (the span over which its score runs from 0 to 100: a ratio's
  target, an inverse's max, 100 / points_per_unit; a label's or a band's steps);
- every move stays inside the metric's valid range and lands on a round value (whole
  units for whole-number values on a scale of 2 or more, else a tenth of the scale's
  order: 0.01 for a 0-1 rate);
- exact: the account's score is worked out with the moves applied, by the same
  arithmetic (and in the same order) as csm.score.health and csm.score.churn, so
  re-scoring the record with the moves gives the target class.

One move is searched exhaustively, and pairs in order of their estimated distance (a numeric
metric gains in step with its distance); from three on, the metrics that reach
furthest on their own are taken in turn, each then pulled back as far as the target
allows. When even every influenceable metric at its best misses the target, the path
is None and `Path.why` says so with the best score reachable.
"""

import itertools
import math
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple



class Move(NamedTuple):
    """One metric moved: its `metric` path and `label`, `from` -> `to` value, and the `points` it gains."""

    metric: str
    label: str
    start: object
    end: object
    points: float

    def as_dict(self) -> dict:
        return {"metric": self.metric, "label": self.label, "from": self.start, "to": self.end,
                "points": self.points}


class Path(NamedTuple):
    """The path of one account: the `target` class or tier, its `moves` (None when out of reach), the
    `score` with the moves applied (the best reachable when out of reach), and `why` it is out of reach."""

    target: str
    moves: Optional[List[Move]]
    score: float
    reached: str  # the class or tier the score falls in
    why: Optional[str]

    def as_dict(self, class_key: str) -> dict:
        return {"target": self.target,
                "moves": None if self.moves is None else [move.as_dict() for move in self.moves],
                "score": self.score, class_key: self.reached, "why": self.why}


# The most grid steps a move may cross; a wider range moves in coarser steps (powers of ten).
MAX_STEPS = 10 ** 6


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


def _round_to(number: float, step: float) -> float:
    rounded = round(round(number / step) * step, 10)
    return int(rounded) if float(rounded).is_integer() and step >= 1 else rounded


class Knob:
    """One movable metric of one record: the values it can move to, in order of distance, with their scores.

    `options` are (value, score, cost) tuples, nearest first; `monotone` says that a
    farther option never scores worse (a ratio, an inverse, a decline, a rise, a
    count), so the nearest option that reaches can be searched by halving.
    """

    __slots__ = ("metric", "value", "score", "options", "monotone")

    def __init__(self, metric, value, score: float, options: Sequence[Tuple[object, float, float]],
                 monotone: bool) -> None:
        self.metric = metric
        self.value = value
        self.score = score
        self.options = options
        self.monotone = monotone


class Grid:
    """The values a numeric metric can move to, nearest first, on its resolution grid and ending at its best:
    a sequence of (value, score, cost) worked out when asked for (a metric may have hundreds)."""

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
        last = _round_to(self.first + self.direction * (self.steps - 1) * step, step) if self.steps else None
        self.size = self.steps + (0 if last == best else 1)
        self.last = (best, score_of(best), abs(best - value) / scale)  # asked for most: the best move

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, position: int) -> Tuple[float, float, float]:
        if position < 0:
            position += self.size
        if not 0 <= position < self.size:
            raise IndexError(position)
        if position == self.size - 1:
            return self.last
        target = (_round_to(self.first + self.direction * position * self.step, self.step)
                  if position < self.steps else self.best)
        return target, self.score_of(target), abs(target - self.value) / self.scale


def numeric_knob(metric, value: float, score: float, best: float, scale: float,
                 score_of: Callable[[float], float]) -> Optional[Knob]:
    """Return the Knob of a numeric metric moving from `value` toward `best` (inside its valid range), on
    its resolution grid; None when no move gains anything.

    >>> knob = numeric_knob("m", 43, 53.75, 80, 80, lambda v: min(100.0, v * 1.25))
    >>> knob.options[0], knob.options[-1], len(knob.options)
    ((44, 55.0, 0.0125), (80, 100.0, 0.4625), 37)
    """
    if best == value or not scale > 0 or not all(map(math.isfinite, (value, best, scale, best - value))):
        return None
    grid = Grid(value, best, scale, score_of)
    if grid[-1][1] == score:
        return None
    return Knob(metric, value, score, grid, True)


def choice_knob(metric, value, score: float, choices: Sequence[Tuple[object, float, float]]) -> Optional[Knob]:
    """Return the Knob of a label, a flag or a band: its better `choices` (value, score, cost), nearest first."""
    options = sorted(choices, key=lambda choice: choice[2])
    return Knob(metric, value, score, options, False) if options else None


class Search(NamedTuple):
    """What the search needs of an analysis: the score with some knobs moved (`score_with`: {knob index:
    option score} -> the 0-100 score), whether a score reaches the target (`reaches`), how near the moves
    come to it before any clamp or rounding (`progress`: larger is nearer, in points of the score), and the
    progress the target needs from where the account stands (`gap`)."""

    score_with: Callable[[Dict[int, float]], float]
    reaches: Callable[[float], bool]
    progress: Callable[[Dict[int, float]], float]
    gap: float


def _with(fixed: Dict[int, float], index: int, score: float) -> Dict[int, float]:
    moved = dict(fixed)
    moved[index] = score
    return moved


def _nearest(knob: Knob, fixed: Dict[int, float], index: int, search: Search) -> Optional[int]:
    """The nearest option of a knob that reaches the target with the `fixed` moves beside it."""
    options = knob.options
    if knob.monotone:
        if not search.reaches(search.score_with(_with(fixed, index, options[-1][1]))):
            return None
        low, high = 0, len(options) - 1
        while low < high:
            middle = (low + high) // 2
            if search.reaches(search.score_with(_with(fixed, index, options[middle][1]))):
                high = middle
            else:
                low = middle + 1
        return low
    for position, option in enumerate(options):
        if search.reaches(search.score_with(_with(fixed, index, option[1]))):
            return position
    return None


def _best_of_pair(knobs: List[Knob], pair: Tuple[int, int], search: Search):
    """(cost, {knob index: option position}) of the cheapest moves of both knobs of a pair that reach.

    A numeric metric's points grow in step with its distance, so the cheapest pair
    takes one metric to its best and the other as far as needed (the corners); a
    label or a band tries each of its options.
    """
    found = None
    for first, second in (pair, pair[::-1]):
        knob = knobs[first]
        tried = [len(knob.options) - 1] if knob.monotone else range(len(knob.options))
        for position in tried:
            option = knob.options[position]
            other = _nearest(knobs[second], {first: option[1]}, second, search)
            if other is not None:
                cost = option[2] + knobs[second].options[other][2]
                if found is None or cost < found[0] - 1e-12:
                    found = (cost, {first: position, second: other})
    return found


def _greedy(knobs: List[Knob], search: Search, best_scores: Dict[int, float], alone: Dict[int, float]):
    """{knob index: option position}: knobs at their best added in order of how near each alone brings the
    score (`alone`, by `search.progress`, which a clamp does not flatten) until the target is reached; then
    each (the last added first) dropped, or pulled back as far as the target allows."""
    chosen = []
    for index in sorted(best_scores, key=lambda index: (-alone[index], index)):
        chosen.append(index)
        if search.reaches(search.score_with({i: best_scores[i] for i in chosen})):
            break
    else:
        return None
    positions = {index: len(knobs[index].options) - 1 for index in chosen}
    for index in reversed(chosen):
        fixed = {i: knobs[i].options[p][1] for i, p in positions.items() if i != index}
        if search.reaches(search.score_with(fixed)):
            del positions[index]
            continue
        nearest = _nearest(knobs[index], fixed, index, search)
        if nearest is not None:
            positions[index] = nearest
    return positions


# A pair whose knobs alone bring the score this much less than the gap (rounding can make up the
# difference, in points of the score) is still tried; one further short cannot reach.
ROUNDING_SLACK = 1.0


def _estimate(knobs: List[Knob], pair: Tuple[int, int], alone: Dict[int, float], gap: float) -> float:
    """The distance a pair needs if its points grew in step with distance: the cheaper per point at its best,
    the other as far as the rest of the gap needs.

    >>> class K: options = [(0, 0, 0.5)]
    >>> _estimate([K(), K()], (0, 1), {0: 5.0, 1: 2.0}, 6.0)  # 0.5 for 5 points, then 1 point at 0.25 a point
    0.75
    """
    rate = {index: knobs[index].options[-1][2] / alone[index] for index in pair}
    cheap, other = sorted(pair, key=lambda index: (rate[index], index))
    return knobs[cheap].options[-1][2] + max(0.0, gap - alone[cheap]) * rate[other]


def _pair(knobs: List[Knob], search: Search, best_scores: Dict[int, float], alone: Dict[int, float]):
    """(distance, {knob index: option position}) of the nearest pair that reaches, or None. Pairs are tried
    in order of their estimated distance (_estimate); the search stops at the first pair whose estimate is
    beyond the nearest found."""
    gap = search.gap
    pairs = [pair for pair in itertools.combinations(range(len(knobs)), 2)
             if alone[pair[0]] > 0 and alone[pair[1]] > 0 and alone[pair[0]] + alone[pair[1]] >= gap - ROUNDING_SLACK]
    found = None
    for estimate, pair in sorted((_estimate(knobs, pair, alone, gap), pair) for pair in pairs):
        if found is not None and estimate > found[0]:
            break
        if search.reaches(search.score_with({i: best_scores[i] for i in pair})):
            candidate = _best_of_pair(knobs, pair, search)
            if candidate is not None and (found is None or candidate[0] < found[0] - 1e-12):
                found = candidate
    return found


def find_path(knobs: List[Knob], search: Search) -> Optional[Dict[int, int]]:
    """Return {knob index: option position} of the fewest, then nearest, moves that reach; None if none do."""
    best_scores = {index: knob.options[-1][1] for index, knob in enumerate(knobs)}
    if not knobs or not search.reaches(search.score_with(best_scores)):
        return None
    solo = {index: search.score_with({index: score}) for index, score in best_scores.items()}
    if search.progress is search.score_with:
        start = search.score_with({})
        alone = {index: score - start for index, score in solo.items()}
    else:
        start = search.progress({})
        alone = {index: search.progress({index: score}) - start for index, score in best_scores.items()}
    found = None
    for index, knob in enumerate(knobs):
        if not search.reaches(solo[index]):
            continue
        position = _nearest(knob, {}, index, search)
        if position is not None and (found is None or knob.options[position][2] < found[0] - 1e-12):
            found = (knob.options[position][2], {index: position})
    if found is None:
        found = _pair(knobs, search, best_scores, alone)
    if found is not None:
        return found[1]
    return _greedy(knobs, search, best_scores, alone)


def build_path(knobs: List[Knob], search: Search, target: str, classify: Callable[[float], str],
               labels: Callable[[object], Tuple[str, str]], gained: Callable[[float, float], float]) -> Path:
    """Search the knobs and return the Path: the moves in order of the points they gain (each move's points
    counted with the moves before it applied, so they add up to the whole change), or the best reachable.

    `labels(metric)` gives (path, label); `gained(before, after)` the points a change of score gains.
    """
    positions = find_path(knobs, search)
    if positions is None:
        best = search.score_with({index: knob.options[-1][1] for index, knob in enumerate(knobs)})
        why = ("no metric a CSM can influence is below its best" if not knobs else
               f"even every influenceable metric at its best ({len(knobs)} moved) gives {best:g}, "
               f"short of {target}")
        return Path(target, None, best, classify(best), why)
    start = search.score_with({})
    alone = {index: gained(start, search.score_with({index: knobs[index].options[p][1]}))
             for index, p in positions.items()}
    applied = {}
    before = start
    moves = []
    for index in sorted(positions, key=lambda i: (-alone[i], i)):
        knob = knobs[index]
        option = knob.options[positions[index]]
        applied[index] = option[1]
        after = search.score_with(applied)
        path, label = labels(knob.metric)
        moves.append(Move(path, label, knob.value, option[0], round(gained(before, after), 1)))
        before = after
    return Path(target, moves, before, classify(before), None)


# --- The analyses' knobs and arithmetic ------------------------------------------------------------

def _band_choices(metric, value: float, better: Callable[[float], bool]) -> List[Tuple[object, float, float]]:
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
            target = _round_to(lower + step, step)
            if upper is not None and target > upper:
                target = upper
        else:
            continue
        if (low is not None and target < low) or (high is not None and target > high):
            continue
        if metric.bands.score(target) == band_score:
            choices.append((target, band_score, abs(target - value) / span))
    return choices


def _label_choices(scores: Dict[str, float], value, better: Callable[[float], bool]):
    """The labels that score better, each costing the steps between the two in score order."""
    ranked = sorted(scores, key=lambda label: (scores[label], label))
    here = ranked.index(value)
    return [(label, float(scores[label]), abs(ranked.index(label) - here)) for label in ranked
            if better(float(scores[label]))]


def _clipped(number: float, reading) -> float:
    if reading.low is not None and number < reading.low:
        return reading.low
    if reading.high is not None and number > reading.high:
        return reading.high
    return number


def _by_section(changes: Dict[int, float], places: List[Tuple[int, int]]) -> Dict[int, Dict[int, float]]:
    """Group knob moves by the dimension or signal they fall in: {section: {metric position: new score}}.

    >>> _by_section({0: 80.0, 2: 10.0}, [(0, 1), (0, 2), (1, 0)])
    {0: {1: 80.0}, 1: {0: 10.0}}
    """
    grouped = {}
    for index, score in changes.items():
        section, position = places[index]
        grouped.setdefault(section, {})[position] = score
    return grouped


def _health_knob(metric, figures) -> Optional[Knob]:
    value, score = figures.value, figures.score
    better = score.__lt__
    if metric.scoring == "mapping":
        return choice_knob(metric, value, score, _label_choices(metric.scores, value, better))
    if metric.scoring == "banded":
        return choice_knob(metric, value, score, _band_choices(metric, value, better))
    best = _clipped(metric.figure if metric.scoring == "ratio" else 0, metric.reading)
    return numeric_knob(metric, value, score, best, metric.figure, metric.score)


def health_path(scored: Any, model: Any, segment: str, classification: str) -> Optional[Path]:
    """The path of a health Scored (csm.score.health) to the next class up; None for a green account."""
    if classification == "green":
        return None
    green, yellow = model.cutoffs[segment]
    target, cut = ("yellow", yellow) if classification == "red" else ("green", green)
    knobs, places, base = [], [], []
    for dimension_index, (dimension, weight_present, found) in enumerate(scored.found):
        for metric_index, (metric, figures) in enumerate(found):
            knob = _health_knob(metric, figures) if metric.influenceable else None
            if knob is not None:
                knobs.append(knob)
                places.append((dimension_index, metric_index))
        base.append(scored.dimension_scores[dimension.name])
    parts = scored.found
    overall_weight = 0.0
    for dimension, _, _ in parts:
        overall_weight += dimension.weight

    def score_with(changes: Dict[int, float]) -> float:
        scores = list(base)
        for dimension_index, moved in _by_section(changes, places).items():
            dimension, weight_present, found = parts[dimension_index]
            weighted = 0.0
            for metric_index, (metric, figures) in enumerate(found):
                weighted += moved[metric_index] * metric.weight if metric_index in moved else figures.weighted
            scores[dimension_index] = round(weighted / weight_present if len(found) < len(dimension.metrics)
                                            else weighted, 1)
        overall_sum = 0.0
        for (dimension, _, _), score in zip(parts, scores):
            overall_sum += score * dimension.weight
        return round(overall_sum if scored.all_dimensions else overall_sum / overall_weight, 1)

    search = Search(score_with, lambda score: score >= cut, score_with, cut - score_with({}))
    classify = lambda score: "green" if score >= green else "yellow" if score >= yellow else "red"
    return build_path(knobs, search, target, classify, lambda metric: (metric.path, metric.label),
                      lambda before, after: after - before)


def _churn_knob(metric, figures) -> Optional[Knob]:
    value, score = figures.value, figures.score
    better = score.__gt__
    if metric.scoring == "flag":
        return choice_knob(metric, value, score, [(False, 0.0, 1)] if value and score > 0 else [])
    if metric.scoring == "mapping":
        return choice_knob(metric, value, score, _label_choices(metric.scores, value, better))
    if metric.scoring == "banded":
        return choice_knob(metric, value, score, _band_choices(metric, value, better))
    if not metric.rate:
        return None
    best = _clipped(0 if metric.scoring == "count" else metric.start, metric.reading)
    return numeric_knob(metric, value, score, best, 100 / metric.rate, metric.score)


def churn_path(scored: Any, model: Any) -> Optional[Path]:
    """The path of a churn Scored (csm.score.churn) to the next tier down; None for a low-risk account."""
    cuts = model.tier_cuts
    tiers = [tier for tier, _ in cuts] + ["low"]
    if scored.risk_tier == "low":
        return None
    position = tiers.index(scored.risk_tier)
    target, cut = tiers[position + 1], cuts[position][1]
    knobs, places, base = [], [], []
    signals = [signal for signal in scored.signals if signal.score is not None]
    for signal_index, signal in enumerate(signals):
        for metric_index, (_, metric, figures) in enumerate(signal.found):
            knob = _churn_knob(metric, figures) if metric.influenceable else None
            if knob is not None:
                knobs.append(knob)
                places.append((signal_index, metric_index))
        base.append(signal.score)

    def raw_with(changes: Dict[int, float]) -> float:
        """The risk with the moves, before the rounding and the 0-100 clamp."""
        scores = list(base)
        for signal_index, moved in _by_section(changes, places).items():
            signal = signals[signal_index]
            total = 0.0
            weight_present = 0.0
            for metric_index, (added, metric, _) in enumerate(signal.found):
                if metric_index in moved:
                    added = moved[metric_index] if metric.weight is None else moved[metric_index] * metric.weight
                total += added
                if not signal.signal.points:
                    weight_present += metric.weight
            if signal.signal.points:
                scores[signal_index] = round(float(100 if total > 100 else 0 if total < 0 else total), 1)
            else:
                scores[signal_index] = round(total / weight_present if len(signal.found) < len(signal.signal.metrics)
                                             else total, 1)
        raw_sum = 0.0
        for signal, score in zip(signals, scores):
            raw_sum += score * signal.signal.weight
        return (raw_sum if scored.all_signals else raw_sum / scored.present_weight) * scored.multiplier

    def score_with(changes: Dict[int, float]) -> float:
        risk = round(raw_with(changes), 1)
        return 100.0 if risk > 100 else 0.0 if risk < 0 else float(risk)

    search = Search(score_with, lambda score: score < cut, lambda changes: -raw_with(changes), raw_with({}) - cut)
    classify = lambda score: next((tier for tier, minimum in cuts if score >= minimum), "low")
    return build_path(knobs, search, target, classify, lambda metric: (metric.path, metric.label),
                      lambda before, after: before - after)
