#!/usr/bin/env bash
# Merge the parts of a negsim job array into the report.
#
#   examples/slurm/merge.sh OUTDIR [negsim merge options, e.g. --format csv --output result.csv]
#
# Submitted as a dependent job, the merge runs only once every array task has succeeded:
#   jid=$(sbatch --parsable --array=0-15 examples/slurm/negsim-array.sbatch my.toml parts)
#   sbatch --dependency=afterok:$jid --wrap "examples/slurm/merge.sh parts --format csv --output result.csv"
set -euo pipefail
outdir=${1:?usage: merge.sh OUTDIR [merge options]}
shift
negsim=${NEGSIM:-negsim}
# negsim merge refuses a missing, duplicated or foreign part and names it.
"$negsim" merge "$outdir"/part-*.json "$@"
