"""How the health report reads: 80-column text, QBR-ready markdown, one CSV row per account."""

from csm.config.health import CLASSES
from csm.figures import money
from csm.words import plural
from csm.render.common import (account_tail, account_tail_markdown, accounts_pieces, markdown_pieces, md, md_row,
                               md_table, owner_cells, OWNER_COLUMNS, owner_markdown, owner_text, owner_words,
                               path_line, pct, score, terminal, text_table, why_line, wrap)
from csm.score import health
from csm.render import changes as changes_views
from csm.values import printable
from csm.render import focus as focus_words
from csm.render import next_action as next_action_words
from csm.config.next_action import ACT_TODAY, ATTENTIONS

TITLE = "Customer Health Report"


def _dimension_words(result, model, trends=True):
    parts = []
    for name, dimension in result["dimensions"].items():
        label = model.dimension_labels.get(name, name)
        if dimension["score"] is None:
            parts.append(f"{label} n/a")
        else:
            klass = dimension["classification"]
            if trends:
                parts.append(f"{label} {score(dimension['score'])} {klass} "
                             f"({result['trends'][name].replace('_', ' ')})")
            else:  # the short form names a class only where it is not green
                parts.append(f"{label} {score(dimension['score'])}" + ("" if klass == "green" else f" {klass}"))
    return parts


def _trend_words(result):
    direction = result["trends"]["overall"].replace("_", " ")
    previous = health.earlier_health(result)
    if previous is None:
        return "no previous period" if direction == "no data" else direction
    return f"{direction} (was {score(previous)})"


def _attention_words(summary):
    """The next actions of the book in the attention words (csm.next_action), e.g. 'Next actions: 5 act today, ...'."""
    attention = summary["next_action_attention"]
    return "Next actions: " + ", ".join(f"{attention[a]} {a}" for a in ATTENTIONS)


def _headline(summary):
    return (f"{plural(summary['total_customers'], 'account')}, {money(summary['total_arr'])} ARR; "
            f"average health {score(summary['average_score'])} "
            f"(ARR-weighted {score(summary['arr_weighted_average_score'])})")


def text(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report for an 80-column terminal: summary first, then accounts, most urgent first.

    A render.Pieces, written a batch of accounts at a time; str() of it is the text.
    """
    summary = report["summary"]
    lines = changes_views.header_text(TITLE, report, _headline(summary))
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
    lines += [""]
    lines += wrap(_attention_words(summary))
    declining, declining_count = summary["declining_customers"], summary["declining_count"]
    if declining:
        shown_ids = ", ".join(printable(i, 30) for i in declining[:10])
        more = f" and {declining_count - 10} more" if declining_count > 10 else ""
        lines += wrap(f"Declining: {plural(declining_count, 'account')} ({shown_ids}{more})")
    else:
        lines.append("Declining: none")
    lines.append(f"Improving: {summary['improving_count']}; incomplete data: {summary['incomplete_data_count']}")
    listed = focus_words.summary_words(summary)
    if listed:
        lines += wrap(f"Listed: {listed}")
    lines += changes_views.owners_text(summary)
    return accounts_pieces(lines, report, lambda result: _account_text(result, model, limit))


def _metric_labels(model):
    """Metric path -> its label (the same in every segment), made once per model."""
    labels = getattr(model, "metric_labels", None)
    if labels is None:
        labels = model.metric_labels = {metric.path: metric.label for dimensions in model.by_segment.values()
                                        for dimension in dimensions for metric in dimension.metrics}
    return labels


def _renewal_words(result, model):
    """The renewal date, when it is lapsed or within the watch window of the next action (90 days)
    and the head line's reason does not already say it."""
    days = result["days_to_renewal"]
    if days is None or days > next_action_words.watch_days(model) or result["next_action"]["reason"].startswith("renewal"):
        return ""
    return f"; lapsed {result['contract_end_date']}" if days < 0 else f"; renews {result['contract_end_date']}"


def _data_words(completeness, missing):
    """The data completeness, said only when some weight is missing (never 'data 100.0%' beside a gap)."""
    return f"; data {pct(completeness)}" if missing and completeness < 100 else ""


def _account_text(result, model, limit):
    name = terminal(result["name"], 40)
    ident = terminal(result["customer_id"], 30)
    lines = [next_action_words.head_line(result["next_action"], f"{name} ({ident})")]
    detail = limit is None
    lines += wrap(f"{result['segment']}, {money(result['arr'])} ARR{owner_words(result)}; health {score(result['overall_score'])} "
                  f"{result['classification']}, {_trend_words(result)}{_renewal_words(result, model)}"
                  f"{_data_words(result['data_completeness'], result['missing_metrics'])}", indent="  ")
    lines += wrap(" | ".join(_dimension_words(result, model, trends=detail)), indent="  ")
    lines += wrap(next_action_words.short(result["next_action"]), indent="        ", first="  ")
    if detail:
        for reason in result["why"]:
            lines += wrap(f"Why: {reason['detail']} costs {reason['points_lost']:.1f} points", indent="       ",
                          first="  ")
    elif result["why"]:  # the short form: the reasons that cost most, as many as fit one line
        labels = _metric_labels(model)
        lines += why_line(f"{labels.get(reason['metric'], reason['metric'])} -{reason['points_lost']:.1f}"
                          for reason in result["why"])
    if result["next_action"]["attention"] == ACT_TODAY and result["path_to_green"] is not None:
        lines += path_line(result["path_to_green"], result["path_to_green"]["target"])
    lines += changes_views.account_text(result)
    actions, most = focus_words.other_actions(result["recommendations"], result["next_action"], limit)
    return lines + owner_text(result) + account_tail(actions, result["missing_metrics"], result["notes"], most)


def markdown(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report as GitHub markdown, ready for a QBR deck."""
    summary = report["summary"]
    lines = changes_views.header_markdown(TITLE, report, _headline(summary))
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
    lines += ["", f"**{_attention_words(summary)}**"
              + f" · **Declining:** {summary['declining_count']} · **Improving:** {summary['improving_count']}"
              + f" · **Incomplete data:** {summary['incomplete_data_count']}", ""]
    listed = focus_words.summary_words(summary)
    if listed:
        lines += [f"**Listed:** {md(listed)}", ""]
    lines += changes_views.owners_markdown(summary)
    lines += ["## Accounts, most urgent first", ""]
    dimension_names = model.dimension_names
    lines += md_table(["Next", "Account", "Segment", "ARR", "Health", "Class", "Trend"]
                      + [md(model.dimension_labels[d]) for d in dimension_names], [],
                      "lllrrll" + "r" * len(dimension_names))

    def row(r):
        return [md_row([r["next_action"]["attention"], f"{md(r['name'])} ({md(r['customer_id'])})", r["segment"],
                        money(r["arr"]), score(r["overall_score"]), r["classification"], md(_trend_words(r))]
                       + [score(r["dimensions"][d]["score"]) for d in dimension_names])]

    return markdown_pieces(lines, report, row, "## Why, and what to do", lambda r: _account_markdown(r, model, limit))


def _account_markdown(r, model, limit):
    lines = [f"### {md(r['name'])} ({md(r['customer_id'])}): {r['next_action']['attention']}", "",
             f"- {md(next_action_words.sentence(r['next_action']))}"]
    why, _ = focus_words.shown(r["why"], limit)
    for reason in why:
        lines.append(f"- Why: {md(reason['detail'])} costs {reason['points_lost']:.1f} points")
    lines += changes_views.account_markdown(r)
    actions, most = focus_words.other_actions(r["recommendations"], r["next_action"], limit)
    lines += owner_markdown(r)
    return lines + account_tail_markdown(actions, r["missing_metrics"], r["data_completeness"], r["notes"], most)


def csv_header(model):
    header = ["customer_id", "name", "segment", "arr", "overall_score", "classification", "attention_priority",
              "trend", "previous_overall_score"]
    for name in model.dimension_names:
        header += [f"{name}_score", f"{name}_classification", f"{name}_trend"]
    return header + ["data_completeness", "missing_metrics", "why", "recommendations", "notes", "days_to_renewal",
                     "next_action_attention", "next_action"] + OWNER_COLUMNS


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
        result["days_to_renewal"], result["next_action"]["attention"], result["next_action"]["action"],
    ] + owner_cells(result)


__all__ = ["text", "markdown", "csv_header", "csv_row", "CLASSES"]
