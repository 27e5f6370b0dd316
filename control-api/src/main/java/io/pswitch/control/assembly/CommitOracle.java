package io.pswitch.control.assembly;

import io.pswitch.control.config.ConfigException;
import io.pswitch.pktlog.index.PacketLog;
import io.pswitch.pktlog.query.LogReader;
import io.pswitch.pktlog.query.LogRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * {@code pswitch run --commit-oracle FILE}: a test and diagnostic aid. After every commit it reads
 * the committed records back through the log (a {@link LogReader}, which verifies each record's
 * CRC) and appends one line per record to {@code FILE}:
 * <pre>
 *   seq storedLength wireLength crc32c-of-the-stored-bytes-in-hex
 * </pre>
 * A line is written only after {@code PacketLog.commit()} returned, so every line names a record
 * the log promised to keep: crash tests kill the switch at random moments and check that recovery
 * finds every line's record with exactly those bytes.
 *
 * <p>The lines go out with a plain write, no fsync: a process crash (kill -9) does not lose the page
 * cache, and a power cut is not what this oracle is for. A crash in the middle of a write may
 * leave a last line without its newline; readers ignore it.
 *
 * <p>Runs on the thread that committed, right after the commit: the dataplane thread in {@code sync}
 * mode (inside the duty cycle), the log's committer thread in {@code batch} and {@code async}
 * (delaying the next commit). One call at a time: the log hands commits over one by one. Reading,
 * a CRC and a system call per commit: it slows the switch and is not for production.
 */
public final class CommitOracle implements PacketLog.CommitListener, AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final LogReader reader;
    private final CRC32C crc = new CRC32C();
    private final StringBuilder lines = new StringBuilder();
    private volatile RuntimeException failure;

    private CommitOracle(Path path, FileChannel channel, PacketLog log) {
        this.path = path;
        this.channel = channel;
        this.reader = new LogReader(log);
    }

    /** Opens (creating, else appending to) {@code file} for the records of {@code log}. */
    public static CommitOracle open(Path file, PacketLog log) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new CommitOracle(file, ch, log);
        } catch (IOException e) {
            throw new ConfigException("--commit-oracle " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Never throws into the committing thread (a duty cycle would be left half done, a committer
     * would stop committing): the first failure is kept, the oracle goes quiet, and the switch's
     * owner stops the switch ({@link #failure()}).
     */
    @Override
    public void committed(long fromSeq, long toSeq) {
        if (failure != null) {
            return;
        }
        try {
            record(fromSeq, toSeq);
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /** The first failure (a record failing its CRC right after commit, a write error), or null. Any thread. */
    public RuntimeException failure() {
        return failure;
    }

    private void record(long fromSeq, long toSeq) {
        long mismatchesBefore = reader.crcMismatches();
        lines.setLength(0);
        for (long seq = fromSeq; seq <= toSeq; seq++) {
            LogRecord rec = reader.record(seq);
            if (rec == null) {
                continue; // retired meanwhile (a CRC failure is counted and reported below)
            }
            crc.reset();
            crc.update(reader.frame().asSlice(0, rec.storedLength()).asByteBuffer());
            lines.append(seq).append(' ').append(rec.storedLength()).append(' ').append(rec.wireLength())
                    .append(' ').append(Integer.toHexString((int) crc.getValue())).append('\n');
        }
        if (reader.crcMismatches() != mismatchesBefore) {
            // A record that fails verification right after its commit is a bug in the writer: stop loudly.
            throw new IllegalStateException("commit oracle: " + (reader.crcMismatches() - mismatchesBefore)
                    + " record(s) of seq " + fromSeq + ".." + toSeq + " fail their CRC right after commit");
        }
        if (lines.isEmpty()) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.US_ASCII));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("commit oracle " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was promised about the oracle's own durability.
        }
    }
}
