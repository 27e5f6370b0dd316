# What a concurrent writer does to sync's commit cycle (BENCHMARKS.md, "Storage threads at nice -10, and
# what sync's commit tail is made of"). The drain's cycle: a 272 KiB O_DIRECT write at 512-aligned
# offsets + fdatasync into written blocks, 1500x, per MODE beside: alone; zeros (1 MiB O_DIRECT pieces
# back to back into a fallocated file, as SegmentPreparer wrote them); zeros-idle (the same at ioprio
# IDLE); zeros-paced (1 MiB, 4 ms pause); zeros-small-paced (128 KiB, 0.5 ms); zeros-small-250
# (128 KiB, 0.25 ms); buffered (32 MiB of buffered writes every 50 ms, like a build).
# Usage, as root, on the disk under test: python3 flushmix.py alone zeros zeros-small-250 ...
import os, mmap, time, threading, sys
d='/var/tmp/pswitch-flushmix'; os.makedirs(d,exist_ok=True)
p=d+'/seg'; fd=os.open(p,os.O_RDWR|os.O_CREAT|os.O_DIRECT); z=mmap.mmap(-1,1<<20)
for o in range(0,64<<20,1<<20): os.pwrite(fd,z,o)
os.fdatasync(fd)
N=272*1024; b=mmap.mmap(-1,N); b.write(b'y'*N)
stop=threading.Event()
import ctypes
libc=ctypes.CDLL(None,use_errno=True)
def zeros(idle=False, pause=0.0, piece=1<<20):
    if idle:
        # ioprio_set(IOPRIO_WHO_PROCESS, this thread, IOPRIO_CLASS_IDLE << 13)
        r=libc.syscall(251,1,threading.get_native_id(),3<<13)
        assert r==0, ctypes.get_errno()
    q=d+'/spare'; f=os.open(q,os.O_RDWR|os.O_CREAT|os.O_DIRECT)
    while not stop.is_set():
        os.posix_fallocate(f,0,64<<20)
        for o in range(0,64<<20,piece):
            if stop.is_set(): break
            os.pwrite(f,memoryview(z)[:piece],o)
            if pause: time.sleep(pause)
        os.fdatasync(f); os.ftruncate(f,0)
    os.close(f); os.unlink(q)
def buffered():
    q=d+'/build'; data=b'x'*(4<<20)
    while not stop.is_set():
        f=os.open(q,os.O_WRONLY|os.O_CREAT|os.O_TRUNC)
        for i in range(8): os.write(f,data)
        os.close(f); time.sleep(0.05)
    os.unlink(q)
for mode in sys.argv[1:]:
    stop.clear(); t=None
    if mode!='alone':
        tgt={'zeros':zeros,'buffered':buffered,'zeros-idle':lambda: zeros(idle=True),
             'zeros-paced':lambda: zeros(pause=0.004),'zeros-small-paced':lambda: zeros(pause=0.0005,piece=128<<10),'zeros-small-250':lambda: zeros(pause=0.00025,piece=128<<10)}[mode]
        t=threading.Thread(target=tgt); t.start(); time.sleep(0.2)
    lat=[]; off=0
    for i in range(1500):
        a=time.perf_counter(); os.pwrite(fd,b,off); os.fdatasync(fd); lat.append(time.perf_counter()-a)
        off=(off+N+512)%((64<<20)-N-4096); off-=off%512
    stop.set()
    if t: t.join()
    lat.sort(); n=len(lat)
    print('%-9s write 272 KiB + fdatasync: p50 %.0f p90 %.0f p99 %.0f p99.9 %.0f max %.0f us'%((mode,)+tuple(lat[int(n*q)]*1e6 for q in (.5,.9,.99,.999))+(lat[-1]*1e6,)))
os.close(fd); os.unlink(p)
