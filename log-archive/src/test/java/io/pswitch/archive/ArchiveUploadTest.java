package io.pswitch.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.query.ArchiveQuery;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.upload.ArchiveCounters;
import io.pswitch.archive.upload.ArchiveUploader;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.segment.SegmentConfig;
import io.pswitch.pktlog.segment.SegmentReader;
import io.pswitch.pktlog.segment.SegmentWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** Segments uploaded to a real S3 server (S3Proxy), read back by time, filter and across a restart and damage. */
class ArchiveUploadTest {
    private static final UUID LOG_ID = UUID.fromString("a5c1e000-0000-4000-8000-000000000014");
    private static final long MIB = 1 << 20;
    private static final int RECORDS = 6000;
    private static final LogCatalog CATALOG = new LogCatalog(
            List.of(new LogCatalog.PortEntry(0, "uplink"), new LogCatalog.PortEntry(1, "mirror-a"), new LogCatalog.PortEntry(2, "mirror-b")),
            List.of(new LogCatalog.FilterEntry(0, "all-udp", "udp")));

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    private S3ProxyServer s3;
    private ArchiveStore store;
    private UdpFrames frames;

    /** A clock the test moves: backoff waits pass when the test says so, never by the machine's speed. */
    private static final class ManualClock implements EpochNanoClock {
        long now = 1_800_000_000_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }
    }

    @BeforeEach
    void start() {
        s3 = new S3ProxyServer();
        s3.createBucket("fleet");
        store = s3.store("s3://fleet/archive");
        frames = new UdpFrames();
    }

    @AfterEach
    void stop() {
        frames.close();
        store.close();
        s3.close();
    }

    private Path segments() {
        return disk.resolve("segments");
    }

    private SegmentWriter open(long capacity) {
        return SegmentWriter.open(segments(), LOG_ID, SegmentConfig.of(capacity, MIB));
    }

    private ArchiveUploader uploader(ArchiveStore st, EpochNanoClock clock) {
        return uploader(st, clock, 0);
    }

    private ArchiveUploader uploader(ArchiveStore st, EpochNanoClock clock, long retentionNs) {
        return new ArchiveUploader(new ArchiveUploader.Settings(st, "sw1", LOG_ID, segments(), disk.resolve("archive-staging"),
                () -> CATALOG, retentionNs, 64 * 1024, 3), clock);
    }

    private static void finish(ArchiveUploader u) {
        assertThat(u.finish(new SystemEpochNanoClock().nanoTime() + 300_000_000_000L)).as("backlog uploaded: %s", u.status()).isTrue();
    }

    private void writeSealed(long from, long to) {
        try (SegmentWriter w = open(256 * MIB)) {
            frames.write(w, from, to);
            w.seal();
        }
    }

    private int localSegments() {
        return new SegmentReader(segments(), LOG_ID).inspect().segments().size();
    }

    private Map<Long, byte[]> readArchive(ArchiveQuery q, LogQuery lq) {
        Map<Long, byte[]> out = new TreeMap<>();
        long[] lastTs = {Long.MIN_VALUE};
        q.run(lq, null, (o, r, frame, off) -> {
            assertThat(r.timestampNs()).isGreaterThanOrEqualTo(lastTs[0]);
            lastTs[0] = r.timestampNs();
            assertThat(r.timestampNs()).isEqualTo(UdpFrames.ts(r.sequence()));
            assertThat(r.ingressPort()).isEqualTo(UdpFrames.port(r.sequence()));
            assertThat(o.switchName()).isEqualTo("sw1");
            out.put(r.sequence(), frame.asSlice(off, r.storedLength()).toArray(ValueLayout.JAVA_BYTE));
            return true;
        });
        return out;
    }

    @Test
    void archiveRetentionDeletesThisSwitchsObjectsOnceOlderThanItAndNoOtherSwitchs() throws Exception {
        long day = 86_400_000_000_000L;
        long[] now = {new SystemEpochNanoClock().nanoTime()};
        writeSealed(1, RECORDS);
        int segs = localSegments();
        ArchiveUploader u = uploader(store, () -> now[0], day);
        finish(u);
        assertThat(store.list("sw1/")).hasSize(segs);
        Path other = disk.resolve("other-object");
        Files.write(other, new byte[] {1, 2, 3});
        store.put("sw2/kept", other, 3, Map.of());

        // A day old at most: nothing expires, however often the uploader looks.
        for (int i = 0; i < 3; i++) {
            u.doWork();
        }
        assertThat(store.list("sw1/")).as("objects younger than --archive-retention").hasSize(segs);
        assertThat(u.status().expired()).isZero();

        // Two days later (the uploader's clock; S3 dated the objects now): every object of this switch
        // is older than a day, and goes; another switch's object under the same prefix stays.
        now[0] += 2 * day;
        for (int i = 0; i < 3 && !store.list("sw1/").isEmpty(); i++) {
            u.doWork();
        }
        assertThat(store.list("sw1/")).as("expired objects").isEmpty();
        assertThat(u.status().expired()).isEqualTo(segs);
        assertThat(store.list("sw2/")).extracting(ArchiveStore.ObjectInfo::key).hasSize(1);
    }

    @Test
    void everySealedSegmentIsArchivedAndReadsBackByTimeAndFilter() {
        writeSealed(1, RECORDS);
        int segs = localSegments();
        assertThat(segs).isGreaterThan(3);
        ArchiveUploader u = uploader(store, new SystemEpochNanoClock());
        finish(u);
        ArchiveCounters.Snapshot st = u.status();
        assertThat(st.uploaded()).isEqualTo(segs);
        assertThat(st.records()).isEqualTo(RECORDS);
        assertThat(st.backlogSegments()).isZero();
        assertThat(store.list("sw1/")).hasSize(segs);

        ArchiveQuery q = new ArchiveQuery(store);
        Map<Long, byte[]> all = readArchive(q, LogQuery.all());
        assertThat(all).hasSize(RECORDS);
        for (long seq = 1; seq <= RECORDS; seq++) {
            assertThat(all.get(seq)).as("seq %d", seq).isEqualTo(UdpFrames.frame(seq));
        }
        assertThat(q.problems()).isEmpty();
        long totalChunks = q.chunksFetched();

        ArchiveQuery window = new ArchiveQuery(store);
        Map<Long, byte[]> w = readArchive(window, LogQuery.between(UdpFrames.ts(2000), UdpFrames.ts(2100)));
        assertThat(w.keySet()).containsExactlyElementsOf(range(2000, 2099));
        assertThat(window.chunksFetched()).as("only the window's chunks are fetched").isLessThan(totalChunks);

        ArchiveQuery filtered = new ArchiveQuery(store);
        Map<Long, byte[]> f = readArchive(filtered, LogQuery.all().matching("src host 10.0.1.1 and udp src port 1003"));
        List<Long> expected = new ArrayList<>();
        for (long seq = 1; seq <= RECORDS; seq++) {
            if (seq % 4 == 1 && seq % 7 == 3) {
                expected.add(seq);
            }
        }
        assertThat(f.keySet()).containsExactlyElementsOf(expected);

        ArchiveManifest m = ArchiveObjectReader.manifest(store, store.list("sw1/").get(0).key());
        assertThat(m.switchName()).isEqualTo("sw1");
        assertThat(m.catalog()).isEqualTo(CATALOG);
        assertThat(m.logId()).isEqualTo(LOG_ID);
    }

    @Test
    void aRestartUploadsNothingTwiceAndClearsWhatACrashLeft() throws Exception {
        writeSealed(1, RECORDS);
        int segs = localSegments();
        finish(uploader(store, new SystemEpochNanoClock()));
        Map<String, Long> before = new TreeMap<>();
        for (ArchiveStore.ObjectInfo o : store.list("sw1/")) {
            before.put(o.key(), o.lastModified().toEpochMilli());
        }
        // What a crash mid-upload leaves: a multipart upload never completed, a staged object.
        String leftoverKey = store.location().key("sw1/" + LOG_ID + "/seg-00000000000000000099.pswarc");
        store.client().createMultipartUpload(r -> r.bucket("fleet").key(leftoverKey));
        Files.writeString(disk.resolve("archive-staging").resolve("seg-00000000000000000099.pswarc.part"), "half");

        ArchiveUploader again = uploader(store, new SystemEpochNanoClock());
        finish(again);
        assertThat(again.status().uploaded()).isEqualTo(segs);
        assertThat(again.status().skippedExisting()).as("every object found verified, none uploaded again").isEqualTo(segs);
        assertThat(again.status().abortedUploads()).isEqualTo(1);
        assertThat(store.client().listMultipartUploads(r -> r.bucket("fleet")).uploads()).isEmpty();
        assertThat(Files.list(disk.resolve("archive-staging")).toList()).isEmpty();
        Map<String, Long> after = new TreeMap<>();
        for (ArchiveStore.ObjectInfo o : store.list("sw1/")) {
            after.put(o.key(), o.lastModified().toEpochMilli());
        }
        assertThat(after).isEqualTo(before);
    }

    @Test
    void aCorruptObjectIsReportedByNameAndTheRestIsServed() {
        writeSealed(1, RECORDS);
        finish(uploader(store, new SystemEpochNanoClock()));
        List<ArchiveStore.ObjectInfo> objects = store.list("sw1/");
        // Bit rot in the second chunk of the second object, and in the trailer of the third.
        String chunkDamaged = objects.get(1).key();
        ArchiveManifest m1 = ArchiveObjectReader.manifest(store, chunkDamaged);
        ArchiveManifest.Chunk hit = m1.chunks().get(1);
        flip(chunkDamaged, hit.offset() + hit.compressedLength() / 2);
        String trailerDamaged = objects.get(2).key();
        ArchiveManifest m2 = ArchiveObjectReader.manifest(store, trailerDamaged);
        flip(trailerDamaged, objects.get(2).size() - 5);

        ArchiveQuery q = new ArchiveQuery(store);
        Map<Long, byte[]> got = readArchive(q, LogQuery.all());
        List<Long> expected = new ArrayList<>();
        for (long seq = 1; seq <= RECORDS; seq++) {
            boolean inChunk = seq >= hit.firstSeq() && seq <= hit.lastSeq();
            boolean inObject = seq >= m2.firstSeq() && seq <= m2.lastSeq();
            if (!inChunk && !inObject) {
                expected.add(seq);
            }
        }
        assertThat(got.keySet()).containsExactlyElementsOf(expected);
        for (long seq : expected) {
            assertThat(got.get(seq)).isEqualTo(UdpFrames.frame(seq));
        }
        assertThat(q.problems()).hasSize(2);
        assertThat(q.problems()).anySatisfy(p -> assertThat(p).contains(store.name(chunkDamaged)).contains("chunk 1").contains("CRC"));
        assertThat(q.problems()).anySatisfy(p -> assertThat(p).contains(store.name(trailerDamaged)).contains("trailer"));

        // The segments are still here: the next start finds the damaged objects and uploads them again.
        ArchiveUploader again = uploader(store, new SystemEpochNanoClock());
        finish(again);
        assertThat(again.status().uploaded() - again.status().skippedExisting()).isEqualTo(2);
        ArchiveQuery repaired = new ArchiveQuery(store);
        assertThat(readArchive(repaired, LogQuery.all())).hasSize(RECORDS);
        assertThat(repaired.problems()).isEmpty();
    }

    @Test
    void whileTheStoreIsDownSegmentsAreHeldAndCountedThenAllAreUploaded() {
        ManualClock clock = new ManualClock();
        ArchiveUploader u = uploader(store, clock);
        long capacity = 16 * MIB;
        try (SegmentWriter w = open(capacity)) {
            w.holdBy(u);
            s3.stop();
            frames.write(w, 1, RECORDS);
            assertThat(u.doWork()).isEqualTo(1);
            assertThat(w.counters().segmentsDeleted()).as("the backlog fits in --log-size: nothing deleted").isZero();
            ArchiveCounters.Snapshot down = u.status();
            assertThat(down.backlogSegments()).isEqualTo(localSegments() - 1);
            assertThat(down.failures()).isEqualTo(1);
            assertThat(down.lastError()).contains("s3://fleet/archive/sw1/");
            assertThat(u.doWork()).as("waits for its backoff").isZero();
            clock.now += ArchiveUploader.MAX_BACKOFF_NS;
            assertThat(u.doWork()).isEqualTo(1);
            assertThat(u.status().failures()).isEqualTo(2);

            // Logging goes on during the outage, and the backlog counted grows with it (the scan is not behind the backoff).
            frames.write(w, RECORDS + 1, 2 * RECORDS);
            clock.now += ArchiveUploader.SCAN_INTERVAL_NS;
            u.doWork();
            assertThat(u.status().backlogSegments()).isEqualTo(localSegments() - 1).isGreaterThan(down.backlogSegments());

            s3.start();
            clock.now += ArchiveUploader.MAX_BACKOFF_NS;
            while (u.status().backlogSegments() > 0 || u.status().uploaded() == 0) {
                assertThat(u.doWork()).isEqualTo(1);
            }
            assertThat(u.status().uploaded()).isEqualTo(localSegments() - 1);
            assertThat(u.status().lost()).isZero();
        }
        ArchiveQuery q = new ArchiveQuery(store);
        Map<Long, byte[]> got = readArchive(q, LogQuery.between(UdpFrames.ts(1), UdpFrames.ts(2 * RECORDS + 1)));
        assertThat(got.keySet()).containsExactlyElementsOf(range(1, got.size()));
        assertThat(got.size()).as("every closed segment's records, the first included").isGreaterThan(RECORDS);
    }

    @Test
    void aBacklogLargerThanTheLogSizeLosesItsOldestSegmentsNamedAndCountedAndTheDiskStaysWithinTheBound() {
        ManualClock clock = new ManualClock();
        ArchiveUploader u = uploader(store, clock);
        long capacity = 3 * MIB;
        String warnings;
        try (SegmentWriter w = open(capacity)) {
            w.holdBy(u);
            s3.stop();
            u.doWork();
            // A first part queued for upload, the rest never seen by a scan: both kinds are lost.
            frames.write(w, 1, 2000);
            clock.now += ArchiveUploader.SCAN_INTERVAL_NS;
            u.doWork();
            assertThat(u.status().backlogSegments()).isPositive();
            frames.write(w, 2001, 3 * RECORDS);
            assertThat(w.segmentBytes()).as("--log-size is a hard bound, held segments included").isLessThanOrEqualTo(capacity);
            assertThat(w.counters().segmentsDeletedWhileHeld()).isPositive();
            assertThat(w.counters().segmentsRecycled()).isZero();

            warnings = stderrOf(() -> {
                s3.start();
                for (int i = 0; i < 100 && (u.status().backlogSegments() > 0 || u.status().uploaded() == 0); i++) {
                    clock.now += ArchiveUploader.MAX_BACKOFF_NS;
                    u.doWork();
                }
            });
            ArchiveCounters.Snapshot st = u.status();
            assertThat(st.backlogSegments()).isZero();
            assertThat(st.lost()).as("every held segment deleted is a counted gap").isEqualTo(w.counters().segmentsDeletedWhileHeld());
            assertThat(st.lostToLogSize()).isEqualTo(st.lost());
            assertThat(st.uploaded()).isEqualTo(localSegments() - 1);
            assertThat(store.list("sw1/")).as("no object is made of a segment that is gone").hasSize((int) st.uploaded());
        }
        assertThat(warnings.lines().filter(l -> l.startsWith("pswitch: archive: warning: s3://fleet/archive/sw1/: segment ")))
                .as(warnings).hasSize((int) u.status().lost())
                .allSatisfy(l -> assertThat(l).containsPattern("segment \\d+ \\(records \\d+\\.\\.\\d+\\) was deleted locally before its upload"
                        + " \\(--log-size reached while the store was behind\\): the archive has a gap there"));
        assertThat(warnings).as("the oldest segment first").containsPattern("segment \\d+ \\(records 1\\.\\.");
        ArchiveQuery q = new ArchiveQuery(store);
        Map<Long, byte[]> got = readArchive(q, LogQuery.all());
        long first = got.keySet().iterator().next();
        assertThat(first).as("the oldest records are the gap").isGreaterThan(2000);
        assertThat(got.keySet()).as("what was archived is whole from there").containsExactlyElementsOf(range(first, first + got.size() - 1));
    }

    @Test
    void aHeldSegmentIsNeverRecycledAndOneReleasedIs() {
        ManualClock clock = new ManualClock();
        ArchiveUploader u = uploader(store, clock);
        try (SegmentWriter w = SegmentWriter.open(segments(), LOG_ID, SegmentConfig.of(3 * MIB, MIB).withRecycle(true))) {
            w.holdBy(u);
            s3.stop();
            frames.write(w, 1, RECORDS);
            assertThat(w.counters().segmentsDeletedWhileHeld()).isPositive();
            assertThat(w.counters().segmentsRecycled()).as("a held file is unlinked, never renamed and rewritten").isZero();
            s3.start();
            for (int i = 0; i < 100 && (u.status().backlogSegments() > 0 || u.status().uploaded() == 0); i++) {
                clock.now += ArchiveUploader.MAX_BACKOFF_NS;
                u.doWork();
            }
            assertThat(u.status().backlogSegments()).isZero();
            frames.write(w, RECORDS + 1, 2 * RECORDS);
            assertThat(w.counters().segmentsRecycled()).as("uploaded segments are recycled again").isPositive();
        }
    }

    /** What {@code body} writes to standard error (the switch's log), also passed on. */
    private static String stderrOf(Runnable body) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(err);
        }
        String out = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        err.print(out);
        return out;
    }

    private void flip(String key, long at) {
        byte[] all = store.get(key, 0, (int) store.head(key).size());
        all[(int) at] ^= 0x5A;
        ArchiveStore.Head h = store.head(key);
        store.client().putObject(r -> r.bucket("fleet").key(store.location().key(key)).metadata(h.metadata()),
                RequestBody.fromBytes(all));
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            l.add(s);
        }
        return l;
    }

    static byte[] bytes(MemorySegment m) {
        return m.toArray(ValueLayout.JAVA_BYTE);
    }
}
