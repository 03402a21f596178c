#!/bin/bash
# The results store at scale: a SQLite store of 100,000 runs (90 names of
# 1,000 runs and one of 10,000), then, measured with `perfeng bench` itself:
#   runs list NAME (1,000 runs), compare NAME@latest~1 NAME@latest,
#   history NAME (1,000 points), history of the 10,000-point name
#   (change-point detection included).
# Targets (issue 3): the first three under 100 ms, the last under 2 s.
#
# The store is seeded with one real run saved by perfeng; the other runs are
# copies made with SQL (each run's index is its fake commit) (perfeng has no bulk writer, and 100,000 saves would
# measure the writer, not the readers), with a 10% step in the median wall
# time halfway through each series so that history has a change to find.
#
# Usage: bench/store.sh [RUNS_PER_NAME [NAMES]]
set -euo pipefail
cd "$(dirname "$0")/.."

per=${1:-1000}
names=${2:-90}
big=$((per * 10))

scripts/install-deps.sh
make -s perfeng >/dev/null
pe=$PWD/perfeng
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/store.db

echo "perfeng store at scale — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$("$pe" --version); SQLite $(sqlite3 --version | cut -d' ' -f1)"

t0=$(date +%s.%N)
"$pe" bench -q -r 10 --save seed --store "$db" true >/dev/null 2>&1
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TEMP TABLE plan (name TEXT, i INTEGER, n INTEGER);
WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x < $big - 1)
INSERT INTO plan SELECT 'bench' || printf('%03d', g.x), k.x, $per
  FROM (WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $names) SELECT x FROM g) g, k
  WHERE k.x < $per;
INSERT INTO plan SELECT 'big', x, $big FROM (WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x < $big - 1) SELECT x FROM k);
INSERT INTO run (kind, name, started, ended, version, command_line, hostname, cpu_model, governor,
                 kernel, cores, loadavg_before, loadavg_after, git_commit, git_branch, git_dirty)
  SELECT r.kind, p.name, r.started + p.i * 1000000, r.ended + p.i * 1000000, r.version, r.command_line,
         r.hostname, r.cpu_model, r.governor, r.kernel, r.cores, r.loadavg_before, r.loadavg_after,
         printf('%040d', p.i), r.git_branch, 0
  FROM plan p, run r WHERE r.name = 'seed';
INSERT INTO metric (run_id, name, unit, higher_is_better, mean, stddev, median, min, max, nsamples, samples, blob)
  SELECT n.id, m.name, m.unit, m.higher_is_better,
         m.mean, m.stddev,
         m.median * (1 + (abs(random()) % 1000) / 50000.0)
                  * (CASE WHEN CAST(n.git_commit AS INTEGER)
                               >= (CASE WHEN n.name = 'big' THEN $big ELSE $per END) / 2
                          THEN 1.10 ELSE 1.0 END),
         m.min, m.max, m.nsamples, m.samples, m.blob
  FROM run n, metric m, run s WHERE s.name = 'seed' AND m.run_id = s.id AND n.name != 'seed';
COMMIT;
SQL
t1=$(date +%s.%N)
printf '%s runs in the store (built in %.1f s)\n\n' "$(sqlite3 "$db" 'SELECT count(*) FROM run')" "$(echo "$t1 - $t0" | bc)"

json=$tmp/store-bench.json
"$pe" bench -q -N -w 2 -r 20 --export-json "$json" \
	-n "runs list NAME ($per runs)" -n "compare NAME@latest~1 NAME@latest" \
	-n "history NAME ($per points)" -n "history big ($big points)" \
	"$pe runs list bench042 --store $db" \
	"$pe compare bench042@latest~1 bench042@latest --store $db" \
	"$pe history bench042 --store $db" \
	"$pe history big --store $db" >/dev/null
jq -r '.results[] | [.command, (.mean * 1000 | . * 100 | round / 100 | tostring) + " ms",
	"median " + (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
	"95% CI of mean [" + (.perfeng.wall.mean_ci95[0] * 1000 | . * 100 | round / 100 | tostring) + ", "
	+ (.perfeng.wall.mean_ci95[1] * 1000 | . * 100 | round / 100 | tostring) + "] ms",
	(if (.command | startswith("history big")) then (if .mean < 2 then "target < 2 s: met" else "target < 2 s: MISSED" end)
	 else (if .mean < 0.1 then "target < 100 ms: met" else "target < 100 ms: MISSED" end) end)] | @tsv' "$json" |
	column -t -s $'\t'
echo
echo "change points found in the series (the step is at the middle):"
"$pe" history bench042 --store "$db" --json | jq -c '[.change_points[] | {index, change: (.change * 1000 | round / 10)}]'
"$pe" history big --store "$db" --json | jq -c '[.change_points[] | {index, change: (.change * 1000 | round / 10)}]'
