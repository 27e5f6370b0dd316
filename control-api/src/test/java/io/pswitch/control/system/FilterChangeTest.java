package io.pswitch.control.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.control.filters.FilterStore;
import io.pswitch.control.run.RunCommand;
import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.pktlog.filter.Filter;
import io.pswitch.pktlog.tier.LogView;
import io.pswitch.pktlog.tier.TieredLogReader;
import io.pswitch.pktlog.query.LogQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A filter change in a running switch applies from the next batch on: in a switch assembled in
 * this JVM with shm peers, the log's records before a {@code replaceFilters} match the old set
 * exactly, those after match the new one exactly, and under continuous traffic the change falls
 * between two batches: one cut in the frame stream, old filter before it, new filter from it on.
 */
@Timeout(600)
class FilterChangeTest {
    private static final Filter PORT_1000 = Filter.of(1, "p1000", "udp dst port 1000");
    private static final Filter PORT_1001 = Filter.of(2, "p1001", "udp dst port 1001");

    @TempDir
    Path tmp;
    private final String tag = "c" + Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 1000, 36);

    @AfterEach
    void removePortFiles() {
        ShmTraffic.deletePortFiles(tag + "a", tag + "b");
    }

    private record Logged(long seq, long id, int firstFilterId, long mask) {
    }

    @Test
    void aFilterChangeAppliesFromTheNextBatchOnAndTheLogMatchesEachSetExactly() throws Exception {
        Path data = tmp.resolve("data");
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs("--port", "a=shm:" + tag + "a", "--port", "b=shm:" + tag + "b",
                "--data-dir", data.toString(), "--buffers", "16384", "--ring-size", "256", "--batch", "64",
                "--log-records", "8192", "--filter", "p1000=udp dst port 1000", "--durability", "batch", "-q", "--api", "off");
        RunSettings settings = cmd.settings();
        long phase1End = 4000;
        long phase2End = 8000;
        long end;
        long rxBeforeChange;
        long rxAfterApplied;
        try (SwitchAssembly sw = SwitchAssembly.start(settings)) {
            // Phase 1: the start-up filter, quiet traffic.
            send(sw, 0, phase1End);
            long gen = sw.replaceFilters(List.of(PORT_1001));
            awaitApplied(sw, gen);
            // Phase 2: the new filter.
            send(sw, phase1End, phase2End);

            // Phase 3: back to port 1000 while frames flow.
            try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", phase2End, Long.MAX_VALUE, 50_000)) {
                awaitSentBeyond(traffic, phase2End + 2000);
                // Frame ids equal the order of arrival: the switch's receive count brackets the cut.
                rxBeforeChange = sw.agent().counters(0).rxFrames();
                long gen2 = sw.replaceFilters(List.of(PORT_1000));
                awaitApplied(sw, gen2);
                rxAfterApplied = sw.agent().counters(0).rxFrames();
                awaitSentBeyond(traffic, traffic.nextId() + 2000);
                end = traffic.stopSending();
                awaitReceivedBySwitch(sw, end);
                assertThat(traffic.error()).isNull();
            }
            assertThat(sw.logging().counters().skippedNoBuffer()).isZero();
        }
        // Stopped: the agent's last duty cycle has logged and committed every frame it received.
        assertThat(new FilterStore(data).load()).as("the change is stored").containsExactly(PORT_1000);

        List<Logged> logged = new ArrayList<>();
        try (LogView log = LogView.open(data)) {
            TieredLogReader reader = log.reader();
            reader.query(LogQuery.all(), (rec, frame, off) -> {
                long id = NumberedFrames.id(frame, off, rec.storedLength());
                assertThat(NumberedFrames.matches(id, frame, off, rec.storedLength(), rec.wireLength())).isTrue();
                logged.add(new Logged(rec.sequence(), id, rec.firstFilterId(), rec.filterMask()));
                return true;
            });
            assertThat(reader.crcMismatches()).isZero();
        }
        List<Long> ids = logged.stream().map(Logged::id).toList();

        List<Long> expected = new ArrayList<>();
        addMatching(expected, 0, phase1End, 1000);
        addMatching(expected, phase1End, phase2End, 1001);
        int phase3 = expected.size();
        assertThat(ids.subList(0, Math.min(phase3, ids.size()))).as("phases 1 and 2, each exactly its filter's frames")
                .isEqualTo(expected);
        for (int i = 0; i < phase3; i++) {
            int filter = i < (int) (phase1End / 4) ? 1 : 2;
            assertThat(logged.get(i).firstFilterId()).isEqualTo(filter);
            assertThat(logged.get(i).mask()).isEqualTo(1L << filter);
        }

        // Phase 3: exactly one cut C with old-filter frames [phase2End, C) and new-filter frames [C, end).
        List<Long> rest = ids.subList(phase3, ids.size());
        Long cut = null;
        for (long c = phase2End; c <= end && cut == null; c++) {
            List<Long> e = new ArrayList<>();
            addMatching(e, phase2End, c, 1001);
            addMatching(e, c, end, 1000);
            if (e.equals(rest)) {
                cut = c;
            }
        }
        assertThat(cut).as("one cut between old and new filter in frames " + phase2End + ".." + (end - 1)
                + ", logged: " + rest).isNotNull();
        assertThat(cut).as("the cut lies between the frames received before the change and those received once it applied")
                .isBetween(rxBeforeChange, rxAfterApplied);
        assertThat(cut).as("frames went through both sets").isBetween(phase2End + 1, end - 1000);
        for (int i = phase3; i < logged.size(); i++) {
            assertThat(logged.get(i).firstFilterId()).isEqualTo(logged.get(i).id() < cut ? 2 : 1);
        }
        for (int i = 0; i < logged.size(); i++) {
            assertThat(logged.get(i).seq()).as("contiguous sequences").isEqualTo(logged.get(0).seq() + i);
        }
    }

    private static void addMatching(List<Long> out, long from, long to, int udpPort) {
        for (long id = from; id < to; id++) {
            if (NumberedFrames.udpDstPort(id) == udpPort) {
                out.add(id);
            }
        }
    }

    /** Sends ids {@code [from, to)} as fast as the ring takes them and waits until the switch took them all. */
    private void send(SwitchAssembly sw, long from, long to) throws Exception {
        try (ShmTraffic traffic = ShmTraffic.start(tag + "a", tag + "b", from, to - from, 0)) {
            traffic.awaitSent(20_000);
            awaitReceivedBySwitch(sw, to);
        }
    }

    private static void awaitReceivedBySwitch(SwitchAssembly sw, long frames) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (sw.agent().counters(0).rxFrames() < frames) {
            assertThat(System.currentTimeMillis()).as("switch received " + sw.agent().counters(0).rxFrames() + " of " + frames)
                    .isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private static void awaitApplied(SwitchAssembly sw, long generation) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (sw.logging().appliedGeneration() < generation) {
            assertThat(System.currentTimeMillis()).as("filter generation " + generation + " applied").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static void awaitSentBeyond(ShmTraffic traffic, long id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (traffic.nextId() < id) {
            assertThat(System.currentTimeMillis()).as("sent up to " + id).isLessThan(deadline);
            Thread.sleep(2);
        }
    }
}
