package io.pswitch.drivers.pcap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.pswitch.dataplane.port.PortOpenException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the live port sets on libpcap's capture socket itself, where libpcap does not make sure of
 * it: that frames the interface sent stay out of the capture (a classic-BPF program on the packet
 * type, the fallback when {@code pcap_setdirection} cannot), and that the socket never blocks (the
 * dataplane thread also transmits on it). Cold path: used only while a handle opens.
 */
final class CaptureSocket {
    private static final int O_NONBLOCK = 04000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int PACKET_OUTGOING = 4;
    /** {@code SKF_AD_OFF + SKF_AD_PKTTYPE}: the kernel's ancillary "packet type" load. */
    private static final int SKF_AD_PKTTYPE = -0x1000 + 4;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;

    private CaptureSocket() {
    }

    /**
     * Attaches a socket filter that keeps only the frames the interface sent ({@code keepOutgoing})
     * or only those it received. The kernel runs it on the packet type of each socket buffer, so
     * the others never enter the capture ring, as pcap_setdirection does on Linux.
     */
    static void attachDirectionFilter(int fd, Arena arena, boolean keepOutgoing, String label, String why) throws Throwable {
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } x 4
        MemorySegment insns = arena.allocate(4 * 8, 8);
        putInsn(insns, 0, 0x28, 0, 0, SKF_AD_PKTTYPE);            // ldh [pkttype]
        putInsn(insns, 1, 0x15, 0, 1, PACKET_OUTGOING);           // jeq #OUTGOING, 2, 3
        putInsn(insns, 2, 0x06, 0, 0, keepOutgoing ? 262144 : 0); // ret: outgoing
        putInsn(insns, 3, 0x06, 0, 0, keepOutgoing ? 0 : 262144); // ret: everything else
        // struct sock_fprog { u16 len; struct sock_filter *filter; }
        MemorySegment prog = arena.allocate(16, 8);
        prog.set(JAVA_SHORT, 0, (short) 4);
        prog.set(ADDRESS, 8, insns);
        MethodHandle setsockopt = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        if (fd < 0 || (int) setsockopt.invokeExact(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, 16) != 0) {
            throw new PortOpenException(label + ": cannot capture only received frames (" + why
                    + "; attaching a socket filter failed too)");
        }
    }

    private static void putInsn(MemorySegment insns, int i, int code, int jt, int jf, int k) {
        long o = i * 8L;
        insns.set(JAVA_SHORT, o, (short) code);
        insns.set(JAVA_BYTE, o + 2, (byte) jt);
        insns.set(JAVA_BYTE, o + 3, (byte) jf);
        insns.set(JAVA_INT, o + 4, k);
    }

    /**
     * libpcap's non-blocking mode on Linux sets O_NONBLOCK on the socket it also sends with; a
     * transmit must never block the dataplane thread, so make sure of it rather than rely on it.
     */
    static void ensureNonBlocking(int fd, String label) throws Throwable {
        if (fd < 0 || nonBlocking(fd)) {
            return;
        }
        MethodHandle fcntl = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("fcntl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
        int flags = (int) fcntl.invokeExact(fd, F_GETFL, 0);
        if (flags < 0 || (int) fcntl.invokeExact(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            throw new PortOpenException(label + ": cannot make the capture socket non-blocking");
        }
    }

    /** Reads the file status flags of one of this process's descriptors from /proc (Linux). */
    static boolean nonBlocking(int fd) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd));
            for (String line : lines) {
                if (line.startsWith("flags:")) {
                    return (Integer.parseInt(line.substring(6).trim(), 8) & O_NONBLOCK) != 0;
                }
            }
        } catch (Exception e) {
            // Not Linux or no /proc: fall through and set the flag explicitly.
        }
        return false;
    }
}
