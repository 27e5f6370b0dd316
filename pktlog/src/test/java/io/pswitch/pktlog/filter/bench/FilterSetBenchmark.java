package io.pswitch.pktlog.filter.bench;

import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.filter.FilterMatch;
import io.pswitch.pktlog.filter.FilterSet;
import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.pool.BufferPoolDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Filter cost per frame, as the logging stage pays it: {@link FilterSet#evaluate} over 64-byte
 * IPv4/UDP frames sitting in {@link BufferPool} buffers (a pool file in /dev/shm), on ingress port 0.
 * One operation = one frame. Sets: the logging bench's one filter ({@code udp dst port 5001}), and
 * 100 or 2,000 filters shaped like an operator's ({@code udp dst port N and src host H}, as the
 * reliability test installs them) plus that one. 1 frame in 8 goes to port 5001; the others to ports
 * and from hosts the large sets name, so their guards are passed and their switch cases hit.
 * Run by {@link FilterBenchMain}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FilterSetBenchmark {
    static final int FRAMES = 256;
    private static final int FRAME_LEN = 64;

    @Param({"1", "100", "2000"})
    public int filters;

    private Path poolFile;
    private BufferPool pool;
    private MemorySegment memory;
    private FilterSet set;
    private final FilterMatch match = new FilterMatch();
    private final long[] offsets = new long[FRAMES];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        poolFile = Files.createTempFile(Path.of("/dev/shm"), "pswitch-filterbench", ".pool");
        Files.delete(poolFile);
        pool = BufferPool.open(poolFile, 2048, FRAMES + BufferPoolDescriptor.RESERVED_BUFFERS);
        memory = pool.segment();
        for (int i = 0; i < FRAMES; i++) {
            int buf = pool.allocate();
            if (buf == 0) {
                throw new IllegalStateException("pool " + poolFile + " has fewer than " + FRAMES + " free buffers");
            }
            int dstPort = i % 8 == 0 ? 5001 : 20000 + (i * 37) % Math.max(1, filters);
            byte[] frame = udpFrame(0x0a090000 | ((i * 37) % Math.max(1, filters)), dstPort);
            MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, pool.offset(buf), frame.length);
            offsets[i] = pool.offset(buf);
        }
        set = FilterSet.compile(filterSet(filters), name -> name.equals("p0") ? 0 : -1);
    }

    /** The set the bench measures: the logging bench's filter, then operator-like ones up to {@code n}. */
    static List<Filter> filterSet(int n) {
        List<Filter> out = new ArrayList<>();
        out.add(new Filter(1, "bench", "udp dst port 5001", 0, Set.of(), true));
        for (int i = 1; i < n; i++) {
            out.add(new Filter(i + 1, "f" + i, "udp dst port " + (20000 + i) + " and src host 10.9." + (i >> 8) + "." + (i & 255),
                    128, Set.of(), true));
        }
        return out;
    }

    static byte[] udpFrame(int srcIp, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_LEN);
        b.put(new byte[]{2, 0, 0, 0, 0, 2}).put(new byte[]{2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (FRAME_LEN - 14)).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).putInt(srcIp).putInt(0x0a000002);
        b.putShort((short) 40000).putShort((short) dstPort).putShort((short) (FRAME_LEN - 34)).putShort((short) 0);
        return b.array();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        Files.deleteIfExists(poolFile);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int evaluate() {
        FilterSet s = set;
        FilterMatch m = match;
        MemorySegment mem = memory;
        int matched = 0;
        for (int i = 0; i < FRAMES; i++) {
            matched += s.evaluate(mem, offsets[i], FRAME_LEN, FRAME_LEN, 0, m);
        }
        return matched;
    }
}
