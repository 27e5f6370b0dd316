package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Finds where the segment tier's log ends and what it holds, after a clean stop or a crash.
 *
 * <ul>
 *   <li>Every segment header is checked; a segment of another log, with a truncated or damaged
 *       header or an unknown version is refused by name ({@link RefusedSegment}) and, when
 *       repairing, renamed {@code *.refused}: never deleted, never fatal, and the other segments
 *       stay in the log. The one exception is the newest segment with an all-zero header: its
 *       creation never finished (the header is written and synced before any chunk), so it holds
 *       nothing and is removed.</li>
 *   <li>Only the tail is walked, and from the checkpoint when it names the tail segment, so the
 *       walk is bounded by one checkpoint interval of chunks, not by the log size. Sealed
 *       segments are trusted by their footer; readers still CRC-check every record.</li>
 *   <li>The writer's recovery ({@link #recoverForWriter}) does not even read those footers: a
 *       sealed segment named by the list of sealed segments ({@link SealedListDescriptor}) is
 *       taken from its entry without opening its file, so opening the log reads the directory
 *       listing, the list (80 bytes a segment), the checkpoint and the tail, whatever the number
 *       of segments. Segments the list lacks (a seal whose entry was lost, an older log without a
 *       list, anything unsealed) are read as here. Readers and tools check every header.</li>
 *   <li>The walk accepts whole chunks ({@link ChunkScanner}) while they verify and follow the
 *       chain (sequence, epoch); the first that does not ends the log, and it is reported with
 *       its reason. Nothing on disk is changed by the walk: the writer resumes at the end and
 *       overwrites; a second recovery finds the same end (idempotent).</li>
 * </ul>
 */
public final class SegmentRecovery {
    private static final int HEADER_READ = 512;

    private SegmentRecovery() {
    }

    /** Read-only recovery for tools: nothing is renamed or removed. */
    public static SegmentRecoveryReport inspect(Path segmentsDir, UUID logId) {
        return recover(segmentsDir, logId, false);
    }

    /**
     * @param logId the log the segments must belong to; null accepts the log id of the newest
     *     segment with a valid header, else the checkpoint's (tools opening a directory they did
     *     not write; a writer adopting the directory's log)
     * @param repair set refused segments aside and remove an unfinished newest one (the writer)
     */
    public static SegmentRecoveryReport recover(Path segmentsDir, UUID logId, boolean repair) {
        return recover(SegmentStore.directory(segmentsDir), segmentsDir, logId, repair, new HashMap<>(), false);
    }

    /**
     * The writer's recovery at open: as {@link #recover(Path, UUID, boolean)} with repair, but the
     * sealed segments in the list of sealed segments ({@link SealedListDescriptor}) are taken from
     * it without opening their files, so that only the list, the checkpoint and the tail are read:
     * the time does not grow with the number of segments. Such a segment damaged or replaced since
     * its seal is not noticed here; readers check every segment they open (see SegmentReader).
     */
    static SegmentRecoveryReport recoverForWriter(Path segmentsDir, UUID logId) {
        return recover(SegmentStore.directory(segmentsDir), segmentsDir, logId, true, new HashMap<>(), true);
    }

    static SegmentRecoveryReport recover(SegmentStore store, Path segmentsDir, UUID logId, boolean repair) {
        return recover(store, segmentsDir, logId, repair, new HashMap<>(), false);
    }

    static SegmentRecoveryReport recover(SegmentStore store, Path segmentsDir, UUID logId, boolean repair,
                                         Map<Path, SegmentFooters.Footer> sealed) {
        return recover(store, segmentsDir, logId, repair, sealed, false);
    }

    /**
     * Recovery over any store (the power-loss model passes crash images); {@code repair} needs the
     * directory store. {@code sealed} caches the footers of sealed segments (immutable) between
     * calls: a reader's repeated queries then read only headers and the tail. {@code useList}:
     * trust the list of sealed segments (see {@link #recoverForWriter}).
     */
    static SegmentRecoveryReport recover(SegmentStore store, Path segmentsDir, UUID logId, boolean repair,
                                         Map<Path, SegmentFooters.Footer> sealed, boolean useList) {
        long started = System.nanoTime();
        TreeMap<Long, Path> files = new TreeMap<>();
        long nextNumber = 1;
        for (Path p : store.files()) {
            String name = p.getFileName().toString();
            String base = name.endsWith(SegmentDescriptor.REFUSED_SUFFIX)
                    ? name.substring(0, name.length() - SegmentDescriptor.REFUSED_SUFFIX.length()) : name;
            long n = SegmentDescriptor.segmentNumber(base);
            if (n >= 0) {
                nextNumber = Math.max(nextNumber, n + 1);
                if (base.equals(name)) {
                    files.put(n, p);
                }
            }
        }
        UUID id = logId != null ? logId : newestLogId(store, files);
        if (id == null) {
            SegmentCheckpoint any = store.checkpoint(segmentsDir, null).checkpoint();
            id = any != null ? any.logId() : null;
        }
        SealedList.Read list = useList ? store.sealedList(segmentsDir, id) : null;
        if (list != null) {
            // Numbers are never reused, not even those of deleted segments the list still names.
            for (long n : list.entries().keySet()) {
                nextNumber = Math.max(nextNumber, n + 1);
            }
        }
        List<RefusedSegment> refused = new ArrayList<>();
        List<SegmentSummary> segments = new ArrayList<>();
        List<Header> headers = new ArrayList<>();
        MemorySegment h = MemorySegment.ofArray(new byte[HEADER_READ]);
        Long newest = files.isEmpty() ? null : files.lastKey();
        int listed = 0;
        for (var e : files.entrySet()) {
            Path p = e.getValue();
            SealedList.Entry le = list != null ? list.entries().get(e.getKey()) : null;
            if (le != null) {
                headers.add(new Header(e.getKey(), p, le.sizeBytes(), le.sizeBytes(), 0, le.firstSeq(), le.firstTsNs(), false, le));
                listed++;
                continue;
            }
            String problem;
            long size = 0;
            try (SegmentImage img = store.open(p)) {
                size = img.size();
                h.fill((byte) 0);
                int n = img.read(0, h, 0, HEADER_READ);
                problem = headerProblem(h, n, id, e.getKey());
            } catch (IOException | SegmentException ex) {
                problem = "cannot read: " + ex.getMessage();
            }
            if (problem == null) {
                headers.add(new Header(e.getKey(), p, size, SegmentDescriptor.segmentSize(h), SegmentDescriptor.alignment(h),
                        SegmentDescriptor.firstSeq(h), SegmentDescriptor.firstTsNs(h), SegmentDescriptor.recycled(h), null));
            } else if ((problem.equals(NEVER_WRITTEN) || problem.startsWith(RECYCLE_UNFINISHED)) && e.getKey().equals(newest)) {
                if (repair) {
                    SegmentFile.deleteQuietly(p);
                }
                refused.add(new RefusedSegment(p, problem + RefusedSegment.CREATION_UNFINISHED, p, repair));
            } else {
                refused.add(new RefusedSegment(p, problem, repair ? setAside(p) : p, false));
            }
        }
        SegmentCheckpoint.Read cpRead = store.checkpoint(segmentsDir, id);
        SegmentCheckpoint cp = cpRead.checkpoint();
        if (cp != null) {
            // Nor the number of a tail removed by hand (a long-lived reader keys what it caches by name).
            nextNumber = Math.max(nextNumber, cp.segmentNumber() + 1);
        }
        int maxEpoch = cp != null ? cp.epoch() : 0;
        List<DroppedChunk> dropped = new ArrayList<>();
        ChunkScanner scanner = new ChunkScanner();
        long tailSegment = -1;
        boolean tailSealed = false;
        long tailEnd = 0;
        long lastSeq = 0;
        long lastTs = 0;
        long records = 0;
        boolean cpUsed = false;
        String cpProblem = cpRead.problem();
        for (int i = 0; i < headers.size(); i++) {
            Header hd = headers.get(i);
            boolean tail = i == headers.size() - 1;
            if (hd.listed != null) {
                SealedList.Entry le = hd.listed;
                maxEpoch = Math.max(maxEpoch, le.epoch());
                segments.add(new SegmentSummary(hd.number, hd.path, le.firstSeq(), le.firstTsNs(), le.lastSeq(), le.lastTsNs(),
                        le.records(), true, le.sizeBytes(), le.chunksEnd(), le.epoch()));
                records += le.records();
                lastSeq = le.lastSeq();
                lastTs = le.lastTsNs();
                if (tail) {
                    tailSegment = hd.number;
                    tailSealed = true;
                    tailEnd = le.chunksEnd();
                    cpProblem = sealedTailProblem(cp, cpProblem, hd.number);
                }
                continue;
            }
            SegmentFooters.Footer f = sealed.get(hd.path);
            if (f == null) {
                f = readFooter(store, hd);
                if (f != null) {
                    sealed.put(hd.path, f);
                }
            }
            if (f != null) {
                maxEpoch = Math.max(maxEpoch, f.epoch());
                segments.add(new SegmentSummary(hd.number, hd.path, hd.firstSeq, hd.firstTs, f.lastSeq(), f.lastTs(), f.records(),
                        true, hd.fileSize, f.chunksEnd(), f.epoch()));
                records += f.records();
                lastSeq = f.lastSeq();
                lastTs = f.lastTs();
                if (tail) {
                    tailSegment = hd.number;
                    tailSealed = true;
                    tailEnd = f.chunksEnd();
                    cpProblem = sealedTailProblem(cp, cpProblem, hd.number);
                }
                continue;
            }
            if (!tail) {
                // Damaged footer or a crash between chunks and seal of a segment that is not the newest: readers walk it.
                segments.add(new SegmentSummary(hd.number, hd.path, hd.firstSeq, hd.firstTs, -1, 0, -1, false, hd.fileSize, 0, 0));
                lastSeq = 0;
                continue;
            }
            long start = SegmentDescriptor.HEADER_SIZE;
            long expected = hd.firstSeq;
            int chainEpoch = 0;
            // With no chunk accepted, the log ends where it ended before this segment.
            long endSeq = lastSeq != 0 ? lastSeq : hd.firstSeq - 1;
            long endTs = lastTs;
            if (cp != null && cp.segmentNumber() == hd.number && cp.chunksEnd() >= start
                    && cp.chunksEnd() <= SegmentDescriptor.footerOffset(hd.segmentSize) && cp.chunksEnd() % hd.alignment == 0
                    && (cp.chunksEnd() == start || cp.lastSeq() >= hd.firstSeq)) {
                start = cp.chunksEnd();
                expected = cp.chunksEnd() == SegmentDescriptor.HEADER_SIZE ? hd.firstSeq : cp.lastSeq() + 1;
                if (cp.chunksEnd() > SegmentDescriptor.HEADER_SIZE) {
                    endSeq = cp.lastSeq();
                    endTs = 0;
                }
                chainEpoch = cp.epoch();
                cpUsed = true;
                cpProblem = null;
            } else if (cp != null) {
                cpProblem = "the checkpoint names segment " + cp.segmentNumber() + " offset " + cp.chunksEnd()
                        + ", not the tail " + hd.number;
            }
            TailWalk w;
            try (SegmentImage img = store.open(hd.path)) {
                w = walk(img, hd.number, start, expected, chainEpoch, hd.firstSeq, hd.recycled,
                        SegmentDescriptor.footerOffset(hd.segmentSize), hd.alignment, scanner, dropped);
            } catch (IOException ex) {
                throw new SegmentException(hd.path + ": cannot read: " + ex.getMessage(), ex);
            }
            if (w.lastSeq != 0) {
                endSeq = w.lastSeq;
                endTs = w.lastTs;
            }
            maxEpoch = Math.max(maxEpoch, w.epoch);
            // Exact unless the segment holds a declared restart (then an upper bound).
            long segRecords = w.end > SegmentDescriptor.HEADER_SIZE ? Math.max(0, endSeq - hd.firstSeq + 1) : 0;
            records += segRecords;
            segments.add(new SegmentSummary(hd.number, hd.path, hd.firstSeq, hd.firstTs, segRecords > 0 ? endSeq : -1,
                    endTs, segRecords, false, hd.fileSize, w.end, w.epoch));
            tailSegment = hd.number;
            tailEnd = w.end;
            lastSeq = endSeq;
            lastTs = endTs;
        }
        long firstSeq = 0;
        long firstTs = 0;
        for (SegmentSummary seg : segments) {
            if (seg.records() != 0) {
                firstSeq = seg.firstSeq();
                firstTs = seg.firstTsNs();
                break;
            }
        }
        if (segments.isEmpty() && cpProblem == null) {
            cpProblem = "no segments";
        }
        String listProblem = list == null ? null : listProblem(list, listed, segments);
        return new SegmentRecoveryReport(List.copyOf(segments), List.copyOf(refused), List.copyOf(dropped), firstSeq, lastSeq,
                firstTs, lastTs, records, tailSegment, tailSealed, tailEnd, maxEpoch, nextNumber, cpUsed, cpProblem,
                System.nanoTime() - started, id, listed, listProblem);
    }

    /**
     * Why the list of sealed segments does not match the directory (the writer then writes it
     * anew), or null: unusable, damaged entries, entries of segments gone, sealed segments it lacks.
     */
    private static String listProblem(SealedList.Read list, int listed, List<SegmentSummary> segments) {
        if (list.problem() != null) {
            return list.problem();
        }
        long unlisted = 0;
        for (SegmentSummary s : segments) {
            if (s.sealed()) {
                unlisted++;
            }
        }
        unlisted -= listed;
        long stale = list.entries().size() - listed;
        if (list.damaged() == 0 && stale == 0 && unlisted == 0) {
            return null;
        }
        return list.damaged() + " damaged entries, " + stale + " of segments gone, " + unlisted + " sealed segments not listed";
    }

    /**
     * A sealed tail needs no walk; a checkpoint naming a later segment says that one is gone (its
     * creation undone by recovery, or removed by hand).
     */
    private static String sealedTailProblem(SegmentCheckpoint cp, String cpProblem, long tail) {
        if (cp == null || cp.segmentNumber() == tail) {
            return cpProblem;
        }
        return "the checkpoint names segment " + cp.segmentNumber() + " offset " + cp.chunksEnd() + ", not the tail " + tail;
    }

    /** Where a tail walk ended: offset, last accepted sequence and time (0 when none), highest epoch. */
    record TailWalk(long end, long lastSeq, long lastTs, int epoch) {
    }

    /**
     * Walks chunks from {@code start} while they verify and follow the chain; the first that does
     * not is added to {@code dropped} (with every well-formed chunk past it, for the report).
     */
    static TailWalk walk(SegmentImage img, long segment, long start, long expectedSeq, int chainEpoch, long segmentFirstSeq,
                         boolean recycled, long limit, int alignment, ChunkScanner scanner, List<DroppedChunk> dropped) {
        long pos = start;
        long lastSeq = 0;
        long lastTs = 0;
        int epoch = chainEpoch;
        while (true) {
            ChunkStatus st = scanner.load(img, pos, limit, alignment);
            if (st == ChunkStatus.VALID) {
                st = scanner.follows(expectedSeq, epoch, segmentFirstSeq);
            }
            if (st == ChunkStatus.VALID) {
                st = scanner.verifyRecords();
            }
            if (st != ChunkStatus.VALID) {
                // In a recycled file, what follows the last chunk is the older segment's bytes: anything
                // but a chunk of ours whose header verified there is its leftover, not damage.
                if (st.isDamage() && !(recycled && scanner.count() == 0)) {
                    // count() is set once the header verified: the chunk's claims are then worth reporting.
                    boolean headerOk = scanner.count() > 0;
                    dropped.add(new DroppedChunk(segment, pos, headerOk ? scanner.firstSeq() : -1,
                            headerOk ? scanner.count() : 0, st));
                    if (st != ChunkStatus.TRUNCATED && !recycled) {
                        sweep(img, segment, headerOk ? pos + scanner.length() : -pos, limit, alignment, scanner, dropped);
                    }
                }
                return new TailWalk(pos, lastSeq, lastTs, epoch);
            }
            epoch = scanner.epoch();
            lastSeq = scanner.lastSeq();
            lastTs = scanner.lastTs();
            expectedSeq = lastSeq + 1;
            pos += scanner.length();
        }
    }

    /** How far past a chunk whose length is unknown the sweep looks for well-formed chunks. */
    private static final long SWEEP_SEARCH = 8L << 20;

    /**
     * Reports well-formed chunks past the end of the log: they are dropped too. From a chunk whose
     * length is unknown ({@code pos} = its offset, negated) the next one is searched for at each
     * aligned offset, up to {@link #SWEEP_SEARCH} (a chunk's header names its own offset, so a
     * match is not an accident). Runs only when the tail was damaged.
     */
    private static void sweep(SegmentImage img, long segment, long pos, long limit, int alignment, ChunkScanner scanner,
                              List<DroppedChunk> dropped) {
        if (pos < 0) {
            long from = -pos + alignment;
            long to = Math.min(limit, from + SWEEP_SEARCH);
            pos = 0;
            for (long p = from; p < to; p += alignment) {
                ChunkStatus st = scanner.load(img, p, limit, alignment);
                if (st == ChunkStatus.VALID) {
                    pos = p;
                    break;
                }
                if (st == ChunkStatus.TRUNCATED || st == ChunkStatus.SEGMENT_FULL) {
                    return;
                }
            }
        }
        while (pos > 0 && scanner.load(img, pos, limit, alignment) == ChunkStatus.VALID) {
            dropped.add(new DroppedChunk(segment, pos, scanner.firstSeq(), scanner.count(), ChunkStatus.PAST_END));
            pos += scanner.length();
        }
    }

    static final String NEVER_WRITTEN = "header never written (all zero)";
    /** A recycled file renamed to its new number whose new header was not written yet. */
    static final String RECYCLE_UNFINISHED = "header of an older segment";

    /** Why a header is not acceptable, or null. {@code n}: bytes read. */
    static String headerProblem(MemorySegment h, int n, UUID logId, long nameNumber) {
        if (n < SegmentDescriptor.HEADER_FIELDS) {
            return "truncated header (the file is " + n + " bytes)";
        }
        boolean zero = true;
        for (int i = 0; i < SegmentDescriptor.HEADER_FIELDS && zero; i++) {
            zero = h.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == 0;
        }
        if (zero) {
            return NEVER_WRITTEN;
        }
        if (SegmentDescriptor.magic(h) != SegmentDescriptor.MAGIC) {
            return "not a pswitch segment (bad magic)";
        }
        if (SegmentDescriptor.version(h) != SegmentDescriptor.VERSION) {
            return "unknown segment version " + SegmentDescriptor.version(h) + " (this build reads version "
                    + SegmentDescriptor.VERSION + ")";
        }
        if (new Crc32c().of(h, 0, SegmentDescriptor.HEADER_CRC_OFFSET) != SegmentDescriptor.headerCrc(h)) {
            return "damaged header (CRC mismatch)";
        }
        if (logId != null && !SegmentDescriptor.logId(h).equals(logId)) {
            return "belongs to log " + SegmentDescriptor.logId(h) + ", not to this log " + logId;
        }
        if (SegmentDescriptor.segmentNumber(h) < nameNumber) {
            return RECYCLE_UNFINISHED + " (" + SegmentDescriptor.segmentNumber(h) + ") under the name of segment " + nameNumber;
        }
        if (SegmentDescriptor.segmentNumber(h) != nameNumber) {
            return "its header says segment " + SegmentDescriptor.segmentNumber(h) + ", its name " + nameNumber;
        }
        long size = SegmentDescriptor.segmentSize(h);
        int a = SegmentDescriptor.alignment(h);
        if (size < SegmentDescriptor.SIZE_UNIT || size % SegmentDescriptor.SIZE_UNIT != 0 || a < 512 || a > 65536
                || Integer.bitCount(a) != 1) {
            return "impossible segment size " + size + " or alignment " + a;
        }
        return null;
    }

    private static UUID newestLogId(SegmentStore store, TreeMap<Long, Path> files) {
        MemorySegment h = MemorySegment.ofArray(new byte[HEADER_READ]);
        for (Path p : files.descendingMap().values()) {
            try (SegmentImage img = store.open(p)) {
                int n = img.read(0, h, 0, HEADER_READ);
                if (n >= SegmentDescriptor.HEADER_FIELDS && SegmentDescriptor.magic(h) == SegmentDescriptor.MAGIC
                        && new Crc32c().of(h, 0, SegmentDescriptor.HEADER_CRC_OFFSET) == SegmentDescriptor.headerCrc(h)) {
                    return SegmentDescriptor.logId(h);
                }
            } catch (IOException | SegmentException ignored) {
                // Try the next one.
            }
        }
        return null;
    }

    private static Path setAside(Path p) {
        Path to = p.resolveSibling(p.getFileName() + SegmentDescriptor.REFUSED_SUFFIX);
        try {
            Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            SegmentFile.forceDirectory(p.getParent());
            return to;
        } catch (NoSuchFileException e) {
            return p;
        } catch (IOException e) {
            throw new SegmentException(p + ": refused, and cannot be set aside as " + to.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** A segment's header as read, or ({@code listed} not null) its entry in the list of sealed segments. */
    record Header(long number, Path path, long fileSize, long segmentSize, int alignment, long firstSeq, long firstTs,
                  boolean recycled, SealedList.Entry listed) {
    }

    /** The footer of a segment when it is sealed and verifies (index included), else null. */
    static SegmentFooters.Footer readFooter(SegmentStore store, Header hd) {
        try (SegmentImage img = store.open(hd.path)) {
            return SegmentFooters.read(img, hd.number, hd.segmentSize, hd.alignment);
        } catch (IOException e) {
            return null;
        }
    }
}
