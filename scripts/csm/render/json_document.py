"""The JSON a tool writes: compact, fixed key order, one account per line, never NaN.

`encode(value)` is the one encoder of report JSON and JSON Lines; `chunks(report)`
yields a report document a batch of accounts at a time, so it is never held whole
beside the results it is made from. The layout keeps `grep` and line diffs useful
on a large book.
"""

import json
from typing import Iterator

# Compact (no space after `,` and `:`): a large book's file is smaller and one account
# per line stays readable to grep and jq. Results are plain data built by the analyses,
# never holding themselves, so the check for circular references is left out.
_ENCODER = json.JSONEncoder(allow_nan=False, check_circular=False, separators=(",", ":"))
encode = _ENCODER.encode

BATCH = 512  # accounts encoded per piece of a document
LISTS = ("customers", "rejected")  # the top-level lists written one item per line


def chunks(report: dict) -> Iterator[str]:
    """Yield the report as JSON in pieces: each top-level key on a line, each account of its lists on one.

    >>> "".join(chunks({"report": "x", "customers": [{"id": 1}, {"id": 2}], "rejected": []}))
    '{\\n"report": "x",\\n"customers": [\\n{"id":1},\\n{"id":2}\\n],\\n"rejected": []\\n}\\n'
    """
    opening = "{\n"
    for key, value in report.items():
        if key in LISTS and isinstance(value, list) and value:
            yield f'{opening}"{key}": [\n'
            last = len(value) - 1
            for start in range(0, len(value), BATCH):
                batch = value[start:start + BATCH]
                ending = ",\n" if start + len(batch) <= last else "\n]"
                yield ",\n".join(map(encode, batch)) + ending
        else:
            yield f'{opening}"{key}": ' + encode(value)
        opening = ",\n"
    yield "\n}\n"


def document(report: dict) -> str:
    """Return the whole report as JSON (chunks joined)."""
    return "".join(chunks(report))


def indented(value: object) -> str:
    """Return a small document (the fitter's report) as JSON indented by two spaces, with a final newline."""
    return json.dumps(value, indent=2) + "\n"
