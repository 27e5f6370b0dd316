package io.pswitch.drivers.vxlan;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * A non-blocking IPv4 UDP socket reached through libc with the FFM API: {@code recvmmsg} and
 * {@code sendmmsg} move a whole batch per system call, which {@code DatagramChannel} cannot.
 *
 * <p>Calls return a count or {@code -errno}; they never throw on the data path. The errno capture
 * area belongs to the socket, so a sync call allocates nothing. One thread uses the data calls (the
 * dataplane thread that owns the port); open and close happen on the control thread before and after.
 */
final class UdpSocket implements AutoCloseable {
    static final int EINTR = 4;
    static final int EACCES = 13;
    static final int EAGAIN = 11;
    static final int EMSGSIZE = 90;
    static final int EADDRINUSE = 98;
    static final int EADDRNOTAVAIL = 99;
    static final int ENETUNREACH = 101;
    static final int ENOBUFS = 105;
    static final int EHOSTUNREACH = 113;

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUF = 8;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int IPPROTO_IP = 0;
    private static final int IP_MTU_DISCOVER = 10;
    private static final int IP_PMTUDISC_DO = 2;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /** The downcalls, made on first use; errno is captured for all but close and strerror. */
    private static final class Fn {
        static final MethodHandle SOCKET = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle BIND = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SETSOCKOPT = errno("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle GETSOCKNAME = errno("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        /*
         * The per-batch calls take their pointers as longs, as the afpacket driver's do: with a
         * segment argument C2 did not always inline the whole downcall, and a call then allocated
         * (the capture segment's slice) — seen by the allocation test on a loaded machine.
         */
        /** {@code int recvmmsg(int fd, struct mmsghdr *, unsigned vlen, int flags, struct timespec *timeout)}. */
        static final MethodHandle RECVMMSG = errno("recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
        /** {@code int sendmmsg(int fd, struct mmsghdr *, unsigned vlen, int flags)}. */
        static final MethodHandle SENDMMSG = errno("sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
        static final MethodHandle CLOSE = plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

        private static MethodHandle errno(String name, FunctionDescriptor d) {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), d,
                    Linker.Option.captureCallState("errno"));
        }

        private static MethodHandle plain(String name, FunctionDescriptor d) {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), d);
        }

        private Fn() {
        }
    }

    /** Why a socket could not be opened: errno and what was being done. */
    static final class SocketOpenException extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        SocketOpenException(String what, int errno) {
            super(what + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    private final Arena arena;
    private final MemorySegment callState;
    private final int fd;
    private final int boundPort;
    private boolean closed;

    private UdpSocket(Arena arena, MemorySegment callState, int fd, int boundPort) {
        this.arena = arena;
        this.callState = callState;
        this.fd = fd;
        this.boundPort = boundPort;
    }

    /**
     * A non-blocking UDP socket bound to {@code address:port} (port 0: the kernel picks one), with
     * large kernel buffers (forced when privileged) and IP fragmentation of what it sends refused:
     * RFC 7348 section 4.3 says a VTEP must not fragment, so a datagram over the path MTU fails
     * with EMSGSIZE and is counted, instead of leaving as fragments.
     */
    static UdpSocket open(int ipv4, int port, int bufferBytes) throws SocketOpenException {
        Arena arena = Arena.ofShared();
        MemorySegment state = arena.allocate(CALL_STATE);
        int fd = -1;
        boolean ok = false;
        try {
            fd = (int) Fn.SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new SocketOpenException("socket", errno(state));
            }
            MemorySegment value = arena.allocate(JAVA_INT);
            bufferSize(state, fd, value, SO_RCVBUFFORCE, SO_RCVBUF, bufferBytes);
            bufferSize(state, fd, value, SO_SNDBUFFORCE, SO_SNDBUF, bufferBytes);
            value.set(JAVA_INT, 0, IP_PMTUDISC_DO);
            if ((int) Fn.SETSOCKOPT.invokeExact(state, fd, IPPROTO_IP, IP_MTU_DISCOVER, value, 4) < 0) {
                throw new SocketOpenException("setsockopt IP_MTU_DISCOVER", errno(state));
            }
            MemorySegment sa = arena.allocate(MmsgLayout.SOCKADDR_IN);
            writeSockaddr(sa, ipv4, port);
            if ((int) Fn.BIND.invokeExact(state, fd, sa, MmsgLayout.SOCKADDR_IN_SIZE) < 0) {
                throw new SocketOpenException("bind", errno(state));
            }
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, MmsgLayout.SOCKADDR_IN_SIZE);
            if ((int) Fn.GETSOCKNAME.invokeExact(state, fd, sa, len) < 0) {
                throw new SocketOpenException("getsockname", errno(state));
            }
            int bound = Short.toUnsignedInt(sa.get(PORT, MmsgLayout.SIN_PORT));
            UdpSocket s = new UdpSocket(arena, state, fd, bound);
            ok = true;
            return s;
        } catch (SocketOpenException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libc socket calls failed: " + t, t);
        } finally {
            if (!ok) {
                if (fd >= 0) {
                    closeFd(fd);
                }
                arena.close();
            }
        }
    }

    private static void bufferSize(MemorySegment state, int fd, MemorySegment value, int forced, int plain, int bytes)
            throws Throwable {
        value.set(JAVA_INT, 0, bytes);
        // The forced option ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN; without, the plain one is capped.
        if ((int) Fn.SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, forced, value, 4) < 0
                && (int) Fn.SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, plain, value, 4) < 0) {
            throw new SocketOpenException("setsockopt buffer size", errno(state));
        }
    }

    /** {@code sin_port} and {@code sin_addr} are in network byte order. */
    static final ValueLayout.OfShort PORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt ADDR =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Fills a {@code sockaddr_in} at the start of {@code sa}. */
    static void writeSockaddr(MemorySegment sa, int ipv4, int port) {
        sa.fill((byte) 0);
        sa.set(ValueLayout.JAVA_SHORT, MmsgLayout.SIN_FAMILY, (short) AF_INET);
        sa.set(PORT, MmsgLayout.SIN_PORT, (short) port);
        sa.set(ADDR, MmsgLayout.SIN_ADDR, ipv4);
    }

    private static int errno(MemorySegment state) {
        return state.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** The port the socket is bound to (the one the kernel chose when asked for 0). */
    int boundPort() {
        return boundPort;
    }

    /** Receives up to {@code count} datagrams without waiting; the count, 0 when none wait, or {@code -errno}. */
    int recvmmsg(MemorySegment msgs, int count) {
        try {
            int n = (int) Fn.RECVMMSG.invokeExact(callState, fd, msgs.address(), count, MmsgLayout.MSG_DONTWAIT, 0L);
            if (n >= 0) {
                return n;
            }
            int e = errno(callState);
            return e == EAGAIN || e == EINTR ? 0 : -e;
        } catch (Throwable t) {
            throw new IllegalStateException("recvmmsg: " + t, t);
        }
    }

    /**
     * Sends up to {@code count} datagrams: how many left, or {@code -errno} when the first could not
     * ({@code -EAGAIN} when the socket's send queue is full).
     */
    int sendmmsg(MemorySegment msgs, int count) {
        try {
            int n = (int) Fn.SENDMMSG.invokeExact(callState, fd, msgs.address(), count, MmsgLayout.MSG_DONTWAIT);
            if (n >= 0) {
                return n;
            }
            int e = errno(callState);
            return e == EINTR ? 0 : -e;
        } catch (Throwable t) {
            throw new IllegalStateException("sendmmsg: " + t, t);
        }
    }

    /** The C library's text for an errno value. */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Fn.STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static void closeFd(int fd) {
        try {
            int ignored = (int) Fn.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // Nothing to do about a close that failed: the descriptor is gone either way.
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeFd(fd);
            arena.close();
        }
    }
}
