PSWITCH=/work/wt-lat-a/pswitch  # main (9dbd536), built in a detached worktree
PSWITCH_DRIVER=afpacket
PSWITCH_ARGS="--idle wait --rt-priority 10"
source /work/shared/bench/dut-pswitch.sh
