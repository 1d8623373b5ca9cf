"""How names and days read in a sentence: a name stored as a key, written as people write it; a renewal in words."""

from typing import Optional

# Short names people write in capitals when a CRM stores them in lower case.
ACRONYMS = frozenset(("it", "hr", "api", "sso", "crm", "erp", "qa", "ui", "ux", "bi", "r&d", "rnd", "pr", "gtm"))


def people_name(name: str) -> str:
    """Return a tier, module or department name as people write it, when stored as a lower-case key.

    A name with a capital letter is kept as written (someone chose it).

    >>> people_name("enterprise_plus"), people_name("it"), people_name("clinical_ops"), people_name("McKinsey Ops")
    ('Enterprise Plus', 'IT', 'Clinical Ops', 'McKinsey Ops')
    """
    if name != name.lower():
        return name
    if name.isalpha():  # one word, as most names are
        return name.upper() if name in ACRONYMS else name.capitalize()
    words = name.replace("_", " ").replace("-", " ").split()
    return " ".join(word.upper() if word in ACRONYMS else word.capitalize() for word in words)


def day_words(count: int) -> str:
    """Return a count of days in words.

    >>> day_words(1), day_words(1200)
    ('1 day', '1,200 days')
    """
    return f"{count:,} day" if count == 1 else f"{count:,} days"


def renewal_words(days: Optional[int], end_date: Optional[str]) -> str:
    """Return the renewal in words.

    >>> renewal_words(-5, "2026-11-17"), renewal_words(20, "2026-12-12"), renewal_words(None, None)
    ('renewal lapsed 5 days ago on 2026-11-17', 'renews in 20 days on 2026-12-12', 'renewal date unknown')
    """
    if days is None:
        return "renewal date unknown"
    if days < 0:
        return f"renewal lapsed {day_words(-days)} ago on {end_date}"
    if days == 0:
        return f"renews today ({end_date})"
    return f"renews in {day_words(days)} on {end_date}"


def plural(count: int, word: str, many: Optional[str] = None) -> str:
    """Return a count with its noun.

    >>> plural(1, "account"), plural(3, "account")
    ('1 account', '3 accounts')
    """
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def number_word(count: int, highest: int = len(NUMBER_WORDS)) -> str:
    """A count from one to `highest` (twelve at most) in words, any other in digits.

    >>> number_word(3), number_word(12), number_word(7, highest=6), number_word(0), number_word(40)
    ('three', 'twelve', '7', '0', '40')
    """
    return NUMBER_WORDS[count - 1] if 1 <= count <= min(highest, len(NUMBER_WORDS)) else str(count)
