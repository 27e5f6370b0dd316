package io.pswitch.control.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.log.ReloadStatus;
import io.pswitch.control.run.RunCommand;
import io.pswitch.pktlog.filter.Filter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@link ConfigReload} on a switch assembled in this JVM (shm ports, no API): what it applies, what
 * it leaves, and what it says. The signal path and traffic are in {@code ConfigReloadSystemTest}.
 */
class ConfigReloadTest {
    @TempDir
    Path tmp;
    private final String tag = "rlu" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String yaml(String filters) {
        return "ports: [\"a=shm:" + tag + "a\", \"b=shm:" + tag + "b\"]\n"
                + "pool: { buffers: 4096 }\nringSize: 64\nbatch: 32\nlog:\n  records: 1024\n" + filters;
    }

    private RunCommand command(Path file, String... flags) {
        List<String> args = new ArrayList<>(List.of("--data-dir", tmp.resolve("data").toString(), "--api", "off", "-q"));
        if (file != null) {
            args.addAll(List.of("--config", file.toString()));
        } else {
            args.addAll(List.of("--port", "a=shm:" + tag + "a", "--port", "b=shm:" + tag + "b", "--buffers", "4096",
                    "--ring-size", "64", "--batch", "32", "--log-records", "1024"));
        }
        args.addAll(List.of(flags));
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return cmd;
    }

    private ConfigReload reload(Path file, RunCommand cmd, boolean filtersFromFile, SwitchAssembly sw) {
        return new ConfigReload(file, cmd::settings, filtersFromFile, sw, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void anUnchangedFileInstallsNothingAndAChangedFilterKeepsItsIdAndCounters() throws Exception {
        Path file = tmp.resolve("pswitch.yaml");
        Files.writeString(file, yaml("  filters:\n    - { name: ping, expression: icmp }\n    - { name: web, expression: \"tcp port 80\" }\n"));
        RunCommand cmd = command(file);
        try (SwitchAssembly sw = SwitchAssembly.start(cmd.settings())) {
            ConfigReload reload = reload(file, cmd, true, sw);
            long generation = sw.logging().appliedGeneration();

            ReloadStatus same = reload.reload();
            assertThat(same.ok()).isTrue();
            assertThat(same.changed()).isEmpty();
            assertThat(same.message()).isEqualTo("reload of " + file + ": no live setting changed");
            assertThat(sw.logging().appliedGeneration()).as("nothing installed").isEqualTo(generation);

            Files.writeString(file, yaml("  filters:\n    - { name: web, expression: \"tcp port 443\", snaplen: 128 }\n"
                    + "    - { name: dns, expression: \"udp port 53\" }\n"));
            ReloadStatus changed = reload.reload();
            assertThat(changed.ok()).as(changed.message()).isTrue();
            assertThat(changed.attempts()).isEqualTo(2);
            assertThat(changed.changed()).containsExactly("log.filters: added dns, changed web, removed ping");
            assertThat(sw.filters()).containsExactly(new Filter(2, "web", "tcp port 443", 128, Set.of(), true),
                    Filter.of(3, "dns", "udp port 53"));
            assertThat(sw.logging().appliedGeneration()).as("applied when the reload returns").isGreaterThan(generation);
            assertThat(sw.logStatus().reload()).isEqualTo(changed);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("pswitch: reload of " + file
                    + ": log.filters: added dns, changed web, removed ping\n");
        }
    }

    @Test
    void filterFlagsOverrideTheFileSoItsFiltersAreNotReloaded() throws Exception {
        Path file = tmp.resolve("pswitch.yaml");
        Files.writeString(file, yaml("  filters:\n    - { name: web, expression: \"tcp port 80\" }\n"));
        RunCommand cmd = command(file, "--filter", "ping=icmp");
        try (SwitchAssembly sw = SwitchAssembly.start(cmd.settings())) {
            ReloadStatus r = reload(file, cmd, false, sw).reload();
            assertThat(r.ok()).isTrue();
            assertThat(r.message()).contains("--filter flags override the file, not reloaded");
            assertThat(sw.filters()).containsExactly(Filter.of(1, "ping", "icmp"));
        }
    }

    @Test
    void withoutAConfigFileAReloadSaysSoAndChangesNothing() {
        RunCommand cmd = command(null, "--filter", "ping=icmp");
        try (SwitchAssembly sw = SwitchAssembly.start(cmd.settings())) {
            ReloadStatus r = reload(null, cmd, true, sw).reload();
            assertThat(r.ok()).isFalse();
            assertThat(r.file()).isNull();
            assertThat(r.message()).isEqualTo("reload failed, the running configuration is unchanged: "
                    + "the switch was started without --config: there is no file to re-read");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("pswitch: " + r.message() + "\n");
            assertThat(sw.filters()).containsExactly(Filter.of(1, "ping", "icmp"));
        }
    }
}
