#!/usr/bin/env bash
# Run a negsim simulation as N shards with GNU parallel, then merge them.
#
#   examples/parallel.sh SCENARIO N [negsim run options...]
#
# Each job plays shard K of N and writes its part to a temporary directory; the merged report
# (table by default; pass --format to merge via MERGE_FORMAT=csv|json) goes to stdout. Over
# several machines, give parallel its usual --sshlogin list; the parts merge the same way.
set -euo pipefail
scenario=${1:?usage: parallel.sh SCENARIO N [run options]}
n=${2:?usage: parallel.sh SCENARIO N [run options]}
shift 2
negsim=${NEGSIM:-negsim}
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
seq 0 $((n - 1)) | parallel --halt now,fail=1 \
  "$negsim" run "$scenario" --shard {}/"$n" --threads 1 --output "$parts"/part-{}.json "$@"
"$negsim" merge "$parts"/part-*.json --format "${MERGE_FORMAT:-table}"
