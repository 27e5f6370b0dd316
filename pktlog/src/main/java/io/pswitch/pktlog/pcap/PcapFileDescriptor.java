package io.pswitch.pktlog.pcap;

/**
 * Layout of a classic pcap file (libpcap "savefile"): a 24-byte global header, then records of a
 * 16-byte header followed by {@code incl_len} captured bytes.
 *
 * <p>Global header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Magic: 0xa1b2c3d4 (usec) or 0xa1b23c4d (nsec)            |  0
 *  +-------------------------------+-------------------------------+
 *  |     Version major (2)         |     Version minor (4)         |  4
 *  +-------------------------------+-------------------------------+
 *  |                 This zone (GMT offset, unused)                |  8
 *  +---------------------------------------------------------------+
 *  |                 Sigfigs (timestamp accuracy, unused)          | 12
 *  +---------------------------------------------------------------+
 *  |                 Snaplen (max bytes per record)                | 16
 *  +---------------------------------------------------------------+
 *  | FCS info (4 bits) | reserved  |   Link type (LINKTYPE_*)      | 20
 *  +---------------------------------------------------------------+
 * </pre>
 * Record header:
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 Timestamp, seconds                            |  0
 *  +---------------------------------------------------------------+
 *  |         Timestamp, micro- or nanoseconds (per the magic)      |  4
 *  +---------------------------------------------------------------+
 *  |                 Captured length (incl_len)                    |  8
 *  +---------------------------------------------------------------+
 *  |                 Original (wire) length (orig_len)             | 12
 *  +---------------------------------------------------------------+
 *  |                 incl_len bytes of frame ...                   | 16
 * </pre>
 * Every field is in the writer's byte order; a reader tells the order by the magic, which reads
 * as {@code 0xd4c3b2a1} / {@code 0x4d3cb2a1} when swapped.
 */
public final class PcapFileDescriptor {
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int MAGIC_MICROS_SWAPPED = 0xd4c3b2a1;
    public static final int MAGIC_NANOS_SWAPPED = 0x4d3cb2a1;

    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_MAJOR_OFFSET = 4;
    public static final int VERSION_MINOR_OFFSET = 6;
    public static final int THISZONE_OFFSET = 8;
    public static final int SIGFIGS_OFFSET = 12;
    public static final int SNAPLEN_OFFSET = 16;
    public static final int LINKTYPE_OFFSET = 20;
    public static final int GLOBAL_HEADER_LENGTH = 24;

    /** The link type sits in the low 28 bits; the top four carry FCS information (libpcap LT_LINKTYPE). */
    public static final int LINKTYPE_MASK = 0x03FFFFFF;

    public static final int RECORD_TS_SEC_OFFSET = 0;
    public static final int RECORD_TS_FRACTION_OFFSET = 4;
    public static final int RECORD_CAPLEN_OFFSET = 8;
    public static final int RECORD_WIRELEN_OFFSET = 12;
    public static final int RECORD_HEADER_LENGTH = 16;

    /** The snaplen this project writes: libpcap's maximum, so nothing is ever cut. */
    public static final int DEFAULT_SNAPLEN = 262144;

    private PcapFileDescriptor() {
    }

    public static boolean isPcapMagic(int magic) {
        return magic == MAGIC_MICROS || magic == MAGIC_NANOS || magic == MAGIC_MICROS_SWAPPED || magic == MAGIC_NANOS_SWAPPED;
    }
}
