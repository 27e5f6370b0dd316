package io.pswitch.tools.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Layout of the copy-logging baseline's file: a header, then records appended one after the other,
 * each a small header followed by a copy of the frame's bytes, padded to 8 bytes. The file is a
 * fixed-size ring: a record that does not fit before the end is preceded by a wrap marker and goes
 * to the first record offset (FIFO retention, as the zero-copy log's). After a wrap, the newest
 * records are those from the first record offset on while SEQ goes up by one (older ones follow).
 * Little-endian (native order on the hosts we run on; the file is a benchmark artefact, not an
 * exchange format).
 *
 * <pre>
 * File header (64 bytes)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     MAGIC "PSWCOPY1" (8 bytes)                |  0
 * +---------------------------------------------------------------+
 * |                            VERSION                            |  8
 * +---------------------------------------------------------------+
 * |                       (reserved, zero)                        | 12
 * +---------------------------------------------------------------+
 * |                    WRAPS: times the file wrapped              | 16
 * |                           (8 bytes)                           |
 * +---------------------------------------------------------------+
 * |                      (reserved, zero) ... 64                  | 24
 * +---------------------------------------------------------------+
 *
 * Record (32-byte header at an 8-byte aligned offset, then LENGTH frame bytes, padded to 8)
 * +---------------------------------------------------------------+
 * |   LENGTH: stored frame bytes; 0 = end of data, -1 = wrap      |  0
 * +---------------------------------------------------------------+
 * |                          INGRESS_PORT                         |  4
 * +---------------------------------------------------------------+
 * |        SEQ: record number, from 0, +1 per record (8 bytes)    |  8
 * +---------------------------------------------------------------+
 * |                   TIMESTAMP_NS (8 bytes)                      | 16
 * +---------------------------------------------------------------+
 * |                 CRC: CRC32C of the frame bytes                | 24
 * +---------------------------------------------------------------+
 * |                      (reserved, zero)                         | 28
 * +---------------------------------------------------------------+
 * |                     frame bytes (LENGTH) ...                  | 32
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class CopyLogDescriptor {
    public static final long MAGIC = 0x3159504f43575350L; // "PSWCOPY1" little-endian
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int WRAPS_OFFSET = 16;
    public static final int FILE_HEADER_SIZE = 64;

    public static final int LENGTH_OFFSET = 0;
    public static final int INGRESS_PORT_OFFSET = 4;
    public static final int SEQ_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int CRC_OFFSET = 24;
    public static final int RECORD_HEADER_SIZE = 32;

    /** LENGTH of a wrap marker: the next record is at {@link #FILE_HEADER_SIZE}. */
    public static final int WRAP = -1;
    public static final int ALIGNMENT = 8;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private CopyLogDescriptor() {
    }

    /** Bytes a record of {@code length} frame bytes occupies, header and padding included. */
    public static int recordSize(int length) {
        return (RECORD_HEADER_SIZE + length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    public static void writeFileHeader(MemorySegment file) {
        file.set(LONG, MAGIC_OFFSET, MAGIC);
        file.set(INT, VERSION_OFFSET, VERSION);
        file.set(LONG, WRAPS_OFFSET, 0L);
    }

    public static long magic(MemorySegment file) {
        return file.get(LONG, MAGIC_OFFSET);
    }

    public static long wraps(MemorySegment file) {
        return file.get(LONG, WRAPS_OFFSET);
    }

    public static void wraps(MemorySegment file, long wraps) {
        file.set(LONG, WRAPS_OFFSET, wraps);
    }

    public static void writeRecordHeader(MemorySegment file, long at, int length, int ingressPort, long seq,
                                         long timestampNs, int crc) {
        file.set(INT, at + INGRESS_PORT_OFFSET, ingressPort);
        file.set(LONG, at + SEQ_OFFSET, seq);
        file.set(LONG, at + TIMESTAMP_OFFSET, timestampNs);
        file.set(INT, at + CRC_OFFSET, crc);
        file.set(INT, at + CRC_OFFSET + 4, 0);
        file.set(INT, at + LENGTH_OFFSET, length);
    }

    public static void writeWrap(MemorySegment file, long at) {
        file.set(INT, at + LENGTH_OFFSET, WRAP);
    }

    public static int length(MemorySegment file, long at) {
        return file.get(INT, at + LENGTH_OFFSET);
    }

    public static int ingressPort(MemorySegment file, long at) {
        return file.get(INT, at + INGRESS_PORT_OFFSET);
    }

    public static long seq(MemorySegment file, long at) {
        return file.get(LONG, at + SEQ_OFFSET);
    }

    public static long timestampNs(MemorySegment file, long at) {
        return file.get(LONG, at + TIMESTAMP_OFFSET);
    }

    public static int crc(MemorySegment file, long at) {
        return file.get(INT, at + CRC_OFFSET);
    }
}
