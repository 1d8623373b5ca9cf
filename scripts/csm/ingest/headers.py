"""Header names as a person writes them: the words a column name says, whatever its decoration.

references/interface.md, "Without a map". CRMs and spreadsheets shorten and decorate
names: abbreviations (`Avg`, `Exec`, `Prev`, `Pct`, `#`), unit suffixes (`(h)`,
`(hours)`, `(days)`, `%`, `($)`), question marks, metric acronyms (`DAU/MAU`, `NPS`,
`CSAT`), plurals, the usual synonyms of a metric (contacts or stakeholders for the
threading depth, cancelled meetings for meeting cancellations) and a previous-period
prefix or suffix. `words_key(name)` reduces a name to the sorted words it says, so
`Avg Resolution (h)` and `avg_resolution_hours` have one key, and `metric_keys(path)`
gives the keys a schema path is known by. A key that names one path only is a
confident match (csm.ingest.columns reads the column and says so in a `note:` line).
"""

import re
from typing import Tuple

# Abbreviations and spellings -> the word the schema uses (after lower-casing and singulars).
WORDS = {
    "avg": "average", "av": "average", "mean": "average", "exec": "executive", "execs": "executive",
    "prev": "previous", "prior": "previous", "last": "previous", "lastperiod": "previous",
    "h": "hour", "hr": "hour", "hrs": "hour", "d": "day", "cancelled": "cancellation", "canceled": "cancellation",
    "cancellations": "cancellation", "cancelation": "cancellation", "cancellation": "cancellation",
    "resp": "response", "esc": "escalation", "escalated": "escalation", "mtg": "meeting", "mtgs": "meeting",
    "freq": "frequency", "adopt": "adoption", "sat": "satisfaction", "pct": "", "percent": "", "percentage": "",
    "num": "", "number": "", "no": "", "count": "", "of": "", "the": "", "total": "", "score": "", "ratio": "",
    "usd": "", "amount": "",
}
# A metric's everyday names, as the sorted words they reduce to -> its schema path.
SYNONYMS = {
    ("dau", "mau"): "usage.dau_mau_ratio", ("stickiness",): "usage.dau_mau_ratio",
    ("nps",): "engagement.nps_score", ("net", "promoter"): "engagement.nps_score",
    ("csat",): "engagement.csat_score", ("customer", "satisfaction"): "engagement.csat_score",
    ("support", "ticket"): "engagement.support_ticket_volume", ("ticket",): "engagement.support_ticket_volume",
    ("contact",): "relationship.multi_threading_depth", ("contact", "engaged"): "relationship.multi_threading_depth",
    ("stakeholder",): "relationship.multi_threading_depth", ("executive", "sponsor"):
        "relationship.executive_sponsor_engagement",
    ("average", "resolution"): "support.avg_resolution_hours", ("average", "hour", "resolution"):
        "support.avg_resolution_hours", ("hour", "resolution"): "support.avg_resolution_hours",
    ("dau", "mau", "change"): "usage_decline.dau_mau_change", ("change", "nps"): "engagement_drop.nps_change",
    ("cancellation", "meeting"): "engagement_drop.meeting_cancellations",
}
_SPLIT = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


def words_key(name: str) -> Tuple[str, ...]:
    """The sorted words a header says, undecorated.

    >>> words_key("Avg Resolution (h)"), words_key("avg_resolution_hours"), words_key("# Meetings Cancelled?")
    (('average', 'hour', 'resolution'), ('average', 'hour', 'resolution'), ('cancellation', 'meeting'))
    >>> words_key("Prev Usage Score"), words_key("Usage Score (prev)"), words_key("DAU/MAU %")
    (('previous', 'usage'), ('previous', 'usage'), ('dau', 'mau'))
    """
    spaced = _CAMEL.sub(r"\1 \2", name).lower()
    words = []
    for word in _SPLIT.split(spaced):
        if not word:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word not in WORDS:
            word = word[:-1]  # a plural: the schema's words are singular
        word = WORDS.get(word, word)
        if word:
            words.append(word)
    return tuple(sorted(words))


def metric_keys(path: str) -> Tuple[Tuple[str, ...], ...]:
    """The keys a schema path is known by: its metric name's words (with `previous` for the previous
    period's scores), and each everyday name of SYNONYMS.

    >>> metric_keys("previous_period.usage_score")
    (('previous', 'usage'),)
    """
    section, _, metric = path.rpartition(".")
    own = words_key(metric) if section != "previous_period" else tuple(sorted(words_key(metric) + ("previous",)))
    keys = [own]
    keys += [key for key, target in SYNONYMS.items() if target == path and key != own]
    return tuple(keys)
