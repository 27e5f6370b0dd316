package io.pswitch.control.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.cli.OneLineErrors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code pswitch run} with a {@code vxlan:} port that cannot open: one line naming the spec and why, exit 2. */
class VxlanPortSpecErrorsTest {
    @TempDir
    Path tmp;

    private String runFails(String spec) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new RunCommand(new PrintStream(new ByteArrayOutputStream())));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        int exit = cl.execute("--data-dir", tmp.resolve("data").toString(), "--buffers", "1024", "--ring-size", "64", "--batch", "16", "--api", "off",
                "--port", spec);
        assertThat(exit).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines()).as("one line, no stack trace").hasSize(1);
        return err.toString().trim();
    }

    @Test
    void eachReasonIsOneLineNamingTheSpec() throws Exception {
        assertThat(runFails("v=vxlan:192.0.2.1"))
                .isEqualTo("pswitch: port v (v=vxlan:192.0.2.1): bad local address 192.0.2.1: not an address of this host");
        assertThat(runFails("v=vxlan:127.0.0.1:0,remote=10.1"))
                .startsWith("pswitch: port v (v=vxlan:127.0.0.1:0,remote=10.1): bad remote '10.1'");
        assertThat(runFails("v=vxlan:127.0.0.1:0,vni=99999999"))
                .startsWith("pswitch: port v (v=vxlan:127.0.0.1:0,vni=99999999): bad vni '99999999'");
        try (DatagramChannel taken = DatagramChannel.open()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int p = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            assertThat(runFails("v=vxlan:127.0.0.1:" + p))
                    .isEqualTo("pswitch: port v (v=vxlan:127.0.0.1:" + p + "): UDP port in use: 127.0.0.1:" + p
                            + " is already bound by another socket");
        }
    }
}
