"""What changed since the last run: trajectories per account and the summary's `changes`.

Owns `--history FILE.sqlite` and `--compare PREVIOUS.json` from the command line's
side (the SQLite file itself is `history`), and the `changes` section of the
methodology: the red-flag drop (references/methodology.md section 5: a health score drop of
more than 20 points) and how many snapshots a trajectory shows.

A run with either option reads what came before (the latest snapshots of each of
its analyses dated before its as-of date, or the earlier JSON output), then, one
account at a time as it is scored (`Tracker.add`, before the account is written):

- gives the account its `trajectory`: `scores` (as_of, score, band; oldest first,
  this run's last), `since` and `change` (against the latest earlier snapshot the
  account is in) and `change_per_30_days` (from the oldest score shown to today's);
- health: takes the overall trend from that earlier score rather than the input's
  `previous_period` when there is one (`trend_basis` says which: history or
  previous_period), and the attention priority that follows from it;
- tallies the summary's `changes` against the latest earlier snapshot (`since`):
  `dropped` (the score fell by more than the red-flag drop; for churn, where higher
  is riskier, the risk rose by more than it; for expansion, whose score is the
  estimated expansion revenue, it fell by more than that many percent), `moved`
  (band changes, from -> to -> ids), `new_lapsed` (the renewal has lapsed and had
  not at `since`; only analyses that read renewal dates know: churn, the report),
  `recovered` (from an at-risk band to the healthy one: health red -> green, churn
  critical or high -> low, expansion stabilise first -> ready), `new_accounts` and
  `gone` (accounts in one and not the other), with `mix_over_time`, the band mix of
  each snapshot shown.

With --history the run's own snapshot is written at the end, in one transaction
(`save`): every scored account, whatever the focus filters list (a tracker sees
each account before the filters); `--no-store` reads and writes nothing. The
changes never compare a run with itself.
"""

import argparse
import datetime
import json
from typing import Any, Callable, Dict, FrozenSet, NamedTuple, Tuple

from csm.config.churn import TIERS
from csm.config.health import CLASSES
from csm.score import next_action
from csm.score.accounts import customer_id_of
from csm.errors import InputError
from csm.ingest.ids import same_form
from csm.values import LARGEST
from csm.limits import COMPARE_BYTES
from csm.sidefile import load_json


CHANGE_SPAN_DAYS = 30  # a trajectory's rate of change is per 30 days (the figure; the key names it)


from csm.config.changes import HISTORY

COMPARE = "compare"
# The `figures` column's JSON, encoded by one encoder (json.dumps with options would build one per row).
_compact = json.JSONEncoder(separators=(",", ":"), check_circular=False, allow_nan=False).encode


class Kind(NamedTuple):
    """How one analysis' results are kept and compared."""

    name: str
    score: Callable
    band: Callable
    bands: Tuple[str, ...]  # best first
    higher_is_worse: bool
    relative_drop: bool
    recovered_from: FrozenSet[str]
    recovered_to: FrozenSet[str]
    figures: Callable
    score_high: float = 100  # the highest score a result may have (read back from a history or --compare)


def _health_figures(result):
    return {"dimensions": {name: d["score"] for name, d in result["dimensions"].items()}}


def _churn_figures(result):
    return {"raw_score": result["raw_score"],
            "signals": {name: s["score"] for name, s in result["signal_scores"].items()}}


def _expansion_figures(result):
    return {"opportunity_count": result["opportunity_count"]}


def _readiness_status(result):
    """The expansion band of a result: the tool's readiness.status (the report's brief holds the status itself)."""
    readiness = result["readiness"]
    return readiness if isinstance(readiness, str) else readiness["status"]


KINDS = {
    "health": Kind("health", lambda r: r["overall_score"], lambda r: r["classification"],
                   CLASSES, False, False, frozenset({"red"}), frozenset({"green"}),
                   _health_figures),
    "churn": Kind("churn", lambda r: r["risk_score"], lambda r: r["risk_tier"],
                  tuple(reversed(TIERS)), True, False, frozenset({"critical", "high"}),
                  frozenset({"low"}), _churn_figures),
    "expansion": Kind("expansion", lambda r: r["total_estimated_revenue"], lambda r: _readiness_status(r),
                      ("ready", "readiness unknown", "stabilise first", "renew first"), False, True,
                      frozenset({"stabilise first", "renew first"}),
                      frozenset({"ready"}), _expansion_figures, LARGEST),
}

# The report field of each tool -> the analyses it runs (the portfolio report: all three).
TOOL_ANALYSES = {
    "customer_health": ("health",),
    "churn_risk": ("churn",),
    "expansion_opportunities": ("expansion",),
    "portfolio_report": ("health", "churn", "expansion"),
}
PORTFOLIO = "portfolio_report"
EXPANSION_REPORT = "expansion_opportunities"


def requested(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "history", None) or getattr(args, "compare", None))


class Past(NamedTuple):
    """What came before, for one analysis: snapshot dates newest first, each account's points
    (as_of, score, band, lapsed) newest first, the band mix (band -> [accounts, ARR]) per date, and
    each account's figures at its latest point (a dict, the history's JSON text of one, or None when they did not
    read back)."""

    dates: list
    by_id: dict
    mix: dict
    figures: dict


PREVIOUS_PERIOD = "previous_period"
NO_STORED_RUN = {"source": PREVIOUS_PERIOD, "since": None}  # the trend basis of a run without one


def earlier_period(past: Past, customer_id: str) -> dict:
    """The `previous_period` section a record is scored with when trends are against a stored run:
    the account's latest earlier overall score and dimension scores ({} when the run does not hold it).

    >>> earlier_period(Past(["2026-11-15"], {"A": [("2026-11-15", 61.5, "yellow", None)]}, {},
    ...                     {"A": '{"dimensions":{"usage":70.0,"support":null}}'}), "A")
    {'overall_score': 61.5, 'usage_score': 70.0}
    """
    key = same_form(customer_id)
    points = past.by_id.get(key)
    if not points:
        return {}
    previous = {"overall_score": points[0][1]}
    found = past.figures.get(key)
    if isinstance(found, str):  # the history's text, checked when it was read back
        found = json.loads(found)
    dimensions = found.get("dimensions") if isinstance(found, dict) else None
    if isinstance(dimensions, dict):
        for name, score in dimensions.items():
            if _figure(score, 100):
                previous[f"{name}_score"] = score
    return previous


class Tally:
    """One analysis' changes, tallied account by account."""

    def __init__(self, kind, since):
        self.kind = kind
        self.since = since
        self.dropped = []  # (change, customer_id, name, previous score, score)
        self.moved = {}
        self.new_lapsed = []
        self.recovered = []
        self.new_accounts = []
        self.matched = set()
        self.basis = {HISTORY: 0, "previous_period": 0}
        self.rows = []


class Tracker:
    """The history side of one run: what came before, and what this run adds to it."""

    def __init__(self, report_name, prog, model, args, methodology_hash):
        methodology = model.methodology
        section = methodology["changes"]
        self.report = report_name
        self.prog = prog
        self.as_of = args.as_of
        self.as_of_text = args.as_of.isoformat()
        self.methodology_hash = methodology_hash
        self.methodology_name = methodology.get("name", "default")
        self.drop = section["red_flag_drop"]
        self.length = int(section["trajectory_length"])
        self.kinds = [KINDS[name] for name in TOOL_ANALYSES[report_name]]
        self.portfolio = report_name == PORTFOLIO
        self.warnings = []
        self.store = None
        self.storing = bool(args.history) and not args.no_store
        if args.history:
            from csm.report.history import Store  # sqlite3 is loaded only by a run that keeps history
            self.store = Store(args.history)
            self.source = HISTORY
            self.pasts = {kind.name: self._read(kind) for kind in self.kinds}
        else:
            self.source = COMPARE
            self.pasts = read_compare(args.compare, report_name, self.kinds, self.as_of, self.length,
                                      methodology_hash, self.warnings)
        self.tallies = {kind.name: Tally(kind, (self.pasts[kind.name].dates or [None])[0]) for kind in self.kinds}
        # The one trend basis of the run: the stored run's health scores when there is one (the expansion
        # tool's readiness reads health too: from the history, or the compared output's readiness), the
        # churn tool's stored run for its trajectories, else the export's previous_period fields.
        self.health_past = self.pasts.get("health")
        if self.health_past is None and self.store is not None and report_name == EXPANSION_REPORT:
            self.health_past = self._read(KINDS["health"])
        basis = self.health_past if self.health_past is not None else self.pasts[self.kinds[0].name]
        self.trend_basis = {"source": self.source, "since": basis.dates[0]} if basis.dates else NO_STORED_RUN

    def rebase(self, raw: Any) -> None:
        """Before a record is scored: with a stored run as the trend basis, its previous_period is that
        run's scores (none when the run does not hold the account), so every trend, attention and
        readiness of the output is against the one basis."""
        if self.health_past is None or not self.health_past.dates or not isinstance(raw, dict):
            return
        customer_id = customer_id_of(raw)
        if customer_id is not None:
            raw["previous_period"] = earlier_period(self.health_past, customer_id)

    def _read(self, kind):
        """The Past of one analysis from the history; a warning when its latest snapshot used another methodology."""
        dates, by_id, mix, figures = self.store.read(kind.name, self.as_of_text, self.length - 1, kind.score_high,
                                                         kind.bands)
        self.warnings.extend(self.store.take_warnings())
        if dates and dates[0][1] != self.methodology_hash:
            self.warnings.append(f"{kind.name} snapshot of {dates[0][0]} was made with another methodology "
                                 f"(hash {dates[0][1]}, this run {self.methodology_hash}): part of a change "
                                 "may be the methodology's")
        return Past([as_of for as_of, _ in dates], by_id, mix, figures)

    def wrap(self, summary: Any) -> "Tracked":
        return Tracked(summary, self)

    def add(self, result: Dict[str, Any]) -> None:
        """Track one scored account (before it is written): its trajectories, the changes, its rows."""
        if self.portfolio:
            churn_result = result["churn"]
            for kind in self.kinds:
                analysed = result[kind.name]
                if analysed is not None:
                    self._track(kind, analysed, result, churn_result)
            if result["health"] is not None and result["health"].get("trend_basis") == HISTORY:
                result["priority"] = next_action.account_priority(result["health"], churn_result)
        else:
            kind = self.kinds[0]
            self._track(kind, result, result, result if kind.name == "churn" else None)

    def _track(self, kind, part, account, churn_result):
        tally = self.tallies[kind.name]
        customer_id = account["customer_id"]
        score = kind.score(part)
        band = kind.band(part)
        if churn_result is not None and churn_result["days_to_renewal"] is not None:
            lapsed = churn_result["renewal_status"] == "lapsed"
            end_date = churn_result["contract_end_date"]
        else:
            lapsed = end_date = None
        tally.rows.append((customer_id, account["name"], account["segment"], account["owner"], account["arr"],
                           score, band, end_date, None if lapsed is None else int(lapsed),
                           _compact(kind.figures(part))))
        past = self.pasts[kind.name].by_id.get(same_form(customer_id))
        shown = past[:self.length - 1] if past else []
        points = [{"as_of": as_of, "score": earlier, "band": earlier_band}
                  for as_of, earlier, earlier_band, _ in reversed(shown)]
        points.append({"as_of": self.as_of_text, "score": score, "band": band})
        trajectory = {"scores": points, "since": None, "change": None, "change_per_30_days": None}
        if shown:
            latest = shown[0]
            trajectory["since"] = latest[0]
            trajectory["change"] = round(score - latest[1], 1)
            oldest = shown[-1]
            days = (self.as_of - datetime.date.fromisoformat(oldest[0])).days
            if days > 0:
                trajectory["change_per_30_days"] = round((score - oldest[1]) * CHANGE_SPAN_DAYS / days, 1)
        part["trajectory"] = trajectory
        if kind.name == "health":
            self._health_trend(part, score, band, shown, tally)
        if tally.since is None:
            return
        if not shown or shown[0][0] != tally.since:
            tally.new_accounts.append(customer_id)
            return
        tally.matched.add(same_form(customer_id))
        _, earlier, earlier_band, was_lapsed = shown[0]
        change = score - earlier
        fall = change if kind.higher_is_worse else -change
        limit = earlier * self.drop / 100 if kind.relative_drop else self.drop
        if fall > limit:
            tally.dropped.append((-fall, customer_id, account["name"], earlier, score))
        if earlier_band != band:
            tally.moved.setdefault(earlier_band, {}).setdefault(band, []).append(customer_id)
            if earlier_band in kind.recovered_from and band in kind.recovered_to:
                tally.recovered.append(customer_id)
        if lapsed and not was_lapsed:
            tally.new_lapsed.append(customer_id)

    def _health_trend(self, part, score, band, shown, tally):
        """Health: the account's trend basis (its trends were scored against it: `rebase`)."""
        source = self.trend_basis["source"]
        part["trend_basis"] = HISTORY if source != PREVIOUS_PERIOD else PREVIOUS_PERIOD
        tally.basis[part["trend_basis"]] += 1

    def changes(self, name: str) -> Dict[str, Any]:
        """Return the `changes` object of one analysis."""
        tally = self.tallies[name]
        kind = tally.kind
        past = self.pasts[name]
        order = {band: rank for rank, band in enumerate(kind.bands)}
        dropped = sorted(tally.dropped)
        gone = sorted(customer_id for customer_id, points in past.by_id.items()
                      if points[0][0] == tally.since and customer_id not in tally.matched) if tally.since else []
        mix = []
        for as_of in reversed(past.dates):
            mix.append({"as_of": as_of, "bands": _mix(past.mix.get(as_of, {}), kind)})
        now = {}
        for row in tally.rows:
            found = now.setdefault(row[6], [0, 0])
            found[0] += 1
            found[1] += row[4]
        mix.append({"as_of": self.as_of_text, "bands": _mix(now, kind)})
        changes = {
            "source": self.source,
            "analysis": name,
            "since": tally.since,
            "red_flag_drop": self.drop,
            "dropped": [entry[1] for entry in dropped],
            "moved": {before: {after: sorted(ids) for after, ids in sorted(targets.items(), key=lambda i: order.get(i[0], 99))}
                      for before, targets in sorted(tally.moved.items(), key=lambda i: order.get(i[0], 99))},
            "new_lapsed": sorted(tally.new_lapsed),
            "recovered": sorted(tally.recovered),
            "new_accounts": sorted(tally.new_accounts),
            "gone": gone,
            "drops": [{"customer_id": customer_id, "name": account_name, "previous_score": earlier,
                       "score": score, "change": round(score - earlier, 1)}
                      for _, customer_id, account_name, earlier, score in dropped],
            "mix_over_time": mix,
        }
        if name == "health":
            changes["trend_basis"] = dict(tally.basis)
        if tally.since is None:
            changes["note"] = ("no earlier snapshot of this analysis in the history yet: this run is the first"
                               if self.source == HISTORY else "the earlier output has no accounts of this analysis")
        return changes

    def complete(self, summary: Dict[str, Any]) -> None:
        """Add the changes to the summary dict the tool reports (and each owner's share to by_owner)."""
        from csm.report import owners
        if self.portfolio:
            for kind in self.kinds:
                if summary[kind.name] is not None:
                    summary[kind.name]["changes"] = self.changes(kind.name)
            summary["changes"] = summary["health"]["changes"]
        else:
            summary["changes"] = self.changes(self.kinds[0].name)
        if "by_owner" in summary:
            owner_of = {row[0]: row[3] for row in self.tallies[self.kinds[0].name].rows}
            owners.add_changes(summary["by_owner"], summary["changes"], owner_of)

    def save(self) -> None:
        """Write this run's snapshots to the history (one transaction); nothing with --compare or --no-store."""
        if not self.storing:
            return
        from csm.report.history import Snapshot
        from csm import __version__
        self.store.write([Snapshot(kind.name, self.as_of_text, self.methodology_hash, self.methodology_name,
                                   self.prog, __version__, self.tallies[kind.name].rows)
                          for kind in self.kinds if self.tallies[kind.name].rows])


def _mix(found, kind):
    """band -> {count, arr} in the kind's band order (bands of another methodology after them)."""
    order = list(kind.bands) + sorted(set(found) - set(kind.bands))
    return {band: {"count": found.get(band, [0, 0])[0], "arr": round(found.get(band, [0, 0])[1])} for band in order}


class Tracked:
    """A tool's summary with the tracker in front: each account is tracked, then summarised."""

    def __init__(self, summary, tracker):
        self.inner = summary
        self.tracker = tracker

    @property
    def count(self):
        return self.inner.count

    def add(self, result):
        self.tracker.add(result)
        self.inner.add(result)

    def result(self, rejected_count):
        summary = self.inner.result(rejected_count)
        self.tracker.complete(summary)
        return summary


def read_compare(path, report_name, kinds, as_of, length, methodology_hash, warnings):
    """Return analysis -> Past from an earlier JSON output of the same tool (`--compare`).

    Raises InputError when the file is not readable JSON, is another tool's output
    or none at all, is dated after this run, or an account in it has no usable score.
    """
    where = f"--compare {path}"
    document = load_json(path, where, InputError, COMPARE_BYTES, "JSON output",
                         "; give an earlier --format json output of this tool")
    report = document.get("report") if isinstance(document, dict) else None
    if not isinstance(report, str) or report not in TOOL_ANALYSES:
        raise InputError(f"{where} is not a JSON output of this bundle's tools (no \"report\" field); "
                         "give an earlier --format json output of this tool")
    if report != report_name:
        raise InputError(f"{where} is the output of the {report} report, not {report_name}; "
                         "give an earlier --format json output of this tool")
    try:
        then = datetime.date.fromisoformat(document.get("as_of"))
    except (TypeError, ValueError):
        raise InputError(f"{where} has no as_of date (YYYY-MM-DD)") from None
    if then > as_of:
        raise InputError(f"{where} is as of {then.isoformat()}, after this run's as-of {as_of.isoformat()}; "
                         "compare with an earlier output")
    earlier_hash = document.get("methodology_hash")
    if earlier_hash != methodology_hash:
        warnings.append(f"{path} was made with another methodology (hash {earlier_hash or 'not stated'}, this run "
                        f"{methodology_hash}): part of a change may be the methodology's")
    customers = document.get("customers")
    if not isinstance(customers, list):
        raise InputError(f"{where} has no customers list")
    then_text = then.isoformat()
    pasts = {}
    for kind in kinds:
        by_id = {}
        mix = {}
        figures = {}
        for index, result in enumerate(customers):
            part = result.get(kind.name) if report == PORTFOLIO and isinstance(result, dict) else result
            if report == PORTFOLIO and part is None and isinstance(result, dict):
                continue  # the analysis could not score this account then
            point = _earlier_point(part, result, kind, report, then_text)
            if point is None:
                raise InputError(f"{where}: customers[{index}] has no usable customer_id, "
                                 f"{kind.name} score and band (a score from 0 to {kind.score_high:,.0f}; a band, one of "
                                 f"{', '.join(kind.bands)}; an ARR from 0 to {LARGEST:,.0f})")
            customer_id, as_of_point, older, arr = point
            by_id[same_form(customer_id)] = [as_of_point] + older[:length - 2]
            if isinstance(part.get("dimensions"), dict):  # a health result in full: its dimension scores
                figures[same_form(customer_id)] = {
                    "dimensions": {name: dimension.get("score") if isinstance(dimension, dict) else None
                                   for name, dimension in part["dimensions"].items()}}
            found = mix.setdefault(as_of_point[2], [0, 0])
            found[0] += 1
            found[1] += arr
        pasts[kind.name] = Past([then_text] if by_id else [], by_id, {then_text: mix}, figures)
    if report == EXPANSION_REPORT:  # its readiness reads health: the earlier run's health scores, as its trend basis
        pasts["health"] = _readiness_health(customers, then_text)
    return pasts


def _readiness_health(customers, then_text):
    """The Past of health in an earlier expansion output: each account's readiness health score and class."""
    by_id = {}
    for result in customers:
        readiness = result.get("readiness") if isinstance(result, dict) else None
        if isinstance(readiness, dict) and _figure(readiness.get("health_score"), 100) \
                and isinstance(result.get("customer_id"), str):
            by_id[same_form(result["customer_id"])] = [(then_text, readiness["health_score"],
                                             readiness.get("health_classification"), None)]
    return Past([then_text] if by_id else [], by_id, {}, {})


def _earlier_point(part, account, kind, report, then_text):
    """Return (customer_id, the point then, older points from its trajectory, ARR) of an earlier result."""
    if not isinstance(part, dict) or not isinstance(account, dict):
        return None
    customer_id = account.get("customer_id")
    try:
        score = kind.score(part)
        band = kind.band(part)
    except (KeyError, TypeError):
        return None
    arr = account.get("arr")
    if not (isinstance(customer_id, str) and _figure(score, kind.score_high) and band in kind.bands
            and _figure(arr, LARGEST)):
        return None
    churn_result = account.get("churn") if report == PORTFOLIO else part if kind.name == "churn" else None
    lapsed = None
    if isinstance(churn_result, dict) and churn_result.get("days_to_renewal") is not None:
        lapsed = churn_result.get("renewal_status") == "lapsed"
    older = []
    trajectory = part.get("trajectory")
    if isinstance(trajectory, dict) and isinstance(trajectory.get("scores"), list):
        latest = then_text
        for entry in reversed(trajectory["scores"][:-1]):  # newest first, each dated before the one after it
            if not (isinstance(entry, dict) and _date_text(entry.get("as_of")) and entry["as_of"] < latest
                    and _figure(entry.get("score"), kind.score_high) and entry.get("band") in kind.bands):
                break
            older.append((entry["as_of"], entry["score"], entry["band"], None))
            latest = entry["as_of"]
    return customer_id, (then_text, score, band, lapsed), older, arr


def _figure(value, high):
    """True for a number from 0 to `high` that is not a bool."""
    return type(value) in (int, float) and 0 <= value <= high


def _date_text(value):
    """True for a YYYY-MM-DD date."""
    try:
        return isinstance(value, str) and len(value) == 10 and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False
