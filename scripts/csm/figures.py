"""Small numeric helpers every analysis and report uses: clamping, shares, money.

Scores are rounded with Python's own `round(x, 1)` (references/methodology.md); money
is rounded to whole currency units (`money_round`) and written as `$1,234,567`. Money is
rounded where each figure is made (an account's ARR as it is read, an opportunity's
revenue as it is estimated, a retention figure), and every money total is the sum of
those rounded figures, so a headline equals the sum of the rows it lists (ARR read as
MRR x 12 never shows a stray dollar).
"""

from typing import Optional

# Metric values repeat across a book (whole percentages, NPS points, counts), so the
# scoring loops remember the score of up to this many distinct values per metric.
SCORE_MEMO = 4096


def clamp(score: float) -> float:
    """Return score limited to 0-100.

    >>> clamp(112.5), clamp(-3)
    (100, 0)
    """
    return 100 if score > 100 else 0 if score < 0 else score


def share(part: float, whole: float) -> float:
    """Return part as a percentage of whole, 1 decimal (0.0 when whole is 0).

    >>> share(1, 3)
    33.3
    """
    return round(part / whole * 100, 1) if whole else 0.0


def money_round(amount: float) -> int:
    """Return a currency amount rounded to whole units.

    >>> money_round(1234.5), money_round(64000.0)
    (1234, 64000)
    """
    return round(amount)  # an int: round() without digits returns one for an int or a float


def money(amount: Optional[float]) -> str:
    """Return an amount as whole dollars with thousands separators ("n/a" for None).

    >>> money(1234567.4), money(-50)
    ('$1,234,567', '-$50')
    """
    if amount is None:
        return "n/a"
    rounded = int(round(amount))
    return f"-${-rounded:,}" if rounded < 0 else f"${rounded:,}"


def number_words(number: float, decimals: int = 3) -> str:
    """Return a number as it reads in a sentence: thousands separators, at most `decimals` decimals.

    >>> number_words(-12), number_words(-0.05), number_words(1234.5), number_words(0.125, 2)
    ('-12', '-0.05', '1,234.5', '0.12')
    """
    if isinstance(number, float):
        text = f"{number:,.{decimals}f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return f"{number:,}"
