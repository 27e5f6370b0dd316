package io.pswitch.dataplane.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fuzzes {@link EthernetFrame#parse}: arbitrary bytes at an arbitrary offset with an arbitrary
 * length. The segment ends exactly where the frame ends, so any read past {@code length} throws
 * {@link IndexOutOfBoundsException} and is a finding.
 *
 * <p>{@code mvn verify} replays the inputs in {@code src/test/resources/io/pswitch/dataplane/frame/
 * EthernetFrameFuzzTestInputs/parse/} (regression mode); {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md).
 */
class EthernetFrameFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(FuzzedDataProvider data) {
        int offset = data.consumeInt(0, 4096);
        byte[] frame = data.consumeRemainingAsBytes();
        checkParse(offset, frame);
    }

    /** The frame's bytes sit at {@code offset} in a segment of exactly {@code offset + frame.length} bytes. */
    static void checkParse(int offset, byte[] frame) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(offset + frame.length + 0L, 1);
            MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, offset, frame.length);
            for (int length = 0; length <= frame.length; length++) {
                checkResult(segment, offset, length);
            }
        }
    }

    private static void checkResult(MemorySegment segment, int offset, int length) {
        long parsed = EthernetFrame.parse(segment, offset, length);
        if (parsed == EthernetFrame.RUNT) {
            assertThat(length).as("a runt is shorter than the header its tags announce")
                    .isLessThan(expectedHeaderLength(segment, offset, length));
            return;
        }
        int headerLength = EthernetFrame.headerLength(parsed);
        assertThat(headerLength).isGreaterThanOrEqualTo(EthernetFrame.HEADER_LENGTH).isLessThanOrEqualTo(length);
        assertThat((headerLength - EthernetFrame.HEADER_LENGTH) % EthernetFrame.TAG_LENGTH).isZero();
        assertThat(headerLength).isEqualTo(expectedHeaderLength(segment, offset, length));
        int innerType = EthernetFrame.innerEtherType(parsed);
        assertThat(EthernetFrame.isTagType(innerType)).as("the inner EtherType is never a tag").isFalse();
        assertThat(innerType).isEqualTo(EthernetFrame.etherTypeAt(segment, offset + headerLength - 2));
        int outerVid = EthernetFrame.outerVid(parsed);
        if (headerLength == EthernetFrame.HEADER_LENGTH) {
            assertThat(outerVid).isZero();
        } else {
            assertThat(outerVid).isEqualTo(EthernetFrame.etherTypeAt(segment, offset + 14) & EthernetFrame.VID_MASK);
        }
    }

    /** The header length by a plain walk over the tags; {@code Integer.MAX_VALUE} when they run past {@code length}. */
    private static int expectedHeaderLength(MemorySegment segment, int offset, int length) {
        if (length < EthernetFrame.HEADER_LENGTH) {
            return EthernetFrame.HEADER_LENGTH;
        }
        int typeAt = EthernetFrame.TYPE_OFFSET;
        while (EthernetFrame.isTagType(EthernetFrame.etherTypeAt(segment, offset + typeAt))) {
            typeAt += EthernetFrame.TAG_LENGTH;
            if (typeAt + 2 > length) {
                return typeAt + 2;
            }
        }
        return typeAt + 2;
    }
}
