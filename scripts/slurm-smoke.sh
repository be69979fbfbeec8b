#!/usr/bin/env bash
# Smoke test of the Slurm workflow on ONE machine (Debian, as root; not part of CI).
#
#   scripts/slurm-smoke.sh [SHARDS] [RUNS]          # as root; no sudo needed or used
#   NEGSIM=/path/to/negsim scripts/slurm-smoke.sh   # use a prebuilt binary (no cargo build)
#
# Installs Slurm and munge from Debian's packages if missing, writes a one-node cluster
# configuration into a fresh work directory (never into /etc/slurm: the daemons and commands
# are pointed at it with -f and SLURM_CONF), starts the daemons it needs, then:
#   1. submits examples/slurm/negsim-array.sbatch for the bundled scenario as an array of
#      SHARDS tasks (default 4), merges, and compares with a single-process run byte for byte;
#   2. deletes one part and resubmits that task alone (`--array=K`), which must rewrite it;
#   3. splits a sweep over an array with examples/slurm/negsim-sweep-array.sbatch and compares
#      the merged table with one `negsim sweep`.
# It refuses to run on a host where slurmctld or slurmd already runs. On exit it stops the
# daemons it started, by the PIDs it recorded, and only those (NEGSIM_SMOKE_KEEP=1 leaves them
# running); a munged that was already running is used and left alone.
set -euo pipefail
shards=${1:-4}
runs=${2:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/negsim-slurm.XXXXXX)
chmod 755 "$work"
say() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "run as root (it installs packages and starts daemons); sudo is not used" >&2; exit 1; }
for d in slurmctld slurmd; do
  if pgrep -x "$d" >/dev/null; then
    echo "refusing: $d is already running on this host (pid $(pgrep -x "$d" | tr '\n' ' ')); this script only sets up a throw-away one-node cluster" >&2
    exit 1
  fi
done

pids=()
cleanup() {
  if [ "${NEGSIM_SMOKE_KEEP:-0}" = 1 ]; then
    [ ${#pids[@]} -eq 0 ] || echo "leaving the daemons running: kill ${pids[*]}" >&2
    return
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

if [ -n "${NEGSIM:-}" ]; then
  negsim=$NEGSIM
  [ -x "$negsim" ] || { echo "NEGSIM=$negsim is not an executable" >&2; exit 1; }
  say "using the prebuilt $negsim"
else
  say "building negsim"
  (cd "$top" && cargo build --release --quiet)
  negsim="$top/target/release/negsim"
fi

export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm and munge from Debian's packages"
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

say "starting munge"
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  echo "a munged is already running and answering: using it"
else
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --force 2>/dev/null || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  # munged runs as munge: its PID file goes in a directory of its own that munge may write.
  mkdir -p "$work/munge" && chown munge:munge "$work/munge"
  runuser -u munge -- /usr/sbin/munged --pid-file="$work/munge/munged.pid"
  for _ in $(seq 50); do [ -s "$work/munge/munged.pid" ] && break; sleep 0.1; done
  [ -s "$work/munge/munged.pid" ] || { echo "munged wrote no PID file" >&2; exit 1; }
  pids+=("$(cat "$work/munge/munged.pid")")
fi
munge -n | unmunge >/dev/null

say "configuring a one-node cluster in $work"
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$work/spool/ctld" "$work/spool/d" "$work/log"
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=negsim-smoke
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=smoke Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

say "starting slurmctld and slurmd"
slurmctld -c -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
[ -s "$work/slurmctld.pid" ] || { echo "slurmctld wrote no PID file; see $work/log/" >&2; exit 1; }
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
[ -s "$work/slurmd.pid" ] || { echo "slurmd wrote no PID file; see $work/log/" >&2; exit 1; }
pids+=("$(cat "$work/slurmd.pid")")
for _ in $(seq 60); do
  state=$(sinfo -h -o %t 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  { [ "$state" = "down*" ] || [ "$state" = down ]; } && scontrol update nodename="$host" state=resume 2>/dev/null || true
  sleep 1
done
sinfo
[ "$(sinfo -h -o %t | head -n1)" = idle ] || { echo "the node did not come up; see $work/log/" >&2; exit 1; }

cd "$work"
sc="$top/scenarios/ukraine-peace-2025.toml"
say "1. a $shards-task job array ($runs runs per deadline)"
NEGSIM="$negsim" sbatch --wait --array=0-$((shards - 1)) --export=ALL \
  "$top/examples/slurm/negsim-array.sbatch" "$shards" "$sc" "$work/parts" --runs "$runs"
ls -l "$work/parts"
NEGSIM="$negsim" "$top/examples/slurm/merge.sh" "$work/parts" --format json --output "$work/merged.json"
"$negsim" run "$sc" --runs "$runs" --format json --quiet --output "$work/single.json"
cmp "$work/merged.json" "$work/single.json" || { echo "MISMATCH: $work/merged.json differs from $work/single.json" >&2; exit 1; }
echo "OK: the merged report of $shards Slurm tasks equals the single-process report byte for byte"

k=$((shards - 1))
say "2. task $k resubmitted alone (--array=$k)"
cp "$work/parts/part-$k.json" "$work/part-$k.first"
rm "$work/parts/part-$k.json"
NEGSIM="$negsim" sbatch --wait --array="$k" --export=ALL \
  "$top/examples/slurm/negsim-array.sbatch" "$shards" "$sc" "$work/parts" --runs "$runs"
cmp "$work/parts/part-$k.json" "$work/part-$k.first" || { echo "MISMATCH: the resubmitted part-$k.json differs" >&2; exit 1; }
echo "OK: the resubmitted task rewrote part-$k.json byte for byte"

say "3. a sweep split over a 3-task array"
sweep=(--param agents.russia.reservation=0.3:0.6:0.1 --runs 2000 --deadlines 12,52)
NEGSIM="$negsim" sbatch --wait --array=0-2 --export=ALL \
  "$top/examples/slurm/negsim-sweep-array.sbatch" 3 "$sc" "$work/sweep" "${sweep[@]}"
"$negsim" merge "$work"/sweep/part-*.jsonl --format csv --output "$work/sweep-merged.csv"
"$negsim" sweep "$sc" "${sweep[@]}" --quiet --output "$work/sweep-single.csv"
cmp "$work/sweep-merged.csv" "$work/sweep-single.csv" || { echo "MISMATCH: the merged sweep differs" >&2; exit 1; }
echo "OK: the sweep merged from 3 Slurm tasks equals one negsim sweep byte for byte"

say "all checks passed in $(( $(date +%s) - started )) s (work directory $work)"
