"""How the portfolio report reads: QBR-ready markdown and 80-column text; its HTML is csm.render.portfolio_html.

Every format shows the six views of csm.report.views in order. Customer text goes
through `md` or `terminal` wherever it lands.
"""


from csm.config.churn import TIERS
from csm.config.health import CLASSES
from csm.figures import money
from csm.render import brief
from csm.render import changes as changes_views
from csm.render import coverage as coverage_views
from csm.render.common import (as_of_words, md, md_table, owner_parts, rejected_markdown, rejected_text, rule, score, terminal,
                               text_table, title_line, WIDTH, wrap)
from csm.words import plural
from csm.render.portfolio_html import html
from csm.render.portfolio_words import (ANALYSIS_WORDS, MIX_HEADER, PIPELINE_HEADER, QUARTER_HEADER, TITLE,
                                        TREND_GROUPS, analysis_notes, book_rows, forecast_words, headline, mix_rows,
                                        more_words, opportunity_words, pipeline_rows, quarter_rows, renewal_short,
                                        renewal_tail_words, rest_words, retention_words, section_title, shown_items,
                                        top_opportunities, trend_cells)
from csm.render.expansion import opportunity_list_markdown, opportunity_list_text

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
             f"As of {as_of_words(report)} · methodology {md(report['methodology'])} "
             f"(hash {report['methodology_hash']}) · {changes_views.basis_words(report)} · {md(headline(report))}", ""]
    lines += coverage_views.markdown(report["summary"])
    lines += changes_views.changes_markdown(report["summary"])
    book = views["book"]
    lines += [f"## {md(section_title(0, report))}", ""]
    lines += md_table(["Measure", "Value"], [[name, md(value)] for name, value in book_rows(book)], "ll")
    if book["retention"] is not None:
        lines += ["", md(retention_words(book["retention"])) + "."]
    lines += ["", "**Health mix**", ""]
    lines += md_table(["Health"] + MIX_HEADER, mix_rows(book["health_mix"], CLASSES), "lrrrr")
    lines += ["", "**Churn risk mix**", ""]
    lines += md_table(["Risk"] + MIX_HEADER, mix_rows(book["risk_mix"], TIERS), "lrrrr")
    if "by_owner" in report["summary"]:
        lines += [""] + changes_views.owners_markdown(report["summary"])[:-1]

    lines += ["", f"## {md(section_title(1, report))}", ""]
    shown, hidden = shown_items(views["this_week"], limit)
    if shown:
        lines += md_table(
            ["Account", "Risk", "ARR", "Renewal", "Why", "First action"],
            [[_md_account(e), f"{e['risk_tier']} {score(e['risk_score'])}", money(e["arr"]),
              md(renewal_short(e["days_to_renewal"], e["contract_end_date"])), md("; ".join(e["reasons"])),
              md(e["first_action"])] for e in shown],
            "llrlll")
        if hidden:
            lines += ["", more_words(hidden)]
    else:
        lines.append("No account is at critical or high churn risk.")

    renewals = views["renewals"]
    lines += ["", f"## {md(section_title(2, report))}", ""]
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

    lines += ["", f"## {md(section_title(3, report))}", "", changes_views.basis_words(report).capitalize() + ".", ""]
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        lines += [f"**{label}: {len(entries)}**", ""]
        shown, hidden = shown_items(entries, limit)
        if shown:
            lines += md_table(["Account", "ARR", "Health now", "Previous", "Change"],
                              [[_md_account(e), money(e["arr"])] + trend_cells(e) for e in shown], "lrllr")
            if hidden:
                lines += ["", more_words(hidden)]
            lines.append("")

    expansion_view = views["expansion"]
    lines += [f"## {md(section_title(4, report))}", ""]
    ready = expansion_view["ready_now"]
    lines += [f"**Ready for a conversation now: {plural(len(ready), 'account')}, "
              f"{money(expansion_view['ready_revenue'])}**", ""]
    shown, hidden = shown_items(ready, limit)
    if shown:
        lines += md_table(["Account", "ARR", "Ready revenue", "Start with", "Revenue"],
                          [[_md_account(e), money(e["arr"]), money(e["ready_revenue"]),
                            opportunity_words(e["top_opportunity"], md), money(e["top_opportunity"]["estimated_revenue"])]
                           for e in shown], "lrrlr")
        if hidden:
            lines += ["", more_words(hidden)]
        lines.append("")
    lines += ["**Pipeline by type**", ""]
    lines += md_table(PIPELINE_HEADER, pipeline_rows(expansion_view, md), "lrrrr")
    heading, rows = top_opportunities(report)
    lines += ["", f"**{heading}**", ""] + (opportunity_list_markdown(rows) if rows else [])
    waiting = expansion_view["stabilise_first"]
    lines += ["", f"**Not ready yet (renew first, stabilise first, or readiness unknown): "
                  f"{plural(len(waiting), 'account')}, "
                  f"{money(expansion_view['on_hold_revenue'])} on hold**", ""]
    shown, hidden = shown_items(waiting, limit)
    if shown:
        lines += md_table(["Account", "ARR", "On hold", "Status", "Why"],
                          [[_md_account(e), money(e["arr"]), money(e["total_estimated_revenue"]), e["status"],
                            md("; ".join(e["reasons"]))] for e in shown], "lrrll")
        if hidden:
            lines += ["", more_words(hidden)]
        lines.append("")

    lines += [f"## {md(section_title(5, report))}", ""]
    shown, hidden = shown_items(views["action_list"], limit)
    if shown:
        lines += md_table(["#", "Account", "Urgency", "ARR", "Why", "Do"],
                          [[e["rank"], _md_account(e), e["urgency"], money(e["arr"]), md("; ".join(e["reasons"])),
                            md(e["action"])] for e in shown], "rllrll")
        if hidden:
            lines += ["", more_words(hidden)]
        rest = rest_words(views, md)
        if rest:
            lines += ["", rest]
    else:
        lines.append("Nobody needs a call this week on these figures.")
    lines.append("")

    notes = analysis_notes(report)
    if notes:
        lines += [f"## Accounts an analysis could not score ({len(notes)})", ""]
        for result, name, messages in notes:
            lines.append(f"- {_md_account(result)}: {ANALYSIS_WORDS[name]}: {md('; '.join(messages))}")
        lines.append("")
    lines += rejected_markdown(report["rejected"], report.get("rejected_not_listed", 0))
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
    lines = [title_line(TITLE, f"as of {as_of_words(report)}"), rule()]
    lines += wrap(f"{headline(report)}; methodology {terminal(report['methodology'], 40)} "
                  f"(hash {report['methodology_hash']}); {changes_views.basis_words(report)}")
    lines += coverage_views.text(report["summary"])
    lines += changes_views.changes_text(report["summary"])
    book = views["book"]
    lines += [""] + wrap(terminal(section_title(0, report))) + [rule("-")]
    for name, value in book_rows(book):
        lines += wrap(value, indent=" " * 22, first=f"{name + ':':<22}")
    if book["retention"] is not None:
        lines += wrap(retention_words(book["retention"]), indent=" " * 22, first=" " * 22)
    lines += [""] + text_table(["Health"] + MIX_HEADER, mix_rows(book["health_mix"], CLASSES), "lrrrr")
    lines += [""] + text_table(["Risk"] + MIX_HEADER, mix_rows(book["risk_mix"], TIERS), "lrrrr")
    lines += changes_views.owners_text(report["summary"])

    lines += [""] + wrap(terminal(section_title(1, report))) + [rule("-")]
    shown, hidden = shown_items(views["this_week"], limit)
    for e in shown:
        lines.append(f"{e['risk_tier'].upper():<9}{_plain_account(e)}"[:WIDTH])
        lines += wrap(f"{money(e['arr'])} ARR; risk {score(e['risk_score'])}; "
                      f"{renewal_short(e['days_to_renewal'], e['contract_end_date'])}"
                      + (f"; health {e['health']}" if e["health"] else ""), indent="  ")
        for reason in e["reasons"]:
            lines += wrap(f"Why: {terminal(reason)}", indent="       ", first="  ")
        lines += wrap(f"Do:  {e['first_action']}", indent="       ", first="  ")
    if hidden:
        lines += wrap(more_words(hidden))
    if not shown:
        lines.append("No account is at critical or high churn risk.")

    renewals = views["renewals"]
    lines += [""] + wrap(terminal(section_title(2, report))) + [rule("-")]
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

    lines += [""] + wrap(terminal(section_title(3, report))) + [rule("-")]
    lines += wrap(changes_views.basis_words(report).capitalize() + ".")
    for key, label in TREND_GROUPS:
        entries = views["trends"][key]
        lines.append(f"{label}: {len(entries)}")
        shown, hidden = shown_items(entries, limit)
        if shown:
            lines += text_table(["Account", "ARR", "Now", "Previous", "Change"],
                                [[_plain_account(e), money(e["arr"])] + trend_cells(e) for e in shown], "lrllr")
        if hidden:
            lines += wrap(more_words(hidden))

    expansion_view = views["expansion"]
    lines += [""] + wrap(terminal(section_title(4, report))) + [rule("-")]
    ready = expansion_view["ready_now"]
    lines.append(f"Ready for a conversation now: {plural(len(ready), 'account')}, "
                 f"{money(expansion_view['ready_revenue'])}")
    shown, hidden = shown_items(ready, limit)
    for e in shown:
        lines += wrap(f"{_plain_account(e)}: {money(e['ready_revenue'])} ready; start with "
                      f"{opportunity_words(e['top_opportunity'], terminal)}, "
                      f"{money(e['top_opportunity']['estimated_revenue'])}", indent="    ", first="  ")
    if hidden:
        lines += wrap(more_words(hidden))
    lines += [""] + text_table(PIPELINE_HEADER, pipeline_rows(expansion_view, terminal), "lrrrr")
    heading, rows = top_opportunities(report)
    lines += [""] + wrap(heading) + (opportunity_list_text(rows) if rows else [])
    waiting = expansion_view["stabilise_first"]
    lines += ["", f"Not ready yet: {plural(len(waiting), 'account')}, "
                  f"{money(expansion_view['on_hold_revenue'])} on hold"]
    shown, hidden = shown_items(waiting, limit)
    for e in shown:
        lines += wrap(f"{_plain_account(e)}: {money(e['total_estimated_revenue'])} on hold; "
                      + "; ".join(terminal(reason) for reason in e["reasons"]), indent="    ", first="  ")
    if hidden:
        lines += wrap(more_words(hidden))

    lines += [""] + wrap(terminal(section_title(5, report))) + [rule("-")]
    shown, hidden = shown_items(views["action_list"], limit)
    for e in shown:
        lines.append(f"{e['rank']:>2}. {e['urgency'].upper():<11}{_plain_account(e)}"[:WIDTH])
        lines += wrap(f"{money(e['arr'])} ARR; why: " + "; ".join(terminal(reason) for reason in e["reasons"]),
                      indent="      ", first="    ")
        lines += wrap(f"Do: {terminal(e['action'])}", indent="      ", first="    ")
    if hidden:
        lines += wrap(more_words(hidden))
    lines += wrap(rest_words(views, terminal)) if rest_words(views, terminal) else []
    if not shown:
        lines.append("Nobody needs a call this week on these figures.")

    notes = analysis_notes(report)
    if notes:
        lines += ["", f"Accounts an analysis could not score ({len(notes)})", rule("-")]
        for result, name, messages in notes:
            lines += wrap(f"{_plain_account(result)}: {ANALYSIS_WORDS[name]}: "
                          + "; ".join(terminal(m) for m in messages), indent="    ", first="  ")
    if report["rejected"]:
        lines += [""] + rejected_text(report["rejected"], report.get("rejected_not_listed", 0))
    return "\n".join(lines) + "\n"


__all__ = ["markdown", "text", "html"]  # the formats of the report (html: csm.render.portfolio_html)
