"""The words and rows every format of the portfolio report shares (csm.render.portfolio, portfolio_html).

No customer text lands in them unless the caller escapes it (an `escape` argument,
or the caller's own md, html_text or terminal).
"""


from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from csm.config.churn import TIERS
from csm.figures import money
from csm.render import focus as focus_words
from csm.render.common import money_short, pct, score
from csm.words import number_word, people_name, plural

TITLE = "Portfolio Report"
SECTIONS = ("1. The book at a glance", "2. Critical and high churn risk", "3. Renewals, next four quarters",
            "4. Trends", "5. Expansion", "6. Action list: who to call this week")



# ---------------------------------------------------------------------------------------------
# Words every format shares (no customer text in them unless the caller escapes it)

def section_title(index: int, report: Dict[str, Any]) -> str:
    """A section's title; in a filtered run, the scope of its figures: the whole book (section 1) or
    the listed accounts (the others), with the filters."""
    title = SECTIONS[index]
    if index == 2:
        count = len(report["views"]["renewals"]["quarters"])
        title = title.replace("four", number_word(count, highest=6))
    filters = focus_words.filter_words(report["summary"])
    if filters:
        title += " (whole book)" if index == 0 else f" (listed: {filters})"
    return title


def headline(report: Dict[str, Any]) -> str:
    book = report["views"]["book"]
    words = (f"{plural(book['accounts'], 'account')}, {money(book['total_arr'])} ARR "
             f"({money_short(book['total_arr'])})")
    listed = focus_words.summary_words(report["summary"])
    return f"{words}; {listed}" if listed else words


def _benchmark_words(figure, suffix=""):
    verdict = "met" if figure["meets_benchmark"] else "below"
    return f"target {figure['benchmark']:g}{suffix}: {verdict}"


def book_rows(book: Dict[str, Any], retention_hint: bool = True) -> List[Tuple[str, str]]:
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


def retention_words(retention: Dict[str, Any]) -> str:
    """The retention figures a reader can check NRR and GRR against."""
    return (f"Starting ARR {money(retention['starting_arr'])} + expansion {money(retention['expansion_arr'])} "
            f"- contraction {money(retention['contraction_arr'])} - churned {money(retention['churned_arr'])} "
            f"= {money(retention['ending_arr'])}")


def mix_rows(mix: Dict[str, Any], names: Iterable[str]) -> List[List[Any]]:
    return [[name.capitalize(), mix[name]["count"], pct(mix[name]["share_of_accounts"]), money(mix[name]["arr"]),
             pct(mix[name]["share_of_arr"])] for name in names]


MIX_HEADER = ["Accounts", "% accounts", "ARR", "% ARR"]


def mix_sentences(mix):
    """e.g. 'Green: 8 accounts (40.0%), $1.2M ARR (45.0%)'."""
    return [f"{name.capitalize()}: {plural(c['count'], 'account')} ({pct(c['share_of_accounts'])}), "
            f"{money_short(c['arr'])} ARR ({pct(c['share_of_arr'])})" for name, c in mix.items()]


def renewal_short(days: Optional[int], end_date: Optional[str]) -> str:
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


def quarter_rows(renewals: Dict[str, Any]) -> List[List[Any]]:
    rows = []
    for quarter in renewals["quarters"] + [dict(renewals["total"], quarter="Total", start=None)]:
        dates = f"{quarter['start']} to {quarter['end']}" if quarter["start"] else ""
        rows.append([quarter["quarter"], dates, quarter["count"], money(quarter["arr"])]
                    + [_tier_cell(quarter["tiers"][tier]) for tier in TIERS]
                    + [money(quarter["forecast_arr"]), pct(quarter["forecast_share"])])
    return rows


QUARTER_HEADER = ["Quarter", "Dates", "Due", "ARR due", "Critical", "High", "Medium", "Low", "Forecast", "%"]


def forecast_words(renewals: Dict[str, Any]) -> str:
    if renewals["total"]["forecast_interval_90"] is not None:
        low, high = renewals["total"]["forecast_interval_90"]
        return ("Forecast = the sum over the accounts due of ARR x (1 - the account's churn probability), from "
                f"{renewals['forecast_basis']}; 90% interval for the total {money(low)} to {money(high)} (each "
                "account renewing or not on its own). "
                f"Quarters are {renewals['quarter_rule']}; lapsed renewals are not in the forecast.")
    probabilities = renewals["renewal_probability"]
    words = ("Forecast = ARR due x the probability of renewal of its risk tier ("
             + ", ".join(f"{tier} {probabilities[tier] * 100:g}%" for tier in TIERS) + "). ")
    if renewals["probabilities_are_assumptions"]:
        words += ("These probabilities are assumptions, not calibrated by a backtest; set your own with "
                  "--config (report.renewal_probability). ")
    else:
        words += f"Probabilities: {renewals['renewal_probability_source']}. "
    return words + f"Quarters are {renewals['quarter_rule']}; lapsed renewals are not in the forecast."


def renewal_tail_words(renewals: Dict[str, Any]) -> str:
    later, unknown = renewals["later"], renewals["unknown_date"]
    last = renewals["quarters"][-1]["quarter"] if renewals["quarters"] else "the last quarter"
    words = (f"Renewing after {last}: {plural(later['count'], 'account')}, {money(later['arr'])}. "
             f"Renewal date unknown: {plural(unknown['count'], 'account')}, {money(unknown['arr'])}.")
    if renewals["not_in_churn_analysis"]:
        words += f" Not in the churn analysis: {plural(len(renewals['not_in_churn_analysis']), 'account')}."
    return words


def trend_cells(entry: Dict[str, Any]) -> List[str]:
    previous = entry["previous_overall_score"]
    change = entry["change"]
    was = f"{score(previous)} {entry['previous_classification']}" if previous is not None else "n/a"
    return [f"{score(entry['overall_score'])} {entry['classification']}", was,
            "n/a" if change is None else f"{change:+.1f}"]


TREND_GROUPS = (("declining", "Declining"), ("falling_greens", "Greens falling"),
                ("recovering_reds", "Reds recovering"))


def opportunity_words(opportunity: Dict[str, Any], escape: Callable[[str], str]) -> str:
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


def pipeline_rows(expansion_view: Dict[str, Any], escape: Callable[[str], str]) -> List[List[Any]]:
    rows = [[escape(line["type"]), line["count"], money(line["estimated_revenue"]), money(line["ready_revenue"]),
             money(line["on_hold_revenue"])] for line in expansion_view["pipeline"].values()]
    rows.append(["Total", sum(line["count"] for line in expansion_view["pipeline"].values()),
                 money(expansion_view["total_estimated_revenue"]), money(expansion_view["ready_revenue"]),
                 money(expansion_view["on_hold_revenue"])])
    return rows


PIPELINE_HEADER = ["Type", "Opportunities", "Revenue", "Ready now", "On hold"]


def top_opportunities(report: Dict[str, Any]) -> Tuple[str, List[Dict[str, Any]]]:
    """The pipeline section's opportunity list: (its heading, its rows), of the accounts the section covers
    (the listed ones in a filtered run, as the section's title says; else the whole book)."""
    scope = report["listed"] if "listed" in report else report["summary"]
    top = scope["expansion"]["top_opportunities"] if scope is not None else {"count": 0, "of": 0,
                                                                             "opportunities": []}
    count, total = top["count"], top["of"]
    if not total:
        return "Opportunities: none", []
    shown = f"Top {count:,} of {total:,} opportunities" if count < total else \
        f"All {plural(total, 'opportunity', 'opportunities')}"
    return (f"{shown}, ready first, then by estimated revenue (every one: expansion_opportunity_scorer.py "
            "--by opportunity)"), top["opportunities"]


def rest_words(views: Dict[str, Any], escape: Callable[[str], str], template: str = "{}") -> str:
    """The accounts the call list leaves off for capacity, in words ('' when none)."""
    rest = views.get("action_list_rest")
    if not rest or not rest["count"]:
        return ""
    return template.format(escape(f"... and {plural(rest['count'], 'more account')} ({money(rest['arr'])} ARR) "
                                  f"beyond the team's capacity of {rest['capacity']:,} calls (--capacity)."))


def shown_items(items: List[Any], limit: int) -> Tuple[List[Any], int]:
    return items[:limit], max(0, len(items) - limit)


def more_words(hidden: int) -> str:
    return f"... and {hidden:,} more (all of them in --format json)."


def analysis_notes(report: Dict[str, Any]) -> List[Tuple[Dict[str, Any], str, List[str]]]:
    notes = []
    for result in report["customers"]:
        for name, messages in result["analysis_errors"].items():
            notes.append((result, name, messages))
    return notes


ANALYSIS_WORDS = {"health": "health", "churn": "churn risk", "expansion": "expansion"}
