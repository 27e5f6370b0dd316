package io.pswitch.pktlog.pcap;

import static io.pswitch.pktlog.pcap.PcapngBlockDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads pcapng files (see {@link PcapngBlockDescriptor}): any number of sections, each in its own
 * byte order, with their interfaces; EPB, SPB and the obsolete PB carry packets; blocks of other
 * types are skipped (after their lengths are checked).
 *
 * <p>Interface indexes restart at 0 in each section, as in the format. An SPB has no timestamp: it
 * gets the previous packet's timestamp (0 if it is the first), so replay order and pacing hold.
 */
public final class PcapngReader extends CaptureReader {
    private static final int END = 0;
    private static final int PACKET = 1;
    private static final int OTHER = 2;
    private static final int AT_PACKET = 3;

    private int interfaces;
    private int[] ifLinkType = new int[4];
    private int[] ifSnaplen = new int[4];
    private int[] ifTsresol = new int[4];
    private long[] ifTsOffsetNs = new long[4];
    private String[] ifName = new String[4];
    private int sections;
    private final int firstLinkType;

    private int optionsStart;
    private int optionsEnd;

    PcapngReader(String file, ReadableByteChannel channel, ByteBuffer magic) {
        super(file, channel, magic);
        // Read the first section header and any blocks up to the first packet, so the capture's
        // interfaces (and its link type) are known before anything is delivered.
        if (step(true) == END) {
            throw error(0, "truncated pcapng section header block");
        }
        int r = OTHER;
        while (r == OTHER) {
            r = step(true);
        }
        firstLinkType = interfaces > 0 ? ifLinkType[0] : -1;
    }

    @Override
    public boolean next() {
        while (true) {
            int r = step(false);
            if (r == PACKET) {
                return true;
            }
            if (r == END) {
                return false;
            }
        }
    }

    /** Reads one block; with {@code stopAtPacket} a packet block is left unread ({@code AT_PACKET}). */
    private int step(boolean stopAtPacket) {
        int p = buf.position();
        long blockOffset = offsetOf(p);
        int got = fill(8);
        if (got == 0) {
            return END;
        }
        if (got < 8) {
            throw error(blockOffset, "truncated block header: " + got + " of 8 bytes before end of file");
        }
        p = buf.position();
        int type = buf.getInt(p + BLOCK_TYPE_OFFSET);
        if (type == SHB_TYPE) {
            if (fill(12) < 12) {
                throw error(blockOffset, "truncated section header block");
            }
            p = buf.position();
            int bom = buf.order(ByteOrder.BIG_ENDIAN).getInt(p + SHB_BYTE_ORDER_OFFSET);
            if (bom == BYTE_ORDER_MAGIC) {
                buf.order(ByteOrder.BIG_ENDIAN);
            } else if (bom == BYTE_ORDER_MAGIC_SWAPPED) {
                buf.order(ByteOrder.LITTLE_ENDIAN);
            } else {
                throw error(blockOffset + SHB_BYTE_ORDER_OFFSET, String.format("bad byte-order magic 0x%08x in section header block", bom));
            }
        } else if (sections == 0) {
            throw error(blockOffset, String.format("first block has type 0x%08x, not a section header block", type));
        } else if (stopAtPacket && (type == EPB_TYPE || type == SPB_TYPE || type == OBSOLETE_PB_TYPE)) {
            return AT_PACKET;
        }
        int len = buf.getInt(p + BLOCK_LENGTH_OFFSET);
        if (len < BLOCK_OVERHEAD || (len & 3) != 0) {
            throw error(blockOffset + BLOCK_LENGTH_OFFSET, "block total length " + Integer.toUnsignedString(len)
                    + " is not a multiple of 4 of at least " + BLOCK_OVERHEAD);
        }
        if (len > MAX_BLOCK_LENGTH) {
            throw error(blockOffset + BLOCK_LENGTH_OFFSET, "block total length " + len + " is larger than the limit of "
                    + MAX_BLOCK_LENGTH + " bytes");
        }
        int have = fill(len);
        if (have < len) {
            throw error(blockOffset, "truncated block: length " + len + " but only " + have + " bytes before end of file");
        }
        p = buf.position();
        int trailer = buf.getInt(p + len - 4);
        if (trailer != len) {
            throw error(blockOffset + len - 4, "block length mismatch: header says " + len + ", trailer says "
                    + Integer.toUnsignedString(trailer));
        }
        int result = switch (type) {
            case SHB_TYPE -> section(p, len, blockOffset);
            case IDB_TYPE -> interfaceDescription(p, len, blockOffset);
            case EPB_TYPE -> enhancedPacket(p, len, blockOffset);
            case SPB_TYPE -> simplePacket(p, len, blockOffset);
            case OBSOLETE_PB_TYPE -> obsoletePacket(p, len, blockOffset);
            default -> OTHER;
        };
        buf.position(p + len);
        return result;
    }

    private int section(int p, int len, long blockOffset) {
        if (len < SHB_OPTIONS_OFFSET + 4) {
            throw error(blockOffset, "section header block length " + len + " is shorter than " + (SHB_OPTIONS_OFFSET + 4));
        }
        int major = Short.toUnsignedInt(buf.getShort(p + SHB_MAJOR_OFFSET));
        int minor = Short.toUnsignedInt(buf.getShort(p + SHB_MINOR_OFFSET));
        if (major != SHB_VERSION_MAJOR) {
            throw error(blockOffset + SHB_MAJOR_OFFSET, "unsupported pcapng version " + major + "." + minor);
        }
        walkOptions(p + SHB_OPTIONS_OFFSET, p + len - 4, blockOffset, false);
        sections++;
        interfaces = 0;
        return OTHER;
    }

    private int interfaceDescription(int p, int len, long blockOffset) {
        if (len < IDB_OPTIONS_OFFSET + 4) {
            throw error(blockOffset, "interface description block length " + len + " is shorter than " + (IDB_OPTIONS_OFFSET + 4));
        }
        if (interfaces == MAX_INTERFACES) {
            throw error(blockOffset, "more than " + MAX_INTERFACES + " interfaces in one section");
        }
        if (interfaces == ifLinkType.length) {
            int n = interfaces * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnaplen = Arrays.copyOf(ifSnaplen, n);
            ifTsresol = Arrays.copyOf(ifTsresol, n);
            ifTsOffsetNs = Arrays.copyOf(ifTsOffsetNs, n);
            ifName = Arrays.copyOf(ifName, n);
        }
        int i = interfaces;
        ifLinkType[i] = Short.toUnsignedInt(buf.getShort(p + IDB_LINKTYPE_OFFSET));
        ifSnaplen[i] = buf.getInt(p + IDB_SNAPLEN_OFFSET);
        ifTsresol[i] = DEFAULT_TSRESOL;
        ifTsOffsetNs[i] = 0;
        ifName[i] = null;
        walkOptions(p + IDB_OPTIONS_OFFSET, p + len - 4, blockOffset, true);
        int res = ifTsresol[i];
        if ((res & TSRESOL_POWER_OF_TWO) != 0 ? (res & 0x7f) > 63 : res > 18) {
            throw error(blockOffset, "unsupported if_tsresol 0x" + Integer.toHexString(res) + " for interface " + i);
        }
        interfaces++;
        return OTHER;
    }

    /** Checks every option fits its block; for an IDB, records if_name, if_tsresol and if_tsoffset. */
    private void walkOptions(int from, int end, long blockOffset, boolean idb) {
        int o = from;
        while (o + OPT_HEADER_LENGTH <= end) {
            int code = Short.toUnsignedInt(buf.getShort(o + OPT_CODE_OFFSET));
            int olen = Short.toUnsignedInt(buf.getShort(o + OPT_LENGTH_OFFSET));
            if (code == OPT_ENDOFOPT) {
                return;
            }
            int value = o + OPT_VALUE_OFFSET;
            if (value + pad4(olen) > end) {
                throw error(offsetOf(o), "option " + code + " of length " + olen + " runs past the end of its block (block at byte "
                        + blockOffset + ")");
            }
            if (idb) {
                int i = interfaces;
                if (code == IF_NAME) {
                    ifName[i] = string(value, olen);
                } else if (code == IF_TSRESOL && olen >= 1) {
                    ifTsresol[i] = Byte.toUnsignedInt(buf.get(value));
                } else if (code == IF_TSOFFSET && olen >= 8) {
                    ifTsOffsetNs[i] = buf.getLong(value) * 1_000_000_000L;
                }
            }
            o = value + pad4(olen);
        }
    }

    private String string(int at, int len) {
        int n = len;
        while (n > 0 && buf.get(at + n - 1) == 0) {
            n--;
        }
        return new String(buf.array(), at, n, StandardCharsets.UTF_8);
    }

    private int enhancedPacket(int p, int len, long blockOffset) {
        if (len < EPB_DATA_OFFSET + 4) {
            throw error(blockOffset, "enhanced packet block length " + len + " is shorter than " + (EPB_DATA_OFFSET + 4));
        }
        int ifx = buf.getInt(p + EPB_INTERFACE_OFFSET);
        long ts = (Integer.toUnsignedLong(buf.getInt(p + EPB_TS_HIGH_OFFSET)) << 32)
                | Integer.toUnsignedLong(buf.getInt(p + EPB_TS_LOW_OFFSET));
        return packet(p, len, blockOffset, ifx, ts, buf.getInt(p + EPB_CAPLEN_OFFSET), buf.getInt(p + EPB_WIRELEN_OFFSET), EPB_DATA_OFFSET);
    }

    private int obsoletePacket(int p, int len, long blockOffset) {
        if (len < PB_DATA_OFFSET + 4) {
            throw error(blockOffset, "packet block length " + len + " is shorter than " + (PB_DATA_OFFSET + 4));
        }
        int ifx = Short.toUnsignedInt(buf.getShort(p + PB_INTERFACE_OFFSET));
        long ts = (Integer.toUnsignedLong(buf.getInt(p + PB_TS_HIGH_OFFSET)) << 32)
                | Integer.toUnsignedLong(buf.getInt(p + PB_TS_LOW_OFFSET));
        return packet(p, len, blockOffset, ifx, ts, buf.getInt(p + PB_CAPLEN_OFFSET), buf.getInt(p + PB_WIRELEN_OFFSET), PB_DATA_OFFSET);
    }

    private int packet(int p, int len, long blockOffset, int ifx, long ts, int caplen, int wirelen, int dataAt) {
        if (ifx < 0 || ifx >= interfaces) {
            throw error(blockOffset, "packet for interface " + Integer.toUnsignedString(ifx) + " but the section describes "
                    + interfaces + " interface(s)");
        }
        if (caplen < 0 || caplen > MAX_CAPTURED_LENGTH) {
            throw error(blockOffset, "captured length " + Integer.toUnsignedString(caplen) + " is larger than the limit of "
                    + MAX_CAPTURED_LENGTH + " bytes");
        }
        if (dataAt + pad4(caplen) > len - 4) {
            throw error(blockOffset, "captured length " + caplen + " does not fit a block of length " + len);
        }
        timestampNs = toNanos(ts, ifx);
        capturedLength = caplen;
        wireLength = wirelen;
        interfaceIndex = ifx;
        linkType = ifLinkType[ifx];
        dataOffset = p + dataAt;
        optionsStart = p + dataAt + pad4(caplen);
        optionsEnd = p + len - 4;
        return PACKET;
    }

    private int simplePacket(int p, int len, long blockOffset) {
        if (len < SPB_DATA_OFFSET + 4) {
            throw error(blockOffset, "simple packet block length " + len + " is shorter than " + (SPB_DATA_OFFSET + 4));
        }
        if (interfaces == 0) {
            throw error(blockOffset, "simple packet block before any interface description block");
        }
        int wirelen = buf.getInt(p + SPB_WIRELEN_OFFSET);
        int room = len - 4 - SPB_DATA_OFFSET;
        long caplen = Integer.toUnsignedLong(wirelen);
        if (ifSnaplen[0] > 0 && caplen > ifSnaplen[0]) {
            caplen = ifSnaplen[0];
        }
        if (caplen > room) {
            caplen = room;
        }
        capturedLength = (int) caplen;
        wireLength = wirelen;
        interfaceIndex = 0;
        linkType = ifLinkType[0];
        dataOffset = p + SPB_DATA_OFFSET;
        optionsStart = optionsEnd = p + len - 4;
        return PACKET;
    }

    /** Converts a timestamp in the interface's if_tsresol units to nanoseconds since the epoch. */
    private long toNanos(long units, int ifx) {
        int res = ifTsresol[ifx];
        long ns;
        if ((res & TSRESOL_POWER_OF_TWO) != 0) {
            int shift = res & 0x7f;
            if (shift == 0) {
                ns = units * 1_000_000_000L;
            } else {
                long seconds = units >>> shift;
                long fraction = units & ((1L << shift) - 1);
                // fraction * 1e9 / 2^shift without overflow: take the 128-bit product and shift it.
                long hi = Math.multiplyHigh(fraction, 1_000_000_000L);
                long lo = fraction * 1_000_000_000L;
                long frac = shift == 64 ? hi : (lo >>> shift) | (hi << (64 - shift));
                ns = seconds * 1_000_000_000L + frac;
            }
        } else if (res <= 9) {
            ns = units * POW10[9 - res];
        } else {
            ns = Long.divideUnsigned(units, POW10[res - 9]);
        }
        return ns + ifTsOffsetNs[ifx];
    }

    private static final long[] POW10 = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L
    };

    /** The current packet's opt_comment, or null (cold path: allocates the string). */
    public String comment() {
        int o = optionsStart;
        while (o + OPT_HEADER_LENGTH <= optionsEnd) {
            int code = Short.toUnsignedInt(buf.getShort(o + OPT_CODE_OFFSET));
            int olen = Short.toUnsignedInt(buf.getShort(o + OPT_LENGTH_OFFSET));
            if (code == OPT_ENDOFOPT || o + OPT_VALUE_OFFSET + olen > optionsEnd) {
                return null;
            }
            if (code == OPT_COMMENT) {
                return string(o + OPT_VALUE_OFFSET, olen);
            }
            o += OPT_VALUE_OFFSET + pad4(olen);
        }
        return null;
    }

    /** Section headers read so far. */
    public int sections() {
        return sections;
    }

    @Override
    public int interfaceCount() {
        return interfaces;
    }

    @Override
    public int interfaceLinkType(int index) {
        checkInterface(index);
        return ifLinkType[index];
    }

    @Override
    public String interfaceName(int index) {
        checkInterface(index);
        return ifName[index];
    }

    /** The if_tsresol byte of an interface (6 when the option is absent). */
    public int interfaceTsresol(int index) {
        checkInterface(index);
        return ifTsresol[index];
    }

    @Override
    public int firstLinkType() {
        return firstLinkType;
    }

    private void checkInterface(int index) {
        if (index < 0 || index >= interfaces) {
            throw new IndexOutOfBoundsException("interface " + index + " of " + interfaces);
        }
    }
}
