"""How the expansion report reads: 80-column text, QBR-ready markdown, one CSV row per account.

With `--by opportunity` (csm.report.opportunities) the report lists single
opportunities instead: one row each in every format (`by_opportunity_*`).
"""

from typing import Any, Callable, Dict, List

from csm.render import changes as changes_views
from csm.render import focus as focus_words
from csm.render import next_action as next_action_words
from csm.config.expansion import CATEGORIES
from csm.config.expansion import READY
from csm.score.expansion import top_opportunity
from csm.figures import money
from csm.words import people_name
from csm.words import plural
from csm.render import json_document
from csm.render.common import (accounts_pieces, as_of_words, csv_line, rejected_markdown, rejected_text, markdown_pieces, md, md_row, md_table, owner_cells, OWNER_COLUMNS, owner_markdown, owner_text, owner_words, pct, rule, score, terminal, text_table, title_line, WIDTH, wrap)

TITLE = "Expansion Opportunity Report"


def headline(opportunity, escape, short=False):
    """Return an opportunity in a few words, its names passed through `escape` (terminal or md).

    >>> tier = {"type": "Tier upgrade", "category": "tier_upgrade", "current_tier": "professional",
    ...         "target_tier": "enterprise"}
    >>> headline(tier, str), headline(tier, str, short=True)
    ('Tier upgrade: Professional to Enterprise', 'Tier upgrade to Enterprise')
    """
    category = opportunity["category"]
    label = escape(opportunity["type"])
    if category == "seat_expansion":
        seats = opportunity["additional_seats"]
        return f"{label}: " + (f"+{plural(seats, 'seat')}" if seats else "seat top-up")
    if category == "tier_upgrade":
        if short:
            return f"{label} to {escape(people_name(opportunity['target_tier']))}"
        return f"{label}: {escape(people_name(opportunity['current_tier']))} to {escape(people_name(opportunity['target_tier']))}"
    if category == "module_cross_sell":
        return f"{label}: {escape(people_name(opportunity['module']))}"
    return f"{label}: {escape(people_name(opportunity['department']))}"


def _plain(text):
    return terminal(text, 40)


def _headline(summary):
    return (f"{plural(summary['total_customers'], 'account')}, {money(summary['total_arr'])} ARR; "
            f"{money(summary['ready_revenue'])} ready now (qualified pipeline) of "
            f"{money(summary['total_estimated_revenue'])} whitespace in "
            f"{plural(summary['total_opportunities'], 'opportunity', 'opportunities')}")


def _readiness_line(summary):
    return (f"Readiness: {summary['ready_count']:,} ready, {summary['stabilise_first_count']:,} not ready "
            "(renew first, stabilise first or readiness unknown); "
            f"enablement needs: {summary['enablement_needs_count']:,} "
            f"(in {plural(summary['accounts_needing_enablement'], 'account')}); "
            f"incomplete data: {summary['incomplete_data_count']:,}")


def _category_rows(summary):
    rows = [[c["type"], c["count"], money(c["estimated_revenue"])] for c in summary["by_category"].values()]
    rows.append(["Total", summary["total_opportunities"], money(summary["total_estimated_revenue"])])
    return rows


def _segment_rows(summary):
    return [[name, s["count"], money(s["arr"]), s["opportunities"], money(s["estimated_revenue"])]
            for name, s in summary["segments"].items()]


def _adoption_words(adoption):
    parts = []
    if adoption["total_modules"] is not None:
        usage = adoption["avg_usage_pct"]
        parts.append(f"{adoption['adopted_modules']} of {plural(adoption['total_modules'], 'module')} adopted "
                     f"({pct(adoption['adoption_rate'])})"
                     + (f", average usage {pct(usage)}" if usage is not None else ""))
    if adoption["seat_utilisation"] is not None:
        parts.append(f"seats {pct(adoption['seat_utilisation'])} used")
    if adoption["current_tier"] is not None:
        parts.append(f"tier {terminal(people_name(adoption['current_tier']), 30)}")
    if adoption["departments_covered"] is not None:
        words = f"{plural(adoption['departments_covered'], 'department')} covered"
        if adoption["departments_potential"] is not None:
            words += f", {adoption['departments_potential']} to win"
        parts.append(words)
    return "; ".join(parts) if parts else "no adoption data"


def _by_id(report, wanted):
    """The results of the accounts named in `wanted`, by customer_id (one pass; only those are kept)."""
    wanted = set(wanted)
    return {result["customer_id"]: result for result in report["customers"] if result["customer_id"] in wanted}


def text(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report for an 80-column terminal: summary first, then accounts, ready ones first.

    A render.Pieces, written a batch of accounts at a time; str() of it is the text.
    """
    if "opportunities" in report:
        return by_opportunity_text(report)
    summary = report["summary"]
    top = model.top_accounts
    lines = changes_views.header_text(TITLE, report, _headline(summary))
    lines += ["", "Potential by type"]
    lines += text_table(["Type", "Opportunities", "Est. revenue"], _category_rows(summary), "lrr")
    lines += ["", "By segment"]
    lines += text_table(["Segment", "Accounts", "ARR", "Opportunities", "Est. revenue"], _segment_rows(summary),
                        "lrrrr")
    lines += [""] + wrap(_readiness_line(summary))
    ready = summary["ready_for_upgrade_conversation"]
    lines += ["", f"Ready for an upgrade conversation now ({_top_words(len(ready), top)}), by ready revenue"]
    if ready:
        lines += text_table(
            ["Account", "Start with", "Ready revenue"],
            [[f"{_plain(e['name'])} ({terminal(e['customer_id'], 30)})",
              headline(e["opportunity"], _plain, short=True), money(e["ready_revenue"])]
             for e in ready[:top]],
            "llr",
        )
    else:
        lines.append("  none")
    stabilise = summary["stabilise_first"]
    lines += ["", f"Not ready yet ({_top_words(len(stabilise), top)})"]
    for entry in stabilise[:top]:
        lines += wrap(f"{_plain(entry['name'])} ({terminal(entry['customer_id'], 30)}), "
                      f"{money(entry['total_estimated_revenue'])} potential: "
                      + "; ".join(terminal(reason) for reason in entry["reasons"]), indent="    ", first="  ")
    if not stabilise:
        lines.append("  none")
    ranked = summary["ranked_by_potential"]
    if "listed" in summary:  # a focused run lists only some
        listed_ids = {result["customer_id"] for result in report["customers"]}
        ranked = [i for i in ranked if i in listed_ids]
    results = _by_id(report, ranked[:top])
    lines += ["", f"Accounts by potential ({_top_words(len(ranked), top)})"]
    lines += text_table(
        ["#", "Account", "Readiness", "ARR", "Potential"],
        [[position, f"{_plain(results[i]['name'])} ({terminal(i, 30)})", results[i]["readiness"]["status"],
          money(results[i]["arr"]), money(results[i]["total_estimated_revenue"])]
         for position, i in enumerate(ranked[:top], 1)],
        "rllrr",
    )
    listed = focus_words.summary_words(summary)
    if listed:
        lines += [""] + wrap(f"Listed: {listed}")
    lines += changes_views.owners_text(summary)
    return accounts_pieces(lines, report, lambda result: _account_text(result, model, limit),
                           "Accounts, ready revenue first, then by potential")


def _top_words(count, top):
    return f"top {top} of {count:,}" if count > top else f"{count:,}"


def _account_text(result, model, limit):
    name = terminal(result["name"], 40)
    ident = terminal(result["customer_id"], 30)
    readiness = result["readiness"]
    head = f"{readiness['status'].upper():<18}{name} ({ident})"
    lines = [head[:WIDTH]]
    lines += wrap(f"{result['segment']}, {money(result['arr'])} ARR{owner_words(result)}; {money(result['ready_revenue'])} ready of "
                  f"{money(result['total_estimated_revenue'])} potential in "
                  f"{plural(result['opportunity_count'], 'opportunity', 'opportunities')}", indent="  ")
    lines += wrap(next_action_words.sentence(result["next_action"]), indent="    ", first="  ")
    lines += wrap(f"Adoption: {_adoption_words(result['adoption_summary'])}", indent="    ", first="  ")
    lines += wrap("Readiness: " + "; ".join(terminal(reason) for reason in readiness["reasons"]),
                  indent="    ", first="  ")
    opportunities, hidden = focus_words.shown(result["opportunities"], limit)
    for opportunity in opportunities:
        left = f"  {score(opportunity['priority_score']):>6}  "
        right = f"  {opportunity['effort']:<6} {money(opportunity['estimated_revenue']):>11}"
        room = WIDTH - len(left) - len(right)
        words = headline(opportunity, terminal)
        if len(words) > room:
            words = words[: room - 1] + "~"
        lines.append(left + words.ljust(room) + right)
        lines += wrap(terminal(opportunity["rationale"]), indent=" " * 10)
    if hidden:
        lines.append(f"          ... and {plural(hidden, 'more opportunity', 'more opportunities')} (--detail)")
    for need in result["enablement_needs"]:
        lines += wrap(f"Enable: {terminal(need['module'], 40)}: {need['action']}", indent="          ", first="  ")
    lines += owner_text(result)
    if result["missing_fields"]:
        lines += wrap("Missing: " + ", ".join(result["missing_fields"]), indent="           ", first="  ")
    for note in result["notes"]:
        lines += wrap(f"Note: {terminal(note)}", indent="        ", first="  ")
    lines += changes_views.account_text(result)
    lines.append("")
    return lines


def markdown(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report as GitHub markdown, ready for a QBR deck."""
    if "opportunities" in report:
        return by_opportunity_markdown(report)
    summary = report["summary"]
    top = model.top_accounts
    lines = changes_views.header_markdown(TITLE, report, _headline(summary))
    lines += ["## Potential by type", ""]
    lines += md_table(["Type", "Opportunities", "Est. revenue"],
                      [[md(t), c, r] for t, c, r in _category_rows(summary)], "lrr")
    lines += ["", "## By segment", ""]
    lines += md_table(["Segment", "Accounts", "ARR", "Opportunities", "Est. revenue"], _segment_rows(summary),
                      "lrrrr")
    lines += ["", f"**{md(_readiness_line(summary))}**", ""]
    ready = summary["ready_for_upgrade_conversation"]
    lines += [f"## Ready for an upgrade conversation now ({_top_words(len(ready), top)}), by ready revenue", ""]
    if ready:
        lines += md_table(
            ["Account", "Ready revenue", "Start with", "Effort", "Revenue"],
            [[f"{md(e['name'])} ({md(e['customer_id'])})", money(e["ready_revenue"]), headline(e["opportunity"], md),
              e["opportunity"]["effort"], money(e["opportunity"]["estimated_revenue"])] for e in ready[:top]],
            "lrllr",
        )
    else:
        lines.append("None.")
    stabilise = summary["stabilise_first"]
    lines += ["", f"## Not ready yet ({_top_words(len(stabilise), top)})", ""]
    if stabilise:
        lines += md_table(
            ["Account", "Potential", "Why"],
            [[f"{md(e['name'])} ({md(e['customer_id'])})", money(e["total_estimated_revenue"]),
              md("; ".join(e["reasons"]))] for e in stabilise[:top]],
            "lrl",
        )
    else:
        lines.append("None.")
    listed = focus_words.summary_words(summary)
    if listed:
        lines += ["", f"**Listed:** {md(listed)}"]
    lines += [""] + changes_views.owners_markdown(summary)
    lines += ["", "## Accounts, ready revenue first, then by potential", ""]
    lines += md_table(["Readiness", "Account", "Segment", "ARR", "Ready", "Potential", "Opportunities",
                       "Top opportunity"], [], "lllrrrrl")

    def row(r):
        return [md_row([r["readiness"]["status"], f"{md(r['name'])} ({md(r['customer_id'])})", r["segment"],
                        money(r["arr"]), money(r["ready_revenue"]), money(r["total_estimated_revenue"]),
                        r["opportunity_count"], headline(r["opportunities"][0], md) if r["opportunities"] else "none"])]

    return markdown_pieces(lines, report, row, "## Opportunities by account", _account_markdown)


def _account_markdown(r):
    lines = [f"### {md(r['name'])} ({md(r['customer_id'])}): {money(r['ready_revenue'])} ready of "
             f"{money(r['total_estimated_revenue'])} potential, {r['readiness']['status']}",
             "", md(next_action_words.sentence(r["next_action"])), "",
             f"Adoption: {md(_adoption_words(r['adoption_summary']))}", ""]
    if r["opportunities"]:
        lines += md_table(
            ["Priority", "Opportunity", "Effort", "Revenue", "Rationale"],
            [[score(o["priority_score"]), headline(o, md), o["effort"], money(o["estimated_revenue"]),
              md(o["rationale"])] for o in r["opportunities"]],
            "rllrl",
        )
        lines.append("")
    for need in r["enablement_needs"]:
        lines.append(f"- Enable: {md(need['module'])}: {md(need['action'])}")
    lines.append(f"- Readiness: {md('; '.join(r['readiness']['reasons']))}")
    lines += owner_markdown(r)
    if r["missing_fields"]:
        lines.append("- Missing data: " + md(", ".join(r["missing_fields"])))
    for note in r["notes"]:
        lines.append(f"- Note: {md(note)}")
    lines += changes_views.account_markdown(r)
    lines.append("")
    return lines


CATEGORY_COLUMNS = {
    "seat_expansion": ("additional_seats", lambda o: o["additional_seats"]),
    "tier_upgrade": ("target_tier", lambda o: o["target_tier"]),
    "module_cross_sell": ("modules", lambda o: o["module"]),
    "department_expansion": ("departments", lambda o: o["department"]),
}


def csv_header(model):
    header = ["customer_id", "name", "segment", "arr", "readiness", "total_estimated_revenue", "opportunity_count",
              "top_opportunity", "top_priority_score"]
    for category in CATEGORIES:
        header += [f"{category}_revenue", CATEGORY_COLUMNS[category][0]]
    return header + ["total_modules", "adopted_modules", "adoption_rate", "avg_usage_pct", "seat_utilisation",
                     "current_tier", "departments_covered", "departments_potential", "enablement_needs",
                     "health_score", "health_classification", "churn_risk_score", "churn_risk_tier",
                     "readiness_reasons", "missing_fields", "notes", "ready_revenue", "next_action_attention",
                     "next_action"] + OWNER_COLUMNS


def csv_row(result, model):
    opportunities = result["opportunities"]
    top = top_opportunity(opportunities)  # its largest ready one, else its largest
    row = [result["customer_id"], result["name"], result["segment"], result["arr"], result["readiness"]["status"],
           result["total_estimated_revenue"], result["opportunity_count"],
           headline(top, str) if top else None, top["priority_score"] if top else None]
    evaluated = result["categories_evaluated"]
    for category in CATEGORIES:
        if category not in evaluated:
            row += [None, None]
            continue
        found = [o for o in opportunities if o["category"] == category]
        detail = CATEGORY_COLUMNS[category][1]
        row += [sum(o["estimated_revenue"] for o in found), "; ".join(str(detail(o)) for o in found) or None]
    adoption = result["adoption_summary"]
    readiness = result["readiness"]
    return row + [
        adoption["total_modules"], adoption["adopted_modules"], adoption["adoption_rate"], adoption["avg_usage_pct"],
        adoption["seat_utilisation"], adoption["current_tier"], adoption["departments_covered"],
        adoption["departments_potential"],
        "; ".join(f"{need['module']} ({need['usage_pct']:g}%)" for need in result["enablement_needs"]),
        readiness["health_score"], readiness["health_classification"], readiness["churn_risk_score"],
        readiness["churn_risk_tier"],
        " | ".join(readiness["reasons"]),
        "; ".join(result["missing_fields"]),
        " | ".join(result["notes"]),
        result["ready_revenue"], result["next_action"]["attention"], result["next_action"]["action"],
    ] + owner_cells(result)


def _listed_opportunities(summary):
    """The "listed" sentence of an opportunity list: how many rows of how many, and the accounts filtered."""
    listed = summary.get("listed")
    if listed is None:
        return None
    words = f"{listed['count']:,} of {plural(listed['of'], 'opportunity', 'opportunities')} of the book listed"
    if listed["filters"]:
        words += (f", from the {plural(listed['matched'], 'account')} ({money(listed['matched_arr'])} ARR) "
                  "the filters keep")
    return words


SHORT_TYPES = {"seat_expansion": "Seats", "tier_upgrade": "Tier", "module_cross_sell": "Module",
               "department_expansion": "Dept"}


def _row_words(row, escape, short=False):
    """An opportunity row in a few words: its type and what it sells (seats, a tier, a module, a department)."""
    sold = f"+{row['what']}" if row["category"] == "seat_expansion" else people_name(row["what"])
    return f"{SHORT_TYPES[row['category']] if short else escape(row['type'])}: {escape(sold)}"


def _opportunity_account(row, escape):
    return f"{escape(row['name'])} ({escape(row['customer_id'])})"


def by_opportunity_text(report):
    """Return the opportunity list (--by opportunity) for an 80-column terminal: ready first, then revenue."""
    summary = report["summary"]
    rows = report["opportunities"]
    lines = [title_line(TITLE, f"as of {as_of_words(report)}"), rule()]
    lines += wrap("Whole book: " + _headline(summary))
    lines += wrap(f"Methodology: {terminal(report['methodology'], 60)} (hash {report['methodology_hash']}); "
                  f"{changes_views.basis_words(report)}")
    listed = _listed_opportunities(summary)
    if listed:
        lines += wrap(f"Listed: {listed}")
    lines += ["", "Opportunities, ready first, then by estimated revenue"]
    lines += opportunity_list_text(rows)
    rejected = rejected_text(report["rejected"])
    if rejected:
        lines += [""] + rejected
    return "\n".join(lines) + "\n"


def opportunity_list_text(rows: List[Dict[str, Any]]) -> List[str]:
    """Rows of the opportunity list as an 80-column table ("  none" when empty), then why the ones not ready
    wait, one line per account and reason (the --by opportunity listing, the report's pipeline section)."""
    lines = text_table(
        ["#", "Account", "Opportunity", "Revenue", "Effort", "Ready"],
        [[row["rank"], f"{terminal(row['customer_id'], 12)} {terminal(row['name'])}", _row_words(row, _plain, short=True),
          money(row["estimated_revenue"]), row["effort"], "yes" if not row["why_not_ready"] else "no"]
         for row in rows], "rllrll")
    if not rows:
        lines.append("  none")
    waiting = {}  # (account, its reasons) -> the ranks they hold back, in rank order
    for row in rows:
        if row["why_not_ready"]:
            key = (_opportunity_account(row, lambda text: terminal(text, 40)), tuple(row["why_not_ready"]))
            waiting.setdefault(key, []).append(f"#{row['rank']}")
    if waiting:
        lines += ["", "Why not ready"]
        for (account, reasons), ranks in waiting.items():
            lines += wrap(f"{', '.join(ranks)} {account}: " + "; ".join(terminal(reason) for reason in reasons),
                          indent="    ", first="  ")
    return lines


def opportunity_list_cells(rows: List[Dict[str, Any]], escape: Callable[[str], str]) -> List[List[Any]]:
    """Rows of the opportunity list as the cells of OPPORTUNITY_HEADER, customer text through `escape`."""
    return [[row["rank"], _opportunity_account(row, escape), escape(row["owner"] or ""), row["segment"],
             _row_words(row, escape), money(row["estimated_revenue"]), row["effort"], row["readiness"],
             escape("; ".join(row["why_not_ready"]))] for row in rows]


OPPORTUNITY_HEADER = ["#", "Account", "Owner", "Segment", "Opportunity", "Revenue", "Effort", "Readiness",
                      "Why not ready"]
OPPORTUNITY_ALIGN = "rllllrlll"


def opportunity_list_markdown(rows: List[Dict[str, Any]]) -> List[str]:
    """Rows of the opportunity list as a markdown table (then "None." when empty)."""
    return md_table(OPPORTUNITY_HEADER, opportunity_list_cells(rows, md), OPPORTUNITY_ALIGN) + ([] if rows else ["None."])


def by_opportunity_markdown(report):
    """Return the opportunity list (--by opportunity) as a markdown table, ready first, then revenue."""
    summary = report["summary"]
    lines = [f"# {TITLE}: opportunities", "",
             f"As of {as_of_words(report)} · methodology {md(report['methodology'])} "
             f"(hash {report['methodology_hash']}) · {changes_views.basis_words(report)} · whole book: {md(_headline(summary))}", ""]
    listed = _listed_opportunities(summary)
    if listed:
        lines += [f"**Listed:** {md(listed)}", ""]
    lines += opportunity_list_markdown(report["opportunities"])
    lines.append("")
    lines += rejected_markdown(report["rejected"])
    return "\n".join(lines) + "\n"


OPPORTUNITY_COLUMNS = ["rank", "customer_id", "name", "owner", "segment", "arr", "category", "type", "what",
                       "estimated_revenue", "effort", "priority_score", "readiness", "why_not_ready", "rationale"]


def by_opportunity_lines(report, output_format):
    """Yield the opportunity list in a line format: csv (one row per opportunity, then one per rejected
    record), or jsonl (one object per opportunity, then the rejected records, then the header and summary)."""
    if output_format == "csv":
        yield csv_line(OPPORTUNITY_COLUMNS + ["status", "errors", "as_of"])
        for row in report["opportunities"]:
            cells = [row[column] for column in OPPORTUNITY_COLUMNS]
            cells[OPPORTUNITY_COLUMNS.index("why_not_ready")] = " | ".join(row["why_not_ready"])
            yield csv_line(cells + ["scored", None, report["as_of"]])
        for entry in report["rejected"]:
            cells = [None] * len(OPPORTUNITY_COLUMNS)
            cells[1] = entry["customer_id"]
            yield csv_line(cells + ["rejected", " | ".join(entry["errors"]), report["as_of"]])
        return
    for row in report["opportunities"]:
        yield json_document.encode(row) + "\n"
    for entry in report["rejected"]:
        yield json_document.encode({"rejected": entry}) + "\n"
    yield json_document.encode({key: value for key, value in report.items()
                                if key not in ("opportunities", "rejected")}) + "\n"


__all__ = ["text", "markdown", "csv_header", "csv_row", "headline", "READY", "by_opportunity_lines"]
