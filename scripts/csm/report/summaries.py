"""The book's figures of each analysis, built one scored account at a time (so a streamed run can keep them).

`HealthSummary`, `ChurnSummary` and `ExpansionSummary` each take the analysis' model,
`add(result)` each scored account and give `result(rejected_count)`: the summary
object the tool writes (counts and shares by class, tier or category, per segment,
per owner, renewals due, next-action attention ...). The portfolio report feeds the
same three with the same results (csm.report.portfolio.Summary), so its figures are
the ones each tool reports.
"""

import bisect
from typing import Any, Dict, List

from csm.config.churn import SEVERITIES, TIERS
from csm.config.expansion import CATEGORIES
from csm.config.health import CLASSES, PRIORITIES
from csm.config.segments import SEGMENTS
from csm.figures import money_round, share
from csm.limits import SUMMARY_IDS
from csm.ranking import Top
from csm.report import owners
from csm.score import next_action
from csm.score.expansion import start_with, potential_key, ready_key
from csm.config.expansion import READY


class FirstIds:
    """The ids of one list of a summary (declining accounts, lapsed renewals): how many, and the first
    csm.limits.SUMMARY_IDS in sort order, whatever the book's size or the order it comes in, so a streamed
    run and a sorted one hold (and write) the same few ids beside the count.

    >>> ids = FirstIds(2)
    >>> for customer_id in ("C-3", "A-1", "D-4", "B-2"):
    ...     ids.append(customer_id)
    >>> (len(ids), ids.first())
    (4, ['A-1', 'B-2'])
    """

    def __init__(self, limit: int = SUMMARY_IDS):
        self.limit = limit
        self.count = 0
        self._first = []  # sorted, at most `limit`

    def append(self, customer_id: str) -> None:
        self.count += 1
        first = self._first
        if len(first) < self.limit:
            bisect.insort(first, customer_id)
        elif customer_id < first[-1]:
            bisect.insort(first, customer_id)
            first.pop()

    def __len__(self) -> int:
        return self.count

    def first(self) -> List[str]:
        """The first ids in sort order (all of them when there are no more than the limit)."""
        return list(self._first)


class HealthSummary:
    """The portfolio summary, built one scored account at a time (so it also works when streaming)."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.score_sum = 0.0
        self.weighted_sum = 0.0
        self.classes = {klass: [0, 0] for klass in CLASSES}
        self.segments = {segment: {"count": 0, "arr": 0, "score_sum": 0.0, **{k: 0 for k in CLASSES}}
                         for segment in SEGMENTS}
        self.priorities = {priority: 0 for priority in PRIORITIES}
        self.attention = next_action.attention_counts()
        self.declining = FirstIds()
        self.improving = 0
        self.incomplete = 0
        self.owners = owners.Books(model.methodology, owners.HEALTH)

    def add(self, result: Dict[str, Any]) -> None:
        arr = result["arr"]
        score = result["overall_score"]
        klass = result["classification"]
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += arr
        self.score_sum += score
        self.weighted_sum += score * arr
        self.classes[klass][0] += 1
        self.classes[klass][1] += arr
        segment = self.segments[result["segment"]]
        segment["count"] += 1
        segment["arr"] += arr
        segment["score_sum"] += score
        segment[klass] += 1
        self.priorities[result["attention_priority"]] += 1
        decision = result.get("next_action")  # the portfolio report keeps one per account, not per analysis
        if decision is not None:
            self.attention[decision["attention"]] += 1
        direction = result["trends"]["overall"]
        if direction == "declining":
            self.declining.append(result["customer_id"])
        elif direction == "improving":
            self.improving += 1
        if result["missing_metrics"]:
            self.incomplete += 1

    def result(self, rejected_count: int) -> Dict[str, Any]:
        count = self.count
        total_arr = self.total_arr
        classes = {
            klass: {
                "count": n,
                "share_of_accounts": share(n, count),
                "arr": money_round(arr),
                "share_of_arr": share(arr, total_arr),
            }
            for klass, (n, arr) in self.classes.items()
        }
        segments = {}
        for name, segment in self.segments.items():
            segments[name] = {
                "count": segment["count"],
                "arr": money_round(segment["arr"]),
                "average_score": round(segment["score_sum"] / segment["count"], 1) if segment["count"] else None,
                "green_count": segment["green"],
                "yellow_count": segment["yellow"],
                "red_count": segment["red"],
            }
        summary = {
            "total_customers": count,
            "rejected_count": rejected_count,
            "total_arr": money_round(total_arr),
            "average_score": round(self.score_sum / count, 1) if count else None,
            "arr_weighted_average_score": round(self.weighted_sum / total_arr, 1) if total_arr else None,
            "green_count": self.classes["green"][0],
            "yellow_count": self.classes["yellow"][0],
            "red_count": self.classes["red"][0],
            "classes": classes,
            "segments": segments,
            "attention_priority": dict(self.priorities),
            "next_action_attention": dict(self.attention),
            "declining_count": len(self.declining),
            "declining_customers": self.declining.first(),
            "improving_count": self.improving,
            "incomplete_data_count": self.incomplete,
        }
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary


class ChurnSummary:
    """The portfolio summary, built one scored account at a time (so it also works when streaming)."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.score_sum = 0.0
        self.weighted_sum = 0.0
        self.tiers = {tier: [0, 0] for tier in TIERS}
        self.segments = {segment: {"count": 0, "arr": 0, "score_sum": 0.0, "arr_at_risk": 0,
                                   **{tier: 0 for tier in TIERS}} for segment in SEGMENTS}
        self.windows = [(days, {"count": 0, "arr": 0, "tiers": {tier: 0 for tier in TIERS}})
                        for days in model.windows]
        self.due_within = model.windows[-1]
        self.lapsed = FirstIds()
        self.lapsed_arr = 0
        self.lapsed_tiers = {tier: 0 for tier in TIERS}
        self.unknown_renewal = 0
        self.incomplete = 0
        self.warning_counts = {severity: 0 for severity in SEVERITIES}
        self.attention = next_action.attention_counts()
        self.owners = owners.Books(model.methodology, owners.CHURN, model.due_within)

    def add(self, result: Dict[str, Any]) -> None:
        arr = result["arr"]
        score = result["risk_score"]
        tier = result["risk_tier"]
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += arr
        self.score_sum += score
        self.weighted_sum += score * arr
        counts = self.tiers[tier]
        counts[0] += 1
        counts[1] += arr
        segment = self.segments[result["segment"]]
        segment["count"] += 1
        segment["arr"] += arr
        segment["score_sum"] += score
        segment[tier] += 1
        if tier == "critical" or tier == "high":
            segment["arr_at_risk"] += arr
        days = result["days_to_renewal"]
        if days is None:
            self.unknown_renewal += 1
        elif days < 0:
            self.lapsed.append(result["customer_id"])
            self.lapsed_arr += arr
            self.lapsed_tiers[tier] += 1
        elif days <= self.due_within:  # within the largest window (they increase)
            for within, window in self.windows:
                if days <= within:
                    window["count"] += 1
                    window["arr"] += arr
                    window["tiers"][tier] += 1
        warning_counts = self.warning_counts
        for warning in result["warning_signals"]:
            warning_counts[warning["severity"]] += 1
        decision = result.get("next_action")  # the portfolio report keeps one per account, not per analysis
        if decision is not None:
            self.attention[decision["attention"]] += 1
        if result["missing_fields"]:
            self.incomplete += 1

    def result(self, rejected_count: int) -> Dict[str, Any]:
        count = self.count
        total_arr = self.total_arr
        tiers = {
            tier: {
                "count": n,
                "share_of_accounts": share(n, count),
                "arr": money_round(arr),
                "share_of_arr": share(arr, total_arr),
            }
            for tier, (n, arr) in self.tiers.items()
        }
        arr_at_risk = self.tiers["critical"][1] + self.tiers["high"][1]
        segments = {}
        for name, segment in self.segments.items():
            segments[name] = {
                "count": segment["count"],
                "arr": money_round(segment["arr"]),
                "average_risk_score": round(segment["score_sum"] / segment["count"], 1) if segment["count"] else None,
                "arr_at_risk": money_round(segment["arr_at_risk"]),
                **{f"{tier}_count": segment[tier] for tier in TIERS},
            }
        renewals = {
            f"next_{within}_days": {"days": within, "count": window["count"], "arr": money_round(window["arr"]),
                                    "tiers": dict(window["tiers"])}
            for within, window in self.windows
        }
        summary = {
            "total_customers": count,
            "rejected_count": rejected_count,
            "total_arr": money_round(total_arr),
            "average_risk_score": round(self.score_sum / count, 1) if count else None,
            "arr_weighted_average_risk_score": round(self.weighted_sum / total_arr, 1) if total_arr else None,
            "critical_count": self.tiers["critical"][0],
            "high_count": self.tiers["high"][0],
            "medium_count": self.tiers["medium"][0],
            "low_count": self.tiers["low"][0],
            "tiers": tiers,
            "total_arr_at_risk": money_round(arr_at_risk),
            "arr_at_risk_share": share(arr_at_risk, total_arr),
            "segments": segments,
            "renewals_due": renewals,
            "lapsed_renewals": {"count": len(self.lapsed), "arr": money_round(self.lapsed_arr),
                                "tiers": dict(self.lapsed_tiers), "customer_ids": self.lapsed.first()},
            "next_action_attention": dict(self.attention),
            "unknown_renewal_count": self.unknown_renewal,
            "warning_counts": dict(self.warning_counts),
            "incomplete_data_count": self.incomplete,
        }
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary


class ExpansionSummary:
    """The portfolio summary, built one assessed account at a time (so it also works when streaming)."""

    def __init__(self, model):
        self.model = model
        self.count = 0
        self.total_arr = 0
        self.total_revenue = 0
        self.total_opportunities = 0
        self.with_opportunities = 0
        self.categories = {category: [0, 0] for category in CATEGORIES}
        self.segments = {segment: [0, 0, 0, 0] for segment in SEGMENTS}
        self.enablement_needs = 0
        self.needing_enablement = 0
        self.incomplete = 0
        self.limit = int(model.section["report"]["summary_list_limit"])
        self.ready = Top(self.limit)
        self.stabilise = Top(self.limit)
        self.ranking = Top(self.limit)
        self.stabilise_count = 0
        self.ready_count_with_opportunity = 0
        self.ready_revenue = 0
        self.attention = next_action.attention_counts()
        self.owners = owners.Books(model.methodology, owners.EXPANSION)

    def add(self, result: Dict[str, Any]) -> None:
        revenue = result["total_estimated_revenue"]
        opportunities = result["opportunities"]
        if result["owner"] is not None:
            self.owners.add(result)
        self.count += 1
        self.total_arr += result["arr"]
        self.total_revenue += revenue
        self.total_opportunities += len(opportunities)
        categories = self.categories
        for opportunity in opportunities:
            tally = categories[opportunity["category"]]
            tally[0] += 1
            tally[1] += opportunity["estimated_revenue"]
        segment = self.segments[result["segment"]]
        segment[0] += 1
        segment[1] += result["arr"]
        segment[2] += len(opportunities)
        segment[3] += revenue
        needs = len(result["enablement_needs"])
        self.enablement_needs += needs
        self.needing_enablement += needs > 0
        self.incomplete += bool(result["missing_fields"])
        key = potential_key(result)
        if self.ranking.wants(key):
            self.ranking.add(key, result["customer_id"])
        if opportunities:
            self.with_opportunities += 1
        readiness = result["readiness"]
        decision = result.get("next_action")  # the portfolio report keeps one per account, not per analysis
        if decision is not None:
            self.attention[decision["attention"]] += 1
        ready_revenue = result["ready_revenue"]
        self.ready_revenue += ready_revenue
        if readiness["status"] == READY:
            if ready_revenue:
                self.ready_count_with_opportunity += 1
                key = ready_key(result)
                if self.ready.wants(key):
                    first = start_with(opportunities)
                    self.ready.add(key, {"customer_id": result["customer_id"], "name": result["name"],
                                         "total_estimated_revenue": revenue, "ready_revenue": ready_revenue,
                                         "opportunity": first})
        else:
            self.stabilise_count += 1
            if self.stabilise.wants(key):
                self.stabilise.add(key, {"customer_id": result["customer_id"], "name": result["name"],
                                         "total_estimated_revenue": revenue, "reasons": readiness["reasons"]})

    def result(self, rejected_count: int) -> Dict[str, Any]:
        labels = self.model.labels
        by_category = {
            category: {"type": labels[category], "count": count, "estimated_revenue": revenue}
            for category, (count, revenue) in self.categories.items()
        }
        segments = {
            name: {"count": count, "arr": money_round(arr), "opportunities": opportunities,
                   "estimated_revenue": revenue}
            for name, (count, arr, opportunities, revenue) in self.segments.items()
        }
        stabilise_count = self.stabilise_count
        summary = {
            "total_customers": self.count,
            "rejected_count": rejected_count,
            "total_arr": money_round(self.total_arr),
            "total_estimated_revenue": self.total_revenue,
            "ready_revenue": self.ready_revenue,
            "ready_share_of_arr": share(self.ready_revenue, self.total_arr),
            "total_opportunities": self.total_opportunities,
            "potential_share_of_arr": share(self.total_revenue, self.total_arr),
            "accounts_with_opportunities": self.with_opportunities,
            "by_category": by_category,
            "segments": segments,
            "enablement_needs_count": self.enablement_needs,
            "accounts_needing_enablement": self.needing_enablement,
            "ready_count": self.count - stabilise_count,
            "stabilise_first_count": stabilise_count,
            "next_action_attention": dict(self.attention),
            "incomplete_data_count": self.incomplete,
            "ready_for_upgrade_conversation_count": self.ready_count_with_opportunity,
            "ready_for_upgrade_conversation": self.ready.entries(),
            "stabilise_first": self.stabilise.entries(),
            "ranked_by_potential": self.ranking.entries(),
            "summary_lists_limited_to": self.limit,
        }
        if self.owners.count:
            summary["by_owner"] = self.owners.result(summary)
        return summary
