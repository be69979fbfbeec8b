#!/usr/bin/env bash
# Smoke test of the Slurm workflow on ONE machine (Debian, as root; not part of CI).
#
#   sudo scripts/slurm-smoke.sh [SHARDS] [RUNS]
#
# Installs Slurm and munge from Debian's packages, writes a one-node cluster configuration,
# starts munged, slurmctld and slurmd, submits examples/slurm/negsim-array.sbatch for the
# bundled scenario as a job array of SHARDS tasks (default 4), waits, merges the parts, and
# checks that the merged JSON report equals a single-process run byte for byte. It leaves the
# daemons running (stop them with: pkill slurmd; pkill slurmctld; pkill munged).
set -euo pipefail
shards=${1:-4}
runs=${2:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/negsim-slurm.XXXXXX)
chmod 755 "$work"
say() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "run as root: it installs packages and starts daemons" >&2; exit 1; }

say "building negsim"
(cd "$top" && cargo build --release --quiet)
negsim="$top/target/release/negsim"

say "installing slurm and munge from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

say "starting munge"
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --force 2>/dev/null || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

say "configuring a one-node cluster"
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=negsim-smoke
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
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
pkill -x slurmd 2>/dev/null || true
pkill -x slurmctld 2>/dev/null || true
sleep 1
slurmctld -c
slurmd
for _ in $(seq 60); do
  state=$(sinfo -h -o %t 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  [ "$state" = "down*" ] || [ "$state" = down ] && scontrol update nodename="$host" state=resume 2>/dev/null || true
  sleep 1
done
sinfo
[ "$(sinfo -h -o %t | head -n1)" = idle ] || { echo "the node did not come up; see /var/log/slurm/" >&2; exit 1; }

say "submitting a $shards-task job array ($runs runs per deadline)"
cd "$work"
NEGSIM="$negsim" sbatch --wait --array=0-$((shards - 1)) --export=ALL \
  "$top/examples/slurm/negsim-array.sbatch" "$top/scenarios/ukraine-peace-2025.toml" "$work/parts" --runs "$runs"
ls -l "$work/parts"

say "merging and comparing with a single-process run"
NEGSIM="$negsim" "$top/examples/slurm/merge.sh" "$work/parts" --format json --output "$work/merged.json"
"$negsim" run "$top/scenarios/ukraine-peace-2025.toml" --runs "$runs" --format json --output "$work/single.json"
if cmp "$work/merged.json" "$work/single.json"; then
  say "OK: the merged report of $shards Slurm tasks equals the single-process report byte for byte"
  "$negsim" merge "$work"/parts/part-*.json | head -n 10
else
  echo "MISMATCH: $work/merged.json differs from $work/single.json" >&2
  exit 1
fi
