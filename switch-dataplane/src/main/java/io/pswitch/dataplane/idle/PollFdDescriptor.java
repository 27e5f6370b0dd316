package io.pswitch.dataplane.idle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * The kernel's {@code struct pollfd} ({@code poll(2)}), one per watched port, in an array:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                          fd (int32)                           |  0
 * +-------------------------------+-------------------------------+
 * |        events (int16)         |        revents (int16)        |  4
 * +-------------------------------+-------------------------------+
 * </pre>
 *
 * A negative {@code fd} is skipped by the kernel, which is how a port not read this cycle is left out.
 */
final class PollFdDescriptor {
    static final long SIZE = 8;
    static final long FD = 0;
    static final long EVENTS = 4;
    static final long REVENTS = 6;
    /** Data to read: for the port drivers, a frame the next rxSync would take. */
    static final short POLLIN = 0x0001;

    private PollFdDescriptor() {
    }

    /** What the kernel reported for entry {@code i} (0: nothing). */
    static short revents(MemorySegment fds, int i) {
        return fds.get(JAVA_SHORT, i * SIZE + REVENTS);
    }

    static void set(MemorySegment fds, int i, int fd, short events) {
        long o = i * SIZE;
        fds.set(JAVA_INT, o + FD, fd);
        fds.set(JAVA_SHORT, o + EVENTS, events);
        fds.set(JAVA_SHORT, o + REVENTS, (short) 0);
    }
}
