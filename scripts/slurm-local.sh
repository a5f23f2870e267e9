#!/usr/bin/env bash
# A Slurm cluster on this machine, for development and the tests (no systemd needed; run as root).
#
#   scripts/slurm-local.sh start [--nodes 2] [DIR]   start an instance whose files all live in DIR; prints "SLURM_CONF=DIR/slurm.conf"
#   scripts/slurm-local.sh stop   [DIR]   stop it (only the daemons whose pid files are in DIR, and the nodes' namespaces)
#   scripts/slurm-local.sh status [DIR]   daemons and sinfo
#   scripts/slurm-local.sh kill-node N [DIR]    two-node form: SIGKILL every process of node N (its slurmd, slurmstepd and
#                                               tasks), as a node that loses power; Slurm notices within SlurmdTimeout
#   scripts/slurm-local.sh start-node N [DIR]   start node N's slurmd again (it returns to service when it registers)
#
# The default is one node (localhost). With --nodes 2, slurmctld runs here and each node's slurmd in a network
# namespace of its own (ip netns, a veth pair on a private bridge, 10.213.X.11 and .12, NodeAddr per node) and a UTS
# namespace named after the node (so a task's hostname is node1 or node2); all see the same file system, as a
# cluster's shared file system does. Debian's slurm-wlm is built without --enable-multiple-slurmd (slurmd has no
# per-node port or pid-file substitution), hence the namespaces: each slurmd listens on the same port at its own address.
#
# DIR defaults to .slurm-local/ in this checkout. Use the cluster with `export SLURM_CONF=DIR/slurm.conf`.
# Instances are independent: each has its own munge key and socket (given to Slurm with AuthInfo=socket=..., so no
# global /run/munge is touched), its own free ports, cluster name, state and spool folders. Debian 12 packages
# slurm-wlm and munge (scripts/ensure-deps.sh slurm-wlm munge installs them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
shift || true
nodes=1
node_arg=""
case "$cmd" in
  start) if [ "${1:-}" = "--nodes" ]; then nodes="${2:-}"; shift 2 || true; fi ;;
  kill-node|start-node) node_arg="${1:-}"; shift || true ;;
esac
dir="${1:-$root/.slurm-local}"

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
  local ctld_host="localhost" node_lines partition_nodes spool="$dir/spool" slurmd_pid="$dir/slurmd.pid" slurmd_log="$dir/slurmd.log" timeouts=""
  node_lines="NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN"
  partition_nodes="localhost"
  if [ "$nodes" = 2 ]; then
    make_network
    ctld_host="localhost($net.1)"
    node_lines="NodeName=node1 NodeAddr=$net.11 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
NodeName=node2 NodeAddr=$net.12 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN"
    partition_nodes="node[1-2]"
    spool="$dir/spool/%n" slurmd_pid="$dir/slurmd-%n.pid" slurmd_log="$dir/slurmd-%n.log"
    # A dead node is noticed within SlurmdTimeout (the controller pings every third of it), so that a test of node
    # failure is quick; a busy machine still answers a ping within 20 s.
    timeouts="SlurmdTimeout=20
MessageTimeout=10"
  fi
  cat > "$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a $nodes-node development cluster.
ClusterName=emolingua$(( RANDOM % 100000 ))
SlurmctldHost=$ctld_host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$slurmd_pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$slurmd_log
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
JobRequeue=1
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MinJobAge=600
KillWait=20
$timeouts
$node_lines
PartitionName=debug Nodes=$partition_nodes Default=YES MaxTime=INFINITE State=UP
EOF
  echo "$nodes" > "$dir/nodes"
  export SLURM_CONF="$dir/slurm.conf"
  /usr/sbin/slurmctld -i -f "$SLURM_CONF" || die "slurmctld did not start (see $dir/slurmctld.log)"
  if [ "$nodes" = 2 ]; then
    start_node 1
    start_node 2
  else
    /usr/sbin/slurmd -N localhost -f "$SLURM_CONF" || die "slurmd did not start (see $dir/slurmd.log)"
  fi
  for _ in $(seq 1 120); do
    if [ "$(sinfo -h -N -o '%t' 2>/dev/null | grep -cE '^(idle|mix|alloc)')" -ge "$nodes" ]; then
      echo "SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.5
  done
  die "the nodes did not come up within 60 s (see $dir/slurmctld.log and $dir/slurmd*.log)"
}

# Two-node form: a bridge with the controller's address (.1) and a veth pair per node, whose inner end (.11, .12)
# lives in the node's network namespace. X in 10.213.X.0/24 is the first one no interface of this machine uses.
make_network() {
  local x
  for x in $(seq 1 250); do
    if ! ip -o -4 addr show | grep -q " 10\.213\.$x\." && ! ip link show "emob$x" >/dev/null 2>&1; then
      net="10.213.$x"; echo "$x" > "$dir/net"; break
    fi
  done
  [ -n "${net:-}" ] || die "no free 10.213.X.0/24 network for the nodes"
  ip link add "emob$x" type bridge || die "could not create a bridge (ip link add emob$x type bridge)"
  ip addr add "$net.1/24" dev "emob$x"
  ip link set "emob$x" up
  local i ns
  for i in 1 2; do
    ns="$(netns_of "$i")"
    ip netns add "$ns" || die "could not create the network namespace $ns"
    ip link add "emo${x}n$i" type veth peer name "emo${x}n${i}p"
    ip link set "emo${x}n${i}p" netns "$ns"
    ip link set "emo${x}n$i" master "emob$x"
    ip link set "emo${x}n$i" up
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip addr add "$net.1$i/24" dev "emo${x}n${i}p"
    ip netns exec "$ns" ip link set "emo${x}n${i}p" up
  done
}

netns_of() { echo "emolingua-$(cat "$dir/net")-n$1"; }

# Node I's slurmd in its network namespace and a UTS namespace whose hostname is the node's name.
start_node() {
  local i="$1" ns
  ns="$(netns_of "$i")"
  mkdir -p "$dir/spool/node$i"
  # nsenter rather than ip netns exec, which would remount /sys (slurmd needs the machine's /sys/fs/cgroup).
  nsenter --net="/run/netns/$ns" unshare --uts sh -c "hostname node$i && exec /usr/sbin/slurmd -N node$i -f '$dir/slurm.conf'" \
    || die "slurmd of node$i did not start (see $dir/slurmd-node$i.log)"
}

kill_node() {
  local i="$1" ns pids
  ns="$(netns_of "$i")"
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  if [ -n "$pids" ]; then kill -9 $pids 2>/dev/null || true; fi
  rm -f "$dir/slurmd-node$i.pid"
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
  if [ "$(cat "$dir/nodes" 2>/dev/null || echo 1)" = 2 ] && [ -f "$dir/net" ]; then
    local i ns x
    x="$(cat "$dir/net")"
    for i in 1 2; do
      stop_daemon "$dir/slurmd-node$i.pid"
      ns="$(netns_of "$i")"
      ip netns list | grep -q "^$ns\b" || continue
      kill_node "$i" # whatever the node still runs (slurmstepd, tasks)
      ip netns del "$ns" 2>/dev/null || true
    done
    ip link del "emob$x" 2>/dev/null || true
    rm -f "$dir/net"
  else
    stop_daemon "$dir/slurmd.pid"
  fi
  stop_daemon "$dir/slurmctld.pid"
  stop_daemon "$dir/munge/munged.pid"
}

status() {
  [ -f "$dir/slurm.conf" ] || { echo "no instance in $dir"; exit 1; }
  local up=0
  local daemons=(slurmctld slurmd munge/munged)
  [ "$(cat "$dir/nodes" 2>/dev/null || echo 1)" = 2 ] && daemons=(slurmctld slurmd-node1 slurmd-node2 munge/munged)
  for d in "${daemons[@]}"; do
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
  kill-node|start-node)
    [[ "$node_arg" =~ ^[12]$ ]] || die "$cmd: give the node number, 1 or 2"
    [ -f "$dir/net" ] || die "$cmd: $dir is not a running two-node instance"
    if [ "$cmd" = kill-node ]; then kill_node "$node_arg"; else start_node "$node_arg"; fi ;;
  *) echo "usage: scripts/slurm-local.sh start [--nodes 2] [DIR] | stop [DIR] | status [DIR] | kill-node N [DIR] | start-node N [DIR]" >&2; exit 2 ;;
esac
