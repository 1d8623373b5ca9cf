"""How the health report reads: 80-column text, QBR-ready markdown, one CSV row per account."""

from .health import CLASSES, PRIORITIES
from .render import (OWNER_COLUMNS, Pieces, WIDTH, account_tail, account_tail_markdown, md, md_table, owner_cells, owner_markdown, owner_text, money, pct, plural, rejected_markdown, rejected_text, rule, score,
                     terminal, text_table, title_line,
                     wrap)
from . import changes, changes_views
from .values import printable

TITLE = "Customer Health Report"


def _dimension_words(result, model):
    parts = []
    for name, dimension in result["dimensions"].items():
        label = model.dimension_labels.get(name, name)
        if dimension["score"] is None:
            parts.append(f"{label} n/a")
        else:
            parts.append(f"{label} {score(dimension['score'])} {dimension['classification']} "
                         f"({result['trends'][name].replace('_', ' ')})")
    return parts


def _trend_words(result):
    direction = result["trends"]["overall"].replace("_", " ")
    previous = changes.earlier_health(result)
    if previous is None:
        return "no previous period" if direction == "no data" else direction
    return f"{direction} (was {score(previous)})"


def _headline(summary):
    return (f"{plural(summary['total_customers'], 'account')}, {money(summary['total_arr'])} ARR; "
            f"average health {score(summary['average_score'])} "
            f"(ARR-weighted {score(summary['arr_weighted_average_score'])})")


def text(report, model):
    """Return the report for an 80-column terminal: summary first, then accounts, most urgent first.

    A render.Pieces, written a batch of accounts at a time; str() of it is the text.
    """
    summary = report["summary"]
    lines = [title_line(TITLE, f"as of {report['as_of']}"), rule()]
    lines += wrap(_headline(summary))
    lines += [f"Methodology: {terminal(report['methodology'], 60)} (hash {report['methodology_hash']})"]
    lines += changes_views.changes_text(summary)
    lines += ["", "Health mix"]
    lines += text_table(
        ["Class", "Accounts", "% accounts", "ARR", "% ARR"],
        [[klass.capitalize(), c["count"], pct(c["share_of_accounts"]), money(c["arr"]), pct(c["share_of_arr"])]
         for klass, c in summary["classes"].items()],
        "lrrrr",
    )
    lines += ["", "By segment"]
    lines += text_table(
        ["Segment", "Accounts", "ARR", "Avg health", "Green", "Yellow", "Red"],
        [[name, s["count"], money(s["arr"]), score(s["average_score"]), s["green_count"], s["yellow_count"],
          s["red_count"]] for name, s in summary["segments"].items()],
        "lrrrrrr",
    )
    attention = summary["attention_priority"]
    lines += [""]
    lines += wrap("Attention: " + ", ".join(f"{attention[p]} {p}" for p in PRIORITIES))
    declining = summary["declining_customers"]
    if declining:
        shown_ids = ", ".join(printable(i, 30) for i in declining[:10])
        more = f" and {len(declining) - 10} more" if len(declining) > 10 else ""
        lines += wrap(f"Declining: {plural(len(declining), 'account')} ({shown_ids}{more})")
    else:
        lines.append("Declining: none")
    lines.append(f"Improving: {summary['improving_count']}; incomplete data: {summary['incomplete_data_count']}")
    lines += changes_views.owners_text(summary)
    lines += ["", "Accounts, most urgent first", rule("-")]
    return Pieces(lines, report["customers"], lambda result: _account_text(result, model),
                  rejected_text(report["rejected"]))


def _account_text(result, model):
    name = terminal(result["name"], 40)
    ident = terminal(result["customer_id"], 30)
    head = f"{result['attention_priority'].upper():<9} {name} ({ident})"
    lines = [head[:WIDTH]]
    lines += wrap(f"{result['segment']}, {money(result['arr'])} ARR; health {score(result['overall_score'])} "
                  f"{result['classification']}, {_trend_words(result)}; data {pct(result['data_completeness'])}",
                  indent="  ")
    lines += wrap(" | ".join(_dimension_words(result, model)), indent="  ")
    for reason in result["why"]:
        lines += wrap(f"Why: {reason['detail']} costs {reason['points_lost']:.1f} points", indent="       ",
                      first="  ")
    lines += changes_views.account_text(result)
    return lines + owner_text(result) + account_tail(result["recommendations"], result["missing_metrics"],
                                                     result["notes"])


def markdown(report, model):
    """Return the report as GitHub markdown, ready for a QBR deck."""
    summary = report["summary"]
    lines = [f"# {TITLE}", "",
             f"As of {report['as_of']} · methodology {md(report['methodology'])} "
             f"(hash {report['methodology_hash']}) · {md(_headline(summary))}", ""]
    lines += changes_views.changes_markdown(summary)
    lines += ["## Health mix", ""]
    lines += md_table(
        ["Class", "Accounts", "% accounts", "ARR", "% ARR"],
        [[klass.capitalize(), c["count"], pct(c["share_of_accounts"]), money(c["arr"]), pct(c["share_of_arr"])]
         for klass, c in summary["classes"].items()],
        "lrrrr",
    )
    lines += ["", "## By segment", ""]
    lines += md_table(
        ["Segment", "Accounts", "ARR", "Avg health", "Green", "Yellow", "Red"],
        [[name, s["count"], money(s["arr"]), score(s["average_score"]), s["green_count"], s["yellow_count"],
          s["red_count"]] for name, s in summary["segments"].items()],
        "lrrrrrr",
    )
    attention = summary["attention_priority"]
    lines += ["", "**Attention:** " + ", ".join(f"{attention[p]} {p}" for p in PRIORITIES)
              + f" · **Declining:** {summary['declining_count']} · **Improving:** {summary['improving_count']}"
              + f" · **Incomplete data:** {summary['incomplete_data_count']}", ""]
    lines += changes_views.owners_markdown(summary)
    lines += ["## Accounts, most urgent first", ""]
    dimension_names = model.dimension_names
    lines += md_table(
        ["Priority", "Account", "Segment", "ARR", "Health", "Class", "Trend"]
        + [md(model.dimension_labels[d]) for d in dimension_names],
        [[r["attention_priority"].upper(), f"{md(r['name'])} ({md(r['customer_id'])})", r["segment"],
          money(r["arr"]), score(r["overall_score"]), r["classification"], md(_trend_words(r))]
         + [score(r["dimensions"][d]["score"]) for d in dimension_names]
         for r in report["customers"]],
        "lllrrll" + "r" * len(dimension_names),
    )
    lines += ["", "## Why, and what to do", ""]
    for r in report["customers"]:
        lines.append(f"### {md(r['name'])} ({md(r['customer_id'])}): {r['attention_priority']} priority")
        lines.append("")
        for reason in r["why"]:
            lines.append(f"- Why: {md(reason['detail'])} costs {reason['points_lost']:.1f} points")
        lines += changes_views.account_markdown(r)
        lines += owner_markdown(r)
        lines += account_tail_markdown(r["recommendations"], r["missing_metrics"], r["data_completeness"], r["notes"])
    lines += rejected_markdown(report["rejected"])
    return "\n".join(lines)


def csv_header(model):
    header = ["customer_id", "name", "segment", "arr", "overall_score", "classification", "attention_priority",
              "trend", "previous_overall_score"]
    for name in model.dimension_names:
        header += [f"{name}_score", f"{name}_classification", f"{name}_trend"]
    return header + ["data_completeness", "missing_metrics", "why", "recommendations", "notes"] + OWNER_COLUMNS


def csv_row(result, model):
    row = [result["customer_id"], result["name"], result["segment"], result["arr"], result["overall_score"],
           result["classification"], result["attention_priority"], result["trends"]["overall"],
           result["previous_overall_score"]]
    for name in model.dimension_names:
        dimension = result["dimensions"][name]
        row += [dimension["score"], dimension["classification"], result["trends"][name]]
    return row + [
        result["data_completeness"],
        "; ".join(result["missing_metrics"]),
        "; ".join(f"{w['detail']} (-{w['points_lost']:.1f})" for w in result["why"]),
        " | ".join(result["recommendations"]),
        " | ".join(result["notes"]),
    ] + owner_cells(result)


__all__ = ["text", "markdown", "csv_header", "csv_row", "CLASSES"]
