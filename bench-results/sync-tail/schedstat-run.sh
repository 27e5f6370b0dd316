#!/bin/bash
# usage: schedstat-run.sh <worktree> <outdir> <durability>: per-thread CPU and run-queue wait (/proc schedstat)
# over 2 s of the zero-copy case of bench --log (1 KiB, 100 %, disk); BENCHMARKS.md "Storage threads at nice -10".
WT=$1; OUT=$2; DUR=$3; mkdir -p $OUT
cd $WT
./pswitch bench --log --sizes 1024 --match 100 --storage disk --durability $DUR --repeat 1 --duration 5s --warmup 1s > $OUT/bench.txt 2>&1 &
B=$!
for i in $(seq 1 900); do
  D=$(grep -l '^pswitch-drain$' /proc/[0-9]*/task/*/comm 2>/dev/null | head -1)
  [ -n "$D" ] && break; sleep 0.1
done
PID=$(echo $D | cut -d/ -f3)
sleep 2
snap() { for t in /proc/$PID/task/*; do echo "$(basename $t) $(cat $t/comm | tr ' ' _) $(cat $t/schedstat) $(awk '{print $19}' $t/stat) $(grep -E '^(non)?voluntary' $t/status | awk '{print $2}' | tr '\n' ' ')"; done; }
snap > $OUT/s0.txt; date +%s.%N > $OUT/t0; sleep 2; snap > $OUT/s1.txt; date +%s.%N > $OUT/t1
wait $B
python3 - $OUT <<'PY'
import sys
o=sys.argv[1]
def rd(f):
    r={}
    for l in open(f):
        p=l.split()
        if len(p)>=5: r[p[0]]=(p[1],int(p[2]),int(p[3]),int(p[4]),p[5] if len(p)>5 else '?', [int(x) for x in p[6:8]] if len(p)>7 else [0,0])
    return r
a=rd(o+'/s0.txt'); b=rd(o+'/s1.txt'); T=(float(open(o+'/t1').read())-float(open(o+'/t0').read()))*1e9
for k in b:
    if k in a:
        n,c1,w1,s1,nice,cs1=b[k]; _,c0,w0,s0,_,cs0=a[k]
        if (c1-c0)/T>0.005 or (w1-w0)/T>0.005:
            print('%-26s nice %3s  on CPU %5.1f %%  run-queue wait %5.1f %%  slices %6d  vol/invol cs %6d/%6d'%(n,nice,100*(c1-c0)/T,100*(w1-w0)/T,s1-s0,cs1[0]-cs0[0],cs1[1]-cs0[1]))
PY
