package io.pswitch.drivers.vxlan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The VXLAN header (RFC 7348, section 5): the first 8 bytes of the UDP payload, followed by the
 * inner Ethernet frame (no FCS).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|R|R|R|I|R|R|R|            Reserved (24 bits)                 |   0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     VXLAN Network Identifier (VNI, 24 bits)   | Reserved (8)  |   4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Inner Ethernet frame (14 bytes or more) ...   |   8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Network byte order. {@code I} (0x08 in byte 0) says the VNI is valid and must be set. This switch
 * accepts a header only when it is exactly "I set, every R bit and reserved field zero": a datagram
 * that sets anything else speaks an extension (GBP, GPE) or is not VXLAN at all, and its inner
 * bytes are not trusted to be an Ethernet frame. It sends that same form. The outer IP/UDP headers
 * are the kernel's: the socket delivers the UDP payload and the source address.
 */
public final class VxlanHeaderDescriptor {
    /** The IANA-assigned UDP destination port. */
    public static final int IANA_PORT = 4789;

    public static final int FLAGS_WORD_OFFSET = 0;
    public static final int FLAGS_OFFSET = 0;
    public static final int VNI_WORD_OFFSET = 4;
    public static final int INNER_FRAME_OFFSET = 8;
    public static final int LENGTH = 8;

    /** The I flag in byte 0. */
    public static final int FLAG_I = 0x08;
    /** The first 32-bit word of every header this switch accepts and sends: I set, the rest zero. */
    public static final int VALID_FLAGS_WORD = FLAG_I << 24;
    /** In the second 32-bit word: the VNI's bits; the low byte is reserved. */
    public static final int VNI_SHIFT = 8;
    public static final int RESERVED_LOW_MASK = 0xFF;

    /** The shortest inner frame: an Ethernet header. */
    public static final int MIN_INNER_FRAME = 14;
    /** The shortest datagram that can carry a frame. */
    public static final int MIN_DATAGRAM = LENGTH + MIN_INNER_FRAME;

    public static final int MAX_VNI = 0xFF_FFFF;

    /** 32-bit words in network byte order, at any alignment. */
    public static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private VxlanHeaderDescriptor() {
    }

    /** Writes a header for {@code vni} at {@code at}. */
    public static void write(MemorySegment segment, long at, int vni) {
        segment.set(WORD, at + FLAGS_WORD_OFFSET, VALID_FLAGS_WORD);
        segment.set(WORD, at + VNI_WORD_OFFSET, vni << VNI_SHIFT);
    }

    /** Whether the two header words are the only form accepted: I set, no reserved bit set. */
    public static boolean isValid(int flagsWord, int vniWord) {
        return flagsWord == VALID_FLAGS_WORD && (vniWord & RESERVED_LOW_MASK) == 0;
    }

    /** The VNI from the second word. */
    public static int vni(int vniWord) {
        return vniWord >>> VNI_SHIFT;
    }
}
