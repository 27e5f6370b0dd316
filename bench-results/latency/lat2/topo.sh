#!/usr/bin/env bash
# A private two-host copy of the harness's topology (names l2…), for perf on the switch's ping path.
#   topo.sh up | down
set -u
case "$1" in
up)
  for i in 1 2; do
    ip netns add l2h$i
    ip link add l2s$i type veth peer name eth0 netns l2h$i
    ip -n l2h$i addr add 10.79.0.$i/24 dev eth0
    ip -n l2h$i link set eth0 up; ip -n l2h$i link set lo up
    ip link set l2s$i up
    for d in l2s$i; do ethtool -K $d tx off tso off gso off gro off >/dev/null 2>&1; done
    ip netns exec l2h$i ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
  done ;;
down)
  for i in 1 2; do ip link del l2s$i 2>/dev/null; ip netns del l2h$i 2>/dev/null; done ;;
esac
