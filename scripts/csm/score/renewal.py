"""An account's renewal: days from the as-of date to its `contract_end_date`, read one way for every analysis.

The churn analysis checks the date (a value that is not a date is a problem of the
record); health and expansion only read it when it is one. A date before the as-of
date is a lapsed renewal: its days are negative (references/methodology.md section 2).
"""

import datetime
from typing import NamedTuple, Optional

from csm import values


class Renewal(NamedTuple):
    """Days from the as-of date to the contract end date (negative: lapsed), and that date as ISO text."""

    days: Optional[int]
    end_date: Optional[str]


UNKNOWN = Renewal(None, None)


def read_renewal(record: dict, as_of: datetime.date, problems: Optional[list] = None) -> Renewal:
    """Return the record's Renewal; UNKNOWN without a usable contract_end_date.

    With `problems`, a contract_end_date that is not a date is one more problem there.

    >>> read_renewal({"contract_end_date": "2026-11-12"}, datetime.date(2026, 11, 22))
    Renewal(days=-10, end_date='2026-11-12')
    >>> read_renewal({"contract_end_date": "soon"}, datetime.date(2026, 11, 22))
    Renewal(days=None, end_date=None)
    """
    written = record.get("contract_end_date")
    if written is None:
        return UNKNOWN
    end_date = values.iso_date(written, "contract_end_date", [] if problems is None else problems)
    if end_date is None:
        return UNKNOWN
    return Renewal((end_date - as_of).days, end_date.isoformat())


