# DUT plugin for ../shared/bench/peers.sh: pswitch afpacket, b6ec6c3 (/work/main build): data-plane warm-up only
PSWITCH=/work/main/pswitch
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
