# shellcheck shell=bash disable=SC2034
PSWITCH=/work/wt-lat2-a/pswitch
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
