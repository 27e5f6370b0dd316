package io.pswitch.control.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.run.RunCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Which differences between the running settings and a re-read file are named as needing a restart. */
class RestartSettingsTest {
    @TempDir
    Path tmp;

    private RunSettings settings(String... extra) {
        List<String> args = new ArrayList<>(List.of("--data-dir", tmp.resolve("data").toString(), "--port", "a=shm:rst-a",
                "--port", "b=shm:rst-b", "-q"));
        args.addAll(List.of(extra));
        if (!args.contains("--api")) {
            args.addAll(List.of("--api", "off"));
        }
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return cmd.settings();
    }

    @Test
    void theSameSettingsNeedNoRestartAndFiltersAreNeverNamed() {
        assertThat(RestartSettings.differing(settings(), settings("--filter", "ping=icmp"))).isEmpty();
    }

    @Test
    void everyStartOnlySettingIsNamedByItsConfigKey() {
        RunSettings running = settings();
        RunSettings next = settings("--port", "c=shm:rst-c", "--buffers", "70000", "--ring-size", "512", "--batch", "128",
                "--idle", "busy", "--fdb-size", "1024", "--ageing", "60s", "--status-interval", "1s", "--log-records", "16384",
                "--api", "127.0.0.1:0", "--warmup", "none");
        assertThat(RestartSettings.differing(running, next)).containsExactly("pool.buffers", "ringSize", "batch", "idle",
                "warmup", "fdb.capacity", "fdb.ageing", "statusInterval", "ports", "log.records", "api.address");
    }

    @Test
    void aNewDurabilityModeIsNamedAloneAndAWindowByItsKeys() {
        RunSettings batch = settings("--durability", "batch");
        assertThat(RestartSettings.differing(batch, settings("--durability", "async"))).containsExactly("log.durability");
        assertThat(RestartSettings.differing(batch, settings("--durability", "batch", "--commit-records", "64")))
                .containsExactly("log.commitRecords");
        assertThat(RestartSettings.differing(batch, settings("--durability", "batch", "--commit-interval", "5ms")))
                .containsExactly("log.commitInterval");
    }
}
