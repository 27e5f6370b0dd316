PSWITCH=bench-results/latency/warmup/pswitch-scaled
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
