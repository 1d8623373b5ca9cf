"""The bounds of a run, in one place: how much of any input is read, held or echoed.

Every reader checks its input against these figures while it reads, so no file,
however small or however built, takes the machine: a bound reached is one clear
line and exit 1, never a traceback and never gigabytes. references/interface.md
("Bounds") lists them for a user; each figure says here why it is what it is.
"""

MIB = 1 << 20

# Side files (--config, --map, --outcomes, --compare), read whole, in chunks up to their cap.
CONFIG_BYTES = 16 * MIB  # a methodology or a column map: a few kilobytes in practice
OUTCOMES_BYTES = 256 * MIB  # one row per account: about 40 MB for a million accounts
COMPARE_BYTES = 4096 * MIB  # an earlier JSON output of a tool: about 1 GB for a million accounts
SIDE_FILE_CHUNK = MIB  # a side file is read this much at a time, so memory follows the file, not its cap

# A portfolio's records.
KEYS_PER_RECORD = 10_000  # keys of one record, nested sections counted: a CRM record has a few hundred
CSV_FIELD_CHARS = 8 * MIB  # one CSV cell: a free-text note of a few thousand characters is long, a pasted log 5 MB
CSV_LINE_CHARS = 32 * MIB  # one line of a CSV file: 5,000 columns of a few thousand characters
CSV_COLUMNS = 5000  # a header row is names, not data: a CRM export has hundreds of columns at most
CSV_HEADER_CHARS = MIB
NUMBER_FORMAT_ROWS = 1000  # rows of a CSV file or sheet read ahead to see how a column writes its numbers (held)

# An .xlsx workbook: a zip of XML parts anyone can write, so bytes, elements and cells are all capped.
XLSX_PART_BYTES = 256 * MIB  # a 100,000-account export of 60 columns is ~200 MB of sheet XML
XLSX_TOTAL_BYTES = 512 * MIB
XLSX_PART_RATIO = 50  # a part may unpack to 50 times its packed size (beyond 1 MiB): sheet XML packs ~10-20x
XLSX_INPUT_BYTES = 512 * MIB  # a workbook read from standard input is held whole (zip needs to seek)
XLSX_CELLS = 50_000_000
XLSX_COLUMNS = 16384  # Excel's own limit (column XFD)
XLSX_ROWS = 1_048_576  # Excel's own limit: row elements of a sheet, empty ones counted, and the highest row number
XLSX_HELD_ELEMENTS = 400_000  # XML elements held at once (90-250 bytes each): a full row of 16,384 cells is ~50,000
XLSX_SHARED_STRINGS = 5_000_000  # distinct texts of a workbook: a 100,000-account export has far fewer

# What a run echoes and holds about the records it reads.
ECHO_CHARS = 60  # a value quoted in a message is cut to this, with an ellipsis
ECHO_WHOLE_CHARS = 10_000  # text longer than this is cut before it is quoted and says its full length; such an
# id is not echoed at all (its record is rejected for its length, named by its place)
REJECTED_LISTED = 1000  # rejected records listed in a sorted report and named on stderr; beyond, only counted
WARNING_KINDS_HELD = 1000  # distinct warnings (or problems) a grouped list holds; accounts of any further kind counted
SUMMARY_IDS = 20  # ids a summary names per list (declining accounts, lapsed renewals), the first in sort order;
# the rest counted (the list's count stands beside it), streamed or not: a text report shows 10 of them
