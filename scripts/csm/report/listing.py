"""The portfolio report's account list in JSON: a brief per account, or the three results in full.

The cross-views (csm.report.views) are worked out from the three analyses' full
results; the report's `customers` list then carries, by default, each account's
brief: what a reader of the book scans and a pipeline joins on, in the same field
names as each tool's own result, so a brief is an abridgement of what that tool
writes for the account:

- the account's own keys, as in the full result: customer_id, name, segment, arr,
  owner, contract_start_date, priority, analysis_errors (and lifecycle, when known);
- `health`: overall_score, classification, trend (the tool's `trends.overall`),
  attention_priority, previous_overall_score;
- `churn`: risk_score, risk_tier, churn_probability (null without a fitted calibration),
  renewal_status, days_to_renewal, contract_end_date;
- `expansion`: readiness (the tool's `readiness.status`), total_estimated_revenue,
  opportunity_count, top_opportunity (its largest ready opportunity, else its largest:
  csm.score.expansion.top_opportunity, the one "start with" names; but for its rationale).

An analysis that could not score the account is None, as in the full result.
Each brief is made as its account is scored (csm.report.portfolio.keep) and listed
in the report's order. `--full` writes the three results in full instead (each as
its own tool writes it): about four times the size, slower to write and to read back.
"""

from csm.score import expansion

CHURN_FIELDS = ("risk_score", "risk_tier", "churn_probability", "renewal_status", "days_to_renewal",
                "contract_end_date")
LEFT_OUT = ("rationale",)  # of the top opportunity: words (its readiness stays: a tier upgrade may wait)


def brief(result: dict) -> dict:
    """Return the brief of one account of the report (a result of portfolio.assess).

    >>> full = {"customer_id": "A-1", "name": "Acme", "segment": "smb", "arr": 9000, "owner": None,
    ...         "contract_start_date": None, "priority": "low", "health": None, "churn": None,
    ...         "expansion": {"readiness": {"status": "ready"}, "total_estimated_revenue": 900,
    ...                       "opportunity_count": 1, "opportunities": [
    ...                           {"type": "Module cross-sell", "module": "sso", "estimated_revenue": 900,
    ...                            "readiness": "ready", "rationale": "..."}]},
    ...         "analysis_errors": {"health": ["usage is missing"], "churn": ["usage is missing"]}}
    >>> brief(full)["expansion"]
    {'readiness': 'ready', 'total_estimated_revenue': 900, 'opportunity_count': 1, 'top_opportunity': {'type': 'Module cross-sell', 'module': 'sso', 'estimated_revenue': 900, 'readiness': 'ready'}}
    """
    out = dict(result)  # the account's own keys (identity, priority, lifecycle ...) as they are, in order
    fitness = result["health"]
    if fitness is None:
        out["health"] = None
    else:
        out["health"] = {
            "overall_score": fitness["overall_score"],
            "classification": fitness["classification"],
            "trend": fitness["trends"]["overall"],
            "attention_priority": fitness["attention_priority"],
            "previous_overall_score": fitness["previous_overall_score"],
        }
    risk = result["churn"]
    out["churn"] = None if risk is None else {name: risk[name] for name in CHURN_FIELDS}
    found = result["expansion"]
    if found is None:
        out["expansion"] = None
    else:
        top = expansion.top_opportunity(found["opportunities"])
        if top is not None:
            top = {key: value for key, value in top.items() if key not in LEFT_OUT}
        out["expansion"] = {
            "readiness": found["readiness"]["status"],
            "total_estimated_revenue": found["total_estimated_revenue"],
            "opportunity_count": found["opportunity_count"],
            "top_opportunity": top,
        }
    return out
