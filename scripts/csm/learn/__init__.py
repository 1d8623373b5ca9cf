"""Learning from outcomes: the backtest of a tool's scores, and a scorecard fitted to the team's churn.

- `backtest`: do the scores predict the churn the team saw (AUC, lift, cut-offs)?
- `fitting`: logistic regression on a sparse 0/1 design, and its cross-validation;
- `scorecard`: candidates -> indicators -> points -> a methodology file.
"""
