"""The command layer: each script is a `Command` (command.py) run the same way.

- `command`: the Command spec, and `main`, which parses, runs and turns bad input into
  stderr lines and exit statuses;
- `options`: argparse types, the help layout and the option groups tools share;
- `scoring`: the run of a scoring tool (load, score, summarise, render, write);
- `backtest`, `report`, `fit`: the options and steps of their own of the tools that have them;
- `output`: writing a report safely; `say`: the error and warning lines.
"""
