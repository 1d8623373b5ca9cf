"""customer-success-manager: health, churn risk and expansion scoring for a SaaS book.

A run flows down through rooms named for its stages, and imports flow the same way:

    cli      parse the command line, run the command, write the report safely
    report   summaries, focus, the portfolio report, history      learn  backtest, fitter
    score    one account: health, churn, expansion, next action     render  text, markdown, HTML, JSON
    ingest   read the export (JSON, CSV, xlsx, --map)              config  the methodology as data
    base     values, figures, words, errors, side files, ranking

cli -> report/learn -> score -> ingest/config -> the base modules; render reads the
results and never scores. The spec lives in references/: methodology.md (every
figure), input-schema.md (the portfolio schema) and interface.md (what every tool
promises).
"""

__version__ = "1.0.0"
