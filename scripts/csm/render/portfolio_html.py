"""The portfolio report as one self-contained HTML file: inline CSS and SVG, no script, nothing from the network.

The six views of csm.report.views, with charts drawn here (health mix by ARR, ARR by
risk tier, renewals by quarter and tier, expansion pipeline by type). Customer text
goes through `html_text` wherever it lands.
"""

import math
from typing import Any, Dict

from csm.config.churn import TIERS
from csm.config.health import CLASSES
from csm.figures import money
from csm.render import brief
from csm.render import changes as changes_views
from csm.render import coverage as coverage_views
from csm.render.common import as_of_words, html_text, money_short, owner_html, pct, score, unlisted_words
from csm.words import plural
from csm.render.portfolio_words import (ANALYSIS_WORDS, MIX_HEADER, PIPELINE_HEADER, QUARTER_HEADER, TITLE,
                                        TREND_GROUPS, analysis_notes, book_rows, forecast_words, headline, mix_rows,
                                        more_words, opportunity_words, pipeline_rows, quarter_rows, renewal_short,
                                        renewal_tail_words, rest_words, retention_words, section_title, shown_items,
                                        top_opportunities, trend_cells)
from csm.render.expansion import OPPORTUNITY_ALIGN, OPPORTUNITY_HEADER, opportunity_list_cells

ESCAPED_CELLS = (1, 2, 4, 8)  # of opportunity_list_cells: the account, owner, opportunity and why, through _h

CLASS_COLOURS = {"green": "#2f9e44", "yellow": "#e8a317", "red": "#d9480f"}
TIER_COLOURS = {"critical": "#b42318", "high": "#e8590c", "medium": "#f0b429", "low": "#2f9e44"}
READY_COLOUR = "#1971c2"
ON_HOLD_COLOUR = "#a5b4c4"


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained file, inline CSS and SVG, nothing from the network

STYLE = """
@page { margin: 14mm; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2933; background: #fff; max-width: 1180px; margin: 0 auto; padding: 28px 32px; }
header { border-bottom: 3px solid #1f2933; margin-bottom: 18px; padding-bottom: 8px; }
h1 { font-size: 26px; margin: 0; }
.sub { color: #52606d; margin: 2px 0 0; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #cbd2d9; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid #d9e2ec; border-radius: 6px; padding: 10px 12px; background: #f8fafc; }
.kpi .label { font-size: 12px; color: #52606d; text-transform: uppercase; letter-spacing: .03em; }
.kpi .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.kpi .note { font-size: 12px; color: #52606d; }
.kpi.good .value { color: #2b8a3e; } .kpi.bad .value { color: #c92a2a; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 14px 22px; }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; font-family: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 14px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid #9aa5b1; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600;
  color: #fff; white-space: nowrap; }
.t-critical { background: #b42318; } .t-high { background: #e8590c; } .t-medium { background: #b7791f; }
.t-low, .t-green { background: #2f9e44; } .t-yellow { background: #b7791f; } .t-red { background: #d9480f; }
.t-expansion, .t-monitor { background: #1971c2; }
.t-act-today { background: #b42318; } .t-this-week { background: #e8590c; } .t-this-month { background: #b7791f; }
.d { white-space: nowrap; }
span.good { color: #2b8a3e; font-weight: 600; } span.bad { color: #c92a2a; font-weight: 600; }
.note { color: #52606d; font-size: 13px; }
.muted { color: #7b8794; }
.id { color: #7b8794; white-space: nowrap; }
ul.plain { padding-left: 18px; }
@media print {
  body { padding: 0; font-size: 11px; max-width: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .kpi, h3, p.note { break-inside: avoid; page-break-inside: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  .kpi { background: none; }
}
"""


def _h(text):
    return html_text(text)


def _tag(word):
    return f'<span class="tag t-{_h(word.replace(" ", "-"))}">{_h(word)}</span>'


def _verdict_cell(name, value, retention):
    """A measure's value; NRR and GRR coloured against their benchmark (met: green, below: red)."""
    figure = retention.get(name.lower()) if retention is not None and name in ("NRR", "GRR") else None
    if figure is None:
        return _h(value)
    return f'<span class="{"good" if figure["meets_benchmark"] else "bad"}">{_h(value)}</span>'


def _html_account(entry):
    owner = owner_html(entry)
    owner = f' <span class="id">{owner}</span>' if owner else ""
    return f'{_h(entry["name"])} <span class="id">{_h(entry["customer_id"])}</span>{owner}'


def _html_table(header, rows, align, total_last=False):
    """Return an HTML table; cells are HTML already (escaped by the caller); align: l/r per column."""
    def cls(i):
        return ' class="n"' if align[i] == "r" else ""
    out = ["<table>", "<thead><tr>" + "".join(f"<th{cls(i)}>{_h(cell)}</th>" for i, cell in enumerate(header))
           + "</tr></thead>", "<tbody>"]
    for position, row in enumerate(rows):
        total = ' class="total"' if total_last and position == len(rows) - 1 else ""
        out.append(f"<tr{total}>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _kpi(label, value, note="", verdict=None):
    kind = "" if verdict is None else (" good" if verdict else " bad")
    return (f'<div class="kpi{kind}"><div class="label">{_h(label)}</div><div class="value">{_h(value)}</div>'
            f'<div class="note">{_h(note)}</div></div>')


def _svg_text(x, y, words, anchor="start", size=12, weight="normal", fill="#1f2933"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}">{_h(words)}</text>')


def hbar_chart(title, rows, legend=()):
    """Return an inline SVG of horizontal (optionally stacked) bars.

    rows: [(label, [(value, colour), ...], value_words)]; legend: [(label, colour)].
    """
    longest = max([len(label) for label, _, _ in rows] + [4])
    label_width, bar_width, value_width, row_height = 16 + 7 * longest, 250, 130, 30
    top = 8 + (24 if legend else 0)
    width = label_width + bar_width + value_width
    height = top + row_height * len(rows) + 8
    largest = max([sum(value for value, _ in parts) for _, parts, _ in rows] + [0])
    out = [f'<svg role="img" aria-label="{_h(title)}" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}">', f"<title>{_h(title)}</title>"]
    x = 0
    for label, colour in legend:
        out.append(f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{colour}"/>')
        out.append(_svg_text(x + 17, 16, label, size=12))
        x += 28 + 7 * len(label)
    for index, (label, parts, words) in enumerate(rows):
        y = top + index * row_height
        out.append(_svg_text(label_width - 8, y + 19, label, anchor="end", size=13))
        out.append(f'<rect x="{label_width}" y="{y + 5}" width="{bar_width}" height="20" fill="#f0f4f8"/>')
        x = float(label_width)
        for value, colour in parts:
            length = bar_width * value / largest if largest else 0
            if length > 0:
                out.append(f'<rect x="{x:.1f}" y="{y + 5}" width="{length:.1f}" height="20" fill="{colour}"/>')
            x += length
        out.append(_svg_text(label_width + bar_width + 8, y + 19, words, size=12))
    out.append("</svg>")
    return "\n".join(out)


def nice_step(largest, ticks=4):
    """Return a round axis step (1, 2, 2.5 or 5 x a power of ten) that covers `largest` in about `ticks` steps.

    >>> nice_step(1156000), nice_step(90), nice_step(0)
    (500000, 25, 1)
    """
    if largest <= 0:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            step = multiple * magnitude
            return int(step) if step == int(step) else step
    return 10 * magnitude  # pragma: no cover - the loop always returns


def column_chart(title, columns, series):
    """Return an inline SVG of stacked columns.

    columns: [(label, {series_key: value}, total_words)]; series: [(key, label, colour)] in legend
    order, the first stacked on top.
    """
    left, plot_width, plot_height, top, bottom = 64, 440, 200, 40, 26
    width = left + plot_width + 12
    height = top + plot_height + bottom
    totals = [sum(values.values()) for _, values, _ in columns]
    step = nice_step(max(totals + [0]))
    steps = max(1, math.ceil(max(totals + [0]) / step))
    largest = step * steps
    out = [f'<svg role="img" aria-label="{_h(title)}" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}">', f"<title>{_h(title)}</title>"]
    x = 0
    for _, label, colour in series:
        out.append(f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{colour}"/>')
        out.append(_svg_text(x + 17, 16, label, size=12))
        x += 28 + 7 * len(label)
    base = top + plot_height
    for tick in range(steps + 1):
        value = step * tick
        y = base - plot_height * tick / steps
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        out.append(_svg_text(left - 6, y + 4, money_short(value), anchor="end", size=11, fill="#52606d"))
    slot = plot_width / max(1, len(columns))
    bar = min(70.0, slot * 0.6)
    for index, (label, values, words) in enumerate(columns):
        x = left + slot * index + (slot - bar) / 2
        y = float(base)
        for key, _, colour in reversed(series):
            value = values.get(key, 0)
            length = plot_height * value / largest if largest else 0
            if length > 0:
                y -= length
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{length:.1f}" fill="{colour}"/>')
        out.append(_svg_text(x + bar / 2, y - 5, words, anchor="middle", size=11, weight="600"))
        out.append(_svg_text(x + bar / 2, base + 16, label, anchor="middle", size=12))
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_width}" y2="{base}" stroke="#9aa5b1"/>')
    out.append("</svg>")
    return "\n".join(out)


def _charts(views):
    book = views["book"]
    health_mix = book["health_mix"]
    risk_mix = book["risk_mix"]
    health_chart = hbar_chart(
        "Health mix by ARR",
        [(klass.capitalize(), [(health_mix[klass]["arr"], CLASS_COLOURS[klass])],
          f"{plural(health_mix[klass]['count'], 'account')} · {money_short(health_mix[klass]['arr'])} · "
          f"{pct(health_mix[klass]['share_of_arr'])}")
         for klass in CLASSES])
    risk_chart = hbar_chart(
        "ARR by churn risk tier",
        [(tier.capitalize(), [(risk_mix[tier]["arr"], TIER_COLOURS[tier])],
          f"{money_short(risk_mix[tier]['arr'])} · {plural(risk_mix[tier]['count'], 'account')}")
         for tier in TIERS])
    renewals = views["renewals"]
    columns = [(q["quarter"], {tier: q["tiers"][tier]["arr"] for tier in TIERS}, money_short(q["arr"]))
               for q in renewals["quarters"]]
    lapsed = renewals["lapsed"]
    columns.append(("Lapsed", {tier: lapsed["tiers"][tier]["arr"] for tier in TIERS}, money_short(lapsed["arr"])))
    renewal_chart = column_chart("Renewals by quarter and risk tier (ARR due)", columns,
                                 [(tier, tier.capitalize(), TIER_COLOURS[tier]) for tier in TIERS])
    pipeline = views["expansion"]["pipeline"]
    pipeline_chart = hbar_chart(
        "Expansion pipeline by type",
        [(line["type"], [(line["ready_revenue"], READY_COLOUR), (line["on_hold_revenue"], ON_HOLD_COLOUR)],
          f"{money_short(line['estimated_revenue'])} · {line['count']}") for line in pipeline.values()],
        legend=(("Ready now", READY_COLOUR), ("On hold", ON_HOLD_COLOUR)))
    figures = (("Health mix by ARR", health_chart), ("ARR by churn risk tier", risk_chart),
               ("Renewals by quarter and risk tier (ARR due)", renewal_chart),
               ("Expansion pipeline by type (revenue, opportunities)", pipeline_chart))
    return ('<div class="charts">' + "".join(f"<figure><figcaption>{_h(caption)}</figcaption>{svg}</figure>"
                                             for caption, svg in figures) + "</div>")


def _html_more(hidden):
    return f'<p class="note">{_h(more_words(hidden))}</p>' if hidden else ""


def html(report: Dict[str, Any], model: Any) -> str:
    """Return the report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched."""
    if report["report"] == "account_brief":
        return brief.html(report)
    views = report["views"]
    limit = model.max_rows
    book = views["book"]
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_h(TITLE)} as of {_h(report['as_of'])}</title>", f"<style>{STYLE}</style>", "</head>",
           "<body>", "<header>", f"<h1>{_h(TITLE)}</h1>",
           f'<p class="sub">As of {_h(as_of_words(report))} · methodology {_h(report["methodology"])} '
           f'(hash {_h(report["methodology_hash"])}) · {_h(changes_views.basis_words(report))} · '
           f'{_h(headline(report))}</p>']
    out += [coverage_views.html(report["summary"])] if "coverage" in report["summary"] else []
    out.append("</header>")
    account = changes_views.account_cell(_html_account, report)  # with its score history drawn, when there is one
    summary = report["summary"]
    if "changes" in summary:
        out.append(changes_views.html(summary["changes"], account_cell=account))

    # The call list comes first in the HTML, where a VP looks (its number keeps the order of the other formats).
    out.append(f"<section><h2>{_h(section_title(5, report))}</h2>")
    shown, hidden = shown_items(views["action_list"], limit)
    if shown:
        out.append(_html_table(["#", "Account", "Urgency", "ARR", "Why", "Do"],
                               [[str(e["rank"]), account(e), _tag(e["urgency"]), money(e["arr"]),
                                 "<br>".join(_h(reason) for reason in e["reasons"]), _h(e["action"])]
                                for e in shown], "rllrll"))
    else:
        out.append('<p class="note">Nobody needs a call this week on these figures.</p>')
    out.append(_html_more(hidden) + rest_words(views, _h, "<p class=\"note\">{}</p>") + "</section>")
    out.append(f"<section><h2>{_h(section_title(0, report))}</h2>")
    kpis = [_kpi("Accounts", f"{book['accounts']:,}",
                 f"{book['rejected_count']:,} rejected records" if book["rejected_count"] else "all records scored"),
            _kpi("ARR", money_short(book["total_arr"]), money(book["total_arr"]))]
    average = book["average_health"]
    if average is not None:
        kpis.append(_kpi("Average health", score(average["value"]),
                         f"target {average['benchmark']:g}; ARR-weighted {score(book['arr_weighted_health'])}",
                         average["meets_benchmark"]))
    kpis.append(_kpi("ARR at risk", money_short(book["arr_at_risk"]),
                     f"{pct(book['arr_at_risk_share'])} of ARR, {plural(book['accounts_at_risk'], 'account')}"))
    kpis.append(_kpi("Expansion ready now", money_short(book["expansion_ready_potential"]),
                     f"qualified; whitespace {money_short(book['expansion_potential'])}"))
    retention = book["retention"]
    if retention is not None:
        for key in ("nrr", "grr"):
            figure = retention[key]
            kpis.append(_kpi(key.upper(), pct(figure["value"]), f"target {figure['benchmark']:g}%",
                             figure["meets_benchmark"]))
    out.append('<div class="kpis">' + "".join(kpis) + "</div>")
    out.append(_html_table(["Measure", "Value"], [[_h(name), _verdict_cell(name, value, retention)]
                                                  for name, value in book_rows(book)], "ll"))
    if retention is not None:
        out.append(f'<p class="note">{_h(retention_words(retention))}.</p>')
    else:
        out.append('<p class="note">NRR and GRR need a top-level "retention" object in the portfolio '
                   "(starting_arr, expansion_arr, contraction_arr, churned_arr): see the tool's --help.</p>")
    out.append(_charts(views))
    out.append("<h3>Churn risk mix</h3>"
               + _html_table(["Risk"] + MIX_HEADER,
                             [[_tag(row[0].lower())] + [_h(c) for c in row[1:]]
                              for row in mix_rows(book["risk_mix"], TIERS)], "lrrrr")
               + "</section>")
    if "by_owner" in summary:
        out.append("<section><h2>Owners' books</h2><p class=\"sub\">Load 1.00 is a full book by the segment "
                   "coverage ratios.</p>" + _html_table(*changes_views.owners_views.html_rows(summary["by_owner"]))
                   + "</section>")

    out.append(f"<section><h2>{_h(section_title(1, report))}</h2>")
    shown, hidden = shown_items(views["this_week"], limit)
    if shown:
        out.append(_html_table(
            ["Account", "Risk", "ARR", "Renewal", "Why", "First action"],
            [[account(e), f"{_tag(e['risk_tier'])} {score(e['risk_score'])}", money(e["arr"]),
              f'<span class="d">{_h(renewal_short(e["days_to_renewal"], e["contract_end_date"]))}</span>',
              "<br>".join(_h(reason) for reason in e["reasons"]), _h(e["first_action"])] for e in shown],
            "llrlll"))
    else:
        out.append('<p class="note">No account is at critical or high churn risk.</p>')
    out.append(_html_more(hidden) + "</section>")

    renewals = views["renewals"]
    out.append(f"<section><h2>{_h(section_title(2, report))}</h2>")
    out.append(_html_table(QUARTER_HEADER, [[_h(cell) for cell in row] for row in quarter_rows(renewals)],
                           "llrrrrrrrr", total_last=True))
    out.append(f'<p class="note">{_h(forecast_words(renewals))}</p>')
    lapsed = renewals["lapsed"]
    out.append(f"<h3>Lapsed renewals: {_h(plural(lapsed['count'], 'account'))}, {_h(money(lapsed['arr']))}</h3>")
    if lapsed["accounts"]:
        out.append(_html_table(["Account", "ARR", "Contract ended", "Overdue", "Risk"],
                               [[account(e), money(e["arr"]), f'<span class="d">{_h(e["contract_end_date"])}</span>',
                                 f"{e['days_overdue']:,} days", f"{_tag(e['risk_tier'])} {score(e['risk_score'])}"]
                                for e in lapsed["accounts"]], "lrlrl"))
    out.append(f'<p class="note">{_h(renewal_tail_words(renewals))}</p></section>')

    out.append(f"<section><h2>{_h(section_title(3, report))}</h2>")
    out.append(f'<p class="note">{_h(changes_views.basis_words(report).capitalize())}.</p>')
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        out.append(f"<h3>{_h(label)}: {len(entries)}</h3>")
        shown, hidden = shown_items(entries, limit)
        if shown:
            out.append(_html_table(["Account", "ARR", "Health now", "Previous", "Change"],
                                   [[account(e), money(e["arr"])] + [_h(c) for c in trend_cells(e)]
                                    for e in shown], "lrllr"))
        else:
            out.append('<p class="note">None.</p>')
        out.append(_html_more(hidden))
    out.append("</section>")

    expansion_view = views["expansion"]
    out.append(f"<section><h2>{_h(section_title(4, report))}</h2>")
    ready = expansion_view["ready_now"]
    out.append(f"<h3>Ready for a conversation now: {_h(plural(len(ready), 'account'))}, "
               f"{_h(money(expansion_view['ready_revenue']))}</h3>")
    shown, hidden = shown_items(ready, limit)
    if shown:
        out.append(_html_table(["Account", "ARR", "Ready revenue", "Start with", "Revenue"],
                               [[account(e), money(e["arr"]), money(e["ready_revenue"]),
                                 opportunity_words(e["top_opportunity"], _h),
                                 money(e["top_opportunity"]["estimated_revenue"])] for e in shown], "lrrlr"))
    else:
        out.append('<p class="note">None.</p>')
    out.append(_html_more(hidden))
    out.append("<h3>Pipeline by type</h3>")
    out.append(_html_table(PIPELINE_HEADER, [[cell if i == 0 else _h(cell) for i, cell in enumerate(row)]
                                             for row in pipeline_rows(expansion_view, _h)], "lrrrr", total_last=True))
    heading, rows = top_opportunities(report)
    out.append(f"<h3>{_h(heading)}</h3>")
    if rows:  # the cells opportunity_list_cells leaves as they are (numbers, vocabulary) are escaped here
        out.append(_html_table(OPPORTUNITY_HEADER, [[cell if i in ESCAPED_CELLS else _h(cell) for i, cell in enumerate(row)]
                                                    for row in opportunity_list_cells(rows, _h)], OPPORTUNITY_ALIGN))
    waiting = expansion_view["stabilise_first"]
    out.append(f"<h3>Not ready yet (renew first, stabilise first, or readiness unknown): "
               f"{_h(plural(len(waiting), 'account'))}, "
               f"{_h(money(expansion_view['on_hold_revenue']))} on hold</h3>")
    shown, hidden = shown_items(waiting, limit)
    if shown:
        out.append(_html_table(["Account", "ARR", "On hold", "Status", "Why"],
                               [[account(e), money(e["arr"]), money(e["total_estimated_revenue"]),
                                 _h(e["status"]), "<br>".join(_h(reason) for reason in e["reasons"])]
                                for e in shown], "lrrll"))
    else:
        out.append('<p class="note">None.</p>')
    out.append(_html_more(hidden) + "</section>")


    notes = analysis_notes(report)
    if notes:
        out.append(f"<section><h2>Accounts an analysis could not score ({len(notes)})</h2><ul class=\"plain\">")
        for result, name, messages in notes:
            out.append(f"<li>{account(result)}: {_h(ANALYSIS_WORDS[name])}: {_h('; '.join(messages))}</li>")
        out.append("</ul></section>")
    if report["rejected"]:
        unlisted = report.get("rejected_not_listed", 0)
        out.append(f"<section><h2>Rejected records ({len(report['rejected']) + unlisted})</h2><ul class=\"plain\">")
        for entry in report["rejected"]:
            where = _h(entry["location"]) + (f" ({_h(entry['customer_id'])})" if entry["customer_id"] else "")
            for problem in entry["errors"]:
                out.append(f"<li>{where}: {_h(problem)}</li>")
        if unlisted:
            out.append(f"<li>{_h(unlisted_words(unlisted))}</li>")
        out.append("</ul></section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
