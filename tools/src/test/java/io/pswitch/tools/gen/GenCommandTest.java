package io.pswitch.tools.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.tools.wire.BackToBackPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cmd = new CommandLine(new GenCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void sendsCountFramesAndPrintsAJsonSummary() throws Exception {
        try (BackToBackPorts wire = new BackToBackPorts(tmp, "gencmd")) {
            AtomicBoolean running = new AtomicBoolean(true);
            // The "switch": only this thread touches the ports.
            Thread pumper = new Thread(() -> {
                while (running.get()) {
                    if (wire.pump() == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            pumper.start();
            int code;
            try {
                code = execute("--tx", wire.nameA(), "--rx", wire.nameB(), "--count", "2000", "--size", "256", "--flows", "8", "--json");
            } finally {
                running.set(false);
                pumper.join();
            }
            assertThat(code).as(err.toString()).isZero();
            String last = out.toString().strip().lines().reduce((x, y) -> y).orElse("");
            assertThat(last).startsWith("{\"sent\":2000,\"received\":2000,\"lost\":0,");
        }
    }

    @Test
    void aPortWithoutASwitchIsAClearError() {
        int code = execute("--tx", "nobody-here-" + ProcessHandle.current().pid(), "--count", "1");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("no shm port 'nobody-here-").contains("is the switch running?");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(execute("--tx", "a", "--size", "20", "--count", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--size 20 is below the minimum");
        assertThat(execute("--tx", "a", "--duration", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }
}
