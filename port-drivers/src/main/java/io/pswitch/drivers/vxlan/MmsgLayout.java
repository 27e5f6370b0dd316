package io.pswitch.drivers.vxlan;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The Linux (LP64) structures {@code recvmmsg}/{@code sendmmsg} read and write, as FFM layouts,
 * and the offsets the port uses, derived from them rather than written down by hand.
 *
 * <pre>
 *  struct mmsghdr (64 bytes)                     struct iovec (16 bytes)
 *    0  msg_hdr.msg_name        void *             0  iov_base  void *
 *    8  msg_hdr.msg_namelen     socklen_t          8  iov_len   size_t
 *   16  msg_hdr.msg_iov         struct iovec *
 *   24  msg_hdr.msg_iovlen      size_t           struct sockaddr_in (16 bytes)
 *   32  msg_hdr.msg_control     void *             0  sin_family  u16, native order
 *   40  msg_hdr.msg_controllen  size_t             2  sin_port    u16, network order
 *   48  msg_hdr.msg_flags       int                4  sin_addr    u32, network order
 *   56  msg_len                 unsigned int       8  zero        8 bytes
 * </pre>
 */
final class MmsgLayout {
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));
    static final StructLayout MMSGHDR = MemoryLayout.structLayout(
            MSGHDR.withName("msg_hdr"),
            JAVA_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4));
    static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));
    static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withName("sin_port"),
            JAVA_INT.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));

    static final long MMSGHDR_SIZE = MMSGHDR.byteSize();
    static final long MSG_NAME = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
    static final long MSG_NAMELEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_namelen"));
    static final long MSG_IOV = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
    static final long MSG_IOVLEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
    static final long MSG_FLAGS = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_flags"));
    static final long MSG_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));

    static final long IOVEC_SIZE = IOVEC.byteSize();
    static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    static final int SOCKADDR_IN_SIZE = (int) SOCKADDR_IN.byteSize();
    static final long SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));

    /** recvmmsg output flag: the datagram was longer than the buffers given. */
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;

    private MmsgLayout() {
    }
}
