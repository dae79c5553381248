#!/usr/bin/env python3
"""DuckDB baseline for the roll-up benchmark (crates/khuyenhoc/benches/rollup.rs).

Two commands, run in the venv that scripts/test-services.sh creates (duckdb is installed there):

  bench-duckdb.py convert DIR
      Turns DIR/csv/{units,evaluations,funds,ledger_entries,ledger_lines}.csv into
      DIR/*.parquet (untimed, once), removes the CSV files and writes DIR/complete.

  bench-duckdb.py run DIR --runs N --year Y --provinces /VN/01/,/VN/04/,... [--budget SECONDS]
      Times, warm (one untimed run first), the same GROUP BY the plain-SQL baseline runs:
      rollup  = evaluations of year Y per province and model (registered, recognised, pending)
                + ledger line sums per province and account for the first half of Y;
      cluster = the same for the given provinces, for Y and Y-1 (the cluster compares with the
                same period a year earlier).
      Prints one line per query:  TIMES <name> <ms> <ms> ...
      and one line per query with totals to compare:  CHECK <name> <registered> <recognised> <pending>
"""

import os
import sys
import time

import duckdb

TABLES = ["units", "evaluations", "funds", "ledger_entries", "ledger_lines"]

EVAL_SQL = """
SELECT e.year, substr(u.path, 1, 7) AS province, e.model,
       count(*) AS registered,
       count(*) FILTER (WHERE e.status = 'recognised') AS recognised,
       count(*) FILTER (WHERE e.status IN ('submitted', 'checked')) AS pending
FROM '{d}/evaluations.parquet' e JOIN '{d}/units.parquet' u ON u.id = e.unit_id
WHERE e.year IN ({years}) {where}
GROUP BY 1, 2, 3
"""

LEDGER_SQL = """
SELECT year(e.occurred_on) AS year, substr(u.path, 1, 7) AS province, l.account,
       sum(l.amount) AS amount
FROM '{d}/ledger_lines.parquet' l
JOIN '{d}/ledger_entries.parquet' e ON e.id = l.entry_id
JOIN '{d}/funds.parquet' f ON f.id = l.fund_id
JOIN '{d}/units.parquet' u ON u.id = f.unit_id
WHERE ({halves}) {where}
GROUP BY 1, 2, 3
"""


def convert(d):
    con = duckdb.connect()
    for t in TABLES:
        src = os.path.join(d, "csv", t + ".csv")
        dst = os.path.join(d, t + ".parquet")
        # Dates as DATE (DuckDB's best case); everything else as detected (BIGINT, VARCHAR).
        types = ", types = {'occurred_on': 'DATE'}" if t == "ledger_entries" else ""
        con.execute(
            f"COPY (SELECT * FROM read_csv('{src}', header = true{types})) "
            f"TO '{dst}' (FORMAT parquet)"
        )
        os.remove(src)
    os.rmdir(os.path.join(d, "csv"))
    with open(os.path.join(d, "complete"), "w") as f:
        f.write("ok\n")


def queries(d, year, provinces):
    cluster_where = "AND substr(u.path, 1, 7) IN ({})".format(
        ", ".join("'" + p.replace("'", "") + "'" for p in provinces)
    )

    def halves(years):
        return " OR ".join(
            f"(e.occurred_on >= '{y}-01-01' AND e.occurred_on < '{y}-07-01')" for y in years
        )

    rollup = [
        EVAL_SQL.format(d=d, years=year, where=""),
        LEDGER_SQL.format(d=d, halves=halves([year]), where=""),
    ]
    cluster = [
        EVAL_SQL.format(d=d, years=f"{year - 1}, {year}", where=cluster_where),
        LEDGER_SQL.format(d=d, halves=halves([year - 1, year]), where=cluster_where),
    ]
    return [("rollup", rollup, year), ("cluster", cluster, year)]


def run(d, runs, year, provinces, budget):
    con = duckdb.connect()
    for name, sqls, y in queries(d, year, provinces):
        results = [con.execute(s).fetchall() for s in sqls]  # warm-up, untimed
        times = []
        started = time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            results = [con.execute(s).fetchall() for s in sqls]
            times.append((time.perf_counter() - t) * 1000.0)
            if time.perf_counter() - started > budget and len(times) >= 3:
                break
        evals = [r for r in results[0] if r[0] == y]
        print("TIMES", name, " ".join(f"{t:.3f}" for t in times))
        print(
            "CHECK",
            name,
            sum(r[3] for r in evals),
            sum(r[4] for r in evals),
            sum(r[5] for r in evals),
        )
        sys.stdout.flush()


def main(argv):
    if len(argv) >= 3 and argv[1] == "convert":
        convert(argv[2])
        return 0
    if len(argv) >= 3 and argv[1] == "run":
        d = argv[2]
        opts = dict(zip(argv[3::2], argv[4::2]))
        run(
            d,
            int(opts.get("--runs", "10")),
            int(opts.get("--year", "2026")),
            [p for p in opts.get("--provinces", "").split(",") if p],
            float(opts.get("--budget", "120")),
        )
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
