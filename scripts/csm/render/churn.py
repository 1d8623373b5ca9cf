"""How the churn risk report reads: 80-column text, QBR-ready markdown, one CSV row per account."""

from csm.config.churn import SEVERITIES, TIERS
from csm.words import renewal_words
from csm.figures import money
from csm.words import plural
from csm.render.common import (account_tail, account_tail_markdown, accounts_pieces, markdown_pieces, md, md_row,
                               md_table, owner_cells, OWNER_COLUMNS, owner_markdown, owner_text, owner_words,
                               path_line, pct, score, terminal, text_table, why_line, wrap)
from csm.render import changes as changes_views
from csm.values import printable
from csm.render import focus as focus_words
from csm.render import next_action as next_action_words
from csm.config.next_action import ACT_TODAY, ATTENTIONS

TITLE = "Churn Risk Report"


def _headline(summary):
    return (f"{plural(summary['total_customers'], 'account')}, {money(summary['total_arr'])} ARR; "
            f"average risk {score(summary['average_risk_score'])}; ARR at risk (critical + high) "
            f"{money(summary['total_arr_at_risk'])} ({pct(summary['arr_at_risk_share'])} of the book)")


def _risk_words(result):
    """The score and how it was reached, e.g. 'risk 39.6 = raw 26.4 x 1.5 (renewal urgency)'."""
    multiplier = result["urgency_multiplier"]
    words = f"risk {score(result['risk_score'])} {result['risk_tier']}"
    if multiplier != 1:
        words += f" (raw {score(result['raw_score'])} x {multiplier:g} renewal urgency)"
    return words


def _renewal(result):
    return renewal_words(result["days_to_renewal"], result["contract_end_date"])


def _signal_words(result, model):
    parts = []
    for name, signal in result["signal_scores"].items():
        parts.append(f"{model.signal_labels.get(name, name)} {score(signal['score'])}")
    return parts


def _tier_rows(summary):
    tiers = summary["tiers"]
    return [[tier.capitalize(), tiers[tier]["count"], pct(tiers[tier]["share_of_accounts"]), money(tiers[tier]["arr"]),
             pct(tiers[tier]["share_of_arr"])] for tier in TIERS]


def _segment_rows(summary):
    return [[name, s["count"], money(s["arr"]), score(s["average_risk_score"]), money(s["arr_at_risk"])]
            + [s[f"{tier}_count"] for tier in TIERS] for name, s in summary["segments"].items()]


def _renewal_rows(summary):
    rows = [[f"Next {window['days']} days", window["count"], money(window["arr"])]
            + [window["tiers"][tier] for tier in TIERS] for window in summary["renewals_due"].values()]
    lapsed = summary["lapsed_renewals"]
    rows.append(["Lapsed", lapsed["count"], money(lapsed["arr"])] + [lapsed["tiers"][tier] for tier in TIERS])
    return rows


SEGMENT_HEADER = ["Segment", "Accounts", "ARR", "Avg risk", "At risk", "Crit", "High", "Med", "Low"]
RENEWAL_HEADER = ["Renewal", "Accounts", "ARR", "Crit", "High", "Med", "Low"]


def text(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report for an 80-column terminal: summary first, then accounts, riskiest first.

    A render.Pieces, written a batch of accounts at a time; str() of it is the text.
    """
    summary = report["summary"]
    lines = changes_views.header_text(TITLE, report, _headline(summary))
    lines += ["", "Risk mix"]
    lines += text_table(["Tier", "Accounts", "% accounts", "ARR", "% ARR"], _tier_rows(summary), "lrrrr")
    lines += ["", "By segment"]
    lines += text_table(SEGMENT_HEADER, _segment_rows(summary), "lrrrrrrrr")
    lines += ["", "Renewals"]
    lines += text_table(RENEWAL_HEADER, _renewal_rows(summary), "lrrrrrr")
    lapsed_ids, lapsed_count = summary["lapsed_renewals"]["customer_ids"], summary["lapsed_renewals"]["count"]
    if lapsed_ids:
        shown_ids = ", ".join(printable(i, 30) for i in lapsed_ids[:10])
        more = f" and {lapsed_count - 10} more" if lapsed_count > 10 else ""
        lines += wrap(f"Lapsed: {shown_ids}{more}")
    lines.append(f"Renewal date unknown: {plural(summary['unknown_renewal_count'], 'account')}")
    counts = summary["warning_counts"]
    lines += wrap("Warnings: " + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
                  + f"; incomplete data: {summary['incomplete_data_count']}")
    lines += wrap("Next actions: " + ", ".join(f"{summary['next_action_attention'][a]} {a}"
                                               for a in ATTENTIONS))
    listed = focus_words.summary_words(summary)
    if listed:
        lines += wrap(f"Listed: {listed}")
    lines += changes_views.owners_text(summary)
    return accounts_pieces(lines, report, lambda result: _account_text(result, model, limit))


def _account_text(result, model, limit):
    name = terminal(result["name"], 40)
    ident = terminal(result["customer_id"], 30)
    lines = [next_action_words.head_line(result["next_action"], f"{name} ({ident})")]
    data = f"; data {pct(result['data_completeness'])}" if result["data_completeness"] < 100 else ""
    days = result["days_to_renewal"]
    renewal = ("no renewal date" if days is None else f"lapsed {result['contract_end_date']}" if days < 0
               else f"renews {result['contract_end_date']}")
    detail = limit is None
    risk = _risk_words(result) if detail else f"risk {score(result['risk_score'])} {result['risk_tier']}"
    lines += wrap(f"{result['segment']}, {money(result['arr'])} ARR{owner_words(result)}; {risk}; {renewal}{data}",
                  indent="  ")
    lines += wrap(next_action_words.short(result["next_action"]), indent="        ", first="  ")
    warnings, hidden = focus_words.shown(result["warning_signals"], limit)
    for position, warning in enumerate(warnings, 1):
        more = f" (+{hidden} more)" if hidden and position == len(warnings) else ""
        lines += wrap(f"! {warning['severity'].upper():<9}{warning['message']}{more}", indent="             ",
                      first="  ")
    if detail:  # --detail: the signal scores and every reason
        lines += wrap(" | ".join(_signal_words(result, model)), indent="  ")
        for reason in result["why"]:
            lines += wrap(f"Why: {reason['detail']} adds {reason['points']:.1f} points", indent="       ",
                          first="  ")
    elif result["why"]:
        signal_labels = model.signal_labels  # the short form: the signals that add most, as many as fit one line
        lines += why_line(f"{signal_labels.get(reason['signal'], reason['signal'])} +{reason['points']:.1f}"
                          for reason in result["why"])
    if result["next_action"]["attention"] == ACT_TODAY and result["path_to_lower_risk"] is not None:
        lines += path_line(result["path_to_lower_risk"], f"{result['path_to_lower_risk']['target']} risk")
    lines += changes_views.account_text(result)
    actions, most = focus_words.other_actions(result["recommended_actions"], result["next_action"], limit)
    return lines + owner_text(result) + account_tail(actions, result["missing_fields"], result["notes"], most)


def markdown(report, model, limit=focus_words.DETAIL_LIMIT):
    """Return the report as GitHub markdown, ready for a QBR deck."""
    summary = report["summary"]
    lines = changes_views.header_markdown(TITLE, report, _headline(summary))
    lines += ["## Risk mix", ""]
    lines += md_table(["Tier", "Accounts", "% accounts", "ARR", "% ARR"], _tier_rows(summary), "lrrrr")
    lines += ["", "## By segment", ""]
    lines += md_table(SEGMENT_HEADER, _segment_rows(summary), "lrrrrrrrr")
    lines += ["", "## Renewals", ""]
    lines += md_table(RENEWAL_HEADER, _renewal_rows(summary), "lrrrrrr")
    lapsed_ids, lapsed_count = summary["lapsed_renewals"]["customer_ids"], summary["lapsed_renewals"]["count"]
    counts = summary["warning_counts"]
    lines += [""]
    if lapsed_ids:
        more = f" and {lapsed_count - len(lapsed_ids):,} more" if lapsed_count > len(lapsed_ids) else ""
        lines += ["**Lapsed:** " + ", ".join(md(i) for i in lapsed_ids) + more, ""]
    lines += [f"**Renewal date unknown:** {summary['unknown_renewal_count']} · **Warnings:** "
              + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
              + f" · **Incomplete data:** {summary['incomplete_data_count']}", ""]
    listed = focus_words.summary_words(summary)
    if listed:
        lines += [f"**Listed:** {md(listed)}", ""]
    lines += changes_views.owners_markdown(summary)
    lines += ["## Accounts, most urgent first", ""]
    signal_names = model.signal_names
    lines += md_table(["Next", "Tier", "Account", "Segment", "ARR", "Risk", "Raw", "Urgency", "Renewal"]
                      + [md(model.signal_labels[s]) for s in signal_names], [],
                      "llllrrrrl" + "r" * len(signal_names))

    def row(r):
        return [md_row([r["next_action"]["attention"], r["risk_tier"], f"{md(r['name'])} ({md(r['customer_id'])})",
                        r["segment"], money(r["arr"]), score(r["risk_score"]), score(r["raw_score"]),
                        f"x{r['urgency_multiplier']:g}", md(_renewal(r))]
                       + [score(r["signal_scores"][s]["score"]) for s in signal_names])]

    return markdown_pieces(lines, report, row, "## Why, and what to do", lambda r: _account_markdown(r, model, limit))


def _account_markdown(r, model, limit):
    lines = [f"### {md(r['name'])} ({md(r['customer_id'])}): {md(r['risk_label'])}, {score(r['risk_score'])}", "",
             f"- {md(next_action_words.sentence(r['next_action']))}"]
    warnings, hidden = focus_words.shown(r["warning_signals"], limit)
    for warning in warnings:
        lines.append(f"- Warning ({warning['severity']}): {md(warning['message'])}")
    if hidden:
        lines.append(f"- ... and {plural(hidden, 'more warning')} (--detail, or --format json)")
    for reason in r["why"]:
        lines.append(f"- Why: {md(reason['detail'])} adds {reason['points']:.1f} points")
    lines += changes_views.account_markdown(r)
    actions, most = focus_words.other_actions(r["recommended_actions"], r["next_action"], limit)
    lines += owner_markdown(r)
    return lines + account_tail_markdown(actions, r["missing_fields"], r["data_completeness"], r["notes"], most)


def csv_header(model):
    return (["customer_id", "name", "segment", "arr", "risk_score", "raw_score", "risk_tier", "risk_label",
             "urgency_multiplier", "days_to_renewal", "contract_end_date", "renewal_status"]
            + [f"{name}_score" for name in model.signal_names]
            + ["warning_count", "warning_signals", "why", "recommended_actions", "data_completeness",
               "missing_fields", "notes", "next_action_attention", "next_action"] + OWNER_COLUMNS)


def csv_row(result, model):
    signals = result["signal_scores"]
    return ([result["customer_id"], result["name"], result["segment"], result["arr"], result["risk_score"],
             result["raw_score"], result["risk_tier"], result["risk_label"], result["urgency_multiplier"],
             result["days_to_renewal"], result["contract_end_date"], result["renewal_status"]]
            + [signals[name]["score"] for name in model.signal_names]
            + [len(result["warning_signals"]),
               " | ".join(f"{w['severity']}: {w['message']}" for w in result["warning_signals"]),
               "; ".join(f"{w['detail']} (+{w['points']:.1f})" for w in result["why"]),
               " | ".join(result["recommended_actions"]),
               result["data_completeness"],
               "; ".join(result["missing_fields"]),
               " | ".join(result["notes"]),
               result["next_action"]["attention"], result["next_action"]["action"]] + owner_cells(result))
