"""The run of a scoring tool: load -> check -> score -> summarise -> render, record by record.

`command(...)` makes the `Command` of a tool from what it scores (a
csm.report.analyses.Analysis), how it reads (its views, csm.render) and the
options of its own (`Extra`: the backtest, the portfolio report's). `run` is the
flow they share:

- the methodology (`--config`), then the model compiled once for the as-of date;
- the history or the earlier output (`--history`, `--compare`), read before scoring;
- the book, record by record: each one scored, or rejected with one stderr line per
  problem (a duplicate id among them; past the first 1,000 rejected, counted by
  problem); each scored account added to the summary, then listed when it passes
  the focus filters;
- streaming formats (jsonl, csv) write each account as it comes, in input order,
  so a JSON Lines or CSV book is never held whole; the sorted formats (json, text,
  markdown, html) hold the scored accounts, sort them most urgent first, let each
  Extra finish the report (a backtest, the report's views) and write it;
- with --output, a temporary file renamed over the target at the end (csm.cli.output).

What a run holds: a streamed run, one record and its result at a time, plus the ids
seen (duplicates are refused) and what the summary keeps; a JSON document, its text
(each record parsed as it is scored, csm.ingest.json_book) and the results.
"""

import argparse
import contextlib
import gc
from typing import Any, Callable, Iterator, NamedTuple, Optional, Sequence, Tuple

from csm import __version__
from csm.cli import options, run_date
from csm.cli.command import EXIT_FAILED, EXIT_OK, EXIT_SOME_REJECTED, Command, UsageError
from csm.cli.output import Sink
from csm.cli.rejections import Rejections
from csm.limits import REJECTED_LISTED
from csm.cli.say import error, note, warning
from csm.config.methodology import load_methodology, methodology_hash, render_methodology
from csm.errors import RecordRejected
from csm.ingest.columns import render_map
from csm.ingest.ids import SeenIds
from csm.ingest.book import Portfolio, Unreadable
from csm.ingest.records import open_portfolio
from csm.render import common as render_common
from csm.render import json_document
from csm.render import focus as focus_words
from csm.report import changes, focus
from csm.report.analyses import Analysis
from csm.report import coverage
from csm.score.accounts import customer_id_of
from csm.ranking import Top
from csm.values import shown

INPUT_EPILOG = (
    "input: a JSON object {\"customers\": [...]}, a JSON array, JSON Lines (.jsonl),\n"
    "CSV with dotted headers (usage.login_frequency) or an .xlsx workbook; '-' reads\n"
    "standard input. Another export's own column names: --map (see --print-map).\n\n"
    "exit status: 0 every record scored; 1 nothing could be scored (unreadable\n"
    "input, no customers, bad --config); 2 wrong command line; 3 some records\n"
    "were rejected (listed on stderr and under \"rejected\"; the rest is scored).\n"
)


class Extra(NamedTuple):
    """Options of a tool's own and what they add to its run.

    `add_arguments(parser)` adds them; `check(args)` returns a usage error across
    options or None; `finish(report, model, args, book, seen)` completes a sorted-format
    report after the last account (and may replace it, as an account brief does); `seen` holds the
    ids of the book's records (csm.ingest.ids.SeenIds: scored or rejected, listed or not);
    `sorts(args)` is True when the options make a listing sorted across accounts, so
    that even jsonl and csv hold the book and are written by `finish` and `render`;
    `asks_for(args)` is the customer_id whose rejected entry `finish` needs even past the
    first REJECTED_LISTED (an account brief's), or None.
    """

    add_arguments: Callable[[argparse.ArgumentParser], None]
    check: Callable[[argparse.Namespace], Optional[str]]
    finish: Callable[[dict, Any, argparse.Namespace, Portfolio, SeenIds], None]
    sorts: Callable[[argparse.Namespace], bool] = lambda args: False
    asks_for: Callable[[argparse.Namespace], Optional[str]] = lambda args: None


def command(prog: str, description: str, example: str, analysis: Analysis, views: Any,
            formats: Sequence[str] = ("text", "json", "markdown", "csv", "jsonl"), extras: Sequence[Extra] = (),
            epilog: str = "") -> Command:
    """Return the Command of a scoring tool (formats: the first is the default)."""
    examples = (example, f"python3 scripts/{prog} portfolio.csv --format json --output scores.json",
                f"python3 scripts/{prog} --print-config > my-methodology.json")
    adders = [options.scoring_options(formats), options.add_version(__version__), options.add_history]
    adders += [extra.add_arguments for extra in extras] + [options.focus_options(analysis.filters)]

    def check(args: argparse.Namespace) -> Optional[str]:
        for extra in extras:
            problem = extra.check(args)
            if problem is not None:
                return problem
        return None

    def run_tool(args: argparse.Namespace) -> int:
        return run(analysis, views, extras, prog, args)

    return Command(prog=prog, description=description, examples=examples, options=adders, run=run_tool,
                   epilog=INPUT_EPILOG + epilog, check=check)


def run(analysis: Analysis, views: Any, extras: Sequence[Extra], prog: str, args: argparse.Namespace) -> int:
    """Score the book args.input names and write the report; return the exit status."""
    methodology = load_methodology(args.config)
    if args.print_config:
        return _write_whole(args.output, render_methodology(methodology), "the methodology")
    if args.input is None:
        raise UsageError("INPUT is required (a portfolio file, or - for standard input)")
    try:
        run_focus = focus.from_args(args, analysis.filters)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.no_store and not args.history:
        raise UsageError("--no-store needs --history FILE (it reads the history without writing to it)")
    sink = None
    try:
        with collector_paused():
            book = open_portfolio(args.input, map=args.map, sheet=args.sheet, methodology=methodology,
                                  sections=analysis.sections, joins=args.joins)
            run_day = run_date.decide(args.as_of, book)  # --as-of, else the book's own date, else today
            args.as_of = run_day.day
            model = analysis.prepare(methodology, args)
            digest = methodology_hash(methodology)
            tracker = None
            if changes.requested(args) and not args.print_map:  # the history is checked and read before scoring
                tracker = changes.Tracker(analysis.report, prog, model, args, digest)
                for line in tracker.warnings:
                    warning(line)
            for line in run_day.notes + book.notes:
                note(line)
            for line in book.warnings:
                warning(line)
            sink = Sink(args.output)
            if args.print_map:  # the map INPUT is read with (given --map, with what it leaves to the rules)
                sink.write(render_map(book.inferred_map()))
                sink.commit()
                return EXIT_OK
            status = _score_and_write(analysis, views, extras, model, book, args, sink, digest, tracker, run_focus,
                                      prog, run_day.source)
            if status != EXIT_FAILED:  # nothing scored: the error lines say why
                for line in book.closing_warnings():
                    warning(line)
            return status
    except BaseException as exc:
        if sink is not None:
            sink.abort()
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            error(f"cannot write {args.output or 'the report'}: {exc.strerror or exc}")
            return EXIT_FAILED
        raise


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a book is loaded, scored and written.

    The flow makes millions of small containers and no reference cycles worth
    collecting; left on, the collector rescans the parsed book again and again
    (benchmarks/README.md says what it costs). Reference counting still frees
    everything; the collector is back on (if it was) when the run ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write_whole(path: Optional[str], text: str, what: str) -> int:
    sink = None
    try:
        sink = Sink(path)
        sink.write(text)
        sink.commit()
    except BaseException as exc:
        if sink is not None:
            sink.abort()
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            error(f"cannot write {path or what}: {exc.strerror or exc}")
            return EXIT_FAILED
        raise
    return EXIT_OK


def score_record(assess: Callable, model: Any, raw: Any, from_text: bool) -> Tuple[Optional[dict], list]:
    """Score one record: (result, []) or (None, its problems). A record read through a map
    (csm.ingest.columns.MappedRecord) carries its kept columns into the result."""
    if isinstance(raw, Unreadable):
        return None, [raw.reason]
    if not isinstance(raw, dict):
        return None, [f"record must be an object of customer fields, got {shown(raw)}"]
    try:
        result = assess(raw, model, from_text)
    except RecordRejected as exc:
        return None, exc.errors
    kept = getattr(raw, "kept", None)
    if kept is not None:
        result["fields_kept"] = kept
    return result, []


def _score_and_write(analysis, views, extras, model, book, args, sink, digest, tracker, run_focus, prog,
                     as_of_source) -> int:
    streaming = args.format in options.STREAMING_FORMATS and not any(extra.sorts(args) for extra in extras)
    top = run_focus.top if run_focus is not None else None
    summary = analysis.summary(model)
    if tracker is not None:  # each account is tracked (its trajectory added) before it is summarised and written
        summary = tracker.wrap(summary)
    kept = []  # (sort key, what the run keeps of the account) of each listed account, in a sorted format
    rejected = []  # a streamed run writes the first rejected entries as they come and only counts them all
    best = write = None
    if streaming:
        write = _stream_writer(views, model, args.format, sink, args.as_of.isoformat())
        best = Top(top) if top is not None else None  # the most urgent, written after the last record
        listed_one = write if best is None else lambda result: best.add(analysis.order(result), result)
        rejected_one = _writing_rejected(write)
    else:
        listed_one = lambda result: kept.append((analysis.order(result), analysis.keep(result, model, args)))  # noqa: E731
        rejected_one = _holding_rejected(rejected, {extra.asks_for(args) for extra in extras} - {None})
    # A filtered run adds up the accounts the filters keep as well: `listed`, with the summary's keys.
    matched = analysis.summary(model) if run_focus is not None and run_focus.filtering else None
    if matched is not None:
        listed_one = _also_summed(matched, listed_one)
    rebase = tracker.rebase if tracker is not None else None
    seen = SeenIds()
    rejected_count = score_records(analysis, model, book, summary, run_focus, listed_one, rejected_one, seen, rebase)
    if run_focus is not None:
        for line in run_focus.unmatched_warnings():
            warning(line)
    if summary.count == 0:
        error(f"no record in {book.name} could be scored ({rejected_count:,} rejected)")
        sink.abort()
        return EXIT_FAILED
    coverages = run_coverage(model.methodology, analysis.sections, book, prog, args.allow_partial)
    if coverages is None:
        sink.abort()
        return EXIT_FAILED
    report = {
        "report": analysis.report,
        "version": __version__,
        "as_of": args.as_of.isoformat(),
        "as_of_source": as_of_source,
        "methodology": model.methodology.get("name", "default"),
        "methodology_hash": digest,
        "trend_basis": tracker.trend_basis if tracker is not None else changes.NO_STORED_RUN,
        "summary": summary.result(rejected_count),
    }
    if coverage.partial(coverages):
        report["summary"]["coverage"] = coverage.summary_entry(coverages)
    if book.sheet is not None:  # the workbook sheet read, said in the report too (a note: line says it on stderr)
        report["summary"]["sheet"] = book.sheet
    if matched is not None:  # the whole book's figures stay in `summary`; the filtered part's are `listed`
        report["listed"] = matched.result(0) if matched.count else None
    if streaming:
        listed = run_focus.matched if run_focus is not None else 0
        if best is not None:
            most_urgent = best.entries()
            listed = len(most_urgent)
            for result in most_urgent:
                write(result)
        if run_focus is not None:
            report["summary"]["listed"] = run_focus.listed(summary.count, listed)
        _count_unlisted(report, rejected_count, REJECTED_LISTED)
        if args.format == "jsonl":
            sink.write(json_document.encode(report) + "\n")
    else:
        kept.sort(key=_first)  # stable: equal keys keep the book's order
        report["customers"] = [account for _, account in kept]
        report["rejected"] = rejected
        # an entry a finish asked for past the first REJECTED_LISTED is its own, not one listed
        _count_unlisted(report, rejected_count, min(len(rejected), REJECTED_LISTED))
        _write_sorted(report, views, extras, model, args, book, seen, sink, run_focus, summary.count)
    sink.commit()
    if tracker is not None:  # one transaction, once the report is in place: a report that failed leaves no snapshot
        tracker.save()
    return EXIT_SOME_REJECTED if rejected_count or rejected else EXIT_OK  # a finish may add to rejected


def run_coverage(methodology: dict, sections: Optional[Sequence[str]], book: Portfolio, prog: str,
                 allow_partial: bool) -> "Optional[list]":
    """The coverage of the run's analyses once the book is read; None (after the error lines) when it refuses.

    A run of several analyses (the report) leaves out of the threshold one whose data
    no record carries at all, and says so in one line.
    """
    coverages = coverage.book_coverage(methodology, sections, book.uncarried(), book.unread)
    judged = coverages
    if sections is None:
        judged = [entry for entry in coverages if entry.share > 0]
        for entry in coverages:
            if entry.share == 0:
                warning(f"{book.name}: no record carries any field of the {entry.analysis} analysis; "
                        f"the report leaves {entry.analysis} out")
    problem = coverage.refusal(judged, book.name, book.unread, prog)
    if problem is not None and not allow_partial:
        error(problem)
        return None
    return coverages


def score_records(analysis: Analysis, model: Any, book: Portfolio, summary: Any, run_focus: Optional[focus.Focus],
                  listed_one: Callable[[dict], None], rejected_one: Callable[..., None], seen: SeenIds,
                  rebase: Optional[Callable[[Any], None]] = None) -> int:
    """Score each record of the book in input order; return how many were rejected.

    A scored account is added to the summary, then, when it passes the focus
    filters, handed to `listed_one`; a rejected record gets one stderr line per
    problem (a duplicate id among them; past the first REJECTED_LISTED records, each problem counted and said once
    at the end: csm.cli.rejections) and `rejected_one(index, label, customer_id, problems)` is told of it. `seen` (the
    run's id index) gets each record's id. `rebase(record)`, with a stored run as the trend basis, gives the record
    that run's scores as its previous period first.
    """
    rejections = Rejections()
    # Scoring is a function of the record alone: a record equal to a rejected one before it has its problems, when
    # they are all it has (no id, or that id's duplicate already), and is not scored again. So a book of millions of
    # the same bad record ({}, 0, one id again) costs what reading them costs (benchmarks/README.md).
    last_raw = again = None  # the record before, when it was rejected: (its id, its problems) for one equal to it
    for index, label, raw in book.records():
        if again is not None and type(raw) is type(last_raw) and raw == last_raw:
            rejections.again(label, again[0])
            rejected_one(index, label, *again)
            continue
        customer_id = customer_id_of(raw)
        if rebase is not None:
            rebase(raw)
        result, problems = score_record(analysis.assess, model, raw, book.from_text)
        duplicate = None
        if customer_id is not None:
            duplicate = seen.check(customer_id, label)
            if duplicate is not None:
                problems = [duplicate] + problems
            else:
                for line in seen.warnings:
                    warning(line)
                seen.warnings.clear()
        last_raw = raw
        again = (customer_id, problems) if problems and (customer_id is None or duplicate) else None
        if problems:
            rejections.add(label, customer_id, problems)
            rejected_one(index, label, customer_id, problems)
            continue
        summary.add(result)
        if run_focus is not None:
            if run_focus.filtering and not run_focus.keeps(analysis.facts(result)):
                continue
            run_focus.count(result["arr"])
        listed_one(result)
    untold = seen.untold_warnings()
    if untold is not None:
        warning(untold)
    rejections.finish()
    return rejections.count


def _count_unlisted(report: dict, rejected_count: int, listed: int) -> None:
    """`rejected_not_listed`: how many more records were rejected than the report lists (json-output.md)."""
    if rejected_count > listed:
        report["rejected_not_listed"] = rejected_count - listed


def _writing_rejected(write: Callable[..., None]) -> Callable[..., None]:
    """rejected_one for a streamed format: the first REJECTED_LISTED rejected records written as they come, the
    rest only counted (as on stderr; the JSON Lines summary's rejected_not_listed), so a book of millions of bad
    records is not written out again as millions of lines."""
    written = 0

    def rejected_one(index, label, customer_id, problems):
        nonlocal written
        if written < REJECTED_LISTED:
            written += 1
            write(None, rejected_entry(index, label, customer_id, problems))
    return rejected_one


def _holding_rejected(rejected: list, asked_for: set) -> Callable[..., None]:
    """rejected_one for a sorted format: the entries of the first REJECTED_LISTED rejected records appended to
    `rejected`, the rest only counted (as on stderr), but for the first of an id in `asked_for` (a finish's)."""
    def rejected_one(index, label, customer_id, problems):
        if len(rejected) < REJECTED_LISTED or customer_id in asked_for:
            rejected.append(rejected_entry(index, label, customer_id, problems))
            asked_for.discard(customer_id)
    return rejected_one


def rejected_entry(index: int, label: str, customer_id: Optional[str], problems: list) -> dict:
    """A rejected record's entry in a report (`rejected`, json-output.md): its place, its id, its problems."""
    return {"index": index, "location": label, "customer_id": customer_id, "errors": problems}


def _write_sorted(report, views, extras, model, args, book, seen, sink, run_focus, scored_count) -> None:
    """Finish a sorted-format report (each Extra, then the focus's cut) and write it a piece at a time."""
    for extra in extras:
        extra.finish(report, model, args, book, seen)
    # A finish may make another report (a brief), or list opportunities: --top and `listed` count those then.
    listing, total = ("opportunities", report["summary"].get("total_opportunities")) if "opportunities" in report \
        else ("customers", scored_count)
    if run_focus is not None and listing in report:
        if run_focus.top is not None:  # after finish: the report's views cover every account that matched
            del report[listing][run_focus.top:]
        report["summary"]["listed"] = run_focus.listed(total, len(report[listing]))
    limit = None if run_focus is not None and run_focus.detail else focus_words.DETAIL_LIMIT
    for piece in render(views, model, report, args.format, limit):
        sink.write(piece)


def _also_summed(matched: Any, listed_one: Callable[[dict], None]) -> Callable[[dict], None]:
    """listed_one that adds each listed account to the `matched` summary first."""
    def listed(result: dict) -> None:
        matched.add(result)
        listed_one(result)
    return listed


def _first(pair):
    return pair[0]


def _stream_writer(views, model, output_format, sink, as_of):
    """Return write(result, rejected_entry=None) for a streamed format: a JSON line, or a CSV row."""
    if output_format == "jsonl":
        def write_line(result, rejected_entry=None):
            sink.write(json_document.encode(result if result is not None else {"rejected": rejected_entry}) + "\n")
        return write_line
    header = views.csv_header(model)
    sink.write(render_common.csv_line(header + ["status", "errors", "as_of"]))
    blank = [None] * len(header)

    def write_row(result, rejected_entry=None):
        if result is None:
            row = list(blank)
            row[0] = rejected_entry["customer_id"]
            sink.write(render_common.csv_line(row + ["rejected", " | ".join(rejected_entry["errors"]), as_of]))
        else:
            sink.write(render_common.csv_line(views.csv_row(result, model) + ["scored", None, as_of]))
    return write_row


def render(views, model, report, output_format, limit) -> "Iterator[str]":
    """Yield the report in one of the sorted formats (json, text, markdown, html), a piece at a time.

    `limit`: how many actions and warnings an account shows in text and markdown (None: all).
    """
    if output_format == "json":
        yield from json_document.chunks(report)
        return
    if output_format in options.STREAMING_FORMATS:  # a listing sorted across accounts (an Extra's `sorts`)
        yield from views.by_opportunity_lines(report, output_format)
        return
    if output_format == "html":
        yield render_common.escape_controls(views.html(report, model))
        return
    body = views.markdown(report, model, limit) if output_format == "markdown" else views.text(report, model, limit)
    if "backtest" in report:  # added by the backtest (--outcomes); the same section for every tool
        from csm.render.backtest import section
        body = str(body) + section(report["backtest"], output_format)
    # The one place no control character or bidi override of a methodology or an input
    # (a playbook action, a name from --config) reaches a terminal raw, whatever view wrote it.
    if isinstance(body, render_common.Pieces):
        yield from body.each_through(render_common.escape_controls)
    else:
        yield render_common.escape_controls(body)
