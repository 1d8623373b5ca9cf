"""The regression and its cross-validation (csm.fitting), on problems whose answer is known."""

import random

import pytest

from csm.learn import fitting
from csm.learn.backtest import area_under_curve

# Ten accounts, four indicator columns (two 2-level columns, one account missing one).
ROWS = [(0, 2), (0, 3), (1, 2), (1, 3), (0, 3), (1, 2), (0, 2), (1, 3), (0,), (3,)]
CHURNED = [1, 1, 0, 0, 1, 0, 0, 1, 1, 0]
# scikit-learn 1.9.1: LogisticRegression(C=1 / 0.5, tol=1e-14).fit(X, y) on the same 0/1 matrix.
SKLEARN_INTERCEPT = -0.34261574
SKLEARN_COEFFICIENTS = [1.31017501, -0.33563299, -0.84242323, 0.29168876]


def test_the_fit_matches_scikit_learn_on_a_small_problem():
    fit = fitting.fit_logistic(fitting.Design(ROWS, CHURNED, 4), 0.5)
    assert fit.converged
    assert fit.intercept == pytest.approx(SKLEARN_INTERCEPT, abs=1e-7)
    assert fit.coefficients == pytest.approx(SKLEARN_COEFFICIENTS, abs=1e-7)


def test_a_two_group_problem_solves_its_stationarity_equation():
    # Group A churns 2 of 3, group B 1 of 3; by symmetry b0 = 0 and beta_A = -beta_B = b with
    # 3 sigma(b) - 2 + l2 b = 0 (the gradient of group A's column).
    design = fitting.Design([(0,), (0,), (0,), (1,), (1,), (1,)], [1, 1, 0, 0, 0, 1], 2)
    fit = fitting.fit_logistic(design, 1.0)
    b = fit.coefficients[0]
    assert fit.coefficients[1] == pytest.approx(-b, abs=1e-12)
    assert 3 / (1 + 2.718281828459045 ** -b) - 2 + b == pytest.approx(0, abs=1e-10)


def test_a_larger_penalty_shrinks_the_coefficients():
    design = fitting.Design(ROWS, CHURNED, 4)
    loose = fitting.fit_logistic(design, 0.1)
    tight = fitting.fit_logistic(design, 100.0)
    assert max(map(abs, tight.coefficients)) < 0.05 < max(map(abs, loose.coefficients))


def test_a_warm_start_reaches_the_same_fit():
    design = fitting.Design(ROWS, CHURNED, 4)
    cold = fitting.fit_logistic(design, 0.5)
    warm = fitting.fit_logistic(design, 0.5, fitting.fit_logistic(design, 3.0))
    assert warm.coefficients == pytest.approx(cold.coefficients, abs=1e-9)


def test_cholesky_solves_a_symmetric_system():
    matrix = [[4.0, 2.0, 0.6], [2.0, 3.0, 0.4], [0.6, 0.4, 2.0]]
    solution = fitting.solve_symmetric(matrix, [1.0, 2.0, 3.0])
    assert [sum(a * x for a, x in zip(row, solution)) for row in matrix] == pytest.approx([1.0, 2.0, 3.0])


def test_folds_are_stratified_and_seeded():
    outcomes = [i % 4 == 0 for i in range(100)]  # 25 churned
    folds = fitting.stratified_folds(outcomes, 5, 3)
    assert folds == fitting.stratified_folds(outcomes, 5, 3)
    assert folds != fitting.stratified_folds(outcomes, 5, 4)
    for k in range(5):
        members = [o for o, fold in zip(outcomes, folds) if fold == k]
        assert (len(members), sum(members)) == (20, 5)


def test_the_bootstrap_auc_of_counts_equals_the_backtests_auc():
    generator = random.Random(8)
    points = [(generator.randint(0, 9), generator.random() < 0.3) for _ in range(300)]
    distinct = sorted({score for score, _ in points})
    counts = []
    for score in distinct:
        counts += [sum(1 for s, o in points if s == score and not o), sum(1 for s, o in points if s == score and o)]
    assert fitting.counted_auc(counts) == area_under_curve(points)["auc"]


def test_the_bootstrap_interval_is_seeded_and_holds_the_auc():
    generator = random.Random(2)
    points = [(generator.random() + (0.4 if churned else 0), churned)
              for churned in (generator.random() < 0.3 for _ in range(400))]
    low, high = fitting.bootstrap_interval(points, 1)
    assert (low, high) == fitting.bootstrap_interval(points, 1)
    assert low < area_under_curve(points)["auc"] < high
    # health reads the other way: the same interval for the mirrored scores
    assert fitting.bootstrap_interval([(-s, o) for s, o in points], 1, lower_is_riskier=True) == (low, high)


def test_cross_validation_picks_the_penalty_with_the_lowest_out_of_fold_loss():
    generator = random.Random(5)
    rows, outcomes = [], []
    for _ in range(400):
        level = generator.randrange(3)
        rows.append((level,))
        outcomes.append(generator.random() < (0.1, 0.3, 0.6)[level])
    design = fitting.Design(rows, outcomes, 3)
    folds = fitting.stratified_folds(outcomes, 4, 1)
    validation = fitting.choose_l2(design, folds, 4)
    best = min(validation.path, key=lambda point: point.log_loss)
    assert validation.chosen == best.l2
    assert len(validation.fold_fits) == 4
