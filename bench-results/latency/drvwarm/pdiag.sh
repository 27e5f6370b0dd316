# DUT plugin: pswitch afpacket of h-drvwarm under -XX:+PrintCompilation -Xlog:deoptimization=debug (run with KEEP_WORK=1)
PSWITCH=/work/wt-drvwarm/bench-results/latency/drvwarm/pswitch-diag
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
