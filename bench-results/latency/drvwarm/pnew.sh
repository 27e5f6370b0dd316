# DUT plugin for ../shared/bench/peers.sh: pswitch afpacket, h-drvwarm: data-plane and driver warm-up
PSWITCH=/work/wt-drvwarm/pswitch
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
