"""Small numeric helpers every analysis uses: clamping, shares, money rounding."""

# Metric values repeat across a book (whole percentages, NPS points, counts), so the
# scoring loops remember the score of up to this many distinct values per metric.
SCORE_MEMO = 4096


def clamp(score):
    """Return score limited to 0-100.

    >>> clamp(112.5), clamp(-3)
    (100, 0)
    """
    return 100 if score > 100 else 0 if score < 0 else score


def one_decimal(number):
    """Return round(number, 1): the same value, in half the time for the floats the scoring loops make.

    round(x, 1) rounds the exact binary value of x half to even, by way of decimal
    digits (~250 ns). For a float above 0 and under 1e8 whose tenths are not within
    a millionth of a tie, the answer is the whole number of tenths nearest 10x over
    10, one correctly rounded division: the same float, sooner. (10x is off by far
    less than a millionth there, so the nearest whole number is not in doubt.) Any
    other number goes to round() itself. tests/test_figures.py checks millions.

    >>> one_decimal(78.075), one_decimal(0.05), one_decimal(2.25), one_decimal(7)
    (78.1, 0.1, 2.2, 7)
    """
    if type(number) is float:
        if 0.0 < number < 1e8:
            tenths = number * 10
            whole = round(tenths)  # the nearest whole number of tenths (a tie is left to round() below)
            if -0.499999 < tenths - whole < 0.499999:
                return whole / 10
        elif number == 0.0:
            return number  # 0.0 or -0.0, kept as round() keeps it
    return round(number, 1)


def share(part, whole):
    """Return part as a percentage of whole, 1 decimal (0.0 when whole is 0).

    >>> share(1, 3)
    33.3
    """
    return one_decimal(part / whole * 100) if whole else 0.0


def money_round(amount):
    """Return a currency amount rounded to whole units.

    >>> money_round(1234.5), money_round(64000.0)
    (1234, 64000)
    """
    return round(amount)  # an int: round() without digits returns one for an int or a float
