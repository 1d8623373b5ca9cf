"""How a fitted scorecard's report reads: 80-column text and markdown (json is the report itself).

`text(report)` and `markdown(report)` take the report of `csm.scorecard.fit_scorecard`
(with the `output` path and `tool` the script adds) and return the whole document.
"""

from typing import Any, Dict

from csm.render.backtest import RELIABILITY_HEADER, probability_words, reliability_rows
from csm.render.common import md, md_table, pct, rejected_markdown, rejected_text, rule, terminal, text_table, wrap

SHOWN_IDS = 10


def _auc(entry):
    if entry["auc"] is None:
        return "n/a"
    low, high = entry["interval_95"]
    interval = f" (95% {low:.3f}-{high:.3f})" if low is not None else ""
    return f"{entry['auc']:.3f}{interval}"


def _percent(value):
    return pct(None if value is None else value * 100)


def _lift(value):
    return "n/a" if value is None else f"{value:.2f}x"


def _headline(report):
    return (f"{report['accounts']:,} accounts with an outcome, {report['churned']:,} churned "
            f"(base rate {_percent(report['base_rate'])})")


def _cutoff_words(report):
    values = report["cutoffs"]["values"]
    if report["analysis"] == "churn":
        return (f"critical >= {values['critical']:g}, high >= {values['high']:g}, medium >= {values['medium']:g} "
                "(risk score)")
    return f"green >= {values['green']:g}, yellow >= {values['yellow']:g} (every segment; health score)"


def _validation_rows(report):
    validation = report["validation"]
    rows = [["Starting model", _auc(validation["starting_model"]), "fixed figures"],
            ["Fitted scorecard", _auc(validation["fitted_out_of_fold"]), "out of fold"]]
    return rows


def _notes(report):
    validation = report["validation"]
    in_sample = validation["in_sample"]
    folds = validation["fitted_out_of_fold"]["fold_aucs"]
    regularisation = report["regularisation"]
    lines = [f"{name}: AUC n/a, {entry['reason']}." for name, entry in
             (("Starting model", validation["starting_model"]), ("Fitted scorecard", validation["fitted_out_of_fold"]))
             if entry["auc"] is None]
    lost = in_sample["auc_lost_to_rounding"]
    cost = f"cost {lost:.4f} AUC" if lost > 0 else f"cost no AUC ({-lost:+.4f})"
    lines += [
        f"Each account is scored by the scorecard fitted on the other {report['folds'] - 1} folds "
        f"({report['folds']}-fold, stratified, seed {report['seed']}); fold AUCs "
        + ", ".join("n/a" if auc is None else f"{auc:.3f}" for auc in folds) + ".",
        f"The model behind it reached {validation['model_out_of_fold_auc']:.3f} out of fold; rounding to "
        f"points {cost} on the accounts it learnt from "
        f"(model {in_sample['model_auc']:.3f}, scorecard {in_sample['scorecard_auc']:.3f}).",
        f"Regularisation: L2 penalty {regularisation['chosen_l2']:g}, the lowest out-of-fold log loss of "
        + ", ".join(f"{point['l2']:g}" for point in regularisation["path"]) + ".",
    ]
    return lines


def _band_rows(report):
    bands = report.get("by_tier") or report.get("by_class")
    return [[band.capitalize(), entry["accounts"], entry["churned"], _percent(entry["churn_rate"]),
             _lift(entry["lift"])] for band, entry in bands.items()]


def _metric_rows(report, escape):
    rows = []
    for entry in report["metrics"]:
        rows.append([escape(entry["column"]), escape(entry["group"]), entry["scoring"], f"{entry['points_range']:.1f}"])
    return rows


def _levels(entry):
    return ", ".join(f"{level} {figure:g}" for level, figure in entry["levels"].items())


def _top_band(report):
    top = report["top_band"]
    return (f"Top band ({top['band']}): {top['accounts']:,} accounts, {top['churned']:,} churned, "
            f"churn rate {_percent(top['churn_rate'])}, lift {_lift(top['lift'])} the base rate.")


def _unmatched(report):
    lines = []
    missing = report["unmatched_outcomes"]["not_in_portfolio"]
    if missing["count"]:
        shown = ", ".join(missing["customer_ids"][:SHOWN_IDS]) + (" ..." if missing["count"] > SHOWN_IDS else "")
        lines.append(f"{missing['count']:,} outcomes name an account the portfolio does not have: {shown}")
    without = report["unmatched_outcomes"]["accounts_without_outcome"]
    if without["count"]:
        lines.append(f"{without['count']:,} accounts have no outcome and were not used.")
    return lines


def _kept_words(report):
    kept = len(report["metrics"])
    return f"{kept} metric{'' if kept == 1 else 's'} kept"


def _path_rows(report, escape):
    kept = report["selection"]["kept"]
    return [[f"{step['metrics']}{' *' if step['metrics'] == kept else ''}", escape(step["added"]),
             "n/a" if step["auc"] is None else f"{step['auc']:.3f}", f"{step['log_loss']:.4f}",
             f"{step['standard_error']:.4f}"] for step in report["selection"]["path"]]


def _calibration_words(calibration):
    return (f"Each churn result scored with the file carries churn_probability, from a "
            f"{calibration['method']}, on {calibration['scope']}. {probability_words(calibration)}")


def _score_command(report):
    return f"python3 scripts/{report['tool']} BOOK --config {report['output']}"


def text(report: Dict[str, Any]) -> str:
    """Return the report as 80-column text."""
    width_rule = rule()
    lines = [f"Fitted {report['analysis']} scorecard", width_rule]
    lines += wrap(_headline(report) + ".")
    lines += wrap(f"Written to {terminal(report['output'])}; score a book with it: "
                  f"{terminal(_score_command(report))}")
    lines += ["", f"The {_kept_words(report)} and their points", rule("-")]
    lines += wrap("Range: the most a metric moves the 0-100 score.")
    lines += text_table(["Metric", "Group", "Scoring", "Range"], _metric_rows(report, terminal), "lllr")
    for entry in report["metrics"]:
        lines += wrap(f"{terminal(entry['column'])}: {terminal(_levels(entry))}", indent="    ", first="  ")
    if report["selection"]["path"]:
        lines += ["", "Selection: metrics kept against out-of-fold AUC", rule("-")]
        lines += wrap(f"Rule: {report['selection']['rule']}.")
        lines += text_table(["Metrics", "Added", "AUC", "Log loss", "SE vs lowest"], _path_rows(report, terminal), "rlrrr")
    lines += ["", "How it holds on accounts it did not learn from (AUC)", rule("-")]
    lines += text_table(["Model", "AUC (bootstrap 95% interval)", "Basis"], _validation_rows(report), "lll")
    for note in _notes(report):
        lines += wrap(note)
    lines += ["", "Cut-offs (chosen on out-of-fold scores)", rule("-")]
    lines += wrap(_cutoff_words(report))
    lines += text_table(["Band", "Accounts", "Churned", "Churn rate", "Lift"], _band_rows(report), "lrrrr")
    lines += wrap(_top_band(report))
    if report["calibration"] is not None:
        lines += ["", "Churn probabilities (written into the file)", rule("-")]
        lines += wrap(_calibration_words(report["calibration"]))
        lines += text_table(RELIABILITY_HEADER, reliability_rows(report["calibration"]), "rrrr")
    if report["dropped"]:
        lines += ["", f"Dropped candidates ({len(report['dropped'])})", rule("-")]
        for entry in report["dropped"]:
            lines += wrap(f"{terminal(entry['column'])}: {entry['why']}", indent="    ", first="  ")
    extra = report["warnings"] + _unmatched(report)
    if extra:
        lines += ["", "Warnings", rule("-")]
        for line in extra:
            lines += wrap(terminal(line), indent="    ", first="  ")
    rejected = rejected_text(report["rejected"])
    if rejected:
        lines += [""] + rejected
    return "\n".join(lines) + "\n"


def markdown(report: Dict[str, Any]) -> str:
    """Return the report as markdown."""
    lines = [f"# Fitted {report['analysis']} scorecard", "", md(_headline(report)) + ".", "",
             f"Written to `{md(report['output'])}`; score a book with it: `{md(_score_command(report))}`", "",
             f"## The {_kept_words(report)} and their points", "",
             "Points range: the most a metric moves the 0-100 score.", ""]
    rows = [row + [md(_levels(entry))] for row, entry in zip(_metric_rows(report, md), report["metrics"])]
    lines += md_table(["Metric", "Group", "Scoring", "Range", "Points by level"], rows, "lllrl")
    if report["selection"]["path"]:
        lines += ["", "## Selection: metrics kept against out-of-fold AUC", "",
                  md(f"Rule: {report['selection']['rule']}."), ""]
        lines += md_table(["Metrics", "Added", "AUC", "Log loss", "SE vs lowest"], _path_rows(report, md), "rlrrr")
    lines += ["", "## How it holds on accounts it did not learn from (AUC)", ""]
    lines += md_table(["Model", "AUC (bootstrap 95% interval)", "Basis"], _validation_rows(report), "lll")
    lines.append("")
    lines += [f"- {md(note)}" for note in _notes(report)]
    lines += ["", "## Cut-offs (chosen on out-of-fold scores)", "", md(_cutoff_words(report)), ""]
    lines += md_table(["Band", "Accounts", "Churned", "Churn rate", "Lift"], _band_rows(report), "lrrrr")
    lines += ["", md(_top_band(report))]
    if report["calibration"] is not None:
        lines += ["", "## Churn probabilities (written into the file)", "", md(_calibration_words(report["calibration"])),
                  ""]
        lines += md_table(RELIABILITY_HEADER, reliability_rows(report["calibration"]), "rrrr")
    if report["dropped"]:
        lines += ["", f"## Dropped candidates ({len(report['dropped'])})", ""]
        lines += [f"- {md(entry['column'])}: {md(entry['why'])}" for entry in report["dropped"]]
    extra = report["warnings"] + _unmatched(report)
    if extra:
        lines += ["", "## Warnings", ""] + [f"- {md(line)}" for line in extra]
    lines.append("")
    lines += rejected_markdown(report["rejected"])
    return "\n".join(lines).rstrip("\n") + "\n"
