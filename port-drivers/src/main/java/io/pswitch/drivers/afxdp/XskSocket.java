package io.pswitch.drivers.afxdp;

import static io.pswitch.drivers.afxdp.XskDescriptor.ADDR_SIZE;
import static io.pswitch.drivers.afxdp.XskDescriptor.DESC_SIZE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One AF_XDP socket bound to one queue of one interface, with its UMEM and its four mapped rings.
 *
 * <p>The UMEM is whatever memory the caller gives: the port gives the buffer pool's own mapping, so
 * the kernel writes received frames straight into pool buffers and reads transmitted frames from
 * them. Registration pins those pages for as long as the socket lives; closing the socket unpins
 * them (and unbinds the queue, after which the kernel touches none of the UMEM).
 */
final class XskSocket implements AutoCloseable {
    private static final int BIND_RETRIES = 100;
    private static final long BIND_RETRY_MS = 10;
    private final LinuxCalls calls;
    private final int fd;
    private final XskRing fill;
    private final XskRing completion;
    private final XskRing rx;
    private final XskRing tx;
    private final boolean zeroCopy;
    private final MemorySegment stats;
    private final MemorySegment statsLength;
    private boolean closed;

    private XskSocket(LinuxCalls calls, int fd, XskRing fill, XskRing completion, XskRing rx, XskRing tx, boolean zeroCopy,
            Arena arena) {
        this.calls = calls;
        this.fd = fd;
        this.fill = fill;
        this.completion = completion;
        this.rx = rx;
        this.tx = tx;
        this.zeroCopy = zeroCopy;
        this.stats = arena.allocate(XskDescriptor.STATS_SIZE, 8);
        this.statsLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * Creates the socket, registers {@code umem} in unaligned-chunk mode, sizes and maps the rings
     * ({@code ringSize} entries each) and binds to {@code ifindex}/{@code queue}.
     *
     * @param bindFlags XDP_COPY, XDP_ZEROCOPY or neither (the kernel picks), XDP_USE_NEED_WAKEUP is added
     * @throws XskFailure with the one-line reason
     */
    static XskSocket open(LinuxCalls calls, Arena arena, int ifindex, int queue, MemorySegment umem, int chunkSize,
            int ringSize, int bindFlags) {
        int fd = calls.socket(LinuxCalls.AF_XDP, LinuxCalls.SOCK_RAW | LinuxCalls.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int e = calls.errno();
            if (e == LinuxCalls.EPERM || e == LinuxCalls.EACCES) {
                throw new XskFailure("no privilege to open an AF_XDP socket (run as root, or with CAP_NET_RAW, CAP_BPF and CAP_NET_ADMIN)");
            }
            if (e == LinuxCalls.EAFNOSUPPORT) {
                throw new XskFailure("this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)");
            }
            throw new XskFailure("cannot open an AF_XDP socket: " + LinuxCalls.strerror(e));
        }
        long[] maps = new long[8];
        try {
            registerUmem(calls, arena, fd, umem, chunkSize);
            setRingSize(calls, arena, fd, XskDescriptor.XDP_UMEM_FILL_RING, ringSize, "fill");
            setRingSize(calls, arena, fd, XskDescriptor.XDP_UMEM_COMPLETION_RING, ringSize, "completion");
            setRingSize(calls, arena, fd, XskDescriptor.XDP_RX_RING, ringSize, "RX");
            setRingSize(calls, arena, fd, XskDescriptor.XDP_TX_RING, ringSize, "TX");
            MemorySegment off = arena.allocate(XskDescriptor.MMAP_OFFSETS_SIZE, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, XskDescriptor.MMAP_OFFSETS_SIZE);
            if (calls.getsockopt(fd, LinuxCalls.SOL_XDP, XskDescriptor.XDP_MMAP_OFFSETS, off, len) != 0) {
                throw new XskFailure("cannot read the AF_XDP ring offsets: " + calls.lastError());
            }
            if (len.get(ValueLayout.JAVA_INT, 0) < XskDescriptor.MMAP_OFFSETS_SIZE) {
                throw new XskFailure("this kernel's AF_XDP rings have no flags word (need-wakeup): kernel 5.4 or later is needed");
            }
            XskRing fill = map(calls, fd, off, XskDescriptor.MMAP_FILL, ringSize, ADDR_SIZE, true,
                    XskDescriptor.XDP_UMEM_PGOFF_FILL_RING, maps, 0);
            XskRing completion = map(calls, fd, off, XskDescriptor.MMAP_COMPLETION, ringSize, ADDR_SIZE, false,
                    XskDescriptor.XDP_UMEM_PGOFF_COMPLETION_RING, maps, 2);
            XskRing rx = map(calls, fd, off, XskDescriptor.MMAP_RX, ringSize, DESC_SIZE, false,
                    XskDescriptor.XDP_PGOFF_RX_RING, maps, 4);
            XskRing tx = map(calls, fd, off, XskDescriptor.MMAP_TX, ringSize, DESC_SIZE, true,
                    XskDescriptor.XDP_PGOFF_TX_RING, maps, 6);
            bind(calls, arena, fd, ifindex, queue, bindFlags);
            return new XskSocket(calls, fd, fill, completion, rx, tx, zeroCopyBound(calls, arena, fd), arena);
        } catch (RuntimeException e) {
            for (int i = 0; i < maps.length; i += 2) {
                if (maps[i] != 0) {
                    calls.munmap(maps[i], maps[i + 1]);
                }
            }
            calls.close(fd);
            throw e;
        }
    }

    private static void registerUmem(LinuxCalls calls, Arena arena, int fd, MemorySegment umem, int chunkSize) {
        MemorySegment reg = arena.allocate(XskDescriptor.UMEM_REG_SIZE, 8);
        reg.set(ValueLayout.JAVA_LONG, XskDescriptor.UMEM_REG_ADDR, umem.address());
        reg.set(ValueLayout.JAVA_LONG, XskDescriptor.UMEM_REG_LEN, umem.byteSize());
        reg.set(ValueLayout.JAVA_INT, XskDescriptor.UMEM_REG_CHUNK_SIZE, chunkSize);
        reg.set(ValueLayout.JAVA_INT, XskDescriptor.UMEM_REG_HEADROOM, 0);
        reg.set(ValueLayout.JAVA_INT, XskDescriptor.UMEM_REG_FLAGS, XskDescriptor.XDP_UMEM_UNALIGNED_CHUNK_FLAG);
        if (calls.setsockopt(fd, LinuxCalls.SOL_XDP, XskDescriptor.XDP_UMEM_REG, reg, XskDescriptor.UMEM_REG_SIZE) != 0) {
            int e = calls.errno();
            String why = switch (e) {
                case LinuxCalls.ENOMEM, LinuxCalls.EPERM, LinuxCalls.ENOBUFS ->
                        " (RLIMIT_MEMLOCK too low for " + umem.byteSize() + " bytes? raise it, e.g. ulimit -l unlimited, or run as root)";
                case LinuxCalls.EOPNOTSUPP, 14 /* EFAULT */ ->
                        " (the kernel cannot pin the pool's pages: the pool must live in memory, tmpfs or hugetlbfs)";
                default -> "";
            };
            throw new XskFailure("UMEM registration refused: " + LinuxCalls.strerror(e) + why);
        }
    }

    private static void setRingSize(LinuxCalls calls, Arena arena, int fd, int option, int size, String what) {
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, size);
        if (calls.setsockopt(fd, LinuxCalls.SOL_XDP, option, v, 4) != 0) {
            throw new XskFailure("cannot size the AF_XDP " + what + " ring to " + size + ": " + calls.lastError());
        }
    }

    private static XskRing map(LinuxCalls calls, int fd, MemorySegment off, int base, int size, int entrySize,
            boolean producerSide, long pgoff, long[] maps, int at) {
        long length = XskRing.mapLength(off, base, size, entrySize);
        long addr = calls.mmap(length, fd, pgoff);
        if (addr == -1L) {
            throw new XskFailure("cannot map an AF_XDP ring: " + calls.lastError());
        }
        maps[at] = addr;
        maps[at + 1] = length;
        return new XskRing(off, base, addr, length, size, entrySize, producerSide);
    }

    private static void bind(LinuxCalls calls, Arena arena, int fd, int ifindex, int queue, int bindFlags) {
        MemorySegment sa = arena.allocate(XskDescriptor.SOCKADDR_SIZE, 4);
        sa.set(ValueLayout.JAVA_SHORT, XskDescriptor.SOCKADDR_FAMILY, (short) LinuxCalls.AF_XDP);
        sa.set(ValueLayout.JAVA_SHORT, XskDescriptor.SOCKADDR_FLAGS, (short) (bindFlags | XskDescriptor.XDP_USE_NEED_WAKEUP));
        sa.set(ValueLayout.JAVA_INT, XskDescriptor.SOCKADDR_IFINDEX, ifindex);
        sa.set(ValueLayout.JAVA_INT, XskDescriptor.SOCKADDR_QUEUE_ID, queue);
        int r = calls.bind(fd, sa, XskDescriptor.SOCKADDR_SIZE);
        // A socket closed a moment ago (this process's previous port, or a killed process's) keeps
        // the queue until a deferred kernel work item releases its buffer pool: wait a little for it.
        for (int tries = 0; r != 0 && calls.errno() == LinuxCalls.EBUSY && tries < BIND_RETRIES; tries++) {
            try {
                Thread.sleep(BIND_RETRY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            r = calls.bind(fd, sa, XskDescriptor.SOCKADDR_SIZE);
        }
        if (r != 0) {
            int e = calls.errno();
            boolean zc = (bindFlags & XskDescriptor.XDP_ZEROCOPY) != 0;
            if (e == LinuxCalls.EBUSY) {
                throw new XskFailure("queue " + queue + " is in use by another AF_XDP socket");
            }
            if (zc && (e == LinuxCalls.EOPNOTSUPP || e == LinuxCalls.EINVAL)) {
                throw new XskFailure("zero-copy refused: the interface's driver has no zero-copy AF_XDP support ("
                        + LinuxCalls.strerror(e) + "); use zerocopy=auto or off");
            }
            if (e == LinuxCalls.EINVAL) {
                throw new XskFailure("cannot bind to queue " + queue + ": " + LinuxCalls.strerror(e)
                        + " (does the interface have that many queues? see ethtool -l)");
            }
            throw new XskFailure("cannot bind to queue " + queue + ": " + LinuxCalls.strerror(e));
        }
    }

    private static boolean zeroCopyBound(LinuxCalls calls, Arena arena, int fd) {
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        if (calls.getsockopt(fd, LinuxCalls.SOL_XDP, XskDescriptor.XDP_OPTIONS, v, len) != 0) {
            return false;
        }
        return (v.get(ValueLayout.JAVA_INT, 0) & XskDescriptor.XDP_OPTIONS_ZEROCOPY) != 0;
    }

    int fd() {
        return fd;
    }

    XskRing fill() {
        return fill;
    }

    XskRing completion() {
        return completion;
    }

    XskRing rx() {
        return rx;
    }

    XskRing tx() {
        return tx;
    }

    /** Whether the kernel bound the socket in zero-copy mode (the NIC DMAs into the UMEM). */
    boolean zeroCopy() {
        return zeroCopy;
    }

    /** Kicks the kernel to process the TX ring; returns 0 or the errno of a failure that matters. */
    int kickTx() {
        if (calls.kickTx(fd) >= 0) {
            return 0;
        }
        int e = calls.errno();
        // EAGAIN/EBUSY/ENOBUFS: the kernel stopped after a budget or the device queue is full; the next kick goes on.
        return e == LinuxCalls.EAGAIN || e == LinuxCalls.EBUSY || e == LinuxCalls.ENOBUFS ? 0 : e;
    }

    /** Wakes a driver that sleeps until the fill ring is refilled. */
    void kickRx() {
        calls.kickRx(fd);
    }

    /** An empty non-blocking receive: 0, or its errno (ENXIO once the interface is gone and the socket unbound). */
    int probe() {
        return calls.kickRx(fd) >= 0 ? 0 : calls.errno();
    }

    /**
     * Reads XDP_STATISTICS into a pre-made segment; false when the kernel refused (the caller keeps
     * the previous values). Cold: called at most every few milliseconds.
     */
    boolean readStatistics() {
        statsLength.set(ValueLayout.JAVA_INT, 0, XskDescriptor.STATS_SIZE);
        return calls.getsockopt(fd, LinuxCalls.SOL_XDP, XskDescriptor.XDP_STATISTICS, stats, statsLength) == 0;
    }

    long statistic(int offset) {
        return stats.get(ValueLayout.JAVA_LONG, offset);
    }

    String errorText(int errno) {
        return LinuxCalls.strerror(errno);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        XskRing[] rings = {fill, completion, rx, tx};
        for (XskRing r : rings) {
            calls.munmap(r.mapAddress(), r.mapLength());
        }
        calls.close(fd);
    }
}
