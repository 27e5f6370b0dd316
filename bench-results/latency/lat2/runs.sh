#!/usr/bin/env bash
# The A/B runs of this section: three harness runs, DUT order rotated, each under both locks.
# From this directory: ./runs.sh FIRST LAST
cd "$(dirname "$0")"
orders=(
  "linuxbr ax=ax.sh bx=bx.sh ap=ap.sh bp=bp.sh ax2=ax2.sh bx2=bx2.sh bx4k=bx4k.sh"
  "bx=bx.sh bp=bp.sh bx2=bx2.sh bx4k=bx4k.sh linuxbr ax=ax.sh ap=ap.sh ax2=ax2.sh"
  "ap=ap.sh ax2=ax2.sh bx4k=bx4k.sh bx=bx.sh linuxbr bp=bp.sh ax=ax.sh bx2=bx2.sh"
  "bx2=bx2.sh ax=ax.sh linuxbr bp=bp.sh ap=ap.sh bx4k=bx4k.sh bx=bx.sh ax2=ax2.sh"
  "ax2=ax2.sh bp=bp.sh bx=bx.sh ap=ap.sh bx2=bx2.sh ax=ax.sh bx4k=bx4k.sh linuxbr"
)
for n in $(seq "$1" "$2"); do
  # shellcheck disable=SC2086
  flock /tmp/pswitch-netns.lock flock /tmp/pswitch-bench.lock env DURATION=3 WARMUP=2 TESTS="ping iperf" \
    /work/shared/bench/peers.sh -o "run$n.json" ${orders[$(( (n - 1) % 5 ))]} > "run$n.out" 2>&1
  echo "run $n: load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M)" | tee -a loads.txt
done
