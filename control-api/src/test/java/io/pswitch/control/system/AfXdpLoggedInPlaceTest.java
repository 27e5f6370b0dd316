package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pswitch.control.run.RunCommand;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.drivers.pcap.LivePcapHandle;
import io.pswitch.pktlog.index.ClosedLog;
import io.pswitch.pktlog.libpcap.LibpcapLibrary;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * PASTE through AF_XDP: a switch (in this JVM) with two {@code afxdp} ports and a logging filter.
 * The kernel writes each received frame into a pool buffer, the log records that very buffer, and
 * the pool file holds, at that buffer's offset 0, the bytes the peer sent; the query exports them
 * unchanged. (That an RX slot names the buffer of the kernel's RX descriptor is shown at the port,
 * in {@code AfXdpPortTest}.)
 */
@Timeout(120)
class AfXdpLoggedInPlaceTest {
    private final String tag = Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private Path shm;

    private String dev(String end) {
        return "axp" + tag + "l" + end;
    }

    @AfterEach
    void cleanUp() throws Exception {
        Netns.run(10, "ip", "link", "del", dev("a"));
        Netns.run(10, "ip", "link", "del", dev("c"));
        if (shm != null) {
            try (Stream<Path> s = Files.walk(shm)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aLoggedRecordPointsAtThePoolBufferTheKernelWroteAndExportsTheBytesSent() throws Exception {
        assumeTrue(Netns.usable(), "needs root and iproute2 for veth pairs and XDP; skipped");
        assumeTrue(LibpcapLibrary.available(), "needs libpcap (the test's peer); skipped");
        for (String[] pair : new String[][] {{"a", "b"}, {"c", "d"}}) {
            Netns.must("ip", "link", "add", dev(pair[0]), "type", "veth", "peer", "name", dev(pair[1]));
            for (String end : pair) {
                Netns.run(10, "sysctl", "-qw", "net.ipv6.conf." + dev(end) + ".disable_ipv6=1");
                Netns.must("ip", "link", "set", dev(end), "up");
            }
        }
        shm = Files.createTempDirectory(Path.of("/dev/shm"), "axp-logged-");
        Path data = shm.resolve("data");
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs("--port", "a=afxdp:" + dev("a"), "--port", "c=afxdp:" + dev("c"),
                "--data-dir", data.toString(), "--buffers", "8192", "--ring-size", "256",
                "--filter", "test=ether proto 0x88b5", "--durability", "batch", "-q", "--api", "off");

        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 50; i++) {
            byte[] f = new byte[60 + r.nextInt(1400)];
            r.nextBytes(f);
            f[0] = 0x02;
            f[6] = 0x02;
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;
            f[14] = (byte) i;
            sent.add(f);
        }
        try (SwitchAssembly sw = SwitchAssembly.start(cmd.settings());
                LivePcapHandle peer = LivePcapHandle.open(dev("b"), 2048, 1 << 20, LivePcapHandle.PCAP_D_IN);
                Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            for (byte[] f : sent) {
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                assertThat(peer.inject(buf.address(), f.length)).isPositive();
                Thread.sleep(1); // the switch keeps up; XDP would drop what finds no fill-ring buffer
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (sw.agent().counters(0).rxFrames() < sent.size() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sw.agent().counters(0).rxFrames()).isEqualTo(sent.size());
        }

        List<byte[]> exported = new ArrayList<>();
        List<Integer> bufs = new ArrayList<>();
        try (ClosedLog log = ClosedLog.open(data.resolve("pool"))) {
            LogReader reader = new LogReader(log);
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                byte[] b = new byte[rec.storedLength()];
                MemorySegment.copy(frame, ValueLayout.JAVA_BYTE, off, b, 0, b.length);
                exported.add(b);
                bufs.add(rec.bufIdx());
                return true;
            });
            assertThat(reader.crcMismatches()).isZero();
        }
        assertThat(exported).hasSize(sent.size());
        try (FileChannel file = FileChannel.open(data.resolve("pool"), StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment named = file.map(FileChannel.MapMode.READ_ONLY, 0, file.size(), arena);
            int bufferSize = BufferPoolDescriptor.bufferSize(named);
            for (int i = 0; i < sent.size(); i++) {
                assertThat(exported.get(i)).as("exported frame %d is the frame sent", i).isEqualTo(sent.get(i));
                byte[] inPlace = new byte[sent.get(i).length];
                MemorySegment.copy(named, ValueLayout.JAVA_BYTE, BufferPoolDescriptor.bufferOffset(bufferSize, bufs.get(i)),
                        inPlace, 0, inPlace.length);
                assertThat(inPlace).as("frame %d sits at offset 0 of its record's pool buffer %d", i, bufs.get(i))
                        .isEqualTo(sent.get(i));
            }
        }
    }
}
