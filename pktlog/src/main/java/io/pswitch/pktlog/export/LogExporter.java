package io.pswitch.pktlog.export;

import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.query.LogRecord;
import io.pswitch.pktlog.query.RecordConsumer;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLogReader;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The one exporter: streams the records a {@link LogQuery} selects, from every tier of a log, into
 * capture files ({@code log export}) or a stream (the REST API's packet export), in sequence (=
 * time) order.
 *
 * <p>Constant memory: records are read one at a time, each verified on a private copy (a record
 * retired or rewritten during the export is skipped and counted, never written half old, half
 * new), and the capture writers stream. With a split size the output rolls to a new file
 * ({@code out-000.pcap}, {@code out-001.pcap}, ...) before a record would make the current one
 * reach it; each pcapng part repeats the interface blocks.
 */
public final class LogExporter {
    /** How often (records read) the progress callback runs. */
    static final int PROGRESS_EVERY = 8192;

    private final LogView log;
    private final LogCatalog catalog;

    public LogExporter(LogView log, LogCatalog catalog) {
        this.log = log;
        this.catalog = catalog;
    }

    /**
     * Exports into {@code output} ({@link CaptureSink#STDOUT} for standard output).
     *
     * @param splitBytes roll files at this size, or 0 for one file
     * @param progress called now and then with the sequence reached (for a progress bar), or null
     */
    public ExportResult export(LogQuery query, CaptureFormat format, Path output, long splitBytes, LongConsumer progress) {
        long t0 = System.nanoTime();
        TieredLogReader reader = log.reader();
        Writer w = new Writer(query, splitBytes, progress, format, output, null);
        try {
            run(reader, query, w);
        } finally {
            w.close();
        }
        long retired = Math.max(0, w.gapRecords - reader.crcMismatches());
        return new ExportResult(w.records, w.bytes, w.files, retired, reader.crcMismatches(), System.nanoTime() - t0,
                reader.problems());
    }

    /**
     * Writes one capture to {@code out} and closes it (an HTTP response, named {@code what} in errors).
     *
     * @return the packets written
     * @throws java.io.UncheckedIOException when the receiver goes away
     */
    public long write(LogQuery query, CaptureFormat format, String what, OutputStream out) {
        return write(query, format, what, out, null);
    }

    /**
     * As {@link #write(LogQuery, CaptureFormat, String, OutputStream)}; archive objects skipped
     * (missing, or failing their CRC) go to {@code skipped}, one line each naming them.
     */
    public long write(LogQuery query, CaptureFormat format, String what, OutputStream out, List<String> skipped) {
        Writer w = new Writer(query, 0, null, format, null, CaptureSink.open(format, what, out, catalog));
        TieredLogReader reader = log.reader();
        try {
            run(reader, query, w);
        } finally {
            if (skipped != null) {
                skipped.addAll(reader.problems());
            }
            w.close();
        }
        return w.records;
    }

    /**
     * Port, tunnel, filter and limit are applied by the writer, not the readers: every readable
     * record of the window then reaches it, so a gap in the sequence numbers is exactly the records
     * the readers had to skip (failing their CRC, or retired while they read).
     */
    private static void run(TieredLogReader reader, LogQuery query, Writer w) {
        reader.query(LogQuery.between(query.fromNs(), query.toNs()), w);
    }

    /** First and last sequence of the log now (a progress bar's bounds). */
    public long[] window() {
        long first = log.oldestSeq();
        return new long[] {first, Math.max(first, log.newestSeq() + 1)};
    }

    private final class Writer implements RecordConsumer {
        private final LogQuery query;
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

        Writer(LogQuery query, long splitBytes, LongConsumer progress, CaptureFormat format, Path output, CaptureSink stream) {
            this.query = query;
            this.format = format;
            this.output = output;
            this.splitBytes = splitBytes;
            this.progress = progress;
            this.recordOverhead = format == CaptureFormat.PCAP ? 16 : 96;
            this.sink = stream;
            if (stream == null && splitBytes == 0) {
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
            if (!query.selects(record, frame, offset)) {
                return true;
            }
            if (records >= query.limit()) {
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
            return records < query.limit();
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
