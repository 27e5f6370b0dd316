#!/usr/bin/env bash
# perfprobe.sh SWITCH_ROOT DRIVER OUTDIR [run args...]: iperf3 h1->h2 for 4 s through the switch while
# `perf record` samples the dataplane thread (user and kernel). Run under the netns lock.
set -u
root=$1 drv=$2 out=$3; shift 3
mkdir -p "$out"; dir=$(dirname "$0")
"$dir/topo.sh" down; "$dir/topo.sh" up
rm -rf /dev/shm/l2-probe
"$root/pswitch" run --quiet --api 127.0.0.1:18791 --data-dir /dev/shm/l2-probe --port p1=$drv:l2s1 --port p2=$drv:l2s2 "$@" >"$out/switch.log" 2>&1 &
pid=$!
for k in $(seq 1 100); do curl -sf http://127.0.0.1:18791/healthz >/dev/null && break; sleep 0.2; done
ip netns exec l2h1 ping -c 20 -i 0.05 -q 10.79.0.2 >/dev/null
tid=$(grep -l pswitch-datapla /proc/$pid/task/*/comm | head -1 | cut -d/ -f5)
ip netns exec l2h2 iperf3 -s -1 -B 10.79.0.2 >/dev/null 2>&1 & sp=$!
sleep 0.5
ip netns exec l2h1 iperf3 -c 10.79.0.2 -t 4 -J > "$out/iperf.json" &
ip=$!
sleep 0.5
perf record -o "$out/perf.data" -t "$tid" -- sleep 3 2>/dev/null
wait $ip
kill $pid; wait $pid; kill $sp 2>/dev/null
"$dir/topo.sh" down
jq -r '"gbps=\(.end.sum_received.bits_per_second/1e9) retr=\(.end.sum_sent.retransmits)"' "$out/iperf.json"
