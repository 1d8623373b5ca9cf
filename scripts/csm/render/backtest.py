"""How the backtest reads: a "Calibration (backtest)" section for 80-column text and for markdown.

`section(backtest, output_format)` returns the section to append to a tool's text
or markdown report (csm.cli.render does so whenever the report has a backtest).
"""

import json
from typing import Any, Dict, List, Optional

from csm.render.common import md, md_table, pct, rule, terminal, text_table, wrap

TITLE = "Calibration (backtest)"
SHOWN_IDS = 10


def section(backtest: Dict[str, Any], output_format: str) -> str:
    """Return the calibration section for `text` or `markdown` output ("" for any other format)."""
    if output_format == "text":
        return text(backtest)
    if output_format == "markdown":
        return markdown(backtest)
    return ""


def _percent(value):
    return pct(None if value is None else value * 100)


def _lift(value):
    return "n/a" if value is None else f"{value:.2f}x"


def _cutoff(value):
    return "n/a" if value is None else f"{value:.1f}"


def _headline(backtest):
    if not backtest["accounts"]:
        return "No scored account has an outcome, so nothing could be measured."
    return (f"Against {backtest['accounts']:,} known outcomes: {backtest['churned']:,} churned, "
            f"base churn rate {_percent(backtest['base_rate'])}.")


def _auc_words(backtest):
    if backtest["auc"] is None:
        return f"AUC n/a: {backtest['auc_reason']}."
    return (f"AUC {backtest['auc']:.3f}: a churned account looked riskier than a retained one in "
            f"{_percent(backtest['auc'])} of {backtest['auc_pairs']['pairs']:,} pairs (ties count half; "
            f"0.5 is chance, 1.0 perfect). Riskier = {backtest['riskier']}.")


def probability_words(calibration: Optional[Dict[str, Any]]) -> Optional[str]:
    """The Brier score of the churn probabilities beside the base rate's, or None without probabilities.

    >>> probability_words({"brier_score": 0.1317, "base_rate_brier_score": 0.1829})
    'Churn probabilities: Brier score 0.132, against 0.183 for the base rate alone (lower is better).'
    """
    if calibration is None or calibration["brier_score"] is None:
        return None
    return (f"Churn probabilities: Brier score {calibration['brier_score']:.3f}, against "
            f"{calibration['base_rate_brier_score']:.3f} for the base rate alone (lower is better).")


RELIABILITY_HEADER = ["Decile", "Accounts", "Predicted", "Observed"]


def reliability_rows(calibration: Dict[str, Any]) -> List[List[Any]]:
    return [[row["group"], row["accounts"], _percent(row["predicted"]), _percent(row["observed"])]
            for row in calibration["reliability"]]


def _band_rows(backtest):
    bands = backtest.get("by_class") or backtest.get("by_tier") or {}
    return [[band.capitalize(), b["accounts"], b["churned"], _percent(b["churn_rate"]), _lift(b["lift"])]
            for band, b in bands.items()]


def _band_word(backtest):
    return "Class" if "by_class" in backtest else "Tier"


def _k_rows(backtest):
    rows = [[f"Top {entry['k']}", entry["accounts"], entry["churned"], _percent(entry["precision"]),
             _percent(entry["recall"])] for entry in backtest["top_k"]]
    capacity = backtest["capacity"]
    rows.append([f"Capacity {capacity['k']}", capacity["accounts"], capacity["churned"],
                 _percent(capacity["precision"]), _percent(capacity["recall"])])
    return rows


def _capacity_words(backtest):
    basis = backtest["capacity"]["basis"]
    return f"Capacity: {basis}. Ranked {backtest['ranking']}."


def _floor_lines(floor):
    figure = floor["figure"]
    if floor["check"] == "top_band_lift":
        shown = _lift(figure)
    else:
        shown = _percent(figure)
    if floor["passed"] is None:
        return "n/a", f"{floor['rule']}: {floor['reason']}"
    return ("PASS" if floor["passed"] else "FAIL"), f"{floor['rule']}: {shown}"


def _cutoff_rows(backtest, escape):
    rows = []
    for entry in backtest["suggested_cutoffs"]["boundaries"]:
        row = [escape(entry["segment"])] if "segment" in entry else []
        row += [entry["boundary"], _cutoff(entry["current"]),
                "kept" if entry["suggested"] is None else _cutoff(entry["suggested"]),
                _percent(entry["precision"]), _percent(entry["recall"]),
                "n/a" if entry["youden_j"] is None else f"{entry['youden_j']:.2f}"]
        rows.append(row)
    return rows


def _cutoff_header(backtest):
    boundaries = backtest["suggested_cutoffs"]["boundaries"]
    lead = ["Segment"] if boundaries and "segment" in boundaries[0] else []
    return lead + ["Cut-off", "Current", "Suggested", "Precision", "Recall", "J"]


def _cutoff_notes(backtest):
    notes = []
    for entry in backtest["suggested_cutoffs"]["boundaries"]:
        if entry["reason"]:
            name = f"{entry['segment']} {entry['boundary']}" if "segment" in entry else entry["boundary"]
            notes.append((name, entry["reason"]))
    return notes


def _unmatched(backtest):
    unmatched = backtest["unmatched_outcomes"]
    return [
        ("Outcomes for customers not in the portfolio", unmatched["not_in_portfolio"]),
        ("Outcomes for records the tool rejected", unmatched["rejected_in_portfolio"]),
        ("Scored accounts without an outcome", unmatched["scored_without_outcome"]),
    ]


def _ids_words(listing, escape):
    ids = listing["customer_ids"]
    if not ids:
        return "none"
    shown = ", ".join(escape(customer_id) for customer_id in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS:,} more" if len(ids) > SHOWN_IDS else ""
    return f"{listing['count']:,} ({shown}{more})"


def text(backtest):
    """Return the calibration section for an 80-column terminal, starting with a blank line."""
    lines = ["", TITLE, rule("-")]
    lines += wrap(_headline(backtest))
    lines += wrap(_auc_words(backtest))
    if probability_words(backtest["calibration"]):
        lines += wrap(probability_words(backtest["calibration"]))
        lines += [""] + text_table(RELIABILITY_HEADER, reliability_rows(backtest["calibration"]), "rrrr")
    lines += [""] + text_table([_band_word(backtest), "Accounts", "Churned", "Churn rate", "Lift"],
                               _band_rows(backtest), "lrrrr")
    lines += [""] + text_table(["Riskiest", "Accounts", "Churned", "Precision", "Recall"], _k_rows(backtest),
                               "lrrrr")
    lines += wrap(_capacity_words(backtest))
    lines += ["", "Floors"]
    for floor in backtest["floors"]:
        verdict, words = _floor_lines(floor)
        lines += wrap(words, indent="        ", first=f"  {verdict:<4}  ")
    cutoffs = backtest["suggested_cutoffs"]
    lines += ["", "Suggested cut-offs"]
    lines += wrap(f"Rule: {cutoffs['rule']}.")
    lines += wrap(f"Note: {cutoffs['in_sample_note']}.")
    lines += text_table(_cutoff_header(backtest), _cutoff_rows(backtest, lambda value: terminal(value, 20)),
                        "l" * (len(_cutoff_header(backtest)) - 5) + "rrrrr")
    for name, reason in _cutoff_notes(backtest):
        lines += wrap(f"{name}: {reason}", indent="    ", first="  ")
    if cutoffs["config_patch"]:
        lines += ["Paste into a --config file:"]
        lines += ["  " + line for line in json.dumps(cutoffs["config_patch"], indent=2).splitlines()]
    else:
        lines += ["No cut-off to change: nothing in the outcomes supports a different one."]
    lines += ["", "Unmatched outcomes"]
    for label, listing in _unmatched(backtest):
        lines += wrap(f"{label}: {_ids_words(listing, lambda value: terminal(value, 30))}", indent="    ",
                      first="  ")
    if backtest["rejected_outcomes"]:
        lines += wrap(f"Outcome rows rejected: {backtest['rejected_outcomes']:,} (listed under Rejected "
                      "records)", indent="    ", first="  ")
    return "\n".join(lines) + "\n"


def markdown(backtest):
    """Return the calibration section as GitHub markdown, starting with a blank line."""
    lines = ["", f"## {TITLE}", "", md(_headline(backtest)) + " " + md(_auc_words(backtest)), ""]
    if probability_words(backtest["calibration"]):
        lines += [md(probability_words(backtest["calibration"])), ""]
        lines += md_table(RELIABILITY_HEADER, reliability_rows(backtest["calibration"]), "rrrr") + [""]
    lines += md_table([_band_word(backtest), "Accounts", "Churned", "Churn rate", "Lift"], _band_rows(backtest),
                      "lrrrr")
    lines += [""]
    lines += md_table(["Riskiest", "Accounts", "Churned", "Precision", "Recall"], _k_rows(backtest), "lrrrr")
    lines += ["", md(_capacity_words(backtest)), "", "### Floors", ""]
    for floor in backtest["floors"]:
        verdict, words = _floor_lines(floor)
        lines.append(f"- **{verdict}** {md(words)}")
    cutoffs = backtest["suggested_cutoffs"]
    lines += ["", "### Suggested cut-offs", "", md(f"Rule: {cutoffs['rule']}."), "",
              md(f"Note: {cutoffs['in_sample_note']}."), ""]
    header = _cutoff_header(backtest)
    lines += md_table(header, _cutoff_rows(backtest, md), "l" * (len(header) - 5) + "rrrrr")
    notes = _cutoff_notes(backtest)
    if notes:
        lines.append("")
        lines += [f"- {md(name)}: {md(reason)}" for name, reason in notes]
    lines.append("")
    if cutoffs["config_patch"]:
        lines += ["Paste into a `--config` file:", "", "```json", json.dumps(cutoffs["config_patch"], indent=2),
                  "```"]
    else:
        lines.append("No cut-off to change: nothing in the outcomes supports a different one.")
    lines += ["", "### Unmatched outcomes", ""]
    for label, listing in _unmatched(backtest):
        lines.append(f"- {label}: {_ids_words(listing, md)}")
    if backtest["rejected_outcomes"]:
        lines.append(f"- Outcome rows rejected: {backtest['rejected_outcomes']:,} (listed under Rejected records)")
    lines.append("")
    return "\n".join(lines)
