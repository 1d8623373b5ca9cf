"""The fields every account carries: customer_id, name, segment, arr.

Also the `segments` section of the methodology: the segment-by-ARR bands used to
place an account whose segment is missing or unknown (references/methodology.md, "Segments
by ARR": enterprise above $100k, mid-market $25k-$100k, smb below $25k).
"""

from typing import Any, Dict, List, Optional

from csm import values
from csm.figures import money_round
from csm.limits import ECHO_WHOLE_CHARS
from csm.config.segments import SEGMENTS


# CRM spellings of the three segments (compared by values.key_of: case, spaces,
# hyphens and underscores do not matter).
SEGMENT_ALIASES = {
    "enterprise": "enterprise", "ent": "enterprise", "largeenterprise": "enterprise",
    "strategic": "enterprise",
    "midmarket": "mid-market", "mid": "mid-market", "mm": "mid-market",
    "midsize": "mid-market", "commercial": "mid-market",
    "smb": "smb", "smallbusiness": "smb", "smallmediumbusiness": "smb", "small": "smb",
    "smallandmediumbusiness": "smb", "sme": "smb",
}

# Segment texts as written in the books read so far -> the segment they name (a known alias).
_SEGMENTS_AS_WRITTEN = {}


MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 500


def segment_by_arr(arr, bands):
    """Return the segment an ARR figure places an account in.

    >>> segment_by_arr(64000, {"enterprise_above": 100000, "mid_market_from": 25000})
    'mid-market'
    """
    if arr > bands["enterprise_above"]:
        return "enterprise"
    if arr >= bands["mid_market_from"]:
        return "mid-market"
    return "smb"


class Account:
    """The identity of one account, checked: id, name, segment, ARR, and notes on how it was read."""

    __slots__ = ("customer_id", "name", "segment", "arr", "notes", "owner", "contract_start_date")

    def __init__(self, customer_id, name, segment, arr, notes, owner=None, contract_start_date=None):
        self.customer_id = customer_id
        self.name = name
        self.segment = segment
        self.arr = arr
        self.notes = notes
        self.owner = owner  # the CSM or account owner (text), or None
        self.contract_start_date = contract_start_date  # YYYY-MM-DD text, or None


def customer_id_of(raw: Any) -> Optional[str]:
    """Return the record's customer_id when it is usable text, else None (for error lines).

    An id of more than ECHO_WHOLE_CHARS is none (the record is rejected for its length,
    named by its place): a 200 MB id is never echoed into a message, a rejected entry
    or the id index.
    """
    if isinstance(raw, dict):
        value = raw.get("customer_id")
        if isinstance(value, str) and len(value) <= ECHO_WHOLE_CHARS and value.strip():
            return value.strip()
    return None


def read_customer_id(raw: Dict[str, Any], problems: List[str]) -> Optional[str]:
    """Return the record's customer_id checked as text, or None after appending a problem.

    >>> problems = []
    >>> read_customer_id({"customer_id": " A-1 "}, problems), read_customer_id({}, problems), problems
    ('A-1', None, ['customer_id is missing'])
    """
    customer_id = raw.get("customer_id")
    if customer_id is None:
        problems.append("customer_id is missing")
        return None
    return values.text(customer_id, "customer_id", problems, MAX_ID_LENGTH)


def read_account(raw: Dict[str, Any], segments: Dict[str, Any], problems: List[str],
                 from_text: bool = False) -> Optional[Account]:
    """Check the account fields of `raw`; return an Account (None when one of them is unusable).

    `owner` and `contract_start_date` are optional (references/input-schema.md): checked when present
    (a bad one is a problem of the record), None when absent.

    A missing name falls back to the id; a missing or unknown segment is placed by
    ARR when ARR is valid (the note says so), else it is a problem.
    """
    customer_id = read_customer_id(raw, problems)
    name = raw.get("name")
    if name is not None:
        name = values.text(name, "name", problems, MAX_NAME_LENGTH)
    arr = raw.get("arr")
    if arr is None:
        problems.append("arr is missing (annual recurring revenue, a number of 0 or more)")
    else:
        kind = type(arr)
        if not ((kind is int or kind is float) and 0 < arr <= values.LARGEST):  # values.number's fast path, inlined
            arr = values.number(arr, "arr", problems, 0, None, from_text)
        if arr is not None:  # whole currency units, as every output shows it: a sum of ARR is the sum of its rows
            arr = money_round(arr)  # (and -0.0, 0 or more as numbers go, becomes 0)
    notes = [] if type(raw) is dict else list(getattr(raw, "notes", ()))  # how a map read it (MRR x 12)
    segment_value = raw.get("segment")
    segment = None
    if isinstance(segment_value, str):
        segment = _SEGMENTS_AS_WRITTEN.get(segment_value)  # a book spells its segments a few ways
        if segment is None:
            segment = SEGMENT_ALIASES.get(values.key_of(segment_value))
            if segment is not None and len(_SEGMENTS_AS_WRITTEN) < 256:
                _SEGMENTS_AS_WRITTEN[segment_value] = segment
    if segment is None:
        if arr is not None:
            segment = segment_by_arr(arr, segments["by_arr"])
            if segment_value is None:
                notes.append(f"segment missing; placed in {segment} by its ARR")
            else:
                notes.append(
                    f"segment {values.shown(segment_value)} is not one of {', '.join(SEGMENTS)}; "
                    f"placed in {segment} by its ARR"
                )
        elif segment_value is None:
            problems.append(f"segment is missing (one of {', '.join(SEGMENTS)})")
        else:
            problems.append(f"segment must be one of {', '.join(SEGMENTS)}, got {values.shown(segment_value)}")
    owner = raw.get("owner")
    if owner is not None:
        owner = values.text(owner, "owner", problems, MAX_NAME_LENGTH)
    start = raw.get("contract_start_date")
    if start is not None:
        start = values.iso_date(start, "contract_start_date", problems)
        start = start.isoformat() if start is not None else None
    if customer_id is None or arr is None or segment is None or (raw.get("name") is not None and name is None):
        return None
    return Account(customer_id, name or customer_id, segment, arr, notes, owner, start)
