"""How "What changed since <date>" reads, per account its trajectory and lifecycle stage, in every format.

The blocks of `changes` (see that module) for text, markdown and HTML, shared by
every tool's views; the HTML adds inline SVG (no script): a small line of each
listed account's score history, and the book's band mix over time as stacked bars.
Untrusted text (ids, names) is escaped on its way out, as everywhere.
"""

from typing import Any, Callable, Dict, List, Optional

from csm.render import coverage as coverage_views, owners as owners_views
from csm.render.common import as_of_words, html_text, md, rule, score, terminal, title_line, wrap
from csm.values import printable

LIST_LIMIT = 10  # ids named per list in text and markdown (JSON lists all)

# How each analysis' red-flag list reads.
DROP_WORDS = {
    "health": "Health fell more than {drop:g} points",
    "churn": "Churn risk rose more than {drop:g} points",
    "expansion": "Expansion potential fell more than {drop:g}%",
}
BAND_COLOURS = {"green": "#2f9e44", "yellow": "#f2b705", "red": "#d64545",
                "low": "#2f9e44", "medium": "#f2b705", "high": "#e8590c", "critical": "#c92a2a",
                "ready": "#2f9e44", "stabilise first": "#d64545"}


def _ids(ids, escape, limit=LIST_LIMIT):
    shown = ", ".join(escape(customer_id) for customer_id in ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"{shown}{more}" if ids else "none"


def _moves(changes, escape):
    parts = []
    for before, targets in changes["moved"].items():
        for after, ids in targets.items():
            parts.append(f"{escape(before)} -> {escape(after)} {len(ids)} ({_ids(ids, escape, 5)})")
    return "; ".join(parts) or "none"


def _drop_value(value, name):
    return f"${value:,.0f}" if name == "expansion" else score(value)


def heading(changes):
    """The block's title: `What changed since <date>`, or why there is nothing to compare yet."""
    if changes["since"] is None:
        return "What changed: nothing to compare with yet"
    return f"What changed since {changes['since']}"


def _lines(changes, escape):
    """(label, words) pairs of the block, escaped with `escape`."""
    if changes["since"] is None:
        return [("Note", changes.get("note", ""))]
    name = changes["analysis"]
    drops = changes["drops"]
    dropped = ", ".join(f"{escape(d['customer_id'])} {_drop_value(d['previous_score'], name)} -> "
                        f"{_drop_value(d['score'], name)}" for d in drops[:LIST_LIMIT])
    if len(drops) > LIST_LIMIT:
        dropped += f" and {len(drops) - LIST_LIMIT} more"
    pairs = [(DROP_WORDS[name].format(drop=changes["red_flag_drop"]) + f" ({len(drops)})", dropped or "none"),
             ("Moved", _moves(changes, escape)),
             ("Recovered", _ids(changes["recovered"], escape))]
    if name == "churn" or changes["new_lapsed"]:  # only churn (and the report) read renewal dates
        pairs.append(("Newly lapsed", _ids(changes["new_lapsed"], escape)))
    pairs.append(("Accounts", f"{len(changes['new_accounts'])} new, {len(changes['gone'])} gone"
                  + (f" ({_ids(changes['gone'], escape, 5)})" if changes["gone"] else "")))
    basis = changes.get("trend_basis")
    if basis:
        pairs.append(("Trends from", f"history {basis['history']}, previous_period {basis['previous_period']}"))
    return pairs


def basis_words(report: Dict[str, Any]) -> str:
    """The run's one trend basis in words, for every format's header (no customer text in it).

    >>> basis_words({"trend_basis": {"source": "previous_period", "since": None}})
    "trends against the export's previous period"
    >>> basis_words({"trend_basis": {"source": "history", "since": "2026-11-15"}})
    'trends against the stored run of 2026-11-15 (history)'
    """
    basis = report["trend_basis"]
    if basis["source"] == "previous_period":
        return "trends against the export's previous period"
    where = "history" if basis["source"] == "history" else "--compare"
    return f"trends against the stored run of {basis['since']} ({where})"


def _source(changes):
    return "the history" if changes["source"] == "history" else "the earlier output"


def text(changes):
    """Return the block as text lines (80 columns)."""
    lines = [f"{heading(changes)} (from {_source(changes)})"]
    for label, words in _lines(changes, lambda t: printable(t, 30)):
        lines += wrap(f"{label}: {words}", indent="    ", first="  ")
    return lines


def changes_text(summary: Dict[str, Any]) -> List[str]:
    """The summary's "What changed" block for a text report, after a blank line (none without changes)."""
    return [""] + text(summary["changes"]) if "changes" in summary else []


def changes_markdown(summary: Dict[str, Any]) -> List[str]:
    """The summary's "What changed" block for a markdown report (none without changes)."""
    return markdown(summary["changes"]) if "changes" in summary else []


def owners_text(summary: Dict[str, Any]) -> List[str]:
    """The summary's owners' books for a text report, after a blank line (none without owners)."""
    return [""] + owners_views.text(summary["by_owner"]) if "by_owner" in summary else []


def owners_markdown(summary: Dict[str, Any]) -> List[str]:
    """The summary's owners' books for a markdown report (none without owners)."""
    return owners_views.markdown(summary["by_owner"]) if "by_owner" in summary else []


def markdown(changes, level="##"):
    """Return the block as markdown lines, a blank line after it."""
    lines = [f"{level} {heading(changes)}", "", f"From {_source(changes)}.", ""]
    lines += [f"- **{md(label)}:** {words}" for label, words in _lines(changes, md)]
    return lines + [""]


def html(changes: Dict[str, Any], account_cell: Optional[Callable[[Dict[str, Any]], str]] = None) -> str:
    """Return the block as an HTML section: the lists, the dropped accounts with their history drawn
    (`account_cell(entry)` writes an account's cell; see account_cell), the mix over time as stacked bars."""
    items = "".join(f"<li><b>{html_text(label)}:</b> {words}</li>" for label, words in _lines(changes, html_text))
    parts = [f"<section><h2>{html_text(heading(changes))}</h2>",
             f"<p class=\"sub\">From {html_text(_source(changes))}.</p><ul>{items}</ul>"]
    if changes["drops"] and account_cell is not None:
        name = changes["analysis"]
        rows = "".join(f"<tr><td>{account_cell(entry)}</td><td class=\"n\">{_drop_value(entry['previous_score'], name)}"
                       f"</td><td class=\"n\">{_drop_value(entry['score'], name)}</td>"
                       f"<td class=\"n\">{entry['change']:+g}</td></tr>" for entry in changes["drops"])
        parts.append("<table><thead><tr><th>Account (history)</th><th class=\"n\">Was</th><th class=\"n\">Now</th>"
                     f"<th class=\"n\">Change</th></tr></thead><tbody>{rows}</tbody></table>")
    if len(changes["mix_over_time"]) > 1:
        parts.append(f"<figure><figcaption>{html_text(changes['analysis'].capitalize())} mix over time "
                     f"(share of accounts)</figcaption>{mix_chart(changes['mix_over_time'])}</figure>")
    parts.append("</section>")
    return "".join(parts)


def account_cell(plain_cell: Callable[[Dict[str, Any]], str],
                 report: Dict[str, Any]) -> Callable[[Dict[str, Any]], str]:
    """Return a function writing an account's HTML cell: `plain_cell(entry)`, then its score history as a
    small SVG line when the run has one (the health trajectory in the portfolio report)."""
    tracks = {}
    for result in report["customers"]:
        part = result.get("health") if "health" in result else result
        trajectory = part.get("trajectory") if isinstance(part, dict) else None
        if trajectory is not None and len(trajectory["scores"]) > 1:
            tracks[result["customer_id"]] = trajectory
    if not tracks:
        return plain_cell

    def cell(entry):
        return plain_cell(entry) + " " + sparkline(tracks.get(entry["customer_id"]))
    return cell


def account_text(result: Dict[str, Any], indent: str = "  ") -> List[str]:
    """Lines of an account's trajectory and lifecycle stage for a text report (none when it has neither)."""
    lines = []
    words = trajectory_words(result.get("trajectory"))
    if words:
        lines += wrap(f"History: {words}", indent=indent + "         ", first=indent)
    words = stage_words(result.get("lifecycle"))
    if words:
        lines += wrap(f"Stage: {words}", indent=indent + "       ", first=indent)
    return lines


def account_markdown(result: Dict[str, Any]) -> List[str]:
    """Markdown bullet lines of an account's trajectory and lifecycle stage."""
    lines = []
    words = trajectory_words(result.get("trajectory"))
    if words:
        lines.append(f"- History: {md(words)}")
    words = stage_words(result.get("lifecycle"))
    if words:
        lines.append(f"- Stage: {md(words)}")
    return lines


def trajectory_words(trajectory):
    """`72.0 (11-01) > 65.0 (11-08) > 40.1 now; -24.9 since 2026-11-08, -23.4 per 30 days`, or None."""
    if not trajectory or len(trajectory["scores"]) < 2:
        return None
    points = trajectory["scores"]
    trail = " > ".join(f"{point['score']:g} ({point['as_of'][5:]})" for point in points[:-1])
    words = f"{trail} > {points[-1]['score']:g} now"
    if trajectory["change"] is not None:
        words += f"; {trajectory['change']:+g} since {trajectory['since']}"
    if trajectory["change_per_30_days"] is not None:
        words += f", {trajectory['change_per_30_days']:+g} per 30 days"
    return words


def stage_words(stage):
    """`adoption, day 104 of contract year 1; goals: usage reviews, build champions`, or None."""
    if not stage:
        return None
    if stage["stage"] == "not_started":
        return f"not started (the contract starts in {-stage['day']} days)"
    words = f"{stage['stage']}, day {stage['day']} of contract year {stage['contract_year']}"
    if stage["goals"]:
        words += "; goals: " + ", ".join(stage["goals"])
    return words


def sparkline(trajectory, width=120, height=28, top=100.0):
    """Return an inline SVG line of a trajectory's scores (0 to `top`), or "" with fewer than two points."""
    if not trajectory or len(trajectory["scores"]) < 2:
        return ""
    points = trajectory["scores"]
    top = max([top] + [point["score"] for point in points]) or 1.0
    step = (width - 8) / (len(points) - 1)
    xy = [(4 + i * step, height - 4 - (height - 8) * max(0.0, point["score"]) / top) for i, point in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    last_x, last_y = xy[-1]
    label = "; ".join(f"{point['as_of']}: {point['score']:g}" for point in points)
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{html_text(label)}"><title>{html_text(label)}</title>'
            f'<polyline fill="none" stroke="#3b5bdb" stroke-width="1.5" points="{path}"/>'
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="#3b5bdb"/></svg>')


def mix_chart(mix_over_time, width=560, bar_height=18):
    """Return an inline SVG of the band mix (share of accounts) of each snapshot as stacked bars."""
    label_width = 90
    rows = []
    bands = []
    for entry in mix_over_time:
        for band in entry["bands"]:
            if band not in bands:
                bands.append(band)
    height = (bar_height + 6) * len(mix_over_time) + 30
    for row, entry in enumerate(mix_over_time):
        y = row * (bar_height + 6)
        total = sum(figures["count"] for figures in entry["bands"].values()) or 1
        x = float(label_width)
        rows.append(f'<text x="0" y="{y + bar_height - 5}" font-size="12">{html_text(entry["as_of"])}</text>')
        for band in bands:
            count = entry["bands"].get(band, {"count": 0})["count"]
            if not count:
                continue
            w = (width - label_width) * count / total
            rows.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                        f'fill="{BAND_COLOURS.get(band, "#868e96")}"><title>{html_text(band)}: '
                        f'{count}</title></rect>')
            x += w
    legend_y = height - 10
    x = label_width
    for band in bands:
        rows.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" '
                    f'fill="{BAND_COLOURS.get(band, "#868e96")}"/>'
                    f'<text x="{x + 14}" y="{legend_y}" font-size="12">{html_text(band)}</text>')
        x += 20 + 8 * len(band)
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="Health mix over time"><title>Mix over time (share of accounts)</title>'
            + "".join(rows) + "</svg>")


def header_text(title: str, report: dict, headline: str) -> List[str]:
    """A tool's text header: title and date, the headline, the methodology and the trend basis, the coverage
    (when the book lacks part of a model) and what changed."""
    summary = report["summary"]
    lines = [title_line(title, f"as of {as_of_words(report)}"), rule()]
    lines += wrap(headline)
    lines += wrap(f"Methodology: {terminal(report['methodology'], 60)} (hash {report['methodology_hash']}); "
                  f"{basis_words(report)}")
    lines += coverage_views.text(summary)
    lines += changes_text(summary)
    return lines


def header_markdown(title: str, report: dict, headline: str) -> List[str]:
    """A tool's markdown header: the title, one line of date, methodology, trend basis and headline, the
    coverage (when partial) and what changed."""
    summary = report["summary"]
    lines = [f"# {title}", "",
             f"As of {as_of_words(report)} · methodology {md(report['methodology'])} "
             f"(hash {report['methodology_hash']}) · {basis_words(report)} · {md(headline)}", ""]
    lines += coverage_views.markdown(summary)
    lines += changes_markdown(summary)
    return lines
