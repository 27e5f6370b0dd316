package io.pswitch.pktlog.index;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The power-loss test layer behind {@link LogStorage}: every write and flush goes to the real
 * mappings (so the log runs for real), and a shadow copy of each file holds what the last flushes
 * made durable. Whatever differs between a mapping and its shadow was written since its last flush;
 * a crash image keeps, drops, zeroes or tears (8-byte granularity) each such dirty range.
 *
 * <p>Dirty pool bytes come from anyone (drivers write frames without going through the log), so
 * they are found by comparing the mapping with its shadow, not by recording calls.
 */
public final class RecordingStorage implements LogStorage {
    public enum Mode { KEEP, DROP, ZERO, TEAR }

    private final MemorySegment poolSegment;
    private final byte[] poolDurable;
    private MemorySegment indexSegment;
    private byte[] indexDurable;
    private Runnable beforeForce;
    private long writes;
    private long forces;

    /** @param poolSegment the pool mapping, whose current content is taken as durable */
    public RecordingStorage(MemorySegment poolSegment) {
        this.poolSegment = poolSegment;
        this.poolDurable = poolSegment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Registers the index mapping now (its content is taken as durable), before anything is written through this storage. */
    public void attachIndex(MemorySegment segment) {
        durableFor(segment);
    }

    /** Runs {@code hook} at every flush, before it takes effect: the crash "during the flush" point. */
    public void beforeEachForce(Runnable hook) {
        this.beforeForce = hook;
    }

    private byte[] durableFor(MemorySegment segment) {
        if (segment == poolSegment) {
            return poolDurable;
        }
        if (indexSegment == null) {
            // First touch of the index: it was created (and forced) or opened from disk, so it is durable as it is.
            indexSegment = segment;
            indexDurable = segment.toArray(ValueLayout.JAVA_BYTE);
        }
        if (segment != indexSegment) {
            throw new IllegalStateException("storage used for a mapping it does not know");
        }
        return indexDurable;
    }

    @Override
    public void write(MemorySegment segment, long offset, MemorySegment src, long length) {
        durableFor(segment);
        writes++;
        LogStorage.MAPPED.write(segment, offset, src, length);
    }

    @Override
    public void force(MemorySegment segment, long offset, long length) {
        byte[] durable = durableFor(segment);
        forces++;
        Runnable hook = beforeForce;
        if (hook != null) {
            hook.run();
        }
        LogStorage.MAPPED.force(segment, offset, length);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, durable, (int) offset, (int) length);
    }

    public long writes() {
        return writes;
    }

    public long forces() {
        return forces;
    }

    /** Bytes of the index mapping that differ from what is durable. */
    public int dirtyIndexBytes() {
        return indexSegment == null ? 0 : dirty(indexSegment, indexDurable);
    }

    public int dirtyPoolBytes() {
        return dirty(poolSegment, poolDurable);
    }

    private static int dirty(MemorySegment live, byte[] durable) {
        int n = 0;
        for (int i = 0; i < durable.length; i++) {
            if (live.get(ValueLayout.JAVA_BYTE, i) != durable[i]) {
                n++;
            }
        }
        return n;
    }

    /**
     * Writes the files a power cut now could leave: each dirty range (maximal run of differing
     * 8-byte words) of each file independently kept, dropped, zeroed or torn word by word.
     */
    public void writeCrashImage(Random rnd, Path poolFile, Path indexFile) throws IOException {
        Files.write(poolFile, image(rnd, poolSegment, poolDurable));
        Files.write(indexFile, image(rnd, indexSegment, indexDurable));
    }

    private static byte[] image(Random rnd, MemorySegment live, byte[] durable) {
        byte[] out = durable.clone();
        byte[] now = live.toArray(ValueLayout.JAVA_BYTE);
        int words = durable.length / 8;
        int w = 0;
        Mode[] modes = Mode.values();
        while (w < words) {
            if (!differs(now, durable, w)) {
                w++;
                continue;
            }
            int end = w;
            while (end < words && differs(now, durable, end)) {
                end++;
            }
            Mode mode = modes[rnd.nextInt(modes.length)];
            for (int i = w; i < end; i++) {
                boolean takeNew = switch (mode) {
                    case KEEP -> true;
                    case DROP, ZERO -> false;
                    case TEAR -> rnd.nextBoolean();
                };
                if (mode == Mode.ZERO) {
                    java.util.Arrays.fill(out, i * 8, i * 8 + 8, (byte) 0);
                } else if (takeNew) {
                    System.arraycopy(now, i * 8, out, i * 8, 8);
                }
            }
            w = end;
        }
        return out;
    }

    private static boolean differs(byte[] a, byte[] b, int word) {
        for (int i = word * 8; i < word * 8 + 8; i++) {
            if (a[i] != b[i]) {
                return true;
            }
        }
        return false;
    }
}
