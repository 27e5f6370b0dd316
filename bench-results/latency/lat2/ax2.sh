# shellcheck shell=bash disable=SC2034
PSWITCH=/work/wt-lat2-a/pswitch
PSWITCH_DRIVER=afxdp
PSWITCH_ARGS="--idle wait --rt-priority 10 --workers 2"
source /work/shared/bench/dut-pswitch.sh
