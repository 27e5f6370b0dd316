package io.pswitch.drivers.pcap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import io.pswitch.pktlog.libpcap.LibpcapMissingException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * One live libpcap capture handle ({@code pcap_t}) on a network interface, reached through the FFM
 * API: every libpcap binding the live port uses is declared here, and nowhere else.
 *
 * <p>Hot-path calls ({@link #dispatch}, {@link #inject}) take and pass plain {@code long} addresses
 * and pre-made segments, so a call allocates nothing: a pointer and a {@code long} are the same
 * argument class in the LP64 C ABI, which {@link #open} checks. Packet headers and bytes handed to
 * an upcall are read through {@link #ALL}, a segment over the whole address space, again without
 * making a segment per frame.
 *
 * <p>{@code struct pcap_pkthdr} as libpcap lays it out on LP64 Linux (24 bytes):
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    ts.tv_sec (64 bits)                        |  0
 * |                                                               |
 * +---------------------------------------------------------------+
 * |     ts.tv_usec (64 bits; nanoseconds with NANO precision)     |  8
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                       caplen (32 bits)                        | 16
 * +---------------------------------------------------------------+
 * |                        len (32 bits)                          | 20
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A handle is used by one thread at a time (libpcap handles are not thread-safe).
 */
public final class LivePcapHandle implements AutoCloseable {
    /** Offset of {@code ts.tv_sec} in {@code struct pcap_pkthdr}. */
    public static final long HDR_TV_SEC = 0;
    /** Offset of {@code ts.tv_usec} (nanoseconds under {@link #PCAP_TSTAMP_PRECISION_NANO}). */
    public static final long HDR_TV_FRAC = 8;
    /** Offset of {@code caplen}: bytes libpcap hands over. */
    public static final long HDR_CAPLEN = 16;
    /** Offset of {@code len}: bytes the frame had on the wire. */
    public static final long HDR_LEN = 20;

    public static final int PCAP_D_INOUT = 0;
    public static final int PCAP_D_IN = 1;
    public static final int PCAP_D_OUT = 2;
    public static final int DLT_EN10MB = 1;
    static final int PCAP_TSTAMP_PRECISION_MICRO = 0;
    static final int PCAP_TSTAMP_PRECISION_NANO = 1;
    static final int PCAP_ERRBUF_SIZE = 256;

    static final int PCAP_ERROR = -1;
    static final int PCAP_ERROR_BREAK = -2;
    static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    static final int PCAP_ERROR_PERM_DENIED = -8;
    static final int PCAP_ERROR_IFACE_NOT_UP = -9;
    static final int PCAP_ERROR_PROMISC_PERM_DENIED = -11;
    static final int PCAP_WARNING_PROMISC_NOTSUP = 2;

    /** Linux errno values that {@link #inject} reports. */
    public static final int EAGAIN = 11;
    public static final int ENXIO = 6;
    public static final int ENODEV = 19;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;
    private static final int IFNAMSIZ = 16;

    /** The whole address space: reads native memory at absolute addresses without a segment per frame. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** {@code void (*pcap_handler)(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)}, as longs. */
    public static final FunctionDescriptor HANDLER = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG);

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * The downcall handles, in a holder so that a missing libpcap is found by {@link LibpcapLibrary}
     * (one clear message) before any handle is made.
     */
    private static final class Fn {
        static final MethodHandle CREATE = fn("pcap_create", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle SET_SNAPLEN = fn("pcap_set_snaplen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SET_PROMISC = fn("pcap_set_promisc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SET_IMMEDIATE = fn("pcap_set_immediate_mode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SET_BUFFER_SIZE = fn("pcap_set_buffer_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SET_TSTAMP_PRECISION = fn("pcap_set_tstamp_precision", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle GET_TSTAMP_PRECISION = fn("pcap_get_tstamp_precision", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ACTIVATE = fn("pcap_activate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SETNONBLOCK = fn("pcap_setnonblock", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        static final MethodHandle SETDIRECTION = fn("pcap_setdirection", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle DATALINK = fn("pcap_datalink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle DATALINK_NAME = fn("pcap_datalink_val_to_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle GET_SELECTABLE_FD = fn("pcap_get_selectable_fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GETERR = fn("pcap_geterr", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle STATUSTOSTR = fn("pcap_statustostr", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle STATS = fn("pcap_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle CLOSE = fn("pcap_close", FunctionDescriptor.ofVoid(ADDRESS));
        /** {@code int pcap_dispatch(pcap_t *, int cnt, pcap_handler, u_char *user)}. */
        static final MethodHandle DISPATCH = fn("pcap_dispatch", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
        /** {@code int pcap_inject(pcap_t *, const void *buf, size_t)}, buf as a long; errno captured. */
        static final MethodHandle INJECT = Linker.nativeLinker().downcallHandle(
                LibpcapLibrary.lookup().find("pcap_inject").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG),
                Linker.Option.captureCallState("errno"));

        private static MethodHandle fn(String name, FunctionDescriptor d) {
            return LibpcapLibrary.function(name, d);
        }

        private Fn() {
        }
    }

    private final String label;
    private final Arena arena;
    private final MemorySegment pcap;
    private final MemorySegment callState;
    private final MemorySegment stats;
    private final boolean nanoTimestamps;
    private final String warning;
    private final boolean directionFiltered;
    private boolean closed;

    private LivePcapHandle(String label, Arena arena, MemorySegment pcap, boolean nanoTimestamps, String warning,
            boolean directionFiltered) {
        this.label = label;
        this.arena = arena;
        this.pcap = pcap;
        this.callState = arena.allocate(CALL_STATE);
        this.stats = arena.allocate(16, 8);
        this.nanoTimestamps = nanoTimestamps;
        this.warning = warning;
        this.directionFiltered = directionFiltered;
    }

    /**
     * Opens and activates a live handle: promiscuous, immediate mode, non-blocking, Ethernet only.
     *
     * @param snaplen the most bytes of a frame libpcap hands over
     * @param bufferSize the kernel capture buffer in bytes, or 0 for libpcap's default
     * @param direction {@link #PCAP_D_IN} so that frames sent on the interface are not captured
     * @throws PortOpenException with a one-line "pcap:&lt;interface&gt;: why" message
     */
    public static LivePcapHandle open(String iface, int snaplen, int bufferSize, int direction) {
        return open(iface, null, snaplen, bufferSize, direction);
    }

    /**
     * As {@link #open(String, int, int, int)}, for the switch port {@code portName}: a missing
     * capability is then reported against the port an operator configured.
     */
    public static LivePcapHandle open(String iface, String portName, int snaplen, int bufferSize, int direction) {
        String label = "pcap:" + iface;
        checkInterfaceName(iface, label);
        if (ADDRESS.byteSize() != 8) {
            throw new PortOpenException(label + ": the pcap driver needs a 64-bit JVM");
        }
        try {
            LibpcapLibrary.lookup();
            return openChecked(iface, portName, label, snaplen, bufferSize, direction);
        } catch (LibpcapMissingException e) {
            throw new PortOpenException(label + ": " + e.getMessage(), e);
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new PortOpenException(label + ": libpcap is unusable: " + e, e);
        }
    }

    private static void checkInterfaceName(String iface, String label) {
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

    private static LivePcapHandle openChecked(String iface, String portName, String label, int snaplen, int bufferSize,
            int direction) {
        Arena arena = Arena.ofShared();
        MemorySegment pcap = MemorySegment.NULL;
        boolean ok = false;
        try {
            MemorySegment errbuf = arena.allocate(PCAP_ERRBUF_SIZE);
            pcap = (MemorySegment) Fn.CREATE.invokeExact(arena.allocateFrom(iface), errbuf);
            if (pcap.equals(MemorySegment.NULL)) {
                throw new PortOpenException(label + ": " + errbuf.getString(0));
            }
            expectZero((int) Fn.SET_SNAPLEN.invokeExact(pcap, snaplen), pcap, label, "pcap_set_snaplen");
            expectZero((int) Fn.SET_PROMISC.invokeExact(pcap, 1), pcap, label, "pcap_set_promisc");
            // Immediate mode: frames are handed over as they arrive, not when a kernel block fills.
            expectZero((int) Fn.SET_IMMEDIATE.invokeExact(pcap, 1), pcap, label, "pcap_set_immediate_mode");
            if (bufferSize > 0) {
                expectZero((int) Fn.SET_BUFFER_SIZE.invokeExact(pcap, bufferSize), pcap, label, "pcap_set_buffer_size");
            }
            // Best effort: microseconds are used when the kernel cannot give nanoseconds.
            int ignored = (int) Fn.SET_TSTAMP_PRECISION.invokeExact(pcap, PCAP_TSTAMP_PRECISION_NANO);
            int status = (int) Fn.ACTIVATE.invokeExact(pcap);
            String warning = null;
            if (status == PCAP_ERROR_PERM_DENIED || status == PCAP_ERROR_PROMISC_PERM_DENIED) {
                throw new PortOpenException(missingCapability(portName, iface));
            } else if (status < 0) {
                throw new PortOpenException(label + ": " + activateError(status, pcap, iface));
            } else if (status > 0) {
                warning = status == PCAP_WARNING_PROMISC_NOTSUP ? "promiscuous mode is not supported"
                        : geterr(pcap);
            }
            if ((int) Fn.SETNONBLOCK.invokeExact(pcap, 1, errbuf) < 0) {
                throw new PortOpenException(label + ": cannot make the handle non-blocking: " + errbuf.getString(0));
            }
            CaptureSocket.ensureNonBlocking((int) Fn.GET_SELECTABLE_FD.invokeExact(pcap), label);
            int linkType = (int) Fn.DATALINK.invokeExact(pcap);
            if (linkType != DLT_EN10MB) {
                throw new PortOpenException(label + ": link type " + linkTypeName(linkType) + " (" + linkType
                        + ") is not Ethernet (EN10MB): the switch forwards Ethernet frames only");
            }
            boolean directionFiltered = false;
            if (direction != PCAP_D_INOUT) {
                directionFiltered = setDirection(pcap, arena, direction, label);
            }
            boolean nano = (int) Fn.GET_TSTAMP_PRECISION.invokeExact(pcap) == PCAP_TSTAMP_PRECISION_NANO;
            LivePcapHandle handle = new LivePcapHandle(label, arena, pcap, nano, warning, directionFiltered);
            ok = true;
            return handle;
        } catch (PortOpenException e) {
            throw e;
        } catch (Throwable t) {
            throw new PortOpenException(label + ": libpcap call failed: " + t, t);
        } finally {
            if (!ok) {
                closeQuietly(pcap);
                arena.close();
            }
        }
    }

    private static void closeQuietly(MemorySegment pcap) {
        if (!pcap.equals(MemorySegment.NULL)) {
            try {
                Fn.CLOSE.invokeExact(pcap);
            } catch (Throwable ignored) {
                // Already failing: the first error is the one to report.
            }
        }
    }

    private static void expectZero(int status, MemorySegment pcap, String label, String call) {
        if (status != 0) {
            throw new PortOpenException(label + ": " + call + " failed: " + statusText(status, pcap));
        }
    }

    /**
     * libpcap says PERM_DENIED when the packet socket cannot be opened, which on Linux means the
     * process lacks CAP_NET_RAW (a service user, a container): name the capability, not the errno.
     */
    static String missingCapability(String portName, String iface) {
        String who = portName == null ? "pcap:" + iface : "pcap port " + portName;
        return who + ": CAP_NET_RAW is needed (run as root or grant it) to capture on " + iface;
    }

    private static String activateError(int status, MemorySegment pcap, String iface) {
        return switch (status) {
            case PCAP_ERROR_NO_SUCH_DEVICE -> "no such interface";
            case PCAP_ERROR_IFACE_NOT_UP -> "interface is down (ip link set " + iface + " up)";
            default -> statusText(status, pcap);
        };
    }

    private static String statusText(int status, MemorySegment pcap) {
        String err = geterr(pcap);
        if (status == PCAP_ERROR && !err.isEmpty()) {
            return err;
        }
        String s;
        try {
            s = ((MemorySegment) Fn.STATUSTOSTR.invokeExact(status)).reinterpret(PCAP_ERRBUF_SIZE).getString(0);
        } catch (Throwable t) {
            s = "status " + status;
        }
        return err.isEmpty() ? s : s + ": " + err;
    }

    private static String geterr(MemorySegment pcap) {
        try {
            MemorySegment s = (MemorySegment) Fn.GETERR.invokeExact(pcap);
            return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(PCAP_ERRBUF_SIZE).getString(0);
        } catch (Throwable t) {
            return "(pcap_geterr failed: " + t + ")";
        }
    }

    private static String linkTypeName(int linkType) throws Throwable {
        MemorySegment name = (MemorySegment) Fn.DATALINK_NAME.invokeExact(linkType);
        return name.equals(MemorySegment.NULL) ? "DLT " + linkType : name.reinterpret(64).getString(0);
    }

    /**
     * Sets the capture direction; where libpcap cannot (an old kernel, a libpcap without it),
     * attaches the equivalent classic-BPF program to the capture socket itself. The kernel runs it
     * on the packet type of each socket buffer, so frames sent on the interface never enter the
     * capture ring, exactly as pcap_setdirection does on Linux. libpcap's own {@code inbound}
     * filter is not used: libpcap 1.10 then discards the frames again in user space (seen on
     * kernel 6.x: tcpdump 'inbound' on a veth captures nothing). Returns whether the fallback was used.
     */
    private static boolean setDirection(MemorySegment pcap, Arena arena, int direction, String label) throws Throwable {
        if ((int) Fn.SETDIRECTION.invokeExact(pcap, direction) == 0) {
            return false;
        }
        attachDirectionFilter(pcap, arena, direction, label, geterr(pcap));
        return true;
    }

    private static void attachDirectionFilter(MemorySegment pcap, Arena arena, int direction, String label,
            String why) throws Throwable {
        CaptureSocket.attachDirectionFilter((int) Fn.GET_SELECTABLE_FD.invokeExact(pcap), arena, direction == PCAP_D_OUT,
                label, why);
    }

    /** Applies the BPF fallback of {@link #setDirection} to an open handle (tests exercise it this way). */
    void filterDirectionWithBpf(int direction) {
        try {
            attachDirectionFilter(pcap, arena, direction, label, "forced");
        } catch (PortOpenException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(label + ": " + t, t);
        }
    }

    /** The descriptor libpcap reads and sends on (for checks and tests). */
    public int fd() {
        try {
            return (int) Fn.GET_SELECTABLE_FD.invokeExact(pcap);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Hands at most {@code count} (&gt; 0) captured frames to {@code handler}, an upcall stub of type
     * {@link #HANDLER}; never waits. Returns the number handed over, or a negative pcap status.
     */
    public int dispatch(int count, MemorySegment handler) {
        try {
            return (int) Fn.DISPATCH.invokeExact(pcap, count, handler, 0L);
        } catch (Throwable t) {
            // Only a linkage bug reaches here (a downcall does not throw): report it as an error.
            return PCAP_ERROR;
        }
    }

    /**
     * Sends one frame from native memory at {@code address}, without copying it first. Returns the
     * bytes sent, or -1 with {@link #lastErrno()} telling why.
     */
    public int inject(long address, int length) {
        try {
            return (int) Fn.INJECT.invokeExact(callState, pcap, address, (long) length);
        } catch (Throwable t) {
            callState.set(JAVA_INT, ERRNO_OFFSET, 0);
            return -1;
        }
    }

    /** errno as the last {@link #inject} left it. */
    public int lastErrno() {
        return callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** libpcap's message for the last error on this handle (cold path). */
    public String lastError() {
        return geterr(pcap);
    }

    /**
     * Frames the kernel dropped because the capture buffer was full, since open (a system call:
     * call it now and then, not per batch). -1 when libpcap cannot tell.
     */
    public long kernelDrops() {
        try {
            if ((int) Fn.STATS.invokeExact(pcap, stats) != 0) {
                return -1;
            }
            // struct pcap_stat { u_int ps_recv; u_int ps_drop; u_int ps_ifdrop; }
            return Integer.toUnsignedLong(stats.get(JAVA_INT, 4));
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Whether {@link #HDR_TV_FRAC} holds nanoseconds (else microseconds). */
    public boolean nanoTimestamps() {
        return nanoTimestamps;
    }

    /** What pcap_activate warned about, or null. */
    public String warning() {
        return warning;
    }

    /** Whether the direction is enforced by a BPF filter because pcap_setdirection failed. */
    public boolean directionFiltered() {
        return directionFiltered;
    }

    public String label() {
        return label;
    }

    /** Closes the libpcap handle once; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(pcap);
        arena.close();
    }
}
