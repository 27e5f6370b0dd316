package io.pswitch.drivers.afxdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.drivers.pcap.LivePcapHandle;
import io.pswitch.drivers.veth.PcapPeer;
import io.pswitch.drivers.veth.VethPair;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * afxdp over a veth pair with real frames: both directions byte for byte, the zero-copy path (the
 * RX slot names the buffer the kernel's RX descriptor gave, and the named pool file holds the bytes
 * sent), no XDP program left behind after close or after a {@code kill -9}, a stale program removed,
 * and the one-line errors.
 */
class AfXdpPortTest {
    private static final int RING = 64;
    private static final int BATCH = 16;

    @TempDir
    Path tmp;
    private Path shm;
    private BufferPool pool;
    private int initialFree;

    @BeforeAll
    static void needsRootVethAndAfXdp() {
        XdpTestSupport.assumeUsable();
    }

    @BeforeEach
    void openPool() throws Exception {
        shm = XdpTestSupport.shmDirectory();
        pool = BufferPool.open(shm.resolve("pool"), 2048, 1024);
        initialFree = pool.freeCount();
    }

    @AfterEach
    void closePool() {
        pool.close();
        XdpTestSupport.deleteTree(shm);
    }

    private AfXdpPort open(String spec) {
        return (AfXdpPort) new AfXdpPortFactory().open(PortSpec.parse(spec), new PortContext(pool, RING, BATCH));
    }

    private static List<byte[]> frames(int count, long seed, int minLen, int maxLen) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] f = new byte[minLen + r.nextInt(maxLen - minLen + 1)];
            r.nextBytes(f);
            f[0] = 0x02;
            f[6] = 0x02;
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;
            f[14] = (byte) (i >>> 8);
            f[15] = (byte) i;
            out.add(f);
        }
        return out;
    }

    private byte[] bufferBytes(int bufIdx, int len) {
        byte[] b = new byte[len];
        MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(bufIdx), b, 0, len);
        return b;
    }

    @Test
    void framesBothWaysByteForByteInNativeMode() throws Exception {
        framesBothWays("native");
    }

    @Test
    void framesBothWaysByteForByteInGenericMode() throws Exception {
        framesBothWays("generic");
    }

    private void framesBothWays(String mode) throws Exception {
        try (VethPair veth = XdpTestSupport.veth(); PcapPeer peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN)) {
            AfXdpPort port = open("p0=afxdp:" + veth.a + ",mode=" + mode);
            try {
                assertThat(port.xdpMode()).isEqualTo(mode);
                assertThat(port.zeroCopy()).as("veth has no zero-copy AF_XDP").isFalse();
                assertThat(port.description()).contains(mode + " XDP").contains("copy mode").contains("UMEM = the buffer pool");

                List<byte[]> in = frames(100, 11, 60, 1514);
                Ring rx = port.rxRing();
                List<byte[]> got = new ArrayList<>();
                int next = 0;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (got.size() < in.size() && System.nanoTime() < deadline) {
                    for (int k = 0; k < 8 && next < in.size(); k++) {
                        assertThat(peer.send(in.get(next))).isTrue();
                        next++;
                    }
                    port.rxSync();
                    for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                        got.add(bufferBytes(rx.bufIdx[s], rx.len[s]));
                    }
                    rx.head = rx.cur = rx.tail;
                }
                assertThat(got).hasSize(in.size());
                for (int i = 0; i < in.size(); i++) {
                    assertThat(got.get(i)).as("received frame %d", i).isEqualTo(in.get(i));
                }
                assertThat(port.counters().rxFrames()).isEqualTo(in.size());

                List<byte[]> out = frames(150, 12, 60, 1514);
                Ring tx = port.txRing();
                int queued = 0;
                int syncs = 0;
                deadline = System.nanoTime() + 10_000_000_000L;
                while ((queued < out.size() || tx.txPending() > 0 || tx.userSlots() < RING - 1) && System.nanoTime() < deadline) {
                    while (queued < out.size() && tx.userSlots() > 0) {
                        byte[] f = out.get(queued++);
                        int s = tx.head;
                        MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
                        tx.len[s] = f.length;
                        tx.head = tx.cur = tx.next(s);
                    }
                    port.txSync();
                    syncs++;
                    peer.drain();
                }
                List<byte[]> seen = peer.drainFor(200);
                assertThat(seen).hasSize(out.size());
                for (int i = 0; i < out.size(); i++) {
                    assertThat(seen.get(i)).as("transmitted frame %d", i).isEqualTo(out.get(i));
                }
                assertThat(port.counters().txFrames()).isEqualTo(out.size());
                assertThat(port.counters().txWakeups()).as("at most MAX_KICKS kicks per txSync").isBetween(1L, (long) syncs * AfXdpPort.MAX_KICKS);
                assertThat(port.counters().strayDescriptors()).isZero();
            } finally {
                port.close();
            }
            assertThat(pool.freeCount()).as("every buffer back in the pool").isEqualTo(initialFree);
        }
    }

    @Test
    void rxSlotNamesTheBufferOfTheKernelsRxDescriptorAndThePoolFileHoldsTheBytesSent() throws Exception {
        try (VethPair veth = XdpTestSupport.veth(); PcapPeer peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN);
                FileChannel file = FileChannel.open(pool.path(), StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            // A second, independent mapping of the named pool file: what the kernel wrote is in the file.
            MemorySegment named = file.map(FileChannel.MapMode.READ_ONLY, 0, file.size(), arena);
            AfXdpPort port = open("p0=afxdp:" + veth.a);
            try {
                List<byte[]> in = frames(20, 21, 60, 1514);
                for (byte[] f : in) {
                    assertThat(peer.send(f)).isTrue();
                }
                XskRing krx = port.socket().rx();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (krx.peek(in.size()) < in.size() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(krx.peek(in.size())).as("the kernel put every frame on the socket's RX ring").isEqualTo(in.size());
                // Read the kernel's RX descriptors before the port does: the buffer each one names.
                int first = krx.consumerIndex();
                int[] descBuf = new int[in.size()];
                for (int i = 0; i < in.size(); i++) {
                    long data = XskDescriptor.rxDataOffset(krx.descAddrAt(first + i));
                    assertThat((data - BufferPoolDescriptor.DATA_OFFSET) % pool.bufferSize())
                            .as("the kernel wrote frame %d at offset 0 of a pool buffer", i).isZero();
                    descBuf[i] = (int) ((data - BufferPoolDescriptor.DATA_OFFSET) / pool.bufferSize());
                    assertThat(krx.descLenAt(first + i)).isEqualTo(in.get(i).length);
                }
                Ring rx = port.rxRing();
                int received = 0;
                while (received < in.size()) {
                    int n = port.rxSync();
                    assertThat(n).isPositive();
                    for (int s = rx.head; s != rx.tail; s = rx.next(s), received++) {
                        assertThat(rx.bufIdx[s]).as("frame %d's slot names the descriptor's buffer", received)
                                .isEqualTo(descBuf[received]);
                        byte[] inFile = new byte[rx.len[s]];
                        MemorySegment.copy(named, ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), inFile, 0, inFile.length);
                        assertThat(inFile).as("the named pool file holds frame %d as sent", received).isEqualTo(in.get(received));
                    }
                    rx.head = rx.cur = rx.tail;
                }
            } finally {
                port.close();
            }
        }
    }

    @Test
    void noXdpProgramIsLeftAfterCloseNorAfterTheOwnerIsKilled() throws Exception {
        try (VethPair veth = XdpTestSupport.veth()) {
            AfXdpPort port = open("p0=afxdp:" + veth.a);
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("attached while open").isTrue();
            port.close();
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("detached by close").isFalse();

            Process child = new ProcessBuilder(command(new String[0], "-cp",
                    System.getProperty("java.class.path"), AfXdpHolderMain.class.getName(), shm.toString(),
                    "p0=afxdp:" + veth.a)).redirectErrorStream(true).start();
            try {
                String line = readStatus(child);
                assertThat(line).startsWith("ready");
                assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("the child's program is attached").isTrue();
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                child.waitFor(10, TimeUnit.SECONDS);
            }
            // The program hangs on a BPF link whose only fd died with the process.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (XdpTestSupport.hasXdpProgram(veth.a) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("nothing left after kill -9").isFalse();
            AfXdpPort again = open("p0=afxdp:" + veth.a);
            assertThat(again.description()).doesNotContain("stale");
            again.close();
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).isFalse();
        }
    }

    private static String readStatus(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder other = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("ready") || line.startsWith("error")) {
                return line;
            }
            other.append(line).append('\n');
        }
        throw new AssertionError("child ended without a status line:\n" + other);
    }

    @Test
    void aStaleAfXdpProgramAttachedTheOldWayIsRemovedAtOpen() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(StaleXdpPrograms.libbpfAvailable(),
                "skipped: libbpf.so.1 (Debian libbpf1) is not installed");
        try (VethPair veth = XdpTestSupport.veth(); Arena arena = Arena.ofConfined()) {
            leaveNetlinkProgram(arena, veth.a, XdpRedirectProgram.PROGRAM_NAME);
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("a leftover that outlives its fds").isTrue();
            AfXdpPort port = open("p0=afxdp:" + veth.a);
            assertThat(port.description()).contains("removed a stale XDP program 'pswitch_xsk'");
            port.close();
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).isFalse();
        }
    }

    @Test
    void someoneElsesXdpProgramIsLeftAloneAndNamed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(StaleXdpPrograms.libbpfAvailable(),
                "skipped: libbpf.so.1 (Debian libbpf1) is not installed");
        try (VethPair veth = XdpTestSupport.veth(); Arena arena = Arena.ofConfined()) {
            leaveNetlinkProgram(arena, veth.a, "axp_foreign");
            assertThatThrownBy(() -> open("p0=afxdp:" + veth.a + ",mode=native"))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageStartingWith("afxdp:" + veth.a + " (mode native, queue 0): ")
                    .hasMessageContaining("already has an XDP program 'axp_foreign'")
                    .hasMessageNotContaining("\n");
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("not ours to remove").isTrue();
            assertThat(pool.freeCount()).isEqualTo(initialFree);
        }
    }

    /** Loads the redirect program under {@code name} and attaches it with netlink, then drops every fd. */
    private static void leaveNetlinkProgram(Arena arena, String ifname, String name) {
        LinuxCalls calls = new LinuxCalls(arena);
        int ifindex = calls.ifNameToIndex(ifname, arena);
        int mapFd = XdpRedirectProgram.createMap(calls, arena, 1);
        int progFd = XdpRedirectProgram.loadProgram(calls, arena, mapFd, name);
        assertThat(StaleXdpPrograms.attachLegacy(ifindex, progFd, XdpRedirectProgram.XDP_FLAGS_DRV_MODE)).isZero();
        calls.close(progFd);
        calls.close(mapFd);
    }

    @Test
    void anInterfaceThatDisappearsTakesThePortDownAndCloseStillReturnsEveryBuffer() throws Exception {
        VethPair veth = XdpTestSupport.veth();
        AfXdpPort port;
        try {
            port = open("p0=afxdp:" + veth.a);
        } finally {
            veth.close(); // deleting the interface under the open port
        }
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (port.state() == io.pswitch.dataplane.port.PortState.UP && System.nanoTime() < deadline) {
                port.rxSync();
                port.txSync();
                Thread.sleep(5);
            }
            assertThat(port.state()).isEqualTo(io.pswitch.dataplane.port.PortState.DOWN);
            assertThat(port.downReason()).startsWith("afxdp:" + veth.a + " queue 0: interface gone");
            // Frames handed over to a port that is down are discarded, not kept forever.
            Ring tx = port.txRing();
            tx.len[tx.head] = 60;
            tx.head = tx.cur = tx.next(tx.head);
            assertThat(port.txSync()).isZero();
            assertThat(tx.txPending()).isZero();
            assertThat(port.txDiscarded()).isEqualTo(1);
        } finally {
            port.close();
        }
        assertThat(pool.freeCount()).isEqualTo(initialFree);
    }

    @Test
    void framesThatFindNoFillRingBufferAreCountedAsKernelDrops() throws Exception {
        try (VethPair veth = XdpTestSupport.veth(); PcapPeer peer = new PcapPeer(veth.b, LivePcapHandle.PCAP_D_IN)) {
            AfXdpPort port = open("p0=afxdp:" + veth.a);
            try {
                Ring rx = port.rxRing();
                // The switch never releases: the ring fills, the kernel runs out of lent buffers.
                for (byte[] f : frames(3 * RING, 31, 60, 200)) {
                    peer.send(f);
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                while ((port.counters().kernelFillRingEmpty() == 0 || port.driverRxDrops() == 0
                        || rx.userSlots() < RING - 1) && System.nanoTime() < deadline) {
                    port.rxSync();
                    Thread.sleep(10); // statistics are copied in every STATS_INTERVAL_NS
                }
                assertThat(rx.userSlots()).isEqualTo(RING - 1);
                assertThat(port.counters().kernelFillRingEmpty()).as("fill ring found empty").isPositive();
                assertThat(port.driverRxDrops()).as("kernel drops reach the switch's counters").isPositive();
                assertThat(port.counters().rxFrames() + port.driverRxDrops()).isLessThanOrEqualTo(3L * RING);
            } finally {
                port.close();
            }
            assertThat(pool.freeCount()).isEqualTo(initialFree);
        }
    }

    @Test
    void noSuchInterfaceIsOneLine() {
        assertThatThrownBy(() -> open("p0=afxdp:axpnosuch0"))
                .isInstanceOf(PortOpenException.class)
                .hasMessage("afxdp:axpnosuch0 (mode auto, queue 0): no such interface");
        assertThat(pool.freeCount()).isEqualTo(initialFree);
    }

    @Test
    void aPoolTooSmallForTheRingsIsOneLineAndLeavesNoProgramSocketOrBuffer() throws Exception {
        try (VethPair veth = XdpTestSupport.veth();
                BufferPool small = BufferPool.open(shm.resolve("small"), 2048, RING + RING / 2 + 2)) {
            int free = small.freeCount();
            assertThatThrownBy(() -> new AfXdpPortFactory().open(PortSpec.parse("p0=afxdp:" + veth.a), new PortContext(small, RING, BATCH)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage("afxdp:" + veth.a + " (mode auto, queue 0): buffer pool has too few free buffers for ring p0.tx ("
                            + RING + " slots): make the pool larger or the rings smaller");
            assertThat(small.freeCount()).as("a failed open keeps no buffer").isEqualTo(free);
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).as("the program is detached").isFalse();
            // The queue binds again only if the failed open closed its socket.
            AfXdpPort port = open("p0=afxdp:" + veth.a);
            port.close();
        }
        assertThat(pool.freeCount()).isEqualTo(initialFree);
    }

    @Test
    void aPoolOnABlockFileSystemIsRefusedSayingWhy() {
        try (BufferPool onDisk = BufferPool.open(tmp.resolve("pool"), 2048, 256)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(onDisk.storageClass().label().equals("block"),
                    "skipped: the temporary directory is not on a block file system here");
            assertThatThrownBy(() -> new AfXdpPortFactory().open(PortSpec.parse("p0=afxdp:lo"), new PortContext(onDisk, RING, BATCH)))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageStartingWith("afxdp:lo (mode auto, queue 0): the buffer pool ")
                    .hasMessageContaining("is on a block file system")
                    .hasMessageContaining("/dev/shm");
        }
    }

    @Test
    void anMtuLargerThanABufferIsRefused() throws Exception {
        try (VethPair veth = XdpTestSupport.veth()) {
            VethPair.run("ip", "link", "set", "dev", veth.a, "mtu", "4000");
            assertThatThrownBy(() -> open("p0=afxdp:" + veth.a))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageStartingWith("afxdp:" + veth.a + " (mode auto, queue 0): MTU 4000 is larger than a buffer holds: frames up to 1792 bytes");
            assertThat(pool.freeCount()).isEqualTo(initialFree);
        }
    }

    @Test
    void nativeModeRefusedByTheInterfaceIsOneLine() throws Exception {
        // A bridge has no native XDP (no ndo_bpf), and an empty one carries no one's traffic.
        String dummy = "axpbr" + (ProcessHandle.current().pid() % 100_000);
        VethPair.run("ip", "link", "add", dummy, "type", "bridge");
        try {
            VethPair.run("ip", "link", "set", dummy, "up");
            assertThatThrownBy(() -> open("p0=afxdp:" + dummy + ",mode=native"))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageStartingWith("afxdp:" + dummy + " (mode native, queue 0): native XDP mode refused by the interface")
                    .hasMessageContaining("try mode=generic");
            assertThat(pool.freeCount()).isEqualTo(initialFree);
            assertThat(XdpTestSupport.hasXdpProgram(dummy)).isFalse();
            // Without a mode the port falls back to generic XDP, and says so.
            AfXdpPort port = open("p0=afxdp:" + dummy);
            assertThat(port.xdpMode()).isEqualTo("generic");
            assertThat(port.description()).contains("generic XDP");
            port.close();
        } finally {
            VethPair.run("ip", "link", "del", dummy);
        }
    }

    @Test
    void zeroCopyOnAnInterfaceWithoutItIsRefused() throws Exception {
        try (VethPair veth = XdpTestSupport.veth()) {
            assertThatThrownBy(() -> open("p0=afxdp:" + veth.a + ",zerocopy=on"))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessageStartingWith("afxdp:" + veth.a + " (mode auto, queue 0): zero-copy refused");
            assertThatThrownBy(() -> open("p0=afxdp:" + veth.a + ",mode=generic,zerocopy=on"))
                    .isInstanceOf(PortOpenException.class)
                    .hasMessage("afxdp:" + veth.a + " (mode generic, queue 0): zerocopy=on needs mode=native (generic XDP always copies)");
            assertThat(pool.freeCount()).isEqualTo(initialFree);
            assertThat(XdpTestSupport.hasXdpProgram(veth.a)).isFalse();
        }
    }

    @Test
    void noPrivilegeIsOneLine() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "skipped: setpriv (util-linux) is not installed");
        try (VethPair veth = XdpTestSupport.veth()) {
            // uid 0 with every capability dropped: what an unprivileged start looks like to the kernel.
            Process child = new ProcessBuilder(command(new String[] {"/usr/bin/setpriv", "--bounding-set=-all", "--inh-caps=-all",
                    "--ambient-caps=-all"}, "-cp",
                    System.getProperty("java.class.path"), AfXdpHolderMain.class.getName(), shm.toString(),
                    "p0=afxdp:" + veth.a)).redirectErrorStream(true).start();
            try {
                String line = readStatus(child);
                assertThat(line).startsWith("error afxdp:" + veth.a + " (mode auto, queue 0): no privilege");
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isEqualTo(1);
            } finally {
                child.destroyForcibly();
            }
        }
    }

    /** The child JVM's command: the tests' JVM flags (Agrona's buffers reach jdk.internal.misc.Unsafe), then {@code tail}. */
    private static java.util.List<String> command(String[] head, String... tail) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(head));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getProperty("pswitch.jvm.flags", "--enable-native-access=ALL-UNNAMED");
        cmd.addAll(java.util.List.of(flags.trim().split("\\s+")));
        cmd.addAll(java.util.List.of(tail));
        return cmd;
    }
}
