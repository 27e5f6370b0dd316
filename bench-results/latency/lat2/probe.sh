#!/usr/bin/env bash
# probe.sh SWITCH_ROOT DRIVER OUTDIR [extra run args...]: starts the switch on l2s1 l2s2, pings 300x
# at 10 ms under `perf sched record`, keeps the ping output and the perf data. Run under the netns lock.
set -u
root=$1 drv=$2 out=$3; shift 3
mkdir -p "$out"
dir=$(dirname "$0")
"$dir/topo.sh" down; "$dir/topo.sh" up
rm -rf /dev/shm/l2-probe
"$root/pswitch" run --quiet --api 127.0.0.1:18791 --data-dir /dev/shm/l2-probe --port p1=$drv:l2s1 --port p2=$drv:l2s2 "$@" >"$out/switch.log" 2>&1 &
pid=$!
for k in $(seq 1 100); do curl -sf http://127.0.0.1:18791/healthz >/dev/null && break; sleep 0.2; done
ip netns exec l2h1 ping -c 20 -i 0.05 -q 10.79.0.2 >/dev/null
perf sched record -o "$out/sched.data" -- ip netns exec l2h1 ping -n -c 300 -i 0.01 10.79.0.2 >"$out/ping.txt" 2>"$out/perf.err"
curl -s http://127.0.0.1:18791/metrics > "$out/metrics.txt"
for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(cat $t/schedstat) $(awk '{print $39}' $t/stat)"; done > "$out/schedstat.txt"
kill $pid; wait $pid
"$dir/topo.sh" down
grep -o 'time=[0-9.]*' "$out/ping.txt" | cut -d= -f2 | sort -g | awk '{v[NR]=$1*1000} END {printf "n=%d p50=%.0f p90=%.0f p99=%.0f max=%.0f\n", NR, v[int(NR*0.5)], v[int(NR*0.9)], v[int(NR*0.99)], v[NR]}'
