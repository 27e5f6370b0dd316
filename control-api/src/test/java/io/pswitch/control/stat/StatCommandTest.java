package io.pswitch.control.stat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.cli.OneLineErrors;
import io.pswitch.dataplane.counters.CountersFile;
import io.pswitch.dataplane.port.PortCounters;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code pswitch stat}'s command line: what it prints from a counters file, and its one-line refusals. */
class StatCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int stat(String... args) {
        CommandLine cl = new CommandLine(new StatCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        return cl.execute(args);
    }

    @Test
    void oncePrintsTheFileThisProcessWritesGroupedByPort() {
        try (CountersFile file = CountersFile.create(dir.resolve("counters"), 64)) {
            new PortCounters(file, "uplink", 0).addRx(3, 180);
            assertThat(stat("--data-dir", dir.toString(), "--once")).as(err.toString()).isZero();
            assertThat(out.toString()).contains(" - pswitch pid " + ProcessHandle.current().pid() + ", " + dir.resolve("counters"))
                    .containsPattern("(?m)^port uplink$").containsPattern("(?m)^  rx_frames +3$").containsPattern("(?m)^  rx_bytes +180$");
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        assertThat(stat("--data-dir", dir.resolve("absent").toString(), "--once")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("pswitch: no data directory " + dir.resolve("absent")
                + ": give the running switch's --data-dir" + System.lineSeparator());

        err.getBuffer().setLength(0);
        assertThat(stat("--data-dir", dir.toString(), "--once")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("pswitch: no counters file " + dir.resolve("counters")
                + ": no switch is running on this data directory");

        err.getBuffer().setLength(0);
        assertThat(stat("--data-dir", dir.toString(), "--interval", "soon")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("pswitch: --interval soon: ").doesNotContain("\n");

        err.getBuffer().setLength(0);
        Files.writeString(dir.resolve("counters"), "not counters, but long enough to hold a header".repeat(4));
        assertThat(stat("--data-dir", dir.toString(), "--once")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("pswitch: " + dir.resolve("counters") + " is not a pswitch counters file");
    }
}
