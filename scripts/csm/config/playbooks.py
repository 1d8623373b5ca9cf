"""The `playbooks` section: each risk tier's and health class's motion as data (steps by week, success criteria, exit rule).

A filled template (`portfolio_report.py BOOK --account ID --template FILE`)
proposes the steps of the playbook that leads for the account (`leading`), its
success criteria, and its exit rule. An exit rule names a band, not a figure: its
threshold is read from the tier boundaries (`churn.tiers`) or class cut-offs
(`health.classification`, per segment) in force, so a fitted or custom methodology
moves it (`exit_threshold`, `exit_words`). references/cs-playbooks.md gives the
same motions in prose and quotes these exit rules word for word.

The section scores nothing; `methodology_hash` leaves it out (csm.config.methodology).
"""

import json
from typing import Any, Dict, List, Optional, Tuple

from csm.config.checks import check_number
from csm.config.churn import TIERS as RISK_TIERS
from csm.config.health import CLASSES as HEALTH_CLASSES
from csm.words import NUMBER_WORDS, number_word

CADENCES = ("weekly", "fortnightly", "monthly", "quarterly")
MAX_WEEKS = 8  # a save plan plans a month ahead; a playbook may look two
MAX_REVIEWS = len(NUMBER_WORDS)  # an exit rule's consecutive reviews, said in words
MAX_STEP_CHARACTERS = 300
MAX_STEPS = 12  # per week, and success criteria per playbook

# The playbook that leads for an account is the first of these it is in: a critical or high risk
# tier sets the pace whatever the health; a red class is saved whatever a lower tier says; then a
# medium tier; then the health class (yellow nurture, green expand); a low tier last
# (references/cs-playbooks.md, "When the two lenses disagree").
LEAD_ORDER = (("risk_tiers", "critical"), ("risk_tiers", "high"), ("health_classes", "red"),
              ("risk_tiers", "medium"), ("health_classes", "yellow"), ("health_classes", "green"),
              ("risk_tiers", "low"))

# references/cs-playbooks.md gives each motion; the steps are set out here by week of a save or
# success plan (ours), each a proposal the CSM accepts, edits or deletes.
DEFAULTS = {
    "risk_tiers": {
        "critical": {
            "weeks": [
                ["Our executive (VP of customer success or above) calls the customer's decision maker "
                 "within 48 hours: say what we have seen; ask what would make them renew.",
                 "Open the save plan within 72 hours: the root cause behind each warning signal, "
                 "an owner and a date for every fix."],
                ["Clear the first blocker the customer named (unresolved critical tickets, open "
                 "escalations, a missing executive sponsor).",
                 "Weekly review with the CSM, the account executive and the support lead; re-run the "
                 "churn tool and record the score."],
                ["Show the decision maker the progress on each cause, with figures.",
                 "Weekly review; re-run the churn tool and record the score."],
                ["Confirm the renewal path with the decision maker in writing; commercial concessions "
                 "only with a plan that fixes the cause.",
                 "Weekly review; re-run the churn tool and record the score."],
            ],
            "success_criteria": [
                "Every warning signal has a root cause confirmed with the customer, and a fix with an "
                "owner and a date.",
                "The decision maker has confirmed the renewal path in writing.",
            ],
            "exit": {"risk_below": "critical", "reviews": 2, "cadence": "weekly"},
        },
        "high": {
            "weeks": [
                ["Call the main contact and confirm what is behind each warning signal, the most "
                 "severe first."],
                ["Agree a recovery plan with the customer, with success criteria and dates."],
                ["Check in on the recovery plan (every two weeks from now on); with the renewal "
                 "within 90 days, bring in the account executive."],
                ["If a champion or sponsor left, meet the replacement by day 30 and rebuild "
                 "multi-threading (at least three engaged contacts)."],
            ],
            "success_criteria": [
                "The customer has agreed a recovery plan with success criteria and dates.",
                "At least three engaged contacts on the customer side.",
            ],
            "exit": {"risk_below": "high", "reviews": 1, "cadence": "monthly"},
        },
        "medium": {
            "weeks": [
                ["Raise the warning signals at the next check-in and agree one fix with the customer."],
                [],
                [],
                ["Offer a targeted enablement session on the features they stopped using (the "
                 "churn tool's usage warnings name the drop)."],
            ],
            "success_criteria": ["The one agreed fix is done and confirmed by the customer."],
            "exit": {"risk_below": "medium", "reviews": 1, "cadence": "monthly"},
        },
        "low": {
            "weeks": [
                ["Keep the regular meeting cadence; review the risk score monthly."],
                [],
                [],
                ["At the next quarterly business review, look for advocacy (case study, reference "
                 "call, review) and run the expansion tool."],
            ],
            "success_criteria": ["The regular meeting cadence holds."],
            "exit": None,
        },
    },
    "health_classes": {
        "green": {
            "weeks": [
                ["Keep the success plan current; ask for advocacy (case study, reference call, review)."],
                [],
                [],
                ["Bring the expansion opportunities to the next QBR."],
            ],
            "success_criteria": ["The success plan's goals are current and agreed with the sponsor."],
            "exit": None,
        },
        "yellow": {
            "weeks": [
                ["Agree a recovery plan for the weak dimensions (those the report marks yellow or red), "
                 "the weakest first."],
                [],
                ["Check in on the recovery plan (every two weeks from now on)."],
                [],
            ],
            "success_criteria": ["Every weak dimension has a fix agreed with the customer, with an owner "
                                 "and a date."],
            "exit": {"health_at_least": "green", "reviews": 2, "cadence": "fortnightly"},
        },
        "red": {
            "weeks": [
                ["Open a save plan this week with the account team and an executive sponsor, whatever "
                 "the risk tier says."],
                ["Work the weakest dimension first (references/cs-playbooks.md, \"Playbooks by health "
                 "class\")."],
                ["Weekly review; re-run the health tool and record the score."],
                ["Weekly review; re-run the health tool and record the score."],
            ],
            "success_criteria": ["Every red dimension has a fix with an owner and a date, agreed with "
                                 "the customer."],
            "exit": {"health_at_least": "yellow", "reviews": 2, "cadence": "weekly"},
        },
    },
}


OPEN_PATHS = ()

def exit_threshold(rule: Dict[str, Any], methodology: Dict[str, Any], segment: str) -> float:
    """Return the score an exit rule names: the lower edge of its risk tier, or its health class's cut-off.

    >>> from csm.config.methodology import default_methodology
    >>> exit_threshold({"risk_below": "critical", "reviews": 2, "cadence": "weekly"}, default_methodology(), "smb")
    80
    >>> exit_threshold({"health_at_least": "yellow", "reviews": 2, "cadence": "weekly"}, default_methodology(), "smb")
    40
    """
    if "risk_below" in rule:
        return methodology["churn"]["tiers"][rule["risk_below"]]["min_score"]
    return methodology["health"]["classification"][segment][rule["health_at_least"]]


def _when(rule):
    reviews = int(rule["reviews"])
    if reviews == 1:
        return f"at the next {rule['cadence']} review"
    return f"at {number_word(reviews)} consecutive {rule['cadence']} reviews"


def exit_words(rule: Dict[str, Any], methodology: Dict[str, Any], segment: Optional[str] = None) -> str:
    """Return an exit rule in words, its threshold from the methodology (per segment when none is given).

    >>> from csm.config.methodology import default_methodology
    >>> exit_words({"risk_below": "high", "reviews": 1, "cadence": "monthly"}, default_methodology())
    'risk score below 60 at the next monthly review'
    >>> exit_words({"health_at_least": "yellow", "reviews": 2, "cadence": "weekly"}, default_methodology(), "smb")
    'health score 40 or above (the smb yellow cut-off) at two consecutive weekly reviews'
    """
    if "risk_below" in rule:
        return f"risk score below {exit_threshold(rule, methodology, ''):g} {_when(rule)}"
    band = rule["health_at_least"]
    if segment is not None:
        return (f"health score {exit_threshold(rule, methodology, segment):g} or above "
                f"(the {segment} {band} cut-off) {_when(rule)}")
    cuts = ", ".join(f"{name} {exit_threshold(rule, methodology, name):g}"
                     for name in methodology["health"]["classification"])
    return f"health score at the {band} cut-off or above ({cuts}) {_when(rule)}"


def leading(risk_tier: Optional[str], health_class: Optional[str]) -> Optional[Tuple[str, str]]:
    """Return (lens, band) of the playbook that leads for an account (LEAD_ORDER), or None with neither.

    >>> leading("medium", "red")
    ('health_classes', 'red')
    >>> leading("low", "green")
    ('health_classes', 'green')
    """
    for lens, band in LEAD_ORDER:
        if band == (risk_tier if lens == "risk_tiers" else health_class):
            return lens, band
    return None


def _check_text_list(items, where):
    if not isinstance(items, list) or len(items) > MAX_STEPS or not all(
            isinstance(item, str) and item.strip() and len(item) <= MAX_STEP_CHARACTERS for item in items):
        return [f"{where} must be a list of at most {MAX_STEPS} texts, each 1 to {MAX_STEP_CHARACTERS} characters"]
    return []


def _check_exit(rule, where, lens):
    if rule is None:
        return []
    key, bands = ("risk_below", RISK_TIERS[:-1]) if lens == "risk_tiers" else ("health_at_least", HEALTH_CLASSES[:-1])
    if not isinstance(rule, dict):
        return [f"{where} must be null or an object with {key}, reviews and cadence"]
    problems = [f"unknown key {where}.{name} (known here: {key}, reviews, cadence)"
                for name in sorted(set(rule) - {key, "reviews", "cadence"})]
    if rule.get(key) not in bands:
        shown = json.dumps(rule[key])[:40] if key in rule else "nothing"
        problems.append(f"{where}.{key} must be one of {', '.join(bands)} (the band whose "
                        f"{'lower edge' if key == 'risk_below' else 'cut-off'} the account must pass), got {shown}")
    found = check_number(rule.get("reviews"), f"{where}.reviews", 1, MAX_REVIEWS)
    if not found and rule["reviews"] != int(rule["reviews"]):
        found = [f"{where}.reviews must be a whole number, got {rule['reviews']:g}"]
    problems += found
    if rule.get("cadence") not in CADENCES:
        problems.append(f"{where}.cadence must be one of {', '.join(CADENCES)}, got {json.dumps(rule.get('cadence'))[:40]}")
    return problems


def check(section: Dict[str, Any], methodology: Dict[str, Any]) -> List[str]:
    """Return the problems of the playbooks section: per risk tier and health class, weeks of steps,
    success criteria and an exit rule naming a band the account can pass."""
    problems = []
    for lens, bands in (("risk_tiers", RISK_TIERS), ("health_classes", HEALTH_CLASSES)):
        for band in bands:
            where = f"playbooks.{lens}.{band}"
            playbook = section[lens][band]  # its keys are the defaults' (the merge refuses others)
            weeks = playbook["weeks"]
            if not 1 <= len(weeks) <= MAX_WEEKS or not all(isinstance(steps, list) for steps in weeks):
                problems.append(f"{where}.weeks must list 1 to {MAX_WEEKS} weeks, each a list of steps (text)")
            elif not any(weeks):
                problems.append(f"{where}.weeks: at least one week must hold a step")
            else:
                for number, steps in enumerate(weeks, 1):
                    if steps:
                        problems += _check_text_list(steps, f"{where}.weeks[{number - 1}]")
            problems += _check_text_list(playbook["success_criteria"], f"{where}.success_criteria")
            problems += _check_exit(playbook["exit"], f"{where}.exit", lens)
    return problems
