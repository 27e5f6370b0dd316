package io.pswitch.drivers.afxdp;

/**
 * The kernel's AF_XDP formats ({@code <linux/if_xdp.h>}) as this driver reads and writes them:
 * socket options, the structures passed with them, and the ring descriptors. All little-endian.
 *
 * <pre>
 * struct xdp_umem_reg (XDP_UMEM_REG; 32 bytes, the last field only on kernels >= 6.8, zero here)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |             addr: start of the UMEM (page-aligned, 64)        |  0
 * +---------------------------------------------------------------+
 * |             len: bytes of the UMEM (64)                       |  8
 * +---------------------------------------------------------------+
 * |             chunk_size (32)                                   | 16
 * +---------------------------------------------------------------+
 * |             headroom (32)                                     | 20
 * +---------------------------------------------------------------+
 * |             flags: XDP_UMEM_UNALIGNED_CHUNK_FLAG (32)         | 24
 * +---------------------------------------------------------------+
 * |             tx_metadata_len (32)                              | 28
 * +---------------------------------------------------------------+
 *
 * struct sockaddr_xdp (bind; 16 bytes)
 * +-------------------------------+-------------------------------+
 * |   sxdp_family = AF_XDP (16)   |  sxdp_flags (16)              |  0
 * +-------------------------------+-------------------------------+
 * |             sxdp_ifindex (32)                                 |  4
 * +---------------------------------------------------------------+
 * |             sxdp_queue_id (32)                                |  8
 * +---------------------------------------------------------------+
 * |             sxdp_shared_umem_fd (32)                          | 12
 * +---------------------------------------------------------------+
 *
 * struct xdp_mmap_offsets (XDP_MMAP_OFFSETS; 128 bytes): four struct xdp_ring_offset, in the order
 * rx (0), tx (32), fill (64), completion (96), each:
 * +---------------------------------------------------------------+
 * |  producer (64) | consumer (64) | desc (64) | flags (64)       |  byte offsets into the ring's mmap
 * +---------------------------------------------------------------+
 *
 * RX / TX ring entry, struct xdp_desc (16 bytes)
 * +---------------------------------------------------------------+
 * |             addr (64): UMEM offset; unaligned mode, RX:       |  0
 * |             bits 0-47 the chunk address the fill ring gave,   |
 * |             bits 48-63 the offset of the data in that chunk   |
 * +---------------------------------------------------------------+
 * |             len (32)                                          |  8
 * +---------------------------------------------------------------+
 * |             options (32)                                      | 12
 * +---------------------------------------------------------------+
 *
 * Fill / completion ring entry: one UMEM address (64).
 *
 * struct xdp_statistics (XDP_STATISTICS; 48 bytes): six 64-bit counters, in the order
 * rx_dropped (0), rx_invalid_descs (8), tx_invalid_descs (16), rx_ring_full (24),
 * rx_fill_ring_empty_descs (32), tx_ring_empty_descs (40).
 * </pre>
 */
final class XskDescriptor {
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;
    static final int XDP_OPTIONS = 8;

    static final int XDP_COPY = 1 << 1;
    static final int XDP_ZEROCOPY = 1 << 2;
    static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    static final int XDP_UMEM_UNALIGNED_CHUNK_FLAG = 1;
    static final int XDP_RING_NEED_WAKEUP = 1;
    static final int XDP_OPTIONS_ZEROCOPY = 1;

    static final long XDP_PGOFF_RX_RING = 0;
    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** Bytes the kernel keeps in front of the data of every chunk, for XDP programs (XDP_PACKET_HEADROOM). */
    static final int XDP_PACKET_HEADROOM = 256;
    /** The smallest chunk the kernel accepts (XDP_UMEM_MIN_CHUNK_SIZE). */
    static final int MIN_CHUNK_SIZE = 2048;
    static final int PAGE_SIZE = 4096;
    static final int UNALIGNED_OFFSET_SHIFT = 48;
    static final long UNALIGNED_ADDR_MASK = (1L << UNALIGNED_OFFSET_SHIFT) - 1;

    static final int UMEM_REG_SIZE = 32;
    static final int UMEM_REG_ADDR = 0;
    static final int UMEM_REG_LEN = 8;
    static final int UMEM_REG_CHUNK_SIZE = 16;
    static final int UMEM_REG_HEADROOM = 20;
    static final int UMEM_REG_FLAGS = 24;

    static final int SOCKADDR_SIZE = 16;
    static final int SOCKADDR_FAMILY = 0;
    static final int SOCKADDR_FLAGS = 2;
    static final int SOCKADDR_IFINDEX = 4;
    static final int SOCKADDR_QUEUE_ID = 8;

    static final int MMAP_OFFSETS_SIZE = 128;
    static final int MMAP_RX = 0;
    static final int MMAP_TX = 32;
    static final int MMAP_FILL = 64;
    static final int MMAP_COMPLETION = 96;
    static final int RING_OFF_PRODUCER = 0;
    static final int RING_OFF_CONSUMER = 8;
    static final int RING_OFF_DESC = 16;
    static final int RING_OFF_FLAGS = 24;

    static final int DESC_SIZE = 16;
    static final int DESC_ADDR = 0;
    static final int DESC_LEN = 8;
    static final int ADDR_SIZE = 8;

    static final int STATS_SIZE = 48;
    static final int STATS_RX_DROPPED = 0;
    static final int STATS_RX_INVALID = 8;
    static final int STATS_TX_INVALID = 16;
    static final int STATS_RX_RING_FULL = 24;
    static final int STATS_FILL_RING_EMPTY = 32;
    static final int STATS_TX_RING_EMPTY = 40;

    private XskDescriptor() {
    }

    /** The UMEM offset where an RX descriptor's data starts (unaligned mode: base plus the offset in the top bits). */
    static long rxDataOffset(long descAddr) {
        return (descAddr & UNALIGNED_ADDR_MASK) + (descAddr >>> UNALIGNED_OFFSET_SHIFT);
    }
}
