package io.pswitch.tools.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.pktlog.catalog.LogCatalogDescriptor;
import io.pswitch.pktlog.tier.LogView;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pswitch log stats}: what inspect shows, as one JSON object. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "What 'log inspect' shows, as one JSON object on one line.")
public final class StatsCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir;

    @Override
    public Integer call() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        try (LogView log = dataDir.openLog()) {
            LogSummary s = LogSummary.of(dataDir.dir(), log, dataDir.catalog(),
                    Files.exists(LogCatalogDescriptor.path(dataDir.dir())));
            System.out.println(mapper.writeValueAsString(s.toJson(mapper)));
        }
        return 0;
    }
}
