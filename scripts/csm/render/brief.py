"""How one account's brief reads (json is the brief itself), and the templates it fills (`--template FILE`).

Templates write placeholders as `{{snake_case_name}}` and list them in a leading
HTML comment (`- {{name}}: what goes there`). `fill` replaces each placeholder the
brief or the proposal (csm.report.brief.Proposal: the playbook that leads, its steps
marked "Proposed:", success criteria and exit rule; the stored weekly reviews) has
data for, and every other one with a marked blank, `[to fill: what goes there]` (a
table-rows placeholder becomes one row of blanks with the table's columns), then
replaces the leading comment with one naming the blanks left: no `{{placeholder}}`
is ever left.
"""

import datetime
import re
from typing import Any, Dict

from csm.figures import money
from csm.values import printable
from csm.words import plural
from csm.render.changes import basis_words
from csm.render.common import as_of_words, html_text, md, path_words, pct, rule, score, terminal, title_line, wrap

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


LISTED = re.compile(r"^\s*-\s*((?:\{\{[A-Za-z0-9_]+\}\}[,\s]*)+):\s*(.*?)\s*(?:\(from:[^)]*\))?\s*$")


BLANK = "[to fill: {}]"


SHOWN = 3  # warnings a text, markdown or HTML brief lists (json: all)


def _bullets(items):
    return "\n".join(f"- {md(item)}" for item in items) if items else None


def _fmt(value, kind=None):
    if value is None:
        return None
    if kind == "money":
        return money(value)
    if kind == "score":
        return score(value)
    return md(str(value))


def _situation(brief):
    parts = []
    risk, fitness = brief["churn"], brief["health"]
    if risk is not None:
        parts.append(f"Churn risk is {risk['risk_tier']} ({score(risk['risk_score'])} of 100); "
                     f"{brief['renewal']['words']}.")
    if fitness is not None:
        trend = fitness["trends"]["overall"].replace("_", " ")
        parts.append(f"Health is {fitness['classification']} ({score(fitness['overall_score'])}), {trend}.")
    decision = brief["next_action"]
    parts.append(f"Next best action ({decision['attention']}): {decision['action']}")
    return md(" ".join(parts))


def facts(brief, as_of, proposal):
    """Return {placeholder name: markdown text} for what the brief and the proposal can say (the rest stays
    a marked blank)."""
    risk, fitness, found = brief["churn"], brief["health"], brief["expansion"]
    decision = brief["next_action"]
    renewal = brief["renewal"]
    table = {
        "customer_name": md(brief["name"]), "customer_id": md(brief["customer_id"]), "segment": brief["segment"],
        "arr": money(brief["arr"]), "as_of_date": as_of, "plan_owner": _fmt(brief["owner"]),
        "csm_name": _fmt(brief["owner"]), "contract_end_date": renewal["contract_end_date"],
        "days_to_renewal": None if renewal["days_to_renewal"] is None else str(renewal["days_to_renewal"]),
        "situation_summary": _situation(brief), "executive_summary": _situation(brief),
        "next_action": md(decision["action"]),
        "lifecycle_stage": None if brief["lifecycle"] is None else brief["lifecycle"]["stage"],
    }
    if risk is not None:
        warnings = [f"{w['severity']}: {w['message']}" for w in risk["warning_signals"]]
        table.update({
            "risk_score": score(risk["risk_score"]), "risk_tier": risk["risk_tier"],
            "warning_signals": _bullets(warnings) or "- none",
            "risk_reasons": _bullets([f"{r['detail']} adds {r['points']:.1f} points" for r in risk["why"]]),
            "root_causes_table_rows": "\n".join(f"| {md(w['message'])} | {BLANK.format('root cause')} | "
                                                f"{BLANK.format('evidence')} | {BLANK.format('yes or no')} |"
                                                for w in risk["warning_signals"]) or None,
            "risks_table_rows": "\n".join(f"| {md(w['message'])} | {w['severity']} | {BLANK.format('mitigation')} | "
                                           f"{BLANK.format('owner')} |" for w in risk["warning_signals"]) or None,
        })
    if fitness is not None:
        trend = fitness["trends"]
        table.update({
            "health_score": score(fitness["overall_score"]), "health_class": fitness["classification"],
            "health_trend": trend["overall"].replace("_", " "),
            "previous_health_score": _fmt(fitness["previous_overall_score"], "score"),
            "health_reasons": _bullets([f"{w['detail']} costs {w['points_lost']:.1f} points" for w in fitness["why"]]),
        })
        for name in ("usage", "engagement", "support", "relationship"):
            dimension = fitness["dimensions"].get(name)
            if dimension is not None and dimension["score"] is not None:
                table[f"{name}_score"] = score(dimension["score"])
                table[f"{name}_trend"] = trend[name].replace("_", " ")
    table["path_targets"] = _path_targets(fitness, risk)
    if found is not None:
        ready = [o for o in found["opportunities"] if o["readiness"] == "ready"]
        table["expansion_opportunities"] = (
            _bullets([f"{o['type']} ({o['readiness']}): {o['rationale']}" for o in found["opportunities"]])
            or "- none found in the data")
        if not ready and found["opportunities"]:
            table["expansion_opportunities"] += (f"\n- Not ready: {md('; '.join(found['readiness']['reasons']))}")
        table["enablement_needs"] = _bullets([f"{n['module']}: {n['action']}" for n in found["enablement_needs"]]) \
            or "- none"
        licensed = found["adoption_summary"]["licensed_seats"]
        if licensed is not None:
            table["licensed_seats"] = f"{licensed:,}"
        utilisation = found["adoption_summary"]["seat_utilisation"]
        if utilisation is not None:  # adoption_summary.seat_utilisation: a percentage (93.5)
            table["seat_utilisation"] = pct(utilisation)
    start = brief["contract_start_date"]
    if start is not None:
        first = datetime.date.fromisoformat(start)
        table.update({"contract_start_date": start, **{f"day_{day}_date": (first + datetime.timedelta(days=day)).isoformat()
                                                       for day in (30, 60, 90)}})
    table.update(_proposed(brief, as_of, proposal))
    return {name: value for name, value in table.items() if value is not None}


def _steps(steps):
    return "\n".join(f"- Proposed: {md(step)}" for step in steps) or \
        "- No new step in the playbook this week: keep the earlier weeks' steps going."


def _proposed(brief, as_of, proposal):
    """The placeholders of what the template proposes: the playbook that leads, the weekly reviews."""
    table = {"weekly_scores_table_rows": _reviews(brief, as_of, proposal)}
    if proposal.playbook is None:
        return table
    weeks = proposal.weeks
    table.update({f"week_{number}_actions": _steps(steps) for number, steps in enumerate(weeks, 1)})
    table.update({
        "playbook": proposal.playbook,
        "playbook_weeks": "\n\n".join(f"**Week {number}**\n\n{_steps(steps)}" for number, steps in enumerate(weeks, 1)),
        "success_criteria": _bullets(proposal.success_criteria),
        "exit_rule": md(proposal.exit_rule) if proposal.exit_rule is not None else
        f"none (the {proposal.playbook}'s playbook keeps the regular cadence)",
        "action_items_rows": "\n".join(f"| Proposed: {md(step)} | {BLANK.format('owner')} | {BLANK.format('due date')} |"
                                        for step in weeks[0]) or None,
    })
    return table


def _reviews(brief, as_of, proposal):
    """The weekly review rows: each stored run of the account (oldest first), then this run; and a line
    saying where the earlier rows come from, or that there are none."""
    risk, fitness = brief["churn"], brief["health"]
    rows = [(review.as_of, review.risk_score, review.risk_tier, review.health_score, review.health_class,
             "from the history", "not stored") for review in proposal.reviews]
    rows.append((as_of, risk and risk["risk_score"], risk and risk["risk_tier"], fitness and fitness["overall_score"],
                 fitness and fitness["classification"], "this run", "not scored"))
    lines = [f"| {date} | {_fmt(risk_score, 'score') or tier or none} | {tier or none} | "
             f"{_fmt(health_score, 'score') or health_class or none} | {health_class or none} | {note} |"
             for date, risk_score, tier, health_score, health_class, note, none in rows]
    if proposal.history is None:
        said = "No stored history: this run is the only row (run with --history FILE each week to list the stored runs here)."
    elif not proposal.reviews:
        said = f"No stored run of this account in the history before {as_of}: this run is the only row."
    else:
        said = (f"The rows before {as_of} are this account's stored runs in the history"
                + (f"; {plural(proposal.earlier, 'earlier run')} not listed (the last {len(proposal.reviews)} are)."
                   if proposal.earlier else "."))
    return "\n".join(lines) + "\n\n" + said


def _descriptions(text):
    """Return {placeholder: what goes there} from the template's leading list, and the text without the comment.

    >>> _descriptions("<!--\\n- {{sponsor}}: who sponsors it (from: x)\\n-->\\n# {{sponsor}}\\n")
    ({'sponsor': 'who sponsors it'}, '# {{sponsor}}\\n')
    """
    described = {}
    body = text
    stripped = text.lstrip()
    if stripped.startswith("<!--") and "-->" in stripped:
        comment, body = stripped[4:].split("-->", 1)
        body = body.lstrip("\n")
        for line in comment.splitlines():
            found = LISTED.match(line)
            if found:
                for name in PLACEHOLDER.findall(found.group(1)):
                    described[name] = found.group(2).rstrip(".")
    return described, body


def fill(text: str, brief: Dict[str, Any], as_of: str, proposal: Any) -> str:
    """Return the template text with every placeholder filled from the brief, the proposal, or a marked blank.

    `proposal`: csm.report.brief.Proposal. A placeholder with no fact becomes `[to fill:
    <its description in the template's list>]`; a `..._rows` placeholder alone on a line
    becomes one table row of such blanks. The leading comment that lists the placeholders
    is replaced by one that says what was filled from what, and names those left to fill.
    """
    described, body = _descriptions(text)
    known = facts(brief, as_of, proposal)
    lines = body.split("\n")
    out = []
    for position, line in enumerate(lines):
        names = PLACEHOLDER.findall(line)
        if names and line.strip() == "{{" + names[0] + "}}" and names[0].endswith("_rows") \
                and names[0] not in known:
            columns = _columns(out)
            blank = BLANK.format(described.get(names[0], names[0].replace("_", " ")))
            out.append("| " + " | ".join([blank] + [""] * (columns - 1)) + " |")
            continue

        def replace(match):
            name = match.group(1)
            if name in known:
                return known[name]
            return BLANK.format(described.get(name, name.replace("_", " ")))
        out.append(PLACEHOLDER.sub(replace, line))
    filled = _header(brief, as_of, proposal, described, PLACEHOLDER.findall(body), known) + "\n".join(out)
    return filled.replace("{{", "{ {")  # a stray brace pair the pattern did not take is never left as one


def _header(brief, as_of, proposal, described, names, known):
    """The filled template's leading comment: where its figures and proposals come from, what is left to fill."""
    left = [name for name in dict.fromkeys(names) if name not in known]
    lines = [f"Filled from the account brief of {_comment(printable(brief['customer_id']))} as of {as_of}."]
    if proposal.playbook is not None and any(name in known and ("week_" in name or name in (
            "playbook_weeks", "success_criteria", "action_items_rows")) for name in names):
        lines.append(f'Lines marked "Proposed:" are the steps of the playbook for the {proposal.playbook} '
                     "(the methodology's playbooks section; references/cs-playbooks.md): accept, edit or "
                     "delete each, and give it an owner and a date.")
    if left:
        lines.append("Left to fill, each a marked [to fill: ...] blank:")
        lines += [f"- {name}: {_comment(described.get(name, name.replace('_', ' ')))}" for name in left]
    else:
        lines.append("Nothing left to fill.")
    return "\n".join(["<!--"] + lines + ["-->", ""])


def _comment(words):
    """Text safe inside an HTML comment (no `--`, so nothing closes it early)."""
    return words.replace("--", "- -")


def _columns(previous_lines):
    """The column count of the markdown table whose rows follow `previous_lines` (1 when none)."""
    for line in reversed(previous_lines):
        if line.startswith("|"):
            return max(1, line.count("|") - 1)
        if line.strip():
            break
    return 1


def _path_targets(fitness, risk):
    """The moves of the account's paths to its next health class and risk tier, as targets (a list), or None."""
    items = []
    for found, goal in ((fitness and fitness["path_to_green"], "health"), (risk and risk["path_to_lower_risk"], "risk")):
        if found is None:
            continue
        if found["moves"] is None:
            items.append(f"{goal} to {found['target']}: none within reach ({found['why']})")
        else:
            items += [f"{move['label']}: from {move['from']} to {move['to']} ({goal} to {found['target']})"
                      for move in found["moves"]]
    if fitness is None and risk is None:
        return None
    return _bullets(items) or "- none needed: the account is green and at low risk"


def _lines(brief):
    """(label, words) pairs of the brief, plain text (the caller escapes)."""
    rows = [("Account", f"{brief['name']} ({brief['customer_id']}), {brief['segment']}, {money(brief['arr'])} ARR")]
    if brief["owner"]:
        rows.append(("Owner", brief["owner"]))
    decision = brief["next_action"]
    rows.append(("Next action", f"{decision['attention'].upper()}: {decision['action']} ({decision['reason']})"))
    rows.append(("Renewal", brief["renewal"]["words"]))
    stage = brief["lifecycle"]
    rows.append(("Lifecycle", "no contract_start_date in the record" if stage is None else
                 f"{stage['stage'].replace('_', ' ')} (day {stage['day']} of contract year "
                 f"{stage['contract_year']})" + (f": {', '.join(stage['goals'])}" if stage["goals"] else "")))
    fitness, risk, found = brief["health"], brief["churn"], brief["expansion"]
    errors = brief["analysis_errors"]
    if fitness is not None:
        rows.append(("Health", f"{score(fitness['overall_score'])} {fitness['classification']}, "
                               f"{fitness['trends']['overall'].replace('_', ' ')}"
                               + "".join(f"; {w['detail']} costs {w['points_lost']:.1f} points"
                                         for w in fitness["why"])))
        if fitness["path_to_green"] is not None:
            rows.append((f"To {fitness['path_to_green']['target']}", path_words(fitness["path_to_green"])))
    else:
        rows.append(("Health", "not scored: " + "; ".join(errors.get("health", []))))
    if risk is not None:
        warnings = risk["warning_signals"]
        more = len(warnings) - SHOWN
        rows.append(("Churn risk", f"{score(risk['risk_score'])} {risk['risk_tier']}"
                                   + "".join(f"; {w['severity']}: {w['message']}" for w in warnings[:SHOWN])
                                   + (f"; and {plural(more, 'more warning')} (--format json lists all)"
                                      if more > 0 else "")))
        if risk["path_to_lower_risk"] is not None:
            rows.append((f"To {risk['path_to_lower_risk']['target']} risk", path_words(risk["path_to_lower_risk"])))
    else:
        rows.append(("Churn risk", "not scored: " + "; ".join(errors.get("churn", []))))
    if found is not None:
        rows.append(("Expansion", f"{found['readiness']['status']}; {money(found['ready_revenue'])} ready of "
                                  f"{money(found['total_estimated_revenue'])} potential in "
                                  f"{plural(found['opportunity_count'], 'opportunity', 'opportunities')}; "
                                  + "; ".join(found["readiness"]["reasons"])))
    else:
        rows.append(("Expansion", "not scored: " + "; ".join(errors.get("expansion", []))))
    return rows


def text(report: Dict[str, Any]) -> str:
    if "template" in report:
        return report["template"]["text"]
    brief = report["account"]
    lines = [title_line(f"Account brief: {terminal(brief['customer_id'], 40)}", f"as of {as_of_words(report)}"), rule()]
    lines += wrap(basis_words(report).capitalize() + ".")
    for label, words in _lines(brief):
        lines += wrap(terminal(words), indent=" " * 14, first=f"{label + ':':<14}")
    return "\n".join(lines) + "\n"


def markdown(report: Dict[str, Any]) -> str:
    if "template" in report:
        return report["template"]["text"]
    brief = report["account"]
    lines = [f"# Account brief: {md(brief['name'])} ({md(brief['customer_id'])})", "", f"As of {as_of_words(report)} · {basis_words(report)}", ""]
    lines += [f"- **{label}:** {md(words)}" for label, words in _lines(brief)]
    return "\n".join(lines) + "\n"


def html(report: Dict[str, Any]) -> str:
    brief = report["account"]
    title = f"Account brief: {brief['name']} ({brief['customer_id']})"
    if "template" in report:
        body = f"<pre>{html_text(report['template']['text'])}</pre>"
    else:
        body = "<table>" + "".join(f"<tr><th>{html_text(label)}</th><td>{html_text(words)}</td></tr>"
                                   for label, words in _lines(brief)) + "</table>"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html_text(title)}</title>"
            "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:900px;margin:0 auto;padding:24px}"
            "th{text-align:left;vertical-align:top;padding:4px 12px 4px 0;white-space:nowrap}"
            "td{padding:4px 0}</style></head><body>"
            f"<h1>{html_text(title)}</h1><p>As of {html_text(as_of_words(report))} · {html_text(basis_words(report))}</p>"
            f"{body}</body></html>\n")
