#!/usr/bin/env bash
# iprobe.sh SWITCH_ROOT DRIVER OUTDIR [extra run args...]: the switch on l2s1 l2s2, a 4 s iperf3
# h1->h2, the switch's /metrics before and after. Run under the netns lock.
set -u
root=$1 drv=$2 out=$3; shift 3
mkdir -p "$out"
dir=$(dirname "$0")
"$dir/topo.sh" down; "$dir/topo.sh" up
rm -rf /dev/shm/l2-probe
"$root/pswitch" run --quiet --api 127.0.0.1:18791 --data-dir /dev/shm/l2-probe --port p1=$drv:l2s1$SUFFIX --port p2=$drv:l2s2$SUFFIX "$@" >"$out/switch.log" 2>&1 &
pid=$!
for k in $(seq 1 100); do curl -sf http://127.0.0.1:18791/healthz >/dev/null && break; sleep 0.2; done
ip netns exec l2h1 ping -c 20 -i 0.05 -q 10.79.0.2 >/dev/null
ip netns exec l2h2 iperf3 -s -1 -B 10.79.0.2 >/dev/null 2>&1 & sp=$!
sleep 0.5
curl -s http://127.0.0.1:18791/metrics > "$out/metrics0.txt"
for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(cat $t/schedstat) $(awk '{print $39}' $t/stat)"; done > "$out/schedstat0.txt"
ip netns exec l2h1 iperf3 -c 10.79.0.2 -t 4 -J > "$out/iperf.json"
curl -s http://127.0.0.1:18791/metrics > "$out/metrics1.txt"
for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(cat $t/schedstat) $(awk '{print $39}' $t/stat)"; done > "$out/schedstat1.txt"
kill $pid; wait $pid; kill $sp 2>/dev/null
"$dir/topo.sh" down
jq -r '"gbps=\(.end.sum_received.bits_per_second/1e9) retr=\(.end.sum_sent.retransmits)"' "$out/iperf.json"
diff <(grep -v '^#' "$out/metrics0.txt") <(grep -v '^#' "$out/metrics1.txt") | grep '^>' | grep -i 'driver\|drop' | head -40
