"""Which metrics a fitted scorecard keeps: a path over the number of metrics, and the one-standard-error rule.

references/interface.md, last section. The fitter first fits every candidate (the L2
penalty chosen by cross-validation, csm.learn.fitting). Its metrics are ranked by
their reach in that fit (the log-odds between a metric's riskiest and safest level),
and the path is the nested scorecards of the 1, 2, 3 ... highest-reaching metrics.
Each is measured out of fold: in each fold, the model fitted on the other folds with
only those metrics' coefficients (the left-out metrics' mean effect on the training
accounts folded into the intercept), scored on the fold's accounts.

Why this path, not forward selection by out-of-fold log loss or an L1 path: both
refit the model at every step of every fold, hundreds of fits in pure Python where
this path costs none beyond the fits the penalty already needs; the ranking comes from
a model that saw every metric together, so a metric that only repeats another's
information (total charges beside tenure) ranks low, as forward selection would
leave it out. The kept scorecard is then refitted on its own metrics, and it is that
refit which the report's out-of-fold figures measure.

The rule (Breiman et al., the "one standard error" rule): the smallest scorecard whose
out-of-fold log loss is within one standard error (of the fold means) of the lowest
on the path; `max_metrics` caps it.
"""

import math
from typing import List, NamedTuple, Optional, Sequence

from csm.learn import fitting
from csm.learn.backtest import area_under_curve

LEFT_OUT = "left out by the selection"  # the why of a candidate the selection did not keep


class PathStep(NamedTuple):
    """One scorecard of the path: its `metrics` count, the `added` column, out-of-fold `log_loss` (mean per
    account), its `standard_error` (of the fold means) and `auc`."""

    metrics: int
    added: str
    log_loss: float
    standard_error: float
    auc: Optional[float]


class Selection(NamedTuple):
    """The selection: candidate indices by reach (`order`), the `path`, and how many are `kept`."""

    order: List[int]
    path: List[PathStep]
    kept: int


def reaches(candidates: Sequence, fit: fitting.Fit) -> List[float]:
    """Return each candidate's reach in a fit: its largest minus its smallest level coefficient.

    >>> class C: offset, size = 1, 3
    >>> reaches([C()], fitting.Fit(0.0, [9.0, 0.5, -0.25, 1.0], 1, True))
    [1.25]
    """
    spans = []
    for candidate in candidates:
        betas = fit.coefficients[candidate.offset: candidate.offset + candidate.size]
        spans.append(max(betas) - min(betas))
    return spans


def _prefix_etas(design, fit, rows, order, candidates, owner):
    """For each row: the linear predictor with the top 1, 2 ... metrics of `order` (cumulative sums)."""
    position = {candidate_index: rank for rank, candidate_index in enumerate(order)}
    coefficients = fit.coefficients
    sums = []
    for index in rows:
        by_rank = [0.0] * len(order)
        for column in design.rows[index]:
            by_rank[position[owner[column]]] += coefficients[column]
        running = 0.0
        prefix = []
        for value in by_rank:
            running += value
            prefix.append(running)
        sums.append(prefix)
    return sums


def path_of(candidates: Sequence, design: fitting.Design, fold_of: List[int], folds: int,
            fold_fits: List[fitting.Fit], order: List[int]) -> List[PathStep]:
    """Return the path: the out-of-fold log loss, its standard error and AUC of the top-k scorecards."""
    owner = [0] * design.columns
    for index, candidate in enumerate(candidates):
        for column in range(candidate.offset, candidate.offset + candidate.size):
            owner[column] = index
    count = len(order)
    size = len(fold_of)
    etas = [[0.0] * size for _ in range(count)]
    fold_losses = [[0.0] * folds for _ in range(count)]
    for k in range(folds):
        fit = fold_fits[k]
        training = [i for i, fold in enumerate(fold_of) if fold != k]
        held_out = [i for i, fold in enumerate(fold_of) if fold == k]
        train_sums = _prefix_etas(design, fit, training, order, candidates, owner)
        full = [prefix[-1] for prefix in train_sums]
        held_sums = _prefix_etas(design, fit, held_out, order, candidates, owner)
        for m in range(count):
            # the left-out metrics' mean effect on the training accounts joins the intercept
            shift = math.fsum(total - prefix[m] for total, prefix in zip(full, train_sums)) / len(training)
            losses = []
            for index, prefix in zip(held_out, held_sums):
                eta = fit.intercept + prefix[m] + shift
                etas[m][index] = eta
                losses.append(fitting.log_loss(design.outcomes[index], eta))
            fold_losses[m][k] = math.fsum(losses) / len(losses)
    steps = []
    for m in range(count):
        mean = math.fsum(fitting.log_loss(y, eta) for y, eta in zip(design.outcomes, etas[m])) / size
        spread = _standard_error(fold_losses[m])
        auc = area_under_curve(list(zip(etas[m], (y == 1.0 for y in design.outcomes))))["auc"]
        steps.append(PathStep(m + 1, candidates[order[m]].column, mean, spread, auc))
    return steps


def _standard_error(values: List[float]) -> float:
    """The standard error of a mean of `values` (their sample standard deviation over sqrt(count)).

    >>> round(_standard_error([1.0, 2.0, 3.0]), 6)
    0.57735
    """
    count = len(values)
    if count < 2:
        return 0.0
    mean = math.fsum(values) / count
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (count - 1) / count)


def chosen_size(path: List[PathStep], max_metrics: Optional[int]) -> int:
    """The smallest scorecard within one standard error of the lowest log loss, capped at `max_metrics`.

    >>> steps = [PathStep(1, "a", 0.50, 0.01, 0.7), PathStep(2, "b", 0.45, 0.01, 0.8), PathStep(3, "c", 0.44, 0.01, 0.8)]
    >>> chosen_size(steps, None), chosen_size(steps, 1)
    (2, 1)
    """
    best = min(path, key=lambda step: (step.log_loss, step.metrics))
    size = next(step.metrics for step in path if step.log_loss <= best.log_loss + best.standard_error)
    return size if max_metrics is None else min(size, max_metrics)


def select(candidates: Sequence, design: fitting.Design, fold_of: List[int], folds: int,
           validation: fitting.CrossValidation, full_fit: fitting.Fit, max_metrics: Optional[int]) -> Selection:
    """Rank the candidates by reach in `full_fit`, walk the path, and apply the rule."""
    spans = reaches(candidates, full_fit)
    order = sorted(range(len(candidates)), key=lambda index: (-spans[index], index))
    path = path_of(candidates, design, fold_of, folds, validation.fold_fits, order)
    return Selection(order, path, chosen_size(path, max_metrics))
