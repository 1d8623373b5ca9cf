"""The exceptions the package raises for bad input.

The command layer turns each into lines on stderr and an exit status; nothing
here prints.
"""


class InputError(ValueError):
    """The input as a whole cannot be read (missing file, not JSON or CSV, no customers).

    Exit status 1.
    """


class ConfigError(ValueError):
    """A methodology file (`--config`) is unreadable or inconsistent. Exit status 1."""


class RecordRejected(ValueError):
    """One customer record cannot be scored.

    `errors` lists every problem found in the record, each a message that names
    the field, e.g. ``usage.login_frequency must be a number from 0 to 100, got "high"``.
    The command layer adds the record's position and id.
    """

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
