package io.pswitch.drivers.afpacket;

import static io.pswitch.drivers.afpacket.Libc.errno;
import static io.pswitch.drivers.afpacket.Libc.strerror;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.pswitch.dataplane.port.PortOpenException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * One {@code AF_PACKET} socket bound to one interface, with its receive ring ({@code TPACKET_V3},
 * or {@code TPACKET_V2} when asked) mapped and a pre-built {@code sendmmsg} vector for transmit.
 *
 * <p>Opening sets, in this order: the ring version; {@code PACKET_QDISC_BYPASS} (a transmitted
 * frame goes straight to the driver, no qdisc); {@code PACKET_IGNORE_OUTGOING} (frames sent on the
 * interface, by this socket or the host, never enter the receive ring); the receive ring and its
 * mapping; the bind to the interface index for every protocol; promiscuous membership (dropped by
 * the kernel when the socket closes); the fanout group if asked. The socket is non-blocking.
 * Each refusal is one {@link PortOpenException} line naming the interface and the reason.
 *
 * <p>The socket is created with protocol 0, so nothing is queued to it before the ring exists and
 * the bind names the protocol.
 */
final class PacketSocket implements AutoCloseable {
    /**
     * The kernel retires a receive block to user space when it is full or when this many
     * milliseconds have passed since it was opened; 1 is the least it takes (0 means "the kernel
     * picks", which is up to 8 ms). This bounds the latency a lightly loaded port adds.
     */
    static final int RETIRE_BLOCK_MS = 1;
    /** Room in a frame for the Ethernet header and one VLAN tag beyond the MTU. */
    static final int L2_OVERHEAD = 18;
    private static final int IFNAMSIZ = 16;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final int IFF_UP = 1;
    /** V3 frame size: the kernel only checks it (frames are packed in blocks); V2 sizes its slots by {@link #v2FrameSize}. */
    private static final int TPACKET_FRAME_SIZE = 2048;
    /** Room before the frame in a V2 slot: tpacket2_hdr, sockaddr_ll and alignment (the kernel's macoff). */
    private static final int V2_HEADROOM = 128;
    private static final int TPACKET_ALIGNMENT = 16;

    private final String label;
    private final String iface;
    private final int ifindex;
    private final Arena arena;
    private final int fd;
    private final long ringAddress;
    private final long ringBytes;
    private final int blockSize;
    private final int blockCount;
    private final int version;
    private final int frameSize;
    private final MemorySegment callState;
    private final MemorySegment intValue;
    private final MemorySegment optLen;
    private final MemorySegment stats;
    private final MemorySegment mmsg;
    private final MemorySegment iov;
    private final int sendBatch;
    private boolean closed;

    private PacketSocket(String label, String iface, int ifindex, Arena arena, int fd, long ringAddress,
            int blockSize, int blockCount, int version, int frameSize, MemorySegment callState, int sendBatch) {
        this.label = label;
        this.iface = iface;
        this.ifindex = ifindex;
        this.arena = arena;
        this.fd = fd;
        this.ringAddress = ringAddress;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.version = version;
        this.frameSize = frameSize;
        this.ringBytes = (long) blockSize * blockCount;
        this.callState = callState;
        this.intValue = arena.allocate(JAVA_INT);
        this.optLen = arena.allocate(JAVA_INT);
        this.stats = arena.allocate(TpacketDescriptor.STATS_V3_SIZE, 8);
        this.sendBatch = sendBatch;
        this.mmsg = arena.allocate((long) TpacketDescriptor.MMSGHDR_SIZE * sendBatch, 64);
        this.iov = arena.allocate((long) TpacketDescriptor.IOVEC_SIZE * sendBatch, 16);
        // Each message carries one frame in one iovec; only the iovec's base and length change per send.
        for (int i = 0; i < sendBatch; i++) {
            long m = (long) i * TpacketDescriptor.MMSGHDR_SIZE;
            mmsg.set(JAVA_LONG, m + TpacketDescriptor.MSG_IOV, iov.address() + (long) i * TpacketDescriptor.IOVEC_SIZE);
            mmsg.set(JAVA_LONG, m + TpacketDescriptor.MSG_IOVLEN, 1);
        }
    }

    /**
     * Opens the socket on {@code iface}.
     *
     * @param ringBytes the receive ring's size, a multiple of {@code blockSize}
     * @param blockSize bytes per receive block, a power of two of at least a page
     * @param bufferSize the pool's buffer size: an interface whose frames cannot fit one is refused
     * @param fanout {@code PACKET_FANOUT}'s argument (group id | mode &lt;&lt; 16), or -1 for none
     * @param sendBatch the most frames one {@link #send} takes
     * @param version {@link Libc#TPACKET_V3} or {@link Libc#TPACKET_V2}
     */
    static PacketSocket open(String label, String iface, long ringBytes, int blockSize, int bufferSize, int fanout,
            int sendBatch, int version) {
        checkInterfaceName(label, iface);
        Arena arena = Arena.ofShared();
        MemorySegment cs = arena.allocate(Libc.CALL_STATE);
        int fd = -1;
        long ring = 0;
        long ringLength = ringBytes;
        boolean ok = false;
        try {
            fd = (int) Libc.SOCKET.invokeExact(cs, Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                int e = errno(cs);
                throw new PortOpenException(label + ": " + (e == Libc.EPERM || e == Libc.EACCES
                        ? "CAP_NET_RAW is needed (run as root or grant it)"
                        : "cannot open an AF_PACKET socket: " + strerror(e)));
            }
            int ifindex = (int) Libc.IF_NAMETOINDEX.invokeExact(cs, arena.allocateFrom(iface));
            if (ifindex == 0) {
                throw new PortOpenException(label + ": no such interface");
            }
            checkInterface(label, iface, arena, cs, fd, bufferSize);
            setInt(label, arena, cs, fd, Libc.PACKET_VERSION, version,
                    "PACKET_VERSION " + (version == Libc.TPACKET_V3 ? "TPACKET_V3" : "TPACKET_V2"));
            setInt(label, arena, cs, fd, Libc.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            setInt(label, arena, cs, fd, Libc.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            int blocks = (int) (ringBytes / blockSize);
            MemorySegment req = arena.allocate(TpacketDescriptor.REQ3_SIZE, 4);
            req.set(JAVA_INT, TpacketDescriptor.REQ3_BLOCK_SIZE, blockSize);
            req.set(JAVA_INT, TpacketDescriptor.REQ3_BLOCK_NR, blocks);
            int frameSize = version == Libc.TPACKET_V3 ? TPACKET_FRAME_SIZE : v2FrameSize(bufferSize);
            req.set(JAVA_INT, TpacketDescriptor.REQ3_FRAME_SIZE, frameSize);
            req.set(JAVA_INT, TpacketDescriptor.REQ3_FRAME_NR, blockSize / frameSize * blocks);
            // V2 reads only the first four fields (struct tpacket_req).
            req.set(JAVA_INT, TpacketDescriptor.REQ3_RETIRE_BLK_TOV, version == Libc.TPACKET_V3 ? RETIRE_BLOCK_MS : 0);
            setOpt(label, cs, fd, Libc.SOL_PACKET, Libc.PACKET_RX_RING, req, TpacketDescriptor.REQ3_SIZE,
                    "PACKET_RX_RING (" + blocks + " blocks of " + blockSize + " bytes)");
            ringLength = (long) blockSize * blocks;
            long addr = (long) Libc.MMAP.invokeExact(cs, 0L, ringLength, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_SHARED, fd, 0L);
            if (addr == -1L) {
                throw new PortOpenException(label + ": cannot map the receive ring (" + ringLength + " bytes): "
                        + strerror(errno(cs)));
            }
            ring = addr;
            MemorySegment sll = arena.allocate(TpacketDescriptor.SOCKADDR_LL_SIZE, 4);
            sll.set(JAVA_SHORT, TpacketDescriptor.SLL_FAMILY, (short) Libc.AF_PACKET);
            sll.set(JAVA_SHORT, TpacketDescriptor.SLL_PROTOCOL, Libc.ETH_P_ALL_BE);
            sll.set(JAVA_INT, TpacketDescriptor.SLL_IFINDEX, ifindex);
            if ((int) Libc.BIND.invokeExact(cs, fd, sll, TpacketDescriptor.SOCKADDR_LL_SIZE) != 0) {
                throw new PortOpenException(label + ": cannot bind to the interface: " + strerror(errno(cs)));
            }
            MemorySegment mreq = arena.allocate(TpacketDescriptor.PACKET_MREQ_SIZE, 4);
            mreq.set(JAVA_INT, TpacketDescriptor.MREQ_IFINDEX, ifindex);
            mreq.set(JAVA_SHORT, TpacketDescriptor.MREQ_TYPE, (short) Libc.PACKET_MR_PROMISC);
            setOpt(label, cs, fd, Libc.SOL_PACKET, Libc.PACKET_ADD_MEMBERSHIP, mreq, TpacketDescriptor.PACKET_MREQ_SIZE,
                    "PACKET_ADD_MEMBERSHIP (promiscuous mode)");
            if (fanout >= 0) {
                setInt(label, arena, cs, fd, Libc.PACKET_FANOUT, fanout,
                        "PACKET_FANOUT (group " + (fanout & 0xffff) + ", mode " + (fanout >>> 16) + ")");
            }
            PacketSocket socket = new PacketSocket(label, iface, ifindex, arena, fd, ring, blockSize, blocks, version,
                    frameSize, cs, sendBatch);
            ok = true;
            return socket;
        } catch (PortOpenException e) {
            throw e;
        } catch (Throwable t) {
            throw new PortOpenException(label + ": a C library call failed: " + t, t);
        } finally {
            if (!ok) {
                release(cs, ring, ringLength, fd);
                arena.close();
            }
        }
    }

    /**
     * A V2 slot: the headroom and a full pool buffer, rounded up to the kernel's 16-byte
     * {@code TPACKET_ALIGNMENT} only. Not to a power of two: 2,176 bytes for 2 KiB buffers instead
     * of 4,096 puts 60 slots in a 128 KiB block instead of 32, so the same ring absorbs almost twice
     * the burst (a TCP window arriving while the dataplane thread is not running) before the kernel
     * drops; the slots simply stop short of each block's end ({@link TpacketV2Rx}).
     */
    static int v2FrameSize(int bufferSize) {
        return (bufferSize + V2_HEADROOM + TPACKET_ALIGNMENT - 1) & -TPACKET_ALIGNMENT;
    }

    private static void checkInterfaceName(String label, String iface) {
        if (iface.isEmpty() || iface.length() >= IFNAMSIZ) {
            throw new PortOpenException(label + ": interface name must be 1-" + (IFNAMSIZ - 1) + " characters");
        }
        for (int i = 0; i < iface.length(); i++) {
            char c = iface.charAt(i);
            if (c <= ' ' || c == '/' || c >= 0x7f) {
                throw new PortOpenException(label + ": interface name has a character an interface name cannot have");
            }
        }
    }

    /** Ethernet, up, and an MTU whose frames fit a pool buffer. */
    private static void checkInterface(String label, String iface, Arena arena, MemorySegment cs, int fd,
            int bufferSize) throws Throwable {
        MemorySegment ifr = ifreq(arena, iface);
        ioctl(label, cs, fd, Libc.SIOCGIFHWADDR, ifr, "SIOCGIFHWADDR");
        int hwType = Short.toUnsignedInt(ifr.get(JAVA_SHORT, TpacketDescriptor.IFR_UNION));
        if (hwType != Libc.ARPHRD_ETHER) {
            throw new PortOpenException(label + ": link type " + hwType
                    + " is not Ethernet (ARPHRD_ETHER): the switch forwards Ethernet frames only");
        }
        ifr = ifreq(arena, iface);
        ioctl(label, cs, fd, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
        if ((ifr.get(JAVA_SHORT, TpacketDescriptor.IFR_UNION) & IFF_UP) == 0) {
            throw new PortOpenException(label + ": interface is down (ip link set " + iface + " up)");
        }
        ifr = ifreq(arena, iface);
        ioctl(label, cs, fd, Libc.SIOCGIFMTU, ifr, "SIOCGIFMTU");
        int mtu = ifr.get(JAVA_INT, TpacketDescriptor.IFR_UNION);
        if ((long) mtu + L2_OVERHEAD > bufferSize) {
            throw new PortOpenException(label + ": MTU " + mtu + " is larger than the pool buffer holds (frames up to "
                    + (mtu + L2_OVERHEAD) + " bytes, buffers of " + bufferSize
                    + " bytes): lower the MTU or raise --buffer-size");
        }
    }

    private static MemorySegment ifreq(Arena arena, String iface) {
        MemorySegment ifr = arena.allocate(TpacketDescriptor.IFREQ_SIZE, 8);
        byte[] name = iface.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(name, 0, ifr, JAVA_BYTE, 0, name.length);
        return ifr;
    }

    private static void ioctl(String label, MemorySegment cs, int fd, long request, MemorySegment ifr, String what)
            throws Throwable {
        if ((int) Libc.IOCTL.invokeExact(cs, fd, request, ifr) != 0) {
            int e = errno(cs);
            throw new PortOpenException(label + ": " + (e == Libc.ENODEV ? "no such interface"
                    : what + " failed: " + strerror(e)));
        }
    }

    private static void setInt(String label, Arena arena, MemorySegment cs, int fd, int option, int value, String what)
            throws Throwable {
        MemorySegment v = arena.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        setOpt(label, cs, fd, Libc.SOL_PACKET, option, v, 4, what);
    }

    private static void setOpt(String label, MemorySegment cs, int fd, int level, int option, MemorySegment value,
            int size, String what) throws Throwable {
        if ((int) Libc.SETSOCKOPT.invokeExact(cs, fd, level, option, value, size) != 0) {
            int e = errno(cs);
            throw new PortOpenException(label + ": the kernel refused socket option " + what + ": " + strerror(e)
                    + (e == Libc.EPERM ? " (CAP_NET_RAW is needed: run as root or grant it)" : ""));
        }
    }

    private static void release(MemorySegment cs, long ring, long ringLength, int fd) {
        try {
            if (ring != 0) {
                int ignored = (int) Libc.MUNMAP.invokeExact(cs, ring, ringLength);
            }
        } catch (Throwable ignored) {
            // Closing the descriptor below frees the ring's pages in any case.
        }
        try {
            if (fd >= 0) {
                int ignored = (int) Libc.CLOSE.invokeExact(cs, fd);
            }
        } catch (Throwable ignored) {
            // Nothing more can be done about a descriptor that does not close.
        }
    }

    /** The receive ring's mapping; valid until {@link #close}. */
    MemorySegment ring() {
        return MemorySegment.ofAddress(ringAddress).reinterpret(ringBytes);
    }

    int blockSize() {
        return blockSize;
    }

    int blockCount() {
        return blockCount;
    }

    int version() {
        return version;
    }

    int frameSize() {
        return frameSize;
    }

    /** V2: slots in the ring ({@code frames_per_block} times the blocks; a slot never crosses a block). */
    int frameCount() {
        return blockSize / frameSize * blockCount;
    }

    int sendBatch() {
        return sendBatch;
    }

    /** Puts frame {@code i} of the next {@link #send} at {@code address}, {@code length} bytes. */
    void frame(int i, long address, int length) {
        long v = (long) i * TpacketDescriptor.IOVEC_SIZE;
        iov.set(JAVA_LONG, v + TpacketDescriptor.IOV_BASE, address);
        iov.set(JAVA_LONG, v + TpacketDescriptor.IOV_LEN, length);
    }

    /**
     * Sends frames {@code 0..count-1} with one {@code sendmmsg}, never waiting. Returns how many
     * left (in order), or -1 with {@link #lastErrno()} telling why the first did not.
     */
    int send(int count) {
        try {
            return (int) Libc.SENDMMSG.invokeExact(callState, fd, mmsg.address(), count, Libc.MSG_DONTWAIT);
        } catch (Throwable t) {
            callState.set(JAVA_INT, Libc.ERRNO_OFFSET, 0);
            return -1;
        }
    }

    int lastErrno() {
        return errno(callState);
    }

    /**
     * Frames the kernel dropped since the last call, from {@code PACKET_STATISTICS} (which resets
     * them): a system call, so call it now and then, not per batch. -1 if the kernel would not say.
     */
    long takeDrops() {
        optLen.set(JAVA_INT, 0, TpacketDescriptor.STATS_V3_SIZE);
        try {
            if ((int) Libc.GETSOCKOPT.invokeExact(callState, fd, Libc.SOL_PACKET, Libc.PACKET_STATISTICS, stats,
                    optLen) != 0) {
                return -1;
            }
        } catch (Throwable t) {
            return -1;
        }
        return Integer.toUnsignedLong(stats.get(JAVA_INT, TpacketDescriptor.STATS_DROPS));
    }

    /** The socket's pending error ({@code SO_ERROR}, cleared by reading), 0 for none. */
    int takeSocketError() {
        optLen.set(JAVA_INT, 0, 4);
        try {
            if ((int) Libc.GETSOCKOPT.invokeExact(callState, fd, Libc.SOL_SOCKET, Libc.SO_ERROR, intValue, optLen) != 0) {
                return errno(callState);
            }
        } catch (Throwable t) {
            return 0;
        }
        return intValue.get(JAVA_INT, 0);
    }

    /** Whether the interface this socket was bound to still exists under its name and index (cold path). */
    boolean interfaceExists() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(Libc.CALL_STATE);
            return (int) Libc.IF_NAMETOINDEX.invokeExact(cs, a.allocateFrom(iface)) == ifindex;
        } catch (Throwable t) {
            return false;
        }
    }

    String label() {
        return label;
    }

    int ifindex() {
        return ifindex;
    }

    int fd() {
        return fd;
    }

    /** Unmaps the ring and closes the socket once; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        release(callState, ringAddress, ringBytes, fd);
        arena.close();
    }
}
