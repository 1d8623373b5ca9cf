"""figures.one_decimal must give exactly what round(x, 1) gives: the scores are published to one decimal."""

import math
import random

from csm.figures import one_decimal


def same(number):
    expected = round(number, 1)
    got = one_decimal(number)
    return type(got) is type(expected) and (repr(got) == repr(expected) or (got != got and expected != expected))


def test_one_decimal_is_round_to_one_decimal_on_millions_of_scores():
    rng = random.Random(20261122)
    numbers = []
    for _ in range(300_000):
        numbers.append(rng.uniform(0, 100))  # scores
        numbers.append(rng.uniform(0, 1))  # ratios
        numbers.append(rng.uniform(0, 1e8))  # up to the fast path's bound
        # weighted sums of whole and one-decimal figures, the way the scoring loops make them
        numbers.append(.35 * rng.randint(0, 100) + .40 * rng.randint(0, 1000) / 10 + .25 * rng.randint(0, 100))
    bad = [number for number in numbers if not same(number)]
    assert bad == []


def test_one_decimal_is_round_on_ties_and_edges():
    numbers = [k / 20 for k in range(0, 4001)]  # every x.x5, the ties of one decimal
    numbers += [k / 100 for k in range(0, 10001)] + [k / 1000 for k in range(0, 10001)]
    numbers += [k * 0.05 for k in range(0, 4001)] + [k * 0.15 for k in range(0, 1001)]
    numbers += [math.nextafter(k / 20, math.inf) for k in range(1, 2001)]
    numbers += [math.nextafter(k / 20, -math.inf) for k in range(1, 2001)]
    numbers += [0.0, -0.0, 5e-324, 1e-9, 99999999.95, 1e8, 1e8 + 0.05, 2.0 ** 52 + 0.5, 1e300,
                -0.05, -1.25, -78.075, math.inf, -math.inf, math.nan, 0, 7, -3, 10 ** 20, True]
    bad = [number for number in numbers if not same(number)]
    assert bad == []
