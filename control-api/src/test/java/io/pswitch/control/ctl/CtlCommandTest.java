package io.pswitch.control.ctl;

import static io.pswitch.control.rest.ShmWire.broadcast;
import static io.pswitch.control.rest.ShmWire.frame;
import static io.pswitch.control.rest.RunningSwitch.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pswitch.control.cli.OneLineErrors;
import io.pswitch.control.rest.RunningSwitch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ctl} against a running switch over real HTTP. */
class CtlCommandTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    static Result ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new CtlCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void listsEachWorkersLoadAndPortsUnderThePortsWhenThereAreSeveral() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp, "--workers", "2")) {
            sw.a.send(broadcast(1, 100));
            await(() -> sw.assembly.agent().counters(2).txFrames() == 1, "the broadcast at c");
            sw.b.send(frame(1, 2, 80));
            await(() -> sw.assembly.agent().counters(0).txFrames() == 1, "the answer at a, across workers");
            Result ports = ctl("ports", "--api", sw.url);
            assertThat(ports.exit()).as(ports.err()).isZero();
            String[] lines = ports.out().split("\n");
            assertThat(lines).hasSize(6);
            assertThat(lines[4]).matches("worker 0: busy \\d+%, \\d+ frames/s, ports a, c");
            assertThat(lines[5]).matches("worker 1: busy \\d+%, \\d+ frames/s, ports b");
            // Flushes reach every worker's replica; the table lists each station once.
            assertThat(ctl("fdb", "--api", sw.url).out()).contains("2 station(s)");
            assertThat(ctl("fdb", "flush", "--api", sw.url).out()).isEqualTo("removed 2 station(s)\n");
            assertThat(ctl("fdb", "--api", sw.url).out()).contains("0 station(s)");
        }
    }

    @Test
    void listsPortsSetsThemDownAndUpAndShowsAndFlushesTheFdb() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            sw.a.send(broadcast(1, 100));
            await(() -> sw.assembly.agent().counters(2).txFrames() == 1, "the broadcast at c");
            sw.b.send(frame(1, 2, 80));
            await(() -> sw.assembly.agent().counters(0).txFrames() == 1, "the answer at a");

            Result ports = ctl("ports", "--api", sw.url);
            assertThat(ports.exit()).as(ports.err()).isZero();
            String[] lines = ports.out().split("\n");
            assertThat(lines[0]).startsWith("PORT").contains("DRIVER", "STATE", "RX FRAMES", "TX BYTES", "DROPS");
            assertThat(lines).hasSize(4);
            assertThat(lines[1]).matches("a\\s+shm\\s+up\\s+1\\s+100\\s+1\\s+80\\s+0\\s+a=shm:.*");

            Result down = ctl("--api", sw.url, "port", "c", "down");
            assertThat(down.exit()).as(down.err()).isZero();
            assertThat(down.out()).contains("state").contains("down (admin down, driver up)");
            assertThat(sw.assembly.agent().portAdminUp(2)).isFalse();
            assertThat(ctl("--api", sw.url, "port", "c", "up").out()).contains("up (admin up, driver up)");
            assertThat(ctl("--api", sw.url, "port", "a").out()).containsPattern("rx\\s+1 frames, 100 bytes");

            Result fdb = ctl("fdb", "--api", sw.url);
            assertThat(fdb.out()).containsPattern("02:00:00:00:00:01\\s+0\\s+a\\s+\\d+\\.\\ds")
                    .containsPattern("02:00:00:00:00:02\\s+0\\s+b\\s+").contains("2 station(s)");
            Result json = ctl("fdb", "--api", sw.url, "--json");
            assertThat(new ObjectMapper().readTree(json.out()).get("size").asInt()).isEqualTo(2);

            assertThat(ctl("fdb", "flush", "--port", "a", "--api", sw.url).out()).isEqualTo("removed 1 station(s) learned on a\n");
            assertThat(ctl("fdb", "flush", "--api", sw.url).out()).isEqualTo("removed 1 station(s)\n");
            assertThat(ctl("fdb", "--api", sw.url).out()).contains("0 station(s)");

            Result portsJson = ctl("--json", "ports", "--api", sw.url);
            assertThat(new ObjectMapper().readTree(portsJson.out()).get("ports")).hasSize(3);
        }
    }

    @Test
    void addsListsAndRemovesFiltersAndShowsTheLog() throws Exception {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            Result added = ctl("--api", sw.url, "filters", "add", "web", "ether broadcast", "--snaplen", "64", "--port", "a", "--port", "b");
            assertThat(added.exit()).as(added.err()).isZero();
            assertThat(added.out()).isEqualTo("added filter 1 'web'\n");
            assertThat(ctl("--api", sw.url, "filters", "add", "off", "", "--disabled", "--port", "c").out()).isEqualTo("added filter 2 'off'\n");
            assertThat(sw.assembly.filters()).extracting(f -> f.name() + " " + f.snaplen() + " " + new java.util.TreeSet<>(f.ports()) + " " + f.enabled())
                    .containsExactly("web 64 [a, b] true", "off 0 [c] false");

            sw.a.send(broadcast(1, 100), broadcast(1, 100));
            await(() -> sw.assembly.logging().counters().frames() == 2, "two logged frames");

            Result list = ctl("filters", "--api", sw.url);
            assertThat(list.exit()).as(list.err()).isZero();
            String[] lines = list.out().split("\n");
            assertThat(lines[0]).matches("\\s*ID\\s+NAME\\s+ENABLED\\s+SNAPLEN\\s+PORTS\\s+FRAMES\\s+BYTES\\s+EXPRESSION");
            assertThat(lines[1]).matches("\\s*1\\s+web\\s+yes\\s+64\\s+a,b\\s+2\\s+128\\s+ether broadcast");
            assertThat(lines[2]).matches("\\s*2\\s+off\\s+no\\s+all\\s+c\\s+0\\s+0\\s+\\(every frame\\)");
            assertThat(ctl("filters", "list", "--api", sw.url).out()).isEqualTo(list.out());
            assertThat(new ObjectMapper().readTree(ctl("--json", "filters", "--api", sw.url).out()).get("filters")).hasSize(2);

            await(() -> sw.assembly.logging().counters().committedSeq() == sw.assembly.logging().counters().publishedSeq(), "the commit");
            Result log = ctl("log", "--api", sw.url);
            assertThat(log.exit()).as(log.err()).isZero();
            assertThat(log.out()).containsPattern("durability\\s+batch").containsPattern("records\\s+2 of \\d+ \\(128 bytes\\)")
                    .containsPattern("oldest\\s+20\\d\\d-").containsPattern("recovery\\s+0 recovered, 0 dropped");
            assertThat(new ObjectMapper().readTree(ctl("log", "--json", "--api", sw.url).out()).get("records").asLong()).isEqualTo(2);

            assertThat(ctl("filters", "rm", "1", "--api", sw.url).out()).isEqualTo("deleted filter 1 'web'\n");
            assertThat(sw.assembly.filters()).extracting(f -> f.name()).containsExactly("off");
            Result gone = ctl("filters", "rm", "1", "--api", sw.url);
            assertThat(gone.exit()).isEqualTo(2);
            assertThat(gone.err()).isEqualTo("pswitch: no filter with id 1 (HTTP 404)\n");
            assertThat(ctl("filters", "add", "bad", "tcp port", "--api", sw.url).err())
                    .isEqualTo("pswitch: filter 'bad': bad filter expression 'tcp port': can't parse filter expression: syntax error (HTTP 400)\n");
            assertThat(ctl("filters", "add", "off", "", "--api", sw.url).err()).isEqualTo("pswitch: a filter named 'off' already exists (HTTP 409)\n");
        }
    }

    @Test
    void apiErrorsAreOneLine() {
        try (RunningSwitch sw = RunningSwitch.start(tmp)) {
            Result unknown = ctl("port", "nope", "--api", sw.url);
            assertThat(unknown.exit()).isEqualTo(2);
            assertThat(unknown.err()).isEqualTo("pswitch: no port named 'nope' (ports: a, b, c) (HTTP 404)\n");
            Result badAction = ctl("port", "a", "sideways", "--api", sw.url);
            assertThat(badAction.err()).isEqualTo("pswitch: 'sideways' is not up or down\n");
            assertThat(ctl("fdb", "flush", "--port", "zz", "--api", sw.url).err()).isEqualTo("pswitch: no port named 'zz' (HTTP 404)\n");
        }
    }

    @Test
    void noSwitchAnsweringIsOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = ctl("ports", "--api", "http://127.0.0.1:" + port);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("pswitch: no switch answering at http://127.0.0.1:" + port + ": is it running with --api?\n");
        assertThat(ctl("ports", "--api", "ftp://x").err()).isEqualTo("pswitch: --api 'ftp://x' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)\n");
    }

    @Test
    void sendsTheTokenFromItsFileAndSaysWhenItIsMissingOrWrong() throws Exception {
        String token = "ctl-token-0123456789abcdef";
        Path good = tmp.resolve("token");
        Files.writeString(good, token + "\n");
        Path bad = tmp.resolve("bad");
        Files.writeString(bad, "wrong-token-0123456789\n");
        try (RunningSwitch sw = RunningSwitch.start(tmp.resolve("d"), "--api-token-file", good.toString())) {
            assertThat(ctl("ports", "--api", sw.url, "--token-file", good.toString()).exit()).isZero();
            Result missing = ctl("ports", "--api", sw.url);
            assertThat(missing.err()).isEqualTo("pswitch: the switch at " + sw.url + " refused the request (HTTP 401): it needs a token: give --token-file FILE\n");
            Result wrong = ctl("ports", "--api", sw.url, "--token-file", bad.toString());
            assertThat(wrong.err()).contains("the token is wrong").doesNotContain("wrong-token");
        }
    }
}
