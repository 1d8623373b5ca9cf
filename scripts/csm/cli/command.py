"""A command of the bundle: its spec (`Command`), and the one way every script runs it (`main`).

Each script under scripts/ is a `Command`: its name, a paragraph of description, an
example, the option groups its parser takes and the function that runs it. `main`
parses the command line and runs the command the same way for all of them: an
output that would replace an input is refused before anything is read, a closed
standard stream is a clear error, SIGTERM and SIGHUP clean up as Ctrl-C does, a
closed pipe (`| head`) ends quietly, and every bad input is a line on stderr and
an exit status (references/interface.md):

- 0: every record scored (or the file written);
- 1: nothing could be scored: unreadable input, no customers, a bad config file;
- 2: a wrong command line (argparse, or a usage check);
- 3: some records were rejected; the output is still written, with them listed.
"""

import argparse
import os
import sys
import textwrap
from typing import Callable, NamedTuple, Sequence

from csm.cli.options import help_formatter, shell_lines
from csm.cli.output import (Interrupted, closed_stream_problem, hold_closed_descriptors, interruptions_raise,
                            same_file_as_input)
from csm.cli.say import error
from csm.errors import ConfigError, InputError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SOME_REJECTED = 0, 1, 2, 3
EXIT_CTRL_C = 130


class UsageError(Exception):
    """A command line that parsed but cannot run (exit 2, with the usage line), found once the run began."""


class Command(NamedTuple):
    """What a script is: its name, what it does, how its parser is built, and what runs it.

    `options` add the command's arguments to its parser, in order; `check(args)`
    returns a usage error across options (exit 2) or None; `run(args)` does the
    work and returns the exit status, raising InputError or ConfigError for bad
    input (exit 1, one line per problem) and UsageError for a command line it
    finds wrong once it began (exit 2).
    """

    prog: str
    description: str
    examples: Sequence[str]
    options: Sequence[Callable[[argparse.ArgumentParser], None]]
    run: Callable[[argparse.Namespace], int]
    epilog: str = ""
    check: Callable[[argparse.Namespace], "str | None"] = lambda args: None


def build_parser(command: Command) -> argparse.ArgumentParser:
    """The command's argparse parser: its description, options, examples and epilog, 80 columns wide."""
    examples = "examples:\n" + "\n".join(shell_lines(example) for example in command.examples)
    parser = argparse.ArgumentParser(
        prog=command.prog, description="\n".join(textwrap.wrap(command.description, 79)),
        epilog=examples + "\n\n" + command.epilog if command.epilog else examples,
        formatter_class=help_formatter)
    for add in command.options:
        add(parser)
    return parser


def main(command: Command, argv: "Sequence[str] | None" = None) -> int:
    """Parse argv, run the command, return its exit status. Never raises for bad input."""
    hold_closed_descriptors()
    status = _main(command, argv)
    _flush_standard_streams()
    return status


def _main(command: Command, argv: "Sequence[str] | None") -> int:
    parser = build_parser(command)
    args = parser.parse_args(argv)
    usage = command.check(args)
    if usage is not None:
        parser.error(usage)
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
            return command.run(args)
        except UsageError as exc:
            parser.error(str(exc))
        except (InputError, ConfigError) as exc:
            error(exc)
            return EXIT_FAILED
        except BrokenPipeError:
            return quiet_broken_pipe()
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (Interrupted): the output is as it was
            return exc.status if isinstance(exc, Interrupted) else EXIT_CTRL_C


def _flush_standard_streams() -> None:
    """Flush stdout and stderr now, so a reader that went away (`| head`) ends the run quietly, not at exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            if stream is sys.stdout:
                quiet_broken_pipe()
        except (OSError, ValueError):  # a closed stream: nothing left to say
            pass


def quiet_broken_pipe() -> int:
    """The reader went away (`| head`): end quietly, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return EXIT_OK
