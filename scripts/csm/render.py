"""Rendering primitives shared by every report: money, shares, tables, escaping.

Untrusted text (names, ids) passes through `terminal`, `md`, `html_text` or
`csv_cell` on its way out, whatever the format.
"""

import csv
import html
import io
import json
import textwrap

WIDTH = 80

MARKDOWN_SPECIALS = "\\`*_[]|~#"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money(amount):
    """Return an amount as whole dollars with thousands separators.

    >>> money(1234567.4), money(-50)
    ('$1,234,567', '-$50')
    """
    if amount is None:
        return "n/a"
    rounded = int(round(amount))
    return f"-${-rounded:,}" if rounded < 0 else f"${rounded:,}"


def money_short(amount):
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


def plural(count, word, many=None):
    """Return a count with its noun.

    >>> plural(1, "account"), plural(3, "account")
    ('1 account', '3 accounts')
    """
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def pct(value):
    """Return a percentage with one decimal.

    >>> pct(33.333)
    '33.3%'
    """
    return "n/a" if value is None else f"{value:.1f}%"


def score(value):
    """Return a score with one decimal, or n/a.

    >>> score(61.55), score(None)
    ('61.5', 'n/a')
    """
    return "n/a" if value is None else f"{value:.1f}"


def terminal(text, limit=None):
    """Return untrusted text safe for a terminal line: control characters escaped, optionally cut.

    >>> terminal("Acme\\x1b[31m")
    'Acme\\\\u001b[31m'
    """
    if not text.isprintable():
        text = json.dumps(text)[1:-1]
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)] + "~"
    return text


def md(text):
    """Return untrusted text safe inside markdown (tables included): no markup, no HTML.

    >>> md("A|B *bold* <script>")
    'A\\\\|B \\\\*bold\\\\* &lt;script&gt;'
    """
    text = " ".join(str(text).split())
    out = []
    for ch in text:
        if ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "&":
            out.append("&amp;")
        elif ch in MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def html_text(text):
    """Return untrusted text escaped for HTML element content and attributes.

    >>> html_text('<b>"x"</b>')
    '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True)


def csv_cell(value):
    """Return a value for a CSV cell; text that a spreadsheet would run as a formula gets a leading quote.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(-5.0), csv_cell(None)
    ("'=HYPERLINK(1)", -5.0, '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
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


def csv_line(row):
    """Return one CSV row (with its newline), every cell through csv_cell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def wrap(text, indent="", width=WIDTH, first=None):
    """Return text wrapped to width as lines, each starting with indent (the first with `first`)."""
    first = indent if first is None else first
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def text_table(header, rows, align, width=WIDTH):
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


def md_table(header, rows, align):
    """Return a markdown table as lines; cells must already be escaped with md()."""
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return lines


def rule(char="=", width=WIDTH):
    return char * width


def title_line(left, right, width=WIDTH):
    """Return a heading with `right` flush to the right margin.

    >>> title_line("Customer Health Report", "as of 2026-11-22", 40)
    'Customer Health Report  as of 2026-11-22'
    """
    gap = max(2, width - len(left) - len(right))
    return left + " " * gap + right


def rejected_text(rejected):
    """Return the "Rejected records" section of a text report as lines (none when nothing was rejected)."""
    if not rejected:
        return []
    lines = [f"Rejected records ({len(rejected)})", rule("-")]
    for entry in rejected:
        where = entry["location"] + (f" ({terminal(entry['customer_id'], 30)})" if entry["customer_id"] else "")
        for problem in entry["errors"]:
            lines += wrap(f"{where}: {terminal(problem)}", indent="    ", first="  ")
    return lines


def rejected_markdown(rejected):
    """Return the "Rejected records" section of a markdown report as lines (none when nothing was rejected)."""
    if not rejected:
        return []
    lines = [f"## Rejected records ({len(rejected)})", ""]
    for entry in rejected:
        where = md(entry["location"]) + (f" ({md(entry['customer_id'])})" if entry["customer_id"] else "")
        for problem in entry["errors"]:
            lines.append(f"- {where}: {md(problem)}")
    lines.append("")
    return lines
