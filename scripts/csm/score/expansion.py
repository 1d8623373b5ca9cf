"""Expansion opportunities: seats, tier upgrades, module cross-sell and new departments.

references/methodology.md section 3. The model is data (the `expansion` section of
the methodology, csm.config.expansion). Four categories are read from the record:

- seat expansion (`contract.licensed_seats`, `contract.active_seats`): seat
  utilisation at or above the trigger -> revenue arr x the segment's growth rate;
- tier upgrade (`contract.plan_tier`, `contract.available_tiers`): the next tier up
  by price multiplier among the available tiers, whatever order they are listed in
  -> revenue arr / current multiplier x target multiplier - arr;
- module cross-sell (`product_usage`): every module not adopted whose fraction is
  above 0 -> revenue arr x fraction; an adopted module under the enablement
  threshold is an enablement need instead (surfaced apart, no revenue);
- department expansion (`departments.current`, `departments.potential`): each
  potential department not already current (compared without regard to case or
  separators) -> revenue arr / max(1, current departments) x the department factor.

priority = clamp(estimated_revenue / divisor) x effort multiplier, 1 decimal, from the
published (whole-unit) revenue so it can be checked from the output. A category whose
data is missing is not evaluated and its fields are listed in `missing_fields`; a
record with no category to evaluate is rejected.

Each opportunity carries its readiness (csm.score.readiness); `ready_revenue` is the
revenue of the ready ones: the qualified pipeline, beside the whitespace total. Each
result carries its `next_action` (expansion knows all four facts of the rule).
"""

import datetime
from typing import Dict, List, NamedTuple, Optional, Tuple

from csm import values
from csm.config.expansion import CATEGORIES
from csm.errors import RecordRejected
from csm.figures import money_round, share
from csm.score import lifecycle, next_action
from csm.score.accounts import read_account
from csm.score.readiness import GROW_USAGE_FIRST, READY, ReadinessModel, readiness, upgrade_readiness
from csm.words import people_name

MAX_MODULE_NAME = 200
DEPARTMENT_LISTS = (("current", "departments.current"), ("potential", "departments.potential"))


class ExpansionModel:
    """The expansion section of a methodology and the as-of date, compiled once."""

    def __init__(self, methodology: dict, as_of: datetime.date) -> None:
        section = methodology["expansion"]
        self.methodology = methodology
        self.as_of = as_of
        self.section = section
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
        self.segments = methodology["segments"]
        tiers = section["tiers"]
        # The ladder in price order (ties: the order the methodology lists them).
        self.tier_names = [name for _, _, name in sorted((m, i, n) for i, (n, m) in enumerate(tiers.items()))]
        # A tier as written -> its name: each name as itself, and the comparison key of each (values.key_of).
        self.tier_table = {**{values.key_of(name): name for name in self.tier_names},
                           **{name: name for name in self.tier_names}}
        self.tier_rank = {name: (tiers[name], index) for index, name in enumerate(self.tier_names)}
        self.tier_words = {name: people_name(name) for name in self.tier_names}
        self.multipliers = dict(tiers)
        seats = section["seat_expansion"]
        self.utilisation_trigger = seats["utilisation_trigger"]
        self.seat_growth = seats["growth"]
        modules = section["module_cross_sell"]
        # Module key -> (name, fraction, what the module is worth in words).
        self.fractions = {values.key_of(name): (name, fraction, f"{fraction * 100:g}% of ARR")
                          for name, fraction in modules["fractions"].items()}
        self.module_words = {name: people_name(name) for name in modules["fractions"]}
        self.default_fraction = modules["default_fraction"]
        self.default_worth = f"{self.default_fraction * 100:g}% of ARR, the default for modules outside the catalogue"
        self.enablement_below = section["enablement"]["usage_below_pct"]
        self.department_factor = section["department_expansion"]["revenue_factor"]
        self.revenue_divisor = section["priority"]["revenue_divisor"]
        multipliers = section["priority"]["effort_multipliers"]
        self.labels = {category: section[category]["label"] for category in CATEGORIES}
        self.efforts = {category: section[category]["effort"] for category in CATEGORIES}
        self.effort_multiplier = {category: multipliers[self.efforts[category]] for category in CATEGORIES}
        self.category_rank = {category: rank for rank, category in enumerate(CATEGORIES)}
        self.next_rule = next_action.prepare(methodology, as_of)
        self.top_accounts = int(section["report"]["top_accounts"])
        self.readiness = ReadinessModel(methodology, as_of)


def prepare(methodology: dict, as_of: Optional[datetime.date] = None) -> ExpansionModel:
    """Compile the methodology's expansion section for an as-of date (default today); see ExpansionModel.

    The date matters only to readiness: churn risk weighs the days left to renewal.
    """
    return ExpansionModel(methodology, as_of or datetime.date.today())


def priority_score(revenue: float, category: str, model: ExpansionModel) -> float:
    """Return clamp(revenue / divisor) x the category's effort multiplier, 1 decimal.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> priority_score(42667, "tier_upgrade", model)  # 21.3335 x 2 (medium effort)
    42.7
    """
    scaled = revenue / model.revenue_divisor
    scaled = 100.0 if scaled > 100 else 0.0 if scaled < 0 else scaled
    return round(scaled * model.effort_multiplier[category], 1)


def next_tier(current: str, available: List[str], model: ExpansionModel) -> Optional[str]:
    """Return the tier of `available` with the smallest multiplier above `current`'s, or None.

    The order of `available` does not matter.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> next_tier("professional", ["enterprise_plus", "enterprise", "starter"], model)
    'enterprise'
    """
    floor = model.multipliers[current]
    above = [name for name in available if model.tier_rank[name][0] > floor]
    return min(above, key=model.tier_rank.__getitem__) if above else None


class Contract(NamedTuple):
    """The contract section, checked (None where absent or unusable)."""

    licensed: Optional[int]
    active: Optional[int]
    plan_tier: Optional[str]
    available: Optional[List[str]]


class Module(NamedTuple):
    """One module of product_usage, checked."""

    name: str
    fraction: float
    worth: str  # what it is typically worth, in words
    adopted: bool
    usage_pct: Optional[float]


def _count(value, field: str, problems: list, from_text: bool) -> Optional[int]:
    """Return value as a whole count of 0 or more, or None after adding a problem."""
    number = values.number(value, field, problems, 0, None, from_text)
    if number is None:
        return None
    if number != int(number):
        problems.append(f"{field} must be a whole number of 0 or more, got {values.shown(value)}")
        return None
    return int(number)


def _tier(value, field: str, problems: list, model: ExpansionModel) -> Optional[str]:
    """Return the ladder's name for a tier written any way (case, separators), or None and a problem."""
    if type(value) is str:
        tier = model.tier_table.get(value) or model.tier_table.get(values.key_of(value))
        if tier is not None:
            return tier
    problems.append(f"{field} must be one of {', '.join(model.tier_names)}, got {values.shown(value)}")
    return None


def read_contract(record: dict, model: ExpansionModel, problems: list, missing: list, from_text: bool) -> Contract:
    """Check the contract section (the absent fields are added to `missing`)."""
    contract = values.section(record, "contract", problems)
    if contract is None:
        return Contract(None, None, None, None)
    found = {}
    for key in ("licensed_seats", "active_seats"):
        value = contract.get(key)
        if value is None:
            missing.append(f"contract.{key}")
        found[key] = None if value is None else _count(value, f"contract.{key}", problems, from_text)
    plan_tier = contract.get("plan_tier")
    if plan_tier is None:
        missing.append("contract.plan_tier")
    else:
        plan_tier = _tier(plan_tier, "contract.plan_tier", problems, model)
    listed = contract.get("available_tiers")
    available = None
    if listed is None:
        missing.append("contract.available_tiers")
    else:
        names = values.text_list(listed, "contract.available_tiers", problems, from_text)
        if names is not None:
            available = []
            for position, name in enumerate(names):
                tier = _tier(name, f"contract.available_tiers[{position}]", problems, model)
                if tier is not None and tier not in available:
                    available.append(tier)
    return Contract(found["licensed_seats"], found["active_seats"], plan_tier, available)


def read_modules(record: dict, model: ExpansionModel, problems: list, missing: list,
                 from_text: bool) -> Optional[List[Module]]:
    """Check product_usage; return its modules, or None when absent or empty."""
    usage = values.section(record, "product_usage", problems)
    if usage is None:
        return None
    if not usage:
        missing.append("product_usage")
        return None
    modules = []
    seen = {}
    for given, entry in usage.items():
        key = values.key_of(given)
        if not key or len(given) > MAX_MODULE_NAME:
            problems.append(f"product_usage: {values.shown(given)} is not a usable module name")
            continue
        if key in seen:
            problems.append(f"product_usage lists one module twice: {values.shown(seen[key])} and "
                            f"{values.shown(given)}")
            continue
        seen[key] = given
        if type(entry) is not dict:
            problems.append(f"{_module_field(given)} must be an object with adopted (true or false) and usage_pct "
                            f"(0-100), got {values.shown(entry)}")
            continue
        adopted = entry.get("adopted")
        usage_pct = entry.get("usage_pct")
        # The field's name is worded only for a value that is not a JSON boolean or number in range.
        if adopted is not None and adopted is not True and adopted is not False:
            adopted = values.boolean(adopted, f"{_module_field(given)}.adopted", problems, from_text)
        if usage_pct is not None and not (type(usage_pct) in (int, float) and 0 <= usage_pct <= 100):
            usage_pct = values.number(usage_pct, f"{_module_field(given)}.usage_pct", problems, 0, 100, from_text)
        if entry.get("adopted") is None:
            missing.append(f"{_module_field(given)}.adopted")
            continue
        if adopted and entry.get("usage_pct") is None:
            missing.append(f"{_module_field(given)}.usage_pct")
        known = model.fractions.get(key)
        name, fraction, worth = known if known is not None else (given.strip(), model.default_fraction,
                                                                 model.default_worth)
        modules.append(Module(name, fraction, worth, adopted, usage_pct))
    return modules or None


def _module_field(given: str) -> str:
    return f"product_usage.{values.printable(given, 60)}"


def read_departments(record: dict, problems: list, missing: list, notes: list,
                     from_text: bool) -> Tuple[Optional[Dict[str, str]], Optional[Dict[str, str]]]:
    """Check departments; return (current, potential) as {key: name} in list order, None where absent.

    When only one of the two lists is given, the other is taken as empty (a note says so).
    """
    section = values.section(record, "departments", problems)
    if section is None:
        return None, None
    found = []
    for part, field in DEPARTMENT_LISTS:
        listed = section.get(part)
        if listed is None:
            missing.append(field)
            found.append(None)
            continue
        names = values.text_list(listed, field, problems, from_text)
        if names is None:
            found.append(None)
            continue
        distinct = {}
        repeated = []
        for position, name in enumerate(names):
            key = values.key_of(name)
            if not key:
                problems.append(f"departments.{part}[{position}] must be a department name, got {values.shown(name)}")
            elif key not in distinct:
                distinct[key] = name
            elif distinct[key] not in repeated:
                repeated.append(distinct[key])
        notes.extend(f"{field} names {values.shown(name)} more than once; counted once" for name in repeated)
        found.append(distinct)
    current, potential = found
    if (current is None) != (potential is None) and not problems:
        # One list given, the other absent (a CSV cannot write an empty list): take it as empty, and say so.
        if current is None:
            current = {}
            notes.append("departments.current missing: taken as no current department")
        else:
            potential = {}
            notes.append("departments.potential missing: taken as no potential department")
    return current, potential


def _seat_rationale(active: int, licensed: int, utilisation: float, additional: int, growth: float, segment: str,
                    model: ExpansionModel) -> str:
    used = (f"{active:,} of {licensed:,} licensed seats are in use ({utilisation * 100:.1f}%, at or above the "
            f"{model.utilisation_trigger * 100:g}% trigger)")
    if additional:
        seats = "1 more seat" if additional == 1 else f"{additional:,} more seats"
        return f"{used}: propose about {seats}, the {growth * 100:g}% growth typical of {segment} accounts."
    return (f"{used}: propose a seat top-up; {growth * 100:g}% growth, typical of {segment} accounts, "
            "is less than one seat here.")


def _opportunity(category: str, what: dict, revenue: int, rationale: str, readiness_status: str,
                 model: ExpansionModel) -> dict:
    """An opportunity in its published shape: type, category, what it is, revenue, effort, rationale, priority."""
    return {"type": model.labels[category], "category": category, **what, "estimated_revenue": revenue,
            "effort": model.efforts[category], "rationale": rationale,
            "priority_score": priority_score(revenue, category, model), "readiness": readiness_status}


def seat_opportunity(arr: float, segment: str, contract: Contract, status: str,
                     model: ExpansionModel) -> Optional[dict]:
    """The seat expansion of an account whose seat utilisation reaches the trigger, or None."""
    licensed, active = contract.licensed, contract.active
    utilisation = active / licensed
    if utilisation < model.utilisation_trigger:
        return None
    growth = model.seat_growth[segment]
    additional = int(licensed * growth)
    what = {"licensed_seats": licensed, "active_seats": active, "seat_utilisation": round(utilisation * 100, 1),
            "seat_utilisation_ratio": round(utilisation, 3), "additional_seats": additional}
    rationale = _seat_rationale(active, licensed, utilisation, additional, growth, segment, model)
    return _opportunity("seat_expansion", what, money_round(arr * growth), rationale, status, model)


def tier_opportunity(arr: float, contract: Contract, status: str, utilisation: Optional[float],
                     model: ExpansionModel) -> Optional[dict]:
    """The upgrade to the next tier up among the available ones, or None at the top of the ladder."""
    target = next_tier(contract.plan_tier, contract.available, model)
    if target is None:
        return None
    current_multiplier = model.multipliers[contract.plan_tier]
    target_multiplier = model.multipliers[target]
    revenue = money_round(arr / current_multiplier * target_multiplier - arr)
    rationale = (f"On {model.tier_words[contract.plan_tier]} today; {model.tier_words[target]} is the next tier up "
                 f"(price x{target_multiplier:g} against x{current_multiplier:g}): about ${revenue:,} more a year.")
    return _opportunity("tier_upgrade", {"current_tier": contract.plan_tier, "target_tier": target}, revenue,
                        rationale, upgrade_readiness(status, utilisation, model.readiness), model)


def module_opportunities(arr: float, modules: List[Module], status: str,
                         model: ExpansionModel) -> Tuple[List[dict], List[dict]]:
    """(cross-sell opportunities of the modules not adopted, enablement needs of the adopted ones used little)."""
    opportunities = []
    enablement = []
    below = model.enablement_below
    for module in modules:
        if module.adopted:
            if module.usage_pct is not None and module.usage_pct < below:
                enablement.append({
                    "module": module.name, "usage_pct": module.usage_pct,
                    "action": (f"Adopted but used at {module.usage_pct:g}% (under {below:g}%): run an "
                               "enablement session with its users; value comes before any upsell."),
                })
            continue
        if module.fraction <= 0:
            continue
        revenue = money_round(arr * module.fraction)
        words = model.module_words.get(module.name) or people_name(module.name)
        rationale = (f"Module {words} is not adopted yet; it is typically worth {module.worth}: "
                     f"about ${revenue:,} a year.")
        opportunities.append(_opportunity("module_cross_sell", {"module": module.name}, revenue, rationale, status,
                                          model))
    enablement.sort(key=lambda need: (need["usage_pct"], need["module"]))  # least used first
    return opportunities, enablement


def department_opportunities(arr: float, current: Dict[str, str], potential: Dict[str, str], status: str,
                             model: ExpansionModel) -> List[dict]:
    """An opportunity for each potential department not yet current, each worth the same."""
    covered = len(current)
    per_department = arr / max(1, covered)
    revenue = money_round(per_department * model.department_factor)
    if covered:
        basis = f"the ${money_round(per_department):,} ARR per current department ({covered} today)"
    else:
        basis = f"the account's ${money_round(per_department):,} ARR (no current department on record)"
    after_name = (f" department does not use the product yet; at {model.department_factor * 100:g}% of {basis} "
                  f"it is worth about ${revenue:,} a year.")
    return [_opportunity("department_expansion", {"department": name}, revenue,
                         "The " + people_name(name) + after_name, status, model)
            for key, name in potential.items() if key not in current]


def _rank_key(model: ExpansionModel):
    """Sort key of an account's opportunities: higher priority first, then category order, then what it is."""
    def key(opportunity: dict) -> tuple:
        what = opportunity.get("target_tier") or opportunity.get("module") or opportunity.get("department") or ""
        return (-opportunity["priority_score"], model.category_rank[opportunity["category"]], what)
    return key


def assess(record: dict, model: ExpansionModel, from_text: bool = False, scored: Optional[tuple] = None,
           read: Optional[tuple] = None) -> dict:
    """Find one account's expansion opportunities; return its result dict or raise RecordRejected.

    The result keeps the published names (opportunities with type, category,
    estimated_revenue, effort, rationale, priority_score; adoption_summary;
    total_estimated_revenue; opportunity_count) and adds enablement_needs, readiness,
    categories_evaluated, missing_fields and notes. `scored`: (health, churn) of a
    caller that has already run those analyses on this record (csm.score.readiness);
    `read`: (account, problems) of accounts.read_account on this record, from a
    caller that read it already (the account's notes are copied before any is added).
    """
    missing = []
    if read is None:
        problems = []
        account = read_account(record, model.segments, problems, from_text)
    else:
        account, problems = read[0], list(read[1])
    notes = list(account.notes) if account is not None else []
    contract = read_contract(record, model, problems, missing, from_text)
    modules = read_modules(record, model, problems, missing, from_text)
    current, potential = read_departments(record, problems, missing, notes, from_text)
    if problems:
        raise RecordRejected(problems)
    seats_known = contract.licensed is not None and contract.active is not None
    tiers_known = contract.plan_tier is not None and contract.available is not None
    departments_known = current is not None and potential is not None
    evaluated = _evaluated(seats_known, tiers_known, modules is not None, departments_known, missing)
    arr, segment = account.arr, account.segment
    ready = readiness(record, segment, model.readiness, from_text, scored)
    status = ready["status"]
    utilisation = None
    if seats_known and contract.licensed:
        utilisation = contract.active / contract.licensed
        if contract.active > contract.licensed:
            notes.append(f"active_seats ({contract.active:,}) is above licensed_seats ({contract.licensed:,}): "
                         "more seats in use than paid for")
    elif seats_known:
        notes.append("licensed_seats is 0: seat utilisation cannot be computed")
    opportunities = []
    enablement = []
    if utilisation is not None:
        opportunities.append(seat_opportunity(arr, segment, contract, status, model))
    if tiers_known:
        opportunities.append(tier_opportunity(arr, contract, status, utilisation, model))
    if modules is not None:
        found, enablement = module_opportunities(arr, modules, status, model)
        opportunities += found
    if departments_known:
        opportunities += department_opportunities(arr, current, potential, status, model)
    opportunities = sorted((found for found in opportunities if found is not None), key=_rank_key(model))
    ready_revenue = sum(found["estimated_revenue"] for found in opportunities
                        if status == READY and found["readiness"] == READY)
    first = start_with(opportunities) if status == READY else None
    if status == READY and first is None and opportunities:
        ready["reasons"].append(f"tier upgrade: {GROW_USAGE_FIRST} (seat utilisation under "
                                f"{model.readiness.upgrade_min_utilisation * 100:g}% or unknown)")
    result = {
        "customer_id": account.customer_id,
        "name": account.name,
        "segment": segment,
        "arr": arr,
        "owner": account.owner,
        "contract_start_date": account.contract_start_date,
        "readiness": ready,
        "total_estimated_revenue": sum(found["estimated_revenue"] for found in opportunities),
        "ready_revenue": ready_revenue,
        "opportunity_count": len(opportunities),
        "adoption_summary": adoption_summary(modules, utilisation, contract, current, potential),
        "opportunities": opportunities,
        "enablement_needs": enablement,
        "categories_evaluated": evaluated,
        "missing_fields": missing,
        "notes": notes,
        "next_action": next_action.decide(
            model.next_rule, days=ready["days_to_renewal"], risk_tier=ready["churn_risk_tier"],
            health_class=ready["health_classification"], health_trend=ready["health_trend"],
            ready=first is not None, opportunity=None if first is None else first["rationale"]).as_dict(),
    }
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def _evaluated(seats: bool, tiers: bool, modules: bool, departments: bool, missing: List[str]) -> List[str]:
    """The categories a record's data lets be evaluated; RecordRejected when there is none."""
    evaluated = [category for category, known in zip(CATEGORIES, (seats, tiers, modules, departments)) if known]
    if not evaluated:
        raise RecordRejected([
            "insufficient data: no expansion category can be evaluated (contract seats or tiers, "
            f"product_usage, departments); missing {', '.join(missing)}"])
    return evaluated


def adoption_summary(modules: Optional[List[Module]], utilisation: Optional[float], contract: Contract,
                     current: Optional[dict], potential: Optional[dict]) -> dict:
    """The account's adoption: modules adopted and used, seats licensed and active, seat utilisation (a
    percentage, as published), tier, departments."""
    adopted = [module for module in modules or () if module.adopted]
    usages = [module.usage_pct for module in adopted if module.usage_pct is not None]
    total_modules = len(modules) if modules is not None else None
    usage_sum = 0.0
    for usage_pct in usages:
        usage_sum += usage_pct
    return {
        "total_modules": total_modules,
        "adopted_modules": len(adopted) if modules is not None else None,
        "adoption_rate": share(len(adopted), total_modules) if total_modules else None,
        "avg_usage_pct": round(usage_sum / len(usages), 1) if usages else None,
        "licensed_seats": contract.licensed,
        "active_seats": contract.active,
        "seat_utilisation": None if utilisation is None else round(utilisation * 100, 1),
        "seat_utilisation_ratio": None if utilisation is None else round(utilisation, 3),
        "current_tier": contract.plan_tier,
        "departments_covered": len(current) if current is not None else None,
        "departments_potential": None if current is None or potential is None else
        sum(1 for key in potential if key not in current),
    }


def top_opportunity(opportunities: List[dict]) -> Optional[dict]:
    """Return an account's top opportunity: its largest ready one by estimated revenue, else (none ready) its
    largest; of equal ones the first in the result's priority order; None when it has none.

    The one definition of "top" everywhere (the report's briefs and views, the CSV's
    columns): the account's first row in the opportunity list (csm.report.opportunities,
    ready first, then by revenue). The priority order weighs revenue against effort, so
    the first by priority can be smaller (references/methodology.md section 3).

    >>> top_opportunity([{"estimated_revenue": 900, "readiness": "ready"},
    ...                  {"estimated_revenue": 5000, "readiness": "ready"},
    ...                  {"estimated_revenue": 9000, "readiness": "grow usage first"}])
    {'estimated_revenue': 5000, 'readiness': 'ready'}
    >>> top_opportunity([{"estimated_revenue": 900, "readiness": "stabilise first"},
    ...                  {"estimated_revenue": 5000, "readiness": "stabilise first"}])
    {'estimated_revenue': 5000, 'readiness': 'stabilise first'}
    """
    return min(opportunities, key=_top_key, default=None)  # min keeps the first of equal keys


def _top_key(opportunity: dict) -> tuple:
    return opportunity["readiness"] != READY, -opportunity["estimated_revenue"]


def start_with(opportunities: List[dict]) -> Optional[dict]:
    """Return the opportunity to start an expansion conversation with: the top opportunity when it is ready
    (the largest ready one), or None when none is ready.

    >>> start_with([{"estimated_revenue": 9000, "readiness": "grow usage first"}]) is None
    True
    """
    top = top_opportunity(opportunities)
    return top if top is not None and top["readiness"] == READY else None


def portfolio_key(result: dict) -> tuple:
    """Sort key of the expansion report: accounts with ready revenue first (most first), then total
    potential, ARR, customer_id."""
    ready = result["ready_revenue"]
    return (not ready, -ready, -result["total_estimated_revenue"], -result["arr"], result["customer_id"])


def ready_key(result: dict) -> tuple:
    """Sort key of the ready list: ready revenue (what it shows), then ARR, then customer_id."""
    return (-result["ready_revenue"], -result["arr"], result["customer_id"])


def potential_key(result: dict) -> tuple:
    """Sort key of the ranking by potential alone: total potential, then ARR, then customer_id."""
    return (-result["total_estimated_revenue"], -result["arr"], result["customer_id"])
