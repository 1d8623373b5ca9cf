"""Which metrics a fitted scorecard keeps: forward selection by out-of-fold log loss, and the one-standard-error rule.

references/interface.md, last section. The path starts from no metric (each fold's
churn rate) and adds one whole metric (all its indicator columns) at a time: the one
that lowers the out-of-fold log loss most. Each step is measured out of fold: in each
fold, the model with the metrics so far is fitted on the other folds (warm-started
from the step before) and scored on the fold's accounts.

Why forward selection and not an L1 path: a metric is a group of indicator columns,
so an L1 path would be a group lasso, whose path needs many fits per penalty and
keeps a metric in or out by a penalty nobody reads; forward selection measures each
scorecard size directly by the figure the rule uses (out-of-fold log loss), and a
metric that only repeats another's information (total charges beside tenure) adds
little once the other is in, so it comes late or not at all.

Why it is cheap: a candidate is not fitted to be compared. Its score is the
out-of-fold log loss after one Newton step on its own coefficients from each fold's
current fit, to second order (a metric's levels never share an account, so that
block of the Hessian is diagonal and the step is exact sums over its columns: the
score test). Only the chosen candidate's model is fitted, per fold. The fits run at
one fixed penalty (PATH_L2); the kept scorecard's own penalty is then chosen by
cross-validation (csm.learn.fitting.choose_l2). The path stops once STOP_AFTER
metrics in a row have together lowered the lowest out-of-fold log loss by less than
half its standard error (of its fold means, the noise of the loss itself): a
flattened path's later, larger scorecards would not be kept.

The rule (Breiman et al., the "one standard error" rule), with the uncertainty of a
comparison of two models measured on the same folds: the smallest scorecard whose
out-of-fold log loss exceeds the lowest on the path by at most one standard error of
that difference (the standard error of the fold-wise differences, each fold's log
loss minus the lowest's on the same fold: `difference_se`), and at most MAX_METRICS
metrics unless `max_metrics` says otherwise. Why paired: both scorecards are measured
on the same accounts of each fold, so much of a fold's loss is that fold's own
difficulty, which cancels in the difference; the standard error of the fold means
keeps it, and kept 6 metrics on the public IBM Telco export where 9 hold out better
(benchmarks/README.md, the fitter's rule).
"""

import math
from typing import List, NamedTuple, Optional, Sequence, Tuple

from csm.learn import fitting
from csm.learn.backtest import area_under_curve


class PathStep(NamedTuple):
    """One scorecard of the path: its `metrics` count, the `added` column, out-of-fold `log_loss` (mean per
    account), `auc`, and each fold's mean log loss (`fold_losses`, the folds in order)."""

    metrics: int
    added: str
    log_loss: float
    auc: Optional[float]
    fold_losses: Tuple[float, ...]


class Selection(NamedTuple):
    """The selection: candidate indices in the order the path adds them (`order`), the `path`, how many of
    them are `kept`, how many the rule alone keeps (`by_rule`: more than `kept` when the cap binds), and the
    kept scorecard's fold fits at PATH_L2 (`kept_fits`, its columns in order)."""

    order: List[int]
    path: List[PathStep]
    kept: int
    by_rule: int
    kept_fits: List[fitting.Fit]


PATH_L2 = 1.0  # the penalty of the path's fits: scikit-learn's default (C = 1); the kept scorecard's is chosen
STOP_AFTER = 3  # the path ends once this many metrics in a row have together lowered the out-of-fold
STOP_GAIN = 0.5  # log loss by less than this many standard errors (of the lowest)
# The default cap on the metrics kept (--max-metrics): issue 28 asks that the default fit keep at most 10,
# a scorecard a person reads; practitioners' scorecards keep a handful.
MAX_METRICS = 10


class _Folds:
    """Per fold: the accounts held out (`fold_of` each account's fold), and the sums a candidate's score needs.

    `held[k][column]` sums a list over the accounts of fold k with that column on;
    `every[column]` over all accounts; `churned_held[k]` and `churned_every` are the
    churned accounts' counts per column (fixed, so worked out once).
    """

    def __init__(self, design, fold_of, folds):
        self.count = folds
        self.fold_of = fold_of
        self.held_out = [[i for i, fold in enumerate(fold_of) if fold == k] for k in range(folds)]
        every = [[] for _ in range(design.columns)]
        held = [[[] for _ in range(design.columns)] for _ in range(folds)]
        for index, (row, fold) in enumerate(zip(design.rows, fold_of)):
            for column in row:
                every[column].append(index)
                held[fold][column].append(index)
        self.every = [fitting.picker(members) for members in every]
        self.held = [[fitting.picker(members) for members in by_column] for by_column in held]
        outcomes = design.outcomes
        self.churned_every = [pick(outcomes) for pick in self.every]
        self.churned_held = [[pick(outcomes) for pick in by_column] for by_column in self.held]


def _score_candidates(design, folds, kept_design, fits, spans, remaining, l2):
    """Each remaining candidate's predicted out-of-fold log loss change: one Newton step on its columns from
    each fold's current fit (trained on the other folds), the held-out loss to second order."""
    changes = {index: 0.0 for index in remaining}
    for k, fit in enumerate(fits):
        pick = fit.coefficients.__getitem__
        chances = [fitting.sigmoid(fit.intercept + sum(map(pick, row))) for row in kept_design.distinct]
        by_account = [chances[group] for group in kept_design.row_of]
        weights = [chance * (1.0 - chance) for chance in chances]
        weight_by_account = [weights[group] for group in kept_design.row_of]
        held = folds.held[k]
        for index in remaining:
            first, size = spans[index]
            for column in range(first, first + size):
                held_gradient = held[column](by_account) - folds.churned_held[k][column]
                held_curvature = held[column](weight_by_account)
                gradient = folds.every[column](by_account) - folds.churned_every[column] - held_gradient
                curvature = folds.every[column](weight_by_account) - held_curvature
                step = -gradient / (curvature + l2)
                changes[index] += held_gradient * step + 0.5 * held_curvature * step * step
    return changes


def _step_fits(kept_design, folds, columns, previous, previous_columns, l2):
    """Fit the scorecard of `kept_design` (its `columns`) on each fold's training accounts, warm-started from
    the step before."""
    fits = []
    for k, training in enumerate(kept_design.training_parts(folds.fold_of, folds.count)):
        earlier = dict(zip(previous_columns, previous[k].coefficients)) if previous else {}
        start = fitting.Fit(previous[k].intercept if previous else 0.0,
                            [earlier.get(column, 0.0) for column in columns], 0, False)
        fits.append(fitting.fit_logistic(training, l2, start, fitting.SEARCH_TOLERANCE))
    return fits


def _measure(kept_design, folds, fits, metrics, added):
    """The PathStep of a step's fold fits: out-of-fold log loss, each fold's, and AUC."""
    etas = [0.0] * len(kept_design.rows)
    losses = [0.0] * len(kept_design.rows)
    fold_losses = []
    outcomes = kept_design.outcomes
    for k, fit in enumerate(fits):
        pick = fit.coefficients.__getitem__
        by_row = [fit.intercept + sum(map(pick, row)) for row in kept_design.distinct]
        held_out = folds.held_out[k]
        for index in held_out:
            eta = etas[index] = by_row[kept_design.row_of[index]]
            losses[index] = fitting.log_loss(outcomes[index], eta)
        fold_losses.append(math.fsum([losses[index] for index in held_out]) / len(held_out))
    auc = area_under_curve(list(zip(etas, (y == 1.0 for y in outcomes))))["auc"]
    return PathStep(metrics, added, math.fsum(losses) / len(losses), auc, tuple(fold_losses))


def forward_path(candidates: Sequence, design: fitting.Design, fold_of: List[int], folds: int,
                 l2: float = PATH_L2) -> Tuple[List[int], List[PathStep], List[List[fitting.Fit]]]:
    """Return the candidates in the order the path adds them, the path's steps, and each step's fold fits."""
    spans = [(candidate.offset, candidate.size) for candidate in candidates]
    split = _Folds(design, fold_of, folds)
    order = []
    path = []
    step_fits = []
    columns = []
    kept_design = design.restricted(columns)
    fits = _step_fits(kept_design, split, columns, None, [], l2)
    remaining = list(range(len(candidates)))
    while remaining:
        changes = _score_candidates(design, split, kept_design, fits, spans, remaining, l2)
        chosen = min(remaining, key=lambda index: (changes[index], index))
        remaining.remove(chosen)
        order.append(chosen)
        previous_columns = columns
        first, size = spans[chosen]
        at = sum(1 for column in columns if column < first)
        columns = sorted(columns + list(range(first, first + size)))
        kept_design = kept_design.widened(candidates[chosen].account_levels, at, size)
        fits = _step_fits(kept_design, split, columns, fits, previous_columns, l2)
        path.append(_measure(kept_design, split, fits, len(order), candidates[chosen].column))
        step_fits.append(fits)
        if _flattened(path):
            break
    return order, path, step_fits


def _flattened(path: List[PathStep]) -> bool:
    """Whether the last STOP_AFTER steps lowered the lowest log loss by less than STOP_GAIN standard errors
    (of the lowest step's fold means).

    >>> _flattened([PathStep(1, "a", 0.50, 0.7, (0.49, 0.51)), PathStep(2, "b", 0.45, 0.8, (0.44, 0.46))])
    False
    >>> _flattened([PathStep(m, "x", loss, 0.8, (loss - 0.01, loss + 0.01))
    ...             for m, loss in enumerate([0.5, 0.45, 0.449, 0.448, 0.447], 1)])
    True
    """
    if len(path) <= STOP_AFTER:
        return False
    before = min(step.log_loss for step in path[:-STOP_AFTER])
    best = lowest(path)
    return before - best.log_loss < STOP_GAIN * _standard_error(best.fold_losses)


def _standard_error(values: Sequence[float]) -> float:
    """The standard error of a mean of `values` (their sample standard deviation over sqrt(count)).

    >>> round(_standard_error([1.0, 2.0, 3.0]), 6)
    0.57735
    """
    count = len(values)
    if count < 2:
        return 0.0
    mean = math.fsum(values) / count
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (count - 1) / count)


def lowest(path: List[PathStep]) -> PathStep:
    """The step of the path with the lowest out-of-fold log loss (ties: the fewer metrics)."""
    return min(path, key=lambda step: (step.log_loss, step.metrics))


def difference_se(step: PathStep, best: PathStep) -> float:
    """The standard error of `step`'s out-of-fold log loss minus `best`'s: of their fold-wise differences.

    >>> round(difference_se(PathStep(2, "b", 0.46, 0.8, (0.45, 0.47, 0.46)), PathStep(3, "c", 0.44, 0.8,
    ...                     (0.44, 0.45, 0.43))), 6)
    0.005774
    """
    return _standard_error([mine - theirs for mine, theirs in zip(step.fold_losses, best.fold_losses)])


def chosen_size(path: List[PathStep], max_metrics: Optional[int] = MAX_METRICS) -> int:
    """The smallest scorecard within one standard error (`difference_se`) of the lowest log loss, capped at
    `max_metrics` (None: no cap).

    Below, 2 metrics lose 0.01 against 3 on every fold (SE 0: not within), 3 is the lowest;
    with a cap of 2, 2.

    >>> steps = [PathStep(1, "a", 0.50, 0.7, (0.49, 0.51)), PathStep(2, "b", 0.45, 0.8, (0.44, 0.46)),
    ...          PathStep(3, "c", 0.44, 0.8, (0.43, 0.45)), PathStep(4, "d", 0.441, 0.8, (0.42, 0.462))]
    >>> chosen_size(steps), chosen_size(steps, 2)
    (3, 2)
    """
    best = lowest(path)
    size = next(step.metrics for step in path if step.log_loss - best.log_loss <= difference_se(step, best))
    return size if max_metrics is None else min(size, max_metrics)


def select(candidates: Sequence, design: fitting.Design, fold_of: List[int], folds: int,
           max_metrics: Optional[int] = MAX_METRICS) -> Selection:
    """Walk the forward path over the candidates (their columns in `design`) and apply the rule."""
    order, path, step_fits = forward_path(candidates, design, fold_of, folds)
    by_rule = chosen_size(path, None)
    kept = chosen_size(path, max_metrics)
    return Selection(order, path, kept, by_rule, step_fits[kept - 1])
