"""How a book's coverage reads: one line per analysis that misses part of its model, in every format.

The summary's `coverage` (csm.report.coverage.summary_entry) is there only when some
analysis of the run misses a metric no record carries; then the header of the text
and markdown reports and the first screen of the HTML report say so, beside the
methodology line. A book that carries every model says nothing (its outputs are as
they were).
"""

from typing import List

from csm.render.common import html_text, md, terminal, wrap

SHOWN_METRICS = 6  # missing metrics named per line; the JSON lists all

ANALYSIS_WORDS = {"health": "health", "churn": "churn risk", "expansion": "expansion"}


def lines_of(summary: dict) -> List[str]:
    """The coverage sentences of a summary (none when the book carries every model)."""
    sentences = []
    for analysis, entry in summary.get("coverage", {}).items():
        missing = entry["missing_metrics"]
        if not missing:
            continue
        named = ", ".join(missing[:SHOWN_METRICS]) + (f" and {len(missing) - SHOWN_METRICS} more"
                                                        if len(missing) > SHOWN_METRICS else "")
        share = entry["share_of_weight"]
        lead = (f"Coverage: {ANALYSIS_WORDS[analysis]} scored on {share:.1%} of its model's weight"
                if share > 0 else f"Coverage: {ANALYSIS_WORDS[analysis]} not scored: no record carries its data")
        sentences.append(f"{lead} (no record carries {named})")
    return sentences


def text(summary: dict) -> List[str]:
    """Coverage lines for an 80-column terminal."""
    lines = []
    for sentence in lines_of(summary):
        lines += wrap(terminal(sentence, 2000))
    return lines


def markdown(summary: dict) -> List[str]:
    """Coverage lines for a markdown report: one bold-led paragraph each, then a blank line."""
    lines = []
    for sentence in lines_of(summary):
        head, _, rest = sentence.partition(": ")
        lines += [f"**{head}:** {md(rest)}", ""]
    return lines


def html(summary: dict) -> str:
    """Coverage paragraphs for the first screen of an HTML report."""
    return "".join(f'<p class="note"><strong>{html_text(sentence.partition(": ")[0])}:</strong> '
                   f'{html_text(sentence.partition(": ")[2])}</p>' for sentence in lines_of(summary))
