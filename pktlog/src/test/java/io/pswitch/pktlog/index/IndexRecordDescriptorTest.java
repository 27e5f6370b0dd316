package io.pswitch.pktlog.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class IndexRecordDescriptorTest {
    @Test
    void everyFieldReadsBackWhatWasWrittenAndReservedBytesAreZero() {
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        rec.fill((byte) 0x5A); // stale bytes from an earlier record must not survive
        IndexRecordDescriptor.write(rec, 0x1_0000_0007L, 123_456_789_000L, 7, 0x8000_0000_0000_0001L, 63, 1514, 128, 4242,
                IndexRecordDescriptor.decisionDrop(3));
        IndexRecordDescriptor.writeCrc(rec, 0xCAFEBABE);
        assertThat(IndexRecordDescriptor.sequence(rec)).isEqualTo(0x1_0000_0007L);
        assertThat(IndexRecordDescriptor.timestampNs(rec)).isEqualTo(123_456_789_000L);
        assertThat(IndexRecordDescriptor.ingressPort(rec)).isEqualTo(7);
        assertThat(IndexRecordDescriptor.filterMask(rec)).isEqualTo(0x8000_0000_0000_0001L);
        assertThat(IndexRecordDescriptor.firstFilterId(rec)).isEqualTo(63);
        assertThat(IndexRecordDescriptor.wireLength(rec)).isEqualTo(1514);
        assertThat(IndexRecordDescriptor.storedLength(rec)).isEqualTo(128);
        assertThat(IndexRecordDescriptor.bufIdx(rec)).isEqualTo(4242);
        assertThat(IndexRecordDescriptor.isDrop(IndexRecordDescriptor.decision(rec))).isTrue();
        assertThat(IndexRecordDescriptor.dropCause(IndexRecordDescriptor.decision(rec))).isEqualTo(3);
        assertThat(IndexRecordDescriptor.sequenceEcho(rec)).isEqualTo(7);
        assertThat(IndexRecordDescriptor.crc(rec)).isEqualTo(0xCAFEBABE);
        assertThat(IndexRecordDescriptor.isWhole(rec)).isTrue();
        assertThat(rec.get(ValueLayout.JAVA_SHORT_UNALIGNED, IndexRecordDescriptor.RESERVED_SHORT_OFFSET)).isZero();
        assertThat(rec.get(ValueLayout.JAVA_LONG_UNALIGNED, IndexRecordDescriptor.TUNNEL_OFFSET)).as("no tunnel").isZero();
    }

    @Test
    void theWritersByteArrayFormWritesTheSameBytesAsTheSegmentForm() {
        byte[] viaArray = new byte[IndexRecordDescriptor.RECORD_SIZE];
        java.util.Arrays.fill(viaArray, (byte) 0x5A);
        MemorySegment viaSegment = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        viaSegment.fill((byte) 0x5A);
        IndexRecordDescriptor.write(viaArray, 0x1_0000_0007L, 123_456_789_000L, 7, 0x8000_0000_0000_0001L, 63, 1514, 128,
                4242, IndexRecordDescriptor.decisionDrop(3), 0x0102_0304_0506_0708L);
        IndexRecordDescriptor.writeCrc(viaArray, 0xCAFEBABE);
        IndexRecordDescriptor.write(viaSegment, 0x1_0000_0007L, 123_456_789_000L, 7, 0x8000_0000_0000_0001L, 63, 1514, 128,
                4242, IndexRecordDescriptor.decisionDrop(3), 0x0102_0304_0506_0708L);
        IndexRecordDescriptor.writeCrc(viaSegment, 0xCAFEBABE);
        assertThat(viaArray).isEqualTo(viaSegment.toArray(ValueLayout.JAVA_BYTE));
        MemorySegment read = MemorySegment.ofArray(viaArray);
        assertThat(IndexRecordDescriptor.isWhole(read)).isTrue();
        assertThat(IndexRecordDescriptor.tunnel(read)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(IndexRecordDescriptor.crc(read)).isEqualTo(0xCAFEBABE);
    }

    @Test
    void decisionsEncodePortsFloodAndDropCauses() {
        assertThat(IndexRecordDescriptor.isDrop(5)).isFalse();
        assertThat(IndexRecordDescriptor.isDrop(IndexRecordDescriptor.DECISION_FLOOD)).isFalse();
        assertThat(IndexRecordDescriptor.decisionDrop(0)).isEqualTo(-2);
        assertThat(IndexRecordDescriptor.dropCause(IndexRecordDescriptor.decisionDrop(17))).isEqualTo(17);
    }

    @Test
    void aRecordWhoseHeadAndEchoComeFromDifferentWritesIsNotWhole() {
        MemorySegment rec = MemorySegment.ofArray(new byte[IndexRecordDescriptor.RECORD_SIZE]);
        IndexRecordDescriptor.write(rec, 9, 1, 0, 0, -1, 60, 60, 2, 0);
        rec.set(ValueLayout.JAVA_INT_UNALIGNED, IndexRecordDescriptor.SEQUENCE_ECHO_OFFSET, 9 - 64); // previous lap's echo
        assertThat(IndexRecordDescriptor.isWhole(rec)).isFalse();
    }

    @Test
    void theRecordIsOneCacheLineAndTheCrcIsItsLastWord() {
        assertThat(IndexRecordDescriptor.RECORD_SIZE).isEqualTo(64);
        assertThat(IndexRecordDescriptor.CRC_OFFSET + 4).isEqualTo(IndexRecordDescriptor.RECORD_SIZE);
        assertThat(IndexFileDescriptor.RECORDS_OFFSET % 64).isZero();
    }
}
