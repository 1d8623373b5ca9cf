"""The path to green (health) and to a lower risk tier (churn): the fewest metric moves that get there.

references/methodology.md section 9. For an account that is not green (not low risk),
the smallest set of moves of the metrics a CSM can influence (a metric marked
`"influenceable": false` in the methodology is never moved; ARR, segment and dates are
not metrics) that lifts its health to the next class (lowers its risk to the next
tier), under the methodology in force: fewest metrics first, then the least distance,
each move measured in its metric's own scale, inside its valid range, on round values
(csm.score.path_moves). Exact: a path is kept only once the account's score, worked out
with the moves by the same arithmetic (and in the same order) as csm.score.health and
csm.score.churn, reaches the target.

How it is found (`Additive`). Both scores are a sum over sections (dimensions,
signals) of a coefficient x the section's score, each section's score the weighted sum
of its metric scores (a points signal's capped at 0-100) rounded to 0.1, the sum
rounded to 0.1. Without those roundings a move gains its metric's change of score x its
weight x its section's coefficient (and a section worked out again gains its own
rounding back: `offsets`); with them the score lies within `slack` of that (0.05 x
the coefficient of each section with a metric to move, 0.05 for the whole).

- Fewest metrics, exact: sizes are tried from one up, the metrics in order of what each
  gains at its best. A set whose gains at their best add up to less than the gap minus
  the slack cannot reach and is not looked at; one whose (capped) gain passes the gap
  by more than the slack reaches; in between the score itself decides. The first size
  with a set that reaches is the fewest (up to `LIMIT` sets of one size are looked at).
- Least distance among the sets of that size: every metric of a set but one is moved
  whole, to a corner of its scoring (its best; a label's or a band's better values; a
  count's first value below its `many`), and the one left moves as little as the
  target needs: solved on its line, then the nearest round value that reaches by the
  score itself (`_settled`); then `_traded`: another numeric metric a step back and the
  last one settled again, kept while the distance falls. Sets are weighed in order of a
  lower bound of their distance (`_bounded`) until none left can be nearer (at most
  `WEIGHED` once a path is found). When each
  metric's score runs in step with its distance, the least distance of the unrounded
  sum lies at such a corner; the round-value grid and the roundings can leave a path
  about a step of one metric farther than the least.

When even every influenceable metric at its best misses the target, the path is None
and `Path.why` says so with the best score reachable.
"""

import itertools
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from csm.score.path_moves import (REACHES, Option, Reach, band_choices, choice_reach, clipped, label_choices,
                                  numeric_reach)


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


class Knob:
    """One movable metric of one account: its `reach` (csm.score.path_moves), the `section` it scores in,
    the `factor` of its score in its section's score, the `gain` (in points of the account's score,
    before rounding and caps) of its best move and the least distance a point of that gain costs (`rate`)."""

    __slots__ = ("metric", "value", "score", "reach", "section", "factor", "gain", "rate")

    def __init__(self, metric, value, score: float, reach: Reach, section: int, factor: float,
                 coefficient: float) -> None:
        self.metric, self.value, self.score, self.reach = metric, value, score, reach
        self.section, self.factor = section, factor
        self.gain = coefficient * factor * abs(reach.best.score - score)
        self.rate = reach.rate / (coefficient * factor) if self.gain > 0 else 0.0


class Additive(NamedTuple):
    """An account's score as a sum of its sections: each section's `coefficients` (points of the score per
    point of the section's score), its `totals` (a points signal's total before its 0-100 cap; None for a
    section without one), its `offsets` (what its score gains when it is worked out again, before any move:
    its unrounded score less its rounded one, toward better), the `direction` a metric's score improves in
    (+1 health, -1 churn), the `gap` (the unrounded gain the target needs) and the `slack` the roundings
    allow; `score_with` ({knob index: new metric score} -> the score, exactly), `reaches` (whether a score
    is the target) and the account's `score` as it stands."""

    coefficients: List[float]
    totals: List[Optional[float]]
    offsets: List[float]
    direction: int
    gap: float
    slack: float
    score_with: Callable[[Dict[int, float]], float]
    reaches: Callable[[float], bool]
    score: float


# The rounding of a section's score and of the whole (to 0.1): what the sum may be off by.
ROUNDING = 0.05
# The most sets of one size a path weighs (a methodology with dozens of metrics stays bounded).
LIMIT = 256
# The most sets of the fewest knobs whose moves are worked out once a path is found, and the most steps a
# trade takes back: with dozens of metrics of like weight, many sets are about as near.
WEIGHED = 16
TRADES = 16
# Distances this close are equal (float error); the metrics first in the model's order then win.
TIE = 1e-12


def _capped(total: float) -> float:
    """The number held to 0-100, as a points signal's total and the risk score are."""
    return 100.0 if total > 100 else 0.0 if total < 0 else total


def _section_gain(model: Additive, section: int, raised: float) -> float:
    """The gain of a section's score raised (health) or lowered (churn) by `raised` before its cap."""
    total = model.totals[section]
    if total is None:
        return model.coefficients[section] * (raised + model.offsets[section])
    return model.coefficients[section] * (_capped(total) - _capped(total - raised) + model.offsets[section])


def _raised(knobs: List[Knob], moves: Dict[int, Option], direction: int) -> Dict[int, float]:
    """{section: how far the moves raise (or lower) its score before its cap}."""
    raised = {}
    for index, option in moves.items():
        knob = knobs[index]
        raised[knob.section] = raised.get(knob.section, 0.0) + knob.factor * direction * (option.score - knob.score)
    return raised


def additive_gain(knobs: List[Knob], model: Additive, moves: Dict[int, Option]) -> float:
    """The gain of some moves, before rounding: what each section gains, added up."""
    total = 0.0
    for section, raised in _raised(knobs, moves, model.direction).items():
        total += _section_gain(model, section, raised)
    return total


def _needed(knobs: List[Knob], model: Additive, others: Dict[int, Option], index: int, gain: float) -> float:
    """The score of knob `index` with which it and the `others` gain `gain` before rounding."""
    knob = knobs[index]
    raised = _raised(knobs, others, model.direction)
    within = raised.pop(knob.section, 0.0)
    outside = 0.0
    for section, amount in raised.items():
        outside += _section_gain(model, section, amount)
    share = (gain - outside) / model.coefficients[knob.section] - model.offsets[knob.section]  # the section's part
    total = model.totals[knob.section]
    if total is None:
        needed = share - within
    else:
        top = _capped(total)
        if share > top:
            return float("inf") * model.direction  # beyond any score
        needed = -within if top - share >= 100 else total - (top - share) - within
    return knob.score + model.direction * needed / knob.factor


def _meeting(model: Additive, score: float) -> Callable[[Option], bool]:
    """Whether a move's score is at least as good as `score` (a hair of float error allowed)."""
    if model.direction > 0:
        return lambda option: option.score >= score - 1e-9
    return lambda option: option.score <= score + 1e-9


class Candidate(NamedTuple):
    """A set of moves weighed for the path: the `others` at corners, and knob `index` to move as little as
    needed, at least to position `low` (nearer cannot reach); `cost` is the distance with it at `low` (no
    move of it makes the set nearer)."""

    cost: float
    order: Tuple[int, ...]  # the knob indices, sorted: the tie-break
    others: Dict[int, Option]
    index: int
    low: int


def _corners(knobs: List[Knob], model: Additive, chosen: Sequence[int]) -> List[Candidate]:
    """The candidates of one set of knobs: each knob in turn moved as little as needed, the others at each
    combination of their corners. Empty when the set cannot reach."""
    best = {index: knobs[index].reach.best for index in chosen}
    gain = additive_gain(knobs, model, best)
    if gain < model.gap - model.slack:
        return []
    if gain < model.gap + model.slack and not model.reaches(model.score_with(
            {index: option.score for index, option in best.items()})):
        return []
    found = []
    order = tuple(sorted(chosen))
    for index in chosen:
        rest = [other for other in chosen if other != index]
        reach = knobs[index].reach
        for corners in itertools.product(*(knobs[other].reach.corners for other in rest)):
            others = dict(zip(rest, corners))
            low = _lowest(knobs, model, others, index)
            if low is None:
                continue
            cost = reach.moves[low].cost
            for option in corners:
                cost += option.cost
            found.append(Candidate(cost, order, others, index, low))
    return found


def _bounded(order: List[int], gains: List[float], first_costs: List[float], rates: List[float], floor: float,
             size: int) -> List[Tuple[float, Tuple[int, ...]]]:
    """Every set of `size` knobs whose `gains` at their best (by knob index) can close the gap `floor` (at most
    LIMIT sets), each with a distance no path of its knobs is under, sorted: [(that distance, the set)].

    The knobs are taken in `order` of their gains so that the largest gains left bound the search (the set of
    the largest gains comes first). The distance: each knob moves at least its nearest move (`first_costs`),
    and the gap is closed at best by the knobs whose points cost least, in turn (a point of a knob's gain costs
    at least its rate: `rates`, up to its `gains`).

    >>> _bounded([2, 0, 1], [3.0, 1.0, 5.0], [0.01, 0.01, 0.02], [0.02, 0.01, 0.01], 7.5, 2)  # 5 at .01, 2.5 at .02
    [(0.1, (2, 0))]
    """
    sums = [0.0]  # sums[n]: the n largest gains added
    for index in order:
        sums.append(sums[-1] + gains[index])
    count = len(order)
    found = []
    # each frame: (position to choose from next, the chosen knobs, their gains, their nearest moves' distances)
    stack = [(0, (), 0.0, 0.0)]
    if size == 1:  # one knob: each whose gain closes the gap
        stack = [(0, (index,), gains[index], first_costs[index]) for index in reversed(order) if gains[index] >= floor]
    while stack and len(found) < LIMIT:
        start, chosen, total, nearest = stack.pop()
        left = size - len(chosen)
        if left:
            for position in range(count - left, start - 1, -1):  # pushed last to first: popped in order
                if total + sums[position + left] - sums[position] >= floor:  # else the largest left fall short
                    index = order[position]
                    stack.append((position + 1, chosen + (index,), total + gains[index],
                                  nearest + first_costs[index]))
            continue
        least = 0.0
        needed = floor
        if needed > 0:
            for index in (chosen if size == 1 else sorted(chosen, key=rates.__getitem__)):
                gain = gains[index]
                if gain >= needed:
                    least += needed * rates[index]
                    break
                least += gain * rates[index]
                needed -= gain
        found.append((nearest if nearest >= least else least, chosen))
    found.sort()
    return found


def _lowest(knobs: List[Knob], model: Additive, others: Dict[int, Option], index: int) -> Optional[int]:
    """The position of the nearest move of knob `index` that may reach with the `others` beside it (by the sum
    less its slack: no nearer move reaches); None when none may."""
    reach = knobs[index].reach
    needed = _needed(knobs, model, others, index, model.gap - model.slack)
    return reach.nearest(_meeting(model, needed), reach.aim(needed))


def _settled(knobs: List[Knob], model: Additive, others: Dict[int, Option], index: int, low: int) -> Optional[int]:
    """The position of the nearest move of knob `index` that reaches with the `others` beside it, by the score
    itself: searched only between the nearest that may reach (`low`, csm.score.path._lowest) and the nearest
    that surely does (by the sum and its slack)."""
    reach = knobs[index].reach
    scores = {other: option.score for other, option in others.items()}

    def reaches(option: Option) -> bool:
        scores[index] = option.score
        return model.reaches(model.score_with(scores))

    if reach.grid is None:
        return low if reaches(reach.moves[low]) else reach.nearest(reaches, low, low + 1)
    needed = _needed(knobs, model, others, index, model.gap + model.slack)
    sure = reach.nearest(_meeting(model, needed), reach.aim(needed), low)
    return low if sure == low else reach.grid.first_meeting(reaches, low, low, sure)


def _traded(knobs: List[Knob], model: Additive, moves: Dict[int, Option], index: int) -> Dict[int, Option]:
    """The moves, nearer where the roundings allow: another numeric metric a step back from its corner and
    knob `index` (the one moved as little as needed) settled again, kept when the distance falls."""
    cost = sum(option.cost for option in moves.values())
    for other in sorted(moves):
        grid = knobs[other].reach.grid
        if other == index or grid is None:
            continue
        for _ in range(TRADES):
            position = grid.position_of(moves[other].value)
            if position == 0:
                break
            traded = dict(moves)
            traded[other] = grid[position - 1]
            del traded[index]
            low = _lowest(knobs, model, traded, index)
            settled = None if low is None else _settled(knobs, model, traded, index, low)
            if settled is None:
                break
            traded[index] = knobs[index].reach.moves[settled]
            trade_cost = sum(option.cost for option in traded.values())
            if trade_cost >= cost - TIE:
                break
            moves, cost = traded, trade_cost
    return moves


def _refined(knobs: List[Knob], model: Additive, candidates: List[Candidate], found: Optional[tuple]):
    """(distance, knob indices, {knob index: Option}) of the nearest of `found` and the candidates by the
    score itself: each candidate's last knob moved to the nearest value that reaches, then traded."""
    for candidate in sorted(candidates, key=lambda candidate: candidate.cost):
        if found is not None and candidate.cost > found[0] + TIE:
            break  # no later candidate can be nearer
        position = _settled(knobs, model, candidate.others, candidate.index, candidate.low)
        if position is None:
            continue
        moves = dict(candidate.others)
        moves[candidate.index] = knobs[candidate.index].reach.moves[position]
        if len(moves) > 1:
            moves = _traded(knobs, model, moves, candidate.index)
        cost = sum(option.cost for option in moves.values())
        if found is None or cost < found[0] - TIE or (cost <= found[0] + TIE and candidate.order < found[1]):
            found = (cost, candidate.order, moves)
    return found


def find_path(knobs: List[Knob], model: Additive) -> Optional[Dict[int, Option]]:
    """Return {knob index: Option} of the fewest, then nearest, moves that reach; None if none do.

    The sets of the fewest knobs are weighed in order of how near a path of theirs could be (`_bounded`),
    until the nearest path found is nearer than any set left could give (or WEIGHED sets are weighed).
    """
    first_costs = [knob.reach.first_cost for knob in knobs]
    gains = [knob.gain for knob in knobs]
    rates = [knob.rate for knob in knobs]
    order = sorted(range(len(knobs)), key=lambda index: (-gains[index], index))
    floor = model.gap - model.slack
    total = 0.0
    for size, gain in enumerate(sorted(gains, reverse=True), 1):
        total += gain
        if total < floor:
            continue  # no set of this size can close the gap
        found = None
        weighed = 0
        for least, chosen in _bounded(order, gains, first_costs, rates, floor, size):
            if found is not None and (least > found[0] + TIE or weighed >= WEIGHED):
                break
            found = _refined(knobs, model, _corners(knobs, model, chosen), found)
            weighed += 1
        if found is not None:
            return found[2]
    return None


def build_path(knobs: List[Knob], model: Additive, target: str, classify: Callable[[float], str],
               gained: Callable[[float, float], float]) -> Path:
    """Search the knobs and return the Path: the moves in order of the points they gain (each move's points
    counted with the moves before it applied, so they add up to the whole change), or the best reachable.

    `gained(before, after)` gives the points a change of score gains.
    """
    score_with = model.score_with
    moves = find_path(knobs, model)
    if moves is None:
        best = {index: knob.reach.best for index, knob in enumerate(knobs)}
        best_score = score_with({index: option.score for index, option in best.items()})
        if not knobs or not model.reaches(best_score):
            why = ("no metric a CSM can influence is below its best" if not knobs else
                   f"even every influenceable metric at its best ({len(knobs)} moved) gives {best_score:g}, "
                   f"short of {target}")
            return Path(target, None, best_score, classify(best_score), why)
        moves = best  # more sets than LIMIT weighed: every metric at its best reaches
    start = model.score
    alone = {index: gained(start, score_with({index: option.score})) for index, option in moves.items()} \
        if len(moves) > 1 else {index: 0.0 for index in moves}
    applied = {}
    before = start
    steps = []
    for index in sorted(moves, key=lambda i: (-alone[i], i)):
        knob = knobs[index]
        option = moves[index]
        applied[index] = option.score
        after = score_with(applied)
        steps.append(Move(knob.metric.path, knob.metric.label, knob.value, option.value,
                          round(gained(before, after), 1)))
        before = after
    return Path(target, steps, before, classify(before), None)


# --- The analyses' knobs and arithmetic ------------------------------------------------------------

def _reach(metric, value, make: Callable[[Any, Any], Optional[Reach]]) -> Optional[Reach]:
    """The Reach of a metric from a value, made once per (metric, value) (csm.score.memo)."""
    key = (metric, value)
    reach = REACHES.get(key)
    if reach is None:
        reach = REACHES.keep(key, make(metric, value) or False)  # False: no move gains, remembered too
    return reach or None


def _sum_in_order(row: List[float]) -> float:
    """The sum of a section's parts added left to right from 0.0, as the scoring adds them (the same float)."""
    total = 0.0
    for part in row:
        total += part
    return total


def _rows_with(changes: Dict[int, float], places: List[Tuple[int, int, Optional[float]]],
               rows: List[List[float]]) -> Dict[int, List[float]]:
    """{section: its parts with the moves}: a moved metric's part is its new score x its weight (its points
    in a points signal, weight None); `places`: each knob's (section, position in it, weight).

    >>> _rows_with({1: 80.0}, [(0, 0, 0.5), (0, 1, 0.5)], [[10.0, 20.0]])
    {0: [10.0, 40.0]}
    """
    changed = {}
    for index, score in changes.items():
        section, position, weight = places[index]
        row = changed.get(section)
        if row is None:
            row = changed[section] = list(rows[section])
        row[position] = score if weight is None else score * weight
    return changed


def _health_reach(metric, value) -> Optional[Reach]:
    score = metric.score(value)
    better = score.__lt__
    if metric.scoring == "mapping":
        return choice_reach(score, label_choices(metric.scores, value, better), float.__gt__)
    if metric.scoring == "banded":
        return choice_reach(score, band_choices(metric, value, better), float.__gt__)
    if not metric.figure:
        return None  # a target or max of 0 scores 0 whatever the value
    if metric.scoring == "ratio":
        best, line = metric.figure, (0.0, 100 / metric.figure)
    else:
        best, line = 0, (100.0, -100 / metric.figure)
    return numeric_reach(value, score, clipped(best, metric.reading), metric.figure, metric.score, line)


def health_path(scored: Any, model: Any, segment: str, classification: str) -> Optional[Path]:
    """The path of a health Scored (csm.score.health) to the next class up; None for a green account."""
    if classification == "green":
        return None
    green, yellow = model.cutoffs[segment]
    target, cut = ("yellow", yellow) if classification == "red" else ("green", green)
    parts = scored.found
    overall_weight = 0.0
    for dimension, _, _ in parts:
        overall_weight += dimension.weight
    knobs, places, base, coefficients, offsets, rows, divisors = [], [], [], [], [], [], []
    start, slack = 0.0, ROUNDING + 1e-9
    for dimension_index, (dimension, weight_present, found) in enumerate(parts):
        coefficient = dimension.weight if scored.all_dimensions else dimension.weight / overall_weight
        coefficients.append(coefficient)
        base.append(scored.dimension_scores[dimension.name])
        start += base[-1] * coefficient
        partial = len(found) < len(dimension.metrics)
        rows.append([figures.weighted for _, figures in found])
        divisors.append(weight_present if partial else None)
        raw = _sum_in_order(rows[-1])
        offsets.append((raw / weight_present if partial else raw) - base[-1])
        count = len(knobs)
        for metric_index, (metric, figures) in enumerate(found):
            reach = _reach(metric, figures.value, _health_reach) if metric.influenceable else None
            if reach is None:
                continue
            factor = metric.weight / weight_present if partial else metric.weight
            knob = Knob(metric, figures.value, figures.score, reach, dimension_index, factor, coefficient)
            if knob.gain > 0:
                knobs.append(knob)
                places.append((dimension_index, metric_index, metric.weight))
        slack += ROUNDING * coefficient if len(knobs) > count else 0.0
    dimension_weights = [dimension.weight for dimension, _, _ in parts]

    def score_with(changes: Dict[int, float]) -> float:
        scores = list(base)
        for section, row in _rows_with(changes, places, rows).items():
            weighted = _sum_in_order(row)
            scores[section] = round(weighted if divisors[section] is None else weighted / divisors[section], 1)
        overall_sum = 0.0
        for weight, score in zip(dimension_weights, scores):
            overall_sum += score * weight
        return round(overall_sum if scored.all_dimensions else overall_sum / overall_weight, 1)

    additive = Additive(coefficients, [None] * len(parts), offsets, 1, cut - start, slack, score_with,
                        lambda score: score >= cut, scored.overall)
    classify = lambda score: "green" if score >= green else "yellow" if score >= yellow else "red"
    return build_path(knobs, additive, target, classify, lambda before, after: after - before)


def _churn_reach(metric, value) -> Optional[Reach]:
    score = metric.score(value)
    better = score.__gt__
    if metric.scoring == "flag":
        return choice_reach(score, [(False, 0.0, 1)] if value and score > 0 else [], float.__lt__)
    if metric.scoring == "mapping":
        return choice_reach(score, label_choices(metric.scores, value, better), float.__lt__)
    if metric.scoring == "banded":
        return choice_reach(score, band_choices(metric, value, better), float.__lt__)
    if not metric.rate:
        return None
    if metric.scoring == "count":
        best, line = 0, (0.0, float(metric.rate))
    elif metric.scoring == "decline":
        best, line = metric.start, (metric.rate * metric.start, -float(metric.rate))
    else:
        best, line = metric.start, (-metric.rate * metric.start, float(metric.rate))
    many_at = metric.many_at if metric.scoring == "count" else None
    return numeric_reach(value, score, clipped(best, metric.reading), 100 / metric.rate, metric.score, line,
                         many_at)


def churn_path(scored: Any, model: Any) -> Optional[Path]:
    """The path of a churn Scored (csm.score.churn) to the next tier down; None for a low-risk account."""
    cuts = model.tier_cuts
    tiers = [tier for tier, _ in cuts] + ["low"]
    if scored.risk_tier == "low":
        return None
    position = tiers.index(scored.risk_tier)
    target, cut = tiers[position + 1], cuts[position][1]
    knobs, places, base, coefficients, totals, offsets, rows, divisors = [], [], [], [], [], [], [], []
    signals = [signal for signal in scored.signals if signal.score is not None]
    slack = ROUNDING + 1e-9
    for signal_index, signal in enumerate(signals):
        weight = signal.signal.weight * scored.multiplier
        coefficient = weight if scored.all_signals else weight / scored.present_weight
        coefficients.append(coefficient)
        base.append(signal.score)
        points = signal.signal.points
        partial = len(signal.found) < len(signal.signal.metrics)
        weight_present = 0.0
        for _, metric, _ in signal.found:
            weight_present += 0.0 if points else metric.weight
        rows.append([added for added, _, _ in signal.found])
        divisors.append(weight_present if partial and not points else None)
        total = _sum_in_order(rows[-1])
        totals.append(total if points else None)
        offsets.append(signal.score - (_capped(total) if points else total / weight_present if partial else total))
        count = len(knobs)
        for metric_index, (_, metric, figures) in enumerate(signal.found):
            reach = _reach(metric, figures.value, _churn_reach) if metric.influenceable else None
            if reach is None:
                continue
            factor = 1.0 if metric.weight is None else metric.weight / weight_present if partial else metric.weight
            knob = Knob(metric, figures.value, figures.score, reach, signal_index, factor, coefficient)
            if knob.gain > 0:
                knobs.append(knob)
                places.append((signal_index, metric_index, metric.weight))
        slack += ROUNDING * coefficient if len(knobs) > count else 0.0
    signal_weights = [signal.signal.weight for signal in signals]
    points_signals = [signal.signal.points for signal in signals]

    def score_with(changes: Dict[int, float]) -> float:
        scores = list(base)
        for section, row in _rows_with(changes, places, rows).items():
            total = _sum_in_order(row)
            if points_signals[section]:
                scores[section] = round(_capped(total), 1)
            else:
                scores[section] = round(total if divisors[section] is None else total / divisors[section], 1)
        raw_sum = 0.0
        for weight, score in zip(signal_weights, scores):
            raw_sum += score * weight
        risk = round((raw_sum if scored.all_signals else raw_sum / scored.present_weight) * scored.multiplier, 1)
        return _capped(risk)

    start = scored.unrounded * scored.multiplier
    additive = Additive(coefficients, totals, offsets, -1, start - cut, slack, score_with,
                        lambda score: score < cut, scored.risk_score)
    classify = lambda score: next((tier for tier, minimum in cuts if score >= minimum), "low")
    return build_path(knobs, additive, target, classify, lambda before, after: before - after)
