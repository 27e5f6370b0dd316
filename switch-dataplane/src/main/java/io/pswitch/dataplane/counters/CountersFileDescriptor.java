package io.pswitch.dataplane.counters;

import org.agrona.concurrent.status.CountersReader;

/**
 * Layout of the counters file ({@code <data-dir>/counters}): a header, then Agrona's
 * {@link org.agrona.concurrent.status.CountersManager} metadata buffer, then its values buffer, as
 * Aeron's CnC file holds them. {@code pswitch stat} maps the file read-only and reads it with a
 * {@link CountersReader} while the switch writes it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Magic "PSWCNTR\0" (8 bytes)                   |    0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |    Layout version (int), written LAST with a release store:   |    8
 *  |    0 while the switch is still laying the file out           |
 *  +---------------------------------------------------------------+
 *  |                 Metadata length, bytes (int)                  |   12
 *  +---------------------------------------------------------------+
 *  |                  Values length, bytes (int)                   |   16
 *  +---------------------------------------------------------------+
 *  |                     Reserved, zero (int)                      |   20
 *  +---------------------------------------------------------------+
 *  |                 Pid of the writing switch (long)              |   24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |       Start time of that process, epoch milliseconds (long):  |   32
 *  |       with the pid, tells a live switch from a reused pid     |
 *  +---------------------------------------------------------------+
 *  |                ... zero up to HEADER_LENGTH (128) ...         |   40
 *  +---------------------------------------------------------------+
 *  |  Metadata: one 512-byte record per counter (Agrona layout,    |  128
 *  |  below), metadata length = capacity * 512                     |
 *  +---------------------------------------------------------------+
 *  |  Values: one 128-byte record per counter (an 8-byte value,    |  128 + metadata length
 *  |  then padding so no two counters share a cache line)          |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * One metadata record (Agrona's {@link CountersReader} layout, offsets within the record):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |  state (int): 0 unused, 1 allocated, -1 reclaimed             |    0
 *  |  type id (int): {@link CounterType}                           |    4
 *  |  free-for-reuse deadline (long)                               |    8
 *  |  ... padding to 16 ...                                        |
 *  +---------------------------------------------------------------+
 *  |  key (112 bytes): worker id (int) at KEY_WORKER_OFFSET,       |   16
 *  |  then zero                                                    |
 *  +---------------------------------------------------------------+
 *  |  label length (int), label (up to 380 ASCII bytes):           |  128
 *  |  "&lt;group&gt; &lt;name&gt; &lt;attrs&gt;", e.g. "port a drops cause=ring_full"  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>All integers are little-endian (the machine's order, as Agrona writes them). The worker id in
 * the key lets several dataplane workers each own a counter of the same type and label: a reader
 * sums the counters that share type id and label.
 */
public final class CountersFileDescriptor {
    public static final long MAGIC = 0x0052544e43575350L; // "PSWCNTR\0" little-endian
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int METADATA_LENGTH_OFFSET = 12;
    public static final int VALUES_LENGTH_OFFSET = 16;
    public static final int PID_OFFSET = 24;
    public static final int START_TIME_OFFSET = 32;
    public static final int HEADER_LENGTH = 128;

    /** Offset of the worker id within a counter's key. */
    public static final int KEY_WORKER_OFFSET = 0;
    public static final int KEY_LENGTH = 4;

    /** The file's name inside the data directory. */
    public static final String FILE_NAME = "counters";

    private CountersFileDescriptor() {
    }

    public static int metadataLength(int capacity) {
        return capacity * CountersReader.METADATA_LENGTH;
    }

    public static int valuesLength(int capacity) {
        return capacity * CountersReader.COUNTER_LENGTH;
    }

    public static long fileLength(int capacity) {
        return (long) HEADER_LENGTH + metadataLength(capacity) + valuesLength(capacity);
    }
}
