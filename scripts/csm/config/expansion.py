"""The `expansion` section: tier ladder, opportunity figures, priority, readiness (the defaults and their checks).

references/methodology.md section 3 gives every figure; csm.score.expansion scores with them.
"""

from csm import values
from csm.config.checks import check_number
from csm.config.churn import TIERS as CHURN_TIERS
from csm.config.health import CLASSES
from csm.config.segments import SEGMENTS

# Upper bounds of a methodology's figures, so that no revenue or priority can overflow
# (ARR is at most 1e15): a growth rate, module fraction or department factor is a share
# of ARR (at most 10, i.e. 1,000%); a tier price multiplier or effort multiplier at most 1000,
# a tier multiplier at least 0.001 (a ratio of two tiers' prices stays under 1e6).
MAX_SHARE = 10
MAX_FIGURE = 1000
MIN_TIER_MULTIPLIER = 0.001
CATEGORIES = ("seat_expansion", "tier_upgrade", "module_cross_sell", "department_expansion")
EFFORTS = ("low", "medium", "high")


# Every figure below is references/methodology.md section 3 (the published framework's defaults),
# unless its comment says otherwise.
DEFAULTS = {
    # Tier price multipliers: starter 1.0, professional 1.8, enterprise 3.0,
    # enterprise_plus 4.5. A company's own ladder: set the tiers it does not sell
    # to null and add its own (name -> price multiplier relative to any base).
    "tiers": {"starter": 1.0, "professional": 1.8, "enterprise": 3.0, "enterprise_plus": 4.5},
    "seat_expansion": {
        "label": "Seat expansion",
        # Seat utilisation (active / licensed) at or above this proposes more seats.
        "utilisation_trigger": 0.90,
        # Revenue = arr x growth; additional seats = int(licensed x growth).
        "growth": {"enterprise": 0.25, "mid-market": 0.20, "smb": 0.15},
        "effort": "low",
    },
    "tier_upgrade": {
        "label": "Tier upgrade",
        "effort": "medium",
    },
    "module_cross_sell": {
        "label": "Module cross-sell",
        # Share of ARR a module not yet adopted is worth; 0 = never offered (core_platform).
        "fractions": {
            "core_platform": 0.0, "analytics_module": 0.15, "integrations_module": 0.12,
            "api_access": 0.10, "advanced_reporting": 0.18, "security_module": 0.20,
            "automation_module": 0.15, "collaboration_module": 0.10, "data_export": 0.08,
            "custom_workflows": 0.22, "sso_module": 0.08, "audit_module": 0.10,
        },
        # Any module not in the list above.
        "default_fraction": 0.10,
        "effort": "low",
    },
    "enablement": {
        # An adopted module used under this share (%) is an enablement need, not a sale.
        "usage_below_pct": 30,
    },
    "department_expansion": {
        "label": "Department expansion",
        # Revenue = arr / max(1, current departments) x this factor.
        "revenue_factor": 0.8,
        "effort": "high",
    },
    "priority": {
        # priority = clamp(revenue / revenue_divisor) x the effort's multiplier.
        "revenue_divisor": 2000,
        "effort_multipliers": {"low": 3, "medium": 2, "high": 1},
    },
    # Ours (issue 4): which health classes and churn-risk tiers mean an account must be
    # stabilised before an expansion conversation.
    "readiness": {
        "stabilise_first_health_classes": ["red"],
        # references/methodology.md section 3: a yellow account that is declining is not ready either.
        "stabilise_first_declining_health_classes": ["yellow"],
        "stabilise_first_churn_tiers": ["critical", "high"],
        # references/methodology.md section 3: a tier upgrade waits ("grow usage first") while seat
        # utilisation (active / licensed) is under this share, or unknown.
        "tier_upgrade_min_seat_utilisation": 0.70,
    },
    # Ours: how many accounts the text and markdown reports rank by potential, and how many
    # entries the summary's account lists (ready, stabilise first, ranked) keep, so that a
    # streamed run's memory does not grow with the book (the counts always cover every account).
    "report": {"top_accounts": 10, "summary_list_limit": 100},
}


OPEN_PATHS = ("tiers", "module_cross_sell.fractions")

# The statuses of expansion readiness (csm.score.readiness), most pressing first.
READY = "ready"


STABILISE_FIRST = "stabilise first"


RENEW_FIRST = "renew first"


UNKNOWN = "readiness unknown"


GROW_USAGE_FIRST = "grow usage first"  # a tier upgrade's own readiness while seat utilisation is low


def check(section, methodology):
    """Return the problems of an expansion section: the tier ladder, rates, fractions, efforts."""
    problems = []
    tiers = section["tiers"]
    if not tiers:
        problems.append("expansion.tiers: at least one tier is needed")
    problems += _check_names(tiers, "expansion.tiers")
    for name, multiplier in tiers.items():
        where = f"expansion.tiers.{name}"
        problems += check_number(multiplier, where, MIN_TIER_MULTIPLIER, MAX_FIGURE)
    seats = section["seat_expansion"]
    problems += check_number(seats["utilisation_trigger"], "expansion.seat_expansion.utilisation_trigger", 0)
    for segment in SEGMENTS:
        problems += check_number(seats["growth"][segment], f"expansion.seat_expansion.growth.{segment}", 0,
                                 MAX_SHARE)
    modules = section["module_cross_sell"]
    problems += _check_names(modules["fractions"], "expansion.module_cross_sell.fractions")
    for name, fraction in modules["fractions"].items():
        problems += check_number(fraction, f"expansion.module_cross_sell.fractions.{name}", 0, MAX_SHARE)
    problems += check_number(modules["default_fraction"], "expansion.module_cross_sell.default_fraction", 0,
                             MAX_SHARE)
    problems += check_number(section["enablement"]["usage_below_pct"], "expansion.enablement.usage_below_pct",
                             0, 100)
    problems += check_number(section["department_expansion"]["revenue_factor"],
                             "expansion.department_expansion.revenue_factor", 0, MAX_SHARE)
    divisor = section["priority"]["revenue_divisor"]
    found = check_number(divisor, "expansion.priority.revenue_divisor", 0)
    if not found and divisor == 0:
        found = ["expansion.priority.revenue_divisor must be above 0, got 0"]
    problems += found
    for effort in EFFORTS:
        problems += check_number(section["priority"]["effort_multipliers"][effort],
                                 f"expansion.priority.effort_multipliers.{effort}", 0, MAX_FIGURE)
    for category in CATEGORIES:
        effort = section[category]["effort"]
        if effort not in EFFORTS:
            problems.append(f"expansion.{category}.effort must be one of {', '.join(EFFORTS)}, "
                            f"got {values.shown(effort)}")
    readiness = section["readiness"]
    problems += check_number(readiness["tier_upgrade_min_seat_utilisation"],
                             "expansion.readiness.tier_upgrade_min_seat_utilisation", 0, 1)
    for key, accepted in (("stabilise_first_health_classes", CLASSES),
                          ("stabilise_first_declining_health_classes", CLASSES),
                          ("stabilise_first_churn_tiers", CHURN_TIERS)):
        for position, label in enumerate(readiness[key]):
            if label not in accepted:
                problems.append(f"expansion.readiness.{key}[{position}] must be one of {', '.join(accepted)}, "
                                f"got {values.shown(label)}")
    found = []
    for key, most in (("top_accounts", 1000), ("summary_list_limit", 100000)):
        figure = section["report"][key]
        problem = check_number(figure, f"expansion.report.{key}", 1, most)
        if not problem and figure != int(figure):
            problem = [f"expansion.report.{key} must be a whole number, got {figure:g}"]
        found += problem
    return problems + found


def _check_names(table, where):
    """Return a problem per name that is empty or the same as another once case and separators are ignored."""
    problems = []
    seen = {}
    for name in table:
        key = values.key_of(name)
        if not key:
            problems.append(f"{where}: {values.shown(name)} is not a usable name (letters or digits needed)")
        elif key in seen:
            problems.append(f"{where}: {values.shown(name)} and {values.shown(seen[key])} are the same name "
                            "(case and separators are ignored)")
        else:
            seen[key] = name
    return problems
