package io.pswitch.pktlog.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.pktlog.pool.BufferPool;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Real frames for segment tests: a real {@link BufferPool} (on /dev/shm, as the hot tier uses it)
 * whose buffers are filled with bytes derived from (sequence, generation), and the oracle that
 * says what a record must look like when it is read back.
 */
final class SegmentFrames implements AutoCloseable {
    static final long BASE_TS = 1_700_000_000_000_000_000L;
    static final UUID LOG_ID = UUID.fromString("5e6d0000-0000-4000-8000-000000000010");

    final BufferPool pool;
    final MemorySegment poolSegment;
    private int nextBuf;

    SegmentFrames(Path poolFile, int buffers) {
        pool = BufferPool.open(poolFile, 2048, buffers);
        poolSegment = pool.segment();
        nextBuf = 2;
    }

    /**
     * The pack threshold the segment tests write with: below the frames' largest sizes, so that
     * both paths (packed by a copy, gathered from the pool buffer) are written, torn and recovered.
     */
    static final int PACK_THRESHOLD = 256;

    /** {@link SegmentConfig#of(long, long)} with {@link #PACK_THRESHOLD}. */
    static SegmentConfig config(long capacity, long segmentSize) {
        return SegmentConfig.of(capacity, segmentSize).withPackThreshold(PACK_THRESHOLD);
    }

    static long ts(long seq) {
        return BASE_TS + seq * 1_000L;
    }

    /** Stored length of record {@code seq}: 0..2048, both below and above the pack threshold. */
    static int stored(long seq) {
        long h = mix(seq);
        return switch ((int) (h & 7)) {
            case 0 -> 0;
            case 1 -> 60;
            case 2 -> 256;
            case 3 -> 257;
            case 4 -> 1514;
            case 5 -> 2048;
            default -> (int) ((h >>> 8) % 2049);
        };
    }

    static int wire(long seq) {
        return Math.max(1, stored(seq) + (int) (mix(seq) >>> 40 & 3));
    }

    static byte byteAt(long seq, long generation, int i) {
        return (byte) (mix(seq * 31 + generation * 1_000_003L + i / 8) >>> ((i & 7) * 8));
    }

    static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** Fills a pool buffer with record {@code seq}'s bytes and returns its offset in the pool. */
    long fill(long seq, long generation) {
        int bufIdx = nextBuf;
        nextBuf = nextBuf + 1 >= pool.bufferCount() ? 2 : nextBuf + 1;
        long off = pool.offset(bufIdx);
        int n = stored(seq);
        for (int i = 0; i < n; i++) {
            poolSegment.set(ValueLayout.JAVA_BYTE, off + i, byteAt(seq, generation, i));
        }
        // Past the stored length: junk that must never come back.
        for (int i = n; i < 2048; i++) {
            poolSegment.set(ValueLayout.JAVA_BYTE, off + i, (byte) 0xEE);
        }
        return off;
    }

    /** Adds record {@code seq} (writing the chunk first when full). */
    void add(SegmentWriter w, long seq, long generation) {
        long off = fill(seq, generation);
        if (!add0(w, seq, off)) {
            assertThat(w.write()).isNotEqualTo(SegmentWriter.NO_SPACE);
            assertThat(add0(w, seq, off)).isTrue();
        }
    }

    /** Adds records {@code from..to} (generation 0), written and synced every 40 records and at the end. */
    void addSynced(SegmentWriter w, long from, long to) {
        for (long seq = from; seq <= to; seq++) {
            add(w, seq, 0);
            if (seq % 40 == 0) {
                w.write();
                w.sync();
            }
        }
        w.write();
        w.sync();
    }

    boolean add0(SegmentWriter w, long seq, long off) {
        return w.add(seq, ts(seq), (int) (seq % 5), (int) (seq % 7) - 3, seq * 0x10001L, (int) (seq % 64), wire(seq), stored(seq),
                seq % 3 == 0 ? 0 : seq << 16, poolSegment, off);
    }

    /** Records read back: (record copy, bytes). */
    record Read(LogRecord record, byte[] bytes) {
    }

    static List<Read> readAll(SegmentReader r, LogQuery q) {
        List<Read> out = new ArrayList<>();
        r.query(q, (rec, frame, offset) -> {
            out.add(new Read(rec.copy(), frame.asSlice(offset, rec.storedLength()).toArray(ValueLayout.JAVA_BYTE)));
            return true;
        });
        return out;
    }

    /** Asserts that {@code read} is record {@code seq} of {@code generation}, field by field and byte by byte. */
    static void assertRecord(Read read, long seq, long generation) {
        LogRecord r = read.record();
        assertThat(r.sequence()).isEqualTo(seq);
        assertThat(r.timestampNs()).isEqualTo(ts(seq));
        assertThat(r.ingressPort()).isEqualTo((int) (seq % 5));
        assertThat(r.decision()).isEqualTo((int) (seq % 7) - 3);
        assertThat(r.filterMask()).isEqualTo(seq * 0x10001L);
        assertThat(r.firstFilterId()).isEqualTo((int) (seq % 64));
        assertThat(r.wireLength()).isEqualTo(wire(seq));
        assertThat(r.storedLength()).isEqualTo(stored(seq));
        assertThat(r.tunnel()).isEqualTo(seq % 3 == 0 ? 0 : seq << 16);
        assertThat(r.bufIdx()).isEqualTo(-1);
        byte[] b = read.bytes();
        for (int i = 0; i < b.length; i++) {
            if (b[i] != byteAt(seq, generation, i)) {
                throw new AssertionError("seq " + seq + " byte " + i + " differs");
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
