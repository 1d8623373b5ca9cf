"""Writing reports: the views of each analysis in text, markdown, HTML, CSV and JSON.

Each analysis has its module (`health`, `churn`, `expansion`, `portfolio` with
`portfolio_html`, `backtest`, `scorecard`, `brief`); `common` holds the primitives
(tables, wrapping, escaping of untrusted text), `json_document` the JSON writer,
`changes`, `owners`, `focus` and `next_action` the blocks several views share.
Render reads results and never scores.
"""
