#!/usr/bin/env bash
# A single-node Slurm on localhost, for trying (and testing) the HPC path on one machine.
#
#   sudo deploy/slurm/local-slurm.sh up       # install if needed, start munge, slurmctld, slurmd; run a probe job
#   sudo deploy/slurm/local-slurm.sh status   # daemons and node state
#   sudo deploy/slurm/local-slurm.sh down     # stop what `up` started (by pid files)
#
# Needs root and Debian/Ubuntu packages slurm-wlm and munge (installed with apt-get when missing).
# No systemd needed. Everything lives under $IITSTUDIES_SLURM_DIR (default /tmp/iitstudies-slurm):
# slurm.conf, state, spool, logs and pid files. Client tools need SLURM_CONF=$IITSTUDIES_SLURM_DIR/slurm.conf
# (`up` also links it to /etc/slurm/slurm.conf when that file does not exist). Both commands are safe to
# run twice. Slurm's ports (6817, 6818) and the munge socket are per machine: run one such cluster at a time.
#
# Settings (environment): IITSTUDIES_SLURM_DIR, IITSTUDIES_SLURM_CPUS (CPUs the node declares, default
# `nproc`; more than the cores lets more 1-core workers start), IITSTUDIES_SLURM_TIMEOUT (seconds, default 90).
set -euo pipefail

DIR=${IITSTUDIES_SLURM_DIR:-/tmp/iitstudies-slurm}
CPUS=${IITSTUDIES_SLURM_CPUS:-$(nproc)}
TIMEOUT=${IITSTUDIES_SLURM_TIMEOUT:-90}
CONF=$DIR/slurm.conf
NODE=$(hostname -s)
ETC_CONF=/etc/slurm/slurm.conf
export SLURM_CONF=$CONF

say() { echo "local-slurm: $*"; }
die() { echo "local-slurm: error: $*" >&2; exit 1; }

alive() { # alive PIDFILE: the daemon named like the file runs (not a zombie, not another process with a reused pid)
  local pid name
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] || return 1
  name=$(basename "$1" .pid)
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" != Z ]
}

stop() { # stop PIDFILE: TERM, wait up to 15 s, then KILL; remove the pid file
  local pidfile=$1 name pid
  name=$(basename "$pidfile" .pid)
  if ! alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do alive "$pidfile" || break; sleep 0.1; done
  alive "$pidfile" && kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  say "stopped $name (pid $pid)"
}

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && return 0
  command -v apt-get >/dev/null || die "slurmctld, slurmd or munged missing and no apt-get to install slurm-wlm and munge"
  say "installing slurm-wlm and munge (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  if alive /run/munge/munged.pid || munge -n >/dev/null 2>&1; then return 0; fi
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  runuser -u munge -- /usr/sbin/munged
  touch "$DIR/munged.ours"  # `down` stops munged only when `up` started it
  say "started munged"
}

write_conf() {
  local mem
  mem=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  cat >"$CONF" <<EOF
# Written by deploy/slurm/local-slurm.sh: one node on 127.0.0.1, no cgroups, no accounting.
ClusterName=iitstudies
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_for() { # wait_for WHAT COMMAND...: retry COMMAND until it succeeds or TIMEOUT passes
  local what=$1 deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not reached within ${TIMEOUT}s (logs: $DIR/slurmctld.log, $DIR/slurmd.log)"
    sleep 0.5
  done
}

alive_both() {
  alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid"
}

node_ready() {
  sinfo -h -n "$NODE" -o %T | grep -qE '^(idle|mixed|allocated)'
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (slurmd runs the jobs of any user); try: sudo $0 up"
  install_packages
  mkdir -p "$DIR/state" "$DIR/spool"
  start_munge
  if ! alive_both; then
    stop "$DIR/slurmd.pid"
    stop "$DIR/slurmctld.pid"
    write_conf
    slurmctld -f "$CONF"
    slurmd -f "$CONF"
    wait_for "slurmctld and slurmd running" alive_both
    say "started slurmctld and slurmd ($CPUS CPUs, config $CONF)"
  fi
  if [ ! -e "$ETC_CONF" ]; then
    mkdir -p /etc/slurm
    ln -s "$CONF" "$ETC_CONF"
    touch "$DIR/etc-link.ours"
  fi
  wait_for "node $NODE idle" node_ready
  timeout "$TIMEOUT" sbatch --quiet --wait --output=/dev/null --job-name=probe --wrap true \
    || die "the probe job did not run (logs: $DIR/slurmctld.log, $DIR/slurmd.log)"
  say "up: node $NODE ran a probe job; for client tools: export SLURM_CONF=$CONF"
}

down() {
  if alive "$DIR/slurmctld.pid"; then
    scancel --full --quiet --partition=local 2>/dev/null || true
  fi
  stop "$DIR/slurmd.pid"
  stop "$DIR/slurmctld.pid"
  if [ -e "$DIR/munged.ours" ]; then
    stop /run/munge/munged.pid
    rm -f "$DIR/munged.ours"
  fi
  if [ -e "$DIR/etc-link.ours" ]; then
    [ "$(readlink "$ETC_CONF" 2>/dev/null)" = "$CONF" ] && rm -f "$ETC_CONF"
    rm -f "$DIR/etc-link.ours"
  fi
  say "down"
}

status() {
  local name
  for name in slurmctld slurmd; do
    if alive "$DIR/$name.pid"; then say "$name running (pid $(cat "$DIR/$name.pid"))"; else say "$name not running"; fi
  done
  alive "$DIR/slurmctld.pid" && sinfo -N -o "%N %T %C" || true
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
