package io.pswitch.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.archive.object.ArchiveManifest;
import io.pswitch.archive.object.ArchiveObjectDescriptor;
import io.pswitch.archive.object.ArchiveObjectReader;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.archive.tier.ArchiveTierFile;
import io.pswitch.archive.tier.ArchiveVerifier;
import io.pswitch.archive.tier.ArchivedSegments;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.export.ExportResult;
import io.pswitch.pktlog.export.LogExporter;
import io.pswitch.pktlog.index.ShmTempDirFactory;
import io.pswitch.pktlog.query.LogQuery;
import io.pswitch.pktlog.segment.DiskTempDirFactory;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.archive.ThreeTierLog.Packet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * One reader over three tiers: a switch's oldest segments were uploaded to a real S3 server
 * (S3Proxy) and deleted locally, newer ones are on disk, the newest records are still in the hot
 * tier; an export reads them as one log, each record once, in order, from wherever it is.
 */
class ThreeTierReadTest {
    private static final int DRAINED = 12_000;
    private static final int HOT_ONLY = 150;

    @TempDir(factory = DiskTempDirFactory.class)
    Path disk;

    @TempDir(factory = ShmTempDirFactory.class)
    Path poolDir;

    private S3ProxyServer s3;
    private ThreeTierLog t;

    @BeforeEach
    void start() {
        s3 = new S3ProxyServer();
        s3.createBucket("fleet");
        t = ThreeTierLog.build(disk.resolve("data"), poolDir, s3, DRAINED, HOT_ONLY);
    }

    @AfterEach
    void stop() {
        t.close();
        s3.close();
    }


    /** Asserts that {@code got} is exactly records {@code seqs}, in that order: each one's time and frame. */
    private static void assertRecords(List<Packet> got, List<Long> seqs) {
        assertThat(got).hasSize(seqs.size());
        for (int i = 0; i < seqs.size(); i++) {
            long seq = seqs.get(i);
            assertThat(got.get(i).ts()).as("time of packet %d (record %d)", i, seq).isEqualTo(UdpFrames.ts(seq));
            assertThat(got.get(i).frame()).as("bytes of packet %d (record %d)", i, seq).isEqualTo(UdpFrames.frame(seq));
        }
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            l.add(s);
        }
        return l;
    }

    private ExportResult export(LogView view, LogQuery q, String name) {
        return new LogExporter(view, ThreeTierLog.CATALOG).export(q, CaptureFormat.PCAP, disk.resolve(name), 0, null);
    }

    @Test
    void theWholeLogIsExportedOnceInOrderFromArchiveSegmentsAndHotTier() {
        long local = t.localOldestSeq();
        assertThat(local).as("the oldest segments left the disk after their upload").isGreaterThan(1000);
        assertThat(t.log().hot().oldestSeq()).as("the newest records are still in the hot tier only")
                .isEqualTo(DRAINED + 1L);
        ExportResult r = export(t.view(t.archive()), LogQuery.all(), "running.pcap");
        assertThat(r.skippedObjects()).isEmpty();
        assertRecords(ThreeTierLog.readCapture(disk.resolve("running.pcap")), range(1, DRAINED + HOT_ONLY));
        // The tools' path: the data directory opened read-only, the archive found through DIR/archive.json
        // and reached with credentials from the SDK's default chain (here its system properties).
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", "us-east-1");
        try (LogView tool = LogView.open(t.dataDir(), ArchivedSegments.open(ArchiveTierFile.read(t.dataDir())))) {
            ExportResult rt = export(tool, LogQuery.all(), "tool.pcap");
            assertThat(rt.skippedObjects()).isEmpty();
            assertRecords(ThreeTierLog.readCapture(disk.resolve("tool.pcap")), range(1, DRAINED + HOT_ONLY));
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            System.clearProperty("aws.region");
        }
    }

    @Test
    void aTimeWindowAcrossArchiveAndSegmentsFetchesOnlyTheChunksItNeeds() {
        long local = t.localOldestSeq();
        long from = local - 700;
        long to = local + 300;
        ArchivedSegments archive = t.archive();
        ExportResult r = export(t.view(archive), LogQuery.between(UdpFrames.ts(from), UdpFrames.ts(to)), "window.pcap");
        assertRecords(ThreeTierLog.readCapture(disk.resolve("window.pcap")), range(from, to - 1));
        assertThat(r.skippedObjects()).isEmpty();
        long chunksBelowLocal = 0;
        for (ArchiveStore.ObjectInfo o : t.store().list(t.file().keyPrefix())) {
            ArchiveManifest m = ArchiveObjectReader.manifest(t.store(), o.key());
            if (m.firstSeq() < local) {
                chunksBelowLocal += m.chunks().size();
            }
        }
        assertThat(archive.chunksFetched()).as("ranged GETs of the window's chunks, not the archive").isPositive()
                .isLessThan(chunksBelowLocal / 2);
    }

    @Test
    void aCorruptChunkIsNamedAndSkippedAndTheRestIsExported() {
        ArchiveManifest m = firstObject();
        String key = t.file().keyPrefix() + ArchiveObjectDescriptor.fileName(m.segmentNumber());
        ArchiveManifest.Chunk c = m.chunks().get(1);
        flip(key, c.offset() + c.compressedLength() / 2);
        ExportResult r = export(t.view(t.archive()), LogQuery.all(), "corrupt.pcap");
        assertThat(r.skippedObjects()).singleElement().asString().contains(t.store().name(key), "chunk 1", "CRC mismatch");
        List<Long> expected = range(1, c.firstSeq() - 1);
        expected.addAll(range(c.lastSeq() + 1, DRAINED + HOT_ONLY));
        assertRecords(ThreeTierLog.readCapture(disk.resolve("corrupt.pcap")), expected);
        ArchiveVerifier.Report v = ArchiveVerifier.verify(t.archive());
        assertThat(v.bad()).singleElement().asString().contains(t.store().name(key), "chunk 1");
    }

    @Test
    void aMissingObjectIsNamedAndSkipped() {
        ArchiveManifest first = firstObject();
        String gone = t.file().keyPrefix() + ArchiveObjectDescriptor.fileName(first.segmentNumber() + 1);
        ArchiveManifest second = ArchiveObjectReader.manifest(t.store(), gone);
        t.store().delete(gone);
        ExportResult r = export(t.view(t.archive()), LogQuery.all(), "missing.pcap");
        assertThat(r.skippedObjects()).singleElement().asString().contains(t.store().name(gone), "missing");
        List<Long> expected = range(1, second.firstSeq() - 1);
        expected.addAll(range(second.lastSeq() + 1, DRAINED + HOT_ONLY));
        assertRecords(ThreeTierLog.readCapture(disk.resolve("missing.pcap")), expected);
    }

    @Test
    void objectsThatEndBeforeTheLocalSegmentsBeginAreNamedAsMissingNotSteppedOver() {
        long local = t.localOldestSeq();
        // Gone from the object before the local segments on: as when that segment was deleted
        // locally before its upload (--log-size while the store was down) and the newer ones are
        // not uploaded yet, or as when the newest objects were deleted from the bucket.
        String firstGone = null;
        long goneFrom = 0;
        for (ArchiveStore.ObjectInfo o : t.store().list(t.file().keyPrefix())) {
            ArchiveManifest m = ArchiveObjectReader.manifest(t.store(), o.key());
            if (m.lastSeq() >= local - 1) {
                if (firstGone == null) {
                    firstGone = o.key();
                    goneFrom = m.firstSeq();
                }
                t.store().delete(o.key());
            }
        }
        assertThat(goneFrom).as("an object held records below the local segments").isBetween(2L, local - 1);
        ExportResult r = export(t.view(t.archive()), LogQuery.all(), "tail.pcap");
        assertThat(r.skippedObjects()).singleElement().asString()
                .contains(t.store().name(firstGone), "missing", "records " + goneFrom + ".." + (local - 1));
        List<Long> expected = range(1, goneFrom - 1);
        expected.addAll(range(local, DRAINED + HOT_ONLY));
        assertRecords(ThreeTierLog.readCapture(disk.resolve("tail.pcap")), expected);

        // A window inside the gap: nothing to export, and the gap is named, not an empty success.
        ExportResult inGap = export(t.view(t.archive()), LogQuery.between(UdpFrames.ts(goneFrom + 10), UdpFrames.ts(local - 10)),
                "gap.pcap");
        assertThat(ThreeTierLog.readCapture(disk.resolve("gap.pcap"))).isEmpty();
        assertThat(inGap.skippedObjects()).singleElement().asString().contains(t.store().name(firstGone), "missing");
        // A window after the gap, read from the local tiers alone: nothing is missing there.
        ExportResult after = export(t.view(t.archive()), LogQuery.between(UdpFrames.ts(local) + 1, UdpFrames.ts(local + 50)), "after.pcap");
        assertThat(after.skippedObjects()).isEmpty();
    }

    @Test
    void aSegmentDeletedUnderTheReaderIsReadFromTheArchive() {
        long local = t.localOldestSeq();
        List<Long> seqs = new ArrayList<>();
        boolean[] moved = {false};
        t.view(t.archive()).reader().query(LogQuery.all(), (rec, frame, off) -> {
            if (!moved[0]) {
                // While the reader is in the archive, the switch logs on: retention deletes the
                // segments it was about to read (they were archived first).
                moved[0] = true;
                t.logMore(4000);
            }
            seqs.add(rec.sequence());
            return true;
        });
        assertThat(t.localOldestSeq()).as("the segment the reader was heading for is gone").isGreaterThan(local);
        assertThat(gaps(seqs)).as("jumps in the sequence read").isEmpty();
        assertThat(seqs).containsExactlyElementsOf(range(1, t.newestSeq()));
    }

    /** Where {@code seqs} is not 1, 2, 3, ...: "after N came M". */
    private static List<String> gaps(List<Long> seqs) {
        List<String> out = new ArrayList<>();
        long prev = 0;
        for (long s : seqs) {
            if (s != prev + 1) {
                out.add("after " + prev + " came " + s);
            }
            prev = s;
        }
        return out;
    }

    private ArchiveManifest firstObject() {
        List<ArchiveStore.ObjectInfo> objects = t.store().list(t.file().keyPrefix());
        return ArchiveObjectReader.manifest(t.store(), objects.getFirst().key());
    }

    private void flip(String key, long at) {
        ArchiveStore store = t.store();
        byte[] all = store.get(key, 0, (int) store.head(key).size());
        all[(int) at] ^= 0x5A;
        ArchiveStore.Head h = store.head(key);
        store.client().putObject(r -> r.bucket("fleet").key(store.location().key(key)).metadata(h.metadata()),
                RequestBody.fromBytes(all));
    }
}
