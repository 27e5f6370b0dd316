package io.pswitch.drivers.afpacket;

/**
 * The kernel's {@code TPACKET_V3} receive ring as it lies in the mapping ({@code <linux/if_packet.h>},
 * LP64, little endian), and the other kernel structures the afpacket driver hands over.
 *
 * <p>The ring is {@code blockNr} blocks of {@code blockSize} bytes. Each block starts with a
 * {@code struct tpacket_block_desc}; its frames follow, chained by {@code tp_next_offset}.
 * A block belongs to the kernel while {@code block_status} is {@link #TP_STATUS_KERNEL}; the kernel
 * hands it over by storing {@link #TP_STATUS_USER} after everything else in the block (a write
 * barrier first), and takes it back when user space stores {@code TP_STATUS_KERNEL}. The kernel
 * fills blocks in index order, wrapping, so user space walks them in the same order.
 *
 * <pre>
 * struct tpacket_block_desc (48 bytes at the start of every block)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       version                                 |  0
 * |                       offset_to_priv                          |  4
 * |                       block_status  (KERNEL 0 / USER 1)       |  8
 * |                       num_pkts                                | 12
 * |                       offset_to_first_pkt                     | 16
 * |                       blk_len                                 | 20
 * |                       seq_num (64 bits)                       | 24
 * |                       ts_first_pkt (sec, nsec)                | 32
 * |                       ts_last_pkt (sec, nsec)                 | 40
 * +---------------------------------------------------------------+
 *
 * struct tpacket3_hdr (one per frame, 16-byte aligned; the frame's bytes at tp_mac from it)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       tp_next_offset                          |  0
 * |                       tp_sec                                  |  4
 * |                       tp_nsec                                 |  8
 * |                       tp_snaplen (bytes in the ring)          | 12
 * |                       tp_len (bytes on the wire)              | 16
 * |                       tp_status                               | 20
 * |            tp_net             |            tp_mac             | 24
 * |                       hv1.tp_rxhash                           | 28
 * |                       hv1.tp_vlan_tci                         | 32
 * |          tp_padding           |         hv1.tp_vlan_tpid      | 36
 * |                       tp_padding[8]                           | 40
 * +---------------------------------------------------------------+
 *
 * struct tpacket2_hdr (TPACKET_V2: one per fixed-size frame slot; the slot is the kernel's while
 * tp_status is TP_STATUS_KERNEL, the user's once the kernel stored TP_STATUS_USER in it)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       tp_status                               |  0
 * |                       tp_len                                  |  4
 * |                       tp_snaplen                              |  8
 * |            tp_net             |            tp_mac             | 12
 * |                       tp_sec                                  | 16
 * |                       tp_nsec                                 | 20
 * |         tp_vlan_tpid          |         tp_vlan_tci           | 24
 * |                       tp_padding[4]                           | 28
 * +---------------------------------------------------------------+
 * </pre>
 */
final class TpacketDescriptor {
    // struct tpacket_block_desc
    static final long BLOCK_STATUS = 8;
    static final long BLOCK_NUM_PKTS = 12;
    static final long BLOCK_OFFSET_TO_FIRST_PKT = 16;

    // struct tpacket3_hdr
    static final long HDR_NEXT_OFFSET = 0;
    static final long HDR_SEC = 4;
    static final long HDR_NSEC = 8;
    static final long HDR_SNAPLEN = 12;
    static final long HDR_LEN = 16;
    static final long HDR_STATUS = 20;
    static final long HDR_MAC = 24;
    static final long HDR_VLAN_TCI = 32;
    static final long HDR_VLAN_TPID = 36;

    // struct tpacket2_hdr
    static final long V2_STATUS = 0;
    static final long V2_LEN = 4;
    static final long V2_SNAPLEN = 8;
    static final long V2_MAC = 12;
    static final long V2_SEC = 16;
    static final long V2_NSEC = 20;
    static final long V2_VLAN_TCI = 24;
    static final long V2_VLAN_TPID = 26;

    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    /** {@code hv1.tp_vlan_tci} holds a tag the kernel took off the frame (VLAN offload). */
    static final int TP_STATUS_VLAN_VALID = 1 << 4;
    /** {@code hv1.tp_vlan_tpid} holds that tag's TPID (else it is 0x8100). */
    static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;

    /**
     * {@code struct tpacket_req3}, the argument of {@code PACKET_RX_RING} under {@code TPACKET_V3}
     * (28 bytes): block_size, block_nr, frame_size, frame_nr, retire_blk_tov (ms), sizeof_priv,
     * feature_req_word, each 32 bits.
     */
    static final int REQ3_SIZE = 28;
    static final long REQ3_BLOCK_SIZE = 0;
    static final long REQ3_BLOCK_NR = 4;
    static final long REQ3_FRAME_SIZE = 8;
    static final long REQ3_FRAME_NR = 12;
    static final long REQ3_RETIRE_BLK_TOV = 16;

    /**
     * {@code struct sockaddr_ll} (20 bytes): sll_family u16, sll_protocol be16, sll_ifindex s32,
     * sll_hatype u16, sll_pkttype u8, sll_halen u8, sll_addr[8].
     */
    static final int SOCKADDR_LL_SIZE = 20;
    static final long SLL_FAMILY = 0;
    static final long SLL_PROTOCOL = 2;
    static final long SLL_IFINDEX = 4;

    /** {@code struct packet_mreq} (16 bytes): mr_ifindex s32, mr_type u16, mr_alen u16, mr_address[8]. */
    static final int PACKET_MREQ_SIZE = 16;
    static final long MREQ_IFINDEX = 0;
    static final long MREQ_TYPE = 4;

    /** {@code struct tpacket_stats_v3} (12 bytes): tp_packets, tp_drops, tp_freeze_q_cnt; reading resets them. */
    static final int STATS_V3_SIZE = 12;
    static final long STATS_DROPS = 4;
    static final long STATS_FREEZE_Q_CNT = 8;

    /**
     * {@code struct mmsghdr} (64 bytes): a {@code struct msghdr} (msg_name 0, msg_namelen 8, msg_iov
     * 16, msg_iovlen 24, msg_control 32, msg_controllen 40, msg_flags 48) then msg_len at 56.
     */
    static final int MMSGHDR_SIZE = 64;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    /** {@code struct iovec} (16 bytes): iov_base, iov_len. */
    static final int IOVEC_SIZE = 16;
    static final long IOV_BASE = 0;
    static final long IOV_LEN = 8;

    /** {@code struct ifreq} (40 bytes): ifr_name[16], then the union (ifr_mtu s32, ifr_hwaddr.sa_family u16). */
    static final int IFREQ_SIZE = 40;
    static final long IFR_UNION = 16;

    private TpacketDescriptor() {
    }
}
