"""How owners' books read (`summary.by_owner`): one compact table, the fullest books first.

The columns are what the tool knows (see `owners`): accounts, ARR and load always;
the health mix, ARR at risk and renewals due, expansion potential, and the changes
when the run has history. Owner names are escaped on their way out.
"""

from typing import Any, Dict, List

from csm.render.common import html_text, md, md_table, money_short, terminal, text_table


def _order(by_owner):
    """Owners by load (the fullest first), then name; the unassigned group last."""
    owned = sorted(((key, book) for key, book in by_owner.items() if book["owner"]),
                   key=lambda item: (-item[1]["load"], item[0]))
    return owned + [(key, book) for key, book in by_owner.items() if not book["owner"]]


def _columns(by_owner):
    """(header, align, cell(book) -> text) of the columns this rollup has."""
    sample = next(iter(by_owner.values()))
    columns = [("Accounts", "r", lambda b: str(b["accounts"])),
               ("ARR", "r", lambda b: money_short(b["arr"])),
               ("Load", "r", lambda b: "-" if b["load"] is None else f"{b['load']:.2f}"
                + (" over" if b["over_capacity"] else ""))]
    if "health_mix" in sample:
        columns.append(("G/Y/R", "r", lambda b: "{green}/{yellow}/{red}".format(**b["health_mix"])))
    if "arr_at_risk" in sample:
        columns.append(("At risk", "r", lambda b: money_short(b["arr_at_risk"])))
        days = sample["renewals_due"]["days"]
        columns.append((f"Due {days}d", "r", lambda b: str(b["renewals_due"]["count"])))
    if "expansion_potential" in sample:
        columns.append(("Potential", "r", lambda b: money_short(b["expansion_potential"])))
    if "changes" in sample:
        columns.append(("Dropped", "r", lambda b: str(len(b["changes"]["dropped"]))))
    return columns


def _rows(by_owner, escape):
    columns = _columns(by_owner)
    header = ["Owner"] + [name for name, _, _ in columns]
    rows = [[escape(key)] + [cell(book) for _, _, cell in columns] for key, book in _order(by_owner)]
    return header, rows, "l" + "".join(align for _, align, _ in columns)


def _over(by_owner):
    over = [key for key, book in _order(by_owner) if book["over_capacity"]]
    return over


def text(by_owner: Dict[str, Dict[str, Any]]) -> List[str]:
    """Return the owners' table as text lines (80 columns)."""
    if not by_owner:
        return []
    header, rows, align = _rows(by_owner, lambda key: terminal(key, 24))
    lines = ["Owners' books (load 1.00 = a full book by segment coverage)"]
    lines += text_table(header, rows, align)
    over = _over(by_owner)
    if over:
        lines.append("Over capacity: " + ", ".join(terminal(key, 24) for key in over))
    return lines


def markdown(by_owner: Dict[str, Dict[str, Any]], level: str = "##") -> List[str]:
    """Return the owners' table as markdown lines."""
    if not by_owner:
        return []
    header, rows, align = _rows(by_owner, md)
    lines = [f"{level} Owners' books", "", "Load 1.00 is a full book by the segment coverage ratios.", ""]
    lines += md_table(header, rows, align)
    over = _over(by_owner)
    if over:
        lines += ["", "**Over capacity:** " + ", ".join(md(key) for key in over)]
    return lines + [""]


def html_rows(by_owner):
    """Return (header, rows of escaped HTML cells, align) of the owners' table, for an HTML table."""
    return _rows(by_owner, html_text)


