"""One account, one decision: the next best action and the words of its attention.

This module owns the rule every tool and the portfolio report use to say what to
do next with an account and how soon, so that the same account never gets
opposite advice from two tools. The rule reads what is known of the account:

- the renewal window: days from the as-of date to `contract_end_date` (lapsed
  when negative);
- the churn risk tier (critical / high / medium / low);
- the health class (green / yellow / red) and its overall trend;
- expansion readiness (ready, with the opportunity it starts with: its largest ready one, or not).

A tool with partial knowledge passes what it has and None for the rest (the
health tool knows no churn tier, the churn tool no health class; the expansion
tool and the report know all four): the rule decides on what is known, and
a fact it does not have never raises or lowers the attention.

The attention has words of its own, so that no word means two things
("critical" stays a churn tier, health keeps its published `attention_priority`
in JSON): `act today`, `this week`, `this month`, `monitor`. The rule, first
match wins (figures: the `next_action` section of the methodology, `DEFAULTS`):

1. renewal lapsed -> act today: get the renewal signed (it leads, whatever the rest);
2. churn risk critical -> act today: executive escalation and a save plan;
3. renewal within `renewal_soon_days` (30) and churn high or health red -> act today;
4. churn risk high -> this week; health red -> this week (save plan);
   health yellow and declining -> this week; renewal within `renewal_soon_days` -> this week;
5. churn medium, health yellow, a green declining, or renewal within
   `renewal_watch_days` (90) -> this month;
6. otherwise monitor: an expansion conversation when ready, the regular cadence when not.

`decide(...)` returns a `NextAction`; `as_dict()` is the JSON form each result
carries under `next_action`. `order_key` is the most-urgent-first order of every
tool and of the call list: attention, then ARR at stake (larger first), then days
to renewal (sooner first), then customer_id.
"""

import datetime
from typing import Any, Dict, NamedTuple, Optional

from csm.config.next_action import ACT_TODAY, ATTENTIONS, DEFAULTS, MONITOR, THIS_MONTH, THIS_WEEK
from csm.words import day_words

ATTENTION_RANK = {attention: rank for rank, attention in enumerate(ATTENTIONS)}
NO_DAYS = 1 << 30  # sorts an unknown renewal after every known one


class Rule:
    """The next_action section of a methodology, compiled once (windows as whole days)."""

    __slots__ = ("soon", "watch", "as_of", "says")

    def __init__(self, methodology, as_of=None):
        section = methodology.get("next_action", DEFAULTS)
        self.soon = int(section["renewal_soon_days"])
        self.watch = int(section["renewal_watch_days"])
        self.as_of = as_of
        # A decision that rests on a churn tier or a health class says the methodology's own
        # words (the tier's first playbook action, the class action), so a tool never lists the
        # same advice twice and a methodology file that rewords them is followed.
        self.says = dict(ACTIONS)
        playbooks = methodology.get("churn", {}).get("playbooks", {})
        for key, tier in (("churn_critical", "critical"), ("churn_high", "high"), ("churn_medium", "medium"),
                          ("monitor", "low")):
            if playbooks.get(tier):
                self.says[key] = playbooks[tier][0]
        class_actions = methodology.get("health", {}).get("class_actions", {})
        for key, klass in (("health_red", "red"), ("health_yellow", "yellow")):
            if class_actions.get(klass):
                self.says[key] = class_actions[klass]


def prepare(methodology: Dict[str, Any], as_of: Optional[datetime.date] = None) -> Rule:
    """Compile the rule for one as-of date (needed only by renewal_days); see Rule."""
    return Rule(methodology, as_of)


class NextAction(NamedTuple):
    """The decision for one account: how soon, what to do, and the fact that decided it."""

    attention: str
    action: str
    reason: str

    def as_dict(self):
        return {"attention": self.attention, "action": self.action, "reason": self.reason}


# Each action fits one line of a text report after "Next: ".
LAPSED_ACTION = "Get the lapsed renewal signed today, or a written extension."
ACTIONS = {
    "churn_critical": "Escalate: executive call within 48 hours, save plan within 72.",
    "renewal_at_risk": "Secure the renewal: meet the decision maker with a recovery plan.",
    "churn_high": "Call the main contact about the warnings; agree a recovery plan.",
    "health_red": "Save: open a save plan with the account team and an exec sponsor.",
    "yellow_declining": "Stop the decline: review the falling dimensions with the customer.",
    "renewal_soon": "Confirm the renewal path with the decision maker; settle open issues.",
    "churn_medium": "Raise the warnings at the next check-in; agree one fix.",
    "health_yellow": "Nurture: agree a recovery plan for the weak dimensions.",
    "green_declining": "Ask what changed: review the weakest dimensions with the customer.",
    "renewal_watch": "Start the renewal: kickoff call, business case, decision maker.",
    "expand": "Open an expansion conversation, starting with: ",
    "monitor": "Keep the regular cadence; review the account monthly.",
}


def decide(rule: Rule, days: Optional[int] = None, risk_tier: Optional[str] = None,
           health_class: Optional[str] = None, health_trend: Optional[str] = None, ready: Optional[bool] = None,
           opportunity: Optional[str] = None) -> NextAction:
    """Return the one NextAction of an account from what is known of it (None: not known).

    `days`: days to renewal (negative: lapsed); `ready`: expansion readiness
    (True only when the account is ready); `opportunity`: the rationale of its
    largest ready opportunity (csm.score.expansion.start_with), when there is one.

    >>> rule = Rule({})
    >>> decide(rule, days=-3, risk_tier="low", ready=True, opportunity="Add seats.").attention
    'act today'
    >>> decide(rule, days=4, risk_tier="high").reason
    'renewal in 4 days at high churn risk'
    >>> decide(rule, health_class="yellow", health_trend="declining").attention
    'this week'
    >>> decide(rule, health_class="green", health_trend="stable", ready=True, opportunity="Add seats.").action
    'Open an expansion conversation, starting with: Add seats.'
    """
    says = rule.says
    if days is not None and days < 0:
        return NextAction(ACT_TODAY, LAPSED_ACTION, f"renewal lapsed {day_words(-days)} ago")
    if risk_tier == "critical":
        return NextAction(ACT_TODAY, says["churn_critical"], "churn risk critical")
    soon = days is not None and days <= rule.soon
    red = health_class == "red"
    if soon and (risk_tier == "high" or red):
        why = "high churn risk" if risk_tier == "high" else "red health"
        return NextAction(ACT_TODAY, says["renewal_at_risk"], f"renewal in {day_words(days)} at {why}")
    if risk_tier == "high":
        return NextAction(THIS_WEEK, says["churn_high"], "churn risk high")
    if red:
        return NextAction(THIS_WEEK, says["health_red"], "health red")
    declining = health_trend == "declining"
    if health_class == "yellow" and declining:
        return NextAction(THIS_WEEK, says["yellow_declining"], "health yellow and declining")
    if soon:
        return NextAction(THIS_WEEK, says["renewal_soon"], f"renewal in {day_words(days)}")
    if risk_tier == "medium":
        return NextAction(THIS_MONTH, says["churn_medium"], "churn risk medium")
    if health_class == "yellow":
        return NextAction(THIS_MONTH, says["health_yellow"], "health yellow")
    if health_class == "green" and declining:
        return NextAction(THIS_MONTH, says["green_declining"], "health green but declining")
    if days is not None and days <= rule.watch:
        return NextAction(THIS_MONTH, says["renewal_watch"], f"renewal in {day_words(days)}")
    if ready and opportunity:
        return NextAction(MONITOR, says["expand"] + opportunity, "ready to expand")
    return NextAction(MONITOR, says["monitor"], "nothing urgent")


def order_key(attention, arr, days, customer_id):
    """The most-urgent-first order of every tool and of the call list.

    Attention first, then ARR at stake (larger first), then days to renewal (sooner
    first; a lapsed renewal is sooner than any), then customer_id.

    >>> sorted([order_key("act today", 24648, -10, "B"), order_key("act today", 972959, 4, "A")])[0][1]
    -972959
    """
    return (ATTENTION_RANK[attention], -arr, NO_DAYS if days is None else days, customer_id)


def urgency_key(result: dict) -> tuple:
    """The sort key of a result that carries its next action: order_key of its attention, ARR, days to
    renewal and customer_id (health, churn and the portfolio report sort by it)."""
    return order_key(result["next_action"]["attention"], result["arr"], result["days_to_renewal"],
                     result["customer_id"])


def attention_counts() -> Dict[str, int]:
    """Return a fresh {attention: 0} tally in ATTENTIONS order."""
    return dict.fromkeys(ATTENTIONS, 0)


PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}


def account_priority(health_result: Optional[Dict[str, Any]], churn_result: Optional[Dict[str, Any]]) -> str:
    """Return the most urgent of the churn risk tier (critical when lapsed) and the health attention priority.

    >>> account_priority({"attention_priority": "high"}, {"risk_tier": "medium", "renewal_status": "due"})
    'high'
    """
    found = []
    if churn_result is not None:
        found.append("critical" if churn_result["renewal_status"] == "lapsed" else churn_result["risk_tier"])
    if health_result is not None:
        found.append(health_result["attention_priority"])
    return min(found, key=PRIORITY_RANK.__getitem__) if found else "low"
