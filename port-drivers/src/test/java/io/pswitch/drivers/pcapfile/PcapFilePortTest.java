package io.pswitch.drivers.pcapfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.frame.TestFrames;
import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortDriverFactory;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.LinkType;
import io.pswitch.pktlog.pcap.PcapWriter;
import io.pswitch.pktlog.pcap.PcapngWriter;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFilePortTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path tmp;
    private BufferPool pool;
    private int initialFree;
    private final long[] mono = {1_000};
    private final long[] wall = {T0 + 777};
    private final NanoClock monoClock = () -> mono[0];
    private final EpochNanoClock wallClock = () -> wall[0];

    @BeforeEach
    void openPool() {
        pool = BufferPool.open(tmp.resolve("pool"), 2048, 512);
        initialFree = pool.freeCount();
    }

    @AfterEach
    void closePool() {
        assertThat(pool.freeCount()).as("every buffer back in the pool").isEqualTo(initialFree);
        pool.close();
    }

    private static byte[] frame(int length, int seq) {
        return TestFrames.frame(length, seq);
    }

    private Path capture(String name, long[] ts, byte[]... frames) {
        Path p = tmp.resolve(name);
        try (PcapWriter w = PcapWriter.create(p)) {
            for (int i = 0; i < frames.length; i++) {
                w.write(ts[i], frames[i]);
            }
        }
        return p;
    }

    private PcapFilePort open(String spec, int batch) {
        return (PcapFilePort) new PcapFilePortFactory(monoClock, wallClock)
                .open(PortSpec.parse(spec), new PortContext(pool, 16, batch));
    }

    private byte[] slot(Ring rx, int slot, int length) {
        byte[] b = new byte[length];
        MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[slot]), b, 0, length);
        return b;
    }

    /** Takes what rxSync delivered off the ring; returns the frames. */
    private List<byte[]> drain(Port port) {
        Ring rx = port.rxRing();
        List<byte[]> got = new ArrayList<>();
        for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
            got.add(slot(rx, s, Math.min(rx.len[s], pool.bufferSize())));
        }
        rx.head = rx.cur = rx.tail;
        return got;
    }

    @Test
    void releasesFramesAtTheirOriginalPaceWithoutSleeping() {
        long ms = 1_000_000L;
        Path in = capture("paced.pcap", new long[] {T0, T0 + ms, T0 + 3 * ms}, frame(60, 0), frame(60, 1), frame(60, 2));
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",speed=original", 16)) {
            assertThat(port.rxSync()).as("the first frame is due at once").isEqualTo(1);
            mono[0] += ms / 2;
            assertThat(port.rxSync()).as("the second is due 1 ms after the first").isZero();
            mono[0] += ms / 2;
            assertThat(port.rxSync()).isEqualTo(1);
            mono[0] += ms;
            assertThat(port.rxSync()).isZero();
            mono[0] += ms;
            assertThat(port.rxSync()).isEqualTo(1);
            assertThat(port.rxSync()).isZero();
            assertThat(port.state()).isEqualTo(PortState.INPUT_ENDED);
            assertThat(drain(port)).hasSize(3);
        }
    }

    @Test
    void replaysFasterWithASpeedFactor() {
        long ms = 1_000_000L;
        Path in = capture("fast.pcap", new long[] {T0, T0 + 4 * ms}, frame(60, 0), frame(60, 1));
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",speed=4x", 16)) {
            assertThat(port.rxSync()).isEqualTo(1);
            mono[0] += ms - 1;
            assertThat(port.rxSync()).isZero();
            mono[0] += 1;
            assertThat(port.rxSync()).as("4 ms of capture time replay in 1 ms").isEqualTo(1);
        }
    }

    @Test
    void topSpeedFillsABatchAtOnce() {
        long[] ts = new long[40];
        byte[][] frames = new byte[40][];
        for (int i = 0; i < 40; i++) {
            ts[i] = T0 + i * 1_000_000_000L;
            frames[i] = frame(64, i);
        }
        Path in = capture("top.pcap", ts, frames);
        try (PcapFilePort port = open("p0=pcapfile:" + in, 8)) {
            assertThat(port.rxSync()).isEqualTo(8);
            assertThat(port.rxSync()).as("then up to the ring's space (15)").isEqualTo(7);
            assertThat(port.rxSync()).isZero();
            assertThat(drain(port)).hasSize(15);
        }
    }

    @Test
    void stampsFramesWithTheSwitchReceiveTimeNeverGoingBack() {
        Path in = capture("ts.pcap", new long[] {5, 6, 7}, frame(60, 0), frame(60, 1), frame(60, 2));
        try (PcapFilePort port = open("p0=pcapfile:" + in, 1)) {
            Ring rx = port.rxRing();
            port.rxSync();
            assertThat(rx.timestampNs[0]).isEqualTo(T0 + 777);
            wall[0] = T0 + 100; // the wall clock steps back
            port.rxSync();
            assertThat(rx.timestampNs[1]).isEqualTo(T0 + 777);
            wall[0] = T0 + 2000;
            port.rxSync();
            assertThat(rx.timestampNs[2]).isEqualTo(T0 + 2000);
        }
    }

    @Test
    void loopsOverTheInputTheGivenNumberOfTimes() {
        Path in = capture("loop.pcap", new long[] {1, 2}, frame(60, 0), frame(61, 1));
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",loop=3", 16)) {
            port.rxSync();
            List<byte[]> got = drain(port);
            assertThat(got).extracting(b -> b.length).containsExactly(60, 61, 60, 61, 60, 61);
            assertThat(port.state()).isEqualTo(PortState.INPUT_ENDED);
            assertThat(port.passesDone()).isEqualTo(3);
        }
    }

    @Test
    void loopZeroReplaysForever() {
        Path in = capture("forever.pcap", new long[] {1}, frame(60, 0));
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",loop=0", 16)) {
            int total = 0;
            for (int i = 0; i < 20; i++) {
                total += port.rxSync();
                drain(port);
            }
            assertThat(total).isEqualTo(20 * 15);
            assertThat(port.state()).isEqualTo(PortState.UP);
        }
    }

    @Test
    void anEmptyCaptureEndsAtOnceEvenWhenLoopingForever() {
        Path in = capture("empty.pcap", new long[0]);
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",loop=0", 16)) {
            assertThat(port.rxSync()).isZero();
            assertThat(port.state()).isEqualTo(PortState.INPUT_ENDED);
        }
    }

    @Test
    void refusesACaptureWhoseLinkTypeIsNotEthernet() {
        Path in = tmp.resolve("in.pcap");
        try (PcapWriter w = PcapWriter.create(in, LinkType.LINUX_SLL, 65535)) {
            w.write(1, frame(60, 0));
        }
        assertThatThrownBy(() -> open("p0=pcapfile:" + in, 16)).isInstanceOf(PortOpenException.class)
                .hasMessage("port p0: capture " + in + " has link type LINUX_SLL (113); pcapfile ports take Ethernet (1) only");
    }

    @Test
    void refusesAMissingOrMalformedCaptureWithTheReadersMessage() throws Exception {
        assertThatThrownBy(() -> open("p0=pcapfile:" + tmp.resolve("missing.pcap"), 16))
                .isInstanceOf(PortOpenException.class).hasMessageContaining("missing.pcap").hasMessageContaining("no such file");
        Path junk = Files.writeString(tmp.resolve("junk.pcap"), "not a capture at all");
        assertThatThrownBy(() -> open("p0=pcapfile:" + junk, 16))
                .isInstanceOf(PortOpenException.class).hasMessageContaining("junk.pcap").hasMessageContaining("bad magic");
    }

    @Test
    void refusesUnknownAndMalformedOptions() {
        Path in = capture("in.pcap", new long[] {1}, frame(60, 0));
        assertThatThrownBy(() -> open("p0=pcapfile:" + in + ",rate=10", 16)).isInstanceOf(PortOpenException.class)
                .hasMessage("port p0: unknown option 'rate' for driver pcapfile (it takes out, speed, loop)");
        assertThatThrownBy(() -> open("p0=pcapfile:" + in + ",speed=fast", 16)).isInstanceOf(PortOpenException.class)
                .hasMessageContaining("speed=fast is not top, original or a positive factor");
        assertThatThrownBy(() -> open("p0=pcapfile:" + in + ",speed=0x", 16)).isInstanceOf(PortOpenException.class);
        assertThatThrownBy(() -> open("p0=pcapfile:" + in + ",loop=-1", 16)).isInstanceOf(PortOpenException.class)
                .hasMessageContaining("loop=-1 is not a count of passes");
        assertThatThrownBy(() -> open("p0=pcapfile:" + in + ",out=" + in, 16)).isInstanceOf(PortOpenException.class)
                .hasMessageContaining("is the input capture itself");
    }

    @Test
    void endsTheInputAtAMalformedRecordKeepingTheFramesBefore() throws Exception {
        Path whole = capture("whole.pcap", new long[] {1, 2, 3}, frame(100, 0), frame(100, 1), frame(100, 2));
        Path cut = tmp.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(whole), 24 + 2 * 116 + 50));
        try (PcapFilePort port = open("p0=pcapfile:" + cut, 16)) {
            assertThat(port.rxSync()).isEqualTo(2);
            assertThat(port.state()).isEqualTo(PortState.INPUT_ENDED);
            assertThat(port.malformedRecords()).isEqualTo(1);
            assertThat(port.lastError()).contains("cut.pcap").contains("at byte 256").contains("truncated record");
            assertThat(drain(port)).containsExactly(frame(100, 0), frame(100, 1));
        }
    }

    @Test
    void deliversOversizeFramesCutToABufferWithTheirFullLengthAndRunts() {
        Path in = capture("sizes.pcap", new long[] {1, 2, 3}, frame(3000, 0), frame(8, 1), frame(20, 2));
        try (PcapFilePort port = open("p0=pcapfile:" + in, 16)) {
            Ring rx = port.rxRing();
            assertThat(port.rxSync()).isEqualTo(3);
            assertThat(rx.len[0]).as("full caplen, so the switch drops it as oversize").isEqualTo(3000);
            assertThat(slot(rx, 0, 2048)).isEqualTo(Arrays.copyOf(frame(3000, 0), 2048));
            assertThat(rx.len[1]).isEqualTo(8);
            assertThat(slot(rx, 1, 8)).isEqualTo(frame(8, 1));
            assertThat(rx.len[2]).isEqualTo(20);
            drain(port);
        }
    }

    @Test
    void readsPcapngInputsAndSkipsRecordsOfNonEthernetInterfaces() {
        Path in = tmp.resolve("in.pcapng");
        try (PcapngWriter w = PcapngWriter.create(in)) {
            w.addInterface("eth0");
            w.addInterface("sll", LinkType.LINUX_SLL, 65535);
            w.write(0, 1, frame(60, 0), null);
            w.write(1, 2, frame(60, 1), null);
            w.write(0, 3, frame(70, 2), "kept");
        }
        try (PcapFilePort port = open("p0=pcapfile:" + in, 16)) {
            assertThat(port.rxSync()).isEqualTo(2);
            assertThat(port.skippedRecords()).isEqualTo(1);
            assertThat(drain(port)).containsExactly(frame(60, 0), frame(70, 2));
        }
    }

    @Test
    void writesTransmittedFramesStampedNowAndCompleteOnClose() {
        Path in = capture("in.pcap", new long[0]);
        Path out = tmp.resolve("out.pcap");
        PcapFilePort port = open("p0=pcapfile:" + in + ",out=" + out, 16);
        Ring tx = port.txRing();
        for (int i = 0; i < 3; i++) {
            byte[] f = frame(64 + i, i);
            MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[tx.head]), f.length);
            tx.len[tx.head] = f.length;
            tx.head = tx.cur = tx.next(tx.head);
        }
        assertThat(port.txSync()).isEqualTo(3);
        assertThat(tx.txPending()).isZero();
        assertThat(tx.userSlots()).as("all slots reclaimed").isEqualTo(15);
        port.close();
        try (CaptureReader r = CaptureReader.open(out)) {
            for (int i = 0; i < 3; i++) {
                assertThat(r.next()).isTrue();
                assertThat(r.timestampNs()).isEqualTo(T0 + 777);
                assertThat(r.data()).isEqualTo(frame(64 + i, i));
            }
            assertThat(r.next()).isFalse();
        }
    }

    @Test
    void countsAndDiscardsTransmittedFramesWithoutAnOutput() {
        Path in = capture("in.pcap", new long[0]);
        try (PcapFilePort port = open("p0=pcapfile:" + in, 16)) {
            Ring tx = port.txRing();
            tx.len[0] = 60;
            tx.len[1] = 60;
            tx.head = tx.cur = 2;
            assertThat(port.txSync()).isEqualTo(2);
            assertThat(port.discardedTxFrames()).isEqualTo(2);
            assertThat(tx.userSlots()).isEqualTo(15);
            assertThat(port.state()).as("transmission works after the input ended").isIn(PortState.UP, PortState.INPUT_ENDED);
        }
    }

    @Test
    void rxSyncAndTxSyncAllocateNothing() {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot measure per-thread allocation: skipped");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation is not measured: skipped");
        threads.setThreadAllocatedMemoryEnabled(true);
        long[] ts = new long[4000];
        byte[][] frames = new byte[4000][];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = T0 + i;
            frames[i] = frame(60 + i % 1000, i);
        }
        Path in = capture("many.pcap", ts, frames);
        try (PcapFilePort port = open("p0=pcapfile:" + in + ",out=" + tmp.resolve("o2.pcap"), 8)) {
            Ring rx = port.rxRing();
            Ring tx = port.txRing();
            for (int i = 0; i < 50; i++) { // warm up
                port.rxSync();
                rx.head = rx.cur = rx.tail;
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 400; i++) {
                port.rxSync();
                rx.head = rx.cur = rx.tail;
                tx.len[tx.head] = 60;
                tx.head = tx.cur = tx.next(tx.head);
                port.txSync();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(port.framesRead()).isEqualTo(450 * 8);
            assertThat(allocated).as("bytes allocated by 400 rxSync + txSync calls").isLessThan(4096);
        }
    }

    @Test
    void isFoundByItsDriverName() {
        List<String> names = new ArrayList<>();
        for (PortDriverFactory f : ServiceLoader.load(PortDriverFactory.class)) {
            names.add(f.driver());
        }
        assertThat(names).contains("pcapfile");
    }
}
