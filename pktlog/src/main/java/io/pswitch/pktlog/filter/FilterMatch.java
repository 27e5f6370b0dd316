package io.pswitch.pktlog.filter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What {@link FilterSet#evaluate} found for one frame: which filters matched (a bitmap over the
 * set's positions), how many, and how many bytes of the frame to persist. Also holds the BPF
 * scratch memory, so it belongs to one dataplane thread and is reused for every frame.
 */
public final class FilterMatch {
    final BpfInterpreter interpreter = new BpfInterpreter();
    long[] bitmap = new long[1];
    int dirtyWords;
    /** The set the bitmap and memo are sized for, and whose bits {@link #dirtyWords} covers. */
    private Object owner;
    int count;
    int storeLength;
    /** The compiled set's running maximum of min(verdict, snaplen), before capping to the captured length. */
    long want;
    /** The compiled set's memoised loads for the current frame ({@link MemoLoads}). */
    long[] memo = new long[0];

    /** Where a frame in heap memory is copied for the compiled set, which reads native memory (cold: tests). */
    private MemorySegment heapFrameCopy = MemorySegment.NULL;

    /** Number of filters that matched the last frame. */
    public int count() {
        return count;
    }

    /** Bytes of the last frame to persist: the largest snaplen among the matches, capped to the captured length. */
    public int storeLength() {
        return storeLength;
    }

    /** Whether the filter at {@code position} in the set matched the last frame. */
    public boolean matched(int position) {
        int word = position >>> 6;
        return word < dirtyWords && (bitmap[word] & (1L << position)) != 0;
    }

    /** The first matching position at or after {@code from}, or -1: {@code for (p = next(0); p >= 0; p = next(p + 1))}. */
    public int next(int from) {
        int word = from >>> 6;
        if (from < 0 || word >= dirtyWords) {
            return -1;
        }
        long bits = bitmap[word] & (-1L << from);
        while (true) {
            if (bits != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
            if (++word >= dirtyWords) {
                return -1;
            }
            bits = bitmap[word];
        }
    }

    /** The bitmap itself, bit {@code p} = position {@code p} (valid up to the set's size; do not modify). */
    public long[] bitmap() {
        return bitmap;
    }

    /**
     * Readies the match for a frame of {@code set}: clears the previous frame's result, and only
     * when there is one (a frame that matched nothing left the bitmap, count, want and store length
     * at zero, so most frames pay one test here). Grows the bitmap and the memo only when a
     * different set arrives (cold, once per set).
     */
    void prepare(Object set, int words, int memoSlots) {
        if (owner != set) {
            adopt(set, words, memoSlots);
        } else if (count != 0) {
            clear();
        }
    }

    private void adopt(Object set, int words, int memoSlots) {
        clear();
        if (bitmap.length < words) {
            bitmap = new long[words];
        }
        if (memo.length < memoSlots) {
            memo = new long[memoSlots];
        }
        dirtyWords = words;
        owner = set;
    }

    /**
     * A compiled set's match of the filter whose bit is {@code bit} in {@code bitmap[word]}, with
     * {@code want} = min(verdict, its snaplen): under 35 bytes of bytecode, so the JIT inlines it
     * wherever it is called ({@code CompiledFilterSet.hit} for the general case).
     */
    static void hitOne(FilterMatch m, int word, long bit, long want) {
        m.bitmap[word] |= bit;
        m.count++;
        m.want = Math.max(m.want, want);
    }

    /** {@code length} bytes of {@code segment} at {@code offset}, copied to native memory this match owns. */
    MemorySegment nativeCopy(MemorySegment segment, long offset, int length) {
        if (heapFrameCopy.byteSize() < length) {
            heapFrameCopy = Arena.ofAuto().allocate(Math.max(length, 2048));
        }
        if (length > 0) {
            MemorySegment.copy(segment, offset, heapFrameCopy, 0, length);
        }
        return heapFrameCopy;
    }

    private void clear() {
        Arrays.fill(bitmap, 0, dirtyWords, 0L);
        count = 0;
        storeLength = 0;
        want = 0;
    }
}
