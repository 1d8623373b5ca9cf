"""The command line's shared pieces: argparse types, the help layout, and the option groups tools share.

Each `add_*` function adds one group of options to a parser; a `Command` lists the
ones it takes (csm.cli.command). Help fits an 80-column terminal and shows the
defaults and a real example.
"""

import argparse
import datetime
import shutil
from typing import Callable, Sequence

from csm.ingest.join import JoinSource
from csm.values import parse_iso_date

# --as-of: the years a run may take for "today". The reports look a year and more ahead
# and behind (renewal quarters, windows, lifecycle); these bounds keep every such date a date.
AS_OF_EARLIEST = datetime.date(1900, 1, 1)
AS_OF_LATEST = datetime.date(9000, 12, 31)
HELP_WIDTH = 80  # --help fits an 80-column terminal, whatever COLUMNS says
STREAMING_FORMATS = ("jsonl", "csv")


def as_of_date(text: str) -> datetime.date:
    """argparse type for --as-of: a YYYY-MM-DD date from 1900 to 9000 (the same rule on every Python).

    >>> as_of_date("2026-11-22")
    datetime.date(2026, 11, 22)
    """
    day = parse_iso_date(text) if len(text.strip()) == 10 else None
    if day is None:
        raise argparse.ArgumentTypeError(f"must be a date written YYYY-MM-DD, got {text!r}")
    if not AS_OF_EARLIEST <= day <= AS_OF_LATEST:
        raise argparse.ArgumentTypeError(f"must be a date from {AS_OF_EARLIEST} to {AS_OF_LATEST}, got {text}")
    return day


def whole_number(minimum: int, noun: str) -> Callable[[str], int]:
    """Return an argparse type for a whole number of `noun`, `minimum` or more.

    >>> whole_number(2, "folds")("5")
    5
    """
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number of {noun}, {minimum} or more, got {text!r}")
        return number
    return parse


def seed(text: str) -> int:
    """argparse type for a seed: any whole number.

    >>> seed("-3")
    -3
    """
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def shell_lines(command: str, width: int = HELP_WIDTH, indent: str = "  ") -> str:
    """Return a shell command as help lines of at most `width` columns, continued with a backslash.

    >>> print(shell_lines("python3 scripts/churn_risk_analyzer.py book.csv --format json --output scores.json", 52))
      python3 scripts/churn_risk_analyzer.py book.csv \\
          --format json --output scores.json
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


def help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse formatter of every tool: raw epilog and description, at most HELP_WIDTH columns."""
    columns = min(HELP_WIDTH, shutil.get_terminal_size().columns)
    return argparse.RawDescriptionHelpFormatter(prog, width=columns - 2)


def scoring_options(formats: Sequence[str]) -> Callable[[argparse.ArgumentParser], None]:
    """Return the adder of the options every scoring tool has: INPUT, format, output, date, methodology, map."""
    streamed = [name for name in STREAMING_FORMATS if name in formats]
    format_help = f"output format (default: {formats[0]})"
    if streamed:
        format_help += f"; {' and '.join(streamed)} stream one account per record in input order"

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("input", nargs="?", metavar="INPUT",
                            help="portfolio file (JSON, JSON Lines or CSV), or - for standard input")
        parser.add_argument("--format", choices=formats, default=formats[0], help=format_help)
        parser.add_argument("--output", metavar="FILE",
                            help="write the report to FILE (whole or not at all) instead of standard output")
        parser.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                            help="the date 'today' means for renewals and the report (default: the "
                                 "book's own top-level as_of, else today)")
        parser.add_argument("--config", metavar="FILE",
                            help="JSON methodology file merged over the defaults (see --print-config)")
        parser.add_argument("--print-config", action="store_true",
                            help="print the effective methodology as JSON and exit")
        parser.add_argument("--map", metavar="FILE",
                            help="JSON map of the export's columns: schema path -> column, and the "
                                 "columns to keep in the output (see --print-map)")
        parser.add_argument("--print-map", action="store_true",
                            help="print the map INPUT is read with, ready to edit, and exit")
        add_sources(parser)
        parser.add_argument("--allow-partial", action="store_true",
                            help="score a book that carries less than 70%% of a model's weight, or no metric "
                                 "of a whole dimension (default: refuse, naming the unread columns)")
    return add


class _JoinAction(argparse.Action):
    """--join FILE appends a source; --join-map and --join-sheet set the latest one's map and sheet."""

    def __call__(self, parser, namespace, value, option_string=None):
        sources = list(getattr(namespace, "joins", None) or [])
        if self.dest == "joins":
            sources.append(JoinSource(value))
        else:
            if not sources:
                parser.error(f"{option_string} names the map or sheet of the --join before it; give --join FILE first")
            key = "map" if self.dest == "join_map" else "sheet"
            if getattr(sources[-1], key) is not None:
                parser.error(f"{option_string} given twice for --join {sources[-1].path}")
            sources[-1] = sources[-1]._replace(**{key: value})
        namespace.joins = sources
        namespace.join = [path for source in sources for path in (source.path, source.map) if path]  # never an output


def add_sources(parser: argparse.ArgumentParser) -> None:
    """--sheet of the book, and the sources joined onto it (add_join)."""
    parser.add_argument("--sheet", metavar="NAME",
                        help="the sheet of an .xlsx workbook to read (default: the active sheet, as the workbook "
                             "opens)")
    add_join(parser)


def add_join(parser: argparse.ArgumentParser) -> None:
    """--join FILE (repeated), each followed by its own --join-map and --join-sheet."""
    parser.set_defaults(joins=[])
    parser.add_argument("--join", dest="joins", action=_JoinAction, metavar="FILE",
                        help="another export of the same accounts (CSV, JSON, JSON Lines, .xlsx) joined onto "
                             "INPUT by customer_id; repeat for more (see references/interface.md)")
    parser.add_argument("--join-map", dest="join_map", action=_JoinAction, metavar="MAP",
                        help="the --map of the --join just before it (default: its headers are matched)")
    parser.add_argument("--join-sheet", dest="join_sheet", action=_JoinAction, metavar="NAME",
                        help="the sheet of the --join .xlsx workbook just before it")


def add_version(version: str) -> Callable[[argparse.ArgumentParser], None]:
    """Return the adder of --version."""
    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    return add


def add_history(parser: argparse.ArgumentParser) -> None:
    """The two options every tool has for what changed (csm.report.changes)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--history", metavar="FILE",
                       help="keep every run's scores in this SQLite file (made if new) and report what "
                            "changed since the latest earlier as-of date; see references/history.md")
    group.add_argument("--compare", metavar="FILE",
                       help="report what changed since an earlier --format json output of this tool")
    parser.add_argument("--no-store", action="store_true",
                        help="with --history: read the history, write nothing to it (a what-if run); "
                             "without it a run stores the whole book's scores, whatever it lists")


def focus_options(filters: Sequence[str]) -> Callable[[argparse.ArgumentParser], None]:
    """The focus options (csm.report.focus): what a run lists, not what it counts.

    `filters`: the ones the tool can evaluate. --class and --tier are always parsed,
    so that giving one a tool cannot evaluate is a usage error naming the tools that
    can, but --help lists only the tool's own.
    """
    def add(parser: argparse.ArgumentParser) -> None:
        _add_focus(parser, filters)
    return add


def _add_focus(parser: argparse.ArgumentParser, filters: Sequence[str]) -> None:
    group = parser.add_argument_group("focus (the summary always covers the whole book)")
    group.add_argument("--top", type=whole_number(1, "accounts"), metavar="N", help="list only the N most urgent accounts")
    group.add_argument("--segment", metavar="LIST", help="only these segments (enterprise,mid-market,smb)")
    group.add_argument("--owner", metavar="LIST", help="only the accounts of these owners (case ignored; a name "
                       "holding a comma is quoted: '\"Reyes, Dana\",Lee')")
    group.add_argument("--class", dest="health_class", metavar="LIST",
                       help="only these health classes (red,yellow)" if "class" in filters else argparse.SUPPRESS)
    group.add_argument("--tier", metavar="LIST",
                       help="only these churn risk tiers (critical,high)" if "tier" in filters else argparse.SUPPRESS)
    group.add_argument("--renewing-within", type=whole_number(0, "days"), metavar="DAYS",
                       help="only renewals due within DAYS days, lapsed included")
    group.add_argument("--detail", action="store_true",
                       help="text and markdown: every action and warning (default: three of each)")
