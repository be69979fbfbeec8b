#!/usr/bin/env bash
# Writes the outputs that a stream-preserving change must leave byte for byte as they were.
#
#   benches/identity.sh BIN DIR     run the release binary BIN, write every output under DIR
#   diff -r DIR_BEFORE DIR_AFTER    nothing may differ
#
# Why a script in the repository: every speed change of issue 16 is checked this way, and a
# list kept in /tmp was lost between sessions. It covers each protocol and strategy through
# the bundled and validation scenarios, the fixtures, generated shapes (bilateral, four
# parties, 20 x 5 x 6, 20 x 50), `nearest` and `random_above` offers, several deadlines,
# `--worlds`, `--per-run`, `--compare`, `sensitivity`, `sweep`, `trace` and `validate`.
set -euo pipefail
BIN=$(realpath "$1")
OUT=$(realpath -m "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT/gen"
cd "$ROOT"
# A command that fails is recorded, not fatal: its message and "exit N" are an output too
# (the refusals must stay as they were).
run() { # name, then the arguments of negsim
    local name=$1
    shift
    "$BIN" "$@" >"$OUT/$name" 2>&1 || echo "exit $?" >>"$OUT/$name"
}
# Generated shapes, with the offer rule and deadline edited in.
gen() { # name, offer, then the arguments of negsim generate
    local name=$1 offer=$2
    shift 2
    "$BIN" generate "$@" -o "$OUT/gen/$name.toml"
    if [ "$offer" != default ]; then
        sed -i "/^\[agents\.[a-z0-9]*\]$/a offer = \"$offer\"" "$OUT/gen/$name.toml"
    fi
}
gen bilateral default --terms 6 --options 4,3,4,4,3,4 --agents 2 --seed 1
gen four default --terms 6 --options 4,3,4,4,3,4 --agents 4 --seed 2
gen three default --terms 5 --options 3 --agents 3 --opposition 0.5 --seed 3
gen wide default --terms 20 --options 5 --agents 6 --seed 4
gen n3600 nearest --terms 4 --options 10,10,6,6 --agents 3 --seed 5
gen n5x10 nearest --terms 5 --options 10 --agents 2 --seed 6
gen n6x10 nearest --terms 6 --options 10 --agents 2 --seed 7
gen n12x4 nearest --terms 12 --options 4 --agents 2 --seed 8
gen r3600 random_above --terms 4 --options 10,10,6,6 --agents 2 --seed 9
gen r5x10 random_above --terms 5 --options 10 --agents 2 --seed 10
for f in scenarios/*.toml scenarios/validation/*.toml benches/scenarios/bilateral-2304.toml \
    benches/scenarios/scale-20x5x6.toml "$OUT"/gen/*.toml; do
    n=$(basename "$f" .toml)
    # The bundled talks are open-ended with a horizon of 52 rounds.
    case $f in scenarios/*) last=52 ;; *) last=100 ;; esac
    for seed in 1 7; do
        run "$n.s$seed.json" run "$f" --runs 300 --seed $seed --deadlines 1,3,10,40,$last --format json -q
    done
    run "$n.csv" run "$f" --runs 200 --format csv -q
    run "$n.trace" trace "$f" --deadline 40 --run 3
done
for f in tests/fixtures/*.toml; do
    run "$(basename "$f").json" run "$f" --runs 100 --format json -q
done
run opposed.json run benches/scenarios/opposed-20x50x2.toml --runs 3 --format json -q
run ukraine.table run scenarios/ukraine-peace-2025.toml --runs 2000 -q
run ukraine.worlds.json run scenarios/ukraine-peace-2025.toml --runs 200 --worlds 20 --format json -q
run ukraine.compare.json run scenarios/ukraine-peace-2025.toml --runs 300 \
    --compare scenarios/ukraine-peace-2025-extended.toml --format json -q
for f in scenarios/ukraine-peace-2025.toml scenarios/labour-contract.toml "$OUT/gen/bilateral.toml" "$OUT/gen/four.toml"; do
    n=$(basename "$f" .toml)
    run "$n.perrun.json" run "$f" --runs 300 --per-run "$OUT/$n.perrun.csv" --worlds 0 --format json -q --force
    run "$n.oat.json" sensitivity "$f" --runs 100 --format json
    run "$n.sobol.json" sensitivity "$f" --method sobol --samples 16 --runs 40 --format json
done
run sweep.csv sweep scenarios/ukraine-peace-2025.toml --param agents.russia.reservation=0.3,0.5 --runs 200 -q
run sweep.worlds.csv sweep scenarios/labour-contract.toml --param agents.union.reservation=0.2,0.4 --runs 100 --worlds 5 -q
run validate.txt validate
# The generated files are inputs, not results; the tables above read them.
rm -r "$OUT/gen"
