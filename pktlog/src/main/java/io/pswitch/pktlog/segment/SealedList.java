package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The list of sealed segments ({@link SealedListDescriptor}): read by recovery, rewritten by the
 * writer at open, appended to at every seal. Owned by the writer (drain thread) for writing.
 *
 * <p>Writing it never fails the log: the list only saves recovery time, so an I/O error (a full
 * file system, say) stops the list for this run, with a warning, and the next open reads the
 * segments it lacks the long way and writes it again.
 */
final class SealedList {
    /** One sealed segment as the list holds it. */
    record Entry(long number, long sizeBytes, long firstSeq, long lastSeq, long firstTsNs, long lastTsNs, long records,
                 long chunksEnd, int epoch) {
    }

    /**
     * What reading the list found.
     *
     * @param entries the valid entries by segment number (empty when the list is unusable)
     * @param slots entry slots in the file, valid or not
     * @param damaged entries whose CRC did not verify (a torn append)
     * @param problem why the whole list is not usable (missing, damaged header, another log's), else null
     */
    record Read(Map<Long, Entry> entries, long slots, long damaged, String problem) {
        static Read unusable(String problem) {
            return new Read(Map.of(), 0, 0, problem);
        }
    }

    /** Before the writer's open has decided (nothing is appended; closing it does nothing). */
    static final SealedList NONE = new SealedList(null, null, 0, null);

    private final Path path;
    private FileChannel channel;
    private long next;
    private String problem;
    private final MemorySegment entry = MemorySegment.ofArray(new byte[SealedListDescriptor.ENTRY_SIZE]);

    private SealedList(Path path, FileChannel channel, long next, String problem) {
        this.path = path;
        this.channel = channel;
        this.next = next;
        this.problem = problem;
    }

    static Path path(Path segmentsDir) {
        return segmentsDir.resolve(SealedListDescriptor.FILE_NAME);
    }

    /**
     * The valid entries in a list file's bytes; {@code expectedLogId} null accepts any log's. The
     * entries are read through a heap ByteBuffer and java.util.zip.CRC32C over the array: at a
     * switch's start this runs before the JIT has compiled anything, where a MemorySegment access
     * per field cost ~40 µs an entry (0.3 s for 6,000 segments) and this costs a few.
     */
    static Read parse(byte[] bytes, Path p, UUID expectedLogId) {
        MemorySegment b = MemorySegment.ofArray(bytes);
        if (bytes.length < SealedListDescriptor.HEADER_SIZE) {
            return Read.unusable(p + ": " + bytes.length + " bytes, too short for its header");
        }
        if (SealedListDescriptor.magic(b) != SealedListDescriptor.MAGIC
                || new Crc32c().of(b, 0, SealedListDescriptor.HEADER_CRC_OFFSET) != SealedListDescriptor.headerCrc(b)) {
            return Read.unusable(p + ": damaged header (bad magic or CRC)");
        }
        if (SealedListDescriptor.version(b) != SealedListDescriptor.VERSION) {
            return Read.unusable(p + ": unknown version " + SealedListDescriptor.version(b));
        }
        UUID id = SealedListDescriptor.logId(b);
        if (expectedLogId != null && !id.equals(expectedLogId)) {
            return Read.unusable(p + ": belongs to log " + id + ", not to this log " + expectedLogId);
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        int whole = (bytes.length - SealedListDescriptor.HEADER_SIZE) / SealedListDescriptor.ENTRY_SIZE;
        Map<Long, Entry> entries = new HashMap<>(Math.max(16, whole * 2));
        long damaged = 0;
        for (int i = 0; i < whole; i++) {
            int at = (int) SealedListDescriptor.entryOffset(i);
            crc.reset();
            crc.update(bytes, at, SealedListDescriptor.ENTRY_CRC_OFFSET);
            if ((int) crc.getValue() != bb.getInt(at + SealedListDescriptor.ENTRY_CRC_OFFSET)) {
                damaged++;
                continue;
            }
            Entry e = new Entry(bb.getLong(at + SealedListDescriptor.NUMBER_OFFSET), bb.getLong(at + SealedListDescriptor.SIZE_OFFSET),
                    bb.getLong(at + SealedListDescriptor.FIRST_SEQ_OFFSET), bb.getLong(at + SealedListDescriptor.LAST_SEQ_OFFSET),
                    bb.getLong(at + SealedListDescriptor.FIRST_TS_OFFSET), bb.getLong(at + SealedListDescriptor.LAST_TS_OFFSET),
                    bb.getLong(at + SealedListDescriptor.RECORDS_OFFSET), bb.getLong(at + SealedListDescriptor.CHUNKS_END_OFFSET),
                    bb.getInt(at + SealedListDescriptor.EPOCH_OFFSET));
            if (plausible(e)) {
                entries.put(e.number(), e);
            } else {
                damaged++;
            }
        }
        if (bytes.length > SealedListDescriptor.entryOffset(whole)) {
            damaged++; // a torn last append
        }
        return new Read(entries, whole, damaged, null);
    }

    /** Bounds any real footer satisfies: an entry outside them is not trusted (its segment is read instead). */
    private static boolean plausible(Entry e) {
        return e.number() >= 0 && e.sizeBytes() >= SegmentDescriptor.SIZE_UNIT && e.sizeBytes() % SegmentDescriptor.SIZE_UNIT == 0
                && e.records() > 0 && e.firstSeq() > 0 && e.lastSeq() >= e.firstSeq()
                && e.chunksEnd() > SegmentDescriptor.HEADER_SIZE && e.chunksEnd() <= SegmentDescriptor.footerOffset(e.sizeBytes());
    }

    /**
     * Writes the list anew with {@code sealed} (under a temporary name, synced, renamed over the
     * old one, the directory synced) and keeps it open for {@link #append}. On an I/O error the
     * old list stays as it was and this run appends nothing ({@link #problem()}).
     */
    static SealedList rewrite(Path segmentsDir, UUID logId, List<SegmentSummary> sealed) {
        Path p = path(segmentsDir);
        Path tmp = segmentsDir.resolve(SealedListDescriptor.FILE_NAME + ".new");
        MemorySegment buf = MemorySegment.ofArray(new byte[(int) SealedListDescriptor.entryOffset(sealed.size())]);
        SealedListDescriptor.writeHeader(buf, logId);
        long at = SealedListDescriptor.HEADER_SIZE;
        for (SegmentSummary s : sealed) {
            SealedListDescriptor.writeEntry(buf, at, s);
            at += SealedListDescriptor.ENTRY_SIZE;
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeAll(ch, buf.asByteBuffer(), 0);
                ch.force(false);
            }
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            SegmentFile.forceDirectory(segmentsDir);
            return new SealedList(p, FileChannel.open(p, StandardOpenOption.WRITE), at, null);
        } catch (IOException e) {
            SegmentFile.deleteQuietly(tmp);
            return new SealedList(p, null, 0, p + ": cannot write the list of sealed segments (" + e.getMessage()
                    + "): the next start reads their footers instead");
        }
    }

    /**
     * The list as the writer keeps it from its open on: written anew when recovery found it out of
     * date ({@link SegmentRecoveryReport#listProblem()}), else opened to append; either way with
     * the tail the writer has just sealed ({@code sealedTail}, or null). Sealed segments only, each
     * sealed durably before its entry is written. Why the list will not be kept goes to {@code warnings}.
     */
    static SealedList forWriter(Path segmentsDir, UUID logId, SegmentRecoveryReport recovery, SegmentSummary sealedTail,
                                List<String> warnings) {
        SealedList list = forWriter(segmentsDir, logId, recovery, sealedTail);
        if (list.problem() != null) {
            warnings.add(list.problem());
        }
        return list;
    }

    private static SealedList forWriter(Path segmentsDir, UUID logId, SegmentRecoveryReport recovery, SegmentSummary sealedTail) {
        if (recovery.listProblem() != null) {
            List<SegmentSummary> sealed = new java.util.ArrayList<>();
            for (SegmentSummary s : recovery.segments()) {
                if (s.sealed()) {
                    sealed.add(s);
                }
            }
            if (sealedTail != null) {
                sealed.add(sealedTail);
            }
            return rewrite(segmentsDir, logId, sealed);
        }
        SealedList list = openForAppend(segmentsDir);
        if (sealedTail != null) {
            list.append(sealedTail);
        }
        return list;
    }

    /** Opens the list recovery found matching the directory, to append at its end. */
    static SealedList openForAppend(Path segmentsDir) {
        Path p = path(segmentsDir);
        try {
            FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE);
            return new SealedList(p, ch, ch.size(), null);
        } catch (IOException e) {
            return new SealedList(p, null, 0, p + ": cannot open the list of sealed segments (" + e.getMessage()
                    + "): the next start reads their footers instead");
        }
    }

    /**
     * Adds a segment just sealed. Not synced: its footer is durable already (the seal synced it
     * before this write), so a lost entry only means the next recovery reads that footer.
     */
    void append(SegmentSummary s) {
        if (channel == null) {
            return;
        }
        SealedListDescriptor.writeEntry(entry, 0, s);
        try {
            writeAll(channel, entry.asByteBuffer(), next);
            next += SealedListDescriptor.ENTRY_SIZE;
        } catch (IOException e) {
            problem = path + ": cannot append to the list of sealed segments (" + e.getMessage()
                    + "): the next start reads their footers instead";
            close();
        }
    }

    /** Why the list is not kept up to date in this run, or null. */
    String problem() {
        return problem;
    }

    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing was pending: appends are positional writes.
            }
            channel = null;
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b, position + b.position());
        }
    }
}
