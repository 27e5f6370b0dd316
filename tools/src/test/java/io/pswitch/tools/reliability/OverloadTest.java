package io.pswitch.tools.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.logging.LogCounters;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.drivers.shm.ShmEndpoint;
import io.pswitch.pktlog.index.LogVerifier;
import io.pswitch.tools.gen.GenConfig;
import io.pswitch.tools.wire.Ipv4Address;
import io.pswitch.tools.wire.MacAddress;
import io.pswitch.tools.wire.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload: two generator threads offer 64-byte frames on many flows as fast as they can into a
 * switch with five shm ports, for 60 s in CI ({@code -Dpswitch.overload.seconds=N} to change it
 * locally; 30 min with {@code -Dpswitch.long=true}), while a monitor polls the API and a filter logs
 * about 10% of the frames.
 *
 * <p>Topology: generator 1 sends on port a to stations announced on port c, generator 2 on b to
 * stations on d; each generator drains its own ports. One flow in eight goes to a station announced
 * on port s, whose peer is attached but never reads: a stuck consumer. Where a frame can end up,
 * and how each place is counted:
 * <ul>
 *   <li>never sent: the to-switch ring was full (shm back-pressure, lossless) — the generators'
 *       {@code backPressured} count, not part of "offered";</li>
 *   <li>offered and not yet taken by the switch: in a to-switch ring — 0 once the switch drained
 *       them (checked: switch rx = offered);</li>
 *   <li>dropped by the switch — per ingress port and cause ({@code ring_full} when s is full);</li>
 *   <li>forwarded to c or d — received and counted by the generators;</li>
 *   <li>forwarded to s — held in s's TX ring and from-switch ring, read out after the run.</li>
 * </ul>
 * So offered = delivered(c, d) + held(s) + drops by cause, exactly.
 */
class OverloadTest {
    private static final int FLOWS = 512;
    private static final int STUCK_EVERY = 8;
    private static final long SRC1 = MacAddress.parse("02:10:00:00:00:00");
    private static final long SRC2 = MacAddress.parse("02:20:00:00:00:00");
    private static final long DST1 = MacAddress.parse("02:30:00:00:00:00");
    private static final long DST2 = MacAddress.parse("02:40:00:00:00:00");
    /** Matches UDP destination ports 10000..10050 of the 512 flows (10000 + flow): 51/512, about 10%. */
    private static final String FILTER = "sample=udp dst portrange 10000-10050";

    @TempDir(factory = ShmTempDirFactory.class)
    Path dir;

    @Test
    @Timeout(value = 45, unit = java.util.concurrent.TimeUnit.MINUTES)
    void switchSurvivesSustainedOverloadAndAccountsForEveryFrame() throws Exception {
        Duration duration = Reliability.duration("pswitch.overload.seconds", Duration.ofSeconds(60), Duration.ofMinutes(30));
        long sampleEveryMs = Reliability.longMode() ? 60_000 : Math.max(2_000, duration.toMillis() / 6);
        Reliability.Figures fig = new Reliability.Figures("overload");
        List<String> ports = List.of("a", "b", "c", "d", "s");
        Path poolPath;
        long logged;
        long skippedNoBuffer;
        io.pswitch.pktlog.index.PacketLog packetLog;
        try (SwitchUnderTest sw = SwitchUnderTest.start(dir.resolve("data"), "ovl", ports, 1024,
                "--buffers", "32768", "--log-records", "16384", "--ageing", "2h", "--filter", System.getProperty("ovl.filter", FILTER))) {
            poolPath = sw.assembly.pool().path();
            packetLog = sw.assembly.log();
            ShmEndpoint a = ShmEndpoint.attach(sw.shm("a"));
            ShmEndpoint b = ShmEndpoint.attach(sw.shm("b"));
            ShmEndpoint c = ShmEndpoint.attach(sw.shm("c"));
            ShmEndpoint d = ShmEndpoint.attach(sw.shm("d"));
            ShmEndpoint s = ShmEndpoint.attach(sw.shm("s"));
            try {
                // Stations: flow f of generator 1 goes to DST1+f, on c, or on the stuck port s for one flow in eight.
                int announced = 0;
                for (int f = 0; f < FLOWS; f++) {
                    boolean stuck = f % STUCK_EVERY == STUCK_EVERY - 1;
                    Stations.send(stuck ? s : c, Stations.announce(MacAddress.plus(DST1, f)));
                    Stations.send(stuck ? s : d, Stations.announce(MacAddress.plus(DST2, f)));
                    announced += 2;
                    if (f % 64 == 63) {
                        // Keep the floods of the announcements from filling the rings we do not read yet.
                        Stations.drain(a, -1, 0);
                        Stations.drain(b, -1, 0);
                        Stations.drain(c, -1, 0);
                        Stations.drain(d, -1, 0);
                    }
                }
                final int expected = announced;
                await(() -> sw.rx("c", "d", "s") == expected, "the switch to take the announcements");
                for (ShmEndpoint e : List.of(a, b, c, d)) {
                    Stations.drain(e, -1, 100);
                }
                long heldBefore = Stations.drain(s, Wire.ETHERTYPE_IPV4, 0); // none: only announcements so far
                assertThat(heldBefore).isZero();
                // Baseline: every figure below is a difference from here.
                long rxBase = sw.rx("a", "b");
                long dropBase = sw.totalDrops();
                long txBase = sw.tx("c", "d", "s");
                long otherRxBase = sw.rx("c", "d", "s");
                Map<String, Long> dropsBase = sw.dropsByCause();

                GeneratorThread g1 = new GeneratorThread("gen-1", gen(SRC1, DST1), List.of(a), List.of(c));
                GeneratorThread g2 = new GeneratorThread("gen-2", gen(SRC2, DST2), List.of(b), List.of(d));
                List<Long> heapSamples = new ArrayList<>();
                long heapWarm;
                try (ApiProbe probe = new ApiProbe(sw.url, 200, "/healthz", "/api/v1/ports")) {
                    long start = System.nanoTime();
                    long end = start + duration.toNanos();
                    long warmAt = start + Math.max(3_000_000_000L, duration.toNanos() / 10);
                    Thread.sleep((warmAt - start) / 1_000_000);
                    heapWarm = SwitchUnderTest.heapAfterGc();
                    heapSamples.add(heapWarm);
                    long lastForwarded = sw.tx("c", "d", "s");
                    while (System.nanoTime() < end) {
                        Thread.sleep(Math.min(sampleEveryMs, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                        assertThat(sw.assembly.agentError()).as("dataplane thread error").isNull();
                        for (String p : ports) {
                            assertThat(sw.agent().port(sw.agent().portIndex(p)).state()).as("port %s", p).isEqualTo(PortState.UP);
                        }
                        long forwarded = sw.tx("c", "d", "s");
                        assertThat(forwarded).as("the switch keeps forwarding").isGreaterThan(lastForwarded);
                        lastForwarded = forwarded;
                        heapSamples.add(SwitchUnderTest.heapAfterGc());
                        LogCounters lc = sw.assembly.logging().counters();
                        System.out.printf("overload: %ds offered %d forwarded %d drops %d heap %d MB api p99 %.1f ms"
                                        + " logged %d retired %d commits %d noBuffer %d%n",
                                (System.nanoTime() - start) / 1_000_000_000L, g1.sentSoFar() + g2.sentSoFar(),
                                forwarded - txBase, sw.totalDrops() - dropBase, heapSamples.getLast() >> 20, probe.percentileMs(99),
                                lc.frames(), lc.retired(), lc.commits(), lc.skippedNoBuffer());
                    }
                    probe.close();
                    fig.put("seconds", duration.toSeconds()).put("apiRequests", probe.requests())
                            .put("apiP99Ms", round(probe.percentileMs(99))).put("apiMaxMs", round(probe.percentileMs(100)))
                            .put("apiFailures", probe.failures().size());
                    assertThat(probe.failures()).as("API answers during overload").isEmpty();
                    // The latencies are figures of this machine (reported above), not properties to assert.
                } finally {
                    g1.finish();
                    g2.finish();
                    g1.join();
                    g2.join();
                }
                long heapEnd = heapSamples.getLast();
                long offered = g1.sent() + g2.sent();
                await(() -> sw.rx("a", "b") - rxBase == offered, "the switch to take every offered frame");
                long delivered = g1.received() + g2.received();
                long held = Stations.drain(s, Wire.ETHERTYPE_IPV4, 500);
                long rx = sw.rx("a", "b") - rxBase;
                long drops = sw.totalDrops() - dropBase;
                long forwarded = sw.tx("c", "d", "s") - txBase;
                Map<String, Long> byCause = minus(sw.dropsByCause(), dropsBase);
                LogCounters log = sw.assembly.logging().counters();
                logged = log.frames();
                skippedNoBuffer = log.skippedNoBuffer();
                fig.put("storageClass", sw.assembly.pool().storageClass().label()).put("offered", offered).put("backPressured", g1.backPressured() + g2.backPressured())
                        .put("switchRx", rx).put("forwarded", forwarded).put("delivered", delivered).put("heldInStuckPort", held)
                        .put("drops", drops).put("dropsByCause", byCause).put("inRings", offered - rx)
                        .put("outOfOrder", g1.outOfOrder() + g2.outOfOrder())
                        .put("offeredMpps", round(offered / (double) duration.toNanos() * 1e3))
                        .put("logged", logged).put("logSkippedNoBuffer", skippedNoBuffer)
                        .put("heapWarmMB", heapWarm >> 20).put("heapEndMB", heapEnd >> 20)
                        .put("heapSamplesMB", heapSamples.stream().map(h -> h >> 20).toList());
                assertThat(offered).as("frames offered").isPositive();
                assertThat(g1.backPressured() + g2.backPressured()).as("the generators found the switch's rings full: it was overloaded")
                        .isPositive();
                assertThat(sw.rx("c", "d", "s")).as("nothing arrives on the receiving ports").isEqualTo(otherRxBase);
                assertThat(rx).as("every offered frame reached the switch").isEqualTo(offered);
                assertThat(forwarded + drops).as("received = forwarded + dropped by cause").isEqualTo(rx);
                assertThat(delivered + held).as("forwarded = delivered on c, d + held in the stuck port").isEqualTo(forwarded);
                assertThat(delivered + held + drops).as("offered = delivered + held + drops").isEqualTo(offered);
                assertThat(byCause).as("drops by cause").containsOnlyKeys("ring_full");
                assertThat(g1.outOfOrder() + g2.outOfOrder()).as("frames reordered").isZero();
                assertThat(logged).as("frames logged").isPositive();
                assertThat(heapEnd - heapWarm).as("heap growth after GC, bytes").isLessThan(8L << 20);
            } finally {
                for (ShmEndpoint e : List.of(a, b, c, d, s)) {
                    e.close();
                }
            }
        }
        // Closed: the agent committed the log on its way out; read the writer's final figures.
        long committedSeq = packetLog.committedSeq();
        long appendedSeq = packetLog.appendedSeq();
        LogVerifier.Report verify = LogVerifier.verify(poolPath);
        fig.put("logValidRecords", verify.validRecords()).put("logBadRecords", verify.bad().size())
                .put("logRetired", packetLog.retiredCount()).put("committedSeq", committedSeq);
        fig.report();
        assertThat(verify.bad()).as("records failing verification (CRC, torn, ...)").isEmpty();
        assertThat(verify.clean()).isTrue();
        assertThat(verify.validRecords()).isPositive();
        assertThat(committedSeq).as("everything appended was committed at stop").isEqualTo(appendedSeq);
        assertThat(verify.newestSeq()).as("the log ends at the last committed record").isEqualTo(committedSeq);
        assertThat(packetLog.appendedCount()).as("records appended = frames the stage logged").isEqualTo(logged);
    }

    private static GenConfig gen(long src, long dst) {
        return new GenConfig(List.of("tx"), List.of("rx"), 64, 0, 0 + Long.MAX_VALUE / 4, 0, FLOWS, src, dst, -1,
                Ipv4Address.parse("10.1.0.1"), Ipv4Address.parse("10.2.0.1"), 32, false);
    }

    static Map<String, Long> minus(Map<String, Long> now, Map<String, Long> base) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        now.forEach((k, v) -> {
            long d = v - base.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
