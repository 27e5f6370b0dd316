package io.pswitch.drivers.afxdp;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.StorageClass;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens {@code afxdp:<interface>[,queue=Q][,mode=native|generic][,zerocopy=auto|on|off]} ports
 * ({@link AfXdpPort}). Every failure is one line naming the interface, the mode and the reason.
 *
 * <p>The pool must be the UMEM, so it must live in memory (tmpfs, ramfs, hugetlbfs): the kernel
 * refuses long-term pins of pages of files on block or fsdax file systems. When it is not, the port
 * refuses to open and says so; it does not fall back to a UMEM of its own with a copy, because
 * {@code pswitch run} already places the pool on /dev/shm whenever the data directory is on a block
 * device, so a copying fallback would only hide a misconfiguration.
 */
public final class AfXdpPortFactory implements PortDriverFactory {
    public static final String DRIVER = "afxdp";
    /** The most an Ethernet frame adds to the MTU: header and one VLAN tag. */
    static final int FRAME_OVERHEAD = 18;
    private static final Set<String> MEMORY_FILE_SYSTEMS = Set.of("tmpfs", "ramfs", "hugetlbfs");

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public String usage() {
        return "afxdp:<interface>[,queue=Q][,mode=native|generic][,zerocopy=auto|on|off]  AF_XDP, the pool is the UMEM "
                + "(pool in memory, e.g. --data-dir on /dev/shm; needs root)";
    }

    @Override
    public Set<String> options() {
        return Set.of("queue", "mode", "zerocopy");
    }

    @Override
    public Port open(PortSpec spec, PortContext context) {
        if (!DRIVER.equals(spec.driver())) {
            throw new PortOpenException(spec.name() + ": driver '" + spec.driver() + "' is not " + DRIVER);
        }
        String ifname = spec.argument();
        String base = DRIVER + ":" + ifname;
        XdpMode mode = mode(spec, base);
        String zc = spec.options().getOrDefault("zerocopy", "auto");
        int queue = queue(spec, base);
        String label = base + " (mode " + mode.label() + ", queue " + queue + ")";
        if (!zc.equals("auto") && !zc.equals("on") && !zc.equals("off")) {
            throw new PortOpenException(label + ": option zerocopy=" + zc + " must be auto, on or off");
        }
        if (zc.equals("on") && mode == XdpMode.GENERIC) {
            throw new PortOpenException(label + ": zerocopy=on needs mode=native (generic XDP always copies)");
        }
        BufferPool pool = context.pool();
        String poolProblem = poolProblem(pool);
        if (poolProblem != null) {
            throw new PortOpenException(label + ": " + poolProblem);
        }
        int chunkSize = Math.min(pool.bufferSize(), XskDescriptor.PAGE_SIZE);
        int frameCapacity = chunkSize - XskDescriptor.XDP_PACKET_HEADROOM;
        Arena arena = Arena.ofShared();
        XskSocket xsk = null;
        XdpRedirectProgram program = null;
        try {
            LinuxCalls calls = new LinuxCalls(arena);
            int ifindex = calls.ifNameToIndex(ifname, arena);
            if (ifindex == 0) {
                throw new XskFailure("no such interface");
            }
            int mtu = mtu(ifname);
            if (mtu > 0 && mtu + FRAME_OVERHEAD > frameCapacity) {
                throw new XskFailure("MTU " + mtu + " is larger than a buffer holds: frames up to " + frameCapacity
                        + " bytes fit (" + pool.bufferSize() + "-byte pool buffers, " + XskDescriptor.XDP_PACKET_HEADROOM
                        + " bytes of kernel headroom, 4096-byte chunks at most); lower the MTU to "
                        + (frameCapacity - FRAME_OVERHEAD) + " or use larger pool buffers");
            }
            // zerocopy=auto lets the kernel choose only for a pool on hugetlbfs. With zero copy the
            // NIC DMAs into the chunk, and the kernel accepts a chunk that straddles a 4 KiB page only
            // if the two pages are DMA-contiguous; every pool buffer that starts a page has its chunk
            // (the 256 headroom bytes before it) on the previous page, so on 4 KiB tmpfs pages half the
            // fill entries would be refused and those buffers lost to the kernel. Copy mode has no
            // such limit: the kernel's one copy still goes straight into the pool buffer.
            int bindFlags = switch (zc) {
                case "on" -> XskDescriptor.XDP_ZEROCOPY;
                case "off" -> XskDescriptor.XDP_COPY;
                default -> mode != XdpMode.GENERIC && isHugetlbfs(pool.path()) ? 0 : XskDescriptor.XDP_COPY;
            };
            xsk = XskSocket.open(calls, arena, ifindex, queue, pool.segment(), chunkSize, context.ringSize(), bindFlags);
            program = XdpRedirectProgram.attach(calls, arena, ifindex, queue, xsk.fd(), mode);
            // The socket and the program come first, the rings (the core's) last: the kernel gets no
            // buffer until the port's constructor lends the RX slots' buffers, so a pool too small for
            // the rings costs only the socket and the program, closed below.
            return new AfXdpPort(spec, context, base + " queue " + queue, chunkSize, xsk, program, arena);
        } catch (XskFailure | IllegalStateException | PortOpenException e) {
            if (program != null) {
                program.close();
            }
            if (xsk != null) {
                xsk.close();
            }
            arena.close();
            // The core names the port; this driver's one line names the interface, mode and queue.
            Throwable reason = e instanceof PortOpenException && e.getCause() != null ? e.getCause() : e;
            throw new PortOpenException(label + ": " + reason.getMessage(), reason);
        }
    }

    /** Why the pool cannot be this port's UMEM, or null when it can. */
    static String poolProblem(BufferPool pool) {
        if (pool.bufferSize() < XskDescriptor.MIN_CHUNK_SIZE) {
            return "pool buffers of " + pool.bufferSize() + " bytes are smaller than the smallest AF_XDP chunk ("
                    + XskDescriptor.MIN_CHUNK_SIZE + "); use --buffer-size 2048 or more";
        }
        if (pool.storageClass() == StorageClass.VOLATILE || isMemoryFileSystem(pool.path())) {
            return null;
        }
        return "the buffer pool " + pool.path() + " is on a " + pool.storageClass().label()
                + " file system, and an AF_XDP port's UMEM is the pool, which the kernel can pin only in memory "
                + "(tmpfs, hugetlbfs): put the data directory (and so the pool) on /dev/shm";
    }

    private static boolean isMemoryFileSystem(Path path) {
        try {
            return MEMORY_FILE_SYSTEMS.contains(Files.getFileStore(path).type());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isHugetlbfs(Path path) {
        try {
            return "hugetlbfs".equals(Files.getFileStore(path).type());
        } catch (IOException e) {
            return false;
        }
    }

    private static int mtu(String ifname) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", ifname, "mtu")).trim());
        } catch (IOException | NumberFormatException | java.nio.file.InvalidPathException e) {
            return -1;
        }
    }

    private static XdpMode mode(PortSpec spec, String base) {
        String text = spec.options().get("mode");
        if (text == null) {
            return XdpMode.AUTO;
        }
        return switch (text) {
            case "native" -> XdpMode.NATIVE;
            case "generic" -> XdpMode.GENERIC;
            default -> throw new PortOpenException(base + ": option mode=" + text + " must be native or generic");
        };
    }

    private static int queue(PortSpec spec, String base) {
        String text = spec.options().get("queue");
        if (text == null) {
            return 0;
        }
        try {
            int q = Integer.parseInt(text);
            if (q >= 0 && q < 4096) {
                return q;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PortOpenException(base + ": option queue=" + text + " must be a queue number between 0 and 4095");
    }
}
