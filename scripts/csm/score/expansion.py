"""Expansion opportunities: seats, tier upgrades, module cross-sell and new departments.

The model is data (`DEFAULTS`, the `expansion` section of the methodology,
METHODOLOGY.md section 3). Four categories are read from the record:

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

priority = clamp(estimated_revenue / divisor) x effort multiplier, 1 decimal,
from the published (whole-unit) revenue so it can be checked from the output.
A category whose data is missing is not evaluated and its fields are listed in
`missing_fields`; a record with no category to evaluate is rejected.

Readiness (METHODOLOGY.md section 3, fail closed): the record's health metrics and
churn signals are scored with the health and churn analyses of the same methodology.
An account is ready only when both were scored, health is neither red nor yellow
and declining, churn risk is neither high nor critical, and the renewal has not
lapsed; otherwise it is "renew first", "stabilise first" or "readiness unknown".
A tier upgrade of a ready account also waits ("grow usage first") while seat
utilisation is under `readiness.tier_upgrade_min_seat_utilisation` (70%) or unknown.
`ready_revenue` (per account and in the summary) is the revenue of the ready
opportunities: the qualified pipeline, beside the whitespace total. Each result
carries its `next_action` (csm.next_action: expansion knows all four facts).

`prepare(methodology, as_of)` compiles the model once; `assess(raw, model, from_text)`
scores one record and returns plain data, or raises RecordRejected.
"""

import datetime
import operator

from csm.score import churn, health, lifecycle, next_action
from csm.report import owners
from csm import values
from csm.score.accounts import SEGMENTS, read_account
from csm.errors import RecordRejected
from csm.figures import money_round, share
from csm.config.checks import check_number
from csm.ranking import Top
from csm.render.common import people_name

# Upper bounds of a methodology's figures, so that no revenue or priority can overflow
# (ARR is at most 1e15): a growth rate, module fraction or department factor is a share
# of ARR (at most 10, i.e. 1,000%); a tier price multiplier or effort multiplier at most 1000,
# a tier multiplier at least 0.001 (a ratio of two tiers' prices stays under 1e6).
MAX_SHARE = 10
MAX_FIGURE = 1000
MIN_TIER_MULTIPLIER = 0.001

CATEGORIES = ("seat_expansion", "tier_upgrade", "module_cross_sell", "department_expansion")
EFFORTS = ("low", "medium", "high")
CHURN_TIERS = ("critical", "high", "medium", "low")
READY = "ready"
STABILISE_FIRST = "stabilise first"
RENEW_FIRST = "renew first"
UNKNOWN = "readiness unknown"
GROW_USAGE_FIRST = "grow usage first"  # a tier upgrade's own readiness while seat utilisation is low

# Every figure below is METHODOLOGY.md section 3 (the published framework's defaults),
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
        # METHODOLOGY.md section 3: a yellow account that is declining is not ready either.
        "stabilise_first_declining_health_classes": ["yellow"],
        "stabilise_first_churn_tiers": ["critical", "high"],
        # METHODOLOGY.md section 3: a tier upgrade waits ("grow usage first") while seat
        # utilisation (active / licensed) is under this share, or unknown.
        "tier_upgrade_min_seat_utilisation": 0.70,
    },
    # Ours: how many accounts the text and markdown reports rank by potential, and how many
    # entries the summary's account lists (ready, stabilise first, ranked) keep, so that a
    # streamed run's memory does not grow with the book (the counts always cover every account).
    "report": {"top_accounts": 10, "summary_list_limit": 100},
}

OPEN_PATHS = ("tiers", "module_cross_sell.fractions")

MAX_MODULE_NAME = 200
DEPARTMENT_LISTS = (("current", "departments.current"), ("potential", "departments.potential"))
# Names (modules, tiers, departments) and whole lists of them repeat across a book, so what
# they read as is remembered. Each memo holds at most MEMO_LIMIT answers and starts afresh
# when full, and only names and lists up to the sizes below are kept: memory stays flat
# however many distinct names a book (or a hostile file) holds.
MEMO_LIMIT = 4096
MAX_KEPT_NAME = 200  # characters of a name
MAX_KEPT_LIST = 32 * MAX_KEPT_NAME  # characters of a list, its names together


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
    for key, accepted in (("stabilise_first_health_classes", health.CLASSES),
                          ("stabilise_first_declining_health_classes", health.CLASSES),
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


class ExpansionModel:
    """The expansion section of a methodology, compiled once for fast scoring of many records."""

    def __init__(self, methodology, as_of):
        section = methodology["expansion"]
        self.methodology = methodology
        self.as_of = as_of
        self.lifecycle = lifecycle.rule_for(methodology, as_of)  # None: results carry no lifecycle stage
        self.section = section
        self.segments = methodology["segments"]
        tiers = section["tiers"]
        # The ladder in price order (ties: the order the methodology lists them).
        self.tier_names = [name for _, _, name in sorted((m, i, n) for i, (n, m) in enumerate(tiers.items()))]
        self.tier_table = {values.key_of(name): name for name in self.tier_names}
        self.key_cache = {}
        self.tier_rank = {name: (tiers[name], index) for index, name in enumerate(self.tier_names)}
        self.multipliers = dict(tiers)
        self.next_tiers = {}  # (current tier, available tiers) -> next_tier's answer
        self.department_lists = {}  # a departments list as written (a tuple) -> ({key: name}, names repeated)
        self.ladders = {}  # available_tiers as written (a tuple) -> the tiers they name, when all are known
        self.upgrade_words = {}  # (current tier, target tier) -> the start of a tier upgrade's rationale
        seats = section["seat_expansion"]
        self.utilisation_trigger = seats["utilisation_trigger"]
        self.seat_growth = seats["growth"]
        modules = section["module_cross_sell"]
        # Module key -> (name, fraction, what the module is worth in words).
        self.fractions = {values.key_of(name): (name, fraction, f"{fraction * 100:g}% of ARR")
                          for name, fraction in modules["fractions"].items()}
        self.default_fraction = modules["default_fraction"]
        self.default_worth = f"{self.default_fraction * 100:g}% of ARR, the default for modules outside the catalogue"
        self.modules = {}  # module name as written -> _module's answer
        self.department_words = {}  # department name -> the start of its rationale ("The Finance")
        self.enablement_below = section["enablement"]["usage_below_pct"]
        self.department_factor = section["department_expansion"]["revenue_factor"]
        self.department_share = f"{self.department_factor * 100:g}%"
        self.revenue_divisor = section["priority"]["revenue_divisor"]
        multipliers = section["priority"]["effort_multipliers"]
        self.labels = {category: section[category]["label"] for category in CATEGORIES}
        self.efforts = {category: section[category]["effort"] for category in CATEGORIES}
        self.effort_multiplier = {category: multipliers[self.efforts[category]] for category in CATEGORIES}
        self.top_priority = {category: round(100.0 * multiplier, 1)
                             for category, multiplier in self.effort_multiplier.items()}
        self.category_rank = {category: rank for rank, category in enumerate(CATEGORIES)}
        readiness = section["readiness"]
        self.stabilise_health = frozenset(readiness["stabilise_first_health_classes"])
        self.stabilise_churn = frozenset(readiness["stabilise_first_churn_tiers"])
        self.stabilise_declining = frozenset(readiness["stabilise_first_declining_health_classes"])
        self.upgrade_min_utilisation = readiness["tier_upgrade_min_seat_utilisation"]
        self.next_rule = next_action.prepare(methodology, as_of)
        self.top_accounts = int(section["report"]["top_accounts"])
        # Readiness scores health and churn risk with their own sections of the same methodology.
        self.health_model = health.prepare(methodology, as_of)
        self.health_sections = tuple(self.health_model.dimension_names)
        self.churn_model = churn.prepare(methodology, as_of)
        self.churn_sections = tuple(self.churn_model.signal_names)
        # Set by the portfolio report (see assess): `next_action` False, results carry none (the
        # report makes the account's own); `lean` True, results leave out what the report never reads.
        self.next_action = True
        self.lean = False


def prepare(methodology, as_of=None):
    """Compile the methodology's expansion section for an as-of date (default today); see ExpansionModel.

    The date matters only to readiness: churn risk weighs the days left to renewal.
    """
    return ExpansionModel(methodology, as_of or datetime.date.today())


def priority_score(revenue, category, model):
    """Return clamp(revenue / divisor) x the category's effort multiplier, 1 decimal.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> priority_score(42667, "tier_upgrade", model)  # 21.3335 x 2 (medium effort)
    42.7
    """
    scaled = revenue / model.revenue_divisor
    if scaled > 100:  # clamped: every large opportunity of a category has its top priority
        return model.top_priority[category]
    return round((0.0 if scaled < 0 else scaled) * model.effort_multiplier[category], 1)


def next_tier(current, available, model):
    """Return the tier of `available` with the smallest multiplier above `current`'s, or None.

    The order of `available` does not matter.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> next_tier("professional", ["enterprise_plus", "enterprise", "starter"], model)
    'enterprise'
    """
    key = (current, tuple(available))  # a book repeats a few ladders: each answer is worked out once
    found = model.next_tiers.get(key, values.MISSING)
    if found is values.MISSING:
        floor = model.multipliers[current]
        rank = model.tier_rank
        above = [name for name in available if rank[name][0] > floor]
        found = min(above, key=rank.__getitem__) if above else None
        _keep(model.next_tiers, key, found)
    return found


def comparison_key(name, model):
    """Return values.key_of(name), remembered in the model (names repeat across a book).

    >>> from csm.config.methodology import default_methodology
    >>> comparison_key("Customer Success", prepare(default_methodology()))
    'customersuccess'
    """
    cache = model.key_cache
    key = cache.get(name)
    if key is None:
        key = values.key_of(name)
        if len(name) <= MAX_KEPT_NAME:
            _keep(cache, name, key)
    return key


def _small(names):
    """Say whether a list of names is small enough to be remembered (MAX_KEPT_LIST)."""
    return sum(map(len, names)) <= MAX_KEPT_LIST


def _keep(memo, key, answer):
    """Remember `answer` for `key` in `memo`, emptying it first when it holds MEMO_LIMIT answers."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = answer


def _tier(value, field, problems, model):
    """Return the ladder's name for a tier written any way (case, separators), or None and a problem."""
    if type(value) is str:
        tier = model.tier_table.get(comparison_key(value, model))
        if tier is not None:
            return tier
    problems.append(f"{field} must be one of {', '.join(model.tier_names)}, got {values.shown(value)}")
    return None


def _names(value, field, problems, from_text):
    """Return a list of names (values.text_list), with a fast path for a JSON list of clean text."""
    if type(value) is list:
        names = []
        for item in value:
            if type(item) is not str:
                break
            item = item.strip()
            if not item:
                break
            names.append(item)
        else:
            return names
    return values.text_list(value, field, problems, from_text)


def _count(value, field, problems, from_text):
    """Return value as a whole count of 0 or more, or None after adding a problem."""
    if type(value) is int and 0 <= value <= values.LARGEST:  # values.number's fast path
        return value
    number = values.number(value, field, problems, 0, None, from_text)
    if number is None:
        return None
    if number != int(number):
        problems.append(f"{field} must be a whole number of 0 or more, got {values.shown(value)}")
        return None
    return int(number)


def _read_contract(raw, model, problems, missing, from_text):
    """Check the contract section; return (licensed, active, plan_tier, available_tiers), None where absent."""
    contract = raw.get("contract")
    if type(contract) is not dict:
        contract = values.section(raw, "contract", problems)
        if contract is None:
            return None, None, None, None
    licensed = contract.get("licensed_seats")
    if licensed is None:
        missing.append("contract.licensed_seats")
    else:
        licensed = _count(licensed, "contract.licensed_seats", problems, from_text)
    active = contract.get("active_seats")
    if active is None:
        missing.append("contract.active_seats")
    else:
        active = _count(active, "contract.active_seats", problems, from_text)
    plan_tier = contract.get("plan_tier")
    if plan_tier is None:
        missing.append("contract.plan_tier")
    else:
        plan_tier = _tier(plan_tier, "contract.plan_tier", problems, model)
    listed = contract.get("available_tiers")
    available = None
    if listed is None:
        missing.append("contract.available_tiers")
        return licensed, active, plan_tier, available
    written = tuple(listed) if type(listed) is list else None
    available = _remembered(model.ladders, written)
    if available is None:
        names = _names(listed, "contract.available_tiers", problems, from_text)
        if names is not None:
            available = []
            table = model.tier_table
            cache = model.key_cache
            for position, name in enumerate(names):
                tier = table.get(cache.get(name) or comparison_key(name, model))  # _tier's fast path
                if tier is None:
                    tier = _tier(name, f"contract.available_tiers[{position}]", problems, model)
                if tier is not None and tier not in available:
                    available.append(tier)
            if written is not None and len(available) == len(names) and _small(names):
                available = tuple(available)
                _keep(model.ladders, written, available)
    return licensed, active, plan_tier, available


def _remembered(memo, written):
    """Return what `memo` keeps for a list as written (a tuple), or None; a list holding a list or an object is not kept."""
    if written is None:
        return None
    try:
        return memo.get(written)
    except TypeError:  # unhashable items: never remembered (only lists of valid names are)
        return None


def _read_modules(raw, model, problems, missing, from_text):
    """Check product_usage; return [(name, fraction, pitch, adopted, usage_pct)] or None when absent (see _module)."""
    usage = raw.get("product_usage")
    if type(usage) is not dict:
        usage = values.section(raw, "product_usage", problems)
        if usage is None:
            return None
    if not usage:
        missing.append("product_usage")
        return None
    modules = []
    seen = {}
    known_modules = model.modules
    for given, entry in usage.items():
        module = known_modules.get(given)
        if module is None:
            module = _module(given, model)
            if module is None:
                problems.append(f"product_usage: {values.shown(given)} is not a usable module name")
                continue
        key, name, fraction, pitch = module
        if key in seen:
            problems.append(f"product_usage lists one module twice: {values.shown(seen[key])} and "
                            f"{values.shown(given)}")
            continue
        seen[key] = given
        if type(entry) is not dict:
            problems.append(f"product_usage.{values.printable(given, 60)} must be an object with adopted (true or "
                            f"false) and usage_pct (0-100), got {values.shown(entry)}")
            continue
        given_adopted = adopted = entry.get("adopted")
        given_usage = usage_pct = entry.get("usage_pct")
        if adopted is not None and adopted is not True and adopted is not False:
            adopted = values.boolean(adopted, f"product_usage.{values.printable(given, 60)}.adopted", problems,
                                     from_text)
        if usage_pct is not None and not (type(usage_pct) is int and 0 <= usage_pct <= 100):
            usage_pct = values.number(usage_pct, f"product_usage.{values.printable(given, 60)}.usage_pct", problems,
                                      0, 100, from_text)
        if given_adopted is None:
            missing.append(f"product_usage.{values.printable(given, 60)}.adopted")
            continue
        if adopted and given_usage is None:
            missing.append(f"product_usage.{values.printable(given, 60)}.usage_pct")
        modules.append((name, fraction, pitch, adopted, usage_pct))
    return modules or None


def _module(given, model):
    """Return (comparison key, name, fraction, pitch) of a module name as written, or None if unusable.

    The pitch is the start of its cross-sell rationale, up to the revenue (which is the
    account's). Names repeat across a book, so the answer is kept in model.modules (see MEMO_LIMIT).
    """
    key = comparison_key(given, model)
    if not key or len(given) > MAX_MODULE_NAME:
        return None
    known = model.fractions.get(key)
    name, fraction, worth = known if known is not None else (given.strip(), model.default_fraction,
                                                             model.default_worth)
    pitch = f"Module {people_name(name)} is not adopted yet; it is typically worth {worth}: about $"
    module = (key, name, fraction, pitch)
    _keep(model.modules, given, module)
    return module


def _read_departments(raw, model, problems, missing, notes, from_text):
    """Check departments; return (current, potential) as {key: name} in list order, None where absent.

    When only one of the two lists is given, the other is taken as empty (a note says so).
    """
    section = raw.get("departments")
    if type(section) is not dict:
        section = values.section(raw, "departments", problems)
        if section is None:
            return None, None
    found = []
    for part, field in DEPARTMENT_LISTS:
        listed = section.get(part)
        if listed is None:
            missing.append(field)
            found.append(None)
            continue
        written = tuple(listed) if type(listed) is list else None
        kept = _remembered(model.department_lists, written)
        if kept is not None:
            distinct, repeated = kept
        else:
            names = _names(listed, field, problems, from_text)
            if names is None:
                found.append(None)
                continue
            distinct = {}
            repeated = []
            cache = model.key_cache
            clean = True
            for position, name in enumerate(names):
                key = cache.get(name) or comparison_key(name, model)
                if not key:
                    clean = False
                    problems.append(f"departments.{part}[{position}] must be a department name, "
                                    f"got {values.shown(name)}")
                elif key not in distinct:
                    distinct[key] = name
                elif distinct[key] not in repeated:
                    repeated.append(distinct[key])
            # A list read without a problem is kept as read (the dict is only ever looked into).
            if clean and written is not None and _small(names):
                _keep(model.department_lists, written, (distinct, repeated))
        if repeated:
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


def assess(raw, model, from_text=False, scored=None, read=None):
    """Find one account's expansion opportunities; return its result dict or raise RecordRejected.

    The result keeps the published names (opportunities with type, category,
    estimated_revenue, effort, rationale, priority_score; adoption_summary;
    total_estimated_revenue; opportunity_count) and adds enablement_needs,
    readiness, categories_evaluated, missing_fields and notes.

    `scored`: (health, churn) of a caller that has already run those analyses on
    this record with the same methodology (the portfolio report), each the result
    dict or the list of its errors; readiness then uses them instead of scoring again.
    `read`: (account, problems) of accounts.read_account on this record with the
    model's segments, from a caller that read it already (the portfolio report);
    the account's notes are copied before any is added.

    Two switches of the model, for the portfolio report: without `model.next_action`
    the result has no `next_action`; with `model.lean` (a report that writes no
    account in full) `adoption_summary` is None, each enablement need is its
    module name alone, and an opportunity that is neither the first nor the first
    ready one keeps only its category, estimated_revenue and readiness: the same
    figures, without what the report never reads.
    """
    missing = []
    if read is None:
        problems = []
        account = read_account(raw, model.segments, problems, from_text)
        notes = account.notes if account is not None else []
    else:
        account, problems = read[0], list(read[1])
        notes = list(account.notes) if account is not None else []
    licensed, active, plan_tier, available = _read_contract(raw, model, problems, missing, from_text)
    modules = _read_modules(raw, model, problems, missing, from_text)
    current, potential = _read_departments(raw, model, problems, missing, notes, from_text)
    if problems:
        raise RecordRejected(problems)
    seats_known = licensed is not None and active is not None
    tiers_known = plan_tier is not None and available is not None
    departments_known = current is not None and potential is not None
    evaluated = []
    if seats_known:
        evaluated.append("seat_expansion")
    if tiers_known:
        evaluated.append("tier_upgrade")
    if modules is not None:
        evaluated.append("module_cross_sell")
    if departments_known:
        evaluated.append("department_expansion")
    if not evaluated:
        raise RecordRejected([
            "insufficient data: no expansion category can be evaluated (contract seats or tiers, "
            f"product_usage, departments); missing {', '.join(missing)}"])

    arr = account.arr
    segment = account.segment
    readiness = _readiness(raw, segment, model, from_text, scored)
    status = readiness["status"]
    labels = model.labels
    efforts = model.efforts
    rank = model.category_rank
    ranked = []  # (sort key, opportunity): higher priority first, then category order, then name
    total = 0
    utilisation = seat_utilisation = seat_ratio = None
    if seats_known:
        if licensed:
            utilisation = active / licensed
            seat_utilisation = round(utilisation * 100, 1)  # a percentage, as published (93.5)
            seat_ratio = round(utilisation, 3)
            if active > licensed:
                notes.append(f"active_seats ({active:,}) is above licensed_seats ({licensed:,}): "
                             "more seats in use than paid for")
            if utilisation >= model.utilisation_trigger:
                growth = model.seat_growth[segment]
                revenue = money_round(arr * growth)
                additional = int(licensed * growth)
                priority = priority_score(revenue, "seat_expansion", model)
                total += revenue
                ranked.append(((-priority, rank["seat_expansion"], ""), {
                    "type": labels["seat_expansion"],
                    "category": "seat_expansion",
                    "licensed_seats": licensed,
                    "active_seats": active,
                    "seat_utilisation": seat_utilisation,
                    "seat_utilisation_ratio": seat_ratio,
                    "additional_seats": additional,
                    "estimated_revenue": revenue,
                    "effort": efforts["seat_expansion"],
                    "rationale": _seat_rationale(active, licensed, utilisation, additional, growth, segment, model),
                    "priority_score": priority,
                    "readiness": status,
                }))
        else:
            notes.append("licensed_seats is 0: seat utilisation cannot be computed")
    if tiers_known:
        target = next_tier(plan_tier, available, model)
        if target is not None:
            current_multiplier = model.multipliers[plan_tier]
            target_multiplier = model.multipliers[target]
            revenue = money_round(arr / current_multiplier * target_multiplier - arr)
            priority = priority_score(revenue, "tier_upgrade", model)
            upgrade = model.upgrade_words.get((plan_tier, target))
            if upgrade is None:  # the words of each (current, target) pair are made once
                upgrade = model.upgrade_words[plan_tier, target] = (
                    f"On {people_name(plan_tier)} today; {people_name(target)} is the next tier up "
                    f"(price x{target_multiplier:g} "
                    f"against x{current_multiplier:g}): about $")
            total += revenue
            ranked.append(((-priority, rank["tier_upgrade"], target), {
                "type": labels["tier_upgrade"],
                "category": "tier_upgrade",
                "current_tier": plan_tier,
                "target_tier": target,
                "estimated_revenue": revenue,
                "effort": efforts["tier_upgrade"],
                "rationale": f"{upgrade}{revenue:,} more a year.",
                "priority_score": priority,
                "readiness": _upgrade_readiness(status, utilisation, model),
            }))
    enablement = []
    total_modules = adopted_count = usage_count = 0
    usage_sum = 0.0
    lean = model.lean
    if modules is not None:
        below = model.enablement_below
        for name, fraction, pitch, adopted, usage_pct in modules:
            total_modules += 1
            if adopted:
                adopted_count += 1
                if usage_pct is not None:
                    usage_count += 1
                    usage_sum += usage_pct
                    if usage_pct < below:
                        if lean:  # the report counts the needs (and sorts no list it never shows)
                            enablement.append(name)
                            continue
                        enablement.append({
                            "module": name,
                            "usage_pct": usage_pct,
                            "action": (f"Adopted but used at {usage_pct:g}% (under {below:g}%): run an "
                                       "enablement session with its users; value comes before any upsell."),
                        })
                continue
            if fraction <= 0:
                continue
            revenue = money_round(arr * fraction)
            priority = priority_score(revenue, "module_cross_sell", model)
            total += revenue
            ranked.append(((-priority, rank["module_cross_sell"], name), {
                "type": labels["module_cross_sell"],
                "category": "module_cross_sell",
                "module": name,
                "estimated_revenue": revenue,
                "effort": efforts["module_cross_sell"],
                "rationale": f"{pitch}{revenue:,} a year.",
                "priority_score": priority,
                "readiness": status,
            }))
        if len(enablement) > 1 and not lean:
            enablement.sort(key=_enablement_order)
    departments_potential = None
    if departments_known:
        covered = len(current)
        per_department = arr / max(1, covered)
        factor = model.department_factor
        revenue = money_round(per_department * factor)
        new_departments = [name for key, name in potential.items() if key not in current]
        departments_potential = len(new_departments)
        if new_departments:
            if covered:
                basis = f"the ${money_round(per_department):,} ARR per current department ({covered} today)"
            else:
                basis = f"the account's ${money_round(per_department):,} ARR (no current department on record)"
            # Every new department of an account is worth the same: its words and priority are worked out once.
            after_name = (f" department does not use the product yet; at {model.department_share} of {basis} "
                          f"it is worth about ${revenue:,} a year.")
            priority = priority_score(revenue, "department_expansion", model)
            category_rank = rank["department_expansion"]
            words = model.department_words
            for name in new_departments:
                start = words.get(name)
                if start is None:  # "The " and the name as people write it, worked out once per name
                    start = "The " + people_name(name)
                    if len(name) <= MAX_KEPT_NAME:
                        _keep(words, name, start)
                total += revenue
                ranked.append(((-priority, category_rank, name), {
                    "type": labels["department_expansion"],
                    "category": "department_expansion",
                    "department": name,
                    "estimated_revenue": revenue,
                    "effort": efforts["department_expansion"],
                    "rationale": start + after_name,
                    "priority_score": priority,
                    "readiness": status,
                }))
    ranked.sort(key=_first)
    opportunities = [opportunity for _, opportunity in ranked]
    ready_revenue = 0
    first_ready = None
    if status == READY:
        for opportunity in opportunities:
            if opportunity["readiness"] == READY:
                ready_revenue += opportunity["estimated_revenue"]
                if first_ready is None:
                    first_ready = opportunity
        if first_ready is None and opportunities:
            readiness["reasons"].append(f"tier upgrade: {GROW_USAGE_FIRST} (seat utilisation under "
                                        f"{model.upgrade_min_utilisation * 100:g}% or unknown)")
    if lean and len(opportunities) > 1:
        opportunities = _report_opportunities(opportunities, first_ready)
    result = {
        "customer_id": account.customer_id,
        "name": account.name,
        "segment": segment,
        "arr": arr,
        "owner": account.owner,
        "contract_start_date": account.contract_start_date,
        "readiness": readiness,
        "total_estimated_revenue": total,
        "ready_revenue": ready_revenue,
        "opportunity_count": len(opportunities),
        "adoption_summary": None if lean else {
            "total_modules": total_modules if modules is not None else None,
            "adopted_modules": adopted_count if modules is not None else None,
            "adoption_rate": share(adopted_count, total_modules) if total_modules else None,
            "avg_usage_pct": round(usage_sum / usage_count, 1) if usage_count else None,
            "seat_utilisation": seat_utilisation,
            "seat_utilisation_ratio": seat_ratio,
            "current_tier": plan_tier,
            "departments_covered": len(current) if current is not None else None,
            "departments_potential": departments_potential,
        },
        "opportunities": opportunities,
        "enablement_needs": enablement,
        "categories_evaluated": evaluated,
        "missing_fields": missing,
        "notes": notes,
    }
    if model.next_action:
        result["next_action"] = next_action.decide(
            model.next_rule, days=readiness["days_to_renewal"], risk_tier=readiness["churn_risk_tier"],
            health_class=readiness["health_classification"], health_trend=readiness["health_trend"],
            ready=first_ready is not None, opportunity=None if first_ready is None else first_ready["rationale"]
        ).as_dict()
    return lifecycle.add_stage(result, account.contract_start_date, model.lifecycle)


def _report_opportunities(opportunities, first_ready):
    """The opportunities of a lean result (the portfolio report's): the first one (its brief's top
    opportunity) and the first ready one (its ready-now entry and call) whole; of the others what
    the report's tallies read: category, estimated_revenue and readiness."""
    kept = [opportunities[0]]
    for opportunity in opportunities[1:]:
        kept.append(opportunity if opportunity is first_ready else {
            "category": opportunity["category"], "estimated_revenue": opportunity["estimated_revenue"],
            "readiness": opportunity["readiness"]})
    return kept


def _upgrade_readiness(status, utilisation, model):
    """A tier upgrade's readiness: the account's, or "grow usage first" while seat utilisation is low or unknown.

    >>> from csm.config.methodology import default_methodology
    >>> model = prepare(default_methodology())
    >>> _upgrade_readiness(READY, 0.4, model), _upgrade_readiness(READY, 0.7, model), _upgrade_readiness(RENEW_FIRST, 0.9, model)
    ('grow usage first', 'ready', 'renew first')
    """
    if status == READY and (utilisation is None or utilisation < model.upgrade_min_utilisation):
        return GROW_USAGE_FIRST
    return status


def _seat_rationale(active, licensed, utilisation, additional, growth, segment, model):
    used = (f"{active:,} of {licensed:,} licensed seats are in use ({utilisation * 100:.1f}%, at or above the "
            f"{model.utilisation_trigger * 100:g}% trigger)")
    if additional:
        seats = "1 more seat" if additional == 1 else f"{additional:,} more seats"
        return f"{used}: propose about {seats}, the {growth * 100:g}% growth typical of {segment} accounts."
    return (f"{used}: propose a seat top-up; {growth * 100:g}% growth, typical of {segment} accounts, "
            "is less than one seat here.")


def _enablement_order(need):
    """Sort key of enablement needs: least used first, then by module name."""
    return need["usage_pct"], need["module"]


def _first_problem(errors):
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0]}{more}" if errors else "unknown problem"


def _readiness(raw, segment, model, from_text, scored=None):
    """Return {status, reasons, health, churn and renewal figures} for one record whose account fields are checked.

    METHODOLOGY.md section 3, fail closed: ready only when health and churn risk
    were both scored and neither says stabilise (health red, or yellow and
    declining; churn risk high or critical) and the renewal has not lapsed.
    Health and churn are scored by their lean entry points (the same scores as
    their own reports) when the record carries their sections, or taken from
    `scored` (see assess); a side that could not be scored, or has no data, makes
    the status "readiness unknown" (not ready) and the reasons say why.
    Status, most pressing first: renew first (lapsed), stabilise first, readiness unknown, ready.
    """
    reasons = []
    stabilise = unknown = False
    health_score = health_class = health_trend = risk_score = risk_tier = None
    if scored is not None:
        if isinstance(scored[0], dict):
            fitness = scored[0]
            health_score, health_class = fitness["overall_score"], fitness["classification"]
            health_trend = fitness["trends"]["overall"]
        else:
            reasons.append(f"health unknown: {_first_problem(scored[0])}")
    elif _carries(raw, model.health_sections):
        try:
            health_score, health_class, health_trend = health.health_standing(raw, model.health_model, segment,
                                                                               from_text)
        except RecordRejected as exc:
            reasons.append(f"health unknown: {_first_problem(exc.errors)}")
    else:
        reasons.append("health unknown: no health data in the record")
    if health_class is None:
        unknown = True
    else:
        declining = health_trend == "declining"
        words = f"health {health_class} ({health_score:.1f}{', declining' if declining else ''})"
        if health_class in model.stabilise_health or declining and health_class in model.stabilise_declining:
            stabilise = True
            words += ": stabilise first"
        reasons.append(words)
    days = None
    if scored is not None:
        if isinstance(scored[1], dict):
            risk = scored[1]
            risk_score, risk_tier, days = risk["risk_score"], risk["risk_tier"], risk["days_to_renewal"]
        else:
            reasons.append(f"churn risk unknown: {_first_problem(scored[1])}")
    elif _carries(raw, model.churn_sections):
        try:
            risk_score, risk_tier = churn.churn_risk(raw, model.churn_model, from_text)
        except RecordRejected as exc:
            reasons.append(f"churn risk unknown: {_first_problem(exc.errors)}")
    else:
        reasons.append("churn risk unknown: no churn signals in the record")
    if risk_tier is None:
        unknown = True
    elif risk_tier in model.stabilise_churn:
        stabilise = True
        reasons.append(f"churn risk {risk_tier} ({risk_score:.1f}): stabilise first")
    else:
        reasons.append(f"churn risk {risk_tier} ({risk_score:.1f})")
    if scored is None or not isinstance(scored[1], dict):
        days = next_action.renewal_days(raw, model.next_rule)[0]
    lapsed = days is not None and days < 0
    if lapsed:
        reasons.insert(0, f"renewal lapsed {-days:,} day{'' if days == -1 else 's'} ago: renew first")
    status = RENEW_FIRST if lapsed else STABILISE_FIRST if stabilise else UNKNOWN if unknown else READY
    return {
        "status": status,
        "reasons": reasons,
        "health_score": health_score,
        "health_classification": health_class,
        "health_trend": health_trend,
        "churn_risk_score": risk_score,
        "churn_risk_tier": risk_tier,
        "days_to_renewal": days,
    }


def _carries(raw, sections):
    """Return True when the record has at least one of the sections (a null one does not count)."""
    for name in sections:
        if raw.get(name) is not None:
            return True
    return False


def first_ready(opportunities):
    """Return the first of an account's opportunities (its result's order) whose readiness is ready, or None."""
    for opportunity in opportunities:
        if opportunity["readiness"] == READY:
            return opportunity
    return None


def portfolio_key(result):
    """Sort key of the expansion report: accounts with ready revenue first (most first), then total
    potential, ARR, customer_id."""
    ready = result["ready_revenue"]
    return (not ready, -ready, -result["total_estimated_revenue"], -result["arr"], result["customer_id"])


def ready_key(result):
    """Sort key of the ready list: ready revenue (what it shows), then ARR, then customer_id."""
    return (-result["ready_revenue"], -result["arr"], result["customer_id"])


def potential_key(result):
    """Sort key of the ranking by potential alone: total potential, then ARR, then customer_id."""
    return (-result["total_estimated_revenue"], -result["arr"], result["customer_id"])


class Summary:
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

    def add(self, result):
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
                    first = first_ready(opportunities)
                    self.ready.add(key, {"customer_id": result["customer_id"], "name": result["name"],
                                         "total_estimated_revenue": revenue, "ready_revenue": ready_revenue,
                                         "opportunity": first})
        else:
            self.stabilise_count += 1
            if self.stabilise.wants(key):
                self.stabilise.add(key, {"customer_id": result["customer_id"], "name": result["name"],
                                         "total_estimated_revenue": revenue, "reasons": readiness["reasons"]})

    def result(self, rejected_count):
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


_first = operator.itemgetter(0)  # of a (sort key, entry) pair
