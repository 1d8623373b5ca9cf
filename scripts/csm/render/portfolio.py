"""How the portfolio report reads: QBR-ready markdown, one self-contained HTML file, 80-column text.

Every format shows the six views of `portfolio.cross_views` in order. The HTML is
one file with no script and nothing from the network: inline CSS, and inline SVG
charts drawn here (health mix by ARR, ARR by risk tier, renewals by quarter and
tier, expansion pipeline by type). Customer text goes through `md`, `html_text`
or `terminal` wherever it lands.
"""

import math

from csm.report import brief, focus
from csm.render import changes as changes_views
from csm.config.churn import TIERS
from csm.config.health import CLASSES
from csm.figures import money
from csm.words import people_name
from csm.render.common import (html_text, md, md_table, money_short, owner_html, owner_parts, pct, plural, rejected_markdown, rejected_text, rule, score, terminal, text_table, title_line, WIDTH, wrap)

TITLE = "Portfolio Report"
SECTIONS = ("1. The book at a glance", "2. Critical and high churn risk", "3. Renewals, next four quarters",
            "4. Trends", "5. Expansion", "6. Action list: who to call this week")

CLASS_COLOURS = {"green": "#2f9e44", "yellow": "#e8a317", "red": "#d9480f"}
TIER_COLOURS = {"critical": "#b42318", "high": "#e8590c", "medium": "#f0b429", "low": "#2f9e44"}
READY_COLOUR = "#1971c2"
ON_HOLD_COLOUR = "#a5b4c4"


# ---------------------------------------------------------------------------------------------
# Words every format shares (no customer text in them unless the caller escapes it)

def _section_title(index, report):
    title = SECTIONS[index]
    if index == 2:
        count = len(report["views"]["renewals"]["quarters"])
        title = title.replace("four", _count_word(count))
    return title


def _count_word(count):
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    return words.get(count, str(count))


def _headline(report):
    book = report["views"]["book"]
    words = (f"{plural(book['accounts'], 'account')}, {money(book['total_arr'])} ARR "
             f"({money_short(book['total_arr'])})")
    listed = focus.summary_words(report["summary"])
    return f"{words}; {listed}" if listed else words


def _benchmark_words(figure, suffix=""):
    verdict = "met" if figure["meets_benchmark"] else "below"
    return f"target {figure['benchmark']:g}{suffix}: {verdict}"


def book_rows(book, retention_hint=True):
    """Return the book at a glance as (measure, value) pairs; the values hold no customer text."""
    rows = [("Accounts", f"{book['accounts']:,}" + (f" ({book['rejected_count']:,} rejected records)"
                                                     if book["rejected_count"] else "")),
            ("ARR", f"{money(book['total_arr'])} ({money_short(book['total_arr'])})")]
    average = book["average_health"]
    if average is None:
        rows.append(("Health", "no account could be scored"))
    else:
        rows.append(("Average health", f"{score(average['value'])} ({_benchmark_words(average)}); "
                                       f"ARR-weighted {score(book['arr_weighted_health'])}"))
    rows.append(("ARR at risk", f"{money(book['arr_at_risk'])} ({pct(book['arr_at_risk_share'])} of ARR) in "
                                f"{plural(book['accounts_at_risk'], 'critical or high risk account')}"))
    rows.append(("Expansion ready now", f"{money(book['expansion_ready_potential'])} qualified pipeline "
                                        f"(ready accounts and opportunities); whitespace "
                                        f"{money(book['expansion_potential'])} in "
                                        f"{plural(book['opportunities'], 'opportunity', 'opportunities')}"))
    retention = book["retention"]
    if retention is None:
        missing = "not available: the portfolio has no top-level retention object" if retention_hint else "n/a"
        rows += [("NRR", missing), ("GRR", missing)]
    else:
        period = _period_words(retention)
        for key in ("nrr", "grr"):
            figure = retention[key]
            rows.append((key.upper(), f"{pct(figure['value'])} ({_benchmark_words(figure, '%')}){period}"))
    scored = book["accounts_scored"]
    if any(count != book["accounts"] for count in scored.values()):
        rows.append(("Scored by", ", ".join(f"{name} {count:,}" for name, count in scored.items())
                     + f" of {book['accounts']:,} accounts"))
    return rows


def _period_words(retention):
    start, end = retention["period_start"], retention["period_end"]
    if start and end:
        return f", {start} to {end}"
    if start or end:
        return f", period {'from ' + start if start else 'to ' + end}"
    return ""


def retention_words(retention):
    """The retention figures a reader can check NRR and GRR against."""
    return (f"Starting ARR {money(retention['starting_arr'])} + expansion {money(retention['expansion_arr'])} "
            f"- contraction {money(retention['contraction_arr'])} - churned {money(retention['churned_arr'])} "
            f"= {money(retention['ending_arr'])}")


def mix_rows(mix, names):
    return [[name.capitalize(), mix[name]["count"], pct(mix[name]["share_of_accounts"]), money(mix[name]["arr"]),
             pct(mix[name]["share_of_arr"])] for name in names]


MIX_HEADER = ["Accounts", "% accounts", "ARR", "% ARR"]


def mix_sentences(mix):
    """e.g. 'Green: 8 accounts (40.0%), $1.2M ARR (45.0%)'."""
    return [f"{name.capitalize()}: {plural(c['count'], 'account')} ({pct(c['share_of_accounts'])}), "
            f"{money_short(c['arr'])} ARR ({pct(c['share_of_arr'])})" for name, c in mix.items()]


def renewal_short(days, end_date):
    """The renewal date in a table cell.

    >>> renewal_short(18, "2026-12-10"), renewal_short(-21, "2026-11-01"), renewal_short(None, None)
    ('2026-12-10 (18 days)', 'lapsed 2026-11-01 (21 days ago)', 'unknown')
    """
    if days is None:
        return "unknown"
    if days < 0:
        return f"lapsed {end_date} ({-days:,} day{'s' if days != -1 else ''} ago)"
    return f"{end_date} ({days:,} day{'s' if days != 1 else ''})"


def _tier_cell(tally):
    return f"{tally['count']} · {money_short(tally['arr'])}" if tally["count"] else "-"


def quarter_rows(renewals):
    rows = []
    for quarter in renewals["quarters"] + [dict(renewals["total"], quarter="Total", start=None)]:
        dates = f"{quarter['start']} to {quarter['end']}" if quarter["start"] else ""
        rows.append([quarter["quarter"], dates, quarter["count"], money(quarter["arr"])]
                    + [_tier_cell(quarter["tiers"][tier]) for tier in TIERS]
                    + [money(quarter["forecast_arr"]), pct(quarter["forecast_share"])])
    return rows


QUARTER_HEADER = ["Quarter", "Dates", "Due", "ARR due", "Critical", "High", "Medium", "Low", "Forecast", "%"]


def forecast_words(renewals):
    probabilities = renewals["renewal_probability"]
    words = ("Forecast = ARR due x the probability of renewal of its risk tier ("
             + ", ".join(f"{tier} {probabilities[tier] * 100:g}%" for tier in TIERS) + "). ")
    if renewals["probabilities_are_assumptions"]:
        words += ("These probabilities are assumptions, not calibrated by a backtest; set your own with "
                  "--config (report.renewal_probability). ")
    else:
        words += f"Probabilities: {renewals['renewal_probability_source']}. "
    return words + f"Quarters are {renewals['quarter_rule']}; lapsed renewals are not in the forecast."


def renewal_tail_words(renewals):
    later, unknown = renewals["later"], renewals["unknown_date"]
    last = renewals["quarters"][-1]["quarter"] if renewals["quarters"] else "the last quarter"
    words = (f"Renewing after {last}: {plural(later['count'], 'account')}, {money(later['arr'])}. "
             f"Renewal date unknown: {plural(unknown['count'], 'account')}, {money(unknown['arr'])}.")
    if renewals["not_in_churn_analysis"]:
        words += f" Not in the churn analysis: {plural(len(renewals['not_in_churn_analysis']), 'account')}."
    return words


def trend_cells(entry):
    previous = entry["previous_overall_score"]
    change = entry["change"]
    was = f"{score(previous)} {entry['previous_classification']}" if previous is not None else "n/a"
    return [f"{score(entry['overall_score'])} {entry['classification']}", was,
            "n/a" if change is None else f"{change:+.1f}"]


TREND_GROUPS = (("declining", "Declining"), ("falling_greens", "Greens falling"),
                ("recovering_reds", "Reds recovering"))


def opportunity_words(opportunity, escape):
    """An opportunity in a few words, its names through `escape`.

    >>> opportunity_words({"type": "Tier upgrade", "category": "tier_upgrade", "current_tier": "professional",
    ...                    "target_tier": "enterprise"}, str)
    'Tier upgrade: Professional to Enterprise'
    """
    category = opportunity["category"]
    label = escape(opportunity["type"])
    if category == "seat_expansion":
        return f"{label}: +{opportunity['additional_seats']:,} seats"
    if category == "tier_upgrade":
        return f"{label}: {escape(people_name(opportunity['current_tier']))} to {escape(people_name(opportunity['target_tier']))}"
    if category == "module_cross_sell":
        return f"{label}: {escape(people_name(opportunity['module']))}"
    return f"{label}: {escape(people_name(opportunity['department']))}"


def pipeline_rows(expansion_view, escape):
    rows = [[escape(line["type"]), line["count"], money(line["estimated_revenue"]), money(line["ready_revenue"]),
             money(line["on_hold_revenue"])] for line in expansion_view["pipeline"].values()]
    rows.append(["Total", sum(line["count"] for line in expansion_view["pipeline"].values()),
                 money(expansion_view["total_estimated_revenue"]), money(expansion_view["ready_revenue"]),
                 money(expansion_view["on_hold_revenue"])])
    return rows


PIPELINE_HEADER = ["Type", "Opportunities", "Revenue", "Ready now", "On hold"]


def _rest_words(views, escape, template="{}"):
    """The accounts the call list leaves off for capacity, in words ('' when none)."""
    rest = views.get("action_list_rest")
    if not rest or not rest["count"]:
        return ""
    return template.format(escape(f"... and {plural(rest['count'], 'more account')} ({money(rest['arr'])} ARR) "
                                  f"beyond the team's capacity of {rest['capacity']:,} calls (--capacity)."))


def _shown(items, limit):
    return items[:limit], max(0, len(items) - limit)


def _more_words(hidden):
    return f"... and {hidden:,} more (all of them in --format json)."


def _analysis_notes(report):
    notes = []
    for result in report["customers"]:
        for name, messages in result["analysis_errors"].items():
            notes.append((result, name, messages))
    return notes


ANALYSIS_WORDS = {"health": "health", "churn": "churn risk", "expansion": "expansion"}


# ---------------------------------------------------------------------------------------------
# Markdown

def _md_account(entry):
    owner = "".join(f" · {md(label)}: {md(value)}" for label, value in owner_parts(entry))
    return f"{md(entry['name'])} ({md(entry['customer_id'])}){owner}"


def markdown(report, model, limit=None):
    """Return the report as GitHub markdown, ready for a QBR deck."""
    if report["report"] == "account_brief":
        return brief.markdown(report)
    views = report["views"]
    limit = model.max_rows
    lines = [f"# {TITLE}", "",
             f"As of {report['as_of']} · methodology {md(report['methodology'])} "
             f"(hash {report['methodology_hash']}) · {md(_headline(report))}", ""]
    lines += changes_views.changes_markdown(report["summary"])
    book = views["book"]
    lines += [f"## {_section_title(0, report)}", ""]
    lines += md_table(["Measure", "Value"], [[name, md(value)] for name, value in book_rows(book)], "ll")
    if book["retention"] is not None:
        lines += ["", md(retention_words(book["retention"])) + "."]
    lines += ["", "**Health mix**", ""]
    lines += md_table(["Health"] + MIX_HEADER, mix_rows(book["health_mix"], CLASSES), "lrrrr")
    lines += ["", "**Churn risk mix**", ""]
    lines += md_table(["Risk"] + MIX_HEADER, mix_rows(book["risk_mix"], TIERS), "lrrrr")
    if "by_owner" in report["summary"]:
        lines += [""] + changes_views.owners_markdown(report["summary"])[:-1]

    lines += ["", f"## {_section_title(1, report)}", ""]
    shown, hidden = _shown(views["this_week"], limit)
    if shown:
        lines += md_table(
            ["Account", "Risk", "ARR", "Renewal", "Why", "First action"],
            [[_md_account(e), f"{e['risk_tier']} {score(e['risk_score'])}", money(e["arr"]),
              md(renewal_short(e["days_to_renewal"], e["contract_end_date"])), md("; ".join(e["reasons"])),
              md(e["first_action"])] for e in shown],
            "llrlll")
        if hidden:
            lines += ["", _more_words(hidden)]
    else:
        lines.append("No account is at critical or high churn risk.")

    renewals = views["renewals"]
    lines += ["", f"## {_section_title(2, report)}", ""]
    lines += md_table(QUARTER_HEADER, quarter_rows(renewals), "llrrrrrrrr")
    lines += ["", md(forecast_words(renewals)), ""]
    lapsed = renewals["lapsed"]
    lines += [f"**Lapsed renewals: {plural(lapsed['count'], 'account')}, {money(lapsed['arr'])}**", ""]
    if lapsed["accounts"]:
        lines += md_table(["Account", "ARR", "Contract ended", "Overdue", "Risk"],
                          [[_md_account(e), money(e["arr"]), e["contract_end_date"], f"{e['days_overdue']:,} days",
                            f"{e['risk_tier']} {score(e['risk_score'])}"] for e in lapsed["accounts"]], "lrlrl")
        lines.append("")
    lines.append(md(renewal_tail_words(renewals)))

    lines += ["", f"## {_section_title(3, report)}", ""]
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        lines += [f"**{label}: {len(entries)}**", ""]
        shown, hidden = _shown(entries, limit)
        if shown:
            lines += md_table(["Account", "ARR", "Health now", "Previous", "Change"],
                              [[_md_account(e), money(e["arr"])] + trend_cells(e) for e in shown], "lrllr")
            if hidden:
                lines += ["", _more_words(hidden)]
            lines.append("")

    expansion_view = views["expansion"]
    lines += [f"## {_section_title(4, report)}", ""]
    ready = expansion_view["ready_now"]
    lines += [f"**Ready for a conversation now: {plural(len(ready), 'account')}, "
              f"{money(expansion_view['ready_revenue'])}**", ""]
    shown, hidden = _shown(ready, limit)
    if shown:
        lines += md_table(["Account", "ARR", "Ready revenue", "Start with", "Revenue"],
                          [[_md_account(e), money(e["arr"]), money(e["ready_revenue"]),
                            opportunity_words(e["top_opportunity"], md), money(e["top_opportunity"]["estimated_revenue"])]
                           for e in shown], "lrrlr")
        if hidden:
            lines += ["", _more_words(hidden)]
        lines.append("")
    lines += ["**Pipeline by type**", ""]
    lines += md_table(PIPELINE_HEADER, pipeline_rows(expansion_view, md), "lrrrr")
    waiting = expansion_view["stabilise_first"]
    lines += ["", f"**Not ready yet (renew first, stabilise first, or readiness unknown): "
                  f"{plural(len(waiting), 'account')}, "
                  f"{money(expansion_view['on_hold_revenue'])} on hold**", ""]
    shown, hidden = _shown(waiting, limit)
    if shown:
        lines += md_table(["Account", "ARR", "On hold", "Status", "Why"],
                          [[_md_account(e), money(e["arr"]), money(e["total_estimated_revenue"]), e["status"],
                            md("; ".join(e["reasons"]))] for e in shown], "lrrll")
        if hidden:
            lines += ["", _more_words(hidden)]
        lines.append("")

    lines += [f"## {_section_title(5, report)}", ""]
    shown, hidden = _shown(views["action_list"], limit)
    if shown:
        lines += md_table(["#", "Account", "Urgency", "ARR", "Why", "Do"],
                          [[e["rank"], _md_account(e), e["urgency"], money(e["arr"]), md("; ".join(e["reasons"])),
                            md(e["action"])] for e in shown], "rllrll")
        if hidden:
            lines += ["", _more_words(hidden)]
        rest = _rest_words(views, md)
        if rest:
            lines += ["", rest]
    else:
        lines.append("Nobody needs a call this week on these figures.")
    lines.append("")

    notes = _analysis_notes(report)
    if notes:
        lines += [f"## Accounts an analysis could not score ({len(notes)})", ""]
        for result, name, messages in notes:
            lines.append(f"- {_md_account(result)}: {ANALYSIS_WORDS[name]}: {md('; '.join(messages))}")
        lines.append("")
    lines += rejected_markdown(report["rejected"])
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Text (80 columns)

def _plain_account(entry, limit=40):
    owner = "".join(f"; {terminal(value, 24)}" for _, value in owner_parts(entry))
    return f"{terminal(entry['name'], limit)} ({terminal(entry['customer_id'], 30)}{owner})"


def text(report, model, limit=None):
    """Return the report for an 80-column terminal, in the order of the markdown."""
    if report["report"] == "account_brief":
        return brief.text(report)
    views = report["views"]
    limit = model.max_rows
    lines = [title_line(TITLE, f"as of {report['as_of']}"), rule()]
    lines += wrap(f"{_headline(report)}; methodology {terminal(report['methodology'], 40)} "
                  f"(hash {report['methodology_hash']})")
    lines += changes_views.changes_text(report["summary"])
    book = views["book"]
    lines += ["", _section_title(0, report), rule("-")]
    for name, value in book_rows(book):
        lines += wrap(value, indent=" " * 22, first=f"{name + ':':<22}")
    if book["retention"] is not None:
        lines += wrap(retention_words(book["retention"]), indent=" " * 22, first=" " * 22)
    lines += [""] + text_table(["Health"] + MIX_HEADER, mix_rows(book["health_mix"], CLASSES), "lrrrr")
    lines += [""] + text_table(["Risk"] + MIX_HEADER, mix_rows(book["risk_mix"], TIERS), "lrrrr")
    lines += changes_views.owners_text(report["summary"])

    lines += ["", _section_title(1, report), rule("-")]
    shown, hidden = _shown(views["this_week"], limit)
    for e in shown:
        lines.append(f"{e['risk_tier'].upper():<9}{_plain_account(e)}"[:WIDTH])
        lines += wrap(f"{money(e['arr'])} ARR; risk {score(e['risk_score'])}; "
                      f"{renewal_short(e['days_to_renewal'], e['contract_end_date'])}"
                      + (f"; health {e['health']}" if e["health"] else ""), indent="  ")
        for reason in e["reasons"]:
            lines += wrap(f"Why: {terminal(reason)}", indent="       ", first="  ")
        lines += wrap(f"Do:  {e['first_action']}", indent="       ", first="  ")
    if hidden:
        lines += wrap(_more_words(hidden))
    if not shown:
        lines.append("No account is at critical or high churn risk.")

    renewals = views["renewals"]
    lines += ["", _section_title(2, report), rule("-")]
    lines += text_table(["Qtr", "Due", "ARR due", "Crit", "High", "Med", "Low", "Forecast"],
                        [[row[0], row[2], row[3], *row[4:8], row[8]] for row in quarter_rows(renewals)],
                        "lrrrrrrr")
    for quarter in renewals["quarters"]:
        lines.append(f"  {quarter['quarter']}: {quarter['start']} to {quarter['end']}")
    lines += wrap(forecast_words(renewals))
    lapsed = renewals["lapsed"]
    lines += ["", f"Lapsed renewals: {plural(lapsed['count'], 'account')}, {money(lapsed['arr'])}"]
    for e in lapsed["accounts"]:
        lines += wrap(f"{_plain_account(e)}: {money(e['arr'])}, ended {e['contract_end_date']} "
                      f"({e['days_overdue']:,} days ago), {e['risk_tier']} risk", indent="    ", first="  ")
    lines += wrap(renewal_tail_words(renewals))

    lines += ["", _section_title(3, report), rule("-")]
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        lines.append(f"{label}: {len(entries)}")
        shown, hidden = _shown(entries, limit)
        if shown:
            lines += text_table(["Account", "ARR", "Now", "Previous", "Change"],
                                [[_plain_account(e), money(e["arr"])] + trend_cells(e) for e in shown], "lrllr")
        if hidden:
            lines += wrap(_more_words(hidden))

    expansion_view = views["expansion"]
    lines += ["", _section_title(4, report), rule("-")]
    ready = expansion_view["ready_now"]
    lines.append(f"Ready for a conversation now: {plural(len(ready), 'account')}, "
                 f"{money(expansion_view['ready_revenue'])}")
    shown, hidden = _shown(ready, limit)
    for e in shown:
        lines += wrap(f"{_plain_account(e)}: {money(e['ready_revenue'])} ready; start with "
                      f"{opportunity_words(e['top_opportunity'], terminal)}, "
                      f"{money(e['top_opportunity']['estimated_revenue'])}", indent="    ", first="  ")
    if hidden:
        lines += wrap(_more_words(hidden))
    lines += [""] + text_table(PIPELINE_HEADER, pipeline_rows(expansion_view, terminal), "lrrrr")
    waiting = expansion_view["stabilise_first"]
    lines += ["", f"Not ready yet: {plural(len(waiting), 'account')}, "
                  f"{money(expansion_view['on_hold_revenue'])} on hold"]
    shown, hidden = _shown(waiting, limit)
    for e in shown:
        lines += wrap(f"{_plain_account(e)}: {money(e['total_estimated_revenue'])} on hold; "
                      + "; ".join(terminal(reason) for reason in e["reasons"]), indent="    ", first="  ")
    if hidden:
        lines += wrap(_more_words(hidden))

    lines += ["", _section_title(5, report), rule("-")]
    shown, hidden = _shown(views["action_list"], limit)
    for e in shown:
        lines.append(f"{e['rank']:>2}. {e['urgency'].upper():<11}{_plain_account(e)}"[:WIDTH])
        lines += wrap(f"{money(e['arr'])} ARR; why: " + "; ".join(terminal(reason) for reason in e["reasons"]),
                      indent="      ", first="    ")
        lines += wrap(f"Do: {terminal(e['action'])}", indent="      ", first="    ")
    if hidden:
        lines += wrap(_more_words(hidden))
    lines += wrap(_rest_words(views, terminal)) if _rest_words(views, terminal) else []
    if not shown:
        lines.append("Nobody needs a call this week on these figures.")

    notes = _analysis_notes(report)
    if notes:
        lines += ["", f"Accounts an analysis could not score ({len(notes)})", rule("-")]
        for result, name, messages in notes:
            lines += wrap(f"{_plain_account(result)}: {ANALYSIS_WORDS[name]}: "
                          + "; ".join(terminal(m) for m in messages), indent="    ", first="  ")
    if report["rejected"]:
        lines += [""] + rejected_text(report["rejected"])
    return "\n".join(lines) + "\n"


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
    return f'<p class="note">{_h(_more_words(hidden))}</p>' if hidden else ""


def html(report, model):
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
           f'<p class="sub">As of {_h(report["as_of"])} · methodology {_h(report["methodology"])} '
           f'(hash {_h(report["methodology_hash"])}) · {_h(_headline(report))}</p>', "</header>"]
    account = changes_views.account_cell(_html_account, report)  # with its score history drawn, when there is one
    summary = report["summary"]
    if "changes" in summary:
        out.append(changes_views.html(summary["changes"], account_cell=account))

    # The call list comes first in the HTML, where a VP looks (its number keeps the order of the other formats).
    out.append(f"<section><h2>{_h(_section_title(5, report))}</h2>")
    shown, hidden = _shown(views["action_list"], limit)
    if shown:
        out.append(_html_table(["#", "Account", "Urgency", "ARR", "Why", "Do"],
                               [[str(e["rank"]), account(e), _tag(e["urgency"]), money(e["arr"]),
                                 "<br>".join(_h(reason) for reason in e["reasons"]), _h(e["action"])]
                                for e in shown], "rllrll"))
    else:
        out.append('<p class="note">Nobody needs a call this week on these figures.</p>')
    out.append(_html_more(hidden) + _rest_words(views, _h, "<p class=\"note\">{}</p>") + "</section>")
    out.append(f"<section><h2>{_h(_section_title(0, report))}</h2>")
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

    out.append(f"<section><h2>{_h(_section_title(1, report))}</h2>")
    shown, hidden = _shown(views["this_week"], limit)
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
    out.append(f"<section><h2>{_h(_section_title(2, report))}</h2>")
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

    out.append(f"<section><h2>{_h(_section_title(3, report))}</h2>")
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        out.append(f"<h3>{_h(label)}: {len(entries)}</h3>")
        shown, hidden = _shown(entries, limit)
        if shown:
            out.append(_html_table(["Account", "ARR", "Health now", "Previous", "Change"],
                                   [[account(e), money(e["arr"])] + [_h(c) for c in trend_cells(e)]
                                    for e in shown], "lrllr"))
        else:
            out.append('<p class="note">None.</p>')
        out.append(_html_more(hidden))
    out.append("</section>")

    expansion_view = views["expansion"]
    out.append(f"<section><h2>{_h(_section_title(4, report))}</h2>")
    ready = expansion_view["ready_now"]
    out.append(f"<h3>Ready for a conversation now: {_h(plural(len(ready), 'account'))}, "
               f"{_h(money(expansion_view['ready_revenue']))}</h3>")
    shown, hidden = _shown(ready, limit)
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
    waiting = expansion_view["stabilise_first"]
    out.append(f"<h3>Not ready yet (renew first, stabilise first, or readiness unknown): "
               f"{_h(plural(len(waiting), 'account'))}, "
               f"{_h(money(expansion_view['on_hold_revenue']))} on hold</h3>")
    shown, hidden = _shown(waiting, limit)
    if shown:
        out.append(_html_table(["Account", "ARR", "On hold", "Status", "Why"],
                               [[account(e), money(e["arr"]), money(e["total_estimated_revenue"]),
                                 _h(e["status"]), "<br>".join(_h(reason) for reason in e["reasons"])]
                                for e in shown], "lrrll"))
    else:
        out.append('<p class="note">None.</p>')
    out.append(_html_more(hidden) + "</section>")


    notes = _analysis_notes(report)
    if notes:
        out.append(f"<section><h2>Accounts an analysis could not score ({len(notes)})</h2><ul class=\"plain\">")
        for result, name, messages in notes:
            out.append(f"<li>{account(result)}: {_h(ANALYSIS_WORDS[name])}: {_h('; '.join(messages))}</li>")
        out.append("</ul></section>")
    if report["rejected"]:
        out.append(f"<section><h2>Rejected records ({len(report['rejected'])})</h2><ul class=\"plain\">")
        for entry in report["rejected"]:
            where = _h(entry["location"]) + (f" ({_h(entry['customer_id'])})" if entry["customer_id"] else "")
            for problem in entry["errors"]:
                out.append(f"<li>{where}: {_h(problem)}</li>")
        out.append("</ul></section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"

