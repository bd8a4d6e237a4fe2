"""``make bench``: how fast cunxin does its heaviest work, each figure against a bare baseline.

Run ``python -m cunxin.bench`` (what ``make bench`` does); ``--only <name>`` runs one figure or
suite (repeatable), ``--scale 0.1`` shrinks every size for a quick run, ``--profile`` prints
cProfile tables of the measured steps to stderr, ``--no-docs`` leaves docs/benchmarks.md alone.

Suites and their figures (each module's docstring says exactly what is measured):

* ``roster`` (``bench/roster.py``): ``roster_import``, ``roster_import_reimport``;
* ``ledger`` (``bench/ledger.py``): ``take_effect``, ``score_read``, ``check_ledger``;
* ``honours`` (``bench/honours.py``): ``monthly_stars``;
* ``spending`` (``bench/spending.py``): ``redeem_http``;
* ``workdays`` (``bench/workdays.py``): ``workday_deadlines``.

Each figure is one line, ``BENCH <name> <value> <unit> ratio=<value/baseline>
baseline=<what it is compared with>``; the baseline is measured in the same process, on the same
data and database, so the ratio moves far less between machines than the value.

The developer's database is never touched: before Django starts, the process is pointed at a
throwaway SQLite file in a temporary directory (DATABASE_URL unset or sqlite://), or, with
DATABASE_URL set to PostgreSQL, at a fresh database ``<name>_bench`` on the same server, created
through the ``postgres`` database and dropped afterwards (a leftover of that name is dropped
first: the name belongs to the benchmark). Keys are generated in the temporary directory too,
DEBUG is off as in production, and LOG_LEVEL defaults to WARNING (the log SMS backend would
otherwise print every text message).
"""
