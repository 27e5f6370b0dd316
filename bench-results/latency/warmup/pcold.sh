PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10 --warmup none"
source /work/shared/bench/dut-pswitch.sh
