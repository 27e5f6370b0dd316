package io.pswitch.control.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.control.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunSettingsTest {
    @TempDir
    Path tmp;

    private RunSettings parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    @Test
    void flagsWinOverTheConfigFileWhichWinsOverDefaults() throws IOException {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "ringSize: 256\nbatch: 32\nports: [a=shm:a, b=shm:b]\n");
        RunSettings s = parse("--config", f.toString(), "--batch", "64");
        assertThat(s.ringSize()).isEqualTo(256);
        assertThat(s.batch()).isEqualTo(64);
        assertThat(s.buffers()).isEqualTo(RunSettings.DEFAULT_BUFFERS);
        assertThat(s.ports()).extracting(p -> p.name()).containsExactly("a", "b");
        RunSettings flagsOnly = parse("--config", f.toString(), "--port", "x=shm:x");
        assertThat(flagsOnly.ports()).extracting(p -> p.name()).containsExactly("x");
    }

    @Test
    void refusesNoPortsDuplicateNamesAndBadSizes() {
        assertThatThrownBy(() -> parse()).isInstanceOf(ConfigException.class).hasMessageStartingWith("no ports");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--port", "a=shm:b")).hasMessage("port name 'a' is used twice");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--ring-size", "100")).hasMessageContaining("must be a power of two");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--buffers", "100"))
                .hasMessageContaining("a pool of 100 buffers is too small for 1 ports");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--idle", "sleepy")).hasMessageContaining("busy, yield, backoff");
        assertThatThrownBy(() -> parse("--port", "a=shm:a", "--workers", "2")).hasMessageContaining("one worker");
    }

    @Test
    void theCommitOracleIsADocumentedDiagnosticOffByDefault() {
        assertThat(parse("--port", "a=shm:a").log().commitOracle()).isNull();
        Path oracle = tmp.resolve("oracle");
        assertThat(parse("--port", "a=shm:a", "--commit-oracle", oracle.toString()).log().commitOracle()).isEqualTo(oracle);
        assertThat(new CommandLine(new RunCommand()).getUsageMessage()).contains("--commit-oracle=FILE").contains("diagnostic aid");
    }

    @Test
    void aCommitOracleThatCannotBeWrittenFailsTheStartWithOneLine() {
        String port = "oracle" + ProcessHandle.current().pid();
        RunSettings s = parse("--port", "a=shm:" + port, "--data-dir", tmp.resolve("data").toString(), "--buffers", "4096",
                "--ring-size", "64", "--batch", "32", "--log-records", "1024",
                "--commit-oracle", tmp.resolve("no-such-dir").resolve("oracle").toString());
        assertThatThrownBy(() -> SwitchAssembly.start(s)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--commit-oracle " + tmp.resolve("no-such-dir").resolve("oracle"));
        // Everything it opened is closed again: the data directory can be used at once.
        DataDirLock.acquire(tmp.resolve("data")).close();
        assertThat(Path.of("/dev/shm", "pswitch-" + port)).doesNotExist();
    }

    @Test
    void refusesMalformedPortSpecsSayingWhy() {
        assertThatThrownBy(() -> parse("--port", "shm:a")).hasMessage("bad port spec 'shm:a': missing 'name=' before the driver");
        assertThatThrownBy(() -> parse("--port", "a=shm")).hasMessageContaining("missing ':' after the driver name");
        assertThatThrownBy(() -> parse("--port", "a=shm:x,slots")).hasMessageContaining("option 'slots' is not of the form key=value");
    }

    @Test
    void aSecondSwitchCannotTakeALockedDataDirectory() {
        try (DataDirLock first = DataDirLock.acquire(tmp)) {
            assertThatThrownBy(() -> DataDirLock.acquire(tmp))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("is in use by another pswitch (pid " + ProcessHandle.current().pid() + ")");
        }
        DataDirLock.acquire(tmp).close();
    }
}
