package io.pswitch.drivers.afxdp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Set;

/**
 * XDP programs already on an interface when a port opens. This driver's own program is attached
 * through a BPF link and so can never outlive its process; but a program attached the old way
 * (netlink, as {@code ip link set xdp}, libxdp's legacy path or an older AF_XDP application does)
 * stays on the interface after its owner is killed, and then no new program can be attached.
 *
 * <p>An AF_XDP redirect program ({@code pswitch_xsk}, or libxdp's {@code xsk_def_prog}) left that way
 * serves no socket any more: it is removed. Any other program belongs to someone else and is left
 * alone; the port then refuses to open, naming it. Querying and detaching netlink attachments uses
 * libbpf ({@code libbpf.so.1}, Debian package {@code libbpf1}) when it is installed.
 */
final class StaleXdpPrograms {
    static final Set<String> AF_XDP_PROGRAMS = Set.of(XdpRedirectProgram.PROGRAM_NAME, "xsk_def_prog");
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    private static final int PROG_INFO_SIZE = 256;
    private static final int PROG_INFO_NAME = 64;
    private static final int[] MODES = {XdpRedirectProgram.XDP_FLAGS_DRV_MODE, XdpRedirectProgram.XDP_FLAGS_SKB_MODE};

    private static final MethodHandle QUERY_ID;
    private static final MethodHandle DETACH;
    private static final MethodHandle ATTACH;

    static {
        MethodHandle q = null;
        MethodHandle d = null;
        MethodHandle a = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libbpf = SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
            q = linker.downcallHandle(libbpf.find("bpf_xdp_query_id").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
            d = linker.downcallHandle(libbpf.find("bpf_xdp_detach").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
            a = linker.downcallHandle(libbpf.find("bpf_xdp_attach").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        } catch (RuntimeException missing) {
            // No libbpf: leftovers cannot be found, and the port says how to remove one by hand.
        }
        QUERY_ID = q;
        DETACH = d;
        ATTACH = a;
    }

    private StaleXdpPrograms() {
    }

    static boolean libbpfAvailable() {
        return QUERY_ID != null;
    }

    /** The id of the program attached to the interface in a mode (XDP_FLAGS_DRV_MODE / SKB_MODE), 0 if none. */
    static int attachedId(Arena arena, int ifindex, int modeFlag) {
        if (QUERY_ID == null) {
            return 0;
        }
        MemorySegment id = arena.allocate(ValueLayout.JAVA_INT);
        try {
            int r = (int) QUERY_ID.invokeExact(ifindex, modeFlag, id);
            return r == 0 ? id.get(ValueLayout.JAVA_INT, 0) : 0;
        } catch (Throwable t) {
            return 0;
        }
    }

    /** A program's name (as loaded, up to 15 characters), or null when it cannot be read. */
    static String programName(LinuxCalls calls, Arena arena, int progId) {
        MemorySegment attr = arena.allocate(128, 8);
        attr.set(ValueLayout.JAVA_INT, 0, progId);
        long fd = calls.bpf(BPF_PROG_GET_FD_BY_ID, attr);
        if (fd < 0) {
            return null;
        }
        try {
            MemorySegment info = arena.allocate(PROG_INFO_SIZE, 8);
            MemorySegment get = arena.allocate(128, 8);
            get.set(ValueLayout.JAVA_INT, 0, (int) fd);
            get.set(ValueLayout.JAVA_INT, 4, PROG_INFO_SIZE);
            get.set(ValueLayout.JAVA_LONG, 8, info.address());
            if (calls.bpf(BPF_OBJ_GET_INFO_BY_FD, get) < 0) {
                return null;
            }
            return info.asSlice(PROG_INFO_NAME, 16).getString(0);
        } finally {
            calls.close((int) fd);
        }
    }

    /**
     * Removes an AF_XDP redirect program left on the interface by a process that is gone.
     *
     * @return what was removed, one line, or null when nothing was (the caller then attaches again)
     */
    static String removeLeftover(LinuxCalls calls, Arena arena, int ifindex) {
        String removed = null;
        for (int mode : MODES) {
            int id = attachedId(arena, ifindex, mode);
            if (id == 0) {
                continue;
            }
            String name = programName(calls, arena, id);
            if (name != null && AF_XDP_PROGRAMS.contains(name) && detach(ifindex, mode) == 0) {
                removed = "removed a stale XDP program '" + name + "' (id " + id + ") left by a process that is gone";
            }
        }
        return removed;
    }

    /** One line on what holds the interface's XDP hook, for the error the port reports. */
    static String describeAttached(LinuxCalls calls, Arena arena, int ifindex) {
        if (!libbpfAvailable()) {
            return "the interface already has an XDP program (install libbpf1 to let the port identify it, "
                    + "or remove it with 'ip link set dev <if> xdp off')";
        }
        for (int mode : MODES) {
            int id = attachedId(arena, ifindex, mode);
            if (id != 0) {
                String name = programName(calls, arena, id);
                String who = AF_XDP_PROGRAMS.contains(name)
                        ? " held by a running process (another afxdp port on this interface?)"
                        : " that belongs to someone else (remove it with 'xdp-loader unload' or 'ip link set dev <if> xdp off')";
                return "the interface already has an XDP program '" + name + "' (id " + id + ", "
                        + (mode == XdpRedirectProgram.XDP_FLAGS_DRV_MODE ? "native" : "generic") + ")" + who;
            }
        }
        return "the interface already has an XDP program";
    }

    /** Detaches a netlink-attached program; 0 or a negative errno. */
    static int detach(int ifindex, int modeFlag) {
        if (DETACH == null) {
            return -LinuxCalls.EOPNOTSUPP;
        }
        try {
            return (int) DETACH.invokeExact(ifindex, modeFlag, MemorySegment.NULL);
        } catch (Throwable t) {
            return -LinuxCalls.EINVAL;
        }
    }

    /** Attaches a program the old way (netlink), as a crashed legacy application leaves it: for tests. 0 or a negative errno. */
    static int attachLegacy(int ifindex, int progFd, int modeFlag) {
        if (ATTACH == null) {
            return -LinuxCalls.EOPNOTSUPP;
        }
        try {
            return (int) ATTACH.invokeExact(ifindex, progFd, modeFlag, MemorySegment.NULL);
        } catch (Throwable t) {
            return -LinuxCalls.EINVAL;
        }
    }
}
