"""Rendering primitives shared by every report: money, shares, tables, escaping.

Untrusted text (names, ids) passes through `terminal`, `md`, `html_text` or
`csv_cell` on its way out, whatever the format.
"""

import csv
import html
import io
import json
import re
import textwrap
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from csm.figures import number_words
from csm.words import plural

WIDTH = 80

MARKDOWN_SPECIALS = "\\`*_[]|~#"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A bare URL (http://, https://, ftp://, www.) that GitHub would make a live link: a word
# joiner (U+2060, invisible) after its scheme keeps it plain text.
_LINK_START = "(?i:(?:https?|ftp)(?=://)|www(?=\\.))"
_MARKDOWN_SPECIAL = re.compile("[<>&" + re.escape(MARKDOWN_SPECIALS) + "]")
_LINK = re.compile(_LINK_START)
WORD_JOINER = "\u2060"
# What a terminal, a spreadsheet or an editor would act on rather than show: C0 and C1
# control characters (ESC, BEL, NUL, CR ...), DEL, line and paragraph separators, and the
# bidirectional overrides and isolates (RLO can make a name read backwards).
_CONTROL = "\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[{_CONTROL}]")
_CONTROLS_OR_NEWLINE = re.compile(f"[{_CONTROL}\n]")
_MARKDOWN_ESCAPES = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;",
                                   **{special: "\\" + special for special in MARKDOWN_SPECIALS}})


def money_short(amount: float) -> str:
    """Return an amount in a short form for charts and headlines.

    >>> money_short(2400000), money_short(64000), money_short(950)
    ('$2.4M', '$64K', '$950')
    """
    if amount >= 1_000_000:
        return f"${amount / 1_000_000:.1f}M"
    if amount >= 10_000:
        return f"${amount / 1000:.0f}K"
    if amount >= 1000:
        return f"${amount / 1000:.1f}K"
    return f"${amount:.0f}"


def pct(value: Optional[float]) -> str:
    """Return a percentage with one decimal.

    >>> pct(33.333)
    '33.3%'
    """
    return "n/a" if value is None else f"{value:.1f}%"


def score(value: Optional[float]) -> str:
    """Return a score with one decimal, or n/a.

    >>> score(61.55), score(None)
    ('61.5', 'n/a')
    """
    return "n/a" if value is None else f"{value:.1f}"


def terminal(text: str, limit: Optional[int] = None) -> str:
    """Return untrusted text safe for a terminal line: control characters escaped, optionally cut.

    >>> terminal("Acme\\x1b[31m")
    'Acme\\\\u001b[31m'
    """
    if not text.isprintable():
        text = json.dumps(text)[1:-1]
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)] + "~"
    return text


def _escaped(found):
    return f"\\u{ord(found.group()):04x}"


def escape_controls(text: str, keep_newlines: bool = True) -> str:
    """Return text with control characters and bidi overrides written as \\uXXXX (newlines kept or not).

    The last pass of every text, markdown and HTML report (cli.render), so that no
    text from a methodology or an input reaches a terminal raw, whatever view made it.

    >>> escape_controls("Acme\\x1b[2J\\u202eevil\\n")
    'Acme\\\\u001b[2J\\\\u202eevil\\n'
    """
    pattern = _CONTROLS if keep_newlines else _CONTROLS_OR_NEWLINE
    return pattern.sub(_escaped, text) if pattern.search(text) else text


def md(text: Any) -> str:
    """Return untrusted text safe inside markdown (tables included): no markup, no HTML.

    >>> md("A|B *bold* <script>")
    'A\\\\|B \\\\*bold\\\\* &lt;script&gt;'
    >>> md("see https://x.example and www.y.example") == "see https\\u2060://x.example and www\\u2060.y.example"
    True
    """
    if type(text) is not str:
        text = str(text)
    # Printable text (its only whitespace is the space) with single spaces inside and none
    # at the ends is already what " ".join(text.split()) makes of it: most cells are.
    if not (text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "):
        text = " ".join(text.split())
        if not text.isprintable():
            text = "".join(ch.translate(_MARKDOWN_ESCAPES) if ch.isprintable() else " " for ch in text)
            return _LINK.sub(_joined, text)
    if _MARKDOWN_SPECIAL.search(text):
        text = text.translate(_MARKDOWN_ESCAPES)
    if "." in text or "://" in text:  # the cheap test first: most cells have neither
        return _LINK.sub(_joined, text)
    return text


def _joined(found):
    return found.group() + WORD_JOINER


def html_text(text: Any) -> str:
    """Return untrusted text escaped for HTML element content and attributes.

    >>> html_text('<b>"x"</b>')
    '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True)


def csv_cell(value):
    """Return a value for a CSV cell; text that a spreadsheet would run as a formula gets a leading quote.

    Control characters and bidi overrides are written as \\uXXXX (a newline is kept).

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(-5.0), csv_cell(None), csv_cell("A\\x07\\u202eB")
    ("'=HYPERLINK(1)", -5.0, '', 'A\\\\u0007\\\\u202eB')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.isprintable():
            value = escape_controls(value)  # ESC, BEL, NUL, RLO ... as \uXXXX; a newline stays in its quoted cell
        if value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_text(header, rows):
    """Return a CSV document: the header, then each row, every cell through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_line(row: Iterable[Any]) -> str:
    """Return one CSV row (with its newline), every cell through csv_cell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def wrap(text: str, indent: str = "", width: int = WIDTH, first: Optional[str] = None) -> List[str]:
    """Return text wrapped to width as lines, each starting with indent (the first with `first`).

    >>> wrap("Do: call the sponsor", indent="    ", width=12, first="  ")
    ['  Do: call', '    the', '    sponsor']
    """
    first = indent if first is None else first
    return (_wrap_words(text, indent, width, first)
            or textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                             break_long_words=True, break_on_hyphens=False) or [first.rstrip()])


def _wrap_words(text, indent, width, first):
    """Return what textwrap.wrap returns in `wrap`, for the common case; None for any other.

    The common case: printable text (so its only whitespace is the space), no
    space at either end, room for a character after each indent. Then textwrap's
    greedy fill comes down to: cut at the last space that fits and drop the run of
    spaces there, or, when the next word is longer than a whole line, fill the line
    with its start. Same lines as textwrap (tests/test_damage.py checks them
    against it on random text), at a fraction of its cost on a large report.
    """
    if not (text and text.isprintable() and text[0] != " " and text[-1] != " "
            and width - len(first) >= 1 and width - len(indent) >= 1):
        return None
    lines = []
    rest = text
    prefix = first
    while True:
        room = width - len(prefix)
        if len(rest) <= room:
            lines.append(prefix + rest)
            return lines
        cut = rest.rfind(" ", 0, room + 1)
        if cut > 0:
            start = cut + 1  # where the next line starts: the word after this run of spaces
            if cut < room:
                end = rest.find(" ", start)
                if (len(rest) if end == -1 else end) - start > room:
                    cut = -1  # that word is longer than a line
            else:
                while rest[start] == " ":
                    start += 1
        if cut > 0:
            lines.append(prefix + rest[:cut].rstrip(" "))
            rest = rest[start:]
        else:  # a word longer than a line: the line is filled with its start, as textwrap does
            lines.append(prefix + rest[:room])
            rest = rest[room:]
        prefix = indent


def text_table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str, width: int = WIDTH) -> List[str]:
    """Return a plain-text table as lines; `align` is a string of l/r per column.

    The widest left-aligned column is cut (with ~) so the table fits in `width`.

    >>> text_table(["Class", "Accounts"], [["Green", "4"]], "lr")
    ['Class  Accounts', 'Green         4']
    """
    cells = [[str(cell) for cell in row] for row in [header] + list(rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    total = sum(widths) + 2 * (len(widths) - 1)
    if total > width:
        lefts = [i for i, a in enumerate(align) if a == "l"]
        if lefts:
            widest = max(lefts, key=lambda i: widths[i])
            widths[widest] = max(len(header[widest]), widths[widest] - (total - width))
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            if len(cell) > widths[i]:
                cell = cell[: max(1, widths[i] - 1)] + "~"
            parts.append(cell.ljust(widths[i]) if align[i] == "l" else cell.rjust(widths[i]))
        lines.append("  ".join(parts).rstrip())
    return lines


def md_table(header: Iterable[Any], rows: Iterable[Iterable[Any]], align: str) -> List[str]:
    """Return a markdown table as lines; cells must already be escaped with md()."""
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = [md_row(header), md_row(marks[a] for a in align)]
    lines.extend(map(md_row, rows))
    return lines


def md_row(cells: Iterable[Any]) -> str:
    """Return one row of a markdown table (cells escaped with md() already).

    >>> md_row(["a", 1])
    '| a | 1 |'
    """
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def rule(char: str = "=", width: int = WIDTH) -> str:
    return char * width


def as_of_words(report: Dict[str, Any]) -> str:
    """The run's date as every header says it, naming the book as its source when the book gave it.

    >>> as_of_words({"as_of": "2026-11-22", "as_of_source": "book"})
    "2026-11-22 (the book's date)"
    >>> as_of_words({"as_of": "2026-11-22", "as_of_source": "option"})
    '2026-11-22'
    """
    return report["as_of"] + (" (the book's date)" if report.get("as_of_source") == "book" else "")


def title_line(left: str, right: str, width: int = WIDTH) -> str:
    """Return a heading with `right` flush to the right margin.

    >>> title_line("Customer Health Report", "as of 2026-11-22", 40)
    'Customer Health Report  as of 2026-11-22'
    """
    gap = max(2, width - len(left) - len(right))
    return left + " " * gap + right


def unlisted_words(unlisted: int) -> str:
    """The line that counts the rejected records a report does not list (past csm.limits.REJECTED_LISTED)."""
    return f"and {unlisted:,} more rejected records, counted but not listed"


def rejected_text(rejected: List[Dict[str, Any]], unlisted: int = 0) -> List[str]:
    """Return the "Rejected records" section of a text report as lines (none when nothing was rejected).

    `unlisted`: how many more were rejected than the list holds (the report's rejected_not_listed)."""
    if not rejected:
        return []
    lines = [f"Rejected records ({len(rejected) + unlisted})", rule("-")]
    for entry in rejected:
        where = entry["location"] + (f" ({terminal(entry['customer_id'], 30)})" if entry["customer_id"] else "")
        for problem in entry["errors"]:
            lines += wrap(f"{where}: {terminal(problem)}", indent="    ", first="  ")
    if unlisted:
        lines.append(f"  {unlisted_words(unlisted)}")
    return lines


def rejected_markdown(rejected: List[Dict[str, Any]], unlisted: int = 0) -> List[str]:
    """Return the "Rejected records" section of a markdown report as lines (none when nothing was rejected)."""
    if not rejected:
        return []
    lines = [f"## Rejected records ({len(rejected) + unlisted})", ""]
    for entry in rejected:
        where = md(entry["location"]) + (f" ({md(entry['customer_id'])})" if entry["customer_id"] else "")
        for problem in entry["errors"]:
            lines.append(f"- {where}: {md(problem)}")
    if unlisted:
        lines.append(f"- {unlisted_words(unlisted)}")
    lines.append("")
    return lines


OWNER_COLUMNS = ["owner", "fields_kept"]  # the last columns of every tool's csv


def why_line(parts: Iterable[str]) -> List[str]:
    """Return the short form of an account's reasons: "Why: a; b", as many parts as fit one line (one at least).

    >>> why_line(["Usage -7.0", "Support -3.5"])
    ['  Why: Usage -7.0; Support -3.5']
    """
    parts = list(parts)
    while len(parts) > 1 and len("  Why: " + "; ".join(parts)) > WIDTH:
        parts.pop()
    return wrap("Why: " + "; ".join(parts), indent="       ", first="  ")


def path_words(found: Dict[str, Any]) -> str:
    """Return an account's path to its next class or tier (csm.score.path) in words, or why there is none.

    A health path's points are added (+), a risk path's taken off (-).

    >>> move = {"label": "Login frequency", "from": 60, "to": 63, "points": 0.6}
    >>> path_words({"moves": [move], "score": 70.0, "classification": "green", "why": None})
    'Login frequency from 60 to 63 (+0.6); score 70.0'
    >>> path_words({"moves": None, "score": 38.2, "tier": "high", "why": "even every influenceable metric ..."})
    'none within reach: even every influenceable metric ...'
    """
    if found["moves"] is None:
        return f"none within reach: {found['why']}"
    sign = "-" if "tier" in found else "+"
    moves = "; ".join(f"{terminal(move['label'], 40)} from {_value_words(move['from'])} to "
                      f"{_value_words(move['to'])} ({sign}{move['points']:.1f})" for move in found["moves"])
    return f"{moves}; score {found['score']:.1f}"


def path_line(found: Optional[Dict[str, Any]], target_words: str) -> List[str]:
    """Return the one line of an account's path to its next class or tier in a text report ([] without one):
    as many moves as fit 80 columns, the rest counted.

    >>> move = {"label": "Login frequency", "from": 60, "to": 63, "points": 0.6}
    >>> path_line({"moves": [move], "score": 70.0, "classification": "green", "why": None}, "green")
    ['  Path to green: Login frequency from 60 to 63 (+0.6); score 70.0']
    """
    if found is None or found["moves"] is None:
        return []
    moves = list(found["moves"])
    line = ""
    for shown in range(len(moves), 0, -1):
        more = f"; +{len(moves) - shown} more" if shown < len(moves) else ""
        words = path_words(dict(found, moves=moves[:shown]))
        line = f"  Path to {target_words}: {words.rsplit('; score ', 1)[0]}{more}; score {found['score']:.1f}"
        if len(line) <= WIDTH:
            break
    return [terminal(line)[:WIDTH]]


def _value_words(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number_words(value, 2)
    return terminal(str(value), 30)


def owner_parts(result: Dict[str, Any], with_owner: bool = True) -> List[Tuple[str, str]]:
    """Return [(label, text)]: the account's owner, then the columns a map kept (fields_kept), as text.

    >>> owner_parts({"owner": "Dana", "fields_kept": {"Region": "EMEA", "Seats": 12, "Plan": None}})
    [('Owner', 'Dana'), ('Region', 'EMEA'), ('Seats', '12'), ('Plan', '')]
    """
    parts = []
    owner = result.get("owner")
    if owner and with_owner:
        parts.append(("Owner", owner))
    for column, value in (result.get("fields_kept") or {}).items():
        shown_value = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        parts.append((str(column), shown_value))
    return parts


def owner_words(result: Dict[str, Any]) -> str:
    """Return ", owner NAME" for an account's identity line in a text report ('' without an owner).

    >>> owner_words({"owner": "Dana"}), owner_words({"owner": None})
    (', owner Dana', '')
    """
    owner = result.get("owner")
    return f", owner {terminal(owner, 40)}" if owner else ""


def owner_text(result: Dict[str, Any], indent: str = "  ") -> List[str]:
    """Return the text lines naming the columns a map kept ([] without them); the owner is on the
    identity line (owner_words).

    >>> owner_text({"owner": "Dana", "fields_kept": {"Region": "EMEA"}})
    ['  Region: EMEA']
    """
    parts = owner_parts(result, with_owner=False)
    if not parts:
        return []
    return wrap("; ".join(f"{terminal(label, 40)}: {terminal(value, 60)}" for label, value in parts),
                indent=indent + "  ", first=indent)


def owner_markdown(result: Dict[str, Any]) -> List[str]:
    """Return the markdown line naming the owner and the kept columns ([] without them)."""
    parts = owner_parts(result)
    if not parts:
        return []
    return ["- " + " · ".join(f"{md(label)}: {md(value)}" for label, value in parts)]


def owner_html(result: Dict[str, Any]) -> str:
    """Return the owner and kept columns as escaped HTML ('' without them)."""
    parts = owner_parts(result)
    return " · ".join(f"{html_text(label)}: {html_text(value)}" for label, value in parts)


def owner_cells(result: Dict[str, Any]) -> List[Optional[str]]:
    """The csv cells of OWNER_COLUMNS: the owner, and the kept columns as a JSON object (or empty)."""
    kept = result.get("fields_kept")
    return [result.get("owner"), json.dumps(kept, ensure_ascii=False) if kept else None]


def account_tail(actions: Sequence[str], missing: Sequence[str], notes: Iterable[str],
                 limit: Optional[int] = None) -> List[str]:
    """Return the closing lines of an account in a text report: its actions, missing data and notes.

    `limit`: at most this many actions, the rest counted (csm.focus: three unless --detail).

    >>> account_tail(["Call the sponsor."], ["usage.dau_mau_ratio"], [])
    ['  Do:  Call the sponsor.', '  Missing: usage.dau_mau_ratio', '']
    >>> account_tail(["One.", "Two."], [], [], limit=1)
    ['  Do:  One. (+1 more)', '']
    """
    lines = []
    hidden = 0
    if limit is not None and len(actions) > limit:
        actions, hidden = actions[:limit], len(actions) - limit
    for position, action in enumerate(actions, 1):
        more = f" (+{hidden} more)" if hidden and position == len(actions) else ""
        lines += wrap(f"Do:  {action}{more}", indent="       ", first="  ")
    if missing:
        lines += wrap("Missing: " + ", ".join(missing), indent="       ", first="  ")
    for note in notes:
        lines += wrap(f"Note: {terminal(note)}", indent="       ", first="  ")
    lines.append("")
    return lines


def account_tail_markdown(actions: Sequence[str], missing: Sequence[str], completeness: float, notes: Iterable[str],
                          limit: Optional[int] = None) -> List[str]:
    """Return the closing lines of an account in a markdown report: actions, missing data, notes.

    >>> account_tail_markdown(["Call the sponsor."], [], 100.0, [])
    ['- Do: Call the sponsor.', '']
    """
    hidden = 0
    if limit is not None and len(actions) > limit:
        actions, hidden = actions[:limit], len(actions) - limit
    lines = [f"- Do: {md(action)}" for action in actions]
    if hidden:
        lines.append(f"- ... and {plural(hidden, 'more action')} (--detail, or --format json)")
    if missing:  # a field outside the score's weight (a renewal date) leaves it 100% complete: not said beside it
        complete = f" ({pct(completeness)} complete)" if completeness < 100 else ""
        lines.append(f"- Missing data{complete}: " + md(", ".join(missing)))
    lines += [f"- Note: {md(note)}" for note in notes]
    lines.append("")
    return lines


class Pieces:
    """A text report written a piece at a time: its head, its accounts' lines, its tail.

    The same text as "\\n".join(head + every account's lines + tail) + "\\n", but
    never held whole: iterating renders the accounts a batch at a time. str() joins it.

    >>> str(Pieces(["Title"], [1, 2], lambda n: [f"account {n}"], ["Rejected: none"]))
    'Title\\naccount 1\\naccount 2\\nRejected: none\\n'
    """

    BATCH = 4096  # lines per piece

    def __init__(self, head, accounts, account_lines, tail):
        self.head = head
        self.accounts = accounts
        self.account_lines = account_lines
        self.tail = tail
        self.through = None

    def each_through(self, function: Callable[[str], str]) -> "Pieces":
        """Pass each piece through function (character by character, as escape_controls); return self."""
        self.through = function
        return self

    def __iter__(self):
        if self.through is None:
            return self._pieces()
        return map(self.through, self._pieces())

    def _pieces(self):
        written = False
        if self.head:
            yield "\n".join(self.head) + "\n"
            written = True
        batch = []
        for account in self.accounts:
            batch += self.account_lines(account)
            if len(batch) >= self.BATCH:
                yield "\n".join(batch) + "\n"
                batch = []
                written = True
        if batch:
            yield "\n".join(batch) + "\n"
            written = True
        if self.tail:
            yield "\n".join(self.tail) + "\n"
        elif not written:
            yield "\n"

    def __str__(self):
        return "".join(self)


class JoinedPieces(Pieces):
    """A markdown report written a piece at a time: "\\n".join of its lines, never held whole.

    `parts`, in order: lists of lines, and (accounts, account_lines) pairs whose
    accounts are rendered a batch at a time (each by account_lines(account) -> lines). The same
    text as "\\n".join of every line, with no newline added at the end. str() joins it.

    >>> str(JoinedPieces([["# Title", ""], ([1, 2], lambda n: [f"| {n} |"]), ["", "end"]]))
    '# Title\\n\\n| 1 |\\n| 2 |\\n\\nend'
    """

    def __init__(self, parts):
        super().__init__([], (), None, [])
        self.parts = parts

    def _pieces(self):
        started = False
        for lines in self._batches():
            if lines:
                yield ("\n" if started else "") + "\n".join(lines)
                started = True

    def _batches(self):
        for part in self.parts:
            if isinstance(part, list):
                yield part
                continue
            accounts, account_lines = part
            batch = []
            for account in accounts:
                batch += account_lines(account)
                if len(batch) >= self.BATCH:
                    yield batch
                    batch = []
            yield batch


def markdown_pieces(lines: List[str], report: Dict[str, Any], account_row: Callable[[Dict[str, Any]], List[str]],
                    heading: str, account_markdown: Callable[[Dict[str, Any]], List[str]]) -> JoinedPieces:
    """Return a markdown report as JoinedPieces: `lines` (ending in the accounts table's head), a
    row of that table per account (account_row(result) -> lines), the `heading` of the accounts'
    sections, each account's section (account_markdown(result) -> lines), then the rejected."""
    return JoinedPieces([lines, (report["customers"], account_row), ["", heading, ""],
                         (report["customers"], account_markdown), rejected_markdown(report["rejected"], report.get("rejected_not_listed", 0))])


def accounts_pieces(lines: List[str], report: Dict[str, Any], account_text: Callable[[Dict[str, Any]], List[str]],
                    heading: str = "Accounts, most urgent first") -> Pieces:
    """Return a text report as Pieces: the summary `lines`, the accounts' heading, each account, the rejected.

    The accounts are written a batch at a time (Pieces), each by account_text(result).
    """
    return Pieces(lines + ["", heading, rule("-")], report["customers"], account_text,
                  rejected_text(report["rejected"], report.get("rejected_not_listed", 0)))


