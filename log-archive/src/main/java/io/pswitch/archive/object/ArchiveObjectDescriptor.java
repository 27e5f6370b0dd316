package io.pswitch.archive.object;

import io.pswitch.pktlog.segment.NumberedFileName;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Layout of one archive object: one sealed segment, zstd-compressed in independently
 * decompressible chunks, with its manifest at the end. Key:
 * {@code <prefix>/<switch name>/<log id>/seg-<20-digit segment number>.pswarc}: named by log id
 * and segment number, so an upload repeated after a crash writes the same key again (idempotent)
 * and a switch whose data directory was re-created (a new log id) never overwrites older history.
 *
 * <pre>
 *  0        64
 *  +--------+---------+---------+-----+---------+-------------------+-----------+
 *  | header | chunk 0 | chunk 1 | ... | chunk n | manifest          | trailer   |
 *  | 64 B   | zstd    | zstd    |     | zstd    | (manifest length) | 32 B      |
 *  +--------+---------+---------+-----+---------+-------------------+-----------+
 *                                                                   ^ object size - 32
 * </pre>
 * A reader fetches the trailer and (usually in the same ranged GET of the object's last
 * {@link #TAIL_FETCH} bytes) the manifest, then only the chunks whose time span meets its query,
 * each with a ranged GET, each checked by its CRC32C before it is decompressed.
 *
 * <p>Header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Magic "PSWARC\0\1" (8 bytes: 50 53 57 41 52 43 00 01)    |  0
 *  +---------------------------------------------------------------+
 *  |                          Version (1)                          |  8
 *  +---------------------------------------------------------------+
 *  |                      Header length (64)                       | 12
 *  +---------------------------------------------------------------+
 *  |          Log id: UUID, most then least significant long        | 16
 *  +---------------------------------------------------------------+
 *  |                    Segment number (long)                      | 32
 *  +---------------------------------------------------------------+
 *  |              Created, wall clock epoch ns (long)              | 40
 *  +---------------------------------------------------------------+
 *  |                     Reserved, zero (12 bytes)                 | 48
 *  +---------------------------------------------------------------+
 *  |                  CRC32C of bytes 0..59                        | 60
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Chunk: one zstd frame (with its content size) that decompresses to records laid end to end,
 * each a 48-byte record header followed by its stored bytes (no padding):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     Sequence number (long)                    |  0
 *  |                 Receive timestamp, epoch ns (long)            |  8
 *  |     Matched filter mask (long): bit i set = filter id i < 64  | 16
 *  |         Tunnel metadata (long, 0 = none; opaque to pktlog)    | 24
 *  +-------------------------------+-------------------------------+
 *  |  Ingress port index (short)   | Forwarding decision (short)   | 32
 *  +-------------------------------+-------------------------------+
 *  | First matching filter (short) |      Reserved, zero (short)   | 36
 *  +-------------------------------+-------------------------------+
 *  |                     Wire length, bytes (int)                  | 40
 *  |            Stored length, bytes (int, <= wire length)         | 44
 *  +---------------------------------------------------------------+
 * </pre>
 * Records come in sequence order; field meanings as in the segment's
 * {@link io.pswitch.pktlog.segment.ChunkDescriptor}. A chunk holds whole records only, so any
 * chunk can be read alone.
 *
 * <p>Manifest: fixed part, then one {@link #CHUNK_ENTRY_SIZE}-byte entry per chunk, then the
 * names (UTF-8, each preceded by its length):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |          Magic "PSWMANI\1" (8 bytes: 50 53 57 4d 41 4e 49 01)   |  0
 *  |          Log id (16 bytes)                                    |  8
 *  |          Segment number (long)                                | 24
 *  |          First sequence (long)                                | 32
 *  |          Last sequence (long)                                 | 40
 *  |          Earliest timestamp, ns (long): min over the records   | 48
 *  |          Latest timestamp, ns (long): max over the records     | 56
 *  |          Record count (long)                                  | 64
 *  |          Uncompressed bytes of all chunks (long)              | 72
 *  +-------------------------------+-------------------------------+
 *  |      Chunk count (int)        |      Port count (int)         | 80
 *  +-------------------------------+-------------------------------+
 *  |      Filter count (int)       |      Reserved, zero (int)     | 88
 *  +-------------------------------+-------------------------------+
 *  chunk entry (64 B each), from offset 96:
 *  |          Offset of the chunk in the object (long)             |  0
 *  +-------------------------------+-------------------------------+
 *  |   Compressed length (int)     |   Uncompressed length (int)   |  8
 *  +-------------------------------+-------------------------------+
 *  |          First sequence (long)                                | 16
 *  |          Last sequence (long)                                 | 24
 *  |          Earliest timestamp, ns (long)                        | 32
 *  |          Latest timestamp, ns (long)                          | 40
 *  +-------------------------------+-------------------------------+
 *  |   Record count (int)          | CRC32C of the compressed bytes| 48
 *  +-------------------------------+-------------------------------+
 *  |          Reserved, zero (long)                                | 56
 *  +---------------------------------------------------------------+
 *  names: switch name; per port: index (short), name; per filter: id (short), name, expression.
 *  A string is its UTF-8 length (int) then its bytes.
 * </pre>
 *
 * <p>Trailer (the object's last 32 bytes):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |          Magic "PSWAEND\1" (8 bytes: 50 53 57 41 45 4e 44 01)   |  0
 *  |          Manifest offset in the object (long)                 |  8
 *  +-------------------------------+-------------------------------+
 *  |     Manifest length (int)     |   CRC32C of the manifest      | 16
 *  +-------------------------------+-------------------------------+
 *  |     Reserved, zero (int)      | CRC32C of bytes 0..27         | 24
 *  +-------------------------------+-------------------------------+
 * </pre>
 * Why: the manifest is last because its chunk offsets are known only once the chunks are
 * compressed (the object is written in one pass); the fixed-size trailer lets a reader find it
 * with one suffix-range GET. CRCs cover every part a reader trusts: a flipped bit in a chunk loses
 * that chunk only (reported by object and chunk), one in the manifest or trailer the object.
 * All integers little-endian.
 */
public final class ArchiveObjectDescriptor {
    public static final String FILE_PREFIX = "seg-";
    public static final String FILE_SUFFIX = ".pswarc";

    public static final long MAGIC = 0x0100_4352_4157_5350L; // "PSWARC\0\1" read little-endian
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 64;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int LOG_ID_OFFSET = 16;
    public static final int SEGMENT_NUMBER_OFFSET = 32;
    public static final int CREATED_OFFSET = 40;
    public static final int HEADER_CRC_OFFSET = 60;

    public static final int RECORD_HEADER_SIZE = 48;
    public static final int REC_SEQ = 0;
    public static final int REC_TS = 8;
    public static final int REC_FILTER_MASK = 16;
    public static final int REC_TUNNEL = 24;
    public static final int REC_PORT = 32;
    public static final int REC_DECISION = 34;
    public static final int REC_FIRST_FILTER = 36;
    public static final int REC_WIRE_LENGTH = 40;
    public static final int REC_STORED_LENGTH = 44;

    public static final long MANIFEST_MAGIC = 0x0149_4e41_4d57_5350L; // "PSWMANI\1"
    public static final int MAN_MAGIC = 0;
    public static final int MAN_LOG_ID = 8;
    public static final int MAN_SEGMENT_NUMBER = 24;
    public static final int MAN_FIRST_SEQ = 32;
    public static final int MAN_LAST_SEQ = 40;
    public static final int MAN_MIN_TS = 48;
    public static final int MAN_MAX_TS = 56;
    public static final int MAN_RECORDS = 64;
    public static final int MAN_RAW_BYTES = 72;
    public static final int MAN_CHUNK_COUNT = 80;
    public static final int MAN_PORT_COUNT = 84;
    public static final int MAN_FILTER_COUNT = 88;
    public static final int MAN_FIXED_SIZE = 96;

    public static final int CHUNK_ENTRY_SIZE = 64;
    public static final int CE_OFFSET = 0;
    public static final int CE_COMPRESSED = 8;
    public static final int CE_RAW = 12;
    public static final int CE_FIRST_SEQ = 16;
    public static final int CE_LAST_SEQ = 24;
    public static final int CE_MIN_TS = 32;
    public static final int CE_MAX_TS = 40;
    public static final int CE_RECORDS = 48;
    public static final int CE_CRC = 52;

    public static final long TRAILER_MAGIC = 0x0144_4e45_4157_5350L; // "PSWAEND\1"
    public static final int TRAILER_SIZE = 32;
    public static final int TR_MAGIC = 0;
    public static final int TR_MANIFEST_OFFSET = 8;
    public static final int TR_MANIFEST_LENGTH = 16;
    public static final int TR_MANIFEST_CRC = 20;
    public static final int TR_CRC = 28;

    /** How much of an object's end a reader fetches first: the trailer and, nearly always, the manifest. */
    public static final int TAIL_FETCH = 64 * 1024;

    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ArchiveObjectDescriptor() {
    }

    private static final NumberedFileName NAMES = new NumberedFileName(FILE_PREFIX, FILE_SUFFIX);

    public static String fileName(long segmentNumber) {
        return NAMES.of(segmentNumber);
    }

    /** The segment number of an object's last key part, or -1 when it is not an archive object's name. */
    public static long segmentNumber(String fileName) {
        return NAMES.numberOf(fileName);
    }

    /** {@code <switch name>/<log id>/seg-<number>.pswarc}, relative to the archive's prefix. */
    public static String relativeKey(String switchName, UUID logId, long segmentNumber) {
        return switchName + "/" + logId + "/" + fileName(segmentNumber);
    }
}
