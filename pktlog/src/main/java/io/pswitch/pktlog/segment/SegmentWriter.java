package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Appends records to the segment tier: preallocated segment files written strictly sequentially
 * with direct I/O, one gathered {@code pwritev} per chunk, large frames straight from their pool
 * buffers. Used by the drain thread only (not thread-safe), except {@link #durableSeq()}, which
 * any thread may read.
 *
 * <p>Cycle: {@link #add} records until it returns false (chunk full), {@link #write} (one
 * {@code pwritev}; nothing durable yet), {@link #sync} ({@code fdatasync}). A staged chunk reads its
 * records' pool buffers until its write succeeds, never after: whether they may be freed then or
 * only after the sync is the hot tier's durability question ({@code TieredRetention}). No allocation
 * in add/write/sync; a segment roll and the checkpoint ({@link SegmentConfig#checkpointIntervalNs()}) allocate a little.
 *
 * <p>What happens at open (recovery, the tail sealed), at capacity and on a full file system: see
 * the package overview.
 */
public final class SegmentWriter implements AutoCloseable {
    /** {@link #write} status: no room for a new segment; the chunk stays staged. */
    public static final long NO_SPACE = -1;

    private final Path dir;
    private final UUID logId;
    private final SegmentConfig cfg;
    private final NativeIo io = new NativeIo();
    private final Arena arena = Arena.ofShared();
    private final SegmentAlignment alignment;
    private final ChunkStager stager;
    private final MemorySegment block;
    private final MemorySegment index;
    private final MemorySegment blockIov;
    private final Crc32c crc = new Crc32c();
    private final SegmentRetention retention;
    private final SegmentFileSource files;
    private final SegmentWriterCounters counters;
    private final SegmentRecoveryReport recovery;
    private final int epoch;

    private final java.util.List<String> warnings = new java.util.ArrayList<>();
    private CheckpointFile checkpoint;
    private SealedList sealedList = SealedList.NONE;
    private OpenSegment current;
    private boolean directIo = true;
    private long nextNumber;
    private long nextSeq;
    private boolean restartPending;
    private long writtenSeq;
    /** Last sequence handed to the syncer (group commit). */
    private long requestedSeq;
    /** Timestamps of the last written and the last durable record (the tier's newest time without reading it). */
    private long writtenTsNs;
    private long durableTsNs;
    private volatile long durableSeq;
    private long durableEnd;
    private long lastCheckpointNs;
    private long checkpointedSeq;
    private boolean full;

    private SegmentWriter(Path dir, UUID logId, SegmentConfig cfg, SegmentRecoveryReport recovery) {
        this.dir = dir;
        this.logId = logId;
        this.cfg = cfg;
        this.recovery = recovery;
        this.alignment = SegmentAlignment.of(io, dir);
        this.stager = new ChunkStager(arena, alignment.chunk(), alignment.frame(), alignment.memory(), cfg.chunkBytes(),
                cfg.packThreshold(), true);
        int blockAlign = Math.max(4096, alignment.memory());
        this.block = arena.allocate(Math.max(SegmentDescriptor.HEADER_SIZE, SegmentDescriptor.FOOTER_SIZE), blockAlign);
        this.index = arena.allocate(OpenSegment.maxIndexBytes(cfg.segmentSize(), alignment.chunk()), blockAlign);
        this.blockIov = arena.allocate(2L * NativeIo.IOVEC_SIZE, 8);
        this.retention = new SegmentRetention(dir, cfg.capacityBytes());
        this.files = new SegmentFileSource(dir, cfg, retention);
        this.counters = new SegmentWriterCounters(retention, files);
        this.epoch = recovery.maxEpoch() + 1;
        this.nextNumber = recovery.nextSegmentNumber();
        this.writtenSeq = recovery.lastSeq();
        this.durableSeq = recovery.lastSeq();
        this.writtenTsNs = recovery.lastTsNs();
        this.durableTsNs = recovery.lastTsNs();
        this.nextSeq = recovery.lastSeq() > 0 ? recovery.lastSeq() + 1 : 0;
    }

    /**
     * Opens the segment tier in {@code segmentsDir} (created when absent): recovery, a new epoch in
     * the checkpoint, the unsealed tail sealed.
     *
     * @param logId the log's id; segments of any other log are refused and set aside. Null adopts the
     *     directory's own log (its newest segment's or checkpoint's id; a new random id for an empty
     *     directory): {@link #logId()}. It must outlive the hot tier's pool (tmpfs dies with a reboot).
     * @throws SegmentException one line naming the path and the reason (another log's checkpoint is
     *     not an error: it is reported and ignored; a file system too small for the log is)
     */
    public static SegmentWriter open(Path segmentsDir, UUID logId, SegmentConfig cfg) {
        try {
            Files.createDirectories(segmentsDir);
        } catch (IOException e) {
            throw new SegmentException(segmentsDir + ": cannot create the segments directory: " + e.getMessage(), e);
        }
        SegmentRecoveryReport report = SegmentRecovery.recoverForWriter(segmentsDir, logId);
        UUID id = logId != null ? logId : report.logId() != null ? report.logId() : UUID.randomUUID();
        SegmentWriter w = new SegmentWriter(segmentsDir, id, cfg, report);
        try {
            w.start();
        } catch (RuntimeException e) {
            w.closeQuietly();
            throw e;
        }
        return w;
    }

    private void start() {
        long usable = retention.usableSpace();
        long existing = recovery.segmentBytes();
        if (usable + existing < cfg.capacityBytes()) {
            throw new SegmentException(dir + ": log size " + cfg.capacityBytes() + " bytes does not fit: the file system has "
                    + usable + " bytes free and the log's segments take " + existing);
        }
        checkpoint = CheckpointFile.open(io, arena, dir, SegmentCheckpoint.read(dir, logId).generation());
        // The new epoch is durable before any chunk of it exists: see CheckpointDescriptor.
        writeCheckpoint(recovery.tailSegment() >= 0 ? recovery.tailSegment() : nextNumber - 1,
                recovery.tailSealed() ? 0 : recovery.tailEnd());
        SegmentSummary sealedTail = null;
        for (SegmentSummary s : recovery.segments()) {
            if (s.number() == recovery.tailSegment() && !recovery.tailSealed()) {
                SegmentSummary kept = sealTail(s);
                if (kept == null) {
                    continue;
                }
                sealedTail = kept.sealed() ? kept : null;
            }
            retention.add(s.number(), s.path(), s.sizeBytes(), s.firstSeq(), s.firstTsNs());
        }
        sealedList = SealedList.forWriter(dir, logId, recovery, sealedTail, warnings);
    }

    /**
     * Seals the unsealed tail at its last valid chunk and returns it sealed; an empty one is removed
     * (null); one that cannot be sealed stays as it was, the reason in {@link #warnings()}.
     */
    private SegmentSummary sealTail(SegmentSummary s) {
        if (recovery.tailEnd() <= SegmentDescriptor.HEADER_SIZE) {
            SegmentFile.deleteQuietly(s.path());
            SegmentFile.forceDirectory(dir);
            return null;
        }
        TailSealer.Sealed r = TailSealer.seal(io, arena, block, blockIov, crc, s.path(), s.number(), recovery.tailEnd());
        if (r.problem() != null) {
            warnings.add(s.path() + ": left unsealed: " + r.problem());
            return s;
        }
        counters.segmentsSealed++;
        if (s.lastSeq() == writtenSeq && r.segment().lastTsNs() != 0) {
            writtenTsNs = r.segment().lastTsNs();
            durableTsNs = writtenTsNs;
        }
        return r.segment();
    }

    /**
     * Stages one record. Large frames are not copied: {@code src} must be the pool's whole segment
     * (the same instance every call) and the buffer must stay untouched until {@link #write()} wrote
     * the record's chunk. Timestamps must not decrease along the sequence (readers' time search
     * relies on it, as the hot tier's does).
     *
     * @param decision forwarding decision, encoded as in {@code IndexRecordDescriptor}
     * @param tunnel tunnel metadata (0 = none)
     * @return false when the chunk is full: call {@link #write()} and add again
     * @throws IllegalArgumentException on a sequence gap (use {@link #restartAt}) or impossible lengths
     */
    public boolean add(long seq, long tsNs, int ingressPort, int decision, long filterMask, int firstFilterId,
                       int wireLength, int storedLength, long tunnel, MemorySegment src, long srcOffset) {
        if (nextSeq != 0 && seq != nextSeq) {
            throw new IllegalArgumentException("sequence gap in the segment tier: expected " + nextSeq + ", got " + seq);
        }
        if (seq <= 0 || storedLength < 0 || storedLength > wireLength || storedLength > ChunkScanner.MAX_STORED) {
            throw new IllegalArgumentException("impossible record: seq " + seq + ", stored " + storedLength + " of "
                    + wireLength + " bytes (at most " + ChunkScanner.MAX_STORED + " stored)");
        }
        int packedBefore = stager.packedRecords();
        if (!stager.add(seq, tsNs, ingressPort, decision, filterMask, firstFilterId, wireLength, storedLength, tunnel, src,
                srcOffset)) {
            return false;
        }
        counters.framesPacked += stager.packedRecords() - packedBefore;
        nextSeq = seq + 1;
        return true;
    }

    /** The log continues at {@code seq}, past a gap (records lost before the segment tier); only with nothing staged. */
    public void restartAt(long seq) {
        if (stager.count() > 0) {
            throw new IllegalStateException("restartAt(" + seq + ") with records staged: write() first");
        }
        if (nextSeq != 0 && seq <= writtenSeq) {
            throw new IllegalArgumentException("restartAt(" + seq + ") does not move past the written seq " + writtenSeq);
        }
        nextSeq = seq;
        restartPending = writtenSeq > 0;
    }

    /**
     * Writes the staged chunk with one gathered {@code pwritev}, rolling to a new segment when it
     * does not fit. Not durable until {@link #sync()}.
     *
     * @return the last sequence written, or {@link #NO_SPACE}
     */
    public long write() {
        if (stager.count() == 0) {
            return writtenSeq;
        }
        long length = stager.stagedLength();
        if (current == null || !current.fits(length)) {
            if (current != null) {
                sealCurrent();
            }
            if (!openNext()) {
                return NO_SPACE;
            }
        }
        int count = stager.count();
        long last = stager.lastSeq();
        long lastTs = stager.lastTs();
        current.writeChunk(stager, epoch, restartPending);
        restartPending = false;
        stager.reset();
        counters.bytesWritten += length;
        counters.chunksWritten++;
        counters.records += count;
        writtenSeq = last;
        writtenTsNs = lastTs;
        return last;
    }

    /**
     * {@code fdatasync}: everything written so far becomes durable; also rewrites the checkpoint
     * when its interval has passed.
     *
     * @return the durable sequence
     */
    public long sync() {
        if (current != null && writtenSeq > durableSeq) {
            current.file().sync();
            durableEnd = current.chunksEnd();
            durableSeq = writtenSeq;
            durableTsNs = writtenTsNs;
        }
        long now = System.nanoTime();
        if (durableSeq > checkpointedSeq && now - lastCheckpointNs >= cfg.checkpointIntervalNs() && current != null) {
            writeCheckpoint(current.file().number(), durableEnd);
        }
        return durableSeq;
    }

    /**
     * Lets {@code hold} keep its segments from being recycled and learn of their deletion (the
     * archive tier, until their objects are verified); the capacity stays a hard bound: see
     * {@link SegmentHold}. Null removes it.
     */
    public void holdBy(SegmentHold hold) {
        retention.holdBy(hold);
    }

    /**
     * Group commit: asks the attached {@link SegmentSyncer} to make everything written so far
     * durable, without waiting; {@link #pollSynced} later takes what it did. No-op when nothing
     * new was written since the last request.
     */
    public void requestSync(SegmentSyncer syncer) {
        if (current != null && writtenSeq > requestedSeq) {
            syncer.request(writtenSeq, writtenTsNs, current.chunksEnd(), current.file().number());
            requestedSeq = writtenSeq;
        }
    }

    /** After a failed flush: what was not durable is asked for again, and the syncer flushes again. */
    public void retrySync(SegmentSyncer syncer) {
        requestedSeq = durableSeq;
        syncer.resume();
    }

    /** Takes the syncer's newest result (see {@link #synced}); returns the durable sequence. */
    public long pollSynced(SegmentSyncer syncer) {
        syncer.poll(this);
        return durableSeq;
    }

    /**
     * The syncer flushed segment {@code segment}: everything up to {@code seq} (ending at
     * {@code end}) is durable. A result for a segment sealed since adds nothing (its seal synced
     * it). Rewrites the checkpoint when its interval has passed, as {@link #sync} does.
     */
    void synced(long seq, long tsNs, long end, long segment) {
        if (current == null || segment != current.file().number() || seq <= durableSeq) {
            return;
        }
        durableSeq = seq;
        durableTsNs = tsNs;
        durableEnd = end;
        long now = System.nanoTime();
        if (durableSeq > checkpointedSeq && now - lastCheckpointNs >= cfg.checkpointIntervalNs()) {
            writeCheckpoint(current.file().number(), durableEnd);
        }
    }

    /** Seals the open segment (the next write starts a new one); staged records are written first. */
    public void seal() {
        if (write() == NO_SPACE) {
            throw new SegmentException(dir + ": no space to write the staged chunk before sealing");
        }
        if (current != null) {
            sealCurrent();
        }
    }

    private void sealCurrent() {
        current.seal();
        sealedList.append(current.summary());
        current.file().close();
        durableSeq = writtenSeq;
        durableTsNs = writtenTsNs;
        counters.segmentsSealed++;
        current = null;
    }

    private boolean openNext() {
        Path path = dir.resolve(SegmentDescriptor.fileName(nextNumber));
        boolean recycled = files.provide(path);
        retention.makeRoom(cfg.segmentSize());
        SegmentFile f = SegmentFile.open(io, path, nextNumber, cfg.segmentSize(), true);
        if (f == null && retention.freeForNewSegment(cfg.segmentSize())) {
            f = SegmentFile.open(io, path, nextNumber, cfg.segmentSize(), true);
        }
        if (f == null) {
            full = true;
            counters.noSpaceEvents++;
            return false;
        }
        full = false;
        directIo = f.direct();
        OpenSegment seg = new OpenSegment(f, cfg.segmentSize(), alignment.chunk(), block, index, blockIov, crc);
        seg.writeHeader(logId, nextNumber, stager.firstSeq(), stager.firstTs(), recycled);
        retention.add(nextNumber, path, cfg.segmentSize(), stager.firstSeq(), stager.firstTs());
        current = seg;
        nextNumber++;
        durableEnd = SegmentDescriptor.HEADER_SIZE;
        writeCheckpoint(f.number(), SegmentDescriptor.HEADER_SIZE);
        return true;
    }

    /**
     * New segments take the files {@code p} prepares ahead (its agent runs on a thread of its own;
     * the caller runs it and closes it after the drain). Before the first write.
     */
    public void prepareWith(SegmentPreparer p) {
        files.prepareWith(p);
    }

    /** Bytes per segment file. */
    public long segmentSize() {
        return cfg.segmentSize();
    }

    private void writeCheckpoint(long segment, long end) {
        checkpoint.write(new SegmentCheckpoint(logId, epoch, segment, end, durableSeq));
        checkpointedSeq = durableSeq;
        lastCheckpointNs = System.nanoTime();
    }

    /**
     * Writes what is staged, syncs, writes the checkpoint. The open segment stays unsealed unless
     * {@link #seal()} was called (the next open seals it). Records staged while the file system is
     * full are not written: they were never durable, so their pool buffers were never freed.
     */
    @Override
    public void close() {
        try {
            if (write() != NO_SPACE) {
                sync();
            }
            if (current != null) {
                writeCheckpoint(current.file().number(), durableEnd);
                current.file().close();
                current = null;
            }
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        sealedList.close();
        if (checkpoint != null) {
            checkpoint.close();
            checkpoint = null;
        }
        if (current != null) {
            current.file().close();
            current = null;
        }
        io.close();
        arena.close();
    }

    /** The last durable sequence (0 when none); any thread. */
    public long durableSeq() {
        return durableSeq;
    }

    /** The last sequence written (not necessarily durable). */
    public long writtenSeq() {
        return writtenSeq;
    }

    /** The sequence the next {@link #add} must have, 0 when any (empty log). */
    public long nextSeq() {
        return nextSeq;
    }

    /** Records staged and not yet written. */
    public int stagedRecords() {
        return stager.count();
    }

    /** Whether writes bypass the page cache ({@code O_DIRECT}); false after a fallback to buffered I/O. */
    public boolean directIo() {
        return directIo;
    }

    /** Where new segments' chunks go and what direct I/O needs here (statx: DIO alignment, block size). */
    public SegmentAlignment alignment() {
        return alignment;
    }

    public int epoch() {
        return epoch;
    }

    /** True after a write found no room for a new segment, until one is created. */
    public boolean full() {
        return full;
    }

    /** What open could not do but worked around (a tail left unsealed, and why): one line each, for the start-up report. */
    public java.util.List<String> warnings() {
        return java.util.List.copyOf(warnings);
    }

    public SegmentRecoveryReport recoveryReport() {
        return recovery;
    }

    /** The log id segments are written with. */
    public UUID logId() {
        return logId;
    }

    public Path directory() {
        return dir;
    }

    /** First sequence the segment tier holds (its oldest segment's), 0 when none; from memory, no file is read. */
    public long oldestSeq() {
        return retention.oldestFirstSeq();
    }

    /** Time of the oldest record the segment tier holds, 0 when none. */
    public long oldestTsNs() {
        return retention.oldestFirstTsNs();
    }

    /** Time of the last written record ({@link #writtenSeq()}), 0 when none. */
    public long writtenTsNs() {
        return writtenTsNs;
    }

    /** Time of the last durable record ({@link #durableSeq()}), 0 when none. */
    public long durableTsNs() {
        return durableTsNs;
    }

    public int segmentCount() {
        return retention.count();
    }

    public long segmentBytes() {
        return retention.bytes();
    }

    /** What the writer has done so far (drain thread). */
    public SegmentWriterCounters counters() {
        return counters;
    }
}
