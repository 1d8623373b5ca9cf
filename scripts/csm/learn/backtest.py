"""The backtest: do the scores predict the churn the team saw?

Given the scored accounts of one tool (health or churn risk) and an outcomes file
(`customer_id`, `churned` true/false, optional `outcome_date` YYYY-MM-DD), measure
how well the score ranked the accounts that went on to churn:

- `accounts` (scored, with an outcome), `churned`, `base_rate` (churned / accounts);
- `auc`: the probability that a churned account looks riskier than a retained one,
  ties counted half, exact by rank sums (Mann-Whitney U / (churned x retained));
  for health a LOWER overall_score is riskier, for churn a HIGHER risk_score;
- per band (`by_class` for health, `by_tier` for churn): accounts, churned,
  churn_rate and lift (band churn rate / base rate);
- precision and recall at the top K riskiest accounts (K = 10, 25, 50 and the
  capacity: `--capacity`, else the size of the top band among the accounts with an
  outcome). Accounts are ranked riskiest first; equal scores are broken by larger
  ARR first (the account a team would work first), then customer_id, so the cut
  is deterministic;
- the practitioner floors, each passed true/false (null when it cannot be judged)
  with its figure;
- suggested cut-offs with a `config_patch` for `--config` (see `suggest_cutoffs`),
  and `in_sample_note`: they are chosen on the outcomes they are judged on (the
  fitter, scripts/fit_scorecard.py, chooses them out of fold);
- `unmatched_outcomes`: outcomes for unknown customers (or for records the tool
  rejected), and scored accounts without an outcome, counted and listed.

Every figure is a plain number rounded to 4 decimals; a figure that cannot be
computed (no churned account, nothing matched ...) is null with a reason, never
NaN. Everything here is pure: no printing, no exits (csm.cli.backtest wires the
backtest into a tool and writes the stderr lines for outcome rows that cannot be used).

Outcome rows that cannot be used (bad `churned`, bad date, no id, duplicate id)
are listed and skipped, not fatal: one stderr line per problem, an entry in the
report's top-level `rejected` list (its `location` names the outcomes file), the
count in `backtest.rejected_outcomes`, and exit status 3. An outcomes file that
cannot be read at all, or that has no usable row, is exit status 1.
"""

import bisect
import itertools
from typing import Any, BinaryIO, Dict, Iterable, List, Optional, Sequence, Tuple

from csm import values
from csm.learn import calibration
from csm.score.accounts import read_customer_id
from csm.errors import InputError
from csm.ingest.book import Unreadable
from csm.ingest.records import open_portfolio
from csm.limits import OUTCOMES_BYTES
from csm.sidefile import read_capped

# The floors practitioners hold a churn signal to (issue 7): the top band (red /
# critical) churns at 3x the base rate or more; at least two thirds of the churned
# accounts were flagged (below green / medium risk or above); no more than 80% of the
# book sits in the safe band (green / low). Kept as fractions so the checks are exact.
TOP_BAND_LIFT_FLOOR = 3
FLAGGED_SHARE_FLOOR = (2, 3)
SAFE_SHARE_CEILING = (4, 5)
# The K of "precision and recall at the top K riskiest accounts" (issue 7).
TOP_K = (10, 25, 50)
# Scores are rounded to one decimal, so suggested cut-offs are too, and two cut-offs
# that must differ are at least this far apart.
SCORE_STEP = 0.1
RATE_DECIMALS = 4
# The suggested cut-offs are chosen on the outcomes they are then judged on, so their
# precision and recall flatter them; the fitter chooses cut-offs out of fold.
IN_SAMPLE_NOTE = ("these cut-offs are fitted on the same outcomes they are judged on (in sample), so their "
                  "precision and recall flatter them; for cut-offs chosen on accounts they were not fitted to, "
                  "and points learnt from the outcomes, run scripts/fit_scorecard.py")


class Kind:
    """How one tool's results read for the backtest: which score, which bands, which cut-offs.

    `bands` run riskiest first; `flagged_bands` are the bands that count as flagged
    for the floors; `boundaries` are the cut-off names, outermost (the safe band's)
    first, each the lowest score of its band or better.
    """

    def __init__(self, name, score_field, band_field, bands_key, bands, lower_is_riskier, flagged_bands,
                 boundaries, flagged_words, safe_words):
        self.name = name
        self.score_field = score_field
        self.band_field = band_field
        self.bands_key = bands_key
        self.bands = bands
        self.lower_is_riskier = lower_is_riskier
        self.top_band = bands[0]
        self.safe_band = bands[-1]
        self.flagged_bands = flagged_bands
        self.boundaries = boundaries
        self.flagged_words = flagged_words
        self.safe_words = safe_words

    def riskiness(self, score: float) -> float:
        """Return a number that grows with risk, whatever the direction of the score."""
        return -score if self.lower_is_riskier else score

    def flags(self, score: float, threshold: float) -> bool:
        """Return True when `score` is on the risky side of a cut-off at `threshold`."""
        return score < threshold if self.lower_is_riskier else score >= threshold

    def riskier(self, threshold: float, than: float) -> bool:
        """Return True when a cut-off at `threshold` is strictly on the risky side of one at `than`."""
        return threshold < than if self.lower_is_riskier else threshold > than

    def group_of(self, result: Dict[str, Any]) -> Optional[str]:
        """Return the group whose cut-offs apply to a result (the segment for health; None for churn)."""
        return result.get("segment") if self.name == "health" else None

    def current_cutoffs(self, methodology: Dict[str, Any]) -> Dict[Optional[str], Dict[str, float]]:
        """Return {group: {boundary: value}} of the cut-offs in force."""
        if self.name == "health":
            return {segment: {boundary: cut[boundary] for boundary in self.boundaries}
                    for segment, cut in methodology["health"]["classification"].items()}
        tiers = methodology["churn"]["tiers"]
        return {None: {boundary: tiers[boundary]["min_score"] for boundary in self.boundaries}}

    def config_patch(self, suggested: Dict[Optional[str], Dict[str, float]]) -> Dict[str, Any]:
        """Return the methodology JSON that sets the suggested cut-offs ({group: {boundary: value}})."""
        if not suggested:
            return {}
        if self.name == "health":
            return {"health": {"classification": suggested}}
        return {"churn": {"tiers": {boundary: {"min_score": value}
                                    for boundary, value in suggested[None].items()}}}


HEALTH = Kind(
    name="health", score_field="overall_score", band_field="classification", bands_key="by_class",
    bands=("red", "yellow", "green"), lower_is_riskier=True, flagged_bands=("red", "yellow"),
    boundaries=("green", "yellow"), flagged_words="below green", safe_words="green",
)
CHURN = Kind(
    name="churn", score_field="risk_score", band_field="risk_tier", bands_key="by_tier",
    bands=("critical", "high", "medium", "low"), lower_is_riskier=False,
    flagged_bands=("critical", "high", "medium"), boundaries=("medium", "high", "critical"),
    flagged_words="at medium risk or above", safe_words="low risk",
)
KINDS = {"health": HEALTH, "churn": CHURN}


# --- Reading the outcomes file ---------------------------------------------------------------

class Outcome:
    """One usable outcome row."""

    __slots__ = ("customer_id", "churned", "outcome_date", "location")

    def __init__(self, customer_id, churned, outcome_date, location):
        self.customer_id = customer_id
        self.churned = churned
        self.outcome_date = outcome_date
        self.location = location


class Outcomes:
    """The outcomes file, read: `by_id` (customer_id -> Outcome, input order) and `rejected` rows.

    Each rejected entry has the shape of the report's `rejected` entries: `index`,
    `location` (naming the outcomes file), `customer_id` (None when unusable) and `errors`.
    """

    def __init__(self, name, by_id, rejected, warnings=()):
        self.name = name
        self.by_id = by_id
        self.rejected = rejected
        self.warnings = list(warnings)  # what reading the file found questionable (loading.Portfolio.warnings)


def _outcomes_words(message):
    """Reword the portfolio reader's messages for an outcomes file."""
    replacements = (
        (' has no customers list (expected {"customers": [...]}, a JSON object holding one list of customer '
         'objects, a JSON array of customers, JSON Lines or CSV)',
         " must be a JSON array of outcomes (objects with customer_id and churned), JSON Lines or CSV"),
        ("not a portfolio of customers", "not a list of outcomes"),
        ("not a portfolio file", "not an outcomes file"),
        ("nested too deeply to be a portfolio", "nested too deeply to be a list of outcomes"),
        ("customers must be a list of customer objects", "customers must be a list of outcome objects"),
    )
    for old, new in replacements:
        message = message.replace(old, new)
    if message.endswith(" has no customers"):
        message = message[: -len("customers")] + "outcomes"
    return f"outcomes file {message}"


def read_outcome(raw, from_text=False):
    """Check one outcome row; return (customer_id, churned, outcome_date, problems).

    CSV rows arrive as text (`from_text`): churned may be true/false/yes/no/1/0;
    in JSON it must be a boolean.

    >>> read_outcome({"customer_id": "A-1", "churned": "yes"}, from_text=True)
    ('A-1', True, None, [])
    >>> read_outcome({"customer_id": "A-2", "churned": "maybe"}, from_text=True)[3]
    ['churned must be true or false, got "maybe"']
    """
    problems = []
    if isinstance(raw, Unreadable):
        return None, None, None, [raw.reason]
    if not isinstance(raw, dict):
        return None, None, None, [f"outcome must be an object with customer_id and churned, got {values.shown(raw)}"]
    customer_id = read_customer_id(raw, problems)
    churned = raw.get("churned")
    if churned is None:
        problems.append("churned is missing (true or false)")
    else:
        churned = values.boolean(churned, "churned", problems, from_text)
    outcome_date = raw.get("outcome_date")
    if outcome_date is not None:
        outcome_date = values.iso_date(outcome_date, "outcome_date", problems)
    return customer_id, churned, outcome_date, problems


def read_outcomes(path: str, stdin: Optional[BinaryIO] = None) -> Outcomes:
    """Read an outcomes file (CSV, JSON array or JSON Lines; "-" is standard input); return Outcomes.

    Raises InputError when the file cannot be read, or when no row of it is usable
    (the message then lists every problem, one per line).
    """
    data = None if path == "-" else read_capped(path, f"outcomes file {path}", InputError, OUTCOMES_BYTES, "CSV or JSON file")
    try:
        source = open_portfolio(path, stdin=stdin, data=data)
        name = values.printable(source.name, 200)
        by_id = {}
        rejected = []
        for index, label, raw in source.records():
            location = f"{name}{label}" if label.startswith("[") else f"{name} {label}"
            customer_id, churned, outcome_date, problems = read_outcome(raw, source.from_text)
            if customer_id is not None and not problems and customer_id in by_id:
                problems = [f"duplicate customer_id {values.shown(customer_id)}: the first is at "
                            f"{by_id[customer_id].location}; only the first is used"]
            if problems:
                rejected.append({"index": index, "location": location, "customer_id": customer_id,
                                 "errors": problems})
                continue
            by_id[customer_id] = Outcome(customer_id, churned, outcome_date, location)
    except InputError as exc:
        raise InputError(_outcomes_words(str(exc))) from None
    if not by_id:
        lines = [f"{where(entry)}: {problem}" for entry in rejected for problem in entry["errors"]]
        lines.append(f"no outcome in {name} could be used ({len(rejected)} rejected)")
        raise InputError("\n".join(lines))
    return Outcomes(name, by_id, rejected, source.warnings)


def where(entry: Dict[str, Any]) -> str:
    """Return how an error line names a rejected row: its location, and its id when it has one."""
    customer_id = entry["customer_id"]
    return f"{entry['location']} ({values.printable(customer_id)})" if customer_id else entry["location"]


# --- The figures -------------------------------------------------------------------------------

def rate(part: float, whole: float) -> Optional[float]:
    """Return part / whole rounded to 4 decimals, or None when whole is 0.

    >>> rate(1, 3), rate(2, 0)
    (0.3333, None)
    """
    return round(part / whole, RATE_DECIMALS) if whole else None


def area_under_curve(scored: Sequence[Tuple[float, bool]], lower_is_riskier: bool = False) -> Dict[str, Any]:
    """Return the AUC of (score, churned) pairs, exact by rank sums, ties counted half.

    The AUC is the share of (churned, retained) pairs in which the churned account
    looks riskier: U / (churned x retained), U = rank sum of the churned - n(n+1)/2,
    with tied scores given their average rank. Returns a dict: `auc` (None with a
    `reason` when there is no pair), `pairs`, `churned_riskier` and `ties`.

    >>> area_under_curve([(90, True), (70, False), (70, True), (20, False)])
    {'auc': 0.875, 'pairs': 4, 'churned_riskier': 3, 'ties': 1, 'reason': None}
    >>> area_under_curve([(30.0, True), (80.0, False)], lower_is_riskier=True)["auc"]
    1.0
    """
    churned = sum(1 for _, outcome in scored if outcome)
    retained = len(scored) - churned
    pairs = churned * retained
    if not pairs:
        if not scored:
            reason = "no scored account has an outcome"
        elif not churned:
            reason = "no account with an outcome churned, so there is nothing to rank"
        else:
            reason = "every account with an outcome churned, so there is no retained account to compare"
        return {"auc": None, "pairs": 0, "churned_riskier": None, "ties": None, "reason": reason}
    # A churned account's tied group is found by bisecting the sorted scores: its ranks are below + 1 ..
    # up_to, on average (below + 1 + up_to) / 2; the churned accounts of the group by bisecting theirs.
    ranked = sorted([-s if lower_is_riskier else s for s, _ in scored])
    riskier = sorted([-s if lower_is_riskier else s for s, outcome in scored if outcome])
    below = sum(map(bisect.bisect_left, itertools.repeat(ranked, churned), riskier))
    up_to = sum(map(bisect.bisect_right, itertools.repeat(ranked, churned), riskier))
    churned_tied = (sum(map(bisect.bisect_right, itertools.repeat(riskier, churned), riskier))
                    - sum(map(bisect.bisect_left, itertools.repeat(riskier, churned), riskier)))
    doubled_rank_sum = below + churned + up_to  # twice the rank sum of the churned accounts
    ties = up_to - below - churned_tied  # retained accounts tied with a churned one, per churned one
    doubled_u = doubled_rank_sum - churned * (churned + 1)
    return {"auc": round(doubled_u / (2 * pairs), RATE_DECIMALS), "pairs": pairs,
            "churned_riskier": (doubled_u - ties) // 2, "ties": ties, "reason": None}


def band_table(rows: Iterable[Tuple[str, bool]], bands: Iterable[str],
               base_rate: Optional[float]) -> Dict[str, Dict[str, Any]]:
    """Return {band: {accounts, churned, churn_rate, lift}} of (band, churned) rows, bands in order.

    >>> band_table([("red", True), ("red", False), ("green", False), ("green", False)],
    ...            ("red", "green"), 0.25)["red"]
    {'accounts': 2, 'churned': 1, 'churn_rate': 0.5, 'lift': 2.0}
    """
    counts = {band: [0, 0] for band in bands}
    for band, churned in rows:
        tally = counts.setdefault(band, [0, 0])
        tally[0] += 1
        tally[1] += bool(churned)
    table = {}
    for band, (accounts, churned) in counts.items():
        band_rate = churned / accounts if accounts else None
        table[band] = {
            "accounts": accounts,
            "churned": churned,
            "churn_rate": None if band_rate is None else round(band_rate, RATE_DECIMALS),
            "lift": None if band_rate is None or not base_rate else round(band_rate / base_rate, RATE_DECIMALS),
        }
    return table


def ranking_key(kind):
    """Return the sort key that puts results riskiest first: score, then larger ARR, then customer_id."""
    def key(result):
        return (-kind.riskiness(result[kind.score_field]), -(result.get("arr") or 0), result["customer_id"])
    return key


def at_k(ranked_outcomes, k, total_churned):
    """Return precision and recall of the first k of a riskiest-first list of churned flags.

    >>> at_k([True, False, True, False], 2, 2)
    {'k': 2, 'accounts': 2, 'churned': 1, 'precision': 0.5, 'recall': 0.5}
    """
    top = ranked_outcomes[:k]
    churned = sum(1 for outcome in top if outcome)
    return {"k": k, "accounts": len(top), "churned": churned, "precision": rate(churned, len(top)),
            "recall": rate(churned, total_churned)}


def floor_checks(kind, matched_bands, book_bands):
    """Return the three practitioner floor checks.

    `matched_bands` are the (band, churned) rows of the accounts with an outcome;
    `book_bands` the bands of every scored account (the book the 80% ceiling is about).
    Each check: `check`, `rule`, `figure`, `threshold`, `passed` (None with a `reason`
    when it cannot be judged).
    """
    accounts = len(matched_bands)
    churned = sum(1 for _, outcome in matched_bands if outcome)
    top = [outcome for band, outcome in matched_bands if band == kind.top_band]
    top_churned = sum(1 for outcome in top if outcome)
    checks = []

    lift = {"check": "top_band_lift",
            "rule": f"{kind.top_band} accounts churn at {TOP_BAND_LIFT_FLOOR}x the base rate or more",
            "figure": None, "threshold": TOP_BAND_LIFT_FLOOR, "passed": None, "reason": None}
    if not churned:
        lift["reason"] = "no account with an outcome churned"
    elif not top:
        lift["reason"] = f"no account with an outcome is {kind.top_band}"
    else:
        lift["figure"] = round(top_churned * accounts / (len(top) * churned), RATE_DECIMALS)
        lift["passed"] = top_churned * accounts >= TOP_BAND_LIFT_FLOOR * churned * len(top)
    checks.append(lift)

    flagged = sum(1 for band, outcome in matched_bands if outcome and band in kind.flagged_bands)
    numerator, denominator = FLAGGED_SHARE_FLOOR
    share_check = {"check": "churned_flagged_share",
                   "rule": f"at least two thirds of the churned accounts were {kind.flagged_words}",
                   "figure": rate(flagged, churned), "threshold": round(numerator / denominator, RATE_DECIMALS),
                   "passed": None, "reason": None}
    if churned:
        share_check["passed"] = denominator * flagged >= numerator * churned
    else:
        share_check["reason"] = "no account with an outcome churned"
    checks.append(share_check)

    book = len(book_bands)
    safe = sum(1 for band in book_bands if band == kind.safe_band)
    numerator, denominator = SAFE_SHARE_CEILING
    ceiling = {"check": "safe_band_share",
               "rule": f"no more than 80% of the book is {kind.safe_words} (all {book} scored accounts)",
               "figure": rate(safe, book), "threshold": round(numerator / denominator, RATE_DECIMALS),
               "passed": None, "reason": None}
    if book:
        ceiling["passed"] = denominator * safe <= numerator * book
    else:
        ceiling["reason"] = "no scored account"
    checks.append(ceiling)
    return checks


def best_split(points, kind, current=None):
    """Return the cut-off that best separates churned from retained (score, churned) points, or a reason.

    Rule: Youden's J = recall - false positive rate, over every cut between two
    neighbouring observed scores; the cut-off is the midpoint of the gap rounded to
    one decimal (kept inside the gap), so it is tied to no single account. Ties on J
    go to the cut-off nearest the current one, then to the one that flags fewer.
    Returns (threshold, j, None) or (None, None, reason); no cut with J above 0: no suggestion.

    >>> best_split([(30.0, True), (40.0, True), (70.0, False), (80.0, False), (55.0, True)], HEALTH)
    (62.5, 1.0, None)
    >>> best_split([(85.0, True), (70.0, False), (65.0, True), (20.0, False)], CHURN, 80)
    (77.5, 0.5, None)
    """
    churned = sum(1 for _, outcome in points if outcome)
    retained = len(points) - churned
    if not churned or not retained:
        if not points:
            return None, None, "no account with an outcome falls here"
        side = "churned" if churned else "was retained"
        return None, None, f"every account with an outcome here {side}: nothing to separate"
    groups = {}
    for score, outcome in points:
        tally = groups.setdefault(score, [0, 0])
        tally[0 if outcome else 1] += 1
    scores = sorted(groups, key=kind.riskiness, reverse=True)  # riskiest first
    best = None
    flagged_churned = flagged_retained = 0
    for position in range(len(scores) - 1):
        flagged_churned += groups[scores[position]][0]
        flagged_retained += groups[scores[position]][1]
        # J x churned x retained, an integer, so equal J compare equal.
        j_scaled = flagged_churned * retained - flagged_retained * churned
        low, high = sorted((scores[position], scores[position + 1]))
        threshold = round((low + high) / 2, 1)
        if not low < threshold <= high:
            threshold = high
        distance = abs(threshold - current) if current is not None else 0
        candidate = (-j_scaled, distance, position, threshold)
        if best is None or candidate < best:
            best = candidate
    if best is None or best[0] >= 0:
        return None, None, "no cut-off separates churned from retained better than chance here"
    return best[3], round(-best[0] / (churned * retained), RATE_DECIMALS), None


def cut_figures(points, kind, threshold):
    """Return (flagged, precision, recall) of a cut-off over (score, churned) points."""
    flagged = [outcome for score, outcome in points if kind.flags(score, threshold)]
    flagged_churned = sum(1 for outcome in flagged if outcome)
    churned = sum(1 for _, outcome in points if outcome)
    return len(flagged), rate(flagged_churned, len(flagged)), rate(flagged_churned, churned)


def suggest_cutoffs(points: Sequence[Tuple[float, bool]], kind: Kind,
                    current: Dict[str, float]) -> Tuple[List[Dict[str, Any]], Dict[str, float]]:
    """Return (boundaries, suggested) for one group's (score, churned) points.

    The rule, nested Youden: the outermost boundary (green for health, medium for
    churn) is the best split (`best_split`) of all the group's accounts; each boundary
    inside it (yellow; high, then critical) is the best split of the accounts the
    boundary outside it flags. So every boundary separates churned from retained
    where it acts, and the boundaries stay in order by construction. A boundary with
    no split keeps its current value; when that would cross a suggested outer
    boundary, it moves one step (0.1) past it, and the move is suggested too.

    `boundaries` is a list of dicts (boundary, current, suggested, youden_j,
    flagged, precision, recall, current_precision, current_recall, reason);
    `suggested` maps boundary -> value for the config patch.
    """
    region = points
    outer = None
    outer_suggested = False
    entries = []
    suggested = {}
    for boundary in kind.boundaries:
        now = current[boundary]
        threshold, j, reason = best_split(region, kind, now)
        if threshold is None and outer_suggested and not kind.riskier(now, outer):
            moved = round(outer - SCORE_STEP if kind.lower_is_riskier else outer + SCORE_STEP, 1)
            if not 0 <= moved <= 100:
                reason = "the boundaries cannot be kept in order within 0-100; no suggestion"
                return [dict(entry, suggested=None, youden_j=None, reason=reason) for entry in entries] \
                    + [_boundary_entry(points, kind, boundary, now, None, None, reason)], {}
            threshold = moved
            reason = f"{reason}; moved to {moved:g}, one step past the suggested " \
                     f"{kind.boundaries[len(entries) - 1]} cut-off, to keep the order"
        entries.append(_boundary_entry(points, kind, boundary, now, threshold, j, reason))
        if threshold is not None:
            suggested[boundary] = threshold
        outer = now if threshold is None else threshold
        outer_suggested = threshold is not None
        region = [point for point in region if kind.flags(point[0], outer)]
    return entries, suggested


def _boundary_entry(points, kind, boundary, now, threshold, j, reason):
    effective = now if threshold is None else threshold
    flagged, precision, recall = cut_figures(points, kind, effective)
    _, current_precision, current_recall = cut_figures(points, kind, now)
    return {"boundary": boundary, "current": now, "suggested": threshold, "youden_j": j,
            "flagged": flagged, "precision": precision, "recall": recall,
            "current_precision": current_precision, "current_recall": current_recall, "reason": reason}


def _id_list(ids):
    ordered = sorted(ids)
    return {"count": len(ordered), "customer_ids": ordered}


def backtest(results: List[Dict[str, Any]], outcomes: Dict[str, bool], kind: Kind, methodology: Dict[str, Any],
             capacity: Optional[int] = None, rejected_ids: Iterable[str] = (),
             rejected_outcomes: int = 0) -> Dict[str, Any]:
    """Return the backtest of scored `results` against `outcomes` (customer_id -> churned, a bool).

    `kind` is HEALTH or CHURN; `methodology` the effective one (for the cut-offs in
    force); `capacity` the accounts the team can work (None: the size of the top band
    among the accounts with an outcome); `rejected_ids` the ids of input records the
    tool rejected, so their outcomes are reported as such rather than as unknown.
    """
    matched = [result for result in results if result["customer_id"] in outcomes]
    matched.sort(key=ranking_key(kind))
    ranked_outcomes = [outcomes[result["customer_id"]] for result in matched]
    accounts = len(matched)
    churned = sum(1 for outcome in ranked_outcomes if outcome)
    base_rate = rate(churned, accounts)
    exact_base = churned / accounts if accounts else None

    scored_points = [(result[kind.score_field], outcomes[result["customer_id"]]) for result in matched]
    auc = area_under_curve(scored_points, kind.lower_is_riskier)
    matched_bands = [(result[kind.band_field], outcomes[result["customer_id"]]) for result in matched]
    bands = band_table(matched_bands, kind.bands, exact_base)

    top_band_size = bands[kind.top_band]["accounts"]
    if capacity is None:
        capacity_entry = dict(at_k(ranked_outcomes, top_band_size, churned),
                              basis=f"the size of the {kind.top_band} band")
    else:
        capacity_entry = dict(at_k(ranked_outcomes, capacity, churned), basis="--capacity")

    boundary_entries, suggested_all = _suggested(matched, outcomes, kind, methodology)
    scored_ids = {result["customer_id"] for result in results}
    rejected_ids = set(rejected_ids) - scored_ids
    unknown = [customer_id for customer_id in outcomes if customer_id not in scored_ids]
    direction = "lower" if kind.lower_is_riskier else "higher"
    return {
        "tool": kind.name,
        "score": kind.score_field,
        "riskier": f"{direction} {kind.score_field}",
        "ranking": f"riskiest first: {direction} {kind.score_field} first; equal scores by larger ARR, "
                   "then customer_id",
        "accounts": accounts,
        "churned": churned,
        "retained": accounts - churned,
        "base_rate": base_rate,
        "auc": auc["auc"],
        "auc_reason": auc["reason"],
        "auc_pairs": {"pairs": auc["pairs"], "churned_riskier": auc["churned_riskier"], "ties": auc["ties"]},
        "calibration": _calibration(matched, outcomes),
        kind.bands_key: bands,
        "top_k": [at_k(ranked_outcomes, k, churned) for k in TOP_K],
        "capacity": capacity_entry,
        "floors": floor_checks(kind, matched_bands, [result[kind.band_field] for result in results]),
        "suggested_cutoffs": {
            "rule": "nested Youden's J: the outermost boundary is the cut that maximises recall minus false "
                    "positive rate over all accounts with an outcome; each inner boundary does the same "
                    "among the accounts the boundary outside it flags; cut-offs sit at the midpoint between "
                    "neighbouring observed scores",
            "boundaries": boundary_entries,
            "config_patch": kind.config_patch(suggested_all),
            "in_sample_note": IN_SAMPLE_NOTE,
        },
        "unmatched_outcomes": {
            "not_in_portfolio": _id_list(i for i in unknown if i not in rejected_ids),
            "rejected_in_portfolio": _id_list(i for i in unknown if i in rejected_ids),
            "scored_without_outcome": _id_list(r["customer_id"] for r in results
                                               if r["customer_id"] not in outcomes),
        },
        "rejected_outcomes": rejected_outcomes,
    }


def _calibration(matched, outcomes) -> dict:
    """How the churn probabilities hold (csm.learn.calibration), or why there are none to measure."""
    pairs = [(result["churn_probability"], outcomes[result["customer_id"]]) for result in matched
             if result.get("churn_probability") is not None]
    if not pairs:
        return {"brier_score": None, "base_rate_brier_score": None, "reliability": [],
                "reason": "no churn_probability to measure: only a churn methodology with a calibration "
                          "(a fitted churn scorecard, scripts/fit_scorecard.py) gives one"}
    return dict(calibration.calibration_report(pairs), reason=None)


def _suggested(matched, outcomes, kind, methodology):
    """The suggested cut-offs of each group (health: each segment) from the matched accounts: (boundaries,
    group -> suggested cut-offs)."""
    current = kind.current_cutoffs(methodology)
    suggested_all = {}
    boundary_entries = []
    for group in current:
        points = [(result[kind.score_field], outcomes[result["customer_id"]])
                  for result in matched if kind.group_of(result) == group]
        entries, suggested = suggest_cutoffs(points, kind, current[group])
        for entry in entries:
            if kind.name == "health":
                entry = dict(segment=group, **entry)
            boundary_entries.append(entry)
        if suggested:
            suggested_all[group] = suggested
    return boundary_entries, suggested_all


def date_range(outcomes: Outcomes) -> Dict[str, Any]:
    dates = sorted(o.outcome_date for o in outcomes.by_id.values() if o.outcome_date is not None)
    if not dates:
        return {"dated": 0, "earliest": None, "latest": None}
    return {"dated": len(dates), "earliest": dates[0].isoformat(), "latest": dates[-1].isoformat()}
