# shellcheck shell=bash disable=SC2034
PSWITCH=/tmp/lat2-b2/pswitch
PSWITCH_DRIVER=afxdp
PSWITCH_ARGS="--idle auto --rt-priority 10 --ring-size 4096"
source /work/shared/bench/dut-pswitch.sh
