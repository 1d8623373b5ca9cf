"""Checks for single input values: numbers, enums, booleans, dates, text, lists.

Each check takes the raw value, the dotted field name and a `problems` list; it
returns the clean value, or None after appending one message to `problems`.
Values read from CSV arrive as text (`from_text=True`) and are parsed first;
values from JSON must already have the right type.

>>> problems = []
>>> number(72, "usage.login_frequency", problems, 0, 100)
72
>>> number("high", "usage.login_frequency", problems, 0, 100)
>>> problems
['usage.login_frequency must be a number from 0 to 100, got "high"']
"""

import datetime
import decimal
import json
import math
import re
import sys
from typing import Any, Dict, Iterable, List, Optional

from csm.limits import ECHO_WHOLE_CHARS

_quoted = json.encoder.encode_basestring_ascii  # json.dumps of text, as it calls it

MISSING = object()
# The largest magnitude a field without an upper bound (ARR, seats, counts, hours) may
# have: far above any real book, and low enough that sums and products over a whole
# portfolio stay finite (1e308 ARR was accepted once, and the ARR-weighted average of
# two such accounts was Infinity, which JSON cannot hold).
LARGEST = 1e15
FLOAT_MAX = sys.float_info.max

TRUE_WORDS = frozenset(("true", "yes", "y", "1", "t", "checked"))
FALSE_WORDS = frozenset(("false", "no", "n", "0", "f", "unchecked"))


def shown(value: Any, limit: int = 60) -> str:
    """Return a value as it appears in a message: JSON-quoted, control characters escaped, cut short.

    Text of more than 10,000 characters (a cell pasted whole, a hostile id) is cut before it is
    quoted, and says its full length.

    >>> shown("high")
    '"high"'
    >>> shown(float("nan"))
    'NaN'
    >>> shown("x" * 20000)
    '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (20,000 characters)'
    """
    if isinstance(value, (dict, list)):
        kind = "an object" if isinstance(value, dict) else "a list"
        return kind
    if isinstance(value, str) and len(value) > ECHO_WHOLE_CHARS:  # never quote a 200 MB cell whole to cut it
        return shown(value[:limit], limit) + f" ({len(value):,} characters)"
    # What json.dumps writes for text and whole numbers, without its call: a third of the time of a book of a
    # million bare numbers, each rejected by this text (benchmarks/README.md).
    kind = type(value)
    if kind is str:
        text = _quoted(value)
    elif kind is int:
        text = int.__repr__(value)
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):  # pragma: no cover - json handles every loaded value
            text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def printable(text: str, limit: int = 80) -> str:
    """Return text safe for one line on a terminal: control characters escaped, cut short.

    >>> printable("ACME\\n=cmd")
    'ACME\\\\n=cmd'
    """
    if text.isprintable() and len(text) <= limit:
        return text
    escaped = json.dumps(text)[1:-1]
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


_ASCII_NOT_KEY = {code: None for code in range(128) if not chr(code).isalnum()}  # str.translate drops these


def key_of(label: str) -> str:
    """Return the comparison key of an enum label: lower case, letters and digits only.

    >>> key_of("Mid-Market"), key_of("mid_market"), key_of("midmarket"), key_of("Zürich Ops")
    ('midmarket', 'midmarket', 'midmarket', 'zürichops')
    """
    lowered = label.lower()
    if lowered.isascii():
        return lowered.translate(_ASCII_NOT_KEY)
    return "".join(ch for ch in lowered if ch.isalnum())


def range_words(low, high):
    """Describe an accepted numeric range.

    >>> range_words(0, 100), range_words(0, None)
    ('from 0 to 100', 'of 0 or more')
    """
    if high is None:
        return f"of {low:g} or more"
    return f"from {low:g} to {high:g}"


# CRM number text (references/interface.md "CRM value formats"): ASCII digits only (Python's int and
# float also take Arabic-Indic and full-width digits, and "1_000": refused here), an
# optional sign, currency ($, US$, USD, EUR, GBP, CAD, AUD, €, £) before or after, a
# decimal point, thousands commas only in groups of three ("7,5" is refused, never 75),
# an exponent only without commas, and an optional trailing percent sign. A decimal
# comma ("1.234,5") is refused: the export must use a point, whatever its locale.
_NUMBER_BODY = re.compile(
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"
    r"|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
    re.ASCII)
_CURRENCIES = ("US$", "USD", "EUR", "GBP", "CAD", "AUD", "$", "\u20ac", "\u00a3")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)  # what most cells hold: the fast path
_DIGITS = frozenset("0123456789.")
_LONGEST_DIGITS = 4000  # int() of more digits is refused by Python 3.11+; far beyond any usable figure


def _number_text_parts(text):
    """Return (number text without commas, sign, has percent) of CRM number text, or None.

    >>> _number_text_parts(" USD 1,234.50 "), _number_text_parts("-$64,000"), _number_text_parts("72 %")
    (('1234.50', '', False), ('64000', '-', False), ('72', '', True))
    >>> _number_text_parts("7,5"), _number_text_parts("1_000"), _number_text_parts("\u0667\u0662")
    (None, None, None)
    """
    rest, sign, percent = _number_pieces(text)
    if not _NUMBER_BODY.fullmatch(rest):
        return None
    return rest.replace(",", ""), sign, percent


def _number_pieces(text):
    """(the figure's digits and separators, its sign, has percent): number text without currency and spaces."""
    rest = text.strip()
    percent = rest.endswith("%")
    if percent:
        rest = rest[:-1].rstrip()
    sign = ""
    if rest[:1] in ("+", "-"):
        sign, rest = rest[0], rest[1:]
    if rest[:1] not in _DIGITS or rest[-1:] not in _DIGITS:
        upper = rest.upper()
        for code in _CURRENCIES:
            if upper.startswith(code):
                rest = rest[len(code):].lstrip()
                break
            if upper.endswith(code):
                rest = rest[:-len(code)].rstrip()
                break
    if not sign and rest[:1] in ("+", "-"):
        sign, rest = rest[0], rest[1:]
    return rest, sign, percent


def parse_number_text(text: str, ratio: bool = False, percent_ok: bool = True) -> Optional[float]:
    """Parse a number written in a CSV cell ("64,000", "$64000", "USD 1,234.50", " 72 ", "72%"); None if it is not one.

    A percent sign is read on the field's scale: a 0-1 ratio (`ratio`) reads "72%" as
    0.72 (exactly the number 0.72 written out), any other field as 72; with
    `percent_ok` False a percent sign makes the text not a number.

    >>> parse_number_text("72%"), parse_number_text("72%", ratio=True), parse_number_text("7.2%", ratio=True)
    (72, 0.72, 0.072)
    >>> parse_number_text("1,234,567"), parse_number_text("7,5"), parse_number_text("1.234,5")
    (1234567, None, None)
    """
    if len(text) < 300 and _PLAIN_NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    parts = _number_text_parts(text)
    if parts is None:
        return None
    digits, sign, percent = parts
    if percent:
        if not percent_ok:
            return None
        if ratio:
            return float(decimal.Decimal(sign + digits).scaleb(-2))
    if len(digits) > _LONGEST_DIGITS:
        return math.inf
    if "." not in digits and "e" not in digits and "E" not in digits:
        return int(sign + digits)
    return float(sign + digits)


# Money is never written to three decimals: "420.000" or "1.250.000" in an ARR is a European export's
# thousands separator (the point), not a decimal point, and reading it as 420.0 is silently wrong.
MONEY_FIELDS = frozenset(("arr",))
_GROUPED_BY_POINTS = re.compile(
    r"[-+]?(?:US\$|USD|EUR|GBP|CAD|AUD|\$|\u20ac|\u00a3)?\s*[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?"
    r"\s*(?:US\$|USD|EUR|GBP|CAD|AUD|\$|\u20ac|\u00a3)?", re.ASCII | re.IGNORECASE)


def grouped_by_points(text: str) -> bool:
    """True when money text groups its thousands with points (420.000, 1.250.000, 1.250.000,50 EUR).

    >>> grouped_by_points("420.000"), grouped_by_points("1.250.000"), grouped_by_points("420.00")
    (True, True, False)
    >>> grouped_by_points("64,000.000"), grouped_by_points("\u20ac 1.250.000,50")
    (False, True)
    """
    return "." in text and _GROUPED_BY_POINTS.fullmatch(text.strip()) is not None


def _money_words(field, value):
    return (f"{field} {shown(value)} groups thousands with points (a European export): money has no three "
            "decimals, so it is not read as a decimal; export the figure with a decimal point "
            "(420000 or 420000.00), or state the export's format in a --map: "
            '{"fields": {"arr": {"column": "<its header>", "number_format": "1.234,5"}}}')


# How an export writes 1234.5: a map's number_format for a column or a source, or what a column's values
# show (references/interface.md "CRM value formats").
NUMBER_FORMATS = ("1,234.5", "1.234,5")
_WRITTEN_AS = {
    "1,234.5": re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?", re.ASCII),
    "1.234,5": re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?", re.ASCII),
}


def number_convention(text: str) -> Optional[str]:
    """The number format a piece of number text can only be written in, or None (both fit, or neither).

    >>> [number_convention(t) for t in ("1.234,5", "12,5", "EUR 1.250.000", "1,234.5", "420.50", "1,234,567")]
    ['1.234,5', '1.234,5', '1.234,5', '1,234.5', '1,234.5', '1,234.5']
    >>> [number_convention(t) for t in ("420.000", "1,234", "72", "72%", "n/a")]
    [None, None, None, None, None]
    """
    figure = _number_pieces(text)[0]
    fits = [number_format for number_format, written in _WRITTEN_AS.items() if written.fullmatch(figure)]
    return fits[0] if len(fits) == 1 else None


class NumberText(str):
    """Number text that a column's number format (stated by a map, or shown by its values) does not fit:
    the check's message names the format and where it comes from."""

    number_format = ""
    source = ""


def number_text_as(text: str, number_format: str, source: str = "the map's number_format") -> Any:
    """CRM number text written in `number_format`, as this reader reads it: text with points for decimals, a
    figure of three decimals (`420.000` in 1,234.5) as its number, or a NumberText when the text shows the
    other format (`source`: where the format comes from, for the message).

    >>> number_text_as("1.250.000,50", "1.234,5"), number_text_as("420.000", "1.234,5"), number_text_as("1,234", "1.234,5")
    ('1250000.50', '420000', 1.234)
    >>> number_text_as("1,234.5", "1,234.5"), number_text_as("$420.000", "1,234.5"), type(number_text_as("1,5", "1,234.5")).__name__
    ('1,234.5', 420.0, 'NumberText')
    """
    if number_convention(text) not in (None, number_format):
        text = NumberText(text)
        text.number_format, text.source = number_format, source
        return text
    if number_format == "1.234,5":
        text = text.replace(".", "").replace(",", ".")
    if grouped_by_points(text):  # three decimals (refused as a European ARR unless a format is known): the number
        return parse_number_text(text)
    return text


def number(value: Any, field: str, problems: List[str], low: float = 0, high: Optional[float] = None,
           from_text: bool = False) -> Optional[float]:
    """Return value as a finite number within [low, high] (high None: no upper bound).

    Booleans, NaN, Infinity and, without an upper bound, numbers above LARGEST are refused.

    >>> number(0.31, "usage.dau_mau_ratio", [], 0, 1)
    0.31
    >>> problems = []
    >>> number(1e308, "arr", problems), number("1" + "0" * 400, "arr", problems, from_text=True)
    (None, None)
    >>> problems[0]
    'arr must be a number of 0 or more, got a number too large to use'
    """
    kind = type(value)
    if (kind is int or kind is float) and low <= value <= (LARGEST if high is None else high):
        return value
    if kind is NumberText:
        problems.append(f"{field} must be a number written {value.number_format} ({value.source}), "
                        f"got {shown(str(value))}")
        return None
    if from_text and kind is str:
        if field in MONEY_FIELDS and grouped_by_points(value):
            problems.append(_money_words(field, value))
            return None
        # A percent sign fits a ratio (0-1) or a percentage scale (up to 100 or more), not a count or ARR.
        parsed = parse_number_text(value, high is not None and high <= 1, high is not None and (high <= 1 or high >= 100))
        if parsed is not None and not isinstance(parsed, bool):
            # An int is compared exactly (math.isfinite would overflow on one of 400 digits).
            if (type(parsed) is int or math.isfinite(parsed)) and low <= parsed <= (LARGEST if high is None else high):
                return parsed
            if high is None and (type(parsed) is int or not math.isnan(parsed)) and parsed > LARGEST:
                problems.append(f"{field} must be a number {range_words(low, high)}, got a number too large to use")
            else:
                problems.append(f"{field} must be a number {range_words(low, high)}, got {shown(value)}")
            return None
    expected = f"{field} must be a number {range_words(low, high)}"
    if kind is float and not math.isfinite(value):
        problems.append(f"{expected}, got {shown(value)}")
    elif (kind is int and abs(value) > FLOAT_MAX) or (high is None and (kind is int or kind is float)
                                                       and value > LARGEST):
        problems.append(f"{expected}, got a number too large to use")
    else:
        problems.append(f"{expected}, got {shown(value)}")
    return None


def boolean(value: Any, field: str, problems: List[str], from_text: bool = False) -> Optional[bool]:
    """Return value as a bool; CSV text true/false/yes/no/1/0/checked/unchecked is accepted (any case).

    >>> boolean("Yes", "relationship_signals.champion_left", [], from_text=True)
    True
    """
    if value is True or value is False:
        return value
    if from_text and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    problems.append(f"{field} must be true or false, got {shown(value)}")
    return None


def enum(value: Any, field: str, problems: List[str], table: Dict[str, str], accepted: Iterable[str]) -> Optional[str]:
    """Return the canonical label for value, looked up in `table` (key_of(alias) -> label).

    `accepted` is the list of canonical labels named in the error message.

    >>> enum("Month_to_Month", "commercial_factors.contract_type", [],
    ...      {"monthtomonth": "month-to-month"}, ["month-to-month"])
    'month-to-month'
    """
    if isinstance(value, str):
        label = table.get(key_of(value))
        if label is not None:
            return label
    problems.append(f"{field} must be one of {', '.join(accepted)}, got {shown(value)}")
    return None


# The one date rule on every Python 3.9+ (date.fromisoformat differs: 3.11 also takes
# "2026-W01-1" and "20260101"): YYYY-MM-DD, or an ISO timestamp
# YYYY-MM-DD[T or space]HH:MM[:SS[.fff]][Z or +HH:MM], read as the date it is written
# on (a CRM writes 2026-12-31T00:00:00Z for a date; the offset is not applied).
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?",
    re.ASCII)


class DateText(str):
    """Text a map's `date_format` could not read: the check's message names the format."""

    date_format = ""


def parse_iso_date(text: str) -> Optional[datetime.date]:
    """Return the date of ISO text (YYYY-MM-DD or an ISO timestamp, see _ISO_DATE), or None.

    >>> parse_iso_date("2026-12-31"), parse_iso_date("2026-12-31T23:30:00+05:30")
    (datetime.date(2026, 12, 31), datetime.date(2026, 12, 31))
    >>> parse_iso_date("2026-W01-1"), parse_iso_date("20260101"), parse_iso_date("2026-02-30")
    (None, None, None)
    """
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # plain YYYY-MM-DD, as nearly every date is written: the C parser reads it
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_date_text(text: str, date_format: str) -> Optional[datetime.date]:
    """Return the date `text` holds under a strptime pattern (a map's date_format), or None.

    Only ASCII text is read (strptime also takes other scripts' digits).

    >>> parse_date_text("12/31/2026", "%m/%d/%Y"), parse_date_text("31/12/2026", "%m/%d/%Y")
    (datetime.date(2026, 12, 31), None)
    """
    text = text.strip()
    if not text.isascii():
        return None
    try:
        return datetime.datetime.strptime(text, date_format).date()
    except ValueError:
        return None


def iso_date(value: Any, field: str, problems: List[str]) -> Optional[datetime.date]:
    """Return value (YYYY-MM-DD text, or an ISO timestamp read as its date) as a date.

    >>> iso_date("2027-03-31", "contract_end_date", [])
    datetime.date(2027, 3, 31)
    """
    if isinstance(value, str):
        parsed = parse_iso_date(value)
        if parsed is not None:
            return parsed
        if type(value) is DateText:
            problems.append(f"{field} must be a date written {value.date_format} (the map's date_format) "
                            f"or YYYY-MM-DD, got {shown(str(value))}")
            return None
    problems.append(f"{field} must be a date written YYYY-MM-DD, got {shown(value)}")
    return None


def text(value: Any, field: str, problems: List[str], limit: int = 500) -> Optional[str]:
    """Return value as non-empty text of at most `limit` characters.

    >>> text("Northwind Logistics", "name", [])
    'Northwind Logistics'
    """
    if isinstance(value, str):
        stripped = value.strip()
        if stripped and len(stripped) <= limit:
            return stripped
        if not stripped:
            problems.append(f"{field} must not be empty")
            return None
        problems.append(f"{field} must be at most {limit} characters, got {len(stripped)}")
        return None
    problems.append(f"{field} must be text, got {shown(value)}")
    return None


def text_list(value: Any, field: str, problems: List[str], from_text: bool = False) -> Optional[List[str]]:
    """Return value as a list of non-empty strings; CSV text is split on ';'.

    >>> text_list("finance; sales", "departments.potential", [], from_text=True)
    ['finance', 'sales']
    """
    if from_text and isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list):
        items = []
        for position, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                items.append(item.strip())
            else:
                problems.append(f"{field}[{position}] must be non-empty text, got {shown(item)}")
                return None
        return items
    problems.append(f"{field} must be a list of names, got {shown(value)}")
    return None


def section(record: Dict[str, Any], name: str, problems: List[str]) -> Optional[Dict[str, Any]]:
    """Return record[name] as a dict; {} when absent; None (and a problem) when not an object."""
    value = record.get(name)
    if value is None:
        return {}
    if type(value) is dict:
        return value
    problems.append(f"{name} must be an object, got {shown(value)}")
    return None
