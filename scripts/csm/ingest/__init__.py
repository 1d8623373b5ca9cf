"""Reading what a team exports: the book and its records, whatever its shape.

- `records`: open a portfolio (a JSON object or array, JSON Lines, CSV, an .xlsx
  workbook; a file or standard input) and yield its records one at a time;
- `columns`: the column map (`--map`), header matching, kept and unread columns;
- `xlsx`: a workbook read with the standard library, guarded;
- `ids`: the customer ids a run has seen (duplicates, ids alike but for case).
"""
