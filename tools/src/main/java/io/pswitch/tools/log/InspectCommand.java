package io.pswitch.tools.log;

import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.tier.LogView;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pswitch log inspect}: a log's storage, sizes, window and counts, for people. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show a log's storage, sizes, time span, counts and retention state.",
                "Storage class, pool and index sizes, record count and time span, records per port and",
                "per filter, oldest/newest sequence and free buffers. Safe while a switch runs."})
public final class InspectCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir;

    @Override
    public Integer call() {
        try (LogView log = dataDir.openLog()) {
            LogSummary.of(dataDir.dir(), log, dataDir.catalog(),
                    Files.exists(LogCatalogDescriptor.path(dataDir.dir()))).print(System.out);
        }
        return 0;
    }
}
