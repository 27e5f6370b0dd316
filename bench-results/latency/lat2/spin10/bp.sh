# shellcheck shell=bash disable=SC2034
PSWITCH=/tmp/lat2-b/pswitch
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
