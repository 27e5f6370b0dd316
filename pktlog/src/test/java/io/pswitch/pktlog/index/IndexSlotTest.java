package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A record's slot is its sequence modulo the capacity, whether the capacity is a power of two (a mask) or not. */
class IndexSlotTest {
    @Test
    void theSlotIsTheSequenceModuloTheCapacityForEveryCapacity() {
        int[] capacities = {2, 3, 12, 16, 1000, 32768, 65536, 100_003, 1 << 20, IndexFileDescriptor.MAX_CAPACITY};
        long[] sequences = {0, 1, 2, 15, 16, 17, 32767, 32768, 32769, 1L << 31, (1L << 40) + 5, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (int capacity : capacities) {
            for (long seq : sequences) {
                assertThat(IndexFileDescriptor.slot(seq, capacity)).as("sequence %d, capacity %d", seq, capacity)
                        .isEqualTo((int) Long.remainderUnsigned(seq, capacity));
            }
            for (long seq = 1; seq < 3L * capacity && seq < 200_000; seq++) {
                assertThat(IndexFileDescriptor.slot(seq, capacity)).isEqualTo((int) (seq % capacity));
            }
        }
    }
}
