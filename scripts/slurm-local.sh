#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for development and the tests (no systemd needed; run as root).
#
#   scripts/slurm-local.sh start  [DIR]   start an instance whose files all live in DIR; prints "SLURM_CONF=DIR/slurm.conf"
#   scripts/slurm-local.sh stop   [DIR]   stop it (only the daemons whose pid files are in DIR)
#   scripts/slurm-local.sh status [DIR]   daemons and sinfo
#
# DIR defaults to .slurm-local/ in this checkout. Use the cluster with `export SLURM_CONF=DIR/slurm.conf`.
# Instances are independent: each has its own munge key and socket (given to Slurm with AuthInfo=socket=..., so no
# global /run/munge is touched), its own free ports, cluster name, state and spool folders. Debian 12 packages
# slurm-wlm and munge (scripts/ensure-deps.sh slurm-wlm munge installs them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
dir="${2:-$root/.slurm-local}"

die() { echo "slurm-local: $*" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemon() { # pid file, name
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start() {
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || die "$tool not found (apt-get install slurm-wlm munge, or scripts/ensure-deps.sh slurm-wlm munge)"
  done
  [ "$(id -u)" -eq 0 ] || die "run as root (slurmd starts jobs as their submitting user)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if pid_alive "$dir/slurmctld.pid"; then echo "SLURM_CONF=$dir/slurm.conf"; return 0; fi
  # The munge socket path must fit a Unix socket address (108 bytes).
  [ ${#dir} -le 80 ] || die "$dir: path too long for the munge socket (80 characters at most)"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 700 "$dir/munge"

  if [ ! -f "$dir/munge/munge.key" ]; then
    head -c 1024 /dev/urandom > "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
  fi
  /usr/sbin/munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
    || die "munged did not start (see $dir/munge/munged.log)"

  # Two free adjacent ports for slurmctld and slurmd.
  local port=0
  for _ in $(seq 1 200); do
    local p=$((20000 + RANDOM % 40000))
    if port_free "$p" && port_free $((p + 1)); then port=$p; break; fi
  done
  [ "$port" -ne 0 ] || die "no free ports found"

  local cpus mem_mb
  cpus="$(nproc)"
  mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
  [ "$mem_mb" -gt 1024 ] || mem_mb=1024
  cat > "$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node development cluster.
ClusterName=emolingua$(( RANDOM % 100000 ))
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MinJobAge=600
KillWait=20
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  /usr/sbin/slurmctld -i -f "$SLURM_CONF" || die "slurmctld did not start (see $dir/slurmctld.log)"
  /usr/sbin/slurmd -N localhost -f "$SLURM_CONF" || die "slurmd did not start (see $dir/slurmd.log)"
  for _ in $(seq 1 120); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.5
  done
  die "the node did not come up within 60 s (see $dir/slurmctld.log and $dir/slurmd.log)"
}

stop() {
  [ -d "$dir" ] || return 0
  # Cancel this instance's jobs first and let their processes end (slurmstepd outlives slurmd otherwise).
  if pid_alive "$dir/slurmctld.pid" && [ -f "$dir/slurm.conf" ]; then
    export SLURM_CONF="$dir/slurm.conf"
    scancel --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 60); do
      [ -z "$(squeue -h -t running,completing,configuring -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_daemon "$dir/slurmd.pid"
  stop_daemon "$dir/slurmctld.pid"
  stop_daemon "$dir/munge/munged.pid"
}

status() {
  [ -f "$dir/slurm.conf" ] || { echo "no instance in $dir"; exit 1; }
  local up=0
  for d in slurmctld slurmd munge/munged; do
    if pid_alive "$dir/$d.pid"; then echo "$(basename "$d"): running (pid $(cat "$dir/$d.pid"))"; else echo "$(basename "$d"): stopped"; up=1; fi
  done
  echo "SLURM_CONF=$dir/slurm.conf"
  [ "$up" -eq 0 ] && SLURM_CONF="$dir/slurm.conf" sinfo
  exit "$up"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status [DIR]" >&2; exit 2 ;;
esac
