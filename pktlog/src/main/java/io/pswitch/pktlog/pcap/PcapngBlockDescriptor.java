package io.pswitch.pktlog.pcap;

/**
 * Layout of the pcapng blocks this project reads and writes (draft-ietf-opsawg-pcapng).
 *
 * <p>Every block has the same frame, a 32-bit type, a total length (including both length fields,
 * a multiple of 4) repeated at the end so the file can be walked backwards:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Block Type                           |  0
 *  +---------------------------------------------------------------+
 *  |                      Block Total Length                       |  4
 *  +---------------------------------------------------------------+
 *  /                    Block Body (type specific)                 /  8
 *  +---------------------------------------------------------------+
 *  |                      Block Total Length                       |
 *  +---------------------------------------------------------------+
 * </pre>
 * Section Header Block (SHB, type 0x0A0D0D0A, a palindrome so it reads the same in either order);
 * the byte-order magic tells the order of everything up to the next SHB:
 * <pre>
 *  |                 Byte-Order Magic 0x1A2B3C4D                   |  8
 *  +-------------------------------+-------------------------------+
 *  |       Major Version (1)       |       Minor Version (0)       | 12
 *  +-------------------------------+-------------------------------+
 *  |             Section Length (64 bits, -1 = unknown)            | 16
 *  +---------------------------------------------------------------+
 *  /                            Options                            / 24
 * </pre>
 * Interface Description Block (IDB, type 1); interfaces are numbered 0.. in order within a section:
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |           LinkType            |           Reserved            |  8
 *  +-------------------------------+-------------------------------+
 *  |                            SnapLen                            | 12
 *  +---------------------------------------------------------------+
 *  /     Options (if_name = 2, if_tsresol = 9, if_tsoffset = 14)   / 16
 * </pre>
 * Enhanced Packet Block (EPB, type 6):
 * <pre>
 *  |                         Interface ID                          |  8
 *  +---------------------------------------------------------------+
 *  |                 Timestamp, upper 32 bits                      | 12
 *  +---------------------------------------------------------------+
 *  |                 Timestamp, lower 32 bits  (units: if_tsresol) | 16
 *  +---------------------------------------------------------------+
 *  |                 Captured Packet Length                        | 20
 *  +---------------------------------------------------------------+
 *  |                 Original Packet Length                        | 24
 *  +---------------------------------------------------------------+
 *  /          Packet Data, padded to 32 bits                       / 28
 *  +---------------------------------------------------------------+
 *  /          Options (opt_comment = 1)                            /
 * </pre>
 * Simple Packet Block (SPB, type 3): interface 0, no timestamp; the captured length is the
 * smaller of the original length and interface 0's snaplen:
 * <pre>
 *  |                 Original Packet Length                        |  8
 *  +---------------------------------------------------------------+
 *  /          Packet Data, padded to 32 bits                       / 12
 * </pre>
 * Option (OPT) layout, a list ended by opt_endofopt (code 0, length 0):
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |         Option Code           |        Option Length          |  0
 *  +-------------------------------+-------------------------------+
 *  /          Option Value, padded to 32 bits                      /  4
 * </pre>
 * if_tsresol is one byte: most significant bit 0 means units of 10^-v seconds, 1 means 2^-v; the
 * default (option absent) is 10^-6.
 */
public final class PcapngBlockDescriptor {
    public static final int BLOCK_TYPE_OFFSET = 0;
    public static final int BLOCK_LENGTH_OFFSET = 4;
    public static final int BLOCK_BODY_OFFSET = 8;
    /** Type + length + trailing length. */
    public static final int BLOCK_OVERHEAD = 12;

    public static final int SHB_TYPE = 0x0A0D0D0A;
    public static final int IDB_TYPE = 0x00000001;
    public static final int OBSOLETE_PB_TYPE = 0x00000002;
    public static final int SPB_TYPE = 0x00000003;
    public static final int EPB_TYPE = 0x00000006;

    public static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    public static final int BYTE_ORDER_MAGIC_SWAPPED = 0x4D3C2B1A;
    public static final int SHB_BYTE_ORDER_OFFSET = 8;
    public static final int SHB_MAJOR_OFFSET = 12;
    public static final int SHB_MINOR_OFFSET = 14;
    public static final int SHB_SECTION_LENGTH_OFFSET = 16;
    public static final int SHB_OPTIONS_OFFSET = 24;
    public static final int SHB_VERSION_MAJOR = 1;
    public static final int SHB_VERSION_MINOR = 0;

    public static final int IDB_LINKTYPE_OFFSET = 8;
    public static final int IDB_RESERVED_OFFSET = 10;
    public static final int IDB_SNAPLEN_OFFSET = 12;
    public static final int IDB_OPTIONS_OFFSET = 16;

    public static final int EPB_INTERFACE_OFFSET = 8;
    public static final int EPB_TS_HIGH_OFFSET = 12;
    public static final int EPB_TS_LOW_OFFSET = 16;
    public static final int EPB_CAPLEN_OFFSET = 20;
    public static final int EPB_WIRELEN_OFFSET = 24;
    public static final int EPB_DATA_OFFSET = 28;

    /** Obsolete Packet Block: 16-bit interface id and drops count, then as an EPB. */
    public static final int PB_INTERFACE_OFFSET = 8;
    public static final int PB_DROPS_OFFSET = 10;
    public static final int PB_TS_HIGH_OFFSET = 12;
    public static final int PB_TS_LOW_OFFSET = 16;
    public static final int PB_CAPLEN_OFFSET = 20;
    public static final int PB_WIRELEN_OFFSET = 24;
    public static final int PB_DATA_OFFSET = 28;

    public static final int SPB_WIRELEN_OFFSET = 8;
    public static final int SPB_DATA_OFFSET = 12;

    public static final int OPT_CODE_OFFSET = 0;
    public static final int OPT_LENGTH_OFFSET = 2;
    public static final int OPT_VALUE_OFFSET = 4;
    public static final int OPT_HEADER_LENGTH = 4;

    public static final int OPT_ENDOFOPT = 0;
    public static final int OPT_COMMENT = 1;
    public static final int SHB_USERAPPL = 4;
    public static final int IF_NAME = 2;
    public static final int IF_TSRESOL = 9;
    public static final int IF_TSOFFSET = 14;

    /** if_tsresol: most significant bit set means a power of two. */
    public static final int TSRESOL_POWER_OF_TWO = 0x80;
    /** Microseconds, when if_tsresol is absent. */
    public static final int DEFAULT_TSRESOL = 6;
    public static final int TSRESOL_NANOS = 9;

    private PcapngBlockDescriptor() {
    }

    /** Rounds a length up to the 32-bit boundary every pcapng field and block ends on. */
    public static int pad4(int length) {
        return (length + 3) & ~3;
    }
}
