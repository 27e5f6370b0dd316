package io.pswitch.tools.log;

import io.pswitch.archive.export.FleetExporter;
import io.pswitch.archive.store.ArchiveLocation;
import io.pswitch.archive.store.ArchiveStore;
import io.pswitch.pktlog.catalog.LogCatalog;
import io.pswitch.pktlog.export.CaptureFormat;
import io.pswitch.pktlog.query.LogQuery;
import java.util.Locale;

/** {@code pswitch log export --store s3://bucket/prefix}: the fleet query, from the archive, to one capture. */
final class FleetExport {
    private FleetExport() {
    }

    static int run(ExportCommand c, CaptureFormat format) {
        if (c.dir != null) {
            throw new IllegalArgumentException("give --data-dir or --store, not both");
        }
        if (c.output.toString().equals("-") || c.split != null) {
            throw new IllegalArgumentException("--store exports to one file: give -o FILE (no '-o -', no --split)");
        }
        if (!c.selection.ports.isEmpty()) {
            throw new IllegalArgumentException("--port names differ between switches: with --store select with --filter and --switch");
        }
        ArchiveLocation loc = ArchiveLocation.parse(c.store);
        // Port names come from each object's manifest; the selection needs none.
        LogQuery q = c.selection.resolve(LogCatalog.EMPTY, Clock.nowNs());
        try (ArchiveStore s = ArchiveStore.open(loc, c.storeEndpoint, null)) {
            FleetExporter.Result r = new FleetExporter(s).export(q, c.switches, format, c.output);
            if (c.json) {
                System.out.println(r.toJson());
            } else {
                System.out.printf(Locale.ROOT, "exported %d records (%d bytes) from %d switch(es), %d object(s), %d chunk(s) fetched"
                        + " (%d bytes), to %s in %.3f s%n", r.records(), r.bytes(), r.switches(), r.objects(), r.chunksFetched(),
                        r.bytesFetched(), c.output, r.elapsedNs() / 1e9);
            }
            for (String p : r.problems()) {
                System.err.println("skipped: " + p);
            }
        }
        return 0;
    }
}
