"""L2-regularised logistic regression on a sparse 0/1 design, and its cross-validation.

The fitter (`csm.scorecard`, scripts/fit_scorecard.py) turns every candidate column
into indicator columns (one per band or label), so each account is a short list of
active columns. This module fits

    minimise  sum_i logloss(y_i, b0 + sum_{j active in i} beta_j) + l2 / 2 x |beta|^2

(the intercept b0 is not penalised: scikit-learn's LogisticRegression with
C = 1 / l2 minimises the same) by Newton's method with a step-halving line search.
The Hessian is built from the rows each pair of columns shares (found once per
data set from each distinct row's pairs), so an iteration costs sums over those row lists
rather than a Python loop per row and pair. Everything is deterministic: the same
rows give the same figures, bit for bit.

`stratified_folds` splits accounts into k folds with the churned share of each fold
as even as it can be (seeded); `choose_l2` picks the penalty whose out-of-fold log
loss is lowest; `area_under_curve` and the bootstrap interval use the backtest's
exact AUC.
"""

import collections
import copy
import functools
import itertools
import math
import operator
import random
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

from csm.learn.backtest import area_under_curve

# The penalties the search may try (choose_l2), largest (closest to no effect) first.
L2_GRID = (300.0, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3)
MAX_ITERATIONS = 100
TOLERANCE = 1e-8  # stop when no coefficient moves more than this in a Newton step
# Fits only compared by their out-of-fold log loss (the penalty search, the selection's path) stop when no
# coefficient moves more than this: the loss is then exact to about its square, far below the fourth
# decimal the reports show, in about a third of the Newton steps.
SEARCH_TOLERANCE = 1e-4
# Near the optimum the Hessian barely changes: from this iteration on, the last one built is
# reused while each step at least halves the one before (a chord step, cheaper than a new Hessian).
FRESH_HESSIANS = 2
BOOTSTRAP_SAMPLES = 200


class Fit(NamedTuple):
    """A fitted model: `intercept`, `coefficients` (one per column), Newton `iterations`, `converged`."""
    intercept: float
    coefficients: List[float]
    iterations: int
    converged: bool


class Design:
    """Rows of active column indices (each row's sorted, distinct) and their 0/1 outcomes, prepared for fitting.

    `columns` is the number of indicator columns; `rows` and `outcomes` are per account.
    The speed trick of the fitter lives here (sufficient statistics): accounts with the
    same active columns are one weighted row (`distinct`, with `accounts` and `churned`
    counts; `row_of` gives each account's), since their log-odds are the same, so a
    Newton iteration costs sums over the distinct rows, not the accounts. A scorecard of
    a few banded metrics has few distinct rows (benchmarks/README.md, the fitter: what it
    buys, measured). The row lists of every column are worked out here, once; those of every
    pair of columns that share a row (`pairs`) on first use, once.
    """

    def __init__(self, rows, outcomes, columns):
        position = {}
        row_of = []
        for row in rows:
            row = tuple(row)
            index = position.get(row)
            if index is None:
                index = position[row] = len(position)
            row_of.append(index)
        self._group(list(position), row_of, outcomes, columns)

    def _group(self, distinct, row_of, outcomes, columns):
        """Set the per-account lists, the distinct rows' counts and each column's distinct rows."""
        self.distinct = distinct
        self.row_of = row_of
        self.rows = [distinct[index] for index in row_of]
        self.outcomes = [1.0 if outcome else 0.0 for outcome in outcomes]
        self.columns = columns
        self.accounts = [0] * len(distinct)
        self.churned = [0.0] * len(distinct)
        for index, outcome in zip(row_of, self.outcomes):
            self.accounts[index] += 1
            self.churned[index] += outcome
        members = [[] for _ in range(columns)]
        for index, row in enumerate(distinct):
            for column in row:
                members[column].append(index)
        self.members = [picker(rows_of) for rows_of in members]

    @functools.cached_property
    def pairs(self) -> List[Tuple[int, int, Callable[[Sequence[float]], float]]]:
        """(u, v, picker) for each pair of columns u < v sharing at least one distinct row: what the Hessian
        sums (worked out on first use: the whole book's design, which the selection only restricts and
        widens, never needs them).

        >>> [(u, v, pick([1.0, 10.0, 100.0])) for u, v, pick in Design([(0, 1, 2), (0, 2), (1,)], [1, 0, 0], 3).pairs]
        [(0, 1, 1.0), (0, 2, 11.0), (1, 2, 1.0)]
        """
        shared = collections.defaultdict(list)  # u x columns + v -> the distinct rows holding both, ascending
        columns = self.columns
        for index, row in enumerate(self.distinct):
            for u, v in itertools.combinations(row, 2):
                shared[u * columns + v].append(index)
        return [(key // columns, key % columns, picker(rows_of)) for key, rows_of in sorted(shared.items())]

    def training_parts(self, fold_of: Sequence[int], folds: int) -> List["Design"]:
        """Return, for each fold k, the Design of the accounts outside it (fold_of[i] != k).

        Each shares this design's distinct rows and their column lists (a distinct row none
        of its accounts has weighs nothing), and its counts are this design's less the fold's
        (one pass over the accounts for every fold), so a fold's design costs a subtraction,
        not a new build.
        """
        held_accounts = [[0] * len(self.distinct) for _ in range(folds)]
        held_churned = [[0.0] * len(self.distinct) for _ in range(folds)]
        for index, outcome, fold in zip(self.row_of, self.outcomes, fold_of):
            held_accounts[fold][index] += 1
            held_churned[fold][index] += outcome  # whole numbers: the differences below are exact
        pairs = self.pairs  # worked out once, here, for every part
        parts = []
        for k in range(folds):
            kept = [fold != k for fold in fold_of]
            part = copy.copy(self)
            part.pairs = pairs
            part.rows = list(itertools.compress(self.rows, kept))
            part.outcomes = list(itertools.compress(self.outcomes, kept))
            part.row_of = list(itertools.compress(self.row_of, kept))
            part.accounts = list(map(operator.sub, self.accounts, held_accounts[k]))
            part.churned = list(map(operator.sub, self.churned, held_churned[k]))
            parts.append(part)
        return parts

    def restricted(self, columns: Sequence[int]) -> "Design":
        """Return the Design of the same accounts with only `columns` (ascending), renumbered 0, 1, ...

        >>> Design([(0, 2), (1, 3)], [1, 0], 4).restricted([2, 3]).rows
        [(0,), (1,)]
        """
        position = {column: new for new, column in enumerate(columns)}
        return Design([tuple(position[column] for column in row if column in position) for row in self.rows],
                      self.outcomes, len(columns))

    def widened(self, levels: Sequence[Optional[int]], at: int, size: int) -> "Design":
        """Return the Design of the same accounts with one more metric's `size` columns, numbered from `at`
        (this design's columns from `at` on move up by `size`); `levels[i]` is account i's column among
        them (0 .. size-1), None when it has none.

        The same Design as restricting the whole book's to the wider set of columns, built from this
        one's distinct rows (an account's new row is its distinct row and its level).

        >>> Design([(0,), (1,), (0,)], [1, 0, 0], 2).widened([1, 0, None], 1, 2).rows
        [(0, 2), (1, 3), (0,)]
        """
        width = size + 1
        position = {}
        row_of = []
        for index, level in zip(self.row_of, levels):
            key = index * width + (0 if level is None else level + 1)
            new = position.get(key)
            if new is None:
                new = position[key] = len(position)
            row_of.append(new)
        distinct = []
        for key in position:
            index, level = divmod(key, width)
            row = [column + size if column >= at else column for column in self.distinct[index]]
            if level:
                row.append(at + level - 1)
                row.sort()
            distinct.append(tuple(row))
        wider = Design.__new__(Design)
        wider._group(distinct, row_of, self.outcomes, self.columns + size)
        return wider


def picker(indices: Sequence[int]) -> Callable[[Sequence[float]], float]:
    """Return a function giving the sum of a list's items at `indices` (a C-level loop).

    >>> picker([0, 2])([1.0, 10.0, 100.0])
    101.0
    """
    if not indices:
        return lambda values: 0.0
    if len(indices) == 1:
        only = indices[0]
        return lambda values: values[only]
    getter = operator.itemgetter(*indices)
    return lambda values: sum(getter(values))


def linear_predictor(design_row: Sequence[int], intercept: float, coefficients: Sequence[float]) -> float:
    """Return b0 + the coefficients of a row's active columns (the log-odds).

    >>> linear_predictor((0, 2), -1.0, [0.5, 9.0, 0.25])
    -0.25
    """
    return intercept + sum([coefficients[column] for column in design_row])


def sigmoid(value: float) -> float:
    """Return 1 / (1 + exp(-value)), computed without overflow.

    >>> sigmoid(0.0)
    0.5
    """
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    odds = math.exp(value)
    return odds / (1.0 + odds)


def _softplus(eta):
    """log(1 + exp(eta)), computed without overflow."""
    return eta + math.log1p(math.exp(-eta)) if eta > 0 else math.log1p(math.exp(eta))


def log_loss(outcome: float, eta: float) -> float:
    """-log likelihood of one outcome at log-odds eta, computed without overflow."""
    return _softplus(eta) - outcome * eta


def _weighted_loss(accounts, churned, eta):
    """The log loss of `accounts` sharing log-odds eta, `churned` of them churned."""
    return accounts * _softplus(eta) - churned * eta


def _objective(design, intercept, coefficients, l2):
    pick = coefficients.__getitem__
    etas = [intercept + sum(map(pick, row)) for row in design.distinct]
    loss = math.fsum(map(_weighted_loss, design.accounts, design.churned, etas))
    return loss + l2 / 2 * math.fsum(beta * beta for beta in coefficients), etas


def fit_logistic(design: Design, l2: float, start: Optional[Fit] = None, tolerance: float = TOLERANCE) -> Fit:
    """Return the Fit of an L2-regularised logistic regression on `design`.

    `start` (a Fit) warm-starts Newton's method, e.g. from the next larger penalty;
    `tolerance`: it stops when no coefficient moves more than this in a step.

    >>> d = Design([(0,), (0,), (1,), (1,), (0,), (1,)], [1, 1, 0, 0, 0, 1], 2)
    >>> fit = fit_logistic(d, 1.0)
    >>> abs(round(fit.intercept, 6)), [round(b, 6) for b in fit.coefficients]  # 3 sigma(b) - 2 + b = 0
    (0.0, [0.286548, -0.286548])
    """
    columns = design.columns
    size = columns + 1
    intercept = start.intercept if start is not None else 0.0
    coefficients = list(start.coefficients) if start is not None else [0.0] * columns
    objective, etas = _objective(design, intercept, coefficients, l2)
    accounts, churned = design.accounts, design.churned
    converged = False
    iteration = 0
    factor = None
    last_move = None
    for iteration in range(1, MAX_ITERATIONS + 1):
        probabilities = [sigmoid(eta) for eta in etas]
        residuals = [n * p - y for p, n, y in zip(probabilities, accounts, churned)]
        gradient = [sum(residuals)] + [
            member(residuals) + l2 * beta for member, beta in zip(design.members, coefficients)]
        if factor is None or iteration <= FRESH_HESSIANS:
            weights = [n * p * (1.0 - p) for p, n in zip(probabilities, accounts)]
            hessian = [[0.0] * size for _ in range(size)]
            hessian[0][0] = sum(weights)
            for column, member in enumerate(design.members):
                total = member(weights)
                hessian[0][column + 1] = hessian[column + 1][0] = total
                hessian[column + 1][column + 1] = total + l2
            for u, v, shared in design.pairs:
                total = shared(weights)
                hessian[u + 1][v + 1] = hessian[v + 1][u + 1] = total
            factor = cholesky(hessian)
        step = solve_factored(factor, gradient)
        scale = 1.0
        while True:
            new_intercept = intercept - scale * step[0]
            new_coefficients = [beta - scale * delta for beta, delta in zip(coefficients, step[1:])]
            new_objective, new_etas = _objective(design, new_intercept, new_coefficients, l2)
            if new_objective <= objective + 1e-12 * max(1.0, abs(objective)) or scale < 1e-6:
                break
            scale /= 2
        moved = scale * max(abs(delta) for delta in step)
        intercept, coefficients, objective, etas = new_intercept, new_coefficients, new_objective, new_etas
        if moved < tolerance:
            converged = True
            break
        if last_move is not None and moved > last_move / 2:
            factor = None  # the old Hessian no longer serves: build a new one next time
        last_move = moved
    return Fit(intercept, coefficients, iteration, converged)


def solve_symmetric(matrix, vector):
    """Solve matrix x = vector for a symmetric positive definite matrix (Cholesky).

    >>> solve_symmetric([[4.0, 2.0], [2.0, 3.0]], [2.0, 1.0])
    [0.5, 0.0]
    """
    return solve_factored(cholesky(matrix), vector)


def cholesky(matrix):
    """Return the lower triangle L of a symmetric positive definite matrix = L L^T, row i of i + 1 entries."""
    size = len(matrix)
    lower = []
    multiply = operator.mul
    for i in range(size):
        row_i = []
        matrix_i = matrix[i]
        for j in range(i):
            row_j = lower[j]
            row_i.append((matrix_i[j] - sum(map(multiply, row_i, row_j))) / row_j[j])
        row_i.append(math.sqrt(max(matrix_i[i] - sum(map(multiply, row_i, row_i)), 1e-300)))
        lower.append(row_i)
    return lower


def solve_factored(lower, vector):
    """Solve L L^T x = vector for the Cholesky factor L (cholesky)."""
    size = len(vector)
    multiply = operator.mul
    forward = []
    for i in range(size):
        row_i = lower[i]
        forward.append((vector[i] - sum(map(multiply, row_i, forward))) / row_i[i])
    solution = [0.0] * size
    for i in reversed(range(size)):
        total = forward[i]
        for k in range(i + 1, size):
            total -= lower[k][i] * solution[k]
        solution[i] = total / lower[i][i]
    return solution


def stratified_folds(outcomes: Sequence[bool], folds: int, seed: int) -> List[int]:
    """Return the fold (0 .. folds-1) of each account: churned and retained dealt out in turn, seeded.

    >>> stratified_folds([True, True, False, False, False, False], 2, 7)
    [0, 1, 1, 1, 0, 0]
    """
    generator = random.Random(seed)
    assignment = [0] * len(outcomes)
    for side in (True, False):
        members = [index for index, outcome in enumerate(outcomes) if bool(outcome) is side]
        generator.shuffle(members)
        offset = 0 if side else len([o for o in outcomes if o]) % folds  # keep fold sizes even across both
        for position, index in enumerate(members):
            assignment[index] = (position + offset) % folds
    return assignment


def counted_auc(counts: Sequence[int]) -> Optional[float]:
    """AUC from [retained, churned] counts per distinct score, lowest score (least risky) first; ties half.

    >>> counted_auc([1, 0, 1, 1, 0, 1])  # scores 20 (retained), 70 (one each), 90 (churned)
    0.875
    """
    churned = sum(counts[1::2])
    retained = sum(counts[0::2])
    if not churned or not retained:
        return None
    below = 0  # retained accounts at lower scores
    doubled = 0
    for index in range(0, len(counts), 2):
        kept, lost = counts[index], counts[index + 1]
        if lost:
            doubled += lost * (2 * below + kept)
        below += kept
    return round(doubled / (2 * churned * retained), 4)


class PathPoint(NamedTuple):
    """One penalty of the regularisation path: `l2`, its out-of-fold `log_loss` (mean per account) and `auc`."""
    l2: float
    log_loss: float
    auc: float


class CrossValidation(NamedTuple):
    """The cross-validation: the `path` tried, the `chosen` penalty, and each fold's fit at it (`fold_fits`)."""
    path: List[PathPoint]
    chosen: float
    fold_fits: List[Fit]


def choose_l2(design: Design, fold_of: List[int], folds: int, grid: Sequence[float] = L2_GRID,
              start: Optional[Tuple[float, List[Fit]]] = None) -> CrossValidation:
    """Search the penalties of `grid` (largest first) for the lowest out-of-fold log loss; return the
    CrossValidation.

    `start`: a penalty of the grid and each fold's fit at it (the selection's path has
    them), where the search begins; without it, the search begins at the largest. From
    there it moves to larger penalties while the loss does not rise (a tie goes to the
    larger penalty, the simpler model), and if that did not help, to smaller ones while
    the loss falls: the loss over the penalty has one lowest point, so the rest of the
    grid is not tried. The search's fits stop at SEARCH_TOLERANCE, each warm-started
    from its neighbour's; the chosen penalty's fold fits are then finished to TOLERANCE.
    """
    held_out = [[i for i, fold in enumerate(fold_of) if fold == k] for k in range(folds)]
    trainings = design.training_parts(fold_of, folds)
    tried = {}  # grid position -> (PathPoint, fold fits)

    def measure(position, starts):
        l2 = grid[position]
        etas = [0.0] * len(fold_of)
        fits = []
        for k in range(folds):
            fit = fit_logistic(trainings[k], l2, starts[k], SEARCH_TOLERANCE)
            fits.append(fit)
            for index in held_out[k]:
                etas[index] = linear_predictor(design.rows[index], fit.intercept, fit.coefficients)
        loss = round(math.fsum(log_loss(y, eta) for y, eta in zip(design.outcomes, etas)) / len(etas), 12)
        auc = area_under_curve(list(zip(etas, (y == 1.0 for y in design.outcomes))))["auc"]
        tried[position] = (PathPoint(l2, loss, auc), fits)
        return loss

    first = 0 if start is None else grid.index(start[0])
    measure(first, [None] * folds if start is None else start[1])
    position = first
    while position > 0 and measure(position - 1, tried[position][1]) <= tried[position][0].log_loss:
        position -= 1
    if position == first:
        while position + 1 < len(grid) and measure(position + 1, tried[position][1]) < tried[position][0].log_loss:
            position += 1
    path = [tried[index][0] for index in sorted(tried)]
    best = min(path, key=lambda point: (point.log_loss, -point.l2))
    fold_fits = [fit_logistic(training, best.l2, fit)
                 for training, fit in zip(trainings, tried[grid.index(best.l2)][1])]
    return CrossValidation(path, best.l2, fold_fits)


def bootstrap_interval(points: Sequence[Tuple[float, bool]], seed: int, lower_is_riskier: bool = False,
                       samples: int = BOOTSTRAP_SAMPLES) -> Tuple[Optional[float], Optional[float]]:
    """Return the (2.5%, 97.5%) bootstrap interval of the AUC of (score, churned) points, seeded.

    Each resample draws len(points) accounts with replacement; one that holds no
    churned or no retained account is drawn again. (None, None) when that keeps
    happening. The AUC of a resample is the backtest's (ties half), worked out
    from how many times each distinct score was drawn on each side.
    """
    generator = random.Random(seed)
    size = len(points)
    scores = sorted({(-score if lower_is_riskier else score) for score, _ in points})
    position = {score: index for index, score in enumerate(scores)}
    slots = [position[-score if lower_is_riskier else score] * 2 + (1 if outcome else 0) for score, outcome in points]
    width = len(scores) * 2
    figures = []
    attempts = 0
    while len(figures) < samples and attempts < 20 * samples:
        attempts += 1
        counts = [0] * width
        # random.choices draws slots[floor(random() x size)], as a loop would, at C speed with Counter
        for slot, drawn in collections.Counter(generator.choices(slots, k=size)).items():
            counts[slot] = drawn
        auc = counted_auc(counts)
        if auc is not None:
            figures.append(auc)
    if len(figures) < samples:
        return None, None
    figures.sort()
    return figures[int(0.025 * samples)], figures[min(samples - 1, int(math.ceil(0.975 * samples)) - 1)]
