#!/usr/bin/env bash
# Compares the in-memory loop (parse -> normalize -> detect) of this checkout against another
# revision, both running at once, one per core, for several rounds:
#
#   npm run bench:ab -- REV [ROUNDS]      e.g. npm run bench:ab -- HEAD~1 3
#
# Why at once: this kind of VM changes speed by a quarter from one hour to the next, so runs one
# after another cannot show a change of a few percent; two runs side by side see the same
# neighbours (docs/performance.md, eleventh pass). Needs two idle cores to mean anything.
# REV is built in a git worktree under $TMPDIR/vigil-bench-ab/ (kept for the next comparison,
# rebuilt each time; `git worktree remove` it when done); this checkout is built by
# `npm run bench:ab` itself. BENCH_RUNS (5) runs per round.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REV="${1:?usage: bench-ab.sh REV [ROUNDS]}"
ROUNDS="${2:-3}"
SHA="$(git -C "$ROOT" rev-parse --verify "$REV^{commit}")"
# NOTE: outside the checkout, where vitest, eslint and tsc would pick up its files as this one's.
TREE="${TMPDIR:-/tmp}/vigil-bench-ab/${SHA:0:12}"

if [ ! -d "$TREE" ]; then
  mkdir -p "$(dirname "$TREE")"
  git -C "$ROOT" worktree add --quiet --detach -f "$TREE" "$SHA"
fi
[ -e "$TREE/node_modules" ] || ln -s "$ROOT/node_modules" "$TREE/node_modules"
(cd "$TREE" && "$ROOT/node_modules/.bin/tsc" -p tsconfig.build.json)

echo "A: $REV (${SHA:0:12})   B: this checkout ($(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD || echo ', with changes'))"
echo "µs per event, median of ${BENCH_RUNS:-5} runs after a warm-up; lower is faster"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  node "$ROOT/dist/scripts/bench-memory.js" "$TREE/dist" >"$out/a" &
  a=$!
  node "$ROOT/dist/scripts/bench-memory.js" "$ROOT/dist" >"$out/b"
  wait "$a"
  median() { sed -E 's/.*"median":([0-9.]+).*/\1/' "$1"; }
  runs() { sed -E 's/.*"usPerEvent":\[([^]]*)\].*/\1/' "$1"; }
  echo "round $round: A $(median "$out/a") ($(runs "$out/a"))   B $(median "$out/b") ($(runs "$out/b"))"
done
