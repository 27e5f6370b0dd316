package io.pswitch.drivers.afxdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The XDP program that hands an interface queue's frames to the port's AF_XDP socket, loaded and
 * attached with the raw {@code bpf(2)} system call (no libbpf/libxdp needed on this path).
 *
 * <p>The program is libxdp's {@code xsk_def_xdp_prog} reduced to its core, six instructions:
 * <pre>
 *   r2 = *(u32 *)(r1 + 16)        ; ctx-&gt;rx_queue_index
 *   r1 = map[xsks_map]            ; an XSKMAP with this port's socket at index = its queue
 *   r3 = XDP_PASS                 ; what happens when the map has no socket for the queue
 *   call bpf_redirect_map
 *   exit
 * </pre>
 * so frames of other queues go on to the kernel stack as before.
 *
 * <p><b>Why a BPF link.</b> The program is attached with {@code BPF_LINK_CREATE} (attach type
 * {@code BPF_XDP}), not with the older netlink attach: a link belongs to the file descriptor that
 * holds it, so when the process exits for any reason (close, SIGTERM, {@code kill -9}, a crash)
 * the kernel closes the fd and detaches the program. No program is ever left on an interface by
 * this driver, and nothing is pinned, so it needs no bpffs. A program someone else attached the
 * old way (netlink) survives its owner; {@link StaleXdpPrograms} removes such a leftover when it is
 * an AF_XDP redirect program ({@code pswitch_xsk}, libxdp's {@code xsk_def_prog}).
 */
final class XdpRedirectProgram implements AutoCloseable {
    static final String PROGRAM_NAME = "pswitch_xsk";

    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_LINK_CREATE = 28;
    static final int BPF_MAP_TYPE_XSKMAP = 17;
    static final int BPF_PROG_TYPE_XDP = 6;
    static final int BPF_XDP = 37;
    static final int XDP_FLAGS_SKB_MODE = 2;
    static final int XDP_FLAGS_DRV_MODE = 4;
    private static final int ATTR_SIZE = 128;
    private static final int XDP_PASS = 2;
    private static final int BPF_FUNC_REDIRECT_MAP = 51;
    private static final int BPF_PSEUDO_MAP_FD = 1;

    private final LinuxCalls calls;
    private final int mapFd;
    private final int progFd;
    private final int linkFd;
    private final XdpMode mode;
    private final String note;
    private boolean closed;

    private XdpRedirectProgram(LinuxCalls calls, int mapFd, int progFd, int linkFd, XdpMode mode, String note) {
        this.note = note;
        this.calls = calls;
        this.mapFd = mapFd;
        this.progFd = progFd;
        this.linkFd = linkFd;
        this.mode = mode;
    }

    /**
     * Loads the program, puts {@code xskFd} in its map at {@code queue} and attaches it to the
     * interface in {@code wanted} mode ({@link XdpMode#AUTO}: native, else generic).
     *
     * @throws XskFailure with the one-line reason
     */
    static XdpRedirectProgram attach(LinuxCalls calls, Arena arena, int ifindex, int queue, int xskFd,
            XdpMode wanted) {
        int mapFd = -1;
        int progFd = -1;
        try {
            mapFd = createMap(calls, arena, queue + 1);
            progFd = loadProgram(calls, arena, mapFd, PROGRAM_NAME);
            updateMap(calls, arena, mapFd, queue, xskFd);
            XdpMode mode = wanted == XdpMode.AUTO ? XdpMode.NATIVE : wanted;
            int linkFd = link(calls, arena, progFd, ifindex, mode);
            String note = null;
            if (linkFd < 0 && isBusy(calls.errno())) {
                note = StaleXdpPrograms.removeLeftover(calls, arena, ifindex);
                if (note != null) {
                    linkFd = link(calls, arena, progFd, ifindex, mode);
                }
            }
            if (linkFd < 0 && wanted == XdpMode.AUTO && isModeRefused(calls.errno())) {
                mode = XdpMode.GENERIC;
                linkFd = link(calls, arena, progFd, ifindex, mode);
            }
            if (linkFd < 0) {
                int e = calls.errno();
                if (isBusy(e)) {
                    throw new XskFailure(StaleXdpPrograms.describeAttached(calls, arena, ifindex));
                }
                if (isModeRefused(e)) {
                    throw new XskFailure(mode.label() + " XDP mode refused by the interface (" + LinuxCalls.strerror(e) + ")"
                            + (mode == XdpMode.NATIVE ? "; try mode=generic" : ""));
                }
                if (e == LinuxCalls.EPERM || e == LinuxCalls.EACCES) {
                    throw new XskFailure("no privilege to attach an XDP program (needs CAP_BPF and CAP_NET_ADMIN)");
                }
                throw new XskFailure("cannot attach the XDP program in " + mode.label() + " mode: " + LinuxCalls.strerror(e));
            }
            return new XdpRedirectProgram(calls, mapFd, progFd, linkFd, mode, note);
        } catch (RuntimeException e) {
            if (progFd >= 0) {
                calls.close(progFd);
            }
            if (mapFd >= 0) {
                calls.close(mapFd);
            }
            throw e;
        }
    }

    private static boolean isBusy(int errno) {
        return errno == LinuxCalls.EBUSY || errno == LinuxCalls.EEXIST;
    }

    private static boolean isModeRefused(int errno) {
        return errno == LinuxCalls.EOPNOTSUPP || errno == LinuxCalls.EINVAL || errno == 524 /* ENOTSUPP */;
    }

    static int createMap(LinuxCalls calls, Arena arena, int entries) {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, BPF_MAP_TYPE_XSKMAP);
        attr.set(ValueLayout.JAVA_INT, 4, 4); // key: the queue index
        attr.set(ValueLayout.JAVA_INT, 8, 4); // value: the socket's fd
        attr.set(ValueLayout.JAVA_INT, 12, entries);
        attr.asSlice(28, 16).setString(0, "pswitch_xsks");
        long fd = calls.bpf(BPF_MAP_CREATE, attr);
        if (fd < 0) {
            throw new XskFailure(privilegeOr(calls.errno(), "cannot create the XSKMAP"));
        }
        return (int) fd;
    }

    static int loadProgram(LinuxCalls calls, Arena arena, int mapFd, String name) {
        MemorySegment insns = arena.allocate(6 * 8, 8);
        insn(insns, 0, 0x61, 2, 1, 16, 0); // ldxw r2, [r1 + 16]
        insn(insns, 1, 0x18, 1, BPF_PSEUDO_MAP_FD, 0, mapFd); // lddw r1, map fd (two slots)
        insn(insns, 2, 0x00, 0, 0, 0, 0);
        insn(insns, 3, 0xb7, 3, 0, 0, XDP_PASS); // mov r3, XDP_PASS
        insn(insns, 4, 0x85, 0, 0, 0, BPF_FUNC_REDIRECT_MAP); // call bpf_redirect_map
        insn(insns, 5, 0x95, 0, 0, 0, 0); // exit
        MemorySegment license = arena.allocateFrom("GPL");
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
        attr.set(ValueLayout.JAVA_INT, 4, 6);
        attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
        attr.set(ValueLayout.JAVA_LONG, 16, license.address());
        attr.asSlice(48, 16).setString(0, name);
        attr.set(ValueLayout.JAVA_INT, 68, BPF_XDP); // expected_attach_type, needed for a link
        long fd = calls.bpf(BPF_PROG_LOAD, attr);
        if (fd < 0) {
            throw new XskFailure(privilegeOr(calls.errno(), "the kernel refused the XDP redirect program"));
        }
        return (int) fd;
    }

    private static void insn(MemorySegment insns, int i, int code, int dst, int src, int off, int imm) {
        long at = i * 8L;
        insns.set(ValueLayout.JAVA_BYTE, at, (byte) code);
        insns.set(ValueLayout.JAVA_BYTE, at + 1, (byte) ((src << 4) | dst));
        insns.set(ValueLayout.JAVA_SHORT, at + 2, (short) off);
        insns.set(ValueLayout.JAVA_INT, at + 4, imm);
    }

    private static void updateMap(LinuxCalls calls, Arena arena, int mapFd, int queue, int xskFd) {
        MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
        key.set(ValueLayout.JAVA_INT, 0, queue);
        MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
        value.set(ValueLayout.JAVA_INT, 0, xskFd);
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, mapFd);
        attr.set(ValueLayout.JAVA_LONG, 8, key.address());
        attr.set(ValueLayout.JAVA_LONG, 16, value.address());
        if (calls.bpf(BPF_MAP_UPDATE_ELEM, attr) < 0) {
            throw new XskFailure("cannot put the AF_XDP socket in the XSKMAP: " + calls.lastError());
        }
    }

    private static int link(LinuxCalls calls, Arena arena, int progFd, int ifindex, XdpMode mode) {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, progFd);
        attr.set(ValueLayout.JAVA_INT, 4, ifindex);
        attr.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
        attr.set(ValueLayout.JAVA_INT, 12, mode == XdpMode.GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
        return (int) calls.bpf(BPF_LINK_CREATE, attr);
    }

    private static String privilegeOr(int errno, String what) {
        if (errno == LinuxCalls.EPERM || errno == LinuxCalls.EACCES) {
            return "no privilege to load an XDP program (needs root, or CAP_BPF and CAP_NET_ADMIN)";
        }
        return what + ": " + LinuxCalls.strerror(errno);
    }

    /** The mode the program was attached in (never AUTO). */
    XdpMode mode() {
        return mode;
    }

    /** What had to be cleaned up before attaching (a stale program removed), or null. */
    String note() {
        return note;
    }

    /** Detaches the program (closing the link) and frees it and its map. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        calls.close(linkFd);
        calls.close(progFd);
        calls.close(mapFd);
    }
}
