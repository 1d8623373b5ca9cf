"""Reporting on the book: summaries, focus, the portfolio report, owners, and what changed.

- `analyses`: what each tool scores (an `Analysis`), the four of the bundle;
- `summaries`: the book's figures of each analysis, one account at a time;
- `portfolio`, `views`, `listing`, `retention`: the portfolio report's account,
  its six views, how it lists an account, NRR and GRR;
- `brief`: one account's brief (`--account`);
- `focus`: what a run lists (`--top`, the filters); `owners`: each CSM's book;
- `history` and `changes`: the SQLite history and what changed since the last run.
"""
