"""The command layer every tool shares: options, the load -> check -> score -> summarise -> render flow,
stderr lines for bad input, exit statuses and atomic output.

A tool describes itself with a `Tool` (its analysis functions and its views) and
its script calls `run_script(tool)` (in-process callers and tests: `run(tool, argv)`).
Exit statuses (INTERFACE.md): 0 every record scored; 1 nothing could be scored
(unreadable input, no customers, bad config); 2 wrong command line (argparse);
3 some records were rejected, output still written.

Streaming: with `--format jsonl` or `--format csv` each record is scored and written
as it is read, in input order, so memory does not grow with the portfolio when the
input is JSON Lines or CSV. The other formats sort the book, so they hold it.

When a run holds what, and what it costs (benchmarks/bench.py measures it):

- JSON Lines or CSV in, jsonl or csv out: streams. One record, its result and the
  line written are alive at a time; rejected records are written as they come and
  only counted. What remains grows only with the customer ids seen (kept to reject
  duplicates: ids.SeenIds' compact index, ~70 bytes an account) and with what the
  tool's summary keeps (health: the ids of declining accounts).
- A JSON document in (an object with a customers list, or an array), any format:
  the document is parsed whole (JSON needs it), then each record is released as it
  is scored; peak memory is that of `json.load` of the file.
- json out: each account is encoded as soon as it is scored (while its result is
  still in the processor's cache) and only its text and sort key are held; the
  texts are sorted (most urgent first) and written a batch at a time, never the
  whole document as one string. A tool whose finish hook reads the results (a
  backtest, the portfolio report) holds the results instead and encodes at the end;
  the report's json holds, beside each result, the account's brief and its entries in
  the views as JSON texts made as the account is scored (Tool.json_part), so what is
  left after the last account is sorting and merging them.
- text and markdown out: as json, each account is held as its JSON text; the
  view reads each back (`Decoded`) as it renders it, and the report is written a
  batch of accounts at a time (render.Pieces, render.JoinedPieces): about the json
  run's memory. A tool whose finish hook reads the results (the portfolio report)
  holds the results.
- A JSON document in (of 2,000 accounts or more), json, text or markdown out without a
  finish hook, or the portfolio report's lean runs (Tool.helped_when), two processors
  or more: a forked helper scores the later part of the book while this process
  scores from the first record, they meet where both have worked as long, and the
  helper hands each account back in marshal batches, with its JSON text when the run
  writes it as it is (csm.parallel); everything that depends on the order of the book
  stays here, so the report is byte for byte the single-process one, in some 60-75%
  of the time on the 2-core benchmark machine (and 20-40% more memory in all).
- A run with --output writes to a temporary file beside it, renamed at the end
  (csm.output: symlinks followed, devices and FIFOs written in place, modes kept).
- A script (`run_script`) leaves what it held for the operating system to take back
  whole when the process ends: freeing a large book object by object, then letting
  the garbage collector walk what is left, is 5% of a portfolio report's run.
"""

import argparse
import contextlib
import datetime
import gc
import json
import operator
import os
import shutil
import sys
import textwrap

from csm import __version__, parallel
from csm.report import changes, focus
from csm.score.accounts import customer_id_of
from csm.errors import ConfigError, InputError, RecordRejected
from csm.ingest.columns import render_map
from csm.ingest.ids import SeenIds
from csm.ingest.records import Unreadable, open_portfolio
from csm.config.methodology import load_methodology, methodology_hash, render_methodology
from csm.cli.output import (Interrupted, Sink, closed_stream_problem, hold_closed_descriptors, interruptions_raise, same_file_as_input)
from csm.render.common import Encoded, Pieces, escape_controls, held_json
from csm.values import parse_iso_date, printable, shown

STREAMING_FORMATS = ("jsonl", "csv")
JSON_BATCH = 512  # customers encoded per chunk of a JSON document
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SOME_REJECTED = 0, 1, 2, 3


class Tool:
    """What a command-line tool plugs into the shared flow.

    - `prepare(methodology, args)` -> model: compile the methodology once;
    - `assess(raw, model, from_text)` -> result dict, or raise RecordRejected;
    - `summary(model)` -> an object with `add(result)` and `result(rejected_count)`;
    - `sort_key(result)`: order of accounts in sorted formats;
    - `views`: a module or object with `text(report, model)`, `markdown(report, model)`,
      `csv_header(model)` and `csv_row(result, model)`; optional `html(report, model)`;
    - `add_arguments(parser)` and `finish(report, model, args, portfolio, parts)`: optional hooks
      for options of the tool's own and additions to the report (e.g. a backtest); `parts`
      are the run's json parts (`json_part`) in the order of report["customers"], or None;
    - `finish_when(args)`: whether this run calls `finish` (default: whenever there is one).
      A run without it may encode its json as it scores, since nothing reads the results after.
    - `helped_when(args)`: whether a run that calls `finish` may take results scored by a
      forked helper (csm.parallel): for a tool whose results are then small (the report's lean ones).
    - `json_part(args, model, encode)` -> None, or part(result): what a json run that calls
      `finish` keeps of each account beside its result, made as the account is scored (by the
      helper, for its accounts), in plain data (str, numbers, None, tuples, lists, dicts: it
      crosses back in marshal); `encode` is the run's JSON encoder. The report's: the account's
      brief and its entries in the views, as JSON texts (csm.portfolio.json_part).
    - `facts(result)` -> csm.focus.Facts and `filters` (the focus filters it can evaluate):
      a tool with them takes the focus options (--top, --segment ..., --detail; csm.focus).
    - `sections`: the methodology sections its analyses read ("health", "churn", "expansion";
      None: all), so the warning about a metric no record carries names only its own.
    """

    def __init__(self, prog, report, description, example, prepare, assess, summary, sort_key, views,
                 formats=("text", "json", "markdown", "csv", "jsonl"), default_format="text",
                 add_arguments=None, finish=None, finish_when=None, epilog_extra="", facts=None, filters=(),
                 sections=None, helped_when=None, json_part=None):
        self.prog = prog
        self.report = report
        self.description = description
        self.example = example
        self.prepare = prepare
        self.assess = assess
        self.summary = summary
        self.sort_key = sort_key
        self.views = views
        self.formats = formats
        self.default_format = default_format
        self.add_arguments = add_arguments
        self.finish = finish
        self.finish_when = finish_when
        self.epilog_extra = epilog_extra
        self.facts = facts
        self.filters = filters
        self.sections = sections  # the analyses it runs (None: all), for the warning on metrics no record has
        self.helped_when = helped_when
        self.json_part = json_part


# --as-of: the years a run may take for "today". The reports look a year and more ahead
# and behind (renewal quarters, windows, lifecycle); these bounds keep every such date a date.
AS_OF_EARLIEST = datetime.date(1900, 1, 1)
AS_OF_LATEST = datetime.date(9000, 12, 31)


def as_of_date(text):
    """argparse type for --as-of: a YYYY-MM-DD date from 1900 to 9000 (the same rule on every Python)."""
    day = parse_iso_date(text) if len(text.strip()) == 10 else None
    if day is None:
        raise argparse.ArgumentTypeError(f"must be a date written YYYY-MM-DD, got {text!r}")
    if not AS_OF_EARLIEST <= day <= AS_OF_LATEST:
        raise argparse.ArgumentTypeError(f"must be a date from {AS_OF_EARLIEST} to {AS_OF_LATEST}, got {text}")
    return day


HELP_WIDTH = 80  # --help fits an 80-column terminal, whatever COLUMNS says


def shell_lines(command, width=HELP_WIDTH, indent="  "):
    """Return a shell command as help lines of at most `width` columns, continued with a backslash.

    >>> print(shell_lines("python3 scripts/x.py portfolio.csv --format json --output scores.json", 52))
      python3 scripts/x.py portfolio.csv --format json \\
          --output scores.json
    """
    lines = []
    prefix = indent
    rest = command
    while len(prefix) + len(rest) > width:
        room = width - len(prefix)  # a line is prefix + rest[:cut] + " \\"
        cut = rest.rfind(" -", 0, room)  # before an option where one fits, else at a space
        if cut <= 0:
            cut = rest.rfind(" ", 0, room - 1)
        if cut <= 0:
            break
        lines.append(f"{prefix}{rest[:cut]} \\")
        rest = rest[cut + 1:]
        prefix = indent + "    "
    lines.append(prefix + rest)
    return "\n".join(lines)


def help_formatter(prog):
    """argparse formatter of every tool: raw epilog and description, at most HELP_WIDTH columns."""
    columns = min(HELP_WIDTH, shutil.get_terminal_size().columns)
    return argparse.RawDescriptionHelpFormatter(prog, width=columns - 2)


def whole_number(minimum, noun):
    """Return an argparse type for a whole number of `noun`, `minimum` or more.

    >>> whole_number(2, "folds")("5")
    5
    """
    def parse(text):
        try:
            number = int(text)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number of {noun}, {minimum} or more, got {text!r}")
        return number
    return parse


def build_parser(tool):
    epilog = (
        "examples:\n"
        f"{shell_lines(tool.example)}\n"
        f"{shell_lines(f'python3 scripts/{tool.prog} portfolio.csv --format json --output scores.json')}\n"
        f"{shell_lines(f'python3 scripts/{tool.prog} --print-config > my-methodology.json')}\n\n"
        "input: a JSON object {\"customers\": [...]}, a JSON array, JSON Lines (.jsonl),\n"
        "CSV with dotted headers (usage.login_frequency) or an .xlsx workbook; '-' reads\n"
        "standard input. Another export's own column names: --map (see --print-map).\n\n"
        "exit status: 0 every record scored; 1 nothing could be scored (unreadable\n"
        "input, no customers, bad --config); 2 wrong command line; 3 some records\n"
        "were rejected (listed on stderr and under \"rejected\"; the rest is scored).\n"
        + tool.epilog_extra
    )
    parser = argparse.ArgumentParser(
        prog=tool.prog, description="\n".join(textwrap.wrap(tool.description, 79)), epilog=epilog,
        formatter_class=help_formatter,
    )
    streamed = [name for name in STREAMING_FORMATS if name in tool.formats]
    format_help = f"output format (default: {tool.default_format})"
    if streamed:
        format_help += f"; {' and '.join(streamed)} stream one account per record in input order"
    parser.add_argument("input", nargs="?", metavar="INPUT",
                        help="portfolio file (JSON, JSON Lines or CSV), or - for standard input")
    parser.add_argument("--format", choices=tool.formats, default=tool.default_format,
                        help=format_help)
    parser.add_argument("--output", metavar="FILE",
                        help="write the report to FILE (whole or not at all) instead of standard output")
    parser.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                        help="the date 'today' means for renewals and the report (default: today)")
    parser.add_argument("--config", metavar="FILE",
                        help="JSON methodology file merged over the defaults (see --print-config)")
    parser.add_argument("--print-config", action="store_true",
                        help="print the effective methodology as JSON and exit")
    parser.add_argument("--map", metavar="FILE",
                        help="JSON map of the export's columns: schema path -> column, and the "
                             "columns to keep in the output (see --print-map)")
    parser.add_argument("--print-map", action="store_true",
                        help="print the map INPUT is read with, ready to edit, and exit")
    parser.add_argument("--sheet", metavar="NAME",
                        help="the sheet of an .xlsx workbook to read (default: the first)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    changes.add_arguments(parser)
    if tool.add_arguments is not None:
        tool.add_arguments(parser)
    if tool.facts is not None:
        focus.add_arguments(parser)
    return parser


def error(message):
    """Write one `error: ...` line per line of message to stderr."""
    _say("error", message)


def warning(message):
    """Write one `warning: ...` line per line of message to stderr (the run goes on)."""
    _say("warning", message)


def _say(kind, message):
    stream = sys.stderr
    if stream is None:  # standard error closed (2>&-): nowhere to say it; the exit status still does
        return
    try:
        for line in str(message).splitlines() or [""]:
            stream.write(f"{kind}: {escape_controls(line)}\n")  # a config key may hold ESC too
    except (OSError, ValueError):
        pass


def record_where(label, customer_id):
    return f"{label} ({printable(customer_id)})" if customer_id else label


def run_script(tool):
    """Run the tool on the command line and end the process with its exit status.

    The book the run held is not freed object by object: once the report is
    written and the standard streams flushed, the process ends (os._exit) and the
    operating system takes its memory back whole. Nothing else is pending then:
    --output was renamed into place (or removed) and no exit handlers are used.
    Under a profiler, tracer or debugger the process exits normally instead, so
    that `python3 -m cProfile scripts/X.py ...` prints its profile.
    """
    held = []
    hold_closed_descriptors()
    status = run(tool, held=held)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # the reader went away, or the stream is closed: nothing left to say
            pass
    if not _plain_script_run():
        sys.exit(status)  # a profiler, tracer or debugger has its report to write at exit
    os._exit(status)


def _plain_script_run():
    """True when the process is this script run by Python itself: no profiler, tracer or debugger.

    `python3 -m cProfile scripts/X.py` (or trace, pdb) runs the script under a `__main__`
    module of its own, and writes its report when the process exits normally.
    """
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return bool(main_file and sys.argv and sys.argv[0]
                and os.path.abspath(main_file) == os.path.abspath(sys.argv[0]))


def run(tool, argv=None, held=None):
    """Parse argv, run the tool, return the exit status. Never raises for bad input.

    With `held` (a list; run_script), the run appends what it held and leaves the
    garbage collector off, for a process about to end.
    """
    parser = build_parser(tool)
    args = parser.parse_args(argv)
    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(errors="backslashreplace")
    overwrite = same_file_as_input(args)  # before anything is read
    if overwrite is not None:
        error(overwrite)
        return EXIT_USAGE
    closed = closed_stream_problem(args)
    if closed is not None:
        error(closed)
        return EXIT_FAILED
    with interruptions_raise():
        try:
            return _run(tool, parser, args, held)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (Interrupted): the output is as it was
            return exc.status if isinstance(exc, Interrupted) else 130


def _run(tool, parser, args, held):
    try:
        methodology = load_methodology(args.config)
    except ConfigError as exc:
        error(exc)
        return EXIT_FAILED
    if args.print_config:
        return _emit_config(methodology, args)
    if args.input is None:
        parser.error("INPUT is required (a portfolio file, or - for standard input)")
    run_focus = None
    if tool.facts is not None:
        try:
            run_focus = focus.from_args(args, tool.filters)
        except ValueError as exc:
            parser.error(str(exc))
    args.as_of = args.as_of or datetime.date.today()
    sink = None
    try:
        with _collector_paused(resume=held is None):
            model = tool.prepare(methodology, args)
            if run_focus is not None:
                model.focus = run_focus
            digest = methodology_hash(methodology)
            tracker = None
            if changes.requested(args) and not args.print_map:  # the history is checked and read before scoring
                tracker = changes.Tracker(tool, model, args, digest)
                for line in tracker.warnings:
                    warning(line)
            portfolio = open_portfolio(args.input, map=args.map, sheet=args.sheet, methodology=methodology,
                                       sections=tool.sections)
            for line in portfolio.warnings:
                warning(line)
            sink = Sink(args.output)
            if args.print_map:  # the map INPUT is read with (given --map, with what it leaves to the rules)
                sink.write(render_map(portfolio.inferred_map()))
                sink.commit()
                return EXIT_OK
            status = _score_and_write(tool, model, portfolio, args, sink, held, digest, tracker, run_focus)
            if status != EXIT_FAILED:  # nothing scored: the error lines say why
                for line in portfolio.closing_warnings():
                    warning(line)
    except (InputError, ConfigError) as exc:
        if sink is not None:
            sink.abort()
        error(exc)
        return EXIT_FAILED
    except OSError as exc:
        if sink is not None:
            sink.abort()
        if isinstance(exc, BrokenPipeError):
            return _quiet_broken_pipe()
        error(f"cannot write {args.output or 'the report'}: {exc.strerror or exc}")
        return EXIT_FAILED
    except BaseException:  # Ctrl-C, SIGTERM or SIGHUP (Interrupted), or anything unforeseen: nothing left behind
        if sink is not None:
            sink.abort()
        raise
    return status


@contextlib.contextmanager
def _collector_paused(resume=True):
    """Pause the cyclic garbage collector while a book is loaded, scored and written.

    The flow makes millions of small containers and no reference cycles worth
    collecting; left on, the collector rescans the whole parsed book again and
    again (a third of the run time on 100,000 accounts). Reference counting still
    frees everything; the collector is back on (if it was) when the run ends,
    unless `resume` is False (a process about to end: see run_script).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and resume:
            gc.enable()


def _quiet_broken_pipe():
    """The reader went away (`| head`): end quietly, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return EXIT_OK


def _emit_config(methodology, args):
    sink = None
    try:
        sink = Sink(args.output)
        sink.write(render_methodology(methodology))
        sink.commit()
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (OSError, InputError) as exc:
        if sink is not None:
            sink.abort()
        error(f"cannot write {args.output or 'the methodology'}: {getattr(exc, 'strerror', None) or exc}")
        return EXIT_FAILED
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    return EXIT_OK


def _finishes(tool, args):
    """Return True when this run calls the tool's finish hook."""
    return tool.finish is not None and (tool.finish_when is None or tool.finish_when(args))


def _score_and_write(tool, model, portfolio, args, sink, held=None, digest=None, tracker=None, run_focus=None):
    helper = None
    parsed = getattr(portfolio, "parsed", None)  # a parsed JSON document: every record in memory
    # A forked helper scores the later part (csm.parallel) when the run holds each account as its
    # text, or holds results the tool says may be handed back (helped_when: the report's lean ones).
    # Not for other finish hooks' runs (a backtest, the report's --full): results held whole.
    finishing = _finishes(tool, args)
    helped = not finishing or (tool.helped_when is not None and tool.helped_when(args))
    if args.format not in STREAMING_FORMATS and helped and parsed is not None \
            and parallel.available(len(parsed)):
        # The helper also encodes each account's text when this run writes it as it is (without a
        # finish hook or a history, which adds each account's trajectory before it is encoded), or
        # makes the part a finish hook's json keeps of it (Tool.json_part: the report's brief and views).
        made = None
        if tracker is None:
            made = _part_maker(tool, args, model, finishing) or (None if finishing else _encoder())
        helper = parallel.start(portfolio.records(), parsed, _record_scorer(tool.assess, model, portfolio.from_text),
                                made)
    try:
        return _score_records(tool, model, portfolio, args, sink, held, digest, tracker, run_focus, helper)
    finally:
        if helper is not None:
            helper.close()


def _part_maker(tool, args, model, finishing):
    """Return part(result): what a finish hook's json run keeps of each account beside its result
    (Tool.json_part); None when the run keeps the results alone."""
    if not finishing or args.format != "json" or tool.json_part is None:
        return None
    return tool.json_part(args, model, _encoder())


def _record_scorer(assess, model, from_text):
    """Return score(raw) -> (result, problems) of one record that is an object.

    The one way a record is scored, here and in csm.parallel's helper.
    """
    def score(raw):
        try:
            result = assess(raw, model, from_text)
        except RecordRejected as exc:
            return None, exc.errors
        _add_kept(result, raw)
        return result, []
    return score


def _add_kept(result, raw):
    """A record read through a map (ingest.MappedRecord) carries its kept columns into the result."""
    if type(raw) is not dict:
        kept = getattr(raw, "kept", None)
        if kept is not None:
            result["fields_kept"] = kept


def _score_records(tool, model, portfolio, args, sink, held, digest, tracker, run_focus, helper):
    streaming = args.format in STREAMING_FORMATS
    filtering = run_focus is not None and run_focus.filtering
    facts = tool.facts
    top = None if run_focus is None else run_focus.top
    held_top = None
    if streaming and top is not None:  # the N most urgent, written after the last record (csm.focus)
        from csm.score.expansion import Top
        held_top = Top(top)
        sort_key = tool.sort_key
    finishing = _finishes(tool, args)
    # Without a finish hook, hold (sort key, encoded account) pairs, not results: json writes
    # the texts as they are, the other sorted formats read each back as they render it.
    encode_early = not streaming and not finishing
    if encode_early:
        encode = _encoder()
        sort_key = tool.sort_key
    part_of = _part_maker(tool, args, model, finishing)  # the results for the finish hook, beside their parts
    parts = [] if part_of is not None else None
    summary = tool.summary(model)
    if tracker is not None:  # each account is tracked (its trajectory added) before it is summarised and written
        summary = tracker.wrap(summary)
    results = []
    rejected = []  # streamed runs write each rejected entry as it comes and only count it
    rejected_count = 0
    seen = SeenIds(compact=streaming)  # a run that holds the book holds a dict of its ids too
    check_id = seen.check
    score = _record_scorer(tool.assess, model, portfolio.from_text)
    cut = helper.cut if helper is not None else None
    if streaming:
        write_result = _stream_writer(tool, model, args.format, sink, args.as_of.isoformat())
    for index, label, raw in portfolio.records():
        customer_id = customer_id_of(raw)
        if isinstance(raw, Unreadable):
            problems = [raw.reason]
        elif not isinstance(raw, dict):
            problems = [f"record must be an object of customer fields, got {shown(raw)}"]
        else:
            outcome = helper.outcome(index, customer_id) if cut is not None and index >= cut else None
            if outcome is not None:  # scored by the helper: its result, and its text or part, handed back
                result, problems, made = outcome
            else:
                result, problems = score(raw)
                made = None
            if customer_id is not None:
                duplicate = check_id(customer_id, label)
                if duplicate is not None:
                    problems = [duplicate] + problems
                elif seen.warnings:
                    for line in seen.warnings:
                        warning(line)
                    seen.warnings.clear()
            if not problems:
                summary.add(result)
                if run_focus is not None:
                    if filtering and not run_focus.keeps(facts(result)):
                        continue
                    run_focus.count(result["arr"])
                if held_top is not None:
                    key = sort_key(result)
                    if held_top.wants(key):
                        held_top.add(key, result)
                elif streaming:
                    write_result(result)
                elif encode_early:
                    results.append((sort_key(result), made if made is not None else encode(result)))
                else:
                    results.append(result)
                    if parts is not None:
                        parts.append(made if made is not None else part_of(result))
                continue
        where = record_where(label, customer_id)
        for problem in problems:
            error(f"{where}: {problem}")
        entry = {"index": index, "location": label, "customer_id": customer_id, "errors": problems}
        rejected_count += 1
        if streaming:
            write_result(None, entry)
        else:
            rejected.append(entry)
    untold = seen.untold_warnings()
    if untold is not None:
        warning(untold)
    if summary.count == 0:
        error(f"no record in {portfolio.name} could be scored ({rejected_count} rejected)")
        sink.abort()
        return EXIT_FAILED
    report = {
        "report": tool.report,
        "version": __version__,
        "as_of": args.as_of.isoformat(),
        "methodology": model.methodology.get("name", "default"),
        "methodology_hash": digest or methodology_hash(model.methodology),
        "summary": summary.result(rejected_count),
    }
    if tracker is not None:
        tracker.save()  # one transaction, before the report is written: a history that cannot be written fails the run
    if streaming:
        listed = run_focus.matched if run_focus is not None else 0
        if held_top is not None:
            kept = held_top.entries()
            listed = len(kept)
            for result in kept:
                write_result(result)
        if run_focus is not None:
            report["summary"]["listed"] = run_focus.listed(summary.count, listed)
        if args.format == "jsonl":
            sink.write(_encoder()(report) + "\n")
    else:
        if encode_early:
            results.sort(key=_first)  # stable, as sorting the results by sort_key would be
            if top is not None:
                del results[top:]
            texts = Encoded(text for _, text in results)
            report["customers"] = texts if args.format == "json" else Decoded(texts)
        elif parts is not None:  # sorted as the results are (stable), each part beside its account
            order = sorted(range(len(results)), key=lambda position: tool.sort_key(results[position]))
            results = [results[position] for position in order]
            parts = [parts[position] for position in order]
            report["customers"] = results
        else:
            results.sort(key=tool.sort_key)
            report["customers"] = results
        report["rejected"] = rejected
        if finishing:
            tool.finish(report, model, args, portfolio, parts)
        if run_focus is not None and "customers" in report:  # (a finish hook may make another report: a brief)
            if top is not None and not encode_early:  # after finish: its views cover every account that matched
                del report["customers"][top:]  # (encoded early: cut to the top N above, before decoding)
            report["summary"]["listed"] = run_focus.listed(summary.count, len(report["customers"]))
        if args.format == "json":
            for chunk in json_chunks(report):
                sink.write(chunk)
        else:
            body = render(tool, model, report, args.format)
            for piece in body if isinstance(body, Pieces) else (body,):
                sink.write(piece)
    sink.commit()
    if held is not None:
        held.append((portfolio, results, report, seen, summary))
    return EXIT_SOME_REJECTED if rejected_count or rejected else EXIT_OK  # a finish hook may add to rejected


def _stream_writer(tool, model, output_format, sink, as_of):
    if output_format == "jsonl":
        encode = _encoder()

        def write_result(result, rejected_entry=None):
            if result is None:
                sink.write(encode({"rejected": rejected_entry}) + "\n")
            else:
                sink.write(encode(result) + "\n")
        return write_result
    from csm.render.common import csv_line
    header = tool.views.csv_header(model)
    sink.write(csv_line(header + ["status", "errors", "as_of"]))
    blank = [None] * len(header)

    def write_csv(result, rejected_entry=None):
        if result is None:
            row = list(blank)
            row[0] = rejected_entry["customer_id"]
            sink.write(csv_line(row + ["rejected", " | ".join(rejected_entry["errors"]), as_of]))
        else:
            sink.write(csv_line(tool.views.csv_row(result, model) + ["scored", None, as_of]))
    return write_csv


def render(tool, model, report, output_format):
    """Return the whole report in one of the sorted formats (json, text, markdown, html).

    A text view may return `render.Pieces` (written a piece at a time); str() of it is the text.
    """
    if output_format == "json":
        return json_document(report)
    if output_format == "html":
        return escape_controls(tool.views.html(report, model))
    if output_format == "markdown":
        body = tool.views.markdown(report, model)
    else:
        body = tool.views.text(report, model)
    if "backtest" in report:  # added by a tool's finish hook (--outcomes); same section for every tool
        from csm.render.backtest import section
        body = str(body) + section(report["backtest"], output_format)
    # The one place no control character or bidi override of a methodology or an input
    # (a playbook action, a name from --config) reaches a terminal raw, whatever view wrote it.
    if isinstance(body, Pieces):
        return body.each_through(escape_controls)
    return escape_controls(body)


def _encoder():
    """Return the encode function for report JSON and JSON Lines, built once.

    Compact (no space after `,` and `:`): a large book's file is 5% smaller and
    written sooner, and one account per line keeps it readable to grep and jq.
    Results are plain data the analyses build, never holding themselves, so the
    encoder's check for circular references is skipped: the same text, 10% sooner.
    Where the standard library's C encoder is there (CPython), it is made once
    rather than at every call, as JSONEncoder.encode would: another 10% sooner,
    the same text (checked on a probe; any difference and encode is used).
    """
    encoder = json.JSONEncoder(allow_nan=False, check_circular=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    try:
        chunks = make(None, encoder.default, json.encoder.encode_basestring_ascii, None, ":", ",",
                      False, False, False)
        join = "".join

        def encode(value):
            return join(chunks(value, 0))

        if encode(_PROBE) != encoder.encode(_PROBE):
            return encoder.encode
    except Exception:  # another Python's C encoder: the public one does the same
        return encoder.encode
    return encode


_PROBE = {"text": "caf\u00e9 \"x\"\n", "n": [1, -2.5, 1e16, None, True], "nested": {"k": []}}


def json_document(report):
    """Return the report as JSON: fixed key order, one customer per line, no NaN.

    The layout keeps `grep` and line diffs useful on a large book and lets the C
    encoder do the work (an indented dump would run pure Python).
    """
    return "".join(json_chunks(report))


class Decoded:
    """The accounts of a report held as JSON texts, read back one at a time as a view iterates them.

    A text or markdown report of a large book then holds the compact texts (what a
    json run holds) rather than every result dict at once. Iterating again reads again.
    """

    def __init__(self, texts):
        self.texts = texts

    def __len__(self):
        return len(self.texts)

    def __bool__(self):
        return bool(self.texts)

    def __iter__(self):
        return map(json.loads, self.texts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [json.loads(text) for text in self.texts[index]]
        return json.loads(self.texts[index])


_first = operator.itemgetter(0)  # of a (sort key, encoded account) pair


def json_chunks(report):
    """Yield json_document(report) in pieces of at most JSON_BATCH customers.

    The command layer writes each piece as it comes, so the document is never
    held whole next to the results it is made from. An `Encoded` list is written
    as it is, one text per item.
    """
    encode = _encoder()
    opening = "{\n"
    for key, value in report.items():
        if key in ("customers", "rejected") and isinstance(value, list) and value:
            yield f'{opening}"{key}": [\n'
            last = len(value) - 1
            texts = value if isinstance(value, Encoded) else None
            for start in range(0, len(value), JSON_BATCH):
                batch = value[start:start + JSON_BATCH]
                ending = ",\n" if start + len(batch) <= last else "\n]"
                yield ",\n".join(batch if texts is not None else map(encode, batch)) + ending
        else:  # (the report's views may hold Encoded lists: render.Holding)
            yield f'{opening}"{key}": '
            yield from held_json(value, encode)
        opening = ",\n"
    yield "\n}\n"
