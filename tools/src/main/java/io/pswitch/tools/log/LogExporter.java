package io.pswitch.tools.log;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.index.LogSource;
import io.pswitch.pktlog.query.FramePredicate;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Streams selected records of a log into capture files, in sequence (= time) order.
 *
 * <p>Constant memory: records are read one at a time by {@link LogReader} (which verifies each on a
 * private copy: a record retired or rewritten during the export is skipped and counted, never
 * written half old, half new), and the capture writers stream. With a split size the output rolls
 * to a new file ({@code out-000.pcap}, {@code out-001.pcap}, ...) before a record would make the
 * current one reach it; each pcapng part repeats the interface blocks.
 */
public final class LogExporter {
    /** How often (records read) the progress callback runs. */
    static final int PROGRESS_EVERY = 8192;

    private final LogSource log;
    private final LogCatalog catalog;

    public LogExporter(LogSource log, LogCatalog catalog) {
        this.log = log;
        this.catalog = catalog;
    }

    /**
     * @param splitBytes roll files at this size, or 0 for one file
     * @param progress called now and then with the sequence reached (for a progress bar), or null
     */
    public ExportResult export(LogQuery selection, CaptureFormat format, Path output, long splitBytes,
                               LongConsumer progress) {
        long t0 = System.nanoTime();
        LogReader reader = new LogReader(log);
        Writer w = new Writer(selection, format, output, splitBytes, progress);
        try {
            // Port, filter and limit are applied here, not in the query: every readable record of the
            // window then reaches the writer, so a gap in the sequence numbers is exactly the records
            // the reader had to skip (failing their CRC, or retired while it read).
            reader.query(LogQuery.between(selection.fromNs(), selection.toNs()), w);
        } finally {
            w.close();
        }
        long retired = Math.max(reader.retiredSkipped(), w.gapRecords - reader.crcMismatches());
        return new ExportResult(w.records, w.bytes, w.files, retired, reader.crcMismatches(), System.nanoTime() - t0);
    }

    /** First and last sequence the selection's window covers (for a progress bar's total). */
    public long[] window(LogQuery selection) {
        LogReader probe = new LogReader(log);
        long first = selection.fromNs() == Long.MIN_VALUE ? log.oldestSeq() : probe.seekTime(selection.fromNs());
        long end = selection.toNs() == Long.MAX_VALUE ? log.newestSeq() + 1 : probe.seekTime(selection.toNs());
        return new long[] {first, Math.max(first, end)};
    }

    private final class Writer implements RecordConsumer {
        private final LogQuery selection;
        private final CaptureFormat format;
        private final Path output;
        private final long splitBytes;
        private final LongConsumer progress;
        private final List<Path> files = new ArrayList<>();
        private long prevSeq;
        private long gapRecords;
        private CaptureSink sink;
        private long records;
        private long bytes;
        private long sinceProgress;
        private long partRecords;
        /** Bytes a record adds besides its frame (pcap record header; pcapng block and comment, roughly). */
        private final int recordOverhead;

        Writer(LogQuery selection, CaptureFormat format, Path output, long splitBytes, LongConsumer progress) {
            this.selection = selection;
            this.format = format;
            this.output = output;
            this.splitBytes = splitBytes;
            this.progress = progress;
            this.recordOverhead = format == CaptureFormat.PCAP ? 16 : 96;
            if (splitBytes == 0) {
                // An empty selection still produces a valid, empty capture.
                roll();
            }
        }

        private void roll() {
            if (sink != null) {
                bytes += sink.size();
                sink.close();
            }
            Path p = splitBytes == 0 ? output : SplitNames.part(output, files.size());
            sink = CaptureSink.open(format, p, catalog);
            files.add(p);
        }

        @Override
        public boolean accept(LogRecord record, MemorySegment frame, long offset) {
            if (progress != null && ++sinceProgress >= PROGRESS_EVERY) {
                sinceProgress = 0;
                progress.accept(record.sequence());
            }
            long seq = record.sequence();
            if (prevSeq != 0 && seq > prevSeq + 1) {
                gapRecords += seq - prevSeq - 1;
            }
            prevSeq = seq;
            if (!selection.selectsPort(record.ingressPort())) {
                return true;
            }
            FramePredicate p = selection.predicate();
            if (p != null && !p.test(frame, offset, record.storedLength(), record.wireLength())) {
                return true;
            }
            if (records >= selection.limit()) {
                return false;
            }
            if (sink == null) {
                roll();
            } else if (splitBytes > 0 && partRecords > 0 && sink.size() + recordOverhead + record.storedLength() > splitBytes) {
                roll();
                partRecords = 0;
            }
            sink.write(record, frame, offset);
            records++;
            partRecords++;
            return records < selection.limit();
        }

        void close() {
            if (sink == null && splitBytes > 0) {
                roll();
            }
            if (sink != null) {
                bytes += sink.size();
                sink.close();
                sink = null;
            }
        }
    }
}
