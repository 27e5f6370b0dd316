# shellcheck shell=bash disable=SC2034
# DUT plugin for peers.sh: pswitch bridging the harness's interfaces.
#   sudo ../shared/bench/peers.sh -o /tmp/p.json linuxbr ovs ../shared/bench/dut-pswitch.sh
# Run from the project root after a build (./pswitch builds on first use, which would eat the
# readiness timeout). Knobs (environment):
#   PSWITCH         the launcher (default ./pswitch)
#   PSWITCH_DRIVER  port driver for the harness's interfaces: pcap (default), or any live-interface
#                   driver the switch has (the spec is DRIVER:IFACE)
#   PSWITCH_LOG     "" (no logging), shm (data dir on /dev/shm) or disk (data dir on /var/tmp): logs
#                   the frames the tcpdump DUTs select, 'icmp or (udp and port 9)', durability batch
#   PSWITCH_ARGS    extra `pswitch run` arguments, split on spaces (e.g. "--workers 2")
# dut_stats reports log_captured from /metrics, so the table shows "selected frames in log (%)".
PSWITCH=${PSWITCH:-./pswitch}
PSWITCH_DRIVER=${PSWITCH_DRIVER:-pcap}
PSWITCH_LOG=${PSWITCH_LOG:-}
PSWITCH_ARGS=${PSWITCH_ARGS:-}
PSWITCH_API=${PSWITCH_API:-127.0.0.1:18799}
PSWITCH_PID=""

dut_start() {
  local args=(--quiet --idle "${PSWITCH_IDLE:-busy}" --api "$PSWITCH_API") i=1 ifc dd
  for ifc in "$@"; do args+=(--port "p$i=$PSWITCH_DRIVER:$ifc"); i=$((i + 1)); done
  case "$PSWITCH_LOG" in
    shm) dd=/dev/shm/peers-pswitch-log ;;
    disk) dd=/var/tmp/peers-pswitch-log ;;
    *) dd=/dev/shm/peers-pswitch-nolog ;;
  esac
  rm -rf "$dd"; track_res dir "$dd"
  args+=(--data-dir "$dd")
  [ -n "$PSWITCH_LOG" ] && args+=(--filter "sel=icmp or (udp and port 9)" --durability batch)
  # shellcheck disable=SC2206
  [ -n "$PSWITCH_ARGS" ] && args+=($PSWITCH_ARGS)
  "$PSWITCH" run "${args[@]}" </dev/null >"$WORK/pswitch.log" 2>&1 &
  PSWITCH_PID=$!; track_pid "$PSWITCH_PID"
  local k
  for k in $(seq 1 150); do
    curl -sf "http://$PSWITCH_API/healthz" >/dev/null && return 0
    alive "$PSWITCH_PID" || break
    sleep 0.2
  done
  DUT_ERROR="pswitch not up: $(tail -3 "$WORK/pswitch.log")"; return 1
}
# The launcher execs the JVM, so its PID is the switch's.
dut_pids() { echo "$PSWITCH_PID"; }
dut_stats() {
  [ -n "$PSWITCH_LOG" ] || return 0
  curl -s "http://$PSWITCH_API/metrics" | awk '/^pswitch_log_frames_total/ {s += $2} END {printf "log_captured=%d\n", s}'
}
dut_stop() { [ -n "$PSWITCH_PID" ] && stop_tree "$PSWITCH_PID" TERM 15; return 0; }
